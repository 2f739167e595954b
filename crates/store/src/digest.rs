//! E-mail digests' bookkeeping: who has notifications for a day and an address, claiming a
//! person's digest before sending (so a second send for the day sends nothing), and marking
//! the notifications e-mailed. No network here: the sender lives in `rectify-notify`.

use chrono::NaiveDate;
use rectify_core::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::audit::{Actor, AuditEvent, now_text};
use crate::{Store, StoreError, WriteTx};

/// A claim left in 'sending' longer than this (a crash mid-send) may be claimed again.
const STALE_CLAIM_MINUTES: i64 = 15;

/// One inbox row going into a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestLine {
    pub notification_id: i64,
    pub kind: String,
    pub tier: i64,
    pub object_type: String,
    pub object_id: i64,
    pub message: String,
}

/// A person due a digest for a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestRecipient {
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub lines: Vec<DigestLine>,
}

/// How a send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestOutcome {
    Sent,
    Failed(String),
}

/// A plausible address: one `@`, something on both sides, a dot in the domain, no spaces or
/// angle brackets (the SMTP library checks it fully when sending).
pub fn check_email(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    let ok = s.len() <= 254
        && s.split('@').count() == 2
        && s.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        })
        && !s.chars().any(|c| c.is_whitespace() || "<>,;\"".contains(c));
    if ok {
        Ok(s.to_string())
    } else {
        Err(FieldError::new(
            "email",
            "invalid",
            format!("电子邮箱格式不正确 (not an e-mail address: {s:?})"),
        ))
    }
}

impl Store {
    /// People with an e-mail address and notifications for `day` not yet e-mailed, whose digest
    /// for the day is not already sent. Lines ordered by tier (highest first), then id.
    pub async fn pending_digests(
        &self,
        day: NaiveDate,
    ) -> Result<Vec<DigestRecipient>, StoreError> {
        let rows = sqlx::query(
            "SELECT n.id, n.recipient_person_id, n.kind, n.tier, n.object_type, n.object_id, n.message, p.name, p.email \
             FROM notification n JOIN person p ON p.id = n.recipient_person_id \
             WHERE n.day = $1 AND n.emailed_at IS NULL AND p.email IS NOT NULL AND p.email <> '' \
             AND NOT EXISTS (SELECT 1 FROM email_digest d WHERE d.person_id = n.recipient_person_id AND d.day = n.day AND d.state = 'sent') \
             ORDER BY n.recipient_person_id, n.tier DESC, n.id",
        )
        .bind(day.format("%Y-%m-%d").to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<DigestRecipient> = Vec::new();
        for r in rows {
            let person: i64 = r.try_get("recipient_person_id")?;
            let line = DigestLine {
                notification_id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                tier: r.try_get("tier")?,
                object_type: r.try_get("object_type")?,
                object_id: r.try_get("object_id")?,
                message: r.try_get("message")?,
            };
            match out.last_mut() {
                Some(d) if d.person_id == person => d.lines.push(line),
                _ => out.push(DigestRecipient {
                    person_id: person,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                    lines: vec![line],
                }),
            }
        }
        Ok(out)
    }

    /// A person's e-mail address, if any.
    pub async fn person_email(&self, person_id: i64) -> Result<Option<String>, StoreError> {
        let v: Option<Option<String>> =
            sqlx::query_scalar("SELECT email FROM person WHERE id = $1")
                .bind(person_id)
                .fetch_optional(self.pool())
                .await?;
        v.ok_or_else(|| StoreError::not_found("person", person_id))
    }
}

impl WriteTx {
    /// Set or clear a person's e-mail address.
    pub async fn set_person_email(
        &mut self,
        actor: &Actor,
        person_id: i64,
        email: Option<&str>,
    ) -> Result<(), StoreError> {
        let email = email
            .filter(|e| !e.trim().is_empty())
            .map(check_email)
            .transpose()?;
        let before: Option<Option<String>> =
            sqlx::query_scalar("SELECT email FROM person WHERE id = $1")
                .bind(person_id)
                .fetch_optional(self.conn())
                .await?;
        let before = before.ok_or_else(|| StoreError::not_found("person", person_id))?;
        sqlx::query("UPDATE person SET email = $1, version = version + 1 WHERE id = $2")
            .bind(email.clone())
            .bind(person_id)
            .execute(self.conn())
            .await?;
        self.audit(
            actor,
            AuditEvent::ok("person.email", "person", person_id)
                .before(json!({ "email": before }))
                .after(json!({ "email": email })),
        )
        .await?;
        Ok(())
    }

    /// Claim a person's digest for a day before sending. `None` when it is already sent or
    /// being sent (a failed one, or a claim stale for 15 minutes, is claimed again).
    pub async fn claim_digest(
        &mut self,
        person_id: i64,
        day: NaiveDate,
        address: &str,
        subject: &str,
        item_count: i64,
    ) -> Result<Option<i64>, StoreError> {
        let now = now_text();
        let stale = (chrono::Utc::now() - chrono::Duration::minutes(STALE_CLAIM_MINUTES))
            .with_timezone(&crate::audit::local_offset())
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO email_digest (person_id, day, address, subject, item_count, state, attempts, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'sending', 1, $6) \
             ON CONFLICT (person_id, day) DO UPDATE SET state = 'sending', attempts = email_digest.attempts + 1, \
             address = excluded.address, subject = excluded.subject, item_count = excluded.item_count, created_at = excluded.created_at, error = NULL \
             WHERE email_digest.state = 'failed' OR (email_digest.state = 'sending' AND email_digest.created_at < $7) \
             RETURNING id",
        )
        .bind(person_id)
        .bind(day.format("%Y-%m-%d").to_string())
        .bind(address.to_string())
        .bind(subject.to_string())
        .bind(item_count)
        .bind(now)
        .bind(stale)
        .fetch_optional(self.conn())
        .await?;
        Ok(id)
    }

    /// Record how a claimed digest's send ended; when sent, its notifications are marked
    /// e-mailed. Audited either way.
    pub async fn finish_digest(
        &mut self,
        actor: &Actor,
        digest_id: i64,
        notification_ids: &[i64],
        outcome: &DigestOutcome,
    ) -> Result<(), StoreError> {
        let now = now_text();
        match outcome {
            DigestOutcome::Sent => {
                sqlx::query("UPDATE email_digest SET state = 'sent', sent_at = $1, error = NULL WHERE id = $2")
                    .bind(now.clone())
                    .bind(digest_id)
                    .execute(self.conn())
                    .await?;
                for id in notification_ids {
                    sqlx::query("UPDATE notification SET emailed_at = $1 WHERE id = $2 AND emailed_at IS NULL")
                        .bind(now.clone())
                        .bind(*id)
                        .execute(self.conn())
                        .await?;
                }
            }
            DigestOutcome::Failed(e) => {
                let e: String = e.chars().take(500).collect();
                sqlx::query("UPDATE email_digest SET state = 'failed', error = $1 WHERE id = $2")
                    .bind(e)
                    .bind(digest_id)
                    .execute(self.conn())
                    .await?;
            }
        }
        let row = sqlx::query(
            "SELECT person_id, day, item_count, state, error FROM email_digest WHERE id = $1",
        )
        .bind(digest_id)
        .fetch_one(self.conn())
        .await?;
        let state: String = row.try_get("state")?;
        self.audit(
            actor,
            AuditEvent::ok("digest.send", "email_digest", digest_id)
                .after(json!({
                    "person_id": row.try_get::<i64, _>("person_id")?,
                    "day": row.try_get::<String, _>("day")?,
                    "items": row.try_get::<i64, _>("item_count")?,
                    "state": state,
                    "error": row.try_get::<Option<String>, _>("error")?,
                }))
                .outcome(if state == "sent" {
                    "success"
                } else {
                    "failure"
                }),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::check_email;

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            check_email(" zhang@example.cn ").unwrap(),
            "zhang@example.cn"
        );
        for bad in [
            "zhang", "a@b", "@x.cn", "a@@x.cn", "a b@x.cn", "a@x.cn.", "<a@x.cn>",
        ] {
            assert_eq!(check_email(bad).unwrap_err().field, "email", "{bad}");
        }
    }
}
