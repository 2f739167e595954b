//! Server-side sessions and API tokens. Only hashes of session ids and tokens are stored.

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// values always travel as bind parameters.
use sqlx::AssertSqlSafe;
use sqlx::Row;

use crate::audit::now_text;
use crate::users::{User, user};
use crate::{Store, StoreError, WriteTx};

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub key: String,
    pub csrf: String,
    pub created_at: String,
    pub last_seen: String,
    pub user: User,
}

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub user: User,
}

const SESSION_USER: &str = "s.key AS s_key, s.csrf AS s_csrf, s.created_at AS s_created, s.last_seen AS s_seen, \
    u.id, u.login, u.display_name, u.role, u.organisation_id, o.path AS org_path, u.person_id, u.password_hash, \
    u.password_changed_at, u.must_change, u.failed_count, u.locked_until, u.disabled, u.last_login_at, u.created_at, u.version";

impl WriteTx {
    /// Store a new session under the hash `key` of its id.
    pub async fn create_session(
        &mut self,
        key: &str,
        user_id: i64,
        csrf: &str,
        ip: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now_text();
        sqlx::query("INSERT INTO session (key, user_id, csrf, created_at, last_seen, ip) VALUES ($1, $2, $3, $4, $4, $5)")
            .bind(key.to_string())
            .bind(user_id)
            .bind(csrf.to_string())
            .bind(now)
            .bind(ip.map(str::to_string))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Drop every session of a user (password change elsewhere, disable, role change).
    pub async fn delete_user_sessions(
        &mut self,
        user_id: i64,
        except_key: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM session WHERE user_id = $1 AND key <> $2")
            .bind(user_id)
            .bind(except_key.unwrap_or("").to_string())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn create_token(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> Result<i64, StoreError> {
        let name = rectify_core::text::bounded("name", name, 100)?;
        Ok(sqlx::query_scalar("INSERT INTO api_token (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(user_id)
            .bind(name)
            .bind(token_hash.to_string())
            .bind(now_text())
            .fetch_one(self.conn())
            .await?)
    }
}

impl Store {
    pub async fn session(&self, key: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_USER} FROM session s JOIN app_user u ON u.id = s.user_id JOIN organisation o ON o.id = u.organisation_id WHERE s.key = $1"
        );
        let Some(row) = sqlx::query(AssertSqlSafe(sql))
            .bind(key.to_string())
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(SessionRow {
            key: row.try_get("s_key")?,
            csrf: row.try_get("s_csrf")?,
            created_at: row.try_get("s_created")?,
            last_seen: row.try_get("s_seen")?,
            user: user(&row)?,
        }))
    }

    /// Record activity. Callers throttle this so reads do not all become writes.
    pub async fn touch_session(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE session SET last_seen = $1 WHERE key = $2")
            .bind(now_text())
            .bind(key.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Remove a session (logout, timeout). Returns whether it existed.
    pub async fn delete_session(&self, key: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM session WHERE key = $1")
            .bind(key.to_string())
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Remove sessions past their idle or absolute limit (the longest idle limit applies; the
    /// per-role check happens on every request).
    pub async fn purge_expired_sessions(
        &self,
        idle_minutes: i64,
        absolute_hours: i64,
    ) -> Result<u64, StoreError> {
        let now = chrono::Utc::now();
        let fmt = |t: chrono::DateTime<chrono::Utc>| {
            t.with_timezone(&crate::audit::local_offset())
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
        };
        let idle = fmt(now - chrono::Duration::minutes(idle_minutes));
        let abs = fmt(now - chrono::Duration::hours(absolute_hours));
        let r = sqlx::query("DELETE FROM session WHERE last_seen < $1 OR created_at < $2")
            .bind(idle)
            .bind(abs)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected())
    }

    pub async fn token(&self, token_hash: &str) -> Result<Option<TokenRow>, StoreError> {
        let sql = "SELECT t.id AS t_id, t.name AS t_name, u.id, u.login, u.display_name, u.role, u.organisation_id, o.path AS org_path, u.person_id, \
            u.password_hash, u.password_changed_at, u.must_change, u.failed_count, u.locked_until, u.disabled, u.last_login_at, u.created_at, u.version \
            FROM api_token t JOIN app_user u ON u.id = t.user_id JOIN organisation o ON o.id = u.organisation_id \
            WHERE t.token_hash = $1 AND t.revoked = 0";
        let Some(row) = sqlx::query(sql)
            .bind(token_hash.to_string())
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(TokenRow {
            id: row.try_get("t_id")?,
            name: row.try_get("t_name")?,
            user: user(&row)?,
        }))
    }
}
