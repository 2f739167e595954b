//! Routes of the JSON API, arranged by domain.

pub mod admin;
pub mod ledger;
pub mod ledger_import;
pub mod ledger_export;
pub mod notice;
pub mod session;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

use crate::AppState;

pub fn routes(state: &AppState) -> Router<AppState> {
    let upload_limit = state.config.upload_limit;
    Router::new()
        .route("/openapi.json", get(crate::openapi::document))
        .route(
            "/session",
            post(session::login)
                .get(session::me)
                .delete(session::logout),
        )
        .route("/session/password", post(session::change_password))
        .route("/tokens", post(session::create_token))
        .route(
            "/organisations",
            get(admin::list_organisations).post(admin::create_organisation),
        )
        .route(
            "/people",
            get(admin::list_people).post(admin::create_person),
        )
        .route("/users", get(admin::list_users).post(admin::create_user))
        .route("/users/{id}/unlock", post(admin::unlock_user))
        .route("/users/{id}/role", put(admin::set_role))
        .route("/users/{id}/disabled", put(admin::set_disabled))
        .route("/policy", get(admin::get_policy).put(admin::put_policy))
        .route("/audit", get(admin::list_audit))
        .route(
            "/rounds",
            get(ledger::list_rounds).post(ledger::create_round),
        )
        .route(
            "/inspections",
            get(ledger::list_inspections).post(ledger::create_inspection),
        )
        .route(
            "/inspections/{id}",
            get(ledger::get_inspection).patch(ledger::update_inspection),
        )
        .route(
            "/inspections/{id}/aspects",
            get(ledger::list_aspects).post(ledger::create_aspect),
        )
        .route("/inspections/{id}/problems", get(ledger::list_problems))
        .route("/inspections/{id}/stats", get(ledger::inspection_stats))
        .route(
            "/inspections/{id}/notice-import",
            post(notice::import_notice).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/inspections/{id}/ledger/import",
            post(ledger_import::import_ledger).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/problems", post(ledger::create_problem))
        .route(
            "/problems/{id}",
            get(ledger::get_problem).patch(ledger::update_problem),
        )
        .route("/problems/{id}/sign-off", post(ledger::sign_off_problem))
        .route(
            "/measures",
            get(ledger::list_measures).post(ledger::create_measure),
        )
        .route(
            "/measures/{id}",
            get(ledger::get_measure).patch(ledger::update_measure),
        )
        .route(
            "/measures/{id}/transitions",
            post(ledger::transition_measure),
        )
        .route("/measures/{id}/reports", get(ledger::list_reports))
        .route("/measures/{id}/history", get(ledger::measure_history))
        .route("/reports", post(ledger::create_report))
        .route(
            "/evidence",
            post(ledger::upload_evidence).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/evidence/{id}", get(ledger::get_evidence))
        .route("/evidence/{id}/content", get(ledger::download_evidence))
        .route("/ledger/export", get(ledger_export::export))
        .layer(DefaultBodyLimit::max(state.config.json_limit))
}
