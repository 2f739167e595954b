//! E-mail digests: one daily digest per person composed from their notifications (the pure
//! [`compose`] module) and sent over SMTP with lettre; what was sent is recorded through the
//! store, so a second send for the same day sends nothing.

pub mod compose;

use std::time::Duration;

use chrono::NaiveDate;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rectify_store::digest::DigestOutcome;
use rectify_store::{Actor, Store, StoreError};

/// Why digests could not be sent at all (a single recipient's failure is recorded instead).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{field}: {message}")]
    Config {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where and as whom to send. The URL carries host, port, optional credentials and TLS:
/// `smtp://host:25` (plain, e.g. a relay on loopback), `smtp://host:587?tls=required`
/// (STARTTLS), `smtps://user:pass@host:465` (implicit TLS).
#[derive(Clone)]
pub struct SmtpConfig {
    url: String,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &self.redacted_url())
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl SmtpConfig {
    pub fn new(url: &str, from: &str) -> Result<SmtpConfig, NotifyError> {
        let u = url::Url::parse(url).map_err(|e| NotifyError::Config {
            field: "smtp_url",
            message: format!("不是有效的 SMTP 地址 (not a URL: {e})"),
        })?;
        if !matches!(u.scheme(), "smtp" | "smtps") || u.host_str().is_none_or(str::is_empty) {
            return Err(NotifyError::Config {
                field: "smtp_url",
                message: "须为 smtp://主机:端口 或 smtps://主机:端口 (must be smtp://host:port or smtps://host:port)".into(),
            });
        }
        let from: Mailbox = from.parse().map_err(|e| NotifyError::Config {
            field: "smtp_from",
            message: format!("发件人地址不正确 (not a mailbox: {e})"),
        })?;
        Ok(SmtpConfig {
            url: url.to_string(),
            from,
        })
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted_url(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => self.url.clone(),
        }
    }

    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, NotifyError> {
        Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(&self.url)
            .map_err(|e| NotifyError::Config {
                field: "smtp_url",
                message: format!("{} ({e})", self.redacted_url()),
            })?
            .timeout(Some(Duration::from_secs(30)))
            .build())
    }
}

/// What one send did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestSummary {
    /// People with something to receive today.
    pub recipients: usize,
    pub sent: usize,
    /// Already sent (or being sent by another process) for the day.
    pub skipped: usize,
    /// Person id and the SMTP error; retried by the next send.
    pub failed: Vec<(i64, String)>,
}

/// Send the day's digests: one e-mail per person with notifications for `day` and an address,
/// none for people with nothing due, nothing for people already sent to that day.
pub async fn send_daily(
    store: &Store,
    day: NaiveDate,
    cfg: &SmtpConfig,
) -> Result<DigestSummary, NotifyError> {
    let transport = cfg.transport()?;
    let actor = Actor::cli("digest");
    let mut summary = DigestSummary::default();
    for r in store.pending_digests(day).await? {
        let items: Vec<compose::Item> = r
            .lines
            .iter()
            .map(|l| compose::Item {
                tier: l.tier,
                message: l.message.clone(),
            })
            .collect();
        let Some(c) = compose::compose(&r.name, day, &items) else {
            continue;
        };
        summary.recipients += 1;
        let mut w = store.begin_write().await?;
        let claim = w
            .claim_digest(r.person_id, day, &r.email, &c.subject, items.len() as i64)
            .await?;
        w.commit().await?;
        let Some(digest_id) = claim else {
            summary.skipped += 1;
            continue;
        };
        let outcome = match deliver(&transport, cfg, &r.name, &r.email, &c).await {
            Ok(()) => DigestOutcome::Sent,
            Err(e) => {
                tracing::warn!(person = r.person_id, error = %e, "digest not sent");
                DigestOutcome::Failed(e)
            }
        };
        let ids: Vec<i64> = r.lines.iter().map(|l| l.notification_id).collect();
        let mut w = store.begin_write().await?;
        w.finish_digest(&actor, digest_id, &ids, &outcome).await?;
        w.commit().await?;
        match outcome {
            DigestOutcome::Sent => summary.sent += 1,
            DigestOutcome::Failed(e) => summary.failed.push((r.person_id, e)),
        }
    }
    Ok(summary)
}

async fn deliver(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    cfg: &SmtpConfig,
    name: &str,
    email: &str,
    c: &compose::Composed,
) -> Result<(), String> {
    let to = Mailbox::new(
        Some(name.to_string()),
        email
            .parse()
            .map_err(|e| format!("recipient {email}: {e}"))?,
    );
    let msg = Message::builder()
        .from(cfg.from.clone())
        .to(to)
        .subject(c.subject.clone())
        .message_id(None)
        .header(ContentType::TEXT_PLAIN)
        .body(c.body.clone())
        .map_err(|e| format!("message: {e}"))?;
    transport
        .send(msg)
        .await
        .map(|_| ())
        .map_err(|e| format!("smtp: {e}"))
}
