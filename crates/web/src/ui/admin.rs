//! The three administrators' pages (三员), each reachable only by its own role: organisations
//! and accounts (system admin); accounts' roles and locks, the role matrix and the security
//! policy (security admin); the audit trail's search and CSV export (audit admin). Changes go
//! through the same API handlers as `/api/v1`, so checks and audit rows are the API's.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use rectify_core::access::{Action, Role};
use rectify_security::audit::AuditRecord;
use rectify_store::{AuditEvent, AuditFilter, Organisation, SecurityPolicy, User};
use serde::Deserialize;

use super::forms::{FieldErrors, UiForm};
use super::{Chrome, Locale, Ui, UiError, UiResult};
use crate::AppState;
use crate::api::admin as api;
use crate::json::JsonBody;

// ---------------------------------------------------------------------------------------
// Texts of the admin pages (a catalogue of their own, checked by the tests below)

/// (id, Chinese, English), sorted by id.
static TEXT: &[(&str, &str, &str)] = &[
    ("a.account", "账号", "Account"),
    ("a.action", "操作", "Action"),
    ("a.actions", "操作", "Actions"),
    ("a.actor", "操作人", "User"),
    ("a.all", "全部", "All"),
    ("a.assign_role", "分配角色", "Assign role"),
    ("a.at", "时间", "Time"),
    ("a.audit_title", "审计日志", "Audit log"),
    (
        "a.created_user",
        "账号已创建。一次性密码(只显示这一次,首次登录须修改):",
        "Account created. One-time password (shown only this once; must be changed at first sign-in):",
    ),
    (
        "a.created_user_role",
        "新账号的角色是“领导”(只读);请安全管理员分配实际角色。",
        "New accounts start as Leader (read-only); the security administrator assigns the real role.",
    ),
    ("a.date_from", "起始日期", "From"),
    ("a.date_to", "截止日期", "To"),
    ("a.disable", "停用", "Disable"),
    ("a.disabled", "已停用", "Disabled"),
    ("a.display_name", "姓名", "Name"),
    ("a.enable", "启用", "Enable"),
    ("a.export_csv", "导出 CSV", "Export CSV"),
    ("a.kind", "类型", "Kind"),
    (
        "a.kind_hint",
        "如:committee、organisation、unit、township",
        "e.g. committee, organisation, unit, township",
    ),
    ("a.locked", "已锁定", "Locked"),
    ("a.login", "登录名", "Login"),
    ("a.more", "更早的记录", "Older entries"),
    ("a.name", "名称", "Name"),
    ("a.new_org", "新建单位", "New organisation"),
    ("a.new_user", "新建账号", "New account"),
    ("a.no_rows", "没有符合条件的记录。", "No matching entries."),
    ("a.object", "对象", "Object"),
    ("a.object_id", "对象编号", "Object id"),
    ("a.object_type", "对象类型", "Object type"),
    ("a.ok", "正常", "Active"),
    ("a.organisation", "所属单位", "Organisation"),
    ("a.orgs_title", "单位管理", "Organisations"),
    ("a.outcome", "结果", "Outcome"),
    ("a.parent", "上级单位", "Parent organisation"),
    ("a.permission", "权限", "Permission"),
    (
        "a.policy_absolute_hours",
        "会话最长时间(小时)",
        "Session lifetime (hours)",
    ),
    (
        "a.policy_disable_idle",
        "长期未登录自动停用(天)",
        "Disable after unused (days)",
    ),
    (
        "a.policy_history",
        "不得重复使用最近几次密码",
        "Previous passwords not reusable",
    ),
    (
        "a.policy_idle_other",
        "其他账号空闲超时(分钟)",
        "Idle timeout, other accounts (minutes)",
    ),
    (
        "a.policy_idle_priv",
        "特权账号空闲超时(分钟)",
        "Idle timeout, privileged accounts (minutes)",
    ),
    (
        "a.policy_ip_failures",
        "同一地址每 15 分钟失败上限",
        "Failures per address per 15 minutes",
    ),
    (
        "a.policy_lock_after",
        "连续失败几次锁定",
        "Lock after failed sign-ins",
    ),
    (
        "a.policy_lock_minutes",
        "锁定时长(分钟)",
        "Lock duration (minutes)",
    ),
    (
        "a.policy_max_age",
        "密码有效期(天,0 为不过期)",
        "Password lifetime (days, 0 = never)",
    ),
    (
        "a.policy_min_classes",
        "密码至少包含几类字符",
        "Character classes required",
    ),
    (
        "a.policy_min_length",
        "密码最短长度",
        "Minimum password length",
    ),
    (
        "a.policy_saved",
        "安全策略已保存。",
        "The security policy has been saved.",
    ),
    ("a.policy_title", "安全策略", "Security policy"),
    ("a.role", "角色", "Role"),
    ("a.roles_title", "角色与权限", "Roles and permissions"),
    ("a.saved", "已保存。", "Saved."),
    ("a.search", "查询", "Search"),
    (
        "a.security_title",
        "账号角色与解锁",
        "Account roles and unlocking",
    ),
    ("a.state", "状态", "State"),
    ("a.unlock", "解锁", "Unlock"),
    (
        "a.unlocked",
        "账号已解锁。",
        "The account has been unlocked.",
    ),
    ("a.users_title", "账号管理", "Accounts"),
    ("act.assign_roles", "分配角色", "Assign roles"),
    ("act.edit_measure", "编辑整改措施", "Edit measures"),
    ("act.edit_plan", "编制整改方案", "Edit the plan"),
    (
        "act.edit_policy",
        "修改安全策略",
        "Edit the security policy",
    ),
    ("act.manage_orgs", "管理单位", "Manage organisations"),
    ("act.manage_users", "管理账号", "Manage accounts"),
    ("act.read_audit", "查阅审计日志", "Read the audit log"),
    ("act.read_ledger", "查阅整改台账", "Read the ledger"),
    ("act.reopen", "重新打开", "Reopen"),
    ("act.report", "填报进展", "Report progress"),
    ("act.review", "审核", "Review"),
    ("act.sign_off", "销号", "Sign off"),
    (
        "err.bad_date",
        "日期无效,请按 年-月-日 填写。",
        "Not a valid date; use YYYY-MM-DD.",
    ),
    ("err.bad_number", "请填写整数。", "Enter a whole number."),
    ("err.bad_role", "未知角色。", "Unknown role."),
];

/// The admin pages' texts in one language (`{{ x.tr("a.login") }}` in templates).
#[derive(Clone, Copy)]
pub struct AdminText(pub Locale);

impl AdminText {
    pub fn tr(&self, id: &str) -> &'static str {
        match TEXT.binary_search_by(|(k, _, _)| (*k).cmp(id)) {
            Ok(i) => match self.0 {
                Locale::Zh => TEXT[i].1,
                Locale::En => TEXT[i].2,
            },
            Err(_) => "⟦missing text⟧",
        }
    }
}

const ACTIONS: [(Action, &str); 13] = [
    (Action::ManageOrganisations, "act.manage_orgs"),
    (Action::ManageUsers, "act.manage_users"),
    (Action::AssignRoles, "act.assign_roles"),
    (Action::UnlockUsers, "act.assign_roles"),
    (Action::EditPolicy, "act.edit_policy"),
    (Action::ReadAudit, "act.read_audit"),
    (Action::ReadLedger, "act.read_ledger"),
    (Action::EditPlan, "act.edit_plan"),
    (Action::EditMeasure, "act.edit_measure"),
    (Action::Report, "act.report"),
    (Action::Review, "act.review"),
    (Action::SignOff, "act.sign_off"),
    (Action::Reopen, "act.reopen"),
];

// ---------------------------------------------------------------------------------------
// Shared

/// Only this administrator role may open the page; everyone else gets 403.
fn only(ui: &Ui, role: Role) -> UiResult<()> {
    if ui.role() == role {
        Ok(())
    } else {
        Err(UiError::forbidden())
    }
}

/// An account as the lists show it.
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: &'static str,
    pub role_id: &'static str,
    pub org: String,
    pub locked: bool,
    pub disabled: bool,
    pub is_self: bool,
}

async fn user_rows(s: &AppState, ui: &Ui) -> UiResult<(Vec<Organisation>, Vec<UserRow>)> {
    let orgs = s.store.organisations_in(&ui.auth.user.org_path).await?;
    let users: Vec<User> = s.store.users_in(&ui.auth.user.org_path).await?;
    let now = chrono::Utc::now();
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            role: ui.locale.role(u.role),
            role_id: u.role.as_str(),
            org: orgs
                .iter()
                .find(|o| o.id == u.organisation_id)
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            locked: u.is_locked(now),
            disabled: u.disabled,
            is_self: u.id == ui.auth.user.id,
            login: u.login,
            name: u.display_name,
        })
        .collect();
    Ok((orgs, rows))
}

/// The API's error as a message on the form (a field error when it names a field).
fn api_failure(l: Locale, e: crate::error::ApiError, field: &str) -> UiResult<FieldErrors> {
    FieldErrors::from_api(l, e, field)
}

/// GET /admin: each administrator's first page.
pub async fn index(ui: Ui) -> UiResult<Response> {
    let to = match ui.role() {
        Role::SystemAdmin => "/admin/users",
        Role::SecurityAdmin => "/admin/security",
        Role::AuditAdmin => "/admin/audit",
        _ => return Err(UiError::forbidden()),
    };
    Ok(super::see_other(to))
}

// ---------------------------------------------------------------------------------------
// System admin: organisations

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrgsPage {
    c: Chrome,
    x: AdminText,
    orgs: Vec<Organisation>,
    form: OrgForm,
    errors: FieldErrors,
    saved: bool,
}

impl OrgsPage {
    fn parent_name(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.orgs.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }
    fn depth(&self, o: &Organisation) -> usize {
        o.path.as_str().matches('/').count().saturating_sub(2)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct OrgForm {
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn orgs_page(
    s: &AppState,
    ui: &Ui,
    form: OrgForm,
    errors: FieldErrors,
    saved: bool,
) -> UiResult<Response> {
    let x = AdminText(ui.locale);
    let orgs = s.store.organisations_in(&ui.auth.user.org_path).await?;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(super::html(
        status,
        &OrgsPage {
            c: ui.chrome(s, x.tr("a.orgs_title"), "admin").await,
            x,
            orgs,
            form,
            errors,
            saved,
        },
    ))
}

/// GET /admin/organisations
pub async fn organisations(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<SavedQuery>,
) -> UiResult<Response> {
    only(&ui, Role::SystemAdmin)?;
    orgs_page(
        &s,
        &ui,
        OrgForm::default(),
        FieldErrors::new(),
        q.saved.is_some(),
    )
    .await
}

/// POST /admin/organisations
pub async fn create_organisation(
    State(s): State<AppState>,
    ui: Ui,
    UiForm(f): UiForm<OrgForm>,
) -> UiResult<Response> {
    only(&ui, Role::SystemAdmin)?;
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    errors.require(
        l,
        &[
            ("parent_id", &f.parent_id),
            ("name", &f.name),
            ("kind", &f.kind),
        ],
    );
    let parent = f.parent_id.trim().parse::<i64>().ok();
    if !errors.is_empty() || parent.is_none() {
        if errors.is_empty() {
            errors.add("parent_id", l.t("err.required"));
        }
        return orgs_page(&s, &ui, f, errors, false).await;
    }
    let r = api::create_organisation(
        State(s.clone()),
        ui.auth.clone(),
        JsonBody(api::OrganisationRequest {
            parent_id: parent.unwrap_or_default(),
            name: f.name.trim().to_string(),
            kind: f.kind.trim().to_string(),
        }),
    )
    .await;
    match r {
        Ok(_) => Ok(super::see_other("/admin/organisations?saved=1")),
        Err(e) => {
            let errors = api_failure(l, e, "name")?;
            orgs_page(&s, &ui, f, errors, false).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// System admin: accounts

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    c: Chrome,
    x: AdminText,
    orgs: Vec<Organisation>,
    users: Vec<UserRow>,
    form: UserForm,
    errors: FieldErrors,
    /// (login, one-time password) of the account just created: shown once.
    created: Option<(String, String)>,
}

impl UsersPage {
    fn org_selected(&self, id: &i64) -> bool {
        self.form.organisation_id.trim() == id.to_string()
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    organisation_id: String,
}

async fn users_page(
    s: &AppState,
    ui: &Ui,
    form: UserForm,
    errors: FieldErrors,
    created: Option<(String, String)>,
) -> UiResult<Response> {
    let x = AdminText(ui.locale);
    let (orgs, users) = user_rows(s, ui).await?;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(super::html(
        status,
        &UsersPage {
            c: ui.chrome(s, x.tr("a.users_title"), "admin").await,
            x,
            orgs,
            users,
            form,
            errors,
            created,
        },
    ))
}

/// GET /admin/users
pub async fn users(State(s): State<AppState>, ui: Ui) -> UiResult<Response> {
    only(&ui, Role::SystemAdmin)?;
    users_page(&s, &ui, UserForm::default(), FieldErrors::new(), None).await
}

/// POST /admin/users: the one-time password is shown on the answer page only (never stored
/// in clear, never redirected through a URL).
pub async fn create_user(
    State(s): State<AppState>,
    ui: Ui,
    UiForm(f): UiForm<UserForm>,
) -> UiResult<Response> {
    only(&ui, Role::SystemAdmin)?;
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    errors.require(
        l,
        &[
            ("login", &f.login),
            ("display_name", &f.display_name),
            ("organisation_id", &f.organisation_id),
        ],
    );
    let org = f.organisation_id.trim().parse::<i64>().ok();
    if org.is_none() && errors.get("organisation_id").is_none() {
        errors.add("organisation_id", l.t("err.required"));
    }
    if !errors.is_empty() {
        return users_page(&s, &ui, f, errors, None).await;
    }
    let r = api::create_user(
        State(s.clone()),
        ui.auth.clone(),
        JsonBody(api::UserRequest {
            login: f.login.trim().to_string(),
            display_name: f.display_name.trim().to_string(),
            organisation_id: org.unwrap_or_default(),
            person_id: None,
        }),
    )
    .await;
    match r {
        Ok((_, Json(created))) => {
            let mut resp = users_page(
                &s,
                &ui,
                UserForm::default(),
                FieldErrors::new(),
                Some((created.user.login, created.one_time_password)),
            )
            .await?;
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(resp)
        }
        Err(e) => {
            let errors = api_failure(l, e, "login")?;
            users_page(&s, &ui, f, errors, None).await
        }
    }
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    disabled: String,
}

/// POST /admin/users/{id}/disabled (`disabled=1` or `0`).
pub async fn set_disabled(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<DisableForm>,
) -> UiResult<Response> {
    only(&ui, Role::SystemAdmin)?;
    api::set_disabled(
        State(s.clone()),
        ui.auth.clone(),
        Path(id),
        JsonBody(api::DisabledRequest {
            disabled: f.disabled == "1",
        }),
    )
    .await?;
    Ok(super::see_other("/admin/users"))
}

// ---------------------------------------------------------------------------------------
// Security admin: roles, unlocking, policy

#[derive(Template)]
#[template(path = "admin/security.html")]
struct SecurityPage {
    c: Chrome,
    x: AdminText,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    /// Permission name and, per role in `roles` order, whether the role has it.
    matrix: Vec<(&'static str, Vec<bool>)>,
    notice: Option<&'static str>,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn security_page(
    s: &AppState,
    ui: &Ui,
    notice: Option<&'static str>,
    errors: FieldErrors,
) -> UiResult<Response> {
    let x = AdminText(ui.locale);
    let (_, users) = user_rows(s, ui).await?;
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), ui.locale.role(*r)))
        .collect();
    let mut matrix: Vec<(&'static str, Vec<bool>)> = Vec::new();
    for (a, id) in ACTIONS {
        let row: Vec<bool> = Role::ALL.iter().map(|r| r.may(a)).collect();
        match matrix.iter_mut().find(|(k, _)| *k == x.tr(id)) {
            // Unlocking shares the "assign roles" line: same role, one row.
            Some((_, existing)) => {
                for (e, n) in existing.iter_mut().zip(row) {
                    *e |= n;
                }
            }
            None => matrix.push((x.tr(id), row)),
        }
    }
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(super::html(
        status,
        &SecurityPage {
            c: ui.chrome(s, x.tr("a.security_title"), "admin").await,
            x,
            users,
            roles,
            matrix,
            notice,
            errors,
        },
    ))
}

/// GET /admin/security: accounts with role and lock state, the role matrix.
pub async fn security(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<NoticeQuery>,
) -> UiResult<Response> {
    only(&ui, Role::SecurityAdmin)?;
    let x = AdminText(ui.locale);
    let notice = match q.done.as_deref() {
        Some("unlock") => Some(x.tr("a.unlocked")),
        Some(_) => Some(x.tr("a.saved")),
        None => None,
    };
    security_page(&s, &ui, notice, FieldErrors::new()).await
}

/// POST /admin/users/{id}/unlock
pub async fn unlock(State(s): State<AppState>, ui: Ui, Path(id): Path<i64>) -> UiResult<Response> {
    only(&ui, Role::SecurityAdmin)?;
    api::unlock_user(State(s.clone()), ui.auth.clone(), Path(id)).await?;
    Ok(super::see_other("/admin/security?done=unlock"))
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// POST /admin/users/{id}/role
pub async fn set_role(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<RoleForm>,
) -> UiResult<Response> {
    only(&ui, Role::SecurityAdmin)?;
    let x = AdminText(ui.locale);
    let Some(role) = Role::ALL.into_iter().find(|r| r.as_str() == f.role) else {
        let mut errors = FieldErrors::new();
        errors.add("role", x.tr("err.bad_role"));
        return security_page(&s, &ui, None, errors).await;
    };
    match api::set_role(
        State(s.clone()),
        ui.auth.clone(),
        Path(id),
        JsonBody(api::RoleRequest { role }),
    )
    .await
    {
        Ok(_) => Ok(super::see_other("/admin/security?done=role")),
        Err(e) => {
            let errors = api_failure(ui.locale, e, "role")?;
            security_page(&s, &ui, None, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/policy.html")]
struct PolicyPage {
    c: Chrome,
    x: AdminText,
    /// (field name, label id, value as typed)
    fields: Vec<(&'static str, &'static str, String)>,
    errors: FieldErrors,
    saved: bool,
}

/// The policy form's fields: name, label and how to read and write the value.
const POLICY_FIELDS: [(&str, &str); 11] = [
    ("password.min_length", "a.policy_min_length"),
    ("password.min_classes", "a.policy_min_classes"),
    ("password.history", "a.policy_history"),
    ("password.max_age_days", "a.policy_max_age"),
    ("lock_after_failures", "a.policy_lock_after"),
    ("lock_minutes", "a.policy_lock_minutes"),
    ("ip_failures_per_15min", "a.policy_ip_failures"),
    ("idle_minutes_privileged", "a.policy_idle_priv"),
    ("idle_minutes_other", "a.policy_idle_other"),
    ("absolute_hours", "a.policy_absolute_hours"),
    ("disable_after_idle_days", "a.policy_disable_idle"),
];

fn policy_value(p: &SecurityPolicy, field: &str) -> i64 {
    match field {
        "password.min_length" => p.password.min_length as i64,
        "password.min_classes" => i64::from(p.password.min_classes),
        "password.history" => p.password.history as i64,
        "password.max_age_days" => i64::from(p.password.max_age_days),
        "lock_after_failures" => p.lock_after_failures,
        "lock_minutes" => p.lock_minutes,
        "ip_failures_per_15min" => p.ip_failures_per_15min,
        "idle_minutes_privileged" => p.idle_minutes_privileged,
        "idle_minutes_other" => p.idle_minutes_other,
        "absolute_hours" => p.absolute_hours,
        _ => p.disable_after_idle_days,
    }
}

/// Set one field; false when the number does not fit the field's type.
fn set_policy_value(p: &mut SecurityPolicy, field: &str, v: i64) -> bool {
    match field {
        "password.min_length" => usize::try_from(v)
            .map(|v| p.password.min_length = v)
            .is_ok(),
        "password.min_classes" => u8::try_from(v)
            .ok()
            .filter(|v| (1..=4).contains(v))
            .map(|v| p.password.min_classes = v)
            .is_some(),
        "password.history" => usize::try_from(v).map(|v| p.password.history = v).is_ok(),
        "password.max_age_days" => u32::try_from(v)
            .map(|v| p.password.max_age_days = v)
            .is_ok(),
        "lock_after_failures" => {
            p.lock_after_failures = v;
            true
        }
        "lock_minutes" => {
            p.lock_minutes = v;
            true
        }
        "ip_failures_per_15min" => {
            p.ip_failures_per_15min = v;
            v >= 1
        }
        "idle_minutes_privileged" => {
            p.idle_minutes_privileged = v;
            true
        }
        "idle_minutes_other" => {
            p.idle_minutes_other = v;
            true
        }
        "absolute_hours" => {
            p.absolute_hours = v;
            true
        }
        "disable_after_idle_days" => {
            p.disable_after_idle_days = v;
            v >= 0
        }
        _ => false,
    }
}

async fn policy_page(
    s: &AppState,
    ui: &Ui,
    fields: Vec<(&'static str, &'static str, String)>,
    errors: FieldErrors,
    saved: bool,
) -> UiResult<Response> {
    let x = AdminText(ui.locale);
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(super::html(
        status,
        &PolicyPage {
            c: ui.chrome(s, x.tr("a.policy_title"), "admin").await,
            x,
            fields,
            errors,
            saved,
        },
    ))
}

/// GET /admin/policy
pub async fn policy(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<SavedQuery>,
) -> UiResult<Response> {
    only(&ui, Role::SecurityAdmin)?;
    let p = s.store.policy().await?;
    let fields = POLICY_FIELDS
        .iter()
        .map(|(f, label)| (*f, *label, policy_value(&p, f).to_string()))
        .collect();
    policy_page(&s, &ui, fields, FieldErrors::new(), q.saved.is_some()).await
}

/// POST /admin/policy: every field as typed is kept on error; range checks are the API's.
pub async fn save_policy(
    State(s): State<AppState>,
    ui: Ui,
    UiForm(form): UiForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    only(&ui, Role::SecurityAdmin)?;
    let x = AdminText(ui.locale);
    let mut p = s.store.policy().await?;
    let mut errors = FieldErrors::new();
    let mut fields = Vec::new();
    for (f, label) in POLICY_FIELDS.iter() {
        let typed = form
            .iter()
            .find(|(k, _)| k == f)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        match typed.trim().parse::<i64>() {
            Ok(v) if set_policy_value(&mut p, f, v) => {}
            Ok(_) => errors.add(f, ui.locale.error("out_of_range", x.tr("err.bad_number"))),
            Err(_) => errors.add(f, x.tr("err.bad_number")),
        }
        fields.push((*f, *label, typed));
    }
    if errors.is_empty() {
        match api::put_policy(State(s.clone()), ui.auth.clone(), JsonBody(p)).await {
            Ok(_) => return Ok(super::see_other("/admin/policy?saved=1")),
            Err(e) => {
                // The API names `password.min_length` for the length pair.
                errors = api_failure(ui.locale, e, "lock_after_failures")?;
            }
        }
    }
    policy_page(&s, &ui, fields, errors, false).await
}

// ---------------------------------------------------------------------------------------
// Audit admin: search and export

#[derive(Deserialize, Default, Clone)]
pub struct AuditForm {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    object_type: String,
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before_seq: String,
}

impl AuditForm {
    /// The store filter, or the fields at fault.
    fn filter(&self, x: AdminText, limit: i64) -> Result<AuditFilter, FieldErrors> {
        let opt = |v: &str| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_string())
        };
        let mut errors = FieldErrors::new();
        let mut date = |field: &str, v: &str| -> Option<NaiveDate> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
            if d.is_none() {
                errors.add(field, x.tr("err.bad_date"));
            }
            d
        };
        let from = date("from", &self.from);
        let to = date("to", &self.to);
        if let (Some(a), Some(b)) = (from, to)
            && a > b
        {
            errors.add("to", x.0.t("err.date_order"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AuditFilter {
            object_type: opt(&self.object_type),
            object_id: opt(&self.object_id),
            actor: opt(&self.actor),
            action: opt(&self.action),
            before_seq: self.before_seq.trim().parse().ok(),
            limit,
            // Audit times are local (+08:00) RFC 3339 text: a day is a prefix range.
            at_from: from.map(|d| d.format("%Y-%m-%d").to_string()),
            at_before: to.map(|d| (d + Duration::days(1)).format("%Y-%m-%d").to_string()),
        })
    }

    /// The query string of this search (for the export link and paging).
    fn query(&self, before_seq: Option<i64>) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("object_type", &self.object_type),
            ("object_id", &self.object_id),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.trim().is_empty() {
                q.append_pair(k, v.trim());
            }
        }
        if let Some(b) = before_seq {
            q.append_pair("before_seq", &b.to_string());
        }
        q.finish()
    }
}

/// One audit row as the table shows it.
pub struct AuditLine {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub object: String,
    pub outcome: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    c: Chrome,
    x: AdminText,
    form: AuditForm,
    errors: FieldErrors,
    rows: Vec<AuditLine>,
    export: String,
    more: Option<String>,
}

const PAGE: i64 = 100;

/// Reading the audit trail is itself audited (as the API does).
async fn audit_read(
    s: &AppState,
    ui: &Ui,
    event: &str,
    form: &AuditForm,
    rows: usize,
) -> UiResult<()> {
    let mut w = s.store.begin_write().await?;
    w.audit(
        &ui.auth.actor(),
        AuditEvent::ok(event, "audit_log", "").after(serde_json::json!({
            "actor": form.actor, "action": form.action, "object_type": form.object_type,
            "object_id": form.object_id, "from": form.from, "to": form.to, "rows": rows
        })),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// GET /admin/audit?actor=&action=&object_type=&object_id=&from=&to=&before_seq=
pub async fn audit(
    State(s): State<AppState>,
    ui: Ui,
    Query(form): Query<AuditForm>,
) -> UiResult<Response> {
    only(&ui, Role::AuditAdmin)?;
    let x = AdminText(ui.locale);
    let (rows, errors) = match form.filter(x, PAGE + 1) {
        Ok(f) => (s.store.audit_list(&f).await?, FieldErrors::new()),
        Err(e) => (Vec::new(), e),
    };
    let more = (rows.len() as i64 > PAGE)
        .then(|| rows.get(PAGE as usize - 1).map(|r| form.query(Some(r.seq))))
        .flatten();
    let rows: Vec<AuditRecord> = rows.into_iter().take(PAGE as usize).collect();
    audit_read(&s, &ui, "audit.view", &form, rows.len()).await?;
    let lines = rows
        .into_iter()
        .map(|r| AuditLine {
            seq: r.seq,
            at: ui.locale.timestamp(&r.at),
            actor: r.actor.unwrap_or_default(),
            role: r.role.unwrap_or_default(),
            action: r.action,
            object: match r.object_id {
                Some(id) if !id.is_empty() => format!("{} #{id}", r.object_type),
                _ => r.object_type,
            },
            outcome: r.outcome,
            ip: r.source_ip.unwrap_or_default(),
        })
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(super::html(
        status,
        &AuditPage {
            c: ui.chrome(&s, x.tr("a.audit_title"), "admin").await,
            x,
            export: form.query(None),
            form,
            errors,
            rows: lines,
            more,
        },
    ))
}

/// Most rows one export holds.
const EXPORT_MAX: usize = 100_000;

/// GET /admin/audit.csv?…: the same search as CSV (UTF-8 with BOM so spreadsheet programs
/// read the Chinese; cells that start like a formula are prefixed with `'`).
pub async fn audit_csv(
    State(s): State<AppState>,
    ui: Ui,
    Query(form): Query<AuditForm>,
) -> UiResult<Response> {
    only(&ui, Role::AuditAdmin)?;
    let x = AdminText(ui.locale);
    let mut f = form.filter(x, 1000).map_err(|e| {
        let msg = e
            .all()
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; ");
        UiError::Detailed(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "bad_form",
            msg,
        )
    })?;
    let mut out = String::from("\u{feff}");
    out.push_str("seq,at,actor,role,action,object_type,object_id,outcome,source_ip,request_id,before,after,alg,hash\r\n");
    let mut n = 0usize;
    loop {
        let rows = s.store.audit_list(&f).await?;
        let last = rows.last().map(|r| r.seq);
        for r in &rows {
            let cells = [
                r.seq.to_string(),
                r.at.clone(),
                r.actor.clone().unwrap_or_default(),
                r.role.clone().unwrap_or_default(),
                r.action.clone(),
                r.object_type.clone(),
                r.object_id.clone().unwrap_or_default(),
                r.outcome.clone(),
                r.source_ip.clone().unwrap_or_default(),
                r.request_id.clone().unwrap_or_default(),
                r.before.clone().unwrap_or_default(),
                r.after.clone().unwrap_or_default(),
                r.alg.as_str().to_string(),
                r.hash.clone(),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
            n += 1;
        }
        if rows.len() < 1000 || n >= EXPORT_MAX {
            break;
        }
        f.before_seq = last;
    }
    audit_read(&s, &ui, "audit.export", &form, n).await?;
    let name = format!("audit-{}.csv", rectify_store::today().format("%Y%m%d"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        out,
    )
        .into_response())
}

/// One CSV cell: quoted when needed; a leading `= + - @` (a spreadsheet formula) is defused.
pub fn csv_cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_sorted_unique_and_every_used_id_exists() {
        for w in TEXT.windows(2) {
            assert!(w[0].0 < w[1].0, "{} must come before {}", w[0].0, w[1].0);
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("src/ui/admin.rs")];
        for e in std::fs::read_dir(root.join("templates/admin")).unwrap() {
            files.push(e.unwrap().path());
        }
        let mut checked = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, _) in text.match_indices("tr(\"") {
                if i == 0 || !text[..i].ends_with('.') {
                    continue;
                }
                let rest = &text[i + 4..];
                let id = &rest[..rest.find('"').unwrap()];
                assert!(
                    TEXT.iter().any(|(k, _, _)| *k == id),
                    "{}: admin text {id} missing",
                    f.display()
                );
                checked += 1;
            }
        }
        assert!(checked > 30, "found only {checked} ids");
        for (_, id) in ACTIONS {
            assert_ne!(AdminText(Locale::En).tr(id), "⟦missing text⟧");
        }
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("-2,3"), "\"'-2,3\"");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn audit_dates_become_a_half_open_range() {
        let x = AdminText(Locale::En);
        let f = AuditForm {
            from: "2026-11-01".into(),
            to: "2026-11-28".into(),
            ..Default::default()
        };
        let filter = f.filter(x, 10).unwrap();
        assert_eq!(filter.at_from.as_deref(), Some("2026-11-01"));
        assert_eq!(filter.at_before.as_deref(), Some("2026-11-29"));
        let bad = AuditForm {
            from: "2026-13-01".into(),
            ..Default::default()
        };
        assert!(bad.filter(x, 10).unwrap_err().get("from").is_some());
        let reversed = AuditForm {
            from: "2026-11-28".into(),
            to: "2026-11-01".into(),
            ..Default::default()
        };
        assert!(reversed.filter(x, 10).unwrap_err().get("to").is_some());
    }
}
