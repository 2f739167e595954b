//! Storage: the only crate with SQL. One code path over sqlx's `Any` driver for SQLite and
//! PostgreSQL; dialect differences are confined to DDL in `schema`.

mod audit;
mod blobs;
pub mod bulk;
pub mod calendar;
pub mod dashboard;
pub mod digest;
mod error;
pub mod export;
pub mod flags;
pub mod import;
mod ledger;
pub mod ledger_import;
pub mod lookback;
pub mod notices;
mod orgs;
pub mod registers;
pub mod report;
mod row;
mod schema;
mod sessions;
pub mod supervision;
#[cfg(test)]
mod testing;
mod users;

pub use audit::{Actor, AuditEvent, AuditFilter, ChainStatus};
pub use blobs::BlobLocation;
pub use error::StoreError;
pub use ledger::*;
pub use orgs::{NewOrganisation, NewPerson, Organisation, Person, UnitNames};
pub use schema::SCHEMA_VERSION;
pub use sessions::{SessionRow, TokenRow};
pub use users::{NewUser, SecurityPolicy, User};

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use rectify_security::audit::HashAlg;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, AssertSqlSafe, Executor, Transaction};

/// SQLite's page cache, in KiB, during a [`Store::begin_large_write`]. The default (2 MiB)
/// makes SQLite spill dirty index pages to the WAL mid-transaction and read them back; the
/// cache grows only as pages are touched and goes back to its size before the write commits.
const LARGE_WRITE_CACHE_KIB: i64 = 128 * 1024;

/// Which engine is behind the pool. Only DDL and a few statements differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The database and the evidence blob store.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    blobs: BlobLocation,
    url_redacted: String,
    #[cfg(test)]
    url: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.url_redacted)
            .field("dialect", &self.dialect)
            .finish()
    }
}

/// Where the data lives: a database URL wins over a data directory.
#[derive(Debug, Clone)]
pub struct Location {
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
}

impl Location {
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("rectify.db").display()
            ),
        }
    }
}

fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Connect (creating the SQLite file and data directory when needed) and migrate.
    pub async fn open(loc: &Location) -> Result<Store, StoreError> {
        let url = loc.url();
        let dialect = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL scheme: {}",
                redact(&url)
            )));
        };
        let blobs = match dialect {
            Dialect::Sqlite => {
                std::fs::create_dir_all(&loc.data_dir)
                    .map_err(|e| StoreError::Io(format!("{}: {e}", loc.data_dir.display())))?;
                BlobLocation::Directory(loc.data_dir.join("evidence"))
            }
            Dialect::Postgres => BlobLocation::Database,
        };
        Self::connect(&url, dialect, blobs).await
    }

    /// Connect to an explicit URL with an explicit blob location (tests, tools).
    pub async fn connect(
        url: &str,
        dialect: Dialect,
        blobs: BlobLocation,
    ) -> Result<Store, StoreError> {
        install_default_drivers();
        let mut opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        if dialect == Dialect::Sqlite {
            // A file on this machine does not drop connections: no ping (a round trip to
            // the connection's worker thread) before every query.
            opts = opts
                .max_connections(8)
                .test_before_acquire(false)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        Ok(())
                    })
                });
        } else {
            opts = opts.max_connections(16);
        }
        let pool = opts
            .connect(url)
            .await
            .map_err(|e| StoreError::Connect(format!("{}: {e}", redact(url))))?;
        let store = Store {
            pool,
            dialect,
            blobs,
            url_redacted: redact(url),
            #[cfg(test)]
            url: url.to_string(),
        };
        schema::migrate(&store).await?;
        store.seed_builtin_calendar().await?;
        Ok(store)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn blob_location(&self) -> &BlobLocation {
        &self.blobs
    }

    /// Start a write: one transaction that first takes the audit chain head, so every write
    /// (on any server sharing the database) serialises on it and its audit rows chain in order.
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let tx = self.pool.begin().await?;
        self.start_write(tx, None).await
    }

    /// [`Store::begin_write`] for one large write (a ledger import, the demo load). On SQLite,
    /// a wider page cache (`LARGE_WRITE_CACHE_KIB`), and statement journals kept in memory: each multi-row
    /// insert records how to undo itself, by default in a temporary file created and deleted
    /// for every statement. SQLite fixes where those journals go when the transaction first
    /// writes, so `temp_store` is set before that, and put back (with the cache size) by
    /// [`WriteTx::end_large`] or the commit: other queries keep the default, with which the
    /// export's per-measure subqueries run faster.
    pub async fn begin_large_write(&self) -> Result<WriteTx, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut prev_cache = None;
        if self.dialect == Dialect::Sqlite {
            // The transaction has not written yet (SQLite's BEGIN is deferred). A speed-up
            // only: SQLite refuses it inside a transaction once the connection has a TEMP
            // schema open (the app creates none), and the write goes on without it.
            if let Err(e) = sqlx::query("PRAGMA temp_store = MEMORY")
                .execute(&mut *tx)
                .await
            {
                tracing::debug!(error = %e, "large write: statement journals stay in files");
            }
            let prev: i64 = sqlx::query_scalar("PRAGMA cache_size")
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(AssertSqlSafe(format!(
                "PRAGMA cache_size = {}",
                -LARGE_WRITE_CACHE_KIB
            )))
            .execute(&mut *tx)
            .await?;
            prev_cache = Some(prev);
        }
        self.start_write(tx, prev_cache).await
    }

    async fn start_write(
        &self,
        mut tx: Transaction<'static, Any>,
        large: Option<i64>,
    ) -> Result<WriteTx, StoreError> {
        let locked = async {
            // A write as the first statement: SQLite takes its write lock now (no later
            // read-to-write upgrade that could fail with BUSY), PostgreSQL locks the head row.
            sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
                .execute(&mut *tx)
                .await?;
            let head = audit::read_head(&mut tx).await?;
            let alg = self
                .meta_get_in(&mut tx, "audit_alg")
                .await?
                .unwrap_or_default();
            Ok::<_, StoreError>((head, HashAlg::from_str(&alg).unwrap_or(HashAlg::Sha256)))
        }
        .await;
        let (head, alg) = match locked {
            Ok(locked) => locked,
            Err(e) => {
                // Not even begun (BUSY, say): the connection still goes back as it came.
                if let Some(prev) = large {
                    let _ = reset_large(&mut tx, prev).await;
                }
                return Err(e);
            }
        };
        Ok(WriteTx {
            tx,
            head,
            alg,
            appended: 0,
            ledger_changed: false,
            large,
        })
    }

    async fn meta_get_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        let v: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(v.map(|v| v.0))
    }

    /// Read a setting.
    pub async fn meta_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let v: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(v.map(|v| v.0))
    }

    /// Is the database empty of users and ledger data?
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM app_user) + (SELECT COUNT(*) FROM organisation)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n == 0)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A write transaction holding the audit chain head. Commit or drop (rolls back).
pub struct WriteTx {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) head: audit::Head,
    pub(crate) alg: HashAlg,
    pub(crate) appended: u32,
    /// Whether an audited change touched what the dashboard shows (see `Store::ledger_counter`).
    pub(crate) ledger_changed: bool,
    /// A large write on SQLite ([`Store::begin_large_write`]): the page cache size to put back.
    large: Option<i64>,
}

impl WriteTx {
    /// The transaction, for the crate's queries.
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Set a setting, inside the write.
    pub async fn meta_set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Put back what [`Store::begin_large_write`] changed on this pooled connection (also done
    /// by the commit); a failed write calls it before giving up, so the next user of the
    /// connection gets the defaults.
    pub async fn end_large(&mut self) -> Result<(), StoreError> {
        match self.large.take() {
            Some(prev) => reset_large(&mut self.tx, prev).await,
            None => Ok(()),
        }
    }

    /// Commit the business change and its audit rows together.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.end_large().await?;
        if self.appended > 0 {
            if self.ledger_changed {
                let seq = self.head.seq.to_string();
                self.meta_set(dashboard::LEDGER_SEQ, &seq).await?;
            }
            audit::write_head(&mut self).await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}

/// Undo [`Store::begin_large_write`]'s settings on its connection: the page cache back to
/// `prev_cache`, temporary storage back to the default.
async fn reset_large(conn: &mut sqlx::AnyConnection, prev_cache: i64) -> Result<(), StoreError> {
    sqlx::query(AssertSqlSafe(format!("PRAGMA cache_size = {prev_cache}")))
        .execute(&mut *conn)
        .await?;
    // Refused only where setting it was refused too (see `begin_large_write`).
    if let Err(e) = sqlx::query("PRAGMA temp_store = DEFAULT")
        .execute(&mut *conn)
        .await
    {
        tracing::debug!(error = %e, "large write: temp_store not put back");
    }
    Ok(())
}

/// The default data directory.
pub fn default_data_dir() -> PathBuf {
    Path::new("rectify-data").to_path_buf()
}

#[cfg(test)]
mod tests {
    use crate::testing::stores;
    use crate::{Dialect, Store};

    /// `(temp_store, cache_size, busy_timeout)` of a connection.
    async fn settings(c: &mut sqlx::AnyConnection) -> (i64, i64, i64) {
        let mut v = Vec::new();
        for p in ["temp_store", "cache_size", "busy_timeout"] {
            v.push(
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("PRAGMA {p}")))
                    .fetch_one(&mut *c)
                    .await
                    .unwrap(),
            );
        }
        (v[0], v[1], v[2])
    }

    /// A large write keeps its statement journals in memory and widens the page cache while it
    /// runs; committed or abandoned, it leaves its pooled connection with the defaults. (The
    /// write marks its connection with an odd busy timeout to find it in the pool again.)
    #[tokio::test]
    async fn a_large_write_puts_its_connection_back_as_it_found_it() {
        for (store, _g) in stores().await {
            if store.dialect() != Dialect::Sqlite {
                // Nothing to set on PostgreSQL; the write itself still works.
                store
                    .begin_large_write()
                    .await
                    .unwrap()
                    .commit()
                    .await
                    .unwrap();
                continue;
            }
            let (t0, k0, _) = settings(&mut store.pool().acquire().await.unwrap()).await;
            for (n, commit) in [(1, true), (2, false)] {
                let mut w = store.begin_large_write().await.unwrap();
                let (t, k, _) = settings(w.conn()).await;
                assert_eq!((t, k), (2, -crate::LARGE_WRITE_CACHE_KIB));
                let marker = 7000 + n;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "PRAGMA busy_timeout = {marker}"
                )))
                .execute(w.conn())
                .await
                .unwrap();
                if commit {
                    w.commit().await.unwrap();
                } else {
                    w.end_large().await.unwrap();
                    assert_eq!(settings(w.conn()).await, (t0, k0, marker));
                    drop(w);
                }
                assert_eq!(back(&store, marker).await, (t0, k0), "commit: {commit}");
            }
        }
    }

    /// A connection with a TEMP schema open cannot change `temp_store` inside a transaction:
    /// the large write goes on without it, and commits.
    #[tokio::test]
    async fn a_large_write_goes_on_where_temp_store_cannot_change() {
        let (store, _g) = stores().await.into_iter().next().unwrap();
        // Every connection the pool may hand out gets a TEMP table.
        let mut held = Vec::new();
        for _ in 0..8 {
            let mut c = store.pool().acquire().await.unwrap();
            sqlx::query("CREATE TEMP TABLE scratch (x INTEGER)")
                .execute(&mut *c)
                .await
                .unwrap();
            held.push(c);
        }
        drop(held);
        let mut w = store.begin_large_write().await.unwrap();
        let (t, k, _) = settings(w.conn()).await;
        assert_eq!((t, k), (0, -crate::LARGE_WRITE_CACHE_KIB));
        w.commit().await.unwrap();
    }

    /// The settings of the pooled connection marked with busy timeout `marker`, once it is
    /// back in the pool (its timeout then restored).
    async fn back(store: &Store, marker: i64) -> (i64, i64) {
        for _ in 0..200 {
            let mut held = Vec::new();
            for _ in 0..store.pool().num_idle() {
                held.push(store.pool().acquire().await.unwrap());
            }
            for c in &mut held {
                let (t, k, b) = settings(c).await;
                if b == marker {
                    sqlx::query("PRAGMA busy_timeout = 10000")
                        .execute(&mut **c)
                        .await
                        .unwrap();
                    return (t, k);
                }
            }
            drop(held);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("the marked connection never came back to the pool");
    }
}
