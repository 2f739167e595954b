//! Storage errors: not found, version conflicts, refused values, and the database's own failures.

use rectify_core::{DomainError, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{entity} {id} was changed by someone else (current version {current})")]
    Conflict {
        entity: &'static str,
        id: i64,
        current: i64,
    },
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("file storage: {0}")]
    Io(String),
    #[error("this database was written by schema version {found}, this build knows {expected}")]
    SchemaVersion { found: i64, expected: i64 },
    #[error("database error: {0}")]
    Db(sqlx::Error),
}

impl From<FieldError> for StoreError {
    fn from(e: FieldError) -> Self {
        StoreError::Invalid(e)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(d) = &e
            && d.is_unique_violation()
        {
            return StoreError::Duplicate(d.message().to_string());
        }
        StoreError::Db(e)
    }
}

impl StoreError {
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}
