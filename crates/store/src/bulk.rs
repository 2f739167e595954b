//! Bulk writes: generated demo and benchmark ledgers ([`rectify_core::demo`]), and the rows of
//! an imported ledger with their audit rows (`ledger_import`).
//!
//! Everything goes in through multi-row `INSERT … VALUES (…), (…)` statements of at most
//! [`MAX_ROWS`] rows (and well under SQLite's 32,766 and PostgreSQL's 65,535 bind parameters),
//! inside one [`crate::WriteTx`], so the load is all or nothing and serialises with every other
//! write on the audit chain head. Ids are taken before the rows are inserted (`reserve_ids`:
//! after the largest used on SQLite, from the identity sequence on PostgreSQL) and the rows go in
//! under them, so the ledger's indices map to ids without reading anything back, and what
//! refers to a row can be built while it is inserted. Instead of one audit row per inserted
//! row, the load appends a single `demo.generate` row with the counts; an import, which does
//! audit every row, seals those audit rows while its measures go in.
//!
//! The same SQL runs on SQLite and PostgreSQL.

// Dynamic SQL here is assembled only from constant table and column names and numbered
// placeholders; values always travel as bind parameters.
use rectify_core::access::OrgPath;
use rectify_core::demo::DemoLedger;
use serde_json::json;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::audit::{Actor, AuditEvent, now_text};
use crate::{Dialect, Store, StoreError};

/// Rows per INSERT statement.
pub const MAX_ROWS: usize = 500;
/// Bind parameters per statement we allow ourselves (SQLite's limit is 32,766).
const MAX_PARAMS: usize = 30_000;

/// What a load wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoadSummary {
    pub organisations: u64,
    pub people: u64,
    pub inspections: u64,
    pub problems: u64,
    pub measures: u64,
    pub reports: u64,
    /// The id of the ledger's root committee.
    pub root_org_id: i64,
    /// Database ids of the ledger's inspections, in ledger order.
    pub inspection_ids: Vec<i64>,
}

/// A bind value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum V {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

impl From<i64> for V {
    fn from(v: i64) -> V {
        V::Int(v)
    }
}
impl From<String> for V {
    fn from(v: String) -> V {
        V::Text(v)
    }
}
impl From<&str> for V {
    fn from(v: &str) -> V {
        V::Text(v.to_string())
    }
}
impl From<Option<i64>> for V {
    fn from(v: Option<i64>) -> V {
        v.map_or(V::NullInt, V::Int)
    }
}
impl From<Option<String>> for V {
    fn from(v: Option<String>) -> V {
        v.map_or(V::NullText, V::Text)
    }
}

/// `(…), (…)` for `rows` rows of `cols` values. PostgreSQL gets `$n`; SQLite gets anonymous `?`,
/// because SQLite resolves every named or numbered parameter (`$n`, `?n`) by a linear search of
/// its parameter list, which makes a 500-row statement quadratic (over 100 s for the city scale
/// instead of a few seconds). The statements are otherwise identical.
fn placeholders(dialect: Dialect, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            match dialect {
                Dialect::Postgres => {
                    s.push('$');
                    s.push_str(&(r * cols + c + 1).to_string());
                }
                Dialect::Sqlite => s.push('?'),
            }
        }
        s.push(')');
    }
    s
}

fn rows_per_statement(cols: usize) -> usize {
    (MAX_PARAMS / cols.max(1)).clamp(1, MAX_ROWS)
}

pub(crate) fn bind_values<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: impl IntoIterator<Item = V>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for v in values {
        q = match v {
            V::Int(i) => q.bind(i),
            V::Text(s) => q.bind(s),
            V::NullInt => q.bind(None::<i64>),
            V::NullText => q.bind(None::<String>),
        };
    }
    q
}

/// Ids for `n` new rows of `table`, taken before the rows are written so that what refers to
/// them (their audit rows) can be built while they are inserted: the rows are then inserted with
/// these ids. SQLite: the ids after the largest ever used (this write transaction holds the
/// write lock, so nobody else takes them; AUTOINCREMENT moves past them as they are inserted).
/// PostgreSQL: drawn from the column's identity sequence, like any other insert's.
pub(crate) async fn reserve_ids(
    conn: &mut AnyConnection,
    dialect: Dialect,
    table: &'static str,
    n: usize,
) -> Result<Vec<i64>, StoreError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let count = i64::try_from(n).map_err(|_| StoreError::Config(format!("{n} ids")))?;
    match dialect {
        Dialect::Sqlite => {
            let last: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), \
                        COALESCE((SELECT MAX(id) FROM {table}), 0))"
            )))
            .fetch_one(&mut *conn)
            .await?;
            Ok((last + 1..=last + count).collect())
        }
        Dialect::Postgres => Ok(sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
        )))
        .bind(count)
        .fetch_all(&mut *conn)
        .await?),
    }
}

/// Rows drawn lazily by [`insert_rows`]; boxed, so the futures that hold one stay `Send` for
/// every borrow the iterator makes.
pub(crate) type Rows<'a> = Box<dyn Iterator<Item = Vec<V>> + Send + 'a>;

/// One table's multi-row `INSERT`: the SQL of a full statement is built once (and prepared
/// once by the driver's cache); only a last, shorter statement gets its own.
pub(crate) struct Insert {
    head: String,
    full: String,
    dialect: Dialect,
    cols: usize,
    per: usize,
}

/// A statement ready to execute, its values bound.
pub(crate) type Statement = sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>;

impl Insert {
    pub(crate) fn new(dialect: Dialect, table: &str, cols: &[&str]) -> Insert {
        let per = rows_per_statement(cols.len());
        let head = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
        let full = format!("{head}{}", placeholders(dialect, per, cols.len()));
        Insert {
            head,
            full,
            dialect,
            cols: cols.len(),
            per,
        }
    }

    /// Rows one statement takes at most.
    pub(crate) fn per(&self) -> usize {
        self.per
    }

    /// The statement writing `chunk` (at most [`Insert::per`] rows); `None` for no rows.
    pub(crate) fn statement(&self, chunk: Vec<Vec<V>>) -> Option<Statement> {
        let sql = match chunk.len() {
            0 => return None,
            n if n == self.per => self.full.clone(),
            n => format!("{}{}", self.head, placeholders(self.dialect, n, self.cols)),
        };
        Some(bind_values(
            sqlx::query(AssertSqlSafe(sql)),
            chunk.into_iter().flatten(),
        ))
    }
}

/// Execute the statements `next` yields, in order, on `conn`: each is built (and its values
/// bound) while the database executes the one before. `next` tags each statement with an
/// index below `N`; the answer is the rows written under each tag.
pub(crate) async fn execute_pipelined<const N: usize>(
    conn: &mut AnyConnection,
    mut next: impl FnMut() -> Option<(usize, Statement)>,
) -> Result<[u64; N], StoreError> {
    let mut written = [0u64; N];
    let mut upcoming = next();
    while let Some((tag, q)) = upcoming.take() {
        let (done, after) = tokio::join!(q.execute(&mut *conn), async { next() });
        *written.get_mut(tag).ok_or_else(|| {
            StoreError::Config(format!("pipelined statement tagged {tag} of {N}"))
        })? += done?.rows_affected();
        upcoming = after;
    }
    Ok(written)
}

/// Insert `rows` into `table`, [`MAX_ROWS`] to a statement, without reading anything back;
/// the number of rows written. `rows` is drawn lazily: the next statement's rows are built and
/// bound while the database executes the current one.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    dialect: Dialect,
    table: &str,
    cols: &[&str],
    mut rows: Rows<'_>,
) -> Result<u64, StoreError> {
    let insert = Insert::new(dialect, table, cols);
    let [written] = execute_pipelined(conn, || {
        let chunk: Vec<Vec<V>> = rows.by_ref().take(insert.per()).collect();
        insert.statement(chunk).map(|q| (0, q))
    })
    .await?;
    Ok(written)
}

/// Insert `rows` into `table` under `ids` (taken with [`reserve_ids`]), the i-th row under the
/// i-th id, [`MAX_ROWS`] to a statement; an error unless exactly one row went in per id.
pub(crate) async fn insert_with_ids(
    conn: &mut AnyConnection,
    dialect: Dialect,
    table: &str,
    cols: &[&str],
    ids: &[i64],
    rows: Rows<'_>,
) -> Result<(), StoreError> {
    let with_id: Vec<&str> = std::iter::once("id").chain(cols.iter().copied()).collect();
    let rows = rows.zip(ids).map(|(row, id)| {
        let mut r = Vec::with_capacity(row.len() + 1);
        r.push(V::Int(*id));
        r.extend(row);
        r
    });
    let written = insert_rows(conn, dialect, table, &with_id, Box::new(rows)).await?;
    one_row_per_id(table, written, ids)
}

/// An error unless `written` rows went into `table` for `ids`.
pub(crate) fn one_row_per_id(table: &str, written: u64, ids: &[i64]) -> Result<(), StoreError> {
    if written == ids.len() as u64 {
        Ok(())
    } else {
        Err(StoreError::Config(format!(
            "bulk insert into {table}: {written} rows written for {} ids",
            ids.len()
        )))
    }
}

/// Insert `rows` into `table` and return their new ids, in the order of `rows`.
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    dialect: Dialect,
    table: &'static str,
    cols: &[&str],
    rows: Vec<Vec<V>>,
) -> Result<Vec<i64>, StoreError> {
    let ids = reserve_ids(conn, dialect, table, rows.len()).await?;
    insert_with_ids(conn, dialect, table, cols, &ids, Box::new(rows.into_iter())).await?;
    Ok(ids)
}

/// `UPDATE table SET col = v.columnN … FROM (VALUES …) AS v WHERE table.id = v.column1`, in
/// chunks; each row is `[id, value…]` in the order of `set`.
async fn update(
    conn: &mut AnyConnection,
    dialect: Dialect,
    table: &str,
    set: &[&str],
    rows: Vec<Vec<V>>,
) -> Result<(), StoreError> {
    let cols = set.len() + 1;
    let per = rows_per_statement(cols);
    let assignments: Vec<String> = set
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = v.column{}", i + 2))
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<V>> = rows.by_ref().take(per).collect();
        let sql = format!(
            "UPDATE {table} SET {} FROM (VALUES {}) AS v WHERE {table}.id = v.column1",
            assignments.join(", "),
            placeholders(dialect, chunk.len(), cols)
        );
        bind_values(sqlx::query(AssertSqlSafe(sql)), chunk.into_iter().flatten())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A plausible office-hours timestamp on `d` in the ledger's time zone, varied by `k` (and
/// distinct for up to 28,800 consecutive `k`).
fn stamp(d: chrono::NaiveDate, k: usize) -> String {
    let secs = k % 28_800;
    let ms = (k / 28_800) % 1000;
    format!(
        "{}T{:02}:{:02}:{:02}.{ms:03}+08:00",
        date(d),
        9 + secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn index<'a, T>(v: &'a [T], i: usize, what: &str) -> Result<&'a T, StoreError> {
    v.get(i).ok_or_else(|| {
        StoreError::Config(format!(
            "demo ledger refers to {what} {i}, which does not exist"
        ))
    })
}

fn opt_id(ids: &[i64], i: Option<usize>, what: &str) -> Result<Option<i64>, StoreError> {
    i.map(|i| index(ids, i, what).copied()).transpose()
}

/// Write a generated ledger: organisations, people, rounds, inspections, aspects, problems,
/// measures and progress reports, plus one summary audit row, in one transaction.
///
/// Progress reports need an author account: the actor's own account when it has one, else a
/// disabled account without password `demo-reporter-<root id>` created for the purpose.
pub async fn load(
    store: &Store,
    ledger: &DemoLedger,
    actor: &Actor,
) -> Result<LoadSummary, StoreError> {
    let started = std::time::Instant::now();
    let now = now_text();
    let dialect = store.dialect();
    let mut w = store.begin_large_write().await?;
    let conn = w.conn();

    // Organisations: their ids first, so each goes in with its path (parents come first); the
    // principal leaders, who are people of these organisations, are set once the people exist.
    let org_ids = reserve_ids(conn, dialect, "organisation", ledger.organisations.len()).await?;
    let mut paths: Vec<OrgPath> = Vec::with_capacity(org_ids.len());
    for (i, o) in ledger.organisations.iter().enumerate() {
        let id = org_ids[i];
        let path = match o.parent {
            Some(p) if p < i => paths[p].child(id),
            Some(p) => {
                return Err(StoreError::Config(format!(
                    "demo organisation {i} comes before its parent {p}"
                )));
            }
            None => OrgPath::root(id),
        };
        paths.push(path);
    }
    let org_rows = ledger
        .organisations
        .iter()
        .zip(&paths)
        .map(|(o, path)| {
            Ok(vec![
                V::from(opt_id(&org_ids, o.parent, "organisation")?),
                V::from(path.as_str()),
                o.name.as_str().into(),
                o.kind.into(),
                now.as_str().into(),
            ])
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    insert_with_ids(
        conn,
        dialect,
        "organisation",
        &["parent_id", "path", "name", "kind", "created_at"],
        &org_ids,
        Box::new(org_rows.into_iter()),
    )
    .await?;
    let root_org_id = *index(&org_ids, 0, "organisation")?;

    let person_rows = ledger
        .people
        .iter()
        .map(|p| {
            Ok(vec![
                V::Int(*index(&org_ids, p.organisation, "organisation")?),
                p.name.as_str().into(),
                p.title.as_str().into(),
            ])
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let person_ids = insert(
        conn,
        dialect,
        "person",
        &["organisation_id", "name", "title"],
        person_rows,
    )
    .await?;

    let org_updates = ledger
        .organisations
        .iter()
        .enumerate()
        .filter(|(_, o)| o.principal_leader.is_some())
        .map(|(i, o)| {
            Ok(vec![
                V::Int(org_ids[i]),
                V::from(opt_id(&person_ids, o.principal_leader, "person")?),
            ])
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    update(
        conn,
        dialect,
        "organisation",
        &["principal_leader_id"],
        org_updates,
    )
    .await?;

    let round_rows = ledger
        .rounds
        .iter()
        .map(|r| {
            Ok(vec![
                V::Int(*index(&org_ids, r.organisation, "organisation")?),
                r.name.as_str().into(),
                V::Int(i64::from(r.year)),
                now.as_str().into(),
            ])
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let round_ids = insert(
        conn,
        dialect,
        "round",
        &["organisation_id", "name", "year", "created_at"],
        round_rows,
    )
    .await?;

    let inspection_rows = ledger
        .inspections
        .iter()
        .map(|i| {
            let d = &i.dates;
            Ok(vec![
                V::Int(*index(&round_ids, i.round, "round")?),
                i.kind.as_str().into(),
                i.team.as_str().into(),
                V::Int(*index(&org_ids, i.inspected_org, "organisation")?),
                index(&paths, i.inspected_org, "organisation")?
                    .as_str()
                    .into(),
                i.title.as_str().into(),
                V::from(d.stationed_from.map(date)),
                V::from(d.stationed_to.map(date)),
                V::from(d.feedback_on.map(date)),
                V::from(d.plan_due.map(date)),
                V::from(d.report_due.map(date)),
                now.as_str().into(),
            ])
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let inspection_ids = insert(
        conn,
        dialect,
        "inspection",
        &[
            "round_id",
            "kind",
            "team",
            "inspected_org_id",
            "org_path",
            "title",
            "stationed_from",
            "stationed_to",
            "feedback_on",
            "plan_due",
            "report_due",
            "created_at",
        ],
        inspection_rows,
    )
    .await?;

    let aspect_rows = ledger
        .aspects
        .iter()
        .map(|a| {
            Ok(vec![
                V::Int(*index(&inspection_ids, a.inspection, "inspection")?),
                V::Int(i64::from(a.seq)),
                a.marker.as_str().into(),
                a.title.as_str().into(),
            ])
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let aspect_ids = insert(
        conn,
        dialect,
        "aspect",
        &["inspection_id", "seq", "marker", "title"],
        aspect_rows,
    )
    .await?;

    let inspection_path = |i: usize| -> Result<&OrgPath, StoreError> {
        let insp = index(&ledger.inspections, i, "inspection")?;
        index(&paths, insp.inspected_org, "organisation")
    };
    let problem_rows = ledger
        .problems
        .iter()
        .map(|p| {
            Ok(vec![
                V::Int(*index(&inspection_ids, p.inspection, "inspection")?),
                V::Int(*index(&aspect_ids, p.aspect, "aspect")?),
                inspection_path(p.inspection)?.as_str().into(),
                V::Int(i64::from(p.seq)),
                p.title.as_str().into(),
                p.detail.as_str().into(),
                V::Int(i64::from(p.severity.level())),
            ])
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let problem_ids = insert(
        conn,
        dialect,
        "problem",
        &[
            "inspection_id",
            "aspect_id",
            "org_path",
            "seq",
            "title",
            "detail",
            "severity",
        ],
        problem_rows,
    )
    .await?;

    // Measures go in slices so the bind values of 1.35 million rows never sit in memory at once.
    let measure_cols = [
        "problem_id",
        "inspection_id",
        "org_path",
        "seq",
        "text",
        "kind",
        "state",
        "responsible_unit_id",
        "lead_unit_id",
        "co_unit_ids",
        "leader_id",
        "owner_id",
        "liaison_id",
        "deadline",
        "percent",
        "closed_at",
        "updated_at",
    ];
    let mut measure_ids: Vec<i64> = Vec::with_capacity(ledger.measures.len());
    for (slice_no, slice) in ledger.measures.chunks(20 * MAX_ROWS).enumerate() {
        let rows = slice
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let n = slice_no * 20 * MAX_ROWS + k;
                let path = match m.responsible_unit {
                    Some(u) => index(&paths, u, "organisation")?,
                    None => inspection_path(m.inspection)?,
                };
                let co: Vec<i64> = m
                    .co_units
                    .iter()
                    .map(|c| index(&org_ids, *c, "organisation").copied())
                    .collect::<Result<_, _>>()?;
                Ok(vec![
                    V::Int(*index(&problem_ids, m.problem, "problem")?),
                    V::Int(*index(&inspection_ids, m.inspection, "inspection")?),
                    path.as_str().into(),
                    V::Int(i64::from(m.seq)),
                    m.text.as_str().into(),
                    m.kind.as_str().into(),
                    m.state.as_str().into(),
                    V::from(opt_id(&org_ids, m.responsible_unit, "organisation")?),
                    V::from(opt_id(&org_ids, m.lead_unit, "organisation")?),
                    V::Text(
                        serde_json::to_string(&co)
                            .map_err(|e| StoreError::Config(e.to_string()))?,
                    ),
                    V::from(opt_id(&person_ids, m.leader, "person")?),
                    V::from(opt_id(&person_ids, m.owner, "person")?),
                    V::from(opt_id(&person_ids, m.liaison, "person")?),
                    V::Text(date(m.deadline)),
                    V::Int(i64::from(m.percent)),
                    V::from(m.closed_on.map(|d| stamp(d, n))),
                    V::Text(stamp(m.updated_on, n)),
                ])
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        measure_ids.extend(insert(conn, dialect, "measure", &measure_cols, rows).await?);
    }

    // Reports need an author account.
    let mut created_author = None;
    let author_id = match actor.user_id {
        Some(id) => Some(id),
        None if ledger.reports.is_empty() => None,
        None => {
            let rows = vec![vec![
                V::Text(format!("demo-reporter-{root_org_id}")),
                V::from("演示数据填报人"),
                V::from(rectify_core::access::Role::Liaison.as_str()),
                V::Int(root_org_id),
                V::Int(1),
                V::Int(1),
                now.as_str().into(),
            ]];
            let ids = insert(
                conn,
                dialect,
                "app_user",
                &[
                    "login",
                    "display_name",
                    "role",
                    "organisation_id",
                    "must_change",
                    "disabled",
                    "created_at",
                ],
                rows,
            )
            .await?;
            created_author = ids.first().copied();
            created_author
        }
    };
    let mut links = 0u64;
    if let Some(author) = author_id {
        for (slice_no, slice) in ledger.reports.chunks(20 * MAX_ROWS).enumerate() {
            let rows: Vec<Vec<V>> = slice
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    vec![
                        V::Text(date(r.reported_on)),
                        r.text.as_str().into(),
                        V::Int(i64::from(r.percent)),
                        V::Int(author),
                        V::Text(stamp(r.reported_on, slice_no * 20 * MAX_ROWS + k)),
                    ]
                })
                .collect();
            let report_ids = insert(
                conn,
                dialect,
                "progress_report",
                &["reported_on", "text", "percent", "author_id", "created_at"],
                rows,
            )
            .await?;
            let mut link_rows = Vec::new();
            for (r, id) in slice.iter().zip(&report_ids) {
                for m in &r.measures {
                    link_rows.push(vec![
                        V::Int(*id),
                        V::Int(*index(&measure_ids, *m, "measure")?),
                    ]);
                }
            }
            links += link_rows.len() as u64;
            insert_rows(
                conn,
                dialect,
                "report_measure",
                &["report_id", "measure_id"],
                Box::new(link_rows.into_iter()),
            )
            .await?;
        }
    }

    let summary = LoadSummary {
        organisations: org_ids.len() as u64,
        people: person_ids.len() as u64,
        inspections: inspection_ids.len() as u64,
        problems: problem_ids.len() as u64,
        measures: measure_ids.len() as u64,
        reports: if author_id.is_some() {
            ledger.reports.len() as u64
        } else {
            0
        },
        root_org_id,
        inspection_ids,
    };
    w.audit(
        actor,
        AuditEvent::ok("demo.generate", "organisation", root_org_id).after(json!({
            "scale": ledger.scale.as_str(),
            "seed": ledger.seed.to_string(),
            "as_of": date(ledger.as_of),
            "root_org_id": root_org_id,
            "organisations": summary.organisations,
            "people": summary.people,
            "rounds": round_ids.len(),
            "inspections": summary.inspections,
            "aspects": aspect_ids.len(),
            "problems": summary.problems,
            "measures": summary.measures,
            "reports": summary.reports,
            "report_links": links,
            "report_author_id": author_id,
            "created_report_author_id": created_author,
            "fingerprint": format!("{:016x}", ledger.fingerprint()),
            "elapsed_ms": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })),
    )
    .await?;
    w.commit().await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::ChainStatus;
    use crate::{BlobLocation, Location, MeasureFilter, Viewer};
    use rectify_core::access::Role;
    use rectify_core::demo::{Scale, generate};
    use rectify_core::state::MeasureState;
    use sqlx::Connection;
    use std::collections::HashMap;

    #[test]
    fn placeholders_are_numbered_row_by_row() {
        assert_eq!(
            placeholders(Dialect::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(placeholders(Dialect::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(rows_per_statement(17), MAX_ROWS);
        assert_eq!(rows_per_statement(100), 300);
        assert!(rows_per_statement(17) * 17 < 32_766);
    }

    #[test]
    fn stamps_are_distinct_office_hours() {
        assert_eq!(
            stamp(chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(), 0),
            "2025-03-01T09:00:00.000+08:00"
        );
        assert_eq!(
            stamp(chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(), 3661),
            "2025-03-01T10:01:01.000+08:00"
        );
        let d = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let set: std::collections::HashSet<String> =
            (0..MAX_ROWS * 20).map(|k| stamp(d, k)).collect();
        assert_eq!(set.len(), MAX_ROWS * 20);
    }

    /// Load the small ledger and check what the application then sees.
    async fn small_round_trip(store: &Store) {
        let ledger = generate(Scale::Small, 11);
        let actor = Actor::cli("demo");
        let started = std::time::Instant::now();
        let s = load(store, &ledger, &actor).await.unwrap();
        eprintln!(
            "small ({:?}): loaded in {:?}: {s:?}",
            store.dialect(),
            started.elapsed()
        );
        assert_eq!(s.organisations, ledger.organisations.len() as u64);
        assert_eq!(s.people, ledger.people.len() as u64);
        assert_eq!(s.inspections, 1);
        assert_eq!(s.problems, ledger.problems.len() as u64);
        assert_eq!(s.measures, ledger.measures.len() as u64);
        assert_eq!(s.reports, ledger.reports.len() as u64);
        assert_eq!(
            store.count("measure").await.unwrap(),
            ledger.measures.len() as i64
        );
        assert_eq!(
            store.count("problem").await.unwrap(),
            ledger.problems.len() as i64
        );
        assert_eq!(store.count("inspection").await.unwrap(), 1);
        assert_eq!(
            store.count("audit_log").await.unwrap(),
            1,
            "one summary audit row"
        );
        match store.audit_verify().await.unwrap() {
            ChainStatus::Intact(_) => {}
            ChainStatus::Broken(b) => panic!("audit chain broken: {b:?}"),
        }
        let rows = store
            .audit_list(&crate::AuditFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(rows[0].action, "demo.generate");
        assert!(
            rows[0]
                .after
                .as_deref()
                .unwrap_or("")
                .contains(&format!("\"measures\":{}", ledger.measures.len()))
        );

        // The tree: paths from ids, parents as generated, principal leaders set.
        let root = store.organisation(s.root_org_id).await.unwrap();
        assert_eq!(root.name, "中共江州市委");
        assert_eq!(root.path, OrgPath::root(s.root_org_id));
        let orgs = store.organisations_in(&root.path).await.unwrap();
        assert_eq!(orgs.len(), ledger.organisations.len());
        let by_id: HashMap<i64, &crate::Organisation> = orgs.iter().map(|o| (o.id, o)).collect();
        for o in &orgs {
            match o.parent_id {
                Some(p) => assert_eq!(o.path, by_id[&p].path.child(o.id)),
                None => assert_eq!(o.id, s.root_org_id),
            }
        }
        let leader = root
            .principal_leader_id
            .expect("the root has a principal leader");
        assert_eq!(
            store.person(leader).await.unwrap().title.as_deref(),
            Some("市委书记")
        );
        assert_eq!(
            store.people_in(&root.path).await.unwrap().len(),
            ledger.people.len()
        );

        // An office at the root sees every measure; filters work on the loaded data.
        let office = Viewer {
            user_id: 0,
            role: Role::Office,
            scope: root.path.clone(),
            person_id: None,
        };
        let all = store
            .measures(
                &office,
                &MeasureFilter {
                    per_page: 500,
                    page: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(all.total, ledger.measures.len() as i64);
        let insp = s.inspection_ids[0];
        let of_inspection = store
            .measures(
                &office,
                &MeasureFilter {
                    inspection_id: Some(insp),
                    per_page: 10,
                    page: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(of_inspection.total, ledger.measures.len() as i64);
        let closed = ledger
            .measures
            .iter()
            .filter(|m| m.state == MeasureState::Closed)
            .count() as i64;
        let f = MeasureFilter {
            state: Some(MeasureState::Closed),
            per_page: 10,
            page: 1,
            ..Default::default()
        };
        assert_eq!(store.measures(&office, &f).await.unwrap().total, closed);
        // Texts, units and owners come back as generated.
        type Facts = (
            String,
            MeasureState,
            Option<chrono::NaiveDate>,
            i64,
            Option<String>,
            Option<String>,
        );
        let mut got: Vec<Facts> = all
            .items
            .iter()
            .map(|v| {
                (
                    v.measure.text.clone(),
                    v.measure.state,
                    v.measure.deadline,
                    v.measure.percent,
                    v.responsible_unit.clone(),
                    v.owner.clone(),
                )
            })
            .collect();
        let mut want: Vec<Facts> = ledger
            .measures
            .iter()
            .map(|m| {
                (
                    m.text.clone(),
                    m.state,
                    Some(m.deadline),
                    i64::from(m.percent),
                    m.responsible_unit
                        .map(|u| ledger.organisations[u].name.clone()),
                    m.owner.map(|p| ledger.people[p].name.clone()),
                )
            })
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want);
        // A unit sees only its own measures.
        let unit = ledger
            .measures
            .iter()
            .find_map(|m| m.responsible_unit)
            .expect("some measure has a unit");
        let unit_org = orgs
            .iter()
            .find(|o| o.name == ledger.organisations[unit].name && o.kind == "unit")
            .unwrap();
        let unit_viewer = Viewer {
            user_id: 0,
            role: Role::Liaison,
            scope: unit_org.path.clone(),
            person_id: None,
        };
        let want = ledger
            .measures
            .iter()
            .filter(|m| m.responsible_unit == Some(unit))
            .count() as i64;
        assert_eq!(
            store
                .measures(
                    &unit_viewer,
                    &MeasureFilter {
                        per_page: 10,
                        page: 1,
                        ..Default::default()
                    }
                )
                .await
                .unwrap()
                .total,
            want
        );
        // Inspection dates and the round.
        let i = store.inspection_for(&office, insp).await.unwrap();
        assert_eq!(i.dates, ledger.inspections[0].dates);
        assert_eq!(
            store.rounds(&root.path).await.unwrap()[0].name,
            ledger.rounds[0].name
        );
        assert_eq!(
            store.aspects(insp).await.unwrap().len(),
            ledger.aspects.len()
        );
        // Reports are linked to their measures.
        let mut links = 0;
        for v in &all.items {
            links += store
                .reports_for_measure(&office, v.measure.id)
                .await
                .unwrap()
                .len();
        }
        assert_eq!(
            links,
            ledger
                .reports
                .iter()
                .map(|r| r.measures.len())
                .sum::<usize>()
        );
    }

    #[tokio::test]
    async fn small_ledger_loads_into_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Location {
            database_url: None,
            data_dir: dir.path().to_path_buf(),
        })
        .await
        .unwrap();
        small_round_trip(&store).await;
        // A second load goes alongside the first, with its own root.
        let again = load(&store, &generate(Scale::Small, 12), &Actor::cli("demo"))
            .await
            .unwrap();
        assert_eq!(store.count("inspection").await.unwrap(), 2);
        assert_eq!(store.count("audit_log").await.unwrap(), 2);
        assert!(matches!(
            store.audit_verify().await.unwrap(),
            ChainStatus::Intact(_)
        ));
        assert_ne!(again.root_org_id, 0);
        store.close().await;
    }

    #[tokio::test]
    async fn small_ledger_loads_into_postgres() {
        let admin_url = match std::env::var("RECTIFY_TEST_PG_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                if std::env::var("RECTIFY_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1") {
                    panic!(
                        "RECTIFY_TEST_PG_URL is not set but RECTIFY_TEST_REQUIRE_ALL=1: the PostgreSQL bulk test must run"
                    );
                }
                eprintln!("SKIPPED: PostgreSQL bulk load test (RECTIFY_TEST_PG_URL not set)");
                return;
            }
        };
        let (db, url) = fresh_pg_database(&admin_url).await;
        let store = Store::connect(&url, Dialect::Postgres, BlobLocation::Database)
            .await
            .unwrap();
        small_round_trip(&store).await;
        store.close().await;
        drop_pg_database(&admin_url, &db).await;
    }

    async fn fresh_pg_database(admin_url: &str) -> (String, String) {
        sqlx::any::install_default_drivers();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let db = format!("rectify_t_{:x}_{:x}", std::process::id(), nanos);
        let mut admin = sqlx::AnyConnection::connect(admin_url)
            .await
            .expect("connect to RECTIFY_TEST_PG_URL");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.ok();
        let mut u = url::Url::parse(admin_url).expect("RECTIFY_TEST_PG_URL is a URL");
        u.set_path(&format!("/{db}"));
        (db, u.to_string())
    }

    async fn drop_pg_database(admin_url: &str, db: &str) {
        let mut admin = sqlx::AnyConnection::connect(admin_url)
            .await
            .expect("connect to RECTIFY_TEST_PG_URL");
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await
        .unwrap();
        admin.close().await.ok();
    }

    /// Load figures for the report: `cargo test --release -p rectify-store bulk -- --ignored --nocapture`
    /// (PostgreSQL too when `RECTIFY_TEST_PG_URL` is set).
    #[tokio::test]
    #[ignore = "benchmark: loads 135,000 measures"]
    async fn city_ledger_load_time() {
        let started = std::time::Instant::now();
        let ledger = generate(Scale::City, 1);
        eprintln!(
            "city: generated {} measures, {} reports in {:?}",
            ledger.measures.len(),
            ledger.reports.len(),
            started.elapsed()
        );
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Location {
            database_url: None,
            data_dir: dir.path().to_path_buf(),
        })
        .await
        .unwrap();
        let started = std::time::Instant::now();
        let s = load(&store, &ledger, &Actor::cli("demo")).await.unwrap();
        eprintln!(
            "city (SQLite): loaded {} measures in {:?}",
            s.measures,
            started.elapsed()
        );
        assert_eq!(
            store.count("measure").await.unwrap(),
            ledger.measures.len() as i64
        );
        let started = std::time::Instant::now();
        assert!(matches!(
            store.audit_verify().await.unwrap(),
            ChainStatus::Intact(_)
        ));
        let office = Viewer {
            user_id: 0,
            role: Role::Office,
            scope: OrgPath::root(s.root_org_id),
            person_id: None,
        };
        let page = store
            .measures(
                &office,
                &MeasureFilter {
                    overdue: Some(true),
                    per_page: 50,
                    page: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        eprintln!(
            "city (SQLite): overdue page ({} overdue today) in {:?}",
            page.total,
            started.elapsed()
        );
        store.close().await;
        if let Ok(admin_url) = std::env::var("RECTIFY_TEST_PG_URL") {
            let (db, url) = fresh_pg_database(&admin_url).await;
            let store = Store::connect(&url, Dialect::Postgres, BlobLocation::Database)
                .await
                .unwrap();
            let started = std::time::Instant::now();
            let s = load(&store, &ledger, &Actor::cli("demo")).await.unwrap();
            eprintln!(
                "city (PostgreSQL): loaded {} measures in {:?}",
                s.measures,
                started.elapsed()
            );
            assert_eq!(
                store.count("measure").await.unwrap(),
                ledger.measures.len() as i64
            );
            store.close().await;
            drop_pg_database(&admin_url, &db).await;
        }
    }
    /// `cargo test --release -p rectify-store bulk -- --ignored --nocapture province` (about 1 GB of memory).
    #[tokio::test]
    #[ignore = "benchmark: loads 1,350,000 measures into SQLite"]
    async fn province_ledger_load_time() {
        let started = std::time::Instant::now();
        let ledger = generate(Scale::Province, 1);
        eprintln!(
            "province: generated {} measures in {:?}",
            ledger.measures.len(),
            started.elapsed()
        );
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Location {
            database_url: None,
            data_dir: dir.path().to_path_buf(),
        })
        .await
        .unwrap();
        let started = std::time::Instant::now();
        let s = load(&store, &ledger, &Actor::cli("demo")).await.unwrap();
        eprintln!(
            "province (SQLite): loaded {} measures in {:?}",
            s.measures,
            started.elapsed()
        );
        assert_eq!(
            store.count("measure").await.unwrap(),
            ledger.measures.len() as i64
        );
        store.close().await;
    }
}
