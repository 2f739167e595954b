//! End-to-end tests: the real server (in-process on a loopback port) and the real binary,
//! against SQLite always and PostgreSQL whenever `RECTIFY_TEST_PG_URL` is set.

mod api;
mod browser;
mod cli;
mod notice;
mod report;
mod support;
mod ui;
