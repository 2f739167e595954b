//! End-to-end tests: the real binary and server against SQLite and PostgreSQL.
