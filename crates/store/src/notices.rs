//! Supervision notices (督办单) in storage: drafts, numbering on issue (per issuer and year,
//! inside the write transaction), replies, reviews, closing, the daily escalation of overdue
//! replies, and the monthly lagging / at-risk lists the office turns into notices.
//!
//! Every change runs in a [`WriteTx`] with its audit row. Reads are scoped by the addressed
//! unit's organisation path: out of scope answers NotFound.

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// values always travel as bind parameters.
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rectify_core::access::{Action, OrgPath, Role};
use rectify_core::notices::{
    self, Escalation, Month, NoticeAction, NoticeState, NumberScheme, Tier,
};
use rectify_core::state::MeasureState;
use rectify_core::{FieldError, text};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};

use crate::audit::{Actor, AuditEvent, now_text};
use crate::ledger::{Viewer, today};
use crate::{Store, StoreError, WriteTx};

/// One item of a notice: a measure (or problem) of the ledger, or free text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeItem {
    pub seq: i64,
    pub measure_id: Option<i64>,
    pub problem_id: Option<i64>,
    pub text: String,
    /// The measure's deadline and state now, when the item is a measure.
    pub deadline: Option<NaiveDate>,
    pub measure_state: Option<MeasureState>,
    pub responsible_unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeReply {
    pub id: i64,
    pub replied_on: NaiveDate,
    pub text: String,
    pub author_id: i64,
}

/// A review, a closing or an escalation, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeEvent {
    pub action: String,
    pub reason: Option<String>,
    pub tier: Option<Tier>,
    pub user_id: Option<i64>,
    pub day: NaiveDate,
}

/// A supervision notice as the API and the documents show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SupervisionNotice {
    pub id: i64,
    pub issuer_org_id: i64,
    pub issuer: String,
    pub unit_id: i64,
    pub unit: String,
    pub inspection_id: Option<i64>,
    pub title: String,
    pub body: Option<String>,
    pub tier: Tier,
    pub state: NoticeState,
    /// `督办〔2026〕12号` once issued.
    pub doc_number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub reply_due: NaiveDate,
    /// A reply is due and the reply date has passed (derived).
    pub overdue: bool,
    /// The month whose lists this notice was drafted from (`YYYY-MM`).
    pub month: Option<String>,
    pub items: Vec<NoticeItem>,
    pub replies: Vec<NoticeReply>,
    pub events: Vec<NoticeEvent>,
    pub version: i64,
}

/// An item to put on a notice: exactly one of a measure, a problem or free text.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNoticeItem {
    pub measure_id: Option<i64>,
    pub problem_id: Option<i64>,
    /// Free text, or a note replacing the measure's or problem's own text.
    pub text: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewNotice {
    pub unit_id: i64,
    pub inspection_id: Option<i64>,
    pub title: String,
    pub body: Option<String>,
    pub tier: Tier,
    pub reply_due: NaiveDate,
    pub items: Vec<NewNoticeItem>,
    pub month: Option<Month>,
}

/// Changes to a draft. `items` replaces all items.
#[derive(Debug, Clone, Default)]
pub struct NoticePatch {
    pub title: Option<String>,
    pub body: Option<Option<String>>,
    pub tier: Option<Tier>,
    pub reply_due: Option<NaiveDate>,
    pub items: Option<Vec<NewNoticeItem>>,
}

#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    pub state: Option<NoticeState>,
    pub unit_id: Option<i64>,
    pub month: Option<String>,
    pub overdue: Option<bool>,
}

/// A review's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    Accept,
    Return,
}

/// What the daily step did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeDaily {
    /// Notices whose overdue reply moved them up a tier.
    pub escalated: Vec<i64>,
    /// Overdue at the top tier (挂牌督办): recorded, tier unchanged.
    pub at_top: Vec<i64>,
    /// Inbox notifications to the addressed units' principal leaders.
    pub notifications: u64,
}

fn ds(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn pd(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Config(format!("corrupt date {s}")))
}

fn forbidden(field: &str) -> StoreError {
    FieldError::new(
        field,
        "forbidden",
        "当前角色无权执行该操作 (role may not do this)",
    )
    .into()
}

/// The organisation a viewer belongs to: the last id of its scope path.
pub fn viewer_org_id(viewer: &Viewer) -> i64 {
    viewer_org(viewer)
}

pub(crate) fn viewer_org(viewer: &Viewer) -> i64 {
    viewer
        .scope
        .as_str()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn parse_path(s: &str) -> Result<OrgPath, StoreError> {
    OrgPath::parse(s).ok_or_else(|| StoreError::Config(format!("corrupt path {s}")))
}

const NOTICE_SELECT: &str = "SELECT n.*, i.name AS issuer_name, u.name AS unit_name FROM supervision_notice n \
    JOIN organisation i ON i.id = n.issuer_org_id JOIN organisation u ON u.id = n.unit_id";

struct NoticeRow {
    n: SupervisionNotice,
    path: OrgPath,
}

fn notice_row(r: &sqlx::any::AnyRow, today: NaiveDate) -> Result<NoticeRow, StoreError> {
    let tier: String = r.try_get("tier")?;
    let state: String = r.try_get("state")?;
    let state = NoticeState::parse(&state)
        .ok_or_else(|| StoreError::Config(format!("unknown notice state {state}")))?;
    let reply_due = pd(&r.try_get::<String, _>("reply_due")?)?;
    let issued_on = r
        .try_get::<Option<String>, _>("issued_on")?
        .map(|s| pd(&s))
        .transpose()?;
    Ok(NoticeRow {
        n: SupervisionNotice {
            id: r.try_get("id")?,
            issuer_org_id: r.try_get("issuer_org_id")?,
            issuer: r.try_get("issuer_name")?,
            unit_id: r.try_get("unit_id")?,
            unit: r.try_get("unit_name")?,
            inspection_id: r.try_get("inspection_id")?,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
            tier: Tier::parse(&tier)
                .ok_or_else(|| StoreError::Config(format!("unknown tier {tier}")))?,
            state,
            doc_number: r.try_get("doc_number")?,
            issued_on,
            reply_due,
            overdue: state.awaits_reply() && today > reply_due,
            month: r.try_get("month")?,
            items: Vec::new(),
            replies: Vec::new(),
            events: Vec::new(),
            version: r.try_get("version")?,
        },
        path: parse_path(&r.try_get::<String, _>("org_path")?)?,
    })
}

/// Load the items, replies and events of one notice on any connection.
async fn load_parts(
    conn: &mut sqlx::AnyConnection,
    n: &mut SupervisionNotice,
) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT it.seq, it.measure_id, it.problem_id, it.text, m.deadline, m.state, u.name AS unit_name \
         FROM supervision_notice_item it LEFT JOIN measure m ON m.id = it.measure_id \
         LEFT JOIN organisation u ON u.id = m.responsible_unit_id WHERE it.notice_id = $1 ORDER BY it.seq",
    )
    .bind(n.id)
    .fetch_all(&mut *conn)
    .await?;
    n.items = rows
        .iter()
        .map(|r| {
            let state: Option<String> = r.try_get("state")?;
            Ok(NoticeItem {
                seq: r.try_get("seq")?,
                measure_id: r.try_get("measure_id")?,
                problem_id: r.try_get("problem_id")?,
                text: r.try_get("text")?,
                deadline: r
                    .try_get::<Option<String>, _>("deadline")?
                    .and_then(|s| pd(&s).ok()),
                measure_state: state.as_deref().and_then(MeasureState::parse),
                responsible_unit: r.try_get("unit_name")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let rows = sqlx::query("SELECT id, replied_on, text, author_id FROM supervision_notice_reply WHERE notice_id = $1 ORDER BY id")
        .bind(n.id)
        .fetch_all(&mut *conn)
        .await?;
    n.replies = rows
        .iter()
        .map(|r| {
            Ok(NoticeReply {
                id: r.try_get("id")?,
                replied_on: pd(&r.try_get::<String, _>("replied_on")?)?,
                text: r.try_get("text")?,
                author_id: r.try_get("author_id")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let rows = sqlx::query("SELECT action, reason, tier, user_id, day FROM supervision_notice_event WHERE notice_id = $1 ORDER BY id")
        .bind(n.id)
        .fetch_all(&mut *conn)
        .await?;
    n.events = rows
        .iter()
        .map(|r| {
            let tier: Option<String> = r.try_get("tier")?;
            Ok(NoticeEvent {
                action: r.try_get("action")?,
                reason: r.try_get("reason")?,
                tier: tier.as_deref().and_then(Tier::parse),
                user_id: r.try_get("user_id")?,
                day: pd(&r.try_get::<String, _>("day")?)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(())
}

fn check_title(t: &str) -> Result<String, FieldError> {
    text::bounded("title", t, text::TITLE_MAX)
}

impl WriteTx {
    /// The text and organisation path of an item's measure or problem (`sql` selects the text
    /// column, then `org_path`, by id); a missing one is an error naming `field`.
    async fn item_source(
        &mut self,
        sql: &'static str,
        id: i64,
        field: String,
        missing: &'static str,
    ) -> Result<(String, OrgPath), StoreError> {
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| FieldError::new(field, "not_found", missing))?;
        Ok((row.try_get(0)?, parse_path(&row.try_get::<String, _>(1)?)?))
    }

    /// The notice with its parts, when the viewer may see it (else NotFound), at `version`
    /// (else Conflict).
    async fn notice_at(
        &mut self,
        viewer: &Viewer,
        id: i64,
        version: Option<i64>,
    ) -> Result<NoticeRow, StoreError> {
        let sql = format!("{NOTICE_SELECT} WHERE n.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::not_found("supervision_notice", id))?;
        let mut nr = notice_row(&row, today())?;
        if !viewer.scope.contains(&nr.path) {
            return Err(StoreError::not_found("supervision_notice", id));
        }
        if let Some(v) = version
            && nr.n.version != v
        {
            return Err(StoreError::Conflict {
                entity: "supervision_notice",
                id,
                current: nr.n.version,
            });
        }
        load_parts(self.conn(), &mut nr.n).await?;
        Ok(nr)
    }

    /// Replace a notice's items; each measure or problem must lie in the addressed unit.
    async fn put_items(
        &mut self,
        viewer: &Viewer,
        notice_id: i64,
        unit_path: &OrgPath,
        items: &[NewNoticeItem],
    ) -> Result<(), StoreError> {
        if items.is_empty() {
            return Err(FieldError::new(
                "items",
                "required",
                "督办单至少包含一项督办事项 (a notice needs at least one item)",
            )
            .into());
        }
        if items.len() > 500 {
            return Err(
                FieldError::new("items", "too_many", "最多 500 项 (at most 500 items)").into(),
            );
        }
        sqlx::query("DELETE FROM supervision_notice_item WHERE notice_id = $1")
            .bind(notice_id)
            .execute(self.conn())
            .await?;
        for (i, it) in items.iter().enumerate() {
            let field = |f: &str| format!("items[{i}].{f}");
            let note = text::optional(&field("text"), it.text.as_deref(), text::TEXT_MAX)?;
            let (text, path) = match (it.measure_id, it.problem_id) {
                (Some(m), None) => {
                    let (t, p) = self
                        .item_source(
                            "SELECT text, org_path FROM measure WHERE id = $1",
                            m,
                            field("measure_id"),
                            "措施不存在 (no such measure)",
                        )
                        .await?;
                    (note.unwrap_or(t), Some(p))
                }
                (None, Some(p)) => {
                    let (t, p) = self
                        .item_source(
                            "SELECT title, org_path FROM problem WHERE id = $1",
                            p,
                            field("problem_id"),
                            "问题不存在 (no such problem)",
                        )
                        .await?;
                    (note.unwrap_or(t), Some(p))
                }
                (None, None) => match note {
                    Some(t) => (t, None),
                    None => {
                        return Err(FieldError::new(
                            field("text"),
                            "required",
                            "督办事项须为一项措施、一个问题或一段文字 (an item is a measure, a problem or text)",
                        )
                        .into());
                    }
                },
                (Some(_), Some(_)) => {
                    return Err(FieldError::new(
                        field("problem_id"),
                        "ambiguous",
                        "措施和问题只能选一 (give a measure or a problem, not both)",
                    )
                    .into());
                }
            };
            if let Some(path) = &path {
                // A measure of another unit (or outside the viewer's scope) is refused as absent.
                let f = if it.measure_id.is_some() {
                    "measure_id"
                } else {
                    "problem_id"
                };
                if !viewer.scope.contains(path) {
                    return Err(FieldError::new(
                        field(f),
                        "not_found",
                        "不存在或无权查看 (not found)",
                    )
                    .into());
                }
                if it.measure_id.is_some() && !unit_path.contains(path) {
                    return Err(FieldError::new(
                        field(f),
                        "not_in_unit",
                        "该措施不属于被督办单位 (the measure belongs to another unit)",
                    )
                    .into());
                }
            }
            sqlx::query("INSERT INTO supervision_notice_item (notice_id, seq, measure_id, problem_id, text) VALUES ($1, $2, $3, $4, $5)")
                .bind(notice_id)
                .bind(i as i64 + 1)
                .bind(it.measure_id)
                .bind(it.problem_id)
                .bind(text)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// A draft notice from the viewer's office to a unit in its scope.
    pub async fn create_notice(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        n: &NewNotice,
    ) -> Result<SupervisionNotice, StoreError> {
        if !viewer.role.may(Action::SuperviseNotices) {
            return Err(forbidden("action"));
        }
        let title = check_title(&n.title)?;
        let body = text::optional("body", n.body.as_deref(), text::TEXT_MAX)?;
        let unit = self
            .organisation(n.unit_id)
            .await
            .ok()
            .filter(|u| viewer.scope.contains(&u.path));
        let Some(unit) = unit else {
            return Err(FieldError::new(
                "unit_id",
                "not_found",
                "单位不存在 (no such organisation)",
            )
            .into());
        };
        if let Some(i) = n.inspection_id {
            let insp = self.inspection(i).await.ok();
            if !insp.is_some_and(|i| {
                viewer.scope.contains(&i.org_path) || i.org_path.contains(&unit.path)
            }) {
                return Err(FieldError::new(
                    "inspection_id",
                    "not_found",
                    "巡察不存在 (no such inspection)",
                )
                .into());
            }
        }
        let now = now_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO supervision_notice (issuer_org_id, unit_id, org_path, inspection_id, title, body, tier, state, reply_due, month, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(viewer_org(viewer))
        .bind(n.unit_id)
        .bind(unit.path.as_str().to_string())
        .bind(n.inspection_id)
        .bind(title)
        .bind(body)
        .bind(n.tier.as_str())
        .bind(ds(n.reply_due))
        .bind(n.month.map(|m| m.label()))
        .bind(viewer.user_id)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        self.put_items(viewer, id, &unit.path, &n.items).await?;
        let after = self.notice_at(viewer, id, None).await?.n;
        self.audit(
            actor,
            AuditEvent::ok("notice.create", "supervision_notice", id).after(json!(after)),
        )
        .await?;
        Ok(after)
    }

    /// Edit a draft (issued notices are fixed documents).
    pub async fn update_notice(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        p: &NoticePatch,
    ) -> Result<SupervisionNotice, StoreError> {
        if !viewer.role.may(Action::SuperviseNotices) {
            return Err(forbidden("action"));
        }
        let before = self.notice_at(viewer, id, Some(version)).await?;
        if before.n.state != NoticeState::Draft {
            return Err(FieldError::new(
                "version",
                "not_draft",
                "已下发的督办单不能修改 (only a draft can be edited)",
            )
            .into());
        }
        let title = match &p.title {
            Some(t) => check_title(t)?,
            None => before.n.title.clone(),
        };
        let body = match &p.body {
            Some(b) => text::optional("body", b.as_deref(), text::TEXT_MAX)?,
            None => before.n.body.clone(),
        };
        if let Some(items) = &p.items {
            self.put_items(viewer, id, &before.path, items).await?;
        }
        sqlx::query("UPDATE supervision_notice SET title = $1, body = $2, tier = $3, reply_due = $4, updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7")
            .bind(title)
            .bind(body)
            .bind(p.tier.unwrap_or(before.n.tier).as_str())
            .bind(ds(p.reply_due.unwrap_or(before.n.reply_due)))
            .bind(now_text())
            .bind(id)
            .bind(version)
            .execute(self.conn())
            .await?;
        let after = self.notice_at(viewer, id, None).await?.n;
        self.audit(
            actor,
            AuditEvent::ok("notice.update", "supervision_notice", id)
                .before(json!(before.n))
                .after(json!(after)),
        )
        .await?;
        Ok(after)
    }

    /// The issuer's numbering scheme (default `督办〔{year}〕{n}号`).
    pub async fn notice_scheme(&mut self, issuer_org_id: i64) -> Result<NumberScheme, StoreError> {
        let p: Option<String> =
            sqlx::query_scalar("SELECT prefix FROM notice_scheme WHERE issuer_org_id = $1")
                .bind(issuer_org_id)
                .fetch_optional(self.conn())
                .await?;
        Ok(p.map(|prefix| NumberScheme { prefix }).unwrap_or_default())
    }

    /// Set the numbering scheme of the viewer's office from a template `X督办〔{year}〕{n}号`.
    pub async fn set_notice_scheme(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        template: &str,
    ) -> Result<NumberScheme, StoreError> {
        if !viewer.role.may(Action::SuperviseNotices) {
            return Err(forbidden("action"));
        }
        let s = NumberScheme::parse("template", template)?;
        let org = viewer_org(viewer);
        let before = self.notice_scheme(org).await?;
        sqlx::query("INSERT INTO notice_scheme (issuer_org_id, prefix) VALUES ($1, $2) ON CONFLICT (issuer_org_id) DO UPDATE SET prefix = excluded.prefix, version = notice_scheme.version + 1")
            .bind(org)
            .bind(s.prefix.clone())
            .execute(self.conn())
            .await?;
        self.audit(
            actor,
            AuditEvent::ok("notice.scheme", "organisation", org)
                .before(json!({"template": before.template()}))
                .after(json!({"template": s.template()})),
        )
        .await?;
        Ok(s)
    }

    /// Issue a draft: number it `{prefix}〔{year}〕{n}号`, the next serial of its issuer in the
    /// year of `issued_on`. The reply date must not fall before the issue date.
    pub async fn issue_notice(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        issued_on: NaiveDate,
    ) -> Result<SupervisionNotice, StoreError> {
        if !viewer.role.may(Action::SuperviseNotices) {
            return Err(forbidden("action"));
        }
        let before = self.notice_at(viewer, id, Some(version)).await?;
        let next = before
            .n
            .state
            .apply(NoticeAction::Issue)
            .map_err(|e| e.field_error())?;
        notices::check_reply_due(issued_on, before.n.reply_due)?;
        if before.n.items.is_empty() {
            return Err(FieldError::new(
                "items",
                "required",
                "督办单至少包含一项督办事项 (a notice needs at least one item)",
            )
            .into());
        }
        let issuer = before.n.issuer_org_id;
        let year = i64::from(issued_on.year());
        let scheme = self.notice_scheme(issuer).await?;
        // All writes hold the audit chain head, so this read-then-insert cannot interleave
        // with another issue; the unique (issuer, year, serial) constraint backs it up.
        let serial: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(serial), 0) + 1 FROM supervision_notice WHERE issuer_org_id = $1 AND year = $2",
        )
        .bind(issuer)
        .bind(year)
        .fetch_one(self.conn())
        .await?;
        let number = scheme
            .number(issued_on.year(), u32::try_from(serial).unwrap_or(u32::MAX))
            .to_string();
        let r = sqlx::query("UPDATE supervision_notice SET state = $1, year = $2, serial = $3, doc_number = $4, issued_on = $5, updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8")
            .bind(next.as_str())
            .bind(year)
            .bind(serial)
            .bind(number.clone())
            .bind(ds(issued_on))
            .bind(now_text())
            .bind(id)
            .bind(version)
            .execute(self.conn())
            .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                entity: "supervision_notice",
                id,
                current: version + 1,
            });
        }
        self.notice_event(
            id,
            "issue",
            None,
            Some(before.n.tier),
            Some(viewer.user_id),
            issued_on,
        )
        .await?;
        let after = self.notice_at(viewer, id, None).await?.n;
        self.audit(
            actor,
            AuditEvent::ok("notice.issue", "supervision_notice", id)
                .before(json!({"state": before.n.state, "version": version}))
                .after(json!({"state": after.state, "doc_number": number, "issued_on": issued_on, "version": after.version})),
        )
        .await?;
        Ok(after)
    }

    async fn notice_event(
        &mut self,
        id: i64,
        action: &str,
        reason: Option<&str>,
        tier: Option<Tier>,
        user: Option<i64>,
        day: NaiveDate,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO supervision_notice_event (notice_id, action, reason, tier, user_id, day, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(action.to_string())
            .bind(reason.map(str::to_string))
            .bind(tier.map(|t| t.as_str()))
            .bind(user)
            .bind(ds(day))
            .bind(now_text())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The addressed unit's reply (its liaison, or anyone of the unit's subtree allowed to reply).
    pub async fn reply_notice(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        replied_on: NaiveDate,
        reply: &str,
    ) -> Result<SupervisionNotice, StoreError> {
        if !viewer.role.may(Action::ReplyNotice) {
            return Err(forbidden("action"));
        }
        let reply = text::bounded("text", reply, text::TEXT_MAX)?;
        let before = self.notice_at(viewer, id, Some(version)).await?;
        let next = before
            .n
            .state
            .apply(NoticeAction::Reply)
            .map_err(|e| e.field_error())?;
        let issued_on = before.n.issued_on.ok_or_else(|| {
            StoreError::Config(format!("issued notice {id} without an issue date"))
        })?;
        notices::check_replied_on(issued_on, replied_on)?;
        if replied_on > today() {
            return Err(FieldError::new(
                "replied_on",
                "in_future",
                "回复日期不能晚于今天 (reply dated in the future)",
            )
            .into());
        }
        sqlx::query("INSERT INTO supervision_notice_reply (notice_id, replied_on, text, author_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(ds(replied_on))
            .bind(reply.clone())
            .bind(viewer.user_id)
            .bind(now_text())
            .execute(self.conn())
            .await?;
        self.set_state(id, version, next).await?;
        let after = self.notice_at(viewer, id, None).await?.n;
        self.audit(
            actor,
            AuditEvent::ok("notice.reply", "supervision_notice", id)
                .before(json!({"state": before.n.state, "version": version}))
                .after(json!({"state": after.state, "replied_on": replied_on, "text": reply, "version": after.version})),
        )
        .await?;
        Ok(after)
    }

    async fn set_state(&mut self, id: i64, version: i64, s: NoticeState) -> Result<(), StoreError> {
        let r = sqlx::query("UPDATE supervision_notice SET state = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4")
            .bind(s.as_str())
            .bind(now_text())
            .bind(id)
            .bind(version)
            .execute(self.conn())
            .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                entity: "supervision_notice",
                id,
                current: version + 1,
            });
        }
        Ok(())
    }

    /// The office reviews a reply: accept, or return it with a reason and optionally a new
    /// reply date (not before today's date).
    #[allow(clippy::too_many_arguments)]
    pub async fn review_notice(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        outcome: ReviewOutcome,
        reason: Option<&str>,
        new_reply_due: Option<NaiveDate>,
    ) -> Result<SupervisionNotice, StoreError> {
        if !viewer.role.may(Action::SuperviseNotices) {
            return Err(forbidden("action"));
        }
        let reason = text::optional("reason", reason, text::REASON_MAX)?;
        let before = self.notice_at(viewer, id, Some(version)).await?;
        let action = match outcome {
            ReviewOutcome::Accept => NoticeAction::Accept,
            ReviewOutcome::Return => NoticeAction::Return,
        };
        let next = before.n.state.apply(action).map_err(|e| e.field_error())?;
        if outcome == ReviewOutcome::Return && reason.is_none() {
            return Err(FieldError::new(
                "reason",
                "required",
                "退回须说明理由 (a return needs a reason)",
            )
            .into());
        }
        if let Some(d) = new_reply_due {
            if outcome != ReviewOutcome::Return {
                return Err(FieldError::new(
                    "reply_due",
                    "not_allowed",
                    "只有退回时可以重设回复期限 (a new reply date comes only with a return)",
                )
                .into());
            }
            if d < today() {
                return Err(FieldError::new(
                    "reply_due",
                    "in_past",
                    "新的回复期限早于今天 (new reply date in the past)",
                )
                .into());
            }
            sqlx::query("UPDATE supervision_notice SET reply_due = $1 WHERE id = $2")
                .bind(ds(d))
                .bind(id)
                .execute(self.conn())
                .await?;
        }
        self.set_state(id, version, next).await?;
        self.notice_event(
            id,
            action.as_str(),
            reason.as_deref(),
            None,
            Some(viewer.user_id),
            today(),
        )
        .await?;
        let after = self.notice_at(viewer, id, None).await?.n;
        self.audit(
            actor,
            AuditEvent::ok(if outcome == ReviewOutcome::Accept { "notice.accept" } else { "notice.return" }, "supervision_notice", id)
                .before(json!({"state": before.n.state, "reply_due": before.n.reply_due, "version": version}))
                .after(json!({"state": after.state, "reply_due": after.reply_due, "reason": reason, "version": after.version})),
        )
        .await?;
        Ok(after)
    }

    /// Close an accepted notice (办结).
    pub async fn close_notice(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
    ) -> Result<SupervisionNotice, StoreError> {
        if !viewer.role.may(Action::SuperviseNotices) {
            return Err(forbidden("action"));
        }
        let before = self.notice_at(viewer, id, Some(version)).await?;
        let next = before
            .n
            .state
            .apply(NoticeAction::Close)
            .map_err(|e| e.field_error())?;
        self.set_state(id, version, next).await?;
        self.notice_event(id, "close", None, None, Some(viewer.user_id), today())
            .await?;
        let after = self.notice_at(viewer, id, None).await?.n;
        self.audit(
            actor,
            AuditEvent::ok("notice.close", "supervision_notice", id)
                .before(json!({"state": before.n.state, "version": version}))
                .after(json!({"state": after.state, "version": after.version})),
        )
        .await?;
        Ok(after)
    }
}

/// The daily step: every notice awaiting a reply past its reply date moves up one tier (once
/// per reply date). Running it twice for the same day changes nothing.
pub async fn daily(
    store: &Store,
    actor: &Actor,
    day: NaiveDate,
) -> Result<NoticeDaily, StoreError> {
    let mut w = store.begin_write().await?;
    let rows = sqlx::query(
        "SELECT id, state, tier, reply_due, escalated_for FROM supervision_notice \
         WHERE state IN ('issued', 'returned') AND reply_due < $1 ORDER BY id",
    )
    .bind(ds(day))
    .fetch_all(w.conn())
    .await?;
    let mut out = NoticeDaily::default();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let state =
            NoticeState::parse(&r.try_get::<String, _>("state")?).unwrap_or(NoticeState::Issued);
        let tier = Tier::parse(&r.try_get::<String, _>("tier")?).unwrap_or(Tier::General);
        let due = pd(&r.try_get::<String, _>("reply_due")?)?;
        let esc = r
            .try_get::<Option<String>, _>("escalated_for")?
            .map(|s| pd(&s))
            .transpose()?;
        let to = match notices::escalation(state, tier, due, esc, day) {
            Escalation::None => continue,
            Escalation::To(t) => {
                out.escalated.push(id);
                t
            }
            Escalation::AtTop => {
                out.at_top.push(id);
                tier
            }
        };
        sqlx::query("UPDATE supervision_notice SET tier = $1, escalated_for = $2, updated_at = $3, version = version + 1 WHERE id = $4")
            .bind(to.as_str())
            .bind(ds(due))
            .bind(now_text())
            .bind(id)
            .execute(w.conn())
            .await?;
        w.notice_event(
            id,
            "escalate",
            Some("逾期未回复 (reply overdue)"),
            Some(to),
            None,
            day,
        )
        .await?;
        // The addressed unit's principal leader (主要负责人) hears of it in the inbox.
        let leader: Option<i64> = sqlx::query_scalar(
            "SELECT o.principal_leader_id FROM supervision_notice n JOIN organisation o ON o.id = n.unit_id WHERE n.id = $1",
        )
        .bind(id)
        .fetch_one(w.conn())
        .await?;
        if let Some(person) = leader {
            let number: Option<String> =
                sqlx::query_scalar("SELECT doc_number FROM supervision_notice WHERE id = $1")
                    .bind(id)
                    .fetch_one(w.conn())
                    .await?;
            let r = sqlx::query(
                "INSERT INTO notification (recipient_person_id, day, kind, tier, object_type, object_id, message) \
                 VALUES ($1, $2, 'notice_overdue', $3, 'supervision_notice', $4, $5) \
                 ON CONFLICT (recipient_person_id, day, kind, object_type, object_id) DO NOTHING",
            )
            .bind(person)
            .bind(ds(day))
            .bind(Tier::ALL.iter().position(|t| *t == to).unwrap_or(0) as i64 + 1)
            .bind(id)
            .bind(format!(
                "督办单{}逾期未回复(回复期限{}),已提升为{}",
                number.unwrap_or_default(),
                due,
                to.label_zh()
            ))
            .execute(w.conn())
            .await?;
            out.notifications += r.rows_affected();
        }
        w.audit(
            actor,
            AuditEvent::ok("notice.escalate", "supervision_notice", id)
                .before(json!({"tier": tier}))
                .after(json!({"tier": to, "reply_due": due, "day": day})),
        )
        .await?;
    }
    w.commit().await?;
    Ok(out)
}

/// [`daily`] as a step of the supervision run (`supervision::run_day`).
pub async fn daily_step(
    store: &Store,
    day: NaiveDate,
) -> Result<crate::supervision::StepSummary, StoreError> {
    let d = daily(store, &Actor::cli("supervise run"), day).await?;
    Ok(crate::supervision::StepSummary {
        name: "supervision notices (督办单): overdue replies escalated".into(),
        items: (d.escalated.len() + d.at_top.len()) as u64,
        notifications: d.notifications,
    })
}

/// One lagging or at-risk measure on a monthly list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListItem {
    pub measure_id: i64,
    pub inspection_id: i64,
    pub problem_id: i64,
    pub problem: String,
    pub text: String,
    pub state: MeasureState,
    pub deadline: NaiveDate,
    pub percent: i64,
    /// Days past the deadline at the list's date (negative: days left).
    pub days_overdue: i64,
    /// At risk because the light history shows it behind the planned pace (yellow), not
    /// because its deadline is near.
    pub behind_pace: bool,
}

/// A unit's part of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitList {
    pub unit_id: Option<i64>,
    pub unit: String,
    /// The unit's items on the list (all of them, listed or not).
    pub count: i64,
    pub items: Vec<ListItem>,
}

/// One list (lagging or at-risk): units in name order, items by deadline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MonthList {
    pub total: i64,
    /// More items than the limit asked for: the rest are counted in `total` and in each
    /// unit's `count` but not listed.
    pub truncated: bool,
    pub units: Vec<UnitList>,
}

/// The monthly lists: lagging (滞后事项, overdue at the list's date) and at-risk (隐患事项,
/// due within `window_workdays` working days after it — the yellow light's window — or behind
/// the planned pace).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MonthlyLists {
    pub month: String,
    /// The month's last day, or today while the month is running.
    pub as_of: NaiveDate,
    /// Working days of the at-risk window (by default the light rules' yellow window).
    pub window_workdays: u32,
    /// The window's last day: at risk are deadlines from `as_of` to this day.
    pub window_until: NaiveDate,
    pub lagging: MonthList,
    pub at_risk: MonthList,
}

/// A unit as lists name it: `人事科（市教育局）` below an organisation, the bare name for an
/// organisation directly under the root, `未明确责任单位` when the measure has none.
fn unit_label(r: &sqlx::any::AnyRow) -> Result<String, StoreError> {
    let unit: Option<String> = r.try_get("unit_name")?;
    let parent: Option<String> = r.try_get("parent_name")?;
    let grand: Option<i64> = r.try_get("grand_id")?;
    Ok(match (unit, parent, grand) {
        (None, _, _) => "未明确责任单位".into(),
        (Some(u), Some(p), Some(_)) => format!("{u}（{p}）"),
        (Some(u), _, _) => u,
    })
}

/// Listed items keyed by unit, and every unit's count.
type ListRows = (
    Vec<((String, Option<i64>), ListItem)>,
    Vec<((String, Option<i64>), i64)>,
);

/// Most items a list carries in one answer.
pub const LIST_CAP: usize = 5000;
/// Items per list in one answer unless asked otherwise (every unit's count is always there).
pub const LIST_DEFAULT: usize = 200;

const OPEN_STATES: &str = "('assigned', 'in_progress', 'submitted', 'returned', 'reopened')";

impl Store {
    /// A viewer for local command-line tools: an office of the first root organisation.
    pub async fn root_office_viewer(&self) -> Result<Viewer, StoreError> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT MIN(id) FROM organisation WHERE parent_id IS NULL")
                .fetch_one(self.pool())
                .await?;
        let id = id.ok_or_else(|| StoreError::not_found("organisation", "root"))?;
        Ok(Viewer {
            user_id: 0,
            role: Role::Office,
            scope: OrgPath::root(id),
            person_id: None,
        })
    }

    /// An issuer's numbering scheme (default `督办〔{year}〕{n}号`).
    pub async fn notice_scheme(&self, issuer_org_id: i64) -> Result<NumberScheme, StoreError> {
        let p: Option<String> =
            sqlx::query_scalar("SELECT prefix FROM notice_scheme WHERE issuer_org_id = $1")
                .bind(issuer_org_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(p.map(|prefix| NumberScheme { prefix }).unwrap_or_default())
    }

    pub async fn notice_for(
        &self,
        viewer: &Viewer,
        id: i64,
    ) -> Result<SupervisionNotice, StoreError> {
        let sql = format!("{NOTICE_SELECT} WHERE n.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("supervision_notice", id))?;
        let mut nr = notice_row(&row, today())?;
        if !viewer.scope.contains(&nr.path) {
            return Err(StoreError::not_found("supervision_notice", id));
        }
        let mut conn = self.pool().acquire().await?;
        load_parts(&mut conn, &mut nr.n).await?;
        Ok(nr.n)
    }

    /// Notices addressed to units in the viewer's scope, newest first (without their parts).
    pub async fn notices(
        &self,
        viewer: &Viewer,
        f: &NoticeFilter,
    ) -> Result<Vec<SupervisionNotice>, StoreError> {
        let mut w = crate::row::Where::default();
        w.and("n.org_path >=", viewer.scope.as_str());
        w.and("n.org_path <", viewer.scope.upper_bound());
        if let Some(s) = f.state {
            w.and("n.state =", s.as_str());
        }
        if let Some(u) = f.unit_id {
            w.and("n.unit_id =", u);
        }
        if let Some(m) = &f.month {
            w.and("n.month =", m.as_str());
        }
        match f.overdue {
            Some(true) => {
                w.raw("n.state IN ('issued', 'returned')");
                w.and("n.reply_due <", ds(today()));
            }
            Some(false) => {
                w.and(
                    "(n.state NOT IN ('issued', 'returned') OR n.reply_due >=",
                    ds(today()),
                );
                w.sql.push(')');
            }
            None => {}
        }
        let sql = format!(
            "{NOTICE_SELECT} WHERE 1 = 1{} ORDER BY n.id DESC LIMIT 1000",
            w.sql
        );
        let rows = crate::row::bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?;
        let t = today();
        rows.iter()
            .map(|r| notice_row(r, t).map(|nr| nr.n))
            .collect()
    }

    /// The monthly lagging and at-risk lists for the viewer's scope (or one unit's subtree).
    pub async fn monthly_lists(
        &self,
        viewer: &Viewer,
        month: Month,
        window_workdays: Option<u32>,
        unit_id: Option<i64>,
        limit: usize,
    ) -> Result<MonthlyLists, StoreError> {
        let limit = limit.clamp(1, LIST_CAP);
        let scope = match unit_id {
            Some(u) => {
                let o = self
                    .organisation(u)
                    .await
                    .ok()
                    .filter(|o| viewer.scope.contains(&o.path));
                o.ok_or_else(|| {
                    StoreError::Invalid(FieldError::new(
                        "unit_id",
                        "not_found",
                        "单位不存在 (no such organisation)",
                    ))
                })?
                .path
            }
            None => viewer.scope.clone(),
        };
        let window_workdays = match window_workdays {
            Some(n) => n.min(250),
            None => self.light_rules().await?.yellow_within_workdays,
        };
        let as_of = month.last.min(today());
        // The yellow light's rule: deadlines up to the n-th working day after the list's date.
        let window_until = if window_workdays == 0 {
            as_of
        } else {
            self.calendar()
                .await?
                .add_workdays(as_of, i64::from(window_workdays))
                .map_err(|e| crate::calendar::calendar_error("month", &e))?
        };
        let lagging = self.list_query(viewer, &scope, as_of, None, limit).await?;
        let at_risk = self
            .list_query(viewer, &scope, as_of, Some(window_until), limit)
            .await?;
        Ok(MonthlyLists {
            month: month.label(),
            as_of,
            window_workdays,
            window_until,
            lagging,
            at_risk,
        })
    }

    /// Open measures in scope overdue at `as_of` (`until` None), or due in `[as_of, until]`.
    async fn list_query(
        &self,
        viewer: &Viewer,
        scope: &OrgPath,
        as_of: NaiveDate,
        until: Option<NaiveDate>,
        limit: usize,
    ) -> Result<MonthList, StoreError> {
        let base = || {
            let mut w = crate::row::Where::default();
            w.and("m.org_path >=", scope.as_str());
            w.and("m.org_path <", scope.upper_bound());
            if viewer.role == Role::Owner {
                w.and("m.owner_id =", viewer.person_id.unwrap_or(-1));
            }
            w.raw(&format!("m.state IN {OPEN_STATES}"));
            w
        };
        let (mut items, mut counts) = match until {
            None => {
                let mut w = base();
                w.and("m.deadline <", ds(as_of));
                self.list_rows(&w, "", as_of, false, limit).await?
            }
            Some(u) => {
                let mut w = base();
                w.and("m.deadline >=", ds(as_of));
                w.and("m.deadline <=", ds(u));
                self.list_rows(&w, "", as_of, false, limit).await?
            }
        };
        if let Some(u) = until {
            // Behind the planned pace: the light history says yellow on the list's date, though
            // the deadline is further away than the window.
            let mut w = base();
            w.and("m.deadline >", ds(u));
            w.params.push(ds(as_of).into());
            let n = w.params.len();
            let join = format!(
                " JOIN measure_light l ON l.measure_id = m.id AND l.light = 'yellow' AND l.from_day = \
                 (SELECT MAX(l2.from_day) FROM measure_light l2 WHERE l2.measure_id = m.id AND l2.from_day <= ${n})"
            );
            let (more, more_counts) = self.list_rows(&w, &join, as_of, true, limit).await?;
            counts.extend(more_counts);
            items.extend(more);
            items.sort_by(|a, b| {
                (a.1.deadline, a.1.measure_id).cmp(&(b.1.deadline, b.1.measure_id))
            });
        }
        items.truncate(limit);
        let total: i64 = counts.iter().map(|c| c.1).sum();
        let truncated = total > items.len() as i64;
        let mut units: BTreeMap<(String, Option<i64>), UnitList> = BTreeMap::new();
        for ((unit, unit_id), n) in counts {
            units
                .entry((unit.clone(), unit_id))
                .or_insert_with(|| UnitList {
                    unit_id,
                    unit,
                    count: 0,
                    items: Vec::new(),
                })
                .count += n;
        }
        for (key, item) in items {
            if let Some(u) = units.get_mut(&key) {
                u.items.push(item);
            }
        }
        Ok(MonthList {
            total,
            truncated,
            units: units.into_values().collect(),
        })
    }

    /// The first `limit` items matching `w` (with `join` after `measure m`), and the count of
    /// all of them per unit.
    async fn list_rows(
        &self,
        w: &crate::row::Where,
        join: &str,
        as_of: NaiveDate,
        behind_pace: bool,
        limit: usize,
    ) -> Result<ListRows, StoreError> {
        // The page's ids from the measure table alone (sorted without joins), then the names
        // for those few rows; the counts likewise group first and name the units after.
        let sql = format!(
            "SELECT m.id, m.inspection_id, m.problem_id, m.text, m.state, m.deadline, m.percent, m.responsible_unit_id, \
             u.name AS unit_name, pu.name AS parent_name, pu.parent_id AS grand_id, p.title AS problem_title \
             FROM (SELECT m.id FROM measure m{join} WHERE 1 = 1{} ORDER BY m.deadline, m.id LIMIT {limit}) k \
             JOIN measure m ON m.id = k.id \
             JOIN problem p ON p.id = m.problem_id LEFT JOIN organisation u ON u.id = m.responsible_unit_id \
             LEFT JOIN organisation pu ON pu.id = u.parent_id \
             ORDER BY m.deadline, m.id",
            w.sql
        );
        let rows = crate::row::bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?;
        let sql = format!(
            "SELECT c.responsible_unit_id, u.name AS unit_name, pu.name AS parent_name, pu.parent_id AS grand_id, c.n \
             FROM (SELECT m.responsible_unit_id, COUNT(*) AS n FROM measure m{join} WHERE 1 = 1{} GROUP BY m.responsible_unit_id) c \
             LEFT JOIN organisation u ON u.id = c.responsible_unit_id LEFT JOIN organisation pu ON pu.id = u.parent_id",
            w.sql
        );
        let count_rows = crate::row::bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?;
        let mut counts = Vec::with_capacity(count_rows.len());
        for r in &count_rows {
            let unit = unit_label(r)?;
            counts.push((
                (unit, r.try_get("responsible_unit_id")?),
                r.try_get::<i64, _>("n")?,
            ));
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let deadline = pd(&r.try_get::<String, _>("deadline")?)?;
            let state: String = r.try_get("state")?;
            let unit = unit_label(r)?;
            out.push((
                (unit, r.try_get("responsible_unit_id")?),
                ListItem {
                    measure_id: r.try_get("id")?,
                    inspection_id: r.try_get("inspection_id")?,
                    problem_id: r.try_get("problem_id")?,
                    problem: r.try_get("problem_title")?,
                    text: r.try_get("text")?,
                    state: MeasureState::parse(&state).unwrap_or(MeasureState::InProgress),
                    deadline,
                    percent: r.try_get("percent")?,
                    days_overdue: (as_of - deadline).num_days(),
                    behind_pace,
                },
            ));
        }
        Ok((out, counts))
    }

    /// Draft one notice per unit from the month's lists (lagging items, and at-risk ones when
    /// `include_at_risk`), for the office to edit and issue. Units that already have a notice
    /// drafted from this month are skipped, so drafting twice adds nothing.
    pub async fn draft_notices_from_lists(
        &self,
        actor: &Actor,
        viewer: &Viewer,
        month: Month,
        window_workdays: Option<u32>,
        reply_due: NaiveDate,
        include_at_risk: bool,
    ) -> Result<Vec<SupervisionNotice>, StoreError> {
        if !viewer.role.may(Action::SuperviseNotices) {
            return Err(forbidden("action"));
        }
        let lists = self
            .monthly_lists(viewer, month, window_workdays, None, LIST_CAP)
            .await?;
        let mut by_unit: BTreeMap<i64, (String, Vec<(i64, bool)>)> = BTreeMap::new();
        let mut add = |l: &MonthList, lagging: bool| {
            for u in &l.units {
                let Some(id) = u.unit_id else { continue };
                let e = by_unit
                    .entry(id)
                    .or_insert_with(|| (u.unit.clone(), Vec::new()));
                e.1.extend(u.items.iter().map(|i| (i.measure_id, lagging)));
            }
        };
        add(&lists.lagging, true);
        if include_at_risk {
            add(&lists.at_risk, false);
        }
        let mut w = self.begin_write().await?;
        let mut out = Vec::new();
        for (unit_id, (unit, items)) in by_unit {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM supervision_notice WHERE unit_id = $1 AND month = $2 AND issuer_org_id = $3")
                .bind(unit_id)
                .bind(month.label())
                .bind(viewer_org(viewer))
                .fetch_optional(w.conn())
                .await?;
            if exists.is_some() || items.is_empty() {
                continue;
            }
            let any_lagging = items.iter().any(|(_, l)| *l);
            let n = NewNotice {
                unit_id,
                inspection_id: None,
                title: format!(
                    "关于督促加快{}整改{}事项办理的督办单",
                    month.label_zh(),
                    if any_lagging { "滞后" } else { "隐患" }
                ),
                body: Some(format!(
                    "经梳理，截至{}，{unit}有以下整改事项{}。请高度重视，逐项对照整改，按期书面回复办理情况。",
                    crate_date_zh(lists.as_of),
                    if any_lagging {
                        "已超过完成时限或临近完成时限"
                    } else {
                        "临近完成时限"
                    }
                )),
                tier: Tier::General,
                reply_due,
                items: items
                    .iter()
                    .take(500)
                    .map(|(m, _)| NewNoticeItem {
                        measure_id: Some(*m),
                        ..NewNoticeItem::default()
                    })
                    .collect(),
                month: Some(month),
            };
            out.push(w.create_notice(actor, viewer, &n).await?);
        }
        w.commit().await?;
        Ok(out)
    }
}

fn crate_date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testing::stores;
    use crate::{NewInspection, NewMeasure, NewOrganisation, NewProblem};
    use rectify_core::ledger::{MeasureKind, Severity};

    pub(crate) struct Fixture {
        pub office: Viewer,
        pub liaison: Viewer,
        pub other_liaison: Viewer,
        pub unit: i64,
        pub other_unit: i64,
        pub inspection: i64,
        pub problem: i64,
        pub measures: Vec<i64>,
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Root → org → two units; an inspection with one problem and three measures of unit 1
    /// (one overdue, one due soon, one later) assigned, plus one measure of unit 2 overdue.
    pub(crate) async fn fixture(store: &Store) -> Fixture {
        let a = Actor::cli("test");
        let mut w = store.begin_write().await.unwrap();
        let org = |parent, name: &str| NewOrganisation {
            parent_id: parent,
            name: name.into(),
            kind: "unit".into(),
        };
        let root = w.create_organisation(&a, &org(None, "市委")).await.unwrap();
        let o = w
            .create_organisation(&a, &org(Some(root.id), "市教育局"))
            .await
            .unwrap();
        let u1 = w
            .create_organisation(&a, &org(Some(o.id), "办公室"))
            .await
            .unwrap();
        let u2 = w
            .create_organisation(&a, &org(Some(o.id), "人事科"))
            .await
            .unwrap();
        let person = w
            .create_person(
                &a,
                &crate::NewPerson {
                    organisation_id: u1.id,
                    name: "张伟".into(),
                    title: None,
                    phone: None,
                },
            )
            .await
            .unwrap();
        let insp = w
            .create_inspection(
                &a,
                &NewInspection {
                    team: Some("市委第一巡察组".into()),
                    ..NewInspection::regular(o.id, "巡察", Some(d("2020-01-01")))
                },
            )
            .await
            .unwrap();
        let aspect = w
            .create_aspect(&a, insp.id, None, "党的领导方面")
            .await
            .unwrap();
        let p = w
            .create_problem(
                &a,
                &NewProblem {
                    aspect_id: aspect.id,
                    title: "制度建设不够完善".into(),
                    detail: None,
                    severity: Severity::GENERAL,
                },
            )
            .await
            .unwrap();
        let office = Viewer {
            user_id: 0,
            role: Role::Office,
            scope: root.path.clone(),
            person_id: None,
        };
        let t = today();
        let mut measures = Vec::new();
        for (unit, deadline, text) in [
            (u1.id, t - chrono::Duration::days(10), "修订党组工作规则"),
            (u1.id, t + chrono::Duration::days(3), "完善财务制度"),
            (u1.id, t + chrono::Duration::days(90), "开展专题学习"),
            (u2.id, t - chrono::Duration::days(1), "规范选人用人"),
        ] {
            let m = w
                .create_measure(
                    &a,
                    &NewMeasure {
                        problem_id: p.id,
                        text: text.into(),
                        kind: MeasureKind::TimeBound,
                        responsible_unit_id: Some(unit),
                        owner_id: Some(person.id),
                        leader_id: None,
                        liaison_id: None,
                        deadline: Some(deadline),
                    },
                )
                .await
                .unwrap();
            w.transition_measure(
                &a,
                &office,
                m.id,
                m.version,
                rectify_core::state::Transition::Assign,
                None,
            )
            .await
            .unwrap();
            measures.push(m.id);
        }
        let mut user = async |org: i64, role: Role, login: &str| {
            w.create_user(
                &a,
                &crate::NewUser {
                    login: login.into(),
                    display_name: login.into(),
                    role,
                    organisation_id: org,
                    person_id: None,
                },
            )
            .await
            .unwrap()
            .id
        };
        let office_id = user(root.id, Role::Office, "office").await;
        let liaison_id = user(u1.id, Role::Liaison, "liaison1").await;
        let other_id = user(u2.id, Role::Liaison, "liaison2").await;
        w.commit().await.unwrap();
        Fixture {
            liaison: Viewer {
                user_id: liaison_id,
                role: Role::Liaison,
                scope: u1.path.clone(),
                person_id: None,
            },
            other_liaison: Viewer {
                user_id: other_id,
                role: Role::Liaison,
                scope: u2.path.clone(),
                person_id: None,
            },
            office: Viewer {
                user_id: office_id,
                ..office
            },
            unit: u1.id,
            other_unit: u2.id,
            inspection: insp.id,
            problem: p.id,
            measures,
        }
    }

    fn new_notice(f: &Fixture, reply_due: NaiveDate) -> NewNotice {
        NewNotice {
            unit_id: f.unit,
            inspection_id: Some(f.inspection),
            title: "关于加快推进整改的督办单".into(),
            body: None,
            tier: Tier::General,
            reply_due,
            items: vec![NewNoticeItem {
                measure_id: Some(f.measures[0]),
                ..Default::default()
            }],
            month: None,
        }
    }

    #[tokio::test]
    async fn lifecycle_numbering_and_bad_dates() {
        for (store, _g) in stores().await {
            let f = fixture(&store).await;
            let a = Actor::cli("test");
            let t = today();
            let mut w = store.begin_write().await.unwrap();
            let n = w
                .create_notice(
                    &a,
                    &f.office,
                    &new_notice(&f, t + chrono::Duration::days(7)),
                )
                .await
                .unwrap();
            assert_eq!(
                (n.state, n.doc_number.as_deref()),
                (NoticeState::Draft, None)
            );
            assert_eq!(n.items[0].text, "修订党组工作规则");
            // A measure of another unit cannot be put on this unit's notice.
            let mut bad = new_notice(&f, t);
            bad.items = vec![NewNoticeItem {
                measure_id: Some(f.measures[3]),
                ..Default::default()
            }];
            let e = w.create_notice(&a, &f.office, &bad).await.unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(fe) if fe.field == "items[0].measure_id" && fe.code == "not_in_unit"),
                "{e:?}"
            );
            w.commit().await.unwrap();

            // Reply date before the issue date: refused naming the field, nothing written.
            let audit_before = store.count("audit_log").await.unwrap();
            let mut w = store.begin_write().await.unwrap();
            let e = w
                .issue_notice(
                    &a,
                    &f.office,
                    n.id,
                    n.version,
                    t + chrono::Duration::days(8),
                )
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(fe) if fe.field == "reply_due" && fe.code == "reply_due_before_issue"),
                "{e:?}"
            );
            drop(w);
            assert_eq!(store.count("audit_log").await.unwrap(), audit_before);
            assert_eq!(
                store.notice_for(&f.office, n.id).await.unwrap().state,
                NoticeState::Draft
            );

            let mut w = store.begin_write().await.unwrap();
            w.set_notice_scheme(&a, &f.office, "市整改督〔{year}〕{n}号")
                .await
                .unwrap();
            let n = w
                .issue_notice(&a, &f.office, n.id, n.version, t)
                .await
                .unwrap();
            w.commit().await.unwrap();
            assert_eq!(
                n.doc_number.unwrap(),
                format!("市整改督〔{}〕1号", t.year())
            );
            assert_eq!(n.state, NoticeState::Issued);

            // The other unit's liaison does not see it; the addressed unit's does.
            assert!(matches!(
                store.notice_for(&f.other_liaison, n.id).await,
                Err(StoreError::NotFound { .. })
            ));
            let mut w = store.begin_write().await.unwrap();
            let e = w
                .reply_notice(
                    &a,
                    &f.liaison,
                    n.id,
                    n.version,
                    t - chrono::Duration::days(1),
                    "已整改",
                )
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(fe) if fe.field == "replied_on"),
                "{e:?}"
            );
            drop(w);
            let mut w = store.begin_write().await.unwrap();
            let e = w
                .reply_notice(&a, &f.other_liaison, n.id, n.version, t, "x")
                .await
                .unwrap_err();
            assert!(matches!(e, StoreError::NotFound { .. }), "{e:?}");
            let e = w
                .review_notice(
                    &a,
                    &f.liaison,
                    n.id,
                    n.version,
                    ReviewOutcome::Accept,
                    None,
                    None,
                )
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(fe) if fe.code == "forbidden"),
                "{e:?}"
            );
            let n = w
                .reply_notice(
                    &a,
                    &f.liaison,
                    n.id,
                    n.version,
                    t,
                    "已修订党组工作规则并印发",
                )
                .await
                .unwrap();
            assert_eq!(n.state, NoticeState::Replied);
            let e = w
                .review_notice(
                    &a,
                    &f.office,
                    n.id,
                    n.version,
                    ReviewOutcome::Return,
                    None,
                    None,
                )
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(fe) if fe.field == "reason"),
                "{e:?}"
            );
            let n = w
                .review_notice(
                    &a,
                    &f.office,
                    n.id,
                    n.version,
                    ReviewOutcome::Return,
                    Some("佐证不足"),
                    Some(t + chrono::Duration::days(3)),
                )
                .await
                .unwrap();
            assert_eq!(
                (n.state, n.reply_due),
                (NoticeState::Returned, t + chrono::Duration::days(3))
            );
            let n = w
                .reply_notice(&a, &f.liaison, n.id, n.version, t, "补充佐证")
                .await
                .unwrap();
            let e = w
                .close_notice(&a, &f.office, n.id, n.version)
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(fe) if fe.code == "illegal_transition"),
                "{e:?}"
            );
            let n = w
                .review_notice(
                    &a,
                    &f.office,
                    n.id,
                    n.version,
                    ReviewOutcome::Accept,
                    None,
                    None,
                )
                .await
                .unwrap();
            let n = w
                .close_notice(&a, &f.office, n.id, n.version)
                .await
                .unwrap();
            w.commit().await.unwrap();
            assert_eq!(n.state, NoticeState::Closed);
            assert_eq!(n.replies.len(), 2);
            let actions: Vec<&str> = n.events.iter().map(|e| e.action.as_str()).collect();
            assert_eq!(actions, ["issue", "return", "accept", "close"]);
        }
    }

    /// Many issues at once from two pools (two servers): every number distinct and dense.
    #[tokio::test]
    async fn concurrent_issues_never_share_a_number() {
        for (store, _g) in stores().await {
            let f = fixture(&store).await;
            let a = Actor::cli("test");
            let t = today();
            let mut ids = Vec::new();
            let mut w = store.begin_write().await.unwrap();
            for _ in 0..12 {
                ids.push(
                    w.create_notice(
                        &a,
                        &f.office,
                        &new_notice(&f, t + chrono::Duration::days(5)),
                    )
                    .await
                    .unwrap()
                    .id,
                );
            }
            w.commit().await.unwrap();
            let second = crate::testing::second_pool(&store).await;
            let tasks: Vec<_> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let s = if i % 2 == 0 {
                        store.clone()
                    } else {
                        second.clone()
                    };
                    let (v, id, a) = (f.office.clone(), *id, a.clone());
                    tokio::spawn(async move {
                        let mut w = s.begin_write().await.unwrap();
                        let n = w.issue_notice(&a, &v, id, 1, t).await.unwrap();
                        w.commit().await.unwrap();
                        n.doc_number.unwrap()
                    })
                })
                .collect();
            let mut numbers = Vec::new();
            for t in tasks {
                numbers.push(t.await.unwrap());
            }
            numbers.sort_by_key(|n| rectify_core::notices::DocNumber::parse(n).unwrap().serial);
            let want: Vec<String> = (1..=12)
                .map(|i| format!("督办〔{}〕{i}号", t.year()))
                .collect();
            assert_eq!(numbers, want);
            // The constraint holds even for a hand-written duplicate.
            let dup = sqlx::query("UPDATE supervision_notice SET serial = 1 WHERE serial = 2")
                .execute(store.pool())
                .await;
            assert!(dup.is_err(), "duplicate serial accepted");
            second.close().await;
        }
    }

    #[tokio::test]
    async fn overdue_replies_escalate_once_a_day_run_is_idempotent() {
        for (store, _g) in stores().await {
            let f = fixture(&store).await;
            let a = Actor::cli("test");
            let t = today();
            let mut w = store.begin_write().await.unwrap();
            let n = w
                .create_notice(&a, &f.office, &new_notice(&f, t))
                .await
                .unwrap();
            let n = w
                .issue_notice(&a, &f.office, n.id, n.version, t)
                .await
                .unwrap();
            w.commit().await.unwrap();
            // On the reply date itself nothing happens.
            assert_eq!(daily(&store, &a, t).await.unwrap(), NoticeDaily::default());
            let person: i64 = sqlx::query_scalar("SELECT MIN(id) FROM person")
                .fetch_one(store.pool())
                .await
                .unwrap();
            let mut w = store.begin_write().await.unwrap();
            w.set_principal_leader(&a, f.unit, person).await.unwrap();
            w.commit().await.unwrap();
            let later = t + chrono::Duration::days(2);
            let r = daily(&store, &a, later).await.unwrap();
            assert_eq!(r.escalated, [n.id]);
            assert_eq!(r.notifications, 1, "the unit's principal leader is told");
            let msg: String = sqlx::query_scalar(
                "SELECT message FROM notification WHERE recipient_person_id = $1 AND kind = 'notice_overdue'",
            )
            .bind(person)
            .fetch_one(store.pool())
            .await
            .unwrap();
            assert!(msg.contains("重点督办"), "{msg}");
            let audit = store.count("audit_log").await.unwrap();
            assert_eq!(
                daily(&store, &a, later).await.unwrap(),
                NoticeDaily::default(),
                "second run changes nothing"
            );
            assert_eq!(
                daily(&store, &a, later + chrono::Duration::days(1))
                    .await
                    .unwrap(),
                NoticeDaily::default()
            );
            assert_eq!(store.count("audit_log").await.unwrap(), audit);
            let got = store.notice_for(&f.office, n.id).await.unwrap();
            assert_eq!(got.tier, Tier::Key);
            assert!(got.overdue || t == today());
            assert_eq!(got.events.last().unwrap().action, "escalate");
        }
    }

    #[tokio::test]
    async fn monthly_lists_and_drafts() {
        for (store, _g) in stores().await {
            let f = fixture(&store).await;
            let a = Actor::cli("test");
            let t = today();
            let month = Month::parse("month", &t.format("%Y-%m").to_string()).unwrap();
            // Measure 2 is due in 90 days but the light history has it yellow (behind pace)
            // since yesterday; a later change after the list's date does not count.
            for (day, light) in [
                (t - chrono::Duration::days(20), "green"),
                (t - chrono::Duration::days(1), "yellow"),
                (t + chrono::Duration::days(40), "green"),
            ] {
                sqlx::query("INSERT INTO measure_light (measure_id, from_day, light, tier) VALUES ($1, $2, $3, 0)")
                    .bind(f.measures[2])
                    .bind(ds(day))
                    .bind(light)
                    .execute(store.pool())
                    .await
                    .unwrap();
            }
            let l = store
                .monthly_lists(&f.office, month, Some(7), None, LIST_DEFAULT)
                .await
                .unwrap();
            let lag: Vec<i64> = l
                .lagging
                .units
                .iter()
                .flat_map(|u| u.items.iter().map(|i| i.measure_id))
                .collect();
            assert_eq!(l.lagging.total, 2);
            assert!(lag.contains(&f.measures[0]) && lag.contains(&f.measures[3]));
            assert_eq!(l.lagging.units.len(), 2, "per unit");
            let risk: Vec<i64> = l
                .at_risk
                .units
                .iter()
                .flat_map(|u| u.items.iter().map(|i| i.measure_id))
                .collect();
            // Due in 3 days is at risk when the list is as of today (the running month).
            assert_eq!(l.as_of, t);
            assert_eq!(risk, [f.measures[1], f.measures[2]]);
            let paced: Vec<bool> = l
                .at_risk
                .units
                .iter()
                .flat_map(|u| u.items.iter().map(|i| i.behind_pace))
                .collect();
            assert_eq!(paced, [false, true]);
            assert_eq!(l.at_risk.total, 2);
            // A limit lists fewer items but every unit keeps its count.
            let short = store
                .monthly_lists(&f.office, month, Some(7), None, 1)
                .await
                .unwrap();
            assert_eq!((short.lagging.total, short.lagging.truncated), (2, true));
            let counts: Vec<(i64, usize)> = short
                .lagging
                .units
                .iter()
                .map(|u| (u.count, u.items.len()))
                .collect();
            assert_eq!(counts.iter().map(|c| c.0).sum::<i64>(), 2);
            assert_eq!(counts.iter().map(|c| c.1).sum::<usize>(), 1);
            // A liaison sees its own unit only.
            let l1 = store
                .monthly_lists(&f.liaison, month, Some(7), None, LIST_DEFAULT)
                .await
                .unwrap();
            assert_eq!(l1.lagging.total, 1);
            assert!(
                matches!(store.monthly_lists(&f.liaison, month, Some(7), Some(f.other_unit), LIST_DEFAULT).await, Err(StoreError::Invalid(fe)) if fe.field == "unit_id")
            );
            let drafts = store
                .draft_notices_from_lists(
                    &a,
                    &f.office,
                    month,
                    Some(7),
                    t + chrono::Duration::days(10),
                    true,
                )
                .await
                .unwrap();
            assert_eq!(drafts.len(), 2);
            assert!(drafts.iter().all(|n| n.state == NoticeState::Draft
                && n.month.as_deref() == Some(month.label().as_str())));
            let again = store
                .draft_notices_from_lists(
                    &a,
                    &f.office,
                    month,
                    Some(7),
                    t + chrono::Duration::days(10),
                    true,
                )
                .await
                .unwrap();
            assert!(again.is_empty(), "drafting twice adds nothing");
            let _ = f.problem;
        }
    }

    #[tokio::test]
    async fn the_at_risk_window_counts_working_days() {
        for (store, _g) in stores().await {
            let f = fixture(&store).await;
            // September 2024 is listed as of 09-30; the yellow window (5 working days by
            // default) runs over National Day to 10-12 (10-08..10-11, Saturday 10-12 worked).
            let month = Month::parse("month", "2024-09").unwrap();
            for (m, deadline) in [(1, "2024-10-12"), (2, "2024-10-14")] {
                sqlx::query("UPDATE measure SET deadline = $1 WHERE id = $2")
                    .bind(deadline)
                    .bind(f.measures[m])
                    .execute(store.pool())
                    .await
                    .unwrap();
            }
            let l = store
                .monthly_lists(&f.office, month, None, None, LIST_DEFAULT)
                .await
                .unwrap();
            assert_eq!(l.as_of, pd("2024-09-30").unwrap());
            assert_eq!(l.window_workdays, 5);
            assert_eq!(l.window_until, pd("2024-10-12").unwrap());
            let risk: Vec<i64> = l
                .at_risk
                .units
                .iter()
                .flat_map(|u| u.items.iter().map(|i| i.measure_id))
                .collect();
            assert!(risk.contains(&f.measures[1]), "{risk:?}");
            assert!(!risk.contains(&f.measures[2]), "{risk:?}");
            // Three working days: 10-08, 10-09, 10-10.
            let l = store
                .monthly_lists(&f.office, month, Some(3), None, LIST_DEFAULT)
                .await
                .unwrap();
            assert_eq!(l.window_until, pd("2024-10-10").unwrap());
            assert_eq!(l.at_risk.total, 0);
        }
    }
}
