//! logsafe
