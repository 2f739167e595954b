//! The audit trail: append a hash-chained row in the caller's write transaction, read it back,
//! and walk the chain. There is no update or delete here, and triggers refuse both.

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// values always travel as bind parameters.
use chrono::{FixedOffset, Utc};
use futures_util::TryStreamExt;
use rectify_security::audit::{
    AuditRecord, ChainBreak, ChainVerifier, GENESIS, HashAlg, VerifyReport, seal,
};
use rectify_security::logsafe::sanitize;
use sqlx::AssertSqlSafe;
use sqlx::{Any, Row, Transaction};
use std::str::FromStr;

use crate::{Store, StoreError, WriteTx};

/// Who did it, from where. Carried from the request into every audit row.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub login: Option<String>,
    pub role: Option<String>,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    /// The command line, acting as the operating-system user running it.
    pub fn cli(verb: &str) -> Actor {
        Actor {
            login: Some(format!("cli:{verb}")),
            role: Some("cli".into()),
            ..Actor::default()
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub outcome: &'a str,
}

impl<'a> AuditEvent<'a> {
    pub fn ok(action: &'a str, object_type: &'a str, object_id: impl ToString) -> Self {
        AuditEvent {
            action,
            object_type,
            object_id: Some(object_id.to_string()),
            before: None,
            after: None,
            outcome: "success",
        }
    }
    pub fn before(mut self, v: serde_json::Value) -> Self {
        self.before = Some(v);
        self
    }
    pub fn after(mut self, v: serde_json::Value) -> Self {
        self.after = Some(v);
        self
    }
    pub fn outcome(mut self, outcome: &'a str) -> Self {
        self.outcome = outcome;
        self
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub seq: i64,
    pub hash: String,
}

pub(crate) async fn read_head(tx: &mut Transaction<'static, Any>) -> Result<Head, StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    Ok(Head {
        seq: row.try_get("seq")?,
        hash: row.try_get("hash")?,
    })
}

pub(crate) async fn write_head(w: &mut WriteTx) -> Result<(), StoreError> {
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(w.head.seq)
        .bind(w.head.hash.clone())
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// The time zone of audit timestamps (Asia/Shanghai has had no DST since 1991).
pub fn local_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

pub(crate) fn now_text() -> String {
    Utc::now()
        .with_timezone(&local_offset())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

impl WriteTx {
    /// Append one audit row, chained to the head held by this transaction.
    pub async fn audit(&mut self, actor: &Actor, ev: AuditEvent<'_>) -> Result<i64, StoreError> {
        let prev = AuditRecord {
            seq: self.head.seq,
            hash: self.head.hash.clone(),
            ..blank(self.alg)
        };
        let rec = AuditRecord {
            action: ev.action.to_string(),
            object_type: ev.object_type.to_string(),
            object_id: ev.object_id.as_deref().map(sanitize),
            before: ev.before.map(|v| v.to_string()),
            after: ev.after.map(|v| v.to_string()),
            outcome: ev.outcome.to_string(),
            ..by_actor(actor, now_text(), self.alg)
        };
        let rec = seal(rec, (self.head.seq > 0).then_some(&prev));
        self.head = Head {
            seq: rec.seq,
            hash: rec.hash.clone(),
        };
        crate::bulk::bind_values(sqlx::query(AssertSqlSafe(insert_one())), row_values(rec))
            .execute(&mut *self.tx)
            .await?;
        self.appended += 1;
        self.ledger_changed |= crate::dashboard::touches_ledger(ev.object_type);
        Ok(self.head.seq)
    }
}

/// Audit rows of one large write, sealed in chain order away from the connection (so the
/// hashing can run while the rows they describe are inserted), taken in batches for
/// [`Sealer::insert`] statements, and then accounted for with [`WriteTx::sealed_written`].
/// Starts from the transaction's head; nothing else may append in between, which
/// `sealed_written` checks.
pub(crate) struct Sealer {
    /// The head the batch started from, and the one after its last row.
    start: i64,
    head: Head,
    /// Who, when and how every row of the batch is hashed ([`by_actor`]).
    template: AuditRecord,
    rows: std::collections::VecDeque<Vec<crate::bulk::V>>,
    ledger_changed: bool,
}

/// The columns of `audit_log`, in the order of [`row_values`].
const AUDIT_COLUMNS: [&str; 15] = [
    "seq",
    "at",
    "actor",
    "role",
    "action",
    "object_type",
    "object_id",
    "before_json",
    "after_json",
    "outcome",
    "source_ip",
    "request_id",
    "alg",
    "prev_hash",
    "hash",
];

impl Sealer {
    /// Seal the next row: `action` on `object_type` `id` succeeded, leaving `after`.
    pub(crate) fn seal(&mut self, action: &str, object_type: &str, id: i64, after: String) {
        let prev = AuditRecord {
            seq: self.head.seq,
            hash: std::mem::take(&mut self.head.hash),
            ..blank(self.template.alg)
        };
        let rec = AuditRecord {
            action: action.to_string(),
            object_type: object_type.to_string(),
            object_id: Some(id.to_string()),
            after: Some(after),
            outcome: "success".to_string(),
            ..self.template.clone()
        };
        let rec = seal(rec, (prev.seq > 0).then_some(&prev));
        self.head = Head {
            seq: rec.seq,
            hash: rec.hash.clone(),
        };
        self.ledger_changed |= crate::dashboard::touches_ledger(object_type);
        self.rows.push_back(row_values(rec));
    }

    /// Rows sealed and not yet taken.
    pub(crate) fn pending(&self) -> usize {
        self.rows.len()
    }

    /// The oldest `n` rows sealed and not yet taken (fewer when fewer are pending), in chain
    /// order, as values for [`Sealer::insert`].
    pub(crate) fn take(&mut self, n: usize) -> Vec<Vec<crate::bulk::V>> {
        let n = n.min(self.rows.len());
        self.rows.drain(..n).collect()
    }

    /// The statements that write taken rows into `audit_log`.
    pub(crate) fn insert(dialect: crate::Dialect) -> crate::bulk::Insert {
        crate::bulk::Insert::new(dialect, "audit_log", &AUDIT_COLUMNS)
    }
}

/// An audit row by `actor` at `at`, before its event and its place in the chain are filled in
/// (the actor's texts made safe for logs).
fn by_actor(actor: &Actor, at: String, alg: HashAlg) -> AuditRecord {
    AuditRecord {
        at,
        actor: actor.login.as_deref().map(sanitize),
        role: actor.role.clone(),
        source_ip: actor.source_ip.as_deref().map(sanitize),
        request_id: actor.request_id.as_deref().map(sanitize),
        ..blank(alg)
    }
}

/// `rec` as the values of its `audit_log` row, in the order of [`AUDIT_COLUMNS`].
fn row_values(rec: AuditRecord) -> Vec<crate::bulk::V> {
    use crate::bulk::V;
    vec![
        V::Int(rec.seq),
        V::Text(rec.at),
        V::from(rec.actor),
        V::from(rec.role),
        V::Text(rec.action),
        V::Text(rec.object_type),
        V::from(rec.object_id),
        V::from(rec.before),
        V::from(rec.after),
        V::Text(rec.outcome),
        V::from(rec.source_ip),
        V::from(rec.request_id),
        V::Text(rec.alg.as_str().to_string()),
        V::Text(rec.prev_hash),
        V::Text(rec.hash),
    ]
}

/// `INSERT INTO audit_log (…) VALUES ($1, …)`: one row of [`row_values`].
fn insert_one() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let marks: Vec<String> = (1..=AUDIT_COLUMNS.len()).map(|i| format!("${i}")).collect();
        format!(
            "INSERT INTO audit_log ({}) VALUES ({})",
            AUDIT_COLUMNS.join(", "),
            marks.join(", ")
        )
    });
    &SQL
}

impl WriteTx {
    /// A [`Sealer`] continuing this transaction's chain, for rows done by `actor` now.
    pub(crate) fn sealer(&self, actor: &Actor) -> Sealer {
        Sealer {
            start: self.head.seq,
            head: Head {
                seq: self.head.seq,
                hash: self.head.hash.clone(),
            },
            template: by_actor(actor, now_text(), self.alg),
            rows: std::collections::VecDeque::new(),
            ledger_changed: false,
        }
    }

    /// Move the head past `sealer`'s rows, once all of them have been taken and written
    /// (`written` rows, in [`Sealer::insert`] statements on this transaction).
    pub(crate) fn sealed_written(
        &mut self,
        sealer: Sealer,
        written: u64,
    ) -> Result<(), StoreError> {
        if sealer.start != self.head.seq {
            return Err(StoreError::Config(format!(
                "audit rows sealed after row {} but the chain is at row {}",
                sealer.start, self.head.seq
            )));
        }
        let sealed = sealer.head.seq - sealer.start;
        if !sealer.rows.is_empty() || u64::try_from(sealed).ok() != Some(written) {
            return Err(StoreError::Config(format!(
                "{sealed} audit rows sealed, {written} written, {} left unwritten",
                sealer.rows.len()
            )));
        }
        let n = u32::try_from(sealed)
            .map_err(|_| StoreError::Config("too many audit rows in one write".into()))?;
        self.head = sealer.head;
        self.appended += n;
        self.ledger_changed |= sealer.ledger_changed;
        Ok(())
    }
}

fn blank(alg: HashAlg) -> AuditRecord {
    AuditRecord {
        seq: 0,
        at: String::new(),
        actor: None,
        role: None,
        action: String::new(),
        object_type: String::new(),
        object_id: None,
        before: None,
        after: None,
        outcome: String::new(),
        source_ip: None,
        request_id: None,
        alg,
        prev_hash: GENESIS.to_string(),
        hash: GENESIS.to_string(),
    }
}

fn record(row: &sqlx::any::AnyRow) -> Result<AuditRecord, StoreError> {
    let alg: String = row.try_get("alg")?;
    Ok(AuditRecord {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        role: row.try_get("role")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        before: row.try_get("before_json")?,
        after: row.try_get("after_json")?,
        outcome: row.try_get("outcome")?,
        source_ip: row.try_get("source_ip")?,
        request_id: row.try_get("request_id")?,
        // An unknown algorithm name is itself tampering; the verifier reports it by position.
        alg: HashAlg::from_str(&alg).unwrap_or(HashAlg::Sha256),
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Filters for reading the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: i64,
    /// Rows at or after this local time (text of an audit timestamp or its prefix: `2026-11-28`).
    pub at_from: Option<String>,
    /// Rows strictly before this local time (e.g. the day after the range's last day).
    pub at_before: Option<String>,
}

/// Outcome of walking the whole chain.
#[derive(Debug)]
pub enum ChainStatus {
    Intact(VerifyReport),
    Broken(ChainBreak),
}

impl Store {
    /// Newest first, filtered.
    pub async fn audit_list(&self, f: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        let mut sql = format!(
            "SELECT {} FROM audit_log WHERE 1 = 1",
            AUDIT_COLUMNS.join(", ")
        );
        let mut binds: Vec<crate::row::Param> = Vec::new();
        let mut add = |sql: &mut String, col: &str, v: crate::row::Param| {
            binds.push(v);
            sql.push_str(&format!(" AND {col} ${}", binds.len()));
        };
        if let Some(v) = &f.object_type {
            add(&mut sql, "object_type =", v.clone().into());
        }
        if let Some(v) = &f.object_id {
            add(&mut sql, "object_id =", v.clone().into());
        }
        if let Some(v) = &f.actor {
            add(&mut sql, "actor =", v.clone().into());
        }
        if let Some(v) = &f.action {
            add(&mut sql, "action =", v.clone().into());
        }
        if let Some(v) = f.before_seq {
            add(&mut sql, "seq <", v.into());
        }
        if let Some(v) = &f.at_from {
            add(&mut sql, "at >=", v.clone().into());
        }
        if let Some(v) = &f.at_before {
            add(&mut sql, "at <", v.clone().into());
        }
        sql.push_str(&format!(
            " ORDER BY seq DESC LIMIT {}",
            f.limit.clamp(1, 1000)
        ));
        let q = crate::row::bind_all(sqlx::query(AssertSqlSafe(sql)), &binds);
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(record).collect()
    }

    /// Walk the chain from the first row, streaming, and report the first break.
    pub async fn audit_verify(&self) -> Result<ChainStatus, StoreError> {
        let sql = format!(
            "SELECT {} FROM audit_log ORDER BY seq",
            AUDIT_COLUMNS.join(", ")
        );
        let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(self.pool());
        let mut v = ChainVerifier::new();
        while let Some(row) = rows.try_next().await? {
            let alg: String = row.try_get("alg")?;
            let r = record(&row)?;
            if HashAlg::from_str(&alg).is_err() {
                return Ok(ChainStatus::Broken(ChainBreak::BadAlg { seq: r.seq }));
            }
            if let Err(b) = v.push(&r) {
                return Ok(ChainStatus::Broken(b));
            }
        }
        let report = v.finish();
        // The head must agree with the last row: truncating the tail is tampering too.
        let (seq, hash): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(self.pool())
                .await?;
        let last = report.last_seq.unwrap_or(0);
        if seq != last || (seq > 0 && report.head_hash.as_deref() != Some(hash.as_str())) {
            return Ok(ChainStatus::Broken(ChainBreak::Gap {
                expected: seq,
                found: last,
            }));
        }
        Ok(ChainStatus::Intact(report))
    }

    /// Choose the hash algorithm for rows appended from now on.
    pub async fn set_audit_alg(&self, alg: HashAlg, actor: &Actor) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        w.meta_set("audit_alg", alg.as_str()).await?;
        w.alg = alg;
        w.audit(
            actor,
            AuditEvent::ok("audit.set_algorithm", "settings", "audit_alg")
                .after(serde_json::json!({"alg": alg.as_str()})),
        )
        .await?;
        w.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewOrganisation, testing};

    fn org(name: &str) -> NewOrganisation {
        NewOrganisation {
            parent_id: None,
            name: name.into(),
            kind: "committee".into(),
        }
    }

    #[tokio::test]
    async fn a_failing_audit_insert_rolls_the_change_back() {
        for (store, _guard) in testing::stores().await {
            let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisation")
                .fetch_one(store.pool())
                .await
                .unwrap();
            // Make every audit insert fail, as a full disk or a broken constraint would.
            sqlx::query("ALTER TABLE audit_log ADD COLUMN must_be_set TEXT NOT NULL DEFAULT 'x'")
                .execute(store.pool())
                .await
                .unwrap();
            let sabotage = match store.dialect() {
                crate::Dialect::Sqlite => {
                    "CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                }
                crate::Dialect::Postgres => {
                    "CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$; \
                    CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_fail()"
                }
            };
            sqlx::raw_sql(sabotage).execute(store.pool()).await.unwrap();
            let mut w = store.begin_write().await.unwrap();
            let res = w
                .create_organisation(&Actor::cli("test"), &org("市委"))
                .await;
            assert!(res.is_err(), "the audit failure surfaces");
            drop(w);
            let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisation")
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(before, after, "business row rolled back with its audit row");
        }
    }

    #[tokio::test]
    async fn concurrent_writers_on_two_pools_chain_in_order() {
        for (store, _guard) in testing::stores().await {
            // A second pool on the same database stands for a second server.
            let other = testing::second_pool(&store).await;
            let mut tasks = Vec::new();
            for t in 0..6 {
                let s = if t % 2 == 0 {
                    store.clone()
                } else {
                    other.clone()
                };
                tasks.push(tokio::spawn(async move {
                    for i in 0..15 {
                        let mut w = s.begin_write().await.unwrap();
                        w.create_organisation(&Actor::cli("test"), &org(&format!("单位{t}-{i}")))
                            .await
                            .unwrap();
                        w.commit().await.unwrap();
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            match store.audit_verify().await.unwrap() {
                ChainStatus::Intact(r) => assert_eq!(r.rows, 90),
                ChainStatus::Broken(b) => panic!(
                    "{:?}: chain broken under concurrency: {b:?}",
                    store.dialect()
                ),
            }
        }
    }

    #[tokio::test]
    async fn sm3_rows_chain_after_sha256_rows() {
        for (store, _guard) in testing::stores().await {
            let a = Actor::cli("test");
            let mut w = store.begin_write().await.unwrap();
            w.create_organisation(&a, &org("甲")).await.unwrap();
            w.commit().await.unwrap();
            store.set_audit_alg(HashAlg::Sm3, &a).await.unwrap();
            let mut w = store.begin_write().await.unwrap();
            w.create_organisation(&a, &org("乙")).await.unwrap();
            w.commit().await.unwrap();
            let rows = store
                .audit_list(&AuditFilter {
                    limit: 10,
                    ..AuditFilter::default()
                })
                .await
                .unwrap();
            assert_eq!(rows[0].alg, HashAlg::Sm3);
            assert_eq!(rows.last().unwrap().alg, HashAlg::Sha256);
            assert!(matches!(
                store.audit_verify().await.unwrap(),
                ChainStatus::Intact(_)
            ));
        }
    }

    #[tokio::test]
    async fn a_database_from_a_newer_build_is_refused() {
        for (store, _guard) in testing::stores().await {
            sqlx::query("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
                .execute(store.pool())
                .await
                .unwrap();
            let again = testing::reopen(&store).await;
            assert!(
                matches!(again, Err(StoreError::SchemaVersion { found: 99, .. })),
                "{again:?}"
            );
        }
    }
}
