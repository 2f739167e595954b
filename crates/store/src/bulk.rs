//! Bulk loading of generated demo and benchmark ledgers (placeholder).
