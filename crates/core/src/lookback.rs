//! Look-back (回头看) and re-verification sampling (抽查复核): when a closed item is looked at
//! again, what a look-back can find, and the reproducible random draw of closed items.
//!
//! The draw uses SplitMix64 (Steele, Lea & Flood, 2014; the `splitmix64` of Vigna's reference
//! code), written here so a recorded seed gives the same draw on every build: the population
//! is ordered by id, and a partial Fisher–Yates shuffle picks `size` of them.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// Months after closing (销号) or sign-off that a look-back falls due, when not configured.
pub const DEFAULT_LOOKBACK_MONTHS: u32 = 6;

/// When look-backs fall due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookbackPolicy {
    months: u32,
}

impl Default for LookbackPolicy {
    fn default() -> Self {
        LookbackPolicy {
            months: DEFAULT_LOOKBACK_MONTHS,
        }
    }
}

impl LookbackPolicy {
    /// 1 to 60 months.
    pub fn months(months: i64) -> Result<LookbackPolicy, FieldError> {
        if !(1..=60).contains(&months) {
            return Err(FieldError::new(
                "lookback_months",
                "out_of_range",
                format!(
                    "回头看间隔须为 1 至 60 个月 (look-back interval must be 1–60 months, got {months})"
                ),
            ));
        }
        Ok(LookbackPolicy {
            months: months as u32,
        })
    }

    pub fn month_count(&self) -> u32 {
        self.months
    }

    /// The day a look-back of an item closed on `closed_on` falls due (month ends clamp:
    /// 31 August + 6 months is 28/29 February).
    pub fn due_on(&self, closed_on: NaiveDate) -> NaiveDate {
        closed_on
            .checked_add_months(Months::new(self.months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// [`due_on`](Self::due_on) for every day of the month starting `first` at once, as SQL
    /// applies it in bulk: the due month (`YYYY-MM`) and its last day (`DD`); a day of the
    /// closing month falls due on the same day of the due month, or on its last day when that
    /// is earlier (the month-end clamp).
    pub fn due_month(&self, first: NaiveDate) -> Option<(String, String)> {
        let due = first
            .with_day(1)?
            .checked_add_months(Months::new(self.months))?;
        let last = due.checked_add_months(Months::new(1))?.pred_opt()?;
        Some((
            due.format("%Y-%m").to_string(),
            last.format("%d").to_string(),
        ))
    }

    /// The latest closing day whose look-back is due on `as_of`.
    pub fn closed_on_or_before(&self, as_of: NaiveDate) -> NaiveDate {
        // Inverse of `due_on` under clamping: the last day d with due_on(d) <= as_of.
        let mut d = as_of
            .checked_sub_months(Months::new(self.months))
            .unwrap_or(NaiveDate::MIN);
        while let Some(next) = d.succ_opt() {
            if self.due_on(next) > as_of {
                break;
            }
            d = next;
        }
        d
    }
}

/// What a look-back is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LookbackSubject {
    /// A closed measure (已销号的整改措施).
    Measure,
    /// A signed-off problem (已销号的问题).
    Problem,
}

impl LookbackSubject {
    pub fn as_str(self) -> &'static str {
        match self {
            LookbackSubject::Measure => "measure",
            LookbackSubject::Problem => "problem",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [LookbackSubject::Measure, LookbackSubject::Problem]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Where a look-back stands. A recorded result is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LookbackState {
    /// Due, no result yet (待回头看).
    Due,
    /// The rectification holds (整改成效巩固).
    Holds,
    /// The problem came back (反弹): the item was reopened.
    Relapsed,
}

impl LookbackState {
    pub fn as_str(self) -> &'static str {
        match self {
            LookbackState::Due => "due",
            LookbackState::Holds => "holds",
            LookbackState::Relapsed => "relapsed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            LookbackState::Due,
            LookbackState::Holds,
            LookbackState::Relapsed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            LookbackState::Due => "待回头看",
            LookbackState::Holds => "成效巩固",
            LookbackState::Relapsed => "反弹",
        }
    }
}

/// The office's finding at a look-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LookbackOutcome {
    Holds,
    Relapsed,
}

impl LookbackState {
    /// The state after recording `outcome`, or why it is refused (a result is recorded once).
    pub fn record(self, outcome: LookbackOutcome) -> Result<LookbackState, FieldError> {
        match self {
            LookbackState::Due => Ok(match outcome {
                LookbackOutcome::Holds => LookbackState::Holds,
                LookbackOutcome::Relapsed => LookbackState::Relapsed,
            }),
            done => Err(FieldError::new(
                "result",
                "already_recorded",
                format!(
                    "该回头看已记录结果「{}」(result already recorded: {})",
                    done.label_zh(),
                    done.as_str()
                ),
            )),
        }
    }
}

/// The office's finding when re-verifying a sampled item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerifyResult {
    /// Not yet re-verified.
    Pending,
    /// The rectification is as reported (整改属实).
    Confirmed,
    /// The rectification is not as reported (整改不实).
    NotConfirmed,
}

impl VerifyResult {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyResult::Pending => "pending",
            VerifyResult::Confirmed => "confirmed",
            VerifyResult::NotConfirmed => "not_confirmed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            VerifyResult::Pending,
            VerifyResult::Confirmed,
            VerifyResult::NotConfirmed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// How many items to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum SampleSize {
    /// A fixed number of items (capped at the population).
    Count(u32),
    /// A percentage of the population, 1–100, rounded up.
    Percent(u8),
}

impl SampleSize {
    pub fn count(n: i64) -> Result<SampleSize, FieldError> {
        if !(1..=10_000).contains(&n) {
            return Err(FieldError::new(
                "size",
                "out_of_range",
                format!("抽取数量须为 1 至 10000 (sample size must be 1–10000, got {n})"),
            ));
        }
        Ok(SampleSize::Count(n as u32))
    }

    pub fn percent(p: i64) -> Result<SampleSize, FieldError> {
        if !(1..=100).contains(&p) {
            return Err(FieldError::new(
                "percent",
                "out_of_range",
                format!("抽取比例须为 1 至 100 (sample percentage must be 1–100, got {p})"),
            ));
        }
        Ok(SampleSize::Percent(p as u8))
    }

    /// The number drawn from a population of `population` items.
    pub fn of(self, population: usize) -> usize {
        match self {
            SampleSize::Count(n) => (n as usize).min(population),
            SampleSize::Percent(p) => (population * p as usize).div_ceil(100),
        }
    }

    /// `count:N` or `percent:P`, as recorded with a draw.
    pub fn as_text(self) -> String {
        match self {
            SampleSize::Count(n) => format!("count:{n}"),
            SampleSize::Percent(p) => format!("percent:{p}"),
        }
    }

    pub fn parse_text(s: &str) -> Option<SampleSize> {
        let (k, v) = s.split_once(':')?;
        let v: i64 = v.parse().ok()?;
        match k {
            "count" => SampleSize::count(v).ok(),
            "percent" => SampleSize::percent(v).ok(),
            _ => None,
        }
    }
}

/// SplitMix64: a 64-bit state advanced by the golden-ratio increment and mixed.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` by Lemire's multiply-shift (bias below 2⁻⁴⁰ for any ledger size).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// Draw from `population` (ids; ordered and deduplicated here, so the caller's order does not
/// matter) with `seed`. Same seed and same population give the same items in the same order.
pub fn draw(population: &[i64], size: SampleSize, seed: u64) -> Vec<i64> {
    let mut ids = population.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let k = size.of(ids.len());
    let mut rng = SplitMix64::new(seed);
    for i in 0..k {
        let j = i + rng.below(ids.len() - i);
        ids.swap(i, j);
    }
    ids.truncate(k);
    ids
}

/// A fingerprint of the population a draw was taken from (SHA-free, stable): FNV-1a over the
/// ordered ids, so a later replay can tell whether the population is still the same.
pub fn population_digest(population: &[i64]) -> String {
    let mut ids = population.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for id in &ids {
        for b in id.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{:016x}:{}", h, ids.len())
}

/// A seed as typed by a person: decimal digits, 0 to 2⁶⁴−1.
pub fn parse_seed(s: &str) -> Result<u64, FieldError> {
    s.trim().parse::<u64>().map_err(|_| {
        FieldError::new(
            "seed",
            "invalid",
            format!("随机种子须为 0 至 18446744073709551615 的整数 (seed must be a non-negative 64-bit integer, got {s:?})"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn splitmix_matches_the_reference_vectors() {
        // Vigna's splitmix64.c from state 0 and from 1234567.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn a_draw_is_reproduced_from_its_seed() {
        let pop: Vec<i64> = (1..=200).collect();
        let a = draw(&pop, SampleSize::Count(10), 42);
        let mut shuffled = pop.clone();
        shuffled.reverse();
        assert_eq!(
            a,
            draw(&shuffled, SampleSize::Count(10), 42),
            "order of the population does not matter"
        );
        assert_ne!(a, draw(&pop, SampleSize::Count(10), 43));
        assert_eq!(a.len(), 10);
        let mut u = a.clone();
        u.sort_unstable();
        u.dedup();
        assert_eq!(u.len(), 10, "no item drawn twice");
        assert!(a.iter().all(|x| pop.contains(x)));
        // Pinned: the draw must never change with dependency versions.
        assert_eq!(
            draw(&[5, 3, 9, 1, 7], SampleSize::Count(3), 7),
            draw(&[1, 3, 5, 7, 9], SampleSize::Count(3), 7)
        );
        assert_eq!(draw(&[1, 3, 5, 7, 9], SampleSize::Count(3), 7), PINNED);
    }

    // Computed independently (a Python transcription of SplitMix64 + Fisher–Yates).
    const PINNED: [i64; 3] = [3, 1, 9];

    #[test]
    fn sizes_cap_and_round_up() {
        assert_eq!(SampleSize::Count(50).of(7), 7);
        assert_eq!(SampleSize::Percent(10).of(95), 10);
        assert_eq!(SampleSize::Percent(10).of(100), 10);
        assert_eq!(SampleSize::Percent(1).of(1), 1);
        assert_eq!(SampleSize::Percent(100).of(0), 0);
        assert!(draw(&[], SampleSize::Count(3), 1).is_empty());
        assert_eq!(draw(&[4, 4, 4], SampleSize::Count(3), 1), vec![4]);
        assert_eq!(SampleSize::count(0).unwrap_err().field, "size");
        assert_eq!(SampleSize::percent(101).unwrap_err().field, "percent");
        for s in [SampleSize::Count(12), SampleSize::Percent(5)] {
            assert_eq!(SampleSize::parse_text(&s.as_text()), Some(s));
        }
        assert_eq!(parse_seed("18446744073709551615").unwrap(), u64::MAX);
        assert_eq!(parse_seed("-1").unwrap_err().field, "seed");
    }

    #[test]
    fn every_item_can_be_drawn() {
        let pop: Vec<i64> = (1..=20).collect();
        let mut seen = std::collections::HashSet::new();
        for seed in 0..200 {
            seen.extend(draw(&pop, SampleSize::Count(2), seed));
        }
        assert_eq!(seen.len(), 20);
    }

    #[test]
    fn population_digest_tells_populations_apart() {
        assert_eq!(population_digest(&[3, 1, 2]), population_digest(&[1, 2, 3]));
        assert_ne!(population_digest(&[1, 2, 3]), population_digest(&[1, 2, 4]));
        assert!(population_digest(&[1, 2, 3]).ends_with(":3"));
    }

    #[test]
    fn the_bulk_month_rule_agrees_with_due_on_every_day() {
        for months in [1, 6, 12, 13] {
            let p = LookbackPolicy::months(months).unwrap();
            let mut day = d("2019-12-01");
            while day <= d("2026-12-31") {
                let (month, last) = p.due_month(day).unwrap();
                let dd = day.format("%d").to_string();
                let bulk = format!("{month}-{}", if dd > last { &last } else { &dd });
                assert_eq!(bulk, p.due_on(day).to_string(), "{day} + {months} months");
                day = day.succ_opt().unwrap();
            }
        }
        let six = LookbackPolicy::default();
        assert_eq!(
            six.due_month(d("2024-08-31")),
            Some(("2025-02".into(), "28".into()))
        );
    }

    #[test]
    fn look_backs_fall_due_months_later() {
        let p = LookbackPolicy::default();
        assert_eq!(p.due_on(d("2025-03-15")), d("2025-09-15"));
        assert_eq!(p.due_on(d("2025-08-31")), d("2026-02-28"));
        assert_eq!(p.closed_on_or_before(d("2025-09-15")), d("2025-03-15"));
        // 28 Feb 2026 is due for everything closed 28–31 Aug 2025.
        assert_eq!(p.closed_on_or_before(d("2026-02-28")), d("2025-08-31"));
        for day in 0..400 {
            let as_of = d("2025-01-01") + chrono::Days::new(day);
            let c = p.closed_on_or_before(as_of);
            assert!(p.due_on(c) <= as_of && p.due_on(c.succ_opt().unwrap()) > as_of);
        }
        assert_eq!(
            LookbackPolicy::months(3).unwrap().due_on(d("2025-01-10")),
            d("2025-04-10")
        );
        assert_eq!(
            LookbackPolicy::months(0).unwrap_err().field,
            "lookback_months"
        );
    }

    #[test]
    fn a_result_is_recorded_once() {
        assert_eq!(
            LookbackState::Due.record(LookbackOutcome::Relapsed),
            Ok(LookbackState::Relapsed)
        );
        assert_eq!(
            LookbackState::Holds
                .record(LookbackOutcome::Relapsed)
                .unwrap_err()
                .code,
            "already_recorded"
        );
    }
}
