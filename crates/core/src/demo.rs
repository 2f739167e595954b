//! Deterministic synthetic ledgers for demos and benchmarks (owned by the demo work; placeholder).
