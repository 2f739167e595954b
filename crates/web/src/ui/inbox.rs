//! 消息 — the caller's in-app inbox (the daily run's notices about lights, escalations and
//! overdue replies), marking an entry read, and what the navigation shows of the supervision
//! pages (links by role, the unread count).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use rectify_core::access::Action;
use rectify_store::supervision::InboxItem;
use serde::Deserialize;

use super::sv_common::SvLabels;
use super::{Chrome, Ui, UiResult};
use crate::AppState;
use crate::api::supervision as sapi;
use crate::auth::Auth;

/// Unread entries counted for the navigation badge; more shows as `99+`.
const UNREAD_SHOWN: i64 = 99;
/// Entries per inbox page.
const PAGE: i64 = 50;

/// What the navigation shows of the supervision pages for the signed-in user.
#[derive(Debug, Clone, Default)]
pub struct NavExtra {
    /// 督查督办 and 工作台账 (ledger roles).
    pub supervision: bool,
    /// 回头看 (office, supervisor).
    pub lookback: bool,
    /// 工作日历 (the system administrator).
    pub calendar: bool,
    /// 消息: the user is linked to a person (only people receive notifications).
    pub inbox: bool,
    /// Unread notifications, `99+` beyond that; empty when none.
    pub unread: String,
}

/// The navigation's view of the supervision pages for this caller (one small query when the
/// account is linked to a person).
pub async fn nav_extra(s: &AppState, a: &Auth) -> NavExtra {
    let role = a.user.role;
    let mut unread = String::new();
    if let Some(p) = a.user.person_id
        && let Ok(items) = s.store.inbox(p, true, None, UNREAD_SHOWN + 1).await
    {
        let n = items.len() as i64;
        if n > UNREAD_SHOWN {
            unread = format!("{UNREAD_SHOWN}+");
        } else if n > 0 {
            unread = n.to_string();
        }
    }
    NavExtra {
        supervision: role.may(Action::ReadLedger),
        lookback: role.may(Action::LookBack) || role.may(Action::ReVerify),
        calendar: role.may(Action::ManageCalendar),
        inbox: a.user.person_id.is_some(),
        unread,
    }
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    #[serde(default)]
    unread: String,
    #[serde(default)]
    before: String,
}

#[derive(Template)]
#[template(path = "supervision/inbox.html")]
struct InboxPage {
    c: Chrome,
    items: Vec<InboxItem>,
    unread_only: bool,
    /// The next page's `before`, when there may be one.
    next: Option<i64>,
    linked: bool,
}

impl InboxPage {
    fn link(&self, i: &InboxItem) -> Option<String> {
        match i.object_type.as_str() {
            "measure" => Some(format!("/measures/{}", i.object_id)),
            "supervision_notice" => Some(format!("/notices/{}", i.object_id)),
            _ => None,
        }
    }
}

/// GET /inbox — the caller's notifications, newest first.
pub async fn inbox(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<InboxQuery>,
) -> UiResult<Response> {
    let l = ui.locale;
    let unread_only = !q.unread.is_empty();
    let before = q.before.trim().parse::<i64>().ok();
    let items = sapi::inbox(
        State(s.clone()),
        ui.auth.clone(),
        Query(sapi::InboxQuery {
            unread: unread_only,
            before,
            limit: Some(PAGE),
        }),
    )
    .await?
    .0;
    let next = (items.len() as i64 == PAGE)
        .then(|| items.last().map(|i| i.id))
        .flatten();
    let c = ui.chrome(&s, l.t("sv.inbox_title"), "inbox").await;
    Ok(super::page(&InboxPage {
        c,
        items,
        unread_only,
        next,
        linked: ui.auth.user.person_id.is_some(),
    }))
}

#[derive(Deserialize, Default)]
pub struct ReadForm {
    #[serde(default)]
    back: String,
}

/// POST /inbox/{id}/read — mark one of the caller's notifications read (someone else's: 404).
pub async fn mark_read(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    super::forms::UiForm(f): super::forms::UiForm<ReadForm>,
) -> UiResult<Response> {
    sapi::mark_read(State(s), ui.auth.clone(), Path(id)).await?;
    let back = if f.back.starts_with("/inbox") && super::safe_next(&f.back) {
        f.back
    } else {
        "/inbox".into()
    };
    Ok(super::see_other(&back))
}
