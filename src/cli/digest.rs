//! E-mail digests from the command line: the SMTP settings `supervise run`, `supervise digest`
//! and the scheduler in `serve` share, and the send itself (via `rectify-notify`).

use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use clap::Args;
use rectify_notify::{DigestSummary, SmtpConfig, send_daily};
use rectify_store::Store;

/// SMTP for the daily digest e-mails; without a URL no e-mail is sent.
#[derive(Args, Clone, Default)]
pub struct SmtpOpts {
    /// SMTP server: smtp://host:port (plain, e.g. a relay on loopback),
    /// smtp://host:587?tls=required (STARTTLS), smtps://user:pass@host:465 (TLS). Prefer the
    /// environment variable when the URL carries a password.
    #[arg(long, env = "RECTIFY_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Sender of the digest e-mails.
    #[arg(
        long,
        env = "RECTIFY_SMTP_FROM",
        default_value = "整改通 <rectify@localhost>"
    )]
    pub smtp_from: String,
}

impl SmtpOpts {
    /// The checked settings, or None when SMTP is not configured.
    pub fn config(&self) -> Result<Option<SmtpConfig>> {
        match self.smtp_url.as_deref().filter(|u| !u.is_empty()) {
            None => Ok(None),
            Some(url) => SmtpConfig::new(url, &self.smtp_from)
                .map(Some)
                .map_err(|e| anyhow!("{e}")),
        }
    }
}

/// Send the day's digests when SMTP is configured; the printed summary line, or None.
pub async fn send_if_configured(
    store: &Store,
    day: NaiveDate,
    opts: &SmtpOpts,
) -> Result<Option<String>> {
    let Some(cfg) = opts.config()? else {
        return Ok(None);
    };
    let s = send_daily(store, day, &cfg)
        .await
        .map_err(|e| anyhow!("e-mail digests: {e}"))?;
    Ok(Some(summary_text(&s)))
}

pub fn summary_text(s: &DigestSummary) -> String {
    let mut out = format!(
        "  digest e-mails: {} sent, {} already sent, {} failed\n",
        s.sent,
        s.skipped,
        s.failed.len()
    );
    for (person, e) in &s.failed {
        out.push_str(&format!("    person {person}: {e}\n"));
    }
    out
}
