//! The three administrators' routes: organisations, people and accounts (system admin);
//! roles, policy and unlocking (security admin); the audit trail (audit admin).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rectify_core::access::{Action, Role};
use rectify_security::audit::AuditRecord;
use rectify_security::password;
use rectify_store::{
    AuditEvent, AuditFilter, NewOrganisation, NewPerson, NewUser, Organisation, Person,
    SecurityPolicy, User,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;

/// Organisations in the caller's subtree. Any signed-in role may read the tree it lives in.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "admin", responses((status = 200, body = Vec<Organisation>)))]
pub async fn list_organisations(
    State(s): State<AppState>,
    a: Auth,
) -> ApiResult<Json<Vec<Organisation>>> {
    Ok(Json(s.store.organisations_in(&a.user.org_path).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRequest {
    pub parent_id: i64,
    pub name: String,
    /// e.g. committee, organisation, unit, township
    pub kind: String,
}

fn in_scope(a: &Auth, org: &Organisation) -> ApiResult<()> {
    if a.user.org_path.contains(&org.path) {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

async fn org_in_scope(s: &AppState, a: &Auth, field: &str, id: i64) -> ApiResult<Organisation> {
    let o =
        s.store.organisation(id).await.map_err(|_| {
            ApiError::field(field, "not_found", "单位不存在 (no such organisation)")
        })?;
    in_scope(a, &o)
        .map_err(|_| ApiError::field(field, "not_found", "单位不存在 (no such organisation)"))?;
    Ok(o)
}

/// Create an organisation under one in the system admin's subtree.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "admin", request_body = OrganisationRequest,
    responses((status = 201, body = Organisation), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_organisation(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<OrganisationRequest>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    a.require(Action::ManageOrganisations)?;
    org_in_scope(&s, &a, "parent_id", r.parent_id).await?;
    let mut w = s.store.begin_write().await?;
    let o = w
        .create_organisation(
            &a.actor(),
            &NewOrganisation {
                parent_id: Some(r.parent_id),
                name: r.name,
                kind: r.kind,
            },
        )
        .await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(o)))
}

/// People (leaders in charge, owners, liaisons) in the caller's subtree; phone numbers masked.
#[utoipa::path(get, path = "/api/v1/people", tag = "admin", responses((status = 200, body = Vec<Person>)))]
pub async fn list_people(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Vec<Person>>> {
    let mut people = s.store.people_in(&a.user.org_path).await?;
    for p in &mut people {
        p.phone = p.phone.as_deref().map(mask_phone);
    }
    Ok(Json(people))
}

/// 138****5678: keep the first three and last four digits.
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 7));
    out.extend(&chars[chars.len() - 4..]);
    out
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRequest {
    pub organisation_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
}

/// Register a person (system admin, or the office for its own organisation's people).
#[utoipa::path(post, path = "/api/v1/people", tag = "admin", request_body = PersonRequest,
    responses((status = 201, body = Person), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_person(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<PersonRequest>,
) -> ApiResult<(StatusCode, Json<Person>)> {
    if !(a.user.role.may(Action::ManageUsers) || a.user.role.may(Action::EditPlan)) {
        return Err(ApiError::forbidden());
    }
    org_in_scope(&s, &a, "organisation_id", r.organisation_id).await?;
    let mut w = s.store.begin_write().await?;
    let p = w
        .create_person(
            &a.actor(),
            &NewPerson {
                organisation_id: r.organisation_id,
                name: r.name,
                title: r.title,
                phone: r.phone,
            },
        )
        .await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Accounts in the caller's subtree (the three administrators only).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", responses((status = 200, body = Vec<User>), (status = 403, body = ErrorBody)))]
pub async fn list_users(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Vec<User>>> {
    if !(a.user.role.may(Action::ManageUsers) || a.user.role.may(Action::AssignRoles)) {
        return Err(ApiError::forbidden());
    }
    Ok(Json(s.store.users_in(&a.user.org_path).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRequest {
    pub login: String,
    pub display_name: String,
    pub organisation_id: i64,
    pub person_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserCreated {
    pub user: User,
    /// One-time password: shown once, must be changed at first sign-in.
    pub one_time_password: String,
}

/// Create an account (system admin). It starts with the least role, `leader` (read-only);
/// the security admin assigns the real role, so no one administrator can create a privileged
/// account alone.
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = UserRequest,
    responses((status = 201, body = UserCreated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<UserRequest>,
) -> ApiResult<(StatusCode, Json<UserCreated>)> {
    a.require(Action::ManageUsers)?;
    org_in_scope(&s, &a, "organisation_id", r.organisation_id).await?;
    let policy = s.policy().await?;
    let otp = password::generate_one_time(16);
    let mut w = s.store.begin_write().await?;
    let u = w
        .create_user(
            &a.actor(),
            &NewUser {
                login: r.login,
                display_name: r.display_name,
                role: Role::Leader,
                organisation_id: r.organisation_id,
                person_id: r.person_id,
            },
        )
        .await?;
    w.set_password(&a.actor(), u.id, &otp, &policy, true)
        .await?;
    w.commit().await?;
    let u = s.store.user(u.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserCreated {
            user: u,
            one_time_password: otp,
        }),
    ))
}

async fn user_in_scope(s: &AppState, a: &Auth, id: i64) -> ApiResult<User> {
    let u = s.store.user(id).await.map_err(|_| ApiError::not_found())?;
    if !a.user.org_path.contains(&u.org_path) {
        return Err(ApiError::not_found());
    }
    Ok(u)
}

/// Unlock an account locked by failed sign-ins (security admin).
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "admin", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unlock_user(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    a.require(Action::UnlockUsers)?;
    user_in_scope(&s, &a, id).await?;
    let mut w = s.store.begin_write().await?;
    w.unlock_user(&a.actor(), id).await?;
    w.commit().await?;
    s.tokens.clear();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    pub role: Role,
}

/// Assign a role (security admin). An account has exactly one role; no one changes their own.
#[utoipa::path(put, path = "/api/v1/users/{id}/role", tag = "admin", params(("id" = i64, Path)), request_body = RoleRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_role(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<RoleRequest>,
) -> ApiResult<StatusCode> {
    a.require(Action::AssignRoles)?;
    if id == a.user.id {
        return Err(ApiError::field(
            "role",
            "own_role",
            "不能修改自己的角色 (cannot change your own role)",
        ));
    }
    user_in_scope(&s, &a, id).await?;
    let mut w = s.store.begin_write().await?;
    w.set_role(&a.actor(), id, r.role).await?;
    w.commit().await?;
    s.tokens.clear();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisabledRequest {
    pub disabled: bool,
}

/// Disable or enable an account (system admin); disabling ends its sessions and tokens.
#[utoipa::path(put, path = "/api/v1/users/{id}/disabled", tag = "admin", params(("id" = i64, Path)), request_body = DisabledRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_disabled(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<DisabledRequest>,
) -> ApiResult<StatusCode> {
    a.require(Action::ManageUsers)?;
    if id == a.user.id {
        return Err(ApiError::field(
            "disabled",
            "own_account",
            "不能停用自己的账号 (cannot disable your own account)",
        ));
    }
    user_in_scope(&s, &a, id).await?;
    let mut w = s.store.begin_write().await?;
    w.set_disabled(&a.actor(), id, r.disabled).await?;
    w.commit().await?;
    s.tokens.clear();
    Ok(StatusCode::NO_CONTENT)
}

/// The security policy (security admin).
#[utoipa::path(get, path = "/api/v1/policy", tag = "admin", responses((status = 200, body = SecurityPolicy), (status = 403, body = ErrorBody)))]
pub async fn get_policy(State(s): State<AppState>, a: Auth) -> ApiResult<Json<SecurityPolicy>> {
    a.require(Action::EditPolicy)?;
    Ok(Json(s.store.policy().await?))
}

/// Replace the security policy (security admin). Values below the 等保 floor are refused.
#[utoipa::path(put, path = "/api/v1/policy", tag = "admin", request_body = SecurityPolicy,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_policy(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(p): JsonBody<SecurityPolicy>,
) -> ApiResult<StatusCode> {
    a.require(Action::EditPolicy)?;
    let checks: [(&str, bool); 6] = [
        (
            "password.min_length",
            p.password.min_length >= 8
                && p.password.max_length >= 64
                && p.password.min_length <= p.password.max_length,
        ),
        (
            "lock_after_failures",
            (1..=10).contains(&p.lock_after_failures),
        ),
        ("lock_minutes", (1..=1440).contains(&p.lock_minutes)),
        (
            "idle_minutes_privileged",
            (1..=30).contains(&p.idle_minutes_privileged),
        ),
        (
            "idle_minutes_other",
            (1..=120).contains(&p.idle_minutes_other),
        ),
        ("absolute_hours", (1..=24).contains(&p.absolute_hours)),
    ];
    if let Some((field, _)) = checks.iter().find(|(_, ok)| !ok) {
        return Err(ApiError::field(
            field,
            "out_of_range",
            "超出允许范围 (outside the allowed range)",
        ));
    }
    let mut w = s.store.begin_write().await?;
    w.set_policy(&a.actor(), &p).await?;
    w.commit().await?;
    s.policy_changed().await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Page backwards: rows with a sequence number below this.
    pub before_seq: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub outcome: String,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
    pub alg: String,
    pub hash: String,
}

impl From<AuditRecord> for AuditRow {
    fn from(r: AuditRecord) -> Self {
        AuditRow {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            role: r.role,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            before: r.before,
            after: r.after,
            outcome: r.outcome,
            source_ip: r.source_ip,
            request_id: r.request_id,
            alg: r.alg.as_str().to_string(),
            hash: r.hash,
        }
    }
}

/// Search the audit trail (audit admin). Reading it is itself audited.
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = Vec<AuditRow>), (status = 403, body = ErrorBody)))]
pub async fn list_audit(
    State(s): State<AppState>,
    a: Auth,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditRow>>> {
    a.require(Action::ReadAudit)?;
    let f = AuditFilter {
        object_type: q.object_type.clone(),
        object_id: q.object_id.clone(),
        actor: q.actor.clone(),
        action: q.action.clone(),
        before_seq: q.before_seq,
        limit: q.limit.unwrap_or(100),
        ..AuditFilter::default()
    };
    let rows = s.store.audit_list(&f).await?;
    let mut w = s.store.begin_write().await?;
    w.audit(
        &a.actor(),
        AuditEvent::ok("audit.view", "audit_log", "").after(serde_json::json!({
            "object_type": q.object_type, "object_id": q.object_id, "actor": q.actor, "action": q.action, "rows": rows.len()
        })),
    )
    .await?;
    w.commit().await?;
    Ok(Json(rows.into_iter().map(AuditRow::from).collect()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn phones_are_masked() {
        assert_eq!(super::mask_phone("13812345678"), "138****5678");
        assert_eq!(super::mask_phone("0769-22830000"), "076******0000");
        assert_eq!(super::mask_phone("12345"), "*****");
    }
}
