//! Audit tamper evidence: canonical encoding of an audit row, the SHA-256/SM3 hash chain, and a streaming verifier.
//!
//! Each row stores `prev_hash` (the previous row's `hash`, or [`GENESIS`] for seq 1) and
//! `hash = hex(alg(canonical_bytes(row)))`. Editing, deleting, inserting or reordering rows
//! therefore breaks the chain at the first affected sequence number. Rewriting a whole suffix of
//! the chain with recomputed hashes cannot be detected from the rows alone: the caller should
//! anchor [`VerifyReport::head_hash`] outside the database (a signed checkpoint, a printed
//! report, a second system) and compare it.

use std::fmt;
use std::str::FromStr;

use crate::crypto::{sha256, sm3, to_hex};

/// `prev_hash` of the first row: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version tag that starts every canonical encoding; changing the encoding means a new tag.
const CANONICAL_TAG: &[u8] = b"rectify-audit-v1\0";

/// Digest algorithm of one audit row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlg {
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SM3 (GB/T 32905-2016), for deployments under 密评.
    Sm3,
}

impl HashAlg {
    /// `"sha256"` or `"sm3"`: the form stored in the database and accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sm3 => "sm3",
        }
    }

    /// The 32-byte digest of `data`.
    pub fn digest(self, data: &[u8]) -> [u8; 32] {
        match self {
            HashAlg::Sha256 => sha256(data),
            HashAlg::Sm3 => sm3(data),
        }
    }
}

impl fmt::Display for HashAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no supported hash algorithm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit hash algorithm (expected \"sha256\" or \"sm3\")")]
pub struct UnknownHashAlg;

impl FromStr for HashAlg {
    type Err = UnknownHashAlg;

    /// Accepts `sha256` and `sm3`, case-insensitively (also `sha-256`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sha256" | "sha-256" => Ok(HashAlg::Sha256),
            "sm3" => Ok(HashAlg::Sm3),
            _ => Err(UnknownHashAlg),
        }
    }
}

/// One audit row as stored. All strings; `at` is RFC 3339 with offset.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub actor: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub outcome: String,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
    pub alg: HashAlg,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// An unsealed row with the required fields set, optional ones `None`, `seq` 0 and empty
    /// hashes; fill the rest and pass it to [`seal`].
    pub fn draft(
        at: impl Into<String>,
        action: impl Into<String>,
        object_type: impl Into<String>,
        outcome: impl Into<String>,
        alg: HashAlg,
    ) -> Self {
        AuditRecord {
            seq: 0,
            at: at.into(),
            actor: None,
            role: None,
            action: action.into(),
            object_type: object_type.into(),
            object_id: None,
            before: None,
            after: None,
            outcome: outcome.into(),
            source_ip: None,
            request_id: None,
            alg,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }
}

/// The unambiguous byte encoding that is hashed: every field except `hash`.
///
/// Layout: the tag `rectify-audit-v1\0`, then `seq` as 8 bytes big-endian two's complement, then
/// in this order `at, actor, role, action, object_type, object_id, before, after, outcome,
/// source_ip, request_id, alg (as_str), prev_hash`, each encoded as
///
/// * `0x00` for `None`, or
/// * `0x01`, the UTF-8 length as 8 bytes big-endian, then the UTF-8 bytes.
///
/// Required strings are encoded like `Some`. The length prefixes make the encoding injective: no
/// two different records give the same bytes, whatever their contents (`None` differs from
/// `Some("")`, and no separator can be smuggled in a field).
pub fn canonical_bytes(r: &AuditRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(CANONICAL_TAG);
    out.extend_from_slice(&r.seq.to_be_bytes());
    let fields: [Option<&str>; 13] = [
        Some(&r.at),
        r.actor.as_deref(),
        r.role.as_deref(),
        Some(&r.action),
        Some(&r.object_type),
        r.object_id.as_deref(),
        r.before.as_deref(),
        r.after.as_deref(),
        Some(&r.outcome),
        r.source_ip.as_deref(),
        r.request_id.as_deref(),
        Some(r.alg.as_str()),
        Some(&r.prev_hash),
    ];
    for f in fields {
        match f {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                out.extend_from_slice(&(s.len() as u64).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
    }
    out
}

/// Lowercase hex digest of [`canonical_bytes`] with the record's own `alg`.
pub fn compute_hash(r: &AuditRecord) -> String {
    to_hex(&r.alg.digest(&canonical_bytes(r)))
}

/// Chains `next` after `prev`: sets `seq` to `prev.seq + 1` (1 when there is no previous row),
/// `prev_hash` to `prev.hash` ([`GENESIS`] when none), then `hash`. Other fields are kept.
/// After a purge, pass the checkpoint row (or the last remaining row) as `prev`.
pub fn seal(mut next: AuditRecord, prev: Option<&AuditRecord>) -> AuditRecord {
    match prev {
        Some(p) => {
            next.seq = p.seq.saturating_add(1);
            next.prev_hash = p.hash.clone();
        }
        None => {
            next.seq = 1;
            next.prev_hash = GENESIS.to_string();
        }
    }
    next.hash = compute_hash(&next);
    next
}

/// The first place where a chain stops verifying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainBreak {
    /// The row's stored `hash` is not the digest of its contents: the row was edited.
    #[error("audit row {seq}: stored hash does not match its contents")]
    BadHash { seq: i64 },
    /// The row's `prev_hash` is not the previous row's hash: the row's link was edited, the
    /// previous row was replaced with a recomputed hash (then `seq` is one after the replaced
    /// row: the first row where the evidence shows), or rows were deleted and renumbered. When
    /// the next row is a genuine row renumbered by one that links past row `seq`, `seq` is that
    /// inserted row itself.
    #[error("audit row {seq}: does not link to the previous row")]
    BrokenLink { seq: i64 },
    /// Sequence numbers skip from `expected` to `found`: rows were deleted or moved.
    #[error("audit chain gap: expected row {expected}, found row {found}")]
    Gap { expected: i64, found: i64 },
    /// A row's `seq` does not increase over its predecessor's: a row moved backwards, or a forged
    /// row inserted under an existing number. `seq` is the first bad position: the number the
    /// verifier expected, or the forged twin's number when the duplicate links past it.
    #[error("audit row {seq}: out of order")]
    OutOfOrder { seq: i64 },
    /// The row uses a hash algorithm the verifier was told not to accept.
    #[error("audit row {seq}: hash algorithm not allowed")]
    BadAlg { seq: i64 },
}

impl ChainBreak {
    /// The first bad sequence number.
    pub fn position(&self) -> i64 {
        match *self {
            ChainBreak::BadHash { seq }
            | ChainBreak::BrokenLink { seq }
            | ChainBreak::OutOfOrder { seq }
            | ChainBreak::BadAlg { seq } => seq,
            ChainBreak::Gap { expected, .. } => expected,
        }
    }
}

/// Result of a verification that found no break.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VerifyReport {
    /// Rows pushed and verified (the checkpoint itself is not counted).
    pub rows: u64,
    /// Sequence number of the last row verified (or of the checkpoint when no row followed).
    pub last_seq: Option<i64>,
    /// Hash of that row: anchor it outside the database to detect truncation or rewriting.
    pub head_hash: Option<String>,
}

/// Streaming verifier: feed records in the order stored (`ORDER BY seq`); it stops at the first
/// break, and every later [`push`](ChainVerifier::push) returns that same break.
///
/// Checks for each row, in this order: sequence (`Gap`, `OutOfOrder`), algorithm policy
/// (`BadAlg`), link to the previous row (`BrokenLink`), own hash (`BadHash`).
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: Option<i64>,
    last_seq: Option<i64>,
    last_hash: String,
    /// Hash of the row before the last one, to recognise a row inserted with a correct own hash.
    prev_prev_hash: Option<String>,
    rows: u64,
    allowed: Option<HashAlg>,
    broken: Option<ChainBreak>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    /// Verifies a chain from its beginning: the first row must be seq 1 with [`GENESIS`].
    pub fn new() -> Self {
        ChainVerifier {
            next_seq: Some(1),
            last_seq: None,
            last_hash: GENESIS.to_string(),
            prev_prev_hash: None,
            rows: 0,
            allowed: None,
            broken: None,
        }
    }

    /// Verifies the rows after a checkpoint (left by a purge): the first row must be `seq + 1`
    /// and link to `hash`.
    pub fn starting_after(seq: i64, hash: String) -> Self {
        ChainVerifier {
            next_seq: seq.checked_add(1),
            last_seq: Some(seq),
            last_hash: hash,
            prev_prev_hash: None,
            rows: 0,
            allowed: None,
            broken: None,
        }
    }

    /// Only accept rows hashed with `alg` (others are `BadAlg`); by default both are accepted,
    /// so a deployment can switch algorithms mid-chain.
    pub fn require_alg(mut self, alg: HashAlg) -> Self {
        self.allowed = Some(alg);
        self
    }

    /// Checks the next row in stored order.
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        if let Some(b) = &self.broken {
            return Err(b.clone());
        }
        let result = self.check(r);
        match result {
            Ok(()) => {
                let prev = std::mem::replace(&mut self.last_hash, r.hash.clone());
                self.prev_prev_hash = Some(prev);
                self.last_seq = Some(r.seq);
                self.next_seq = r.seq.checked_add(1);
                self.rows += 1;
                Ok(())
            }
            Err(b) => {
                self.broken = Some(b.clone());
                Err(b)
            }
        }
    }

    fn check(&self, r: &AuditRecord) -> Result<(), ChainBreak> {
        let Some(expected) = self.next_seq else {
            return Err(ChainBreak::OutOfOrder { seq: r.seq });
        };
        if r.seq < expected {
            // A duplicate of the previous number that links past it: the previous row is a
            // forgery inserted under an existing number, so that is where the chain went bad.
            let seq = match self.last_seq {
                Some(last) if r.seq == last && self.links_past_previous(r) => last,
                _ => expected,
            };
            return Err(ChainBreak::OutOfOrder { seq });
        }
        if r.seq > expected {
            return Err(ChainBreak::Gap {
                expected,
                found: r.seq,
            });
        }
        if self.allowed.is_some_and(|a| a != r.alg) {
            return Err(ChainBreak::BadAlg { seq: r.seq });
        }
        if r.prev_hash != self.last_hash {
            // The row links past its predecessor to the one before, and it is a genuine row
            // renumbered by one: the predecessor was inserted with a correct hash of its own.
            if let Some(last) = self.last_seq
                && self.links_past_previous(r)
                && r.seq.checked_sub(1).is_some_and(|s| {
                    let mut shifted = r.clone();
                    shifted.seq = s;
                    compute_hash(&shifted) == r.hash
                })
            {
                return Err(ChainBreak::BrokenLink { seq: last });
            }
            return Err(ChainBreak::BrokenLink { seq: r.seq });
        }
        if compute_hash(r) != r.hash {
            return Err(ChainBreak::BadHash { seq: r.seq });
        }
        Ok(())
    }

    /// `r` names the row before the last verified one as its predecessor.
    fn links_past_previous(&self, r: &AuditRecord) -> bool {
        self.prev_prev_hash.as_deref() == Some(r.prev_hash.as_str())
    }

    /// Ends verification. Call only after every row was pushed without error; the report then
    /// says how far the chain verified.
    pub fn finish(self) -> VerifyReport {
        VerifyReport {
            rows: self.rows,
            last_seq: self.last_seq,
            head_hash: match self.last_seq {
                Some(_) => Some(self.last_hash),
                None => None,
            },
        }
    }
}

/// Verifies a whole sequence of rows from the start of the chain.
pub fn verify_chain<'a>(
    rows: impl IntoIterator<Item = &'a AuditRecord>,
) -> Result<VerifyReport, ChainBreak> {
    let mut v = ChainVerifier::new();
    for r in rows {
        v.push(r)?;
    }
    Ok(v.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn draft(i: usize, alg: HashAlg) -> AuditRecord {
        let mut r = AuditRecord::draft(
            format!("2026-03-{:02}T08:{:02}:00+08:00", 1 + i % 28, i % 60),
            if i.is_multiple_of(3) {
                "login"
            } else {
                "measure.update"
            },
            "measure",
            if i.is_multiple_of(7) { "denied" } else { "ok" },
            alg,
        );
        r.actor = Some(format!("user{}", i % 5));
        r.role = i.is_multiple_of(2).then(|| "liaison".to_string());
        r.object_id = Some(format!("M-{i}"));
        r.before = i
            .is_multiple_of(4)
            .then(|| format!("{{\"status\":\"in_progress\",\"n\":{i}}}"));
        r.after = Some(format!("{{\"status\":\"completed\",\"n\":{i}}}"));
        r.source_ip = Some(format!("10.0.0.{}", i % 250));
        r.request_id = Some(format!("req-{i:06}"));
        r
    }

    /// A sealed chain of `n` rows; `mixed` alternates the algorithm every 10 rows.
    fn chain(n: usize, alg: HashAlg, mixed: bool) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::with_capacity(n);
        for i in 0..n {
            let a = match (mixed, (i / 10) % 2) {
                (true, 1) if alg == HashAlg::Sha256 => HashAlg::Sm3,
                (true, 1) => HashAlg::Sha256,
                _ => alg,
            };
            let r = seal(draft(i, a), out.last());
            out.push(r);
        }
        out
    }

    fn position(rows: &[AuditRecord]) -> Option<i64> {
        verify_chain(rows).err().map(|b| b.position())
    }

    #[test]
    fn hash_alg_strings() {
        assert_eq!(HashAlg::Sha256.as_str(), "sha256");
        assert_eq!(HashAlg::Sm3.as_str(), "sm3");
        assert_eq!("sha256".parse::<HashAlg>(), Ok(HashAlg::Sha256));
        assert_eq!("SM3".parse::<HashAlg>(), Ok(HashAlg::Sm3));
        assert_eq!("md5".parse::<HashAlg>(), Err(UnknownHashAlg));
        assert_eq!(serde_json::to_string(&HashAlg::Sm3).unwrap(), "\"sm3\"");
        assert_eq!(
            serde_json::from_str::<HashAlg>("\"sha256\"").unwrap(),
            HashAlg::Sha256
        );
    }

    #[test]
    fn canonical_bytes_are_injective_on_tricky_fields() {
        let a = draft(1, HashAlg::Sha256);
        let mut b = a.clone();
        b.actor = Some(String::new());
        let mut c = a.clone();
        c.actor = None;
        assert_ne!(canonical_bytes(&b), canonical_bytes(&c));
        // Moving characters between adjacent fields changes the encoding.
        let mut d = a.clone();
        d.action = "ab".into();
        d.object_type = "c".into();
        let mut e = a.clone();
        e.action = "a".into();
        e.object_type = "bc".into();
        assert_ne!(canonical_bytes(&d), canonical_bytes(&e));
        // `hash` itself is not part of the encoding.
        let mut f = a.clone();
        f.hash = "ff".into();
        assert_eq!(canonical_bytes(&a), canonical_bytes(&f));
        // Layout as documented: tag, seq, then the first field.
        let bytes = canonical_bytes(&a);
        assert!(bytes.starts_with(b"rectify-audit-v1\0"));
        assert_eq!(&bytes[17..25], &a.seq.to_be_bytes());
        assert_eq!(bytes[25], 1);
        assert_eq!(&bytes[26..34], &(a.at.len() as u64).to_be_bytes());
    }

    #[test]
    fn compute_hash_known_answer() {
        // Pins the canonical encoding: a change here breaks every stored chain.
        let r = seal(
            AuditRecord::draft(
                "2026-01-01T00:00:00+08:00",
                "login",
                "user",
                "ok",
                HashAlg::Sm3,
            ),
            None,
        );
        let mut expect = Vec::new();
        expect.extend_from_slice(b"rectify-audit-v1\0");
        expect.extend_from_slice(&1i64.to_be_bytes());
        let some = |v: &mut Vec<u8>, s: &str| {
            v.push(1);
            v.extend_from_slice(&(s.len() as u64).to_be_bytes());
            v.extend_from_slice(s.as_bytes());
        };
        some(&mut expect, "2026-01-01T00:00:00+08:00");
        expect.extend_from_slice(&[0, 0]);
        some(&mut expect, "login");
        some(&mut expect, "user");
        expect.extend_from_slice(&[0, 0, 0]);
        some(&mut expect, "ok");
        expect.extend_from_slice(&[0, 0]);
        some(&mut expect, "sm3");
        some(&mut expect, GENESIS);
        assert_eq!(canonical_bytes(&r), expect);
        assert_eq!(r.hash, hex::encode(sm3(&expect)));
        let mut s = r.clone();
        s.alg = HashAlg::Sha256;
        assert_ne!(compute_hash(&s), r.hash);
    }

    #[test]
    fn seal_links_and_numbers() {
        let rows = chain(3, HashAlg::Sha256, false);
        assert_eq!(rows[0].seq, 1);
        assert_eq!(rows[0].prev_hash, GENESIS);
        assert_eq!(GENESIS.len(), 64);
        assert_eq!(rows[1].seq, 2);
        assert_eq!(rows[1].prev_hash, rows[0].hash);
        assert_eq!(rows[2].prev_hash, rows[1].hash);
        assert_eq!(rows[2].hash.len(), 64);
        assert_eq!(rows[2].hash, compute_hash(&rows[2]));
    }

    #[test]
    fn sealed_chains_verify_with_both_algorithms() {
        for (alg, mixed) in [
            (HashAlg::Sha256, false),
            (HashAlg::Sm3, false),
            (HashAlg::Sha256, true),
        ] {
            let rows = chain(50, alg, mixed);
            let report = verify_chain(&rows).unwrap();
            assert_eq!(report.rows, 50);
            assert_eq!(report.last_seq, Some(50));
            assert_eq!(report.head_hash.as_deref(), Some(rows[49].hash.as_str()));
        }
        let empty = verify_chain(&[]).unwrap();
        assert_eq!(
            empty,
            VerifyReport {
                rows: 0,
                last_seq: None,
                head_hash: None
            }
        );
    }

    #[test]
    fn required_alg_flags_other_rows() {
        let rows = chain(25, HashAlg::Sm3, true);
        let mut v = ChainVerifier::new().require_alg(HashAlg::Sm3);
        let err = rows.iter().try_for_each(|r| v.push(r)).unwrap_err();
        assert_eq!(err, ChainBreak::BadAlg { seq: 11 });
        // Later pushes repeat the first break.
        assert_eq!(v.push(&rows[0]), Err(ChainBreak::BadAlg { seq: 11 }));
    }

    #[test]
    fn checkpoint_after_purge_verifies_the_rest() {
        let rows = chain(30, HashAlg::Sm3, false);
        let cp = &rows[9];
        let mut v = ChainVerifier::starting_after(cp.seq, cp.hash.clone());
        for r in &rows[10..] {
            v.push(r).unwrap();
        }
        let rep = v.finish();
        assert_eq!(rep.rows, 20);
        assert_eq!(rep.last_seq, Some(30));
        // A wrong checkpoint hash breaks at the first row after it.
        let mut v = ChainVerifier::starting_after(10, GENESIS.to_string());
        assert_eq!(v.push(&rows[10]), Err(ChainBreak::BrokenLink { seq: 11 }));
        // Rows purged beyond the checkpoint are a gap.
        let mut v = ChainVerifier::starting_after(10, cp.hash.clone());
        assert_eq!(
            v.push(&rows[12]),
            Err(ChainBreak::Gap {
                expected: 11,
                found: 13
            })
        );
        // No rows after the checkpoint: the checkpoint is the head.
        let rep = ChainVerifier::starting_after(10, cp.hash.clone()).finish();
        assert_eq!(rep.rows, 0);
        assert_eq!(rep.last_seq, Some(10));
        assert_eq!(rep.head_hash.as_deref(), Some(cp.hash.as_str()));
        // Overflowing sequence numbers do not panic.
        let mut v = ChainVerifier::starting_after(i64::MAX, cp.hash.clone());
        assert!(v.push(&rows[0]).is_err());
    }

    #[test]
    fn truncating_the_tail_shows_only_in_the_head_hash() {
        let rows = chain(20, HashAlg::Sha256, false);
        let full = verify_chain(&rows).unwrap();
        let cut = verify_chain(&rows[..19]).unwrap();
        assert_ne!(full.head_hash, cut.head_hash);
        assert_eq!(cut.last_seq, Some(19));
    }

    #[test]
    fn edit_with_recomputed_hash_shows_at_the_next_row() {
        let mut rows = chain(20, HashAlg::Sm3, false);
        rows[6].outcome = "ok-forged".into();
        rows[6].hash = compute_hash(&rows[6]);
        assert_eq!(verify_chain(&rows), Err(ChainBreak::BrokenLink { seq: 8 }));
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        /// Edit field number `f` of row k without fixing its hash.
        Edit(usize),
        /// Remove row k, leaving the numbers as they were.
        Delete,
        /// Remove row k and renumber the rows after it.
        DeleteRenumber,
        /// Insert a forged row at k with a correct own hash, under the existing number k.
        InsertDuplicate,
        /// Insert a forged row at k with a correct own hash and renumber the rows after it.
        InsertRenumber,
        /// Swap stored positions of rows k and k + d.
        SwapPositions(usize),
        /// Swap the contents of rows k and k + d, keeping each position's seq.
        SwapContents(usize),
        /// Flip the algorithm of row k.
        ChangeAlg,
    }

    const FIELDS: usize = 15;

    fn edit_field(r: &mut AuditRecord, f: usize) {
        fn flip(s: &mut String) {
            s.push('x');
        }
        fn flip_opt(s: &mut Option<String>) {
            *s = match s.take() {
                None => Some(String::new()),
                Some(v) if v.is_empty() => None,
                Some(mut v) => {
                    v.push('x');
                    Some(v)
                }
            };
        }
        match f {
            0 => r.seq = r.seq.wrapping_add(1000),
            1 => flip(&mut r.at),
            2 => flip_opt(&mut r.actor),
            3 => flip_opt(&mut r.role),
            4 => flip(&mut r.action),
            5 => flip(&mut r.object_type),
            6 => flip_opt(&mut r.object_id),
            7 => flip_opt(&mut r.before),
            8 => flip_opt(&mut r.after),
            9 => flip(&mut r.outcome),
            10 => flip_opt(&mut r.source_ip),
            11 => flip_opt(&mut r.request_id),
            12 => {
                r.alg = match r.alg {
                    HashAlg::Sha256 => HashAlg::Sm3,
                    HashAlg::Sm3 => HashAlg::Sha256,
                }
            }
            13 => r.prev_hash = "f".repeat(64),
            _ => r.hash = "e".repeat(64),
        }
    }

    /// Applies `m` at 1-based position `k` of a chain of `n` rows; returns the mutated rows.
    fn mutate(mut rows: Vec<AuditRecord>, k: usize, m: &Mutation) -> Vec<AuditRecord> {
        let i = k - 1;
        let n = rows.len();
        match *m {
            Mutation::Edit(f) => edit_field(&mut rows[i], f),
            Mutation::ChangeAlg => edit_field(&mut rows[i], 12),
            Mutation::Delete => {
                rows.remove(i);
            }
            Mutation::DeleteRenumber => {
                rows.remove(i);
                for r in &mut rows[i..] {
                    r.seq -= 1;
                }
            }
            Mutation::InsertDuplicate | Mutation::InsertRenumber => {
                let mut forged = draft(900 + k, rows[i].alg);
                forged.actor = Some("intruder".into());
                let forged = seal(forged, i.checked_sub(1).map(|p| &rows[p]));
                rows.insert(i, forged);
                if matches!(m, Mutation::InsertRenumber) {
                    for r in &mut rows[i + 1..] {
                        r.seq += 1;
                    }
                }
            }
            Mutation::SwapPositions(d) => rows.swap(i, (i + d).min(n - 1)),
            Mutation::SwapContents(d) => {
                let j = (i + d).min(n - 1);
                let (si, sj) = (rows[i].seq, rows[j].seq);
                rows.swap(i, j);
                rows[i].seq = si;
                rows[j].seq = sj;
            }
        }
        rows
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (0..FIELDS).prop_map(Mutation::Edit),
            Just(Mutation::Delete),
            Just(Mutation::DeleteRenumber),
            Just(Mutation::InsertDuplicate),
            Just(Mutation::InsertRenumber),
            (1usize..5).prop_map(Mutation::SwapPositions),
            (1usize..5).prop_map(Mutation::SwapContents),
            Just(Mutation::ChangeAlg),
        ]
    }

    const N: usize = 50;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_tampering_reports_the_first_bad_position(
            // k < N so that a deletion or swap is never at the unanchored tail.
            k in 1..N,
            m in mutation(),
            alg in prop_oneof![Just(HashAlg::Sha256), Just(HashAlg::Sm3)],
            mixed in any::<bool>(),
        ) {
            let rows = mutate(chain(N, alg, mixed), k, &m);
            prop_assert_eq!(position(&rows), Some(k as i64), "mutation {:?} at {}", m, k);
        }
    }

    #[test]
    fn each_mutation_kind_reports_its_break() {
        let base = chain(N, HashAlg::Sm3, false);
        let cases: Vec<(Mutation, ChainBreak)> = vec![
            (Mutation::Edit(9), ChainBreak::BadHash { seq: 7 }),
            (
                Mutation::Edit(0),
                ChainBreak::Gap {
                    expected: 7,
                    found: 1007,
                },
            ),
            (Mutation::Edit(13), ChainBreak::BrokenLink { seq: 7 }),
            (
                Mutation::Delete,
                ChainBreak::Gap {
                    expected: 7,
                    found: 8,
                },
            ),
            (Mutation::DeleteRenumber, ChainBreak::BrokenLink { seq: 7 }),
            (Mutation::InsertDuplicate, ChainBreak::OutOfOrder { seq: 7 }),
            (Mutation::InsertRenumber, ChainBreak::BrokenLink { seq: 7 }),
            (
                Mutation::SwapPositions(2),
                ChainBreak::Gap {
                    expected: 7,
                    found: 9,
                },
            ),
            (Mutation::SwapContents(1), ChainBreak::BrokenLink { seq: 7 }),
            (Mutation::ChangeAlg, ChainBreak::BadHash { seq: 7 }),
        ];
        for (m, expect) in cases {
            let rows = mutate(base.clone(), 7, &m);
            assert_eq!(verify_chain(&rows), Err(expect), "{m:?}");
        }
        // Inserting a forged first row and tampering with row 1.
        for m in [
            Mutation::InsertDuplicate,
            Mutation::InsertRenumber,
            Mutation::Delete,
        ] {
            let rows = mutate(base.clone(), 1, &m);
            assert_eq!(position(&rows), Some(1), "{m:?}");
        }
        // A row moved backwards.
        let mut rows = base.clone();
        let moved = rows.remove(3);
        rows.insert(8, moved);
        assert_eq!(position(&rows), Some(4));
    }
}
