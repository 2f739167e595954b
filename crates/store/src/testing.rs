//! Test support: a fresh store per test on SQLite, and on PostgreSQL when
//! `RECTIFY_TEST_PG_URL` is set (loudly skipped otherwise; a failure under
//! `RECTIFY_TEST_REQUIRE_ALL=1`).

use sqlx::AssertSqlSafe;

use crate::{BlobLocation, Dialect, Location, Store, StoreError};

/// Keeps a test database alive; drops the PostgreSQL database afterwards.
pub struct Guard {
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some((admin, db)) = self.pg.take() {
            // Best effort, on a separate thread with its own runtime (Drop cannot await).
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
                        let _ = sqlx::query(AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
                        )))
                        .execute(&pool)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

pub async fn stores() -> Vec<(Store, Guard)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let loc = Location {
        database_url: None,
        data_dir: dir.path().to_path_buf(),
    };
    let mut v = vec![(
        Store::open(&loc).await.expect("sqlite"),
        Guard {
            _dir: Some(dir),
            pg: None,
        },
    )];
    match std::env::var("RECTIFY_TEST_PG_URL") {
        Ok(admin) if !admin.is_empty() => {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin)
                .await
                .expect("RECTIFY_TEST_PG_URL");
            let db = format!(
                "rectify_s_{}",
                rectify_security::crypto::random_token(9)
                    .to_ascii_lowercase()
                    .replace(['-', '_'], "x")
            );
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {db}")))
                .execute(&pool)
                .await
                .expect("create database");
            pool.close().await;
            let mut u = url::Url::parse(&admin).expect("url");
            u.set_path(&format!("/{db}"));
            let url = u.to_string();
            let store = Store::connect(&url, Dialect::Postgres, BlobLocation::Database)
                .await
                .expect("postgres");
            v.push((
                store,
                Guard {
                    _dir: None,
                    pg: Some((admin, db)),
                },
            ));
        }
        _ => {
            assert!(
                std::env::var("RECTIFY_TEST_REQUIRE_ALL").as_deref() != Ok("1"),
                "RECTIFY_TEST_PG_URL is not set but RECTIFY_TEST_REQUIRE_ALL=1"
            );
            eprintln!("SKIPPED: PostgreSQL store tests (RECTIFY_TEST_PG_URL not set)");
        }
    }
    v
}

fn url_of(store: &Store) -> String {
    store.url.clone()
}

/// A second, independent pool on the same database (a second server).
pub async fn second_pool(store: &Store) -> Store {
    Store::connect(
        &url_of(store),
        store.dialect(),
        store.blob_location().clone(),
    )
    .await
    .expect("second pool")
}

pub async fn reopen(store: &Store) -> Result<Store, StoreError> {
    Store::connect(
        &url_of(store),
        store.dialect(),
        store.blob_location().clone(),
    )
    .await
}
