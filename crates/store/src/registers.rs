//! Registers in storage: meetings, rules issued or revised, accountability actions, money,
//! site visits and admonitory talks — one `register_entry` table (the kind decides the
//! columns), links to problems and measures, and the statistics the notice and dashboards read.
//!
//! Scoped by the organisation's path like the ledger; every change audited and versioned.

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// values always travel as bind parameters.
use chrono::NaiveDate;
use rectify_core::FieldError;
use rectify_core::access::{Action, OrgPath};
use rectify_core::registers::{
    AccountabilityForm, EntryBody, Fen, MeetingKind, MoneyKind, RegisterKind, RuleChange,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};

use crate::audit::{Actor, AuditEvent, now_text};
use crate::ledger::Viewer;
use crate::{Store, StoreError, WriteTx};

/// One register entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterEntry {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub inspection_id: Option<i64>,
    pub on_date: NaiveDate,
    pub entry: EntryBody,
    pub problem_ids: Vec<i64>,
    pub measure_ids: Vec<i64>,
    pub version: i64,
}

/// A new entry or the full replacement of one.
#[derive(Debug, Clone)]
pub struct EntryData {
    pub organisation_id: i64,
    pub inspection_id: Option<i64>,
    pub on_date: NaiveDate,
    pub entry: EntryBody,
    pub problem_ids: Vec<i64>,
    pub measure_ids: Vec<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub kind: Option<RegisterKind>,
    pub inspection_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Counts by type and money totals, as the notice and dashboards show them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterStats {
    /// Meetings held, by kind (kinds with none are left out), in the kinds' order.
    pub meetings: Vec<KindCount>,
    /// Rules made or revised (建章立制).
    pub rules: i64,
    pub rules_new: i64,
    pub rules_revised: i64,
    /// People held accountable (distinct names), and actions by form.
    pub accountability_people: i64,
    pub accountability: Vec<KindCount>,
    /// Money totals by kind, in fen and as exact yuan.
    pub money: Vec<MoneyTotal>,
    pub site_visits: i64,
    pub talks: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MoneyTotal {
    pub kind: MoneyKind,
    pub label: String,
    pub fen: Fen,
    pub yuan: String,
}

/// The columns an entry's kind uses: (subkind, title, doc_number, amount_fen, attendees, detail).
type Columns = (
    Option<String>,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn columns(e: &EntryBody) -> Columns {
    match e {
        EntryBody::Meeting {
            meeting_kind,
            topic,
            attendees,
            decisions,
        } => (
            Some(meeting_kind.as_str().into()),
            topic.clone(),
            None,
            None,
            attendees.clone(),
            decisions.clone(),
        ),
        EntryBody::Rule {
            title,
            doc_number,
            change,
        } => (
            Some(change.as_str().into()),
            title.clone(),
            doc_number.clone(),
            None,
            None,
            None,
        ),
        EntryBody::Accountability {
            person,
            form,
            reason,
        } => (
            Some(form.as_str().into()),
            person.clone(),
            None,
            None,
            None,
            reason.clone(),
        ),
        EntryBody::Money {
            money_kind,
            amount_fen,
            note,
            ..
        } => (
            Some(money_kind.as_str().into()),
            money_kind.label_zh().into(),
            None,
            Some(amount_fen.0),
            None,
            note.clone(),
        ),
        EntryBody::SiteVisit { subject, findings } => {
            (None, subject.clone(), None, None, None, findings.clone())
        }
        EntryBody::Talk { person, reason } => {
            (None, person.clone(), None, None, None, reason.clone())
        }
    }
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Config(format!("corrupt register entry: {what} {v}"))
}

fn body(r: &sqlx::any::AnyRow) -> Result<EntryBody, StoreError> {
    let kind: String = r.try_get("kind")?;
    let sub: Option<String> = r.try_get("subkind")?;
    let sub = sub.unwrap_or_default();
    let title: String = r.try_get("title")?;
    let detail: Option<String> = r.try_get("detail")?;
    Ok(
        match RegisterKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))? {
            RegisterKind::Meeting => EntryBody::Meeting {
                meeting_kind: MeetingKind::parse(&sub).ok_or_else(|| corrupt("meeting", &sub))?,
                topic: title,
                attendees: r.try_get("attendees")?,
                decisions: detail,
            },
            RegisterKind::Rule => EntryBody::Rule {
                title,
                doc_number: r.try_get("doc_number")?,
                change: RuleChange::parse(&sub).ok_or_else(|| corrupt("rule", &sub))?,
            },
            RegisterKind::Accountability => EntryBody::Accountability {
                person: title,
                form: AccountabilityForm::parse(&sub).ok_or_else(|| corrupt("form", &sub))?,
                reason: detail,
            },
            RegisterKind::Money => {
                let fen = Fen(r.try_get::<Option<i64>, _>("amount_fen")?.unwrap_or(0));
                EntryBody::Money {
                    money_kind: MoneyKind::parse(&sub).ok_or_else(|| corrupt("money", &sub))?,
                    amount_fen: fen,
                    amount_yuan: fen.yuan(),
                    note: detail,
                }
            }
            RegisterKind::SiteVisit => EntryBody::SiteVisit {
                subject: title,
                findings: detail,
            },
            RegisterKind::Talk => EntryBody::Talk {
                person: title,
                reason: detail,
            },
        },
    )
}

const ENTRY_SELECT: &str = "SELECT e.*, o.name AS org_name FROM register_entry e JOIN organisation o ON o.id = e.organisation_id";

fn entry(r: &sqlx::any::AnyRow) -> Result<(RegisterEntry, String), StoreError> {
    let d: String = r.try_get("on_date")?;
    Ok((
        RegisterEntry {
            id: r.try_get("id")?,
            organisation_id: r.try_get("organisation_id")?,
            organisation: r.try_get("org_name")?,
            inspection_id: r.try_get("inspection_id")?,
            on_date: NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| corrupt("date", &d))?,
            entry: body(r)?,
            problem_ids: Vec::new(),
            measure_ids: Vec::new(),
            version: r.try_get("version")?,
        },
        r.try_get("org_path")?,
    ))
}

async fn links(conn: &mut sqlx::AnyConnection, e: &mut RegisterEntry) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT problem_id, measure_id FROM register_link WHERE entry_id = $1 ORDER BY problem_id, measure_id",
    )
    .bind(e.id)
    .fetch_all(&mut *conn)
    .await?;
    e.problem_ids.clear();
    e.measure_ids.clear();
    for r in &rows {
        if let Some(p) = r.try_get::<Option<i64>, _>("problem_id")? {
            e.problem_ids.push(p);
        }
        if let Some(m) = r.try_get::<Option<i64>, _>("measure_id")? {
            e.measure_ids.push(m);
        }
    }
    Ok(())
}

fn forbidden() -> StoreError {
    FieldError::new(
        "action",
        "forbidden",
        "当前角色无权修改登记 (role may not edit registers)",
    )
    .into()
}

impl WriteTx {
    /// Check an entry's references against the viewer's scope; the organisation's path.
    async fn check_entry(&mut self, viewer: &Viewer, d: &EntryData) -> Result<OrgPath, StoreError> {
        let org = self
            .organisation(d.organisation_id)
            .await
            .ok()
            .filter(|o| viewer.scope.contains(&o.path))
            .ok_or_else(|| {
                StoreError::from(FieldError::new(
                    "organisation_id",
                    "not_found",
                    "单位不存在 (no such organisation)",
                ))
            })?;
        if let Some(i) = d.inspection_id {
            let ok = match self.inspection(i).await {
                Ok(insp) => {
                    viewer.scope.contains(&insp.org_path) || insp.org_path.contains(&org.path)
                }
                Err(_) => false,
            };
            if !ok {
                return Err(FieldError::new(
                    "inspection_id",
                    "not_found",
                    "巡察不存在 (no such inspection)",
                )
                .into());
            }
        }
        if d.on_date
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .unwrap_or(0)
            < 1949
        {
            return Err(
                FieldError::new("on_date", "invalid_date", "日期过早 (date too early)").into(),
            );
        }
        for (table, field, ids) in [
            ("problem", "problem_ids", &d.problem_ids),
            ("measure", "measure_ids", &d.measure_ids),
        ] {
            if ids.len() > 200 {
                return Err(FieldError::new(field, "too_many", "最多 200 项 (at most 200)").into());
            }
            for (i, id) in ids.iter().enumerate() {
                let sql = match table {
                    "problem" => "SELECT org_path FROM problem WHERE id = $1",
                    _ => "SELECT org_path FROM measure WHERE id = $1",
                };
                let p: Option<String> = sqlx::query_scalar(sql)
                    .bind(*id)
                    .fetch_optional(self.conn())
                    .await?;
                let visible = p
                    .as_deref()
                    .and_then(OrgPath::parse)
                    .is_some_and(|p| viewer.scope.contains(&p));
                if !visible {
                    return Err(FieldError::new(
                        format!("{field}[{i}]"),
                        "not_found",
                        "不存在或无权查看 (not found)",
                    )
                    .into());
                }
            }
        }
        Ok(org.path)
    }

    async fn put_links(&mut self, id: i64, d: &EntryData) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM register_link WHERE entry_id = $1")
            .bind(id)
            .execute(self.conn())
            .await?;
        let mut seen = std::collections::BTreeSet::new();
        for p in &d.problem_ids {
            if seen.insert(("p", *p)) {
                sqlx::query("INSERT INTO register_link (entry_id, problem_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*p)
                    .execute(self.conn())
                    .await?;
            }
        }
        for m in &d.measure_ids {
            if seen.insert(("m", *m)) {
                sqlx::query("INSERT INTO register_link (entry_id, measure_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*m)
                    .execute(self.conn())
                    .await?;
            }
        }
        Ok(())
    }

    async fn entry_at(
        &mut self,
        viewer: &Viewer,
        id: i64,
        version: Option<i64>,
    ) -> Result<RegisterEntry, StoreError> {
        let sql = format!("{ENTRY_SELECT} WHERE e.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::not_found("register_entry", id))?;
        let (mut e, path) = entry(&row)?;
        if !OrgPath::parse(&path).is_some_and(|p| viewer.scope.contains(&p)) {
            return Err(StoreError::not_found("register_entry", id));
        }
        if let Some(v) = version
            && v != e.version
        {
            return Err(StoreError::Conflict {
                entity: "register_entry",
                id,
                current: e.version,
            });
        }
        links(self.conn(), &mut e).await?;
        Ok(e)
    }

    pub async fn create_entry(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        d: &EntryData,
    ) -> Result<RegisterEntry, StoreError> {
        if !viewer.role.may(Action::EditRegisters) {
            return Err(forbidden());
        }
        let path = self.check_entry(viewer, d).await?;
        let (sub, title, doc, amount, attendees, detail) = columns(&d.entry);
        let now = now_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO register_entry (kind, organisation_id, org_path, inspection_id, on_date, subkind, title, doc_number, amount_fen, attendees, detail, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
        )
        .bind(d.entry.kind().as_str())
        .bind(d.organisation_id)
        .bind(path.as_str().to_string())
        .bind(d.inspection_id)
        .bind(d.on_date.format("%Y-%m-%d").to_string())
        .bind(sub)
        .bind(title)
        .bind(doc)
        .bind(amount)
        .bind(attendees)
        .bind(detail)
        .bind(viewer.user_id)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        self.put_links(id, d).await?;
        let e = self.entry_at(viewer, id, None).await?;
        self.audit(
            actor,
            AuditEvent::ok("register.create", "register_entry", id).after(json!(e)),
        )
        .await?;
        Ok(e)
    }

    /// Replace an entry (its kind included) under optimistic concurrency.
    pub async fn update_entry(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        d: &EntryData,
    ) -> Result<RegisterEntry, StoreError> {
        if !viewer.role.may(Action::EditRegisters) {
            return Err(forbidden());
        }
        let before = self.entry_at(viewer, id, Some(version)).await?;
        let path = self.check_entry(viewer, d).await?;
        let (sub, title, doc, amount, attendees, detail) = columns(&d.entry);
        let r = sqlx::query(
            "UPDATE register_entry SET kind = $1, organisation_id = $2, org_path = $3, inspection_id = $4, on_date = $5, subkind = $6, title = $7, \
             doc_number = $8, amount_fen = $9, attendees = $10, detail = $11, updated_at = $12, version = version + 1 WHERE id = $13 AND version = $14",
        )
        .bind(d.entry.kind().as_str())
        .bind(d.organisation_id)
        .bind(path.as_str().to_string())
        .bind(d.inspection_id)
        .bind(d.on_date.format("%Y-%m-%d").to_string())
        .bind(sub)
        .bind(title)
        .bind(doc)
        .bind(amount)
        .bind(attendees)
        .bind(detail)
        .bind(now_text())
        .bind(id)
        .bind(version)
        .execute(self.conn())
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                entity: "register_entry",
                id,
                current: version + 1,
            });
        }
        self.put_links(id, d).await?;
        let after = self.entry_at(viewer, id, None).await?;
        self.audit(
            actor,
            AuditEvent::ok("register.update", "register_entry", id)
                .before(json!(before))
                .after(json!(after)),
        )
        .await?;
        Ok(after)
    }

    /// Delete an entry at `version`; the audit row keeps what it said.
    pub async fn delete_entry(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
    ) -> Result<(), StoreError> {
        if !viewer.role.may(Action::EditRegisters) {
            return Err(forbidden());
        }
        let before = self.entry_at(viewer, id, Some(version)).await?;
        sqlx::query("DELETE FROM register_link WHERE entry_id = $1")
            .bind(id)
            .execute(self.conn())
            .await?;
        sqlx::query("DELETE FROM register_entry WHERE id = $1 AND version = $2")
            .bind(id)
            .bind(version)
            .execute(self.conn())
            .await?;
        self.audit(
            actor,
            AuditEvent::ok("register.delete", "register_entry", id).before(json!(before)),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    pub async fn entry_for(&self, viewer: &Viewer, id: i64) -> Result<RegisterEntry, StoreError> {
        let sql = format!("{ENTRY_SELECT} WHERE e.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("register_entry", id))?;
        let (mut e, path) = entry(&row)?;
        if !OrgPath::parse(&path).is_some_and(|p| viewer.scope.contains(&p)) {
            return Err(StoreError::not_found("register_entry", id));
        }
        let mut conn = self.pool().acquire().await?;
        links(&mut conn, &mut e).await?;
        Ok(e)
    }

    /// Entries in the viewer's scope, newest first (at most 2,000).
    pub async fn entries(
        &self,
        viewer: &Viewer,
        f: &EntryFilter,
    ) -> Result<Vec<RegisterEntry>, StoreError> {
        let mut w = crate::row::Where::default();
        w.and("e.org_path >=", viewer.scope.as_str());
        w.and("e.org_path <", viewer.scope.upper_bound());
        if let Some(k) = f.kind {
            w.and("e.kind =", k.as_str());
        }
        if let Some(i) = f.inspection_id {
            w.and("e.inspection_id =", i);
        }
        if let Some(d) = f.from {
            w.and("e.on_date >=", d.format("%Y-%m-%d").to_string());
        }
        if let Some(d) = f.to {
            w.and("e.on_date <=", d.format("%Y-%m-%d").to_string());
        }
        let sql = format!(
            "{ENTRY_SELECT} WHERE 1 = 1{} ORDER BY e.on_date DESC, e.id DESC LIMIT 2000",
            w.sql
        );
        let rows = crate::row::bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?;
        // Every listed entry's links in one query (the same filter picks the same entries).
        let link_sql = format!(
            "SELECT l.entry_id, l.problem_id, l.measure_id FROM register_link l WHERE l.entry_id IN \
             (SELECT e.id FROM register_entry e WHERE 1 = 1{} ORDER BY e.on_date DESC, e.id DESC LIMIT 2000) \
             ORDER BY l.entry_id, l.problem_id, l.measure_id",
            w.sql
        );
        let link_rows = crate::row::bind_all(sqlx::query(AssertSqlSafe(link_sql)), &w.params)
            .fetch_all(self.pool())
            .await?;
        let mut by_entry: std::collections::HashMap<i64, (Vec<i64>, Vec<i64>)> =
            std::collections::HashMap::new();
        for r in &link_rows {
            let slot = by_entry.entry(r.try_get("entry_id")?).or_default();
            if let Some(p) = r.try_get::<Option<i64>, _>("problem_id")? {
                slot.0.push(p);
            }
            if let Some(m) = r.try_get::<Option<i64>, _>("measure_id")? {
                slot.1.push(m);
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let (mut e, _) = entry(r)?;
            if let Some((p, m)) = by_entry.remove(&e.id) {
                e.problem_ids = p;
                e.measure_ids = m;
            }
            out.push(e);
        }
        Ok(out)
    }

    /// Counts by type, rules, people held accountable and money totals — of one inspection,
    /// or of everything in the viewer's scope when `inspection_id` is `None`.
    pub async fn register_stats(
        &self,
        viewer: &Viewer,
        inspection_id: Option<i64>,
    ) -> Result<RegisterStats, StoreError> {
        let mut w = crate::row::Where::default();
        w.and("org_path >=", viewer.scope.as_str());
        w.and("org_path <", viewer.scope.upper_bound());
        if let Some(i) = inspection_id {
            w.and("inspection_id =", i);
        }
        let sql = format!(
            "SELECT kind, subkind, COUNT(*) AS n, CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS fen FROM register_entry WHERE 1 = 1{} GROUP BY kind, subkind",
            w.sql
        );
        let rows = crate::row::bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?;
        let mut s = RegisterStats::default();
        let mut meetings = Vec::new();
        let mut forms = Vec::new();
        let mut money = Vec::new();
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let sub: Option<String> = r.try_get("subkind")?;
            let sub = sub.unwrap_or_default();
            let n: i64 = r.try_get("n")?;
            let fen: i64 = r.try_get("fen")?;
            match RegisterKind::parse(&kind) {
                Some(RegisterKind::Meeting) => {
                    if let Some(k) = MeetingKind::parse(&sub) {
                        meetings.push((k, n));
                    }
                }
                Some(RegisterKind::Rule) => {
                    s.rules += n;
                    match RuleChange::parse(&sub) {
                        Some(RuleChange::New) => s.rules_new += n,
                        Some(RuleChange::Revised) => s.rules_revised += n,
                        None => {}
                    }
                }
                Some(RegisterKind::Accountability) => {
                    if let Some(f) = AccountabilityForm::parse(&sub) {
                        forms.push((f, n));
                    }
                }
                Some(RegisterKind::Money) => {
                    if let Some(k) = MoneyKind::parse(&sub) {
                        money.push((k, Fen(fen)));
                    }
                }
                Some(RegisterKind::SiteVisit) => s.site_visits += n,
                Some(RegisterKind::Talk) => s.talks += n,
                None => {}
            }
        }
        let order = |k: &MeetingKind| MeetingKind::ALL.iter().position(|x| x == k);
        meetings.sort_by_key(|(k, _)| order(k));
        s.meetings = meetings
            .into_iter()
            .map(|(k, n)| KindCount {
                kind: k.as_str().into(),
                label: k.label_zh().into(),
                count: n,
            })
            .collect();
        forms.sort_by_key(|(f, _)| AccountabilityForm::ALL.iter().position(|x| x == f));
        s.accountability = forms
            .into_iter()
            .map(|(k, n)| KindCount {
                kind: k.as_str().into(),
                label: k.label_zh().into(),
                count: n,
            })
            .collect();
        money.sort_by_key(|(k, _)| MoneyKind::ALL.iter().position(|x| x == k));
        s.money = money
            .into_iter()
            .map(|(k, fen)| MoneyTotal {
                kind: k,
                label: k.label_zh().into(),
                fen,
                yuan: fen.yuan(),
            })
            .collect();
        let sql = format!(
            "SELECT COUNT(DISTINCT title) FROM register_entry WHERE kind = 'accountability'{}",
            w.sql
        );
        s.accountability_people = crate::row::bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_one(self.pool())
            .await?
            .try_get::<i64, _>(0)?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notices::tests::fixture;
    use crate::testing::stores;
    use rectify_core::registers::EntryInput;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[tokio::test]
    async fn entries_scoped_versioned_and_counted() {
        for (store, _g) in stores().await {
            let f = fixture(&store).await;
            let a = Actor::cli("test");
            let org = store
                .inspection_for(&f.office, f.inspection)
                .await
                .unwrap()
                .inspected_org_id;
            let data = |input: EntryInput, day: &str| EntryData {
                organisation_id: org,
                inspection_id: Some(f.inspection),
                on_date: d(day),
                entry: input.check().unwrap(),
                problem_ids: vec![f.problem],
                measure_ids: vec![],
            };
            let meeting = |k| EntryInput::Meeting {
                meeting_kind: k,
                topic: "研究整改".into(),
                attendees: None,
                decisions: Some("明确分工".into()),
            };
            let mut w = store.begin_write().await.unwrap();
            for input in [
                meeting(MeetingKind::PartyGroup),
                meeting(MeetingKind::PartyGroup),
                meeting(MeetingKind::Liaison),
                EntryInput::Rule {
                    title: "党组工作规则".into(),
                    doc_number: Some("东教党〔2021〕5号".into()),
                    change: RuleChange::Revised,
                },
                EntryInput::Rule {
                    title: "公务接待管理办法".into(),
                    doc_number: None,
                    change: RuleChange::New,
                },
                EntryInput::Accountability {
                    person: "王某".into(),
                    form: AccountabilityForm::Reminder,
                    reason: None,
                },
                EntryInput::Accountability {
                    person: "王某".into(),
                    form: AccountabilityForm::Admonishment,
                    reason: None,
                },
                EntryInput::Accountability {
                    person: "李某".into(),
                    form: AccountabilityForm::Disciplinary,
                    reason: None,
                },
                EntryInput::Money {
                    money_kind: MoneyKind::Refunded,
                    amount: "0.10".into(),
                    note: None,
                },
                EntryInput::Money {
                    money_kind: MoneyKind::Refunded,
                    amount: "0.20".into(),
                    note: None,
                },
                EntryInput::Money {
                    money_kind: MoneyKind::Recovered,
                    amount: "3.25万元".into(),
                    note: None,
                },
                EntryInput::SiteVisit {
                    subject: "实地督查财务整改".into(),
                    findings: None,
                },
                EntryInput::Talk {
                    person: "赵某".into(),
                    reason: Some("整改滞后".into()),
                },
            ] {
                w.create_entry(&a, &f.office, &data(input, "2026-03-05"))
                    .await
                    .unwrap();
            }
            // Out of scope for a liaison: the organisation is above its unit.
            let e = w
                .create_entry(
                    &a,
                    &f.liaison,
                    &data(meeting(MeetingKind::Liaison), "2026-03-05"),
                )
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(fe) if fe.code == "forbidden"),
                "{e:?}"
            );
            w.commit().await.unwrap();

            let s = store
                .register_stats(&f.office, Some(f.inspection))
                .await
                .unwrap();
            assert_eq!(
                s.meetings
                    .iter()
                    .map(|k| (k.label.as_str(), k.count))
                    .collect::<Vec<_>>(),
                [("党组会", 2), ("联络员会议", 1)]
            );
            assert_eq!((s.rules, s.rules_new, s.rules_revised), (2, 1, 1));
            assert_eq!(s.accountability_people, 2, "王某 counted once");
            assert_eq!(s.accountability.iter().map(|k| k.count).sum::<i64>(), 3);
            let money: Vec<(&str, i64, &str)> = s
                .money
                .iter()
                .map(|m| (m.label.as_str(), m.fen.0, m.yuan.as_str()))
                .collect();
            assert_eq!(money, [("清退", 30, "0.3"), ("追回", 3_250_000, "32500")]);
            assert_eq!((s.site_visits, s.talks), (1, 1));
            // The liaison's scope holds none of them.
            assert_eq!(
                store.register_stats(&f.liaison, None).await.unwrap(),
                RegisterStats::default()
            );
            let all = store
                .entries(
                    &f.office,
                    &EntryFilter {
                        kind: Some(RegisterKind::Rule),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(all.len(), 2);
            // The list carries each entry's links, the same as one entry read alone.
            for e in &all {
                assert_eq!(e.problem_ids, [f.problem]);
                assert_eq!(
                    store.entry_for(&f.office, e.id).await.unwrap().problem_ids,
                    e.problem_ids
                );
            }
            assert!(matches!(
                store.entry_for(&f.liaison, all[0].id).await,
                Err(StoreError::NotFound { .. })
            ));

            // Update with a stale version: conflict; with the current one: replaced.
            let target = &all[0];
            let mut w = store.begin_write().await.unwrap();
            let upd = data(
                EntryInput::Rule {
                    title: "党组工作规则(修订)".into(),
                    doc_number: Some("东教党〔2021〕6号".into()),
                    change: RuleChange::Revised,
                },
                "2026-03-06",
            );
            assert!(matches!(
                w.update_entry(&a, &f.office, target.id, target.version + 1, &upd)
                    .await,
                Err(StoreError::Conflict { .. })
            ));
            let after = w
                .update_entry(&a, &f.office, target.id, target.version, &upd)
                .await
                .unwrap();
            assert_eq!(after.version, target.version + 1);
            assert_eq!(after.problem_ids, [f.problem]);
            w.delete_entry(&a, &f.office, after.id, after.version)
                .await
                .unwrap();
            w.commit().await.unwrap();
            assert_eq!(
                store
                    .register_stats(&f.office, Some(f.inspection))
                    .await
                    .unwrap()
                    .rules,
                1
            );

            // A link to a measure the viewer cannot see names the element.
            let mut bad = data(meeting(MeetingKind::Briefing), "2026-03-05");
            bad.measure_ids = vec![f.measures[0], 999_999];
            let mut w = store.begin_write().await.unwrap();
            let e = w.create_entry(&a, &f.office, &bad).await.unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(fe) if fe.field == "measure_ids[1]"),
                "{e:?}"
            );
        }
    }
}
