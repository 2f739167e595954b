//! Fixture tests.

use crate::*;

const SEED: &str = include_str!("../testdata/dongguan-2021-12-28.txt");

#[test]
fn seed_dump() {
    let n = parse_text(SEED);
    eprintln!("{}", render_tree(&n));
}
