//! Pure security building blocks for Rectify: primitives, passwords, sessions, secrets, log hygiene and the audit hash chain.
//!
//! Nothing in this crate does I/O, async or database work; the storage and HTTP layers call it.
//! The only outside resource touched is the operating system's CSPRNG.

pub mod audit;
pub mod crypto;
pub mod logsafe;
pub mod password;
pub mod secret;
pub mod session;
