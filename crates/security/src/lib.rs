//! Pure security building blocks for Rectify: primitives, passwords, sessions, secrets, log hygiene and the audit hash chain.
//!
//! Nothing in this crate does I/O, async or database work; the storage and HTTP layers call it.
//! The only outside resource touched is the operating system's CSPRNG.
//!
//! SECURITY-BAR rows served here at the pure level (the storage and HTTP layers finish them):
//!
//! | row | module | here | left to the callers |
//! |---|---|---|---|
//! | 1 password policy | [`password`] | length, classes, login, common list, last *n*, expiry test, Argon2id | the change-only session when expired, storing the history |
//! | 5 session hygiene | [`session`] | 256-bit ids, stored as SHA-256 | `__Host-` cookie flags, killing sessions |
//! | 13 tamper evidence | [`audit`] | canonical form, SHA-256/SM3 chain, verifier with first bad position | reading rows in order, anchoring the head hash |
//! | 14 log hygiene | [`logsafe`], [`secret`] | escaping, redaction | using them at every log call |
//! | 15 crypto known answers | [`crypto`] | SHA-256, SM3, SM4 vectors | |
//!
//! ```
//! use rectify_security::audit::{AuditRecord, ChainVerifier, HashAlg, seal};
//!
//! let first = seal(AuditRecord::draft("2026-03-01T09:00:00+08:00", "login", "user", "ok", HashAlg::Sm3), None);
//! let second = seal(AuditRecord::draft("2026-03-01T09:05:00+08:00", "logout", "user", "ok", HashAlg::Sm3), Some(&first));
//! let mut v = ChainVerifier::new();
//! v.push(&first).unwrap();
//! v.push(&second).unwrap();
//! assert_eq!(v.finish().last_seq, Some(2));
//!
//! use rectify_security::password::{PasswordPolicy, check};
//! assert_eq!(check(&PasswordPolicy::default(), "zhang", "Admin@123", &[]).unwrap_err().code(), "password_common");
//! ```

pub mod audit;
pub mod crypto;
pub mod logsafe;
pub mod password;
pub mod secret;
pub mod session;
