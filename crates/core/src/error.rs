//! Domain errors with stable codes and the field they concern.

use std::fmt;

/// A rejected value: which field, a stable snake_case code, and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Every way a domain rule can refuse an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Transition(#[from] crate::state::TransitionError),
}

impl From<FieldError> for DomainError {
    fn from(e: FieldError) -> Self {
        DomainError::Invalid(e)
    }
}

impl DomainError {
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Invalid(e) => e.code,
            DomainError::Transition(e) => e.code(),
        }
    }
    pub fn field(&self) -> Option<&str> {
        match self {
            DomainError::Invalid(e) => Some(&e.field),
            DomainError::Transition(_) => Some("action"),
        }
    }
}
