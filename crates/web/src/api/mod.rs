//! Routes of the JSON API, arranged by domain.

pub mod admin;
pub mod ledger;
pub mod ledger_export;
pub mod ledger_import;
pub mod lookback;
pub mod notice;
pub mod notices;
pub mod registers;
pub mod session;
pub mod supervision;

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
        .route("/calendar", get(supervision::list_years))
        .route(
            "/calendar/{year}",
            get(supervision::get_year).put(supervision::put_year),
        )
        .route("/supervision/lights", get(supervision::lights_summary))
        .route("/supervision/runs/{date}", get(supervision::get_run))
        .route(
            "/supervision/light-rules",
            get(supervision::get_rules).put(supervision::put_rules),
        )
        .route("/measures/{id}/lights", get(supervision::measure_lights))
        .route(
            "/measures/{id}/milestones",
            put(supervision::put_milestones),
        )
        .route("/inbox", get(supervision::inbox))
        .route("/inbox/{id}/read", post(supervision::mark_read))
        .route(
            "/notices",
            get(notices::list_notices).post(notices::create_notice),
        )
        .route(
            "/notices/{id}",
            get(notices::get_notice).patch(notices::update_notice),
        )
        .route("/notices/{id}/issue", post(notices::issue_notice))
        .route("/notices/{id}/reply", post(notices::reply_notice))
        .route("/notices/{id}/review", post(notices::review_notice))
        .route("/notices/{id}/close", post(notices::close_notice))
        .route("/notices/{id}/docx", get(notices::notice_docx))
        .route(
            "/notice-scheme",
            get(notices::get_scheme).put(notices::put_scheme),
        )
        .route("/supervision/lists", get(notices::monthly_lists))
        .route("/supervision/lists/docx", get(notices::monthly_lists_docx))
        .route("/supervision/lists/drafts", post(notices::draft_from_lists))
        .route(
            "/registers",
            get(registers::list_entries).post(registers::create_entry),
        )
        .route("/registers/stats", get(registers::register_stats))
        .route(
            "/registers/{id}",
            get(registers::get_entry)
                .put(registers::replace_entry)
                .delete(registers::delete_entry),
        )
        .route("/lookbacks", get(lookback::list_lookbacks))
        .route("/lookbacks/{id}/result", post(lookback::record_lookback))
        .route(
            "/lookback-policy",
            get(lookback::get_lookback_policy).put(lookback::put_lookback_policy),
        )
        .route(
            "/samples",
            get(lookback::list_draws).post(lookback::create_draw),
        )
        .route("/samples/{id}", get(lookback::get_draw))
        .route("/samples/{id}/replay", get(lookback::replay_draw))
        .route(
            "/samples/{id}/items/{seq}/result",
            post(lookback::record_verification),
        )
        .route("/quality-flags", get(lookback::list_flags))
        .route("/people/{id}/email", put(lookback::set_person_email))
        .route("/ledger/export", get(ledger_export::export))
        .layer(DefaultBodyLimit::max(state.config.json_limit))
}
