//! The seven public festivals and sets of them (a joint break such as 中秋节、国庆节).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A public festival with statutory days off (《全国年节及纪念日放假办法》).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Festival {
    /// 元旦
    NewYearsDay,
    /// 春节
    SpringFestival,
    /// 清明节
    QingMing,
    /// 劳动节
    LabourDay,
    /// 端午节
    DragonBoat,
    /// 中秋节
    MidAutumn,
    /// 国庆节
    NationalDay,
}

impl Festival {
    /// All festivals in the order the annual notices list them.
    pub const ALL: [Festival; 7] = [
        Festival::NewYearsDay,
        Festival::SpringFestival,
        Festival::QingMing,
        Festival::LabourDay,
        Festival::DragonBoat,
        Festival::MidAutumn,
        Festival::NationalDay,
    ];

    /// The Chinese name as written in the notices and the data file.
    pub fn zh(self) -> &'static str {
        match self {
            Festival::NewYearsDay => "元旦",
            Festival::SpringFestival => "春节",
            Festival::QingMing => "清明节",
            Festival::LabourDay => "劳动节",
            Festival::DragonBoat => "端午节",
            Festival::MidAutumn => "中秋节",
            Festival::NationalDay => "国庆节",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Festival {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zh())
    }
}

impl FromStr for Festival {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Festival::ALL.into_iter().find(|f| f.zh() == s).ok_or(())
    }
}

/// One or more festivals sharing a break; never empty.
///
/// Displays in the canonical order of [`Festival::ALL`], joined by `、`
/// (so the notices' 国庆节、中秋节 prints as 中秋节、国庆节).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "Vec<Festival>", try_from = "Vec<Festival>")]
pub struct FestivalSet(u8);

impl FestivalSet {
    /// Whether `festival` is one of the set.
    pub fn contains(self, festival: Festival) -> bool {
        self.0 & festival.bit() != 0
    }

    /// The festivals, in canonical order.
    pub fn iter(self) -> impl Iterator<Item = Festival> {
        Festival::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    /// Parses `中秋节` or `国庆节、中秋节`; `None` on an unknown, repeated or empty name.
    pub fn parse(s: &str) -> Option<FestivalSet> {
        let mut bits = 0u8;
        for part in s.split('、') {
            let festival: Festival = part.trim().parse().ok()?;
            if bits & festival.bit() != 0 {
                return None;
            }
            bits |= festival.bit();
        }
        (bits != 0).then_some(FestivalSet(bits))
    }
}

impl From<Festival> for FestivalSet {
    fn from(festival: Festival) -> Self {
        FestivalSet(festival.bit())
    }
}

impl From<FestivalSet> for Vec<Festival> {
    fn from(set: FestivalSet) -> Self {
        set.iter().collect()
    }
}

impl TryFrom<Vec<Festival>> for FestivalSet {
    type Error = &'static str;

    fn try_from(list: Vec<Festival>) -> Result<Self, Self::Error> {
        let bits = list.iter().fold(0u8, |acc, f| acc | f.bit());
        if bits == 0 {
            Err("a festival set needs at least one festival")
        } else {
            Ok(FestivalSet(bits))
        }
    }
}

impl fmt::Display for FestivalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, festival) in self.iter().enumerate() {
            if i > 0 {
                f.write_str("、")?;
            }
            f.write_str(festival.zh())?;
        }
        Ok(())
    }
}
