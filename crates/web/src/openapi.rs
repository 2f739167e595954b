//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

use crate::api::{
    admin, ledger, ledger_export, ledger_import, notice, notices, registers, session,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Rectify 整改通 API", version = "1", description = "Inspection rectification ledger: JSON over HTTP. Errors: {\"error\":{\"code\",\"message\",\"field\"}}."),
    paths(
        session::login, session::me, session::logout, session::change_password, session::create_token,
        admin::list_organisations, admin::create_organisation, admin::list_people, admin::create_person,
        admin::list_users, admin::create_user, admin::unlock_user, admin::set_role, admin::set_disabled,
        admin::get_policy, admin::put_policy, admin::list_audit,
        ledger::list_rounds, ledger::create_round, ledger::list_inspections, ledger::create_inspection, ledger::get_inspection, ledger::update_inspection,
        ledger::list_aspects, ledger::create_aspect, ledger::list_problems, ledger::inspection_stats,
        ledger::create_problem, ledger::get_problem, ledger::update_problem, ledger::sign_off_problem,
        ledger::list_measures, ledger::get_measure, ledger::create_measure, ledger::update_measure, ledger::transition_measure,
        ledger::list_reports, ledger::measure_history, ledger::create_report,
        ledger::upload_evidence, ledger::get_evidence, ledger::download_evidence,
        notice::import_notice,
        crate::api::supervision::list_years, crate::api::supervision::get_year, crate::api::supervision::put_year,
        crate::api::supervision::lights_summary, crate::api::supervision::get_run, crate::api::supervision::measure_lights,
        crate::api::supervision::put_milestones, crate::api::supervision::get_rules, crate::api::supervision::put_rules,
        crate::api::supervision::inbox, crate::api::supervision::mark_read,
        notices::list_notices, notices::create_notice, notices::get_notice, notices::update_notice, notices::issue_notice,
        notices::reply_notice, notices::review_notice, notices::close_notice, notices::notice_docx, notices::get_scheme, notices::put_scheme,
        notices::monthly_lists, notices::monthly_lists_docx, notices::draft_from_lists,
        crate::api::lookback::list_lookbacks, crate::api::lookback::record_lookback, crate::api::lookback::get_lookback_policy, crate::api::lookback::put_lookback_policy,
        crate::api::lookback::create_draw, crate::api::lookback::list_draws, crate::api::lookback::get_draw, crate::api::lookback::replay_draw,
        crate::api::lookback::record_verification, crate::api::lookback::list_flags, crate::api::lookback::set_person_email,
        registers::list_entries, registers::create_entry, registers::get_entry, registers::replace_entry, registers::delete_entry, registers::register_stats,
        ledger_import::import_ledger,
        ledger_export::export,
    ),
    tags((name = "session"), (name = "admin"), (name = "ledger"), (name = "supervision"), (name = "registers"), (name = "lookback"))
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
