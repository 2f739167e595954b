//! Small helpers for building queries from the filters actually given (never `? IS NULL OR`).

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// A bind value of one of the types the `Any` driver carries.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_string())
    }
}

pub(crate) fn bind_all<'q>(
    mut q: Query<'q, Any, AnyArguments>,
    params: &[Param],
) -> Query<'q, Any, AnyArguments> {
    for p in params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.clone()),
        };
    }
    q
}

/// `SELECT <the rows of exprs FROM from, as one JSON array of arrays>`: one value, `NULL` or
/// `[]` when no row matches. For reads of many rows: the `Any` driver hands each row over
/// from SQLite's worker thread and copies and converts each value, which for 100,000 rows
/// costs more than the query; one document per query costs a parse.
pub(crate) fn json_rows(dialect: crate::Dialect, exprs: &str, from: &str) -> String {
    match dialect {
        crate::Dialect::Sqlite => {
            format!("SELECT json_group_array(json_array({exprs})) FROM {from}")
        }
        crate::Dialect::Postgres => {
            format!("SELECT CAST(json_agg(json_build_array({exprs})) AS TEXT) FROM {from}")
        }
    }
}

/// Run a [`json_rows`] query and parse its rows (each a JSON array, into a tuple or a struct
/// whose fields follow the expressions' order).
pub(crate) async fn fetch_json_rows<'e, T, E>(
    exec: E,
    sql: String,
    params: &[Param],
) -> Result<Vec<T>, crate::StoreError>
where
    T: serde::de::DeserializeOwned,
    E: sqlx::Executor<'e, Database = Any>,
{
    use sqlx::Row;
    let doc: Option<String> = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), params)
        .fetch_one(exec)
        .await?
        .try_get(0)?;
    match doc {
        None => Ok(Vec::new()),
        Some(doc) => serde_json::from_str(&doc)
            .map_err(|e| crate::StoreError::Config(format!("rows as JSON: {e}"))),
    }
}

/// A WHERE clause under construction with numbered placeholders.
#[derive(Debug, Default)]
pub(crate) struct Where {
    pub sql: String,
    pub params: Vec<Param>,
}

impl Where {
    /// Append ` AND <left> $n` with `v` as parameter n.
    pub fn and(&mut self, left: &str, v: impl Into<Param>) {
        self.params.push(v.into());
        self.sql
            .push_str(&format!(" AND {left} ${}", self.params.len()));
    }
    /// Append a raw condition with no parameter.
    pub fn raw(&mut self, cond: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(cond);
    }
}
