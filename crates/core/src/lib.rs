//! Rectify's domain: ledger types, the measure state machine, derived status and access rules. No I/O.

pub mod access;
pub mod error;
pub mod flags;
pub mod ledger;
pub mod lookback;
pub mod notices;
pub mod progress;
pub mod registers;
pub mod state;
pub mod supervision;
pub mod text;
pub mod unit_names;

pub use error::{DomainError, FieldError};
pub mod demo;
