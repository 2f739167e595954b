//! Helpers shared by the supervision pages (督查督办, 工作台账, 回头看, 消息, 工作日历): API errors as
//! field errors in the user's language, dates typed as text, id lists, and labels of the
//! supervision enums.

use std::borrow::Borrow;

use chrono::NaiveDate;
use rectify_core::flags::FlagKind;
use rectify_core::lookback::{LookbackState, VerifyResult};
use rectify_core::notices::{NoticeState, Tier};
use rectify_core::registers::{
    AccountabilityForm, MeetingKind, MoneyKind, RegisterKind, RuleChange,
};
use rectify_core::state::MeasureState;
use rectify_core::text;

use super::forms::FieldErrors;
use super::i18n_supervision::lookup;
use super::{Locale, UiError};
use crate::error::ApiError;

/// The part of a bilingual server message `中文 (English)` for `l`; the message as is when it
/// is not in that form.
pub fn bilingual(l: Locale, message: &str) -> String {
    let m = message.trim();
    let split = m.ends_with(')').then(|| {
        m.match_indices(" (").find(|(i, _)| {
            m[i + 2..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
        })
    });
    match split.flatten() {
        Some((i, _)) => match l {
            Locale::Zh => m[..i].trim().to_string(),
            Locale::En => m[i + 2..m.len() - 1].trim().to_string(),
        },
        None => m.to_string(),
    }
}

/// The text for an error: the server's own message in `l` when it is bilingual (it carries
/// the details, e.g. which bracket was wrong), else the catalogue's text for the code.
pub fn error_text(l: Locale, code: &str, message: &str) -> String {
    let b = bilingual(l, message);
    if b != message.trim() {
        return b;
    }
    let id = format!("err.{code}");
    if let Some((zh, en)) = lookup(&id) {
        return match l {
            Locale::Zh => zh.into(),
            Locale::En => en.into(),
        };
    }
    l.error(code, message)
}

/// An API error as field errors: the API's field renamed through `rename` (`(api, form)`
/// pairs; a field the form does not show goes to `fallback`), or the error page when it is
/// not about a field.
pub fn api_errors(
    l: Locale,
    e: ApiError,
    fallback: &str,
    rename: &[(&str, &str)],
) -> Result<FieldErrors, UiError> {
    let mut errs = FieldErrors::new();
    match e {
        ApiError::BadRequest {
            code,
            message,
            field,
        } => {
            let f = field.unwrap_or_default();
            let f = f.strip_prefix("entry.").unwrap_or(&f);
            let name = rename
                .iter()
                .find(|(from, _)| f == *from || f.starts_with(&format!("{from}[")))
                .map(|(_, to)| *to)
                .unwrap_or(fallback);
            errs.add(name, error_text(l, code, &message));
            Ok(errs)
        }
        ApiError::Conflict { .. } => {
            errs.add(fallback, l.t("err.version_conflict"));
            Ok(errs)
        }
        other => Err(UiError::from(other)),
    }
}

/// A typed date field: `None` when blank; an error next to the field when malformed.
pub fn typed_date(l: Locale, errors: &mut FieldErrors, field: &str, v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match text::date(field, v) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.add(field, error_text(l, e.code, &e.message));
            None
        }
    }
}

/// `12, 15 17` as ids; an error next to the field on anything else.
pub fn id_list(l: Locale, errors: &mut FieldErrors, field: &str, v: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for part in v.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace()) {
        let p = part.trim().trim_start_matches('#');
        if p.is_empty() {
            continue;
        }
        match p.parse::<i64>() {
            Ok(n) if n > 0 => out.push(n),
            _ => {
                errors.add(field, l.t("sv.err.id_list"));
                return Vec::new();
            }
        }
    }
    out
}

/// A `YYYY-MM-DD` text date from the store in `l`.
pub fn text_day(l: Locale, s: &str) -> String {
    match NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
        Ok(d) => l.date(d),
        Err(_) => s.to_string(),
    }
}

/// An optional form value: trimmed, `None` when blank.
pub fn opt(v: &str) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A selected id among the allowed ones; an error next to the field when it is not.
pub fn pick(
    l: Locale,
    errors: &mut FieldErrors,
    field: &str,
    v: &str,
    allowed: &[i64],
) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i64>().ok().filter(|id| allowed.contains(id)) {
        Some(id) => Some(id),
        None => {
            errors.add(field, l.t("err.bad_selection"));
            None
        }
    }
}

/// Labels of the supervision enums (ids in the supervision catalogue).
pub trait SvLabels {
    fn tier(self, t: impl Borrow<Tier>) -> &'static str;
    fn notice_state(self, s: impl Borrow<NoticeState>) -> &'static str;
    fn register_kind(self, k: impl Borrow<RegisterKind>) -> &'static str;
    fn meeting_kind(self, k: impl Borrow<MeetingKind>) -> &'static str;
    fn accountability_form(self, k: impl Borrow<AccountabilityForm>) -> &'static str;
    fn money_kind(self, k: impl Borrow<MoneyKind>) -> &'static str;
    fn rule_change(self, k: impl Borrow<RuleChange>) -> &'static str;
    fn lookback_state(self, s: impl Borrow<LookbackState>) -> &'static str;
    fn verify_result(self, r: impl Borrow<VerifyResult>) -> &'static str;
    fn flag_kind(self, k: impl Borrow<FlagKind>) -> &'static str;
    /// A light name as the daily run stores it (`green` … `deep_red`, `closed`).
    fn light_name(self, s: &str) -> &'static str;
    /// A date in this language (templates hand over references).
    fn day(self, d: impl Borrow<NaiveDate>) -> String;
    /// A measure's state, or nothing.
    fn opt_state(self, s: impl Borrow<Option<MeasureState>>) -> &'static str;
    /// A tier, or nothing.
    fn opt_tier(self, t: impl Borrow<Option<Tier>>) -> &'static str;
}

fn by_id(l: Locale, prefix: &str, key: &str) -> &'static str {
    match lookup(&format!("{prefix}.{key}")) {
        Some((zh, en)) => match l {
            Locale::Zh => zh,
            Locale::En => en,
        },
        None => "⟦missing text⟧",
    }
}

impl SvLabels for Locale {
    fn tier(self, t: impl Borrow<Tier>) -> &'static str {
        by_id(self, "sv.tier", t.borrow().as_str())
    }
    fn notice_state(self, s: impl Borrow<NoticeState>) -> &'static str {
        by_id(self, "sv.nstate", s.borrow().as_str())
    }
    fn register_kind(self, k: impl Borrow<RegisterKind>) -> &'static str {
        by_id(self, "sv.rkind", k.borrow().as_str())
    }
    fn meeting_kind(self, k: impl Borrow<MeetingKind>) -> &'static str {
        by_id(self, "sv.meeting", k.borrow().as_str())
    }
    fn accountability_form(self, k: impl Borrow<AccountabilityForm>) -> &'static str {
        by_id(self, "sv.aform", k.borrow().as_str())
    }
    fn money_kind(self, k: impl Borrow<MoneyKind>) -> &'static str {
        by_id(self, "sv.money", k.borrow().as_str())
    }
    fn rule_change(self, k: impl Borrow<RuleChange>) -> &'static str {
        by_id(self, "sv.rchange", k.borrow().as_str())
    }
    fn lookback_state(self, s: impl Borrow<LookbackState>) -> &'static str {
        by_id(self, "sv.lbstate", s.borrow().as_str())
    }
    fn verify_result(self, r: impl Borrow<VerifyResult>) -> &'static str {
        by_id(self, "sv.verify", r.borrow().as_str())
    }
    fn flag_kind(self, k: impl Borrow<FlagKind>) -> &'static str {
        by_id(self, "sv.flag", k.borrow().as_str())
    }
    fn light_name(self, s: &str) -> &'static str {
        by_id(self, "sv.light", s)
    }
    fn day(self, d: impl Borrow<NaiveDate>) -> String {
        self.date(*d.borrow())
    }
    fn opt_state(self, s: impl Borrow<Option<MeasureState>>) -> &'static str {
        match s.borrow() {
            Some(st) => self.state(*st),
            None => "",
        }
    }
    fn opt_tier(self, t: impl Borrow<Option<Tier>>) -> &'static str {
        match t.borrow() {
            Some(t) => self.tier(*t),
            None => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilingual_messages_split_per_locale() {
        let m = "年份须用六角括号〔〕括入,不能用 () (the year goes in 〔〕 brackets, not ())";
        assert_eq!(
            bilingual(Locale::Zh, m),
            "年份须用六角括号〔〕括入,不能用 ()"
        );
        assert_eq!(
            bilingual(Locale::En, m),
            "the year goes in 〔〕 brackets, not ()"
        );
        assert_eq!(bilingual(Locale::En, "plain"), "plain");
    }

    #[test]
    fn every_enum_has_both_labels() {
        for l in [Locale::Zh, Locale::En] {
            let mut all: Vec<&str> = Vec::new();
            all.extend(Tier::ALL.iter().map(|t| l.tier(*t)));
            all.extend(NoticeState::ALL.iter().map(|t| l.notice_state(*t)));
            all.extend(RegisterKind::ALL.iter().map(|t| l.register_kind(*t)));
            all.extend(MeetingKind::ALL.iter().map(|t| l.meeting_kind(*t)));
            all.extend(
                AccountabilityForm::ALL
                    .iter()
                    .map(|t| l.accountability_form(*t)),
            );
            all.extend(MoneyKind::ALL.iter().map(|t| l.money_kind(*t)));
            all.extend(RuleChange::ALL.iter().map(|t| l.rule_change(*t)));
            all.extend(
                [
                    LookbackState::Due,
                    LookbackState::Holds,
                    LookbackState::Relapsed,
                ]
                .iter()
                .map(|t| l.lookback_state(*t)),
            );
            all.extend(
                [
                    VerifyResult::Pending,
                    VerifyResult::Confirmed,
                    VerifyResult::NotConfirmed,
                ]
                .iter()
                .map(|t| l.verify_result(*t)),
            );
            all.extend(
                [
                    FlagKind::FastClose,
                    FlagKind::EvidenceReused,
                    FlagKind::BoilerplateText,
                    FlagKind::ClosedWithoutEvidence,
                    FlagKind::SignedOffWithoutEvidence,
                ]
                .iter()
                .map(|t| l.flag_kind(*t)),
            );
            all.extend(
                ["green", "blue", "yellow", "red", "deep_red", "closed"]
                    .iter()
                    .map(|s| l.light_name(s)),
            );
            for s in all {
                assert_ne!(s, "⟦missing text⟧");
            }
        }
    }
}
