//! User accounts: creation, roles, passwords with history, lockout and the security policy.

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// values always travel as bind parameters.
use chrono::{DateTime, Duration, Utc};
use rectify_core::access::{OrgPath, Role};
use rectify_core::{FieldError, text};
use rectify_security::password::{self, PasswordPolicy};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use crate::audit::{Actor, AuditEvent, now_text};
use crate::{Store, StoreError, WriteTx};

/// The security admin's policy (SECURITY-BAR rows 1–3, 6). Stored in the database so every
/// server applies the same.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SecurityPolicy {
    #[schema(value_type = Object)]
    pub password: PasswordPolicy,
    pub lock_after_failures: i64,
    pub lock_minutes: i64,
    pub ip_failures_per_15min: i64,
    pub idle_minutes_privileged: i64,
    pub idle_minutes_other: i64,
    pub absolute_hours: i64,
    pub disable_after_idle_days: i64,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            password: PasswordPolicy::default(),
            lock_after_failures: 5,
            lock_minutes: 30,
            ip_failures_per_15min: 30,
            idle_minutes_privileged: 15,
            idle_minutes_other: 30,
            absolute_hours: 12,
            disable_after_idle_days: 90,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: i64,
    pub org_path: OrgPath,
    pub person_id: Option<i64>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub password_changed_at: Option<String>,
    pub must_change: bool,
    pub failed_count: i64,
    pub locked_until: Option<String>,
    pub disabled: bool,
    pub last_login_at: Option<String>,
    pub created_at: String,
    pub version: i64,
}

impl User {
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| t > now)
    }

    /// Password older than the policy allows (or never set, or flagged for change).
    pub fn password_expired(&self, policy: &SecurityPolicy, now: DateTime<Utc>) -> bool {
        self.must_change
            || self
                .password_changed_at
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .is_none_or(|t| {
                    now - t.with_timezone(&Utc)
                        > Duration::days(i64::from(policy.password.max_age_days))
                })
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: i64,
    pub person_id: Option<i64>,
}

const USER_COLUMNS: &str = "u.id, u.login, u.display_name, u.role, u.organisation_id, o.path AS org_path, u.person_id, u.password_hash, \
    u.password_changed_at, u.must_change, u.failed_count, u.locked_until, u.disabled, u.last_login_at, u.created_at, u.version";

pub(crate) fn user(row: &sqlx::any::AnyRow) -> Result<User, StoreError> {
    let role: String = row.try_get("role")?;
    let path: String = row.try_get("org_path")?;
    Ok(User {
        id: row.try_get("id")?,
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Config(format!("unknown role {role}")))?,
        organisation_id: row.try_get("organisation_id")?,
        org_path: OrgPath::parse(&path)
            .ok_or_else(|| StoreError::Config(format!("corrupt path {path}")))?,
        person_id: row.try_get("person_id")?,
        password_hash: row.try_get("password_hash")?,
        password_changed_at: row.try_get("password_changed_at")?,
        must_change: row.try_get::<i64, _>("must_change")? != 0,
        failed_count: row.try_get("failed_count")?,
        locked_until: row.try_get("locked_until")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        last_login_at: row.try_get("last_login_at")?,
        created_at: row.try_get("created_at")?,
        version: row.try_get("version")?,
    })
}

fn validate_login(login: &str) -> Result<String, FieldError> {
    let l = login.trim();
    let ok = (2..=64).contains(&l.len())
        && l.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(l.to_ascii_lowercase())
    } else {
        Err(FieldError::new(
            "login",
            "invalid_login",
            "登录名为 2–64 位字母、数字或 . _ - (2–64 letters, digits or . _ -)",
        ))
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.with_timezone(&crate::audit::local_offset())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

impl WriteTx {
    /// Create an account without a usable password; the caller sets a one-time one.
    /// The three admin roles may each be held by one account at most per login, and an
    /// account holds exactly one role.
    pub async fn create_user(&mut self, actor: &Actor, n: &NewUser) -> Result<User, StoreError> {
        let login = validate_login(&n.login)?;
        let display = text::bounded("display_name", &n.display_name, text::NAME_MAX)?;
        self.organisation(n.organisation_id).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO app_user (login, display_name, role, organisation_id, person_id, must_change, created_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
        )
        .bind(login.clone())
        .bind(display)
        .bind(n.role.as_str())
        .bind(n.organisation_id)
        .bind(n.person_id)
        .bind(now_text())
        .fetch_one(self.conn())
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => StoreError::Invalid(FieldError::new("login", "duplicate", "登录名已存在 (login already exists)")),
            other => other,
        })?;
        let u = self.user(id).await?;
        self.audit(actor, AuditEvent::ok("user.create", "user", id).after(json!({"login": login, "role": n.role.as_str(), "organisation_id": n.organisation_id})))
            .await?;
        Ok(u)
    }

    pub async fn user(&mut self, id: i64) -> Result<User, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM app_user u JOIN organisation o ON o.id = u.organisation_id WHERE u.id = $1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::not_found("user", id))?;
        user(&row)
    }

    /// Set a password after checking the policy and the last `history` passwords.
    /// `one_time` marks it for change at next login (bootstrap, admin reset).
    pub async fn set_password(
        &mut self,
        actor: &Actor,
        user_id: i64,
        new_password: &str,
        policy: &SecurityPolicy,
        one_time: bool,
    ) -> Result<(), StoreError> {
        let u = self.user(user_id).await?;
        let history: Vec<String> = sqlx::query_scalar(
            "SELECT hash FROM password_history WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(policy.password.history as i64)
        .fetch_all(self.conn())
        .await?;
        password::check(&policy.password, &u.login, new_password, &history).map_err(|v| {
            StoreError::Invalid(FieldError::new("new_password", v.code(), v.to_string()))
        })?;
        let hash = password::hash(new_password).map_err(|e| StoreError::Config(e.to_string()))?;
        let now = now_text();
        sqlx::query("UPDATE app_user SET password_hash = $1, password_changed_at = $2, must_change = $3, version = version + 1 WHERE id = $4")
            .bind(hash.clone())
            .bind(now.clone())
            .bind(i64::from(one_time))
            .bind(user_id)
            .execute(self.conn())
            .await?;
        sqlx::query("INSERT INTO password_history (user_id, hash, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(hash)
            .bind(now)
            .execute(self.conn())
            .await?;
        let action = if one_time {
            "user.password_reset"
        } else {
            "user.password_change"
        };
        self.audit(actor, AuditEvent::ok(action, "user", user_id))
            .await?;
        Ok(())
    }

    /// Count a failed login; lock the account when the policy says so. Returns whether it is now locked.
    pub async fn login_failed(
        &mut self,
        actor: &Actor,
        user_id: Option<i64>,
        login: &str,
        policy: &SecurityPolicy,
    ) -> Result<bool, StoreError> {
        let now = Utc::now();
        if let Some(ip) = &actor.source_ip {
            sqlx::query("INSERT INTO login_failure (ip, at) VALUES ($1, $2)")
                .bind(ip.clone())
                .bind(rfc3339(now))
                .execute(self.conn())
                .await?;
        }
        let mut locked = false;
        if let Some(id) = user_id {
            let count: i64 = sqlx::query_scalar("UPDATE app_user SET failed_count = failed_count + 1 WHERE id = $1 RETURNING failed_count")
                .bind(id)
                .fetch_one(self.conn())
                .await?;
            if count >= policy.lock_after_failures {
                let until = rfc3339(now + Duration::minutes(policy.lock_minutes));
                sqlx::query(
                    "UPDATE app_user SET locked_until = $1, failed_count = 0 WHERE id = $2",
                )
                .bind(until.clone())
                .bind(id)
                .execute(self.conn())
                .await?;
                self.audit(
                    actor,
                    AuditEvent::ok("user.lock", "user", id)
                        .after(json!({"locked_until": until, "after_failures": count})),
                )
                .await?;
                locked = true;
            }
        }
        let ev = AuditEvent {
            object_id: Some(login.to_string()),
            ..AuditEvent::ok("session.login", "user", "")
        }
        .outcome("failure");
        self.audit(actor, ev).await?;
        Ok(locked)
    }

    pub async fn login_succeeded(&mut self, user_id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE app_user SET failed_count = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2")
            .bind(now_text())
            .bind(user_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn unlock_user(&mut self, actor: &Actor, user_id: i64) -> Result<(), StoreError> {
        let u = self.user(user_id).await?;
        sqlx::query("UPDATE app_user SET failed_count = 0, locked_until = NULL, version = version + 1 WHERE id = $1").bind(user_id).execute(self.conn()).await?;
        self.audit(
            actor,
            AuditEvent::ok("user.unlock", "user", user_id)
                .before(json!({"locked_until": u.locked_until})),
        )
        .await?;
        Ok(())
    }

    /// Disable or enable; disabling kills the user's sessions and tokens at once.
    pub async fn set_disabled(
        &mut self,
        actor: &Actor,
        user_id: i64,
        disabled: bool,
    ) -> Result<(), StoreError> {
        self.user(user_id).await?;
        sqlx::query("UPDATE app_user SET disabled = $1, version = version + 1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(self.conn())
            .await?;
        if disabled {
            sqlx::query("DELETE FROM session WHERE user_id = $1")
                .bind(user_id)
                .execute(self.conn())
                .await?;
            sqlx::query("UPDATE api_token SET revoked = 1 WHERE user_id = $1")
                .bind(user_id)
                .execute(self.conn())
                .await?;
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        self.audit(actor, AuditEvent::ok(action, "user", user_id))
            .await?;
        Ok(())
    }

    /// Change a user's role (security admin). Sessions are dropped so the new role applies at once.
    pub async fn set_role(
        &mut self,
        actor: &Actor,
        user_id: i64,
        role: Role,
    ) -> Result<(), StoreError> {
        let u = self.user(user_id).await?;
        sqlx::query("UPDATE app_user SET role = $1, version = version + 1 WHERE id = $2")
            .bind(role.as_str())
            .bind(user_id)
            .execute(self.conn())
            .await?;
        sqlx::query("DELETE FROM session WHERE user_id = $1")
            .bind(user_id)
            .execute(self.conn())
            .await?;
        self.audit(
            actor,
            AuditEvent::ok("user.set_role", "user", user_id)
                .before(json!({"role": u.role.as_str()}))
                .after(json!({"role": role.as_str()})),
        )
        .await?;
        Ok(())
    }

    pub async fn set_policy(
        &mut self,
        actor: &Actor,
        p: &SecurityPolicy,
    ) -> Result<(), StoreError> {
        let v = serde_json::to_string(p).map_err(|e| StoreError::Config(e.to_string()))?;
        self.meta_set("security_policy", &v).await?;
        self.audit(
            actor,
            AuditEvent::ok("policy.update", "settings", "security_policy").after(json!(p)),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM app_user u JOIN organisation o ON o.id = u.organisation_id WHERE u.id = $1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("user", id))?;
        user(&row)
    }

    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM app_user u JOIN organisation o ON o.id = u.organisation_id WHERE u.login = $1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(login.trim().to_ascii_lowercase())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user).transpose()
    }

    /// Users whose organisation lies in `scope`.
    pub async fn users_in(&self, scope: &OrgPath) -> Result<Vec<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM app_user u JOIN organisation o ON o.id = u.organisation_id WHERE o.path >= $1 AND o.path < $2 ORDER BY u.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(scope.as_str().to_string())
            .bind(scope.upper_bound())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user).collect()
    }

    /// Failed logins from `ip` in the last 15 minutes.
    pub async fn recent_ip_failures(&self, ip: &str) -> Result<i64, StoreError> {
        let since = rfc3339(Utc::now() - Duration::minutes(15));
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failure WHERE ip = $1 AND at > $2")
                .bind(ip)
                .bind(since)
                .fetch_one(self.pool())
                .await?,
        )
    }

    pub async fn policy(&self) -> Result<SecurityPolicy, StoreError> {
        Ok(match self.meta_get("security_policy").await? {
            Some(v) => serde_json::from_str(&v)
                .map_err(|e| StoreError::Config(format!("security_policy: {e}")))?,
            None => SecurityPolicy::default(),
        })
    }

    /// Disable accounts that have not logged in for the policy's idle days (row 6).
    pub async fn disable_idle_accounts(&self, actor: &Actor) -> Result<Vec<i64>, StoreError> {
        let p = self.policy().await?;
        let cutoff = rfc3339(Utc::now() - Duration::days(p.disable_after_idle_days));
        let mut w = self.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM app_user WHERE disabled = 0 AND COALESCE(last_login_at, created_at) < $1",
        )
        .bind(cutoff)
        .fetch_all(w.conn())
        .await?;
        for id in &ids {
            w.set_disabled(actor, *id, true).await?;
        }
        w.commit().await?;
        Ok(ids)
    }
}
