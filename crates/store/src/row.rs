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
