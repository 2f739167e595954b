//! End-to-end tests: the real server (in-process on a loopback port) and the real binary,
//! against SQLite always and PostgreSQL whenever `RECTIFY_TEST_PG_URL` is set.

mod api;
mod browser;
mod cli;
mod files;
mod ledger_export;
mod ledger_import;
mod lookback;
mod notice;
mod notices;
mod report;
mod supervise;
mod support;
mod ui;
mod ui_supervision;
