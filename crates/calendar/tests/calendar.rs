//! Behaviour of the calendar, its data file and deadline terms (one test binary).

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;
use rectify_calendar::{Calendar, CalendarError, DayKind, Festival, FestivalSet, Term, parse_term};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cal() -> Calendar {
    Calendar::builtin()
}

fn festival(f: Festival) -> FestivalSet {
    FestivalSet::from(f)
}

#[test]
fn builtin_covers_2020_to_2026() {
    assert_eq!(cal().years(), (2020..=2026).collect::<Vec<_>>());
}

#[test]
fn national_day_2024() {
    let c = cal();
    for day in 1..=7 {
        let date = NaiveDate::from_ymd_opt(2024, 10, day).unwrap();
        assert_eq!(
            c.day_kind(date).unwrap(),
            DayKind::Holiday {
                name: festival(Festival::NationalDay)
            },
            "{date}"
        );
        assert!(!c.is_workday(date).unwrap());
    }
    for worked in ["2024-09-29", "2024-10-12"] {
        assert_eq!(
            c.day_kind(d(worked)).unwrap(),
            DayKind::AdjustedWorkday {
                for_festival: festival(Festival::NationalDay)
            }
        );
        assert!(c.is_workday(d(worked)).unwrap());
    }
    assert_eq!(d("2024-09-29").weekday(), Weekday::Sun);
    assert_eq!(d("2024-10-12").weekday(), Weekday::Sat);
    assert_eq!(c.day_kind(d("2024-10-08")).unwrap(), DayKind::Workday);
    assert_eq!(c.day_kind(d("2024-10-13")).unwrap(), DayKind::Weekend);
}

#[test]
fn spring_festival_2025() {
    let c = cal();
    let first = d("2025-01-28");
    for date in first.iter_days().take_while(|x| *x <= d("2025-02-04")) {
        assert_eq!(
            c.day_kind(date).unwrap(),
            DayKind::Holiday {
                name: festival(Festival::SpringFestival)
            },
            "{date}"
        );
    }
    assert!(c.is_workday(d("2025-01-27")).unwrap());
    assert!(c.is_workday(d("2025-02-05")).unwrap());
    assert!(
        c.is_workday(d("2025-01-26")).unwrap(),
        "Sunday 01-26 is worked"
    );
    // A Saturday that is a working day.
    assert_eq!(d("2025-02-08").weekday(), Weekday::Sat);
    assert!(c.is_workday(d("2025-02-08")).unwrap());
    assert_eq!(
        c.day_kind(d("2025-02-08")).unwrap(),
        DayKind::AdjustedWorkday {
            for_festival: festival(Festival::SpringFestival)
        }
    );
    assert!(
        !c.is_workday(d("2025-02-09")).unwrap(),
        "the Sunday after stays off"
    );
}

#[test]
fn joint_break_and_year_edge() {
    let c = cal();
    let DayKind::Holiday { name } = c.day_kind(d("2025-10-06")).unwrap() else {
        panic!("2025-10-06 is a holiday");
    };
    assert!(name.contains(Festival::MidAutumn) && name.contains(Festival::NationalDay));
    assert_eq!(name.to_string(), "中秋节、国庆节");
    // The 2023 New Year break began on Saturday 2022-12-31.
    assert_eq!(
        c.day_kind(d("2022-12-31")).unwrap(),
        DayKind::Holiday {
            name: festival(Festival::NewYearsDay)
        }
    );
    // 2024: 元旦 1月1日放假，与周末连休 — the weekend before stays a weekend.
    assert_eq!(c.day_kind(d("2023-12-31")).unwrap(), DayKind::Weekend);
    // 2020: COVID extension to 02-02; 02-01 (Sat) no longer worked.
    assert!(!c.is_workday(d("2020-01-31")).unwrap());
    assert!(!c.is_workday(d("2020-02-01")).unwrap());
    assert!(c.is_workday(d("2020-02-03")).unwrap());
}

#[test]
fn add_workdays_across_national_day_2024() {
    let c = cal();
    assert_eq!(c.add_workdays(d("2024-09-30"), 1).unwrap(), d("2024-10-08"));
    assert_eq!(c.add_workdays(d("2024-09-27"), 1).unwrap(), d("2024-09-29"));
    assert_eq!(c.add_workdays(d("2024-09-27"), 3).unwrap(), d("2024-10-08"));
    assert_eq!(c.add_workdays(d("2024-10-01"), 5).unwrap(), d("2024-10-12"));
    assert_eq!(c.add_workdays(d("2024-10-01"), 6).unwrap(), d("2024-10-14"));
    // Negative counts go back.
    assert_eq!(
        c.add_workdays(d("2024-10-08"), -1).unwrap(),
        d("2024-09-30")
    );
    assert_eq!(
        c.add_workdays(d("2024-10-08"), -2).unwrap(),
        d("2024-09-29")
    );
    assert_eq!(
        c.add_workdays(d("2024-10-05"), -1).unwrap(),
        d("2024-09-30")
    );
    assert_eq!(
        c.add_workdays(d("2024-10-12"), -1).unwrap(),
        d("2024-10-11")
    );
    // n = 0: the day itself if worked, else the next working day.
    assert_eq!(c.add_workdays(d("2024-10-03"), 0).unwrap(), d("2024-10-08"));
    assert_eq!(c.add_workdays(d("2024-09-28"), 0).unwrap(), d("2024-09-29"));
    assert_eq!(c.add_workdays(d("2024-10-09"), 0).unwrap(), d("2024-10-09"));
}

#[test]
fn workdays_between_counts_after_from_up_to_to() {
    let c = cal();
    assert_eq!(
        c.workdays_between(d("2024-09-30"), d("2024-10-08"))
            .unwrap(),
        1
    );
    assert_eq!(
        c.workdays_between(d("2024-09-27"), d("2024-10-12"))
            .unwrap(),
        7
    );
    assert_eq!(
        c.workdays_between(d("2024-10-12"), d("2024-09-27"))
            .unwrap(),
        -7
    );
    assert_eq!(
        c.workdays_between(d("2024-10-08"), d("2024-10-08"))
            .unwrap(),
        0
    );
    assert_eq!(
        c.workdays_between(d("2024-10-01"), d("2024-10-07"))
            .unwrap(),
        0
    );
    // 2025 had 248 working days (chinese-calendar agrees).
    assert_eq!(
        c.workdays_between(d("2024-12-31"), d("2025-12-31"))
            .unwrap(),
        248
    );
}

#[test]
fn years_without_a_schedule_are_errors() {
    let c = cal();
    for (date, year) in [("2019-12-31", 2019), ("2027-01-04", 2027)] {
        let err = c.is_workday(d(date)).unwrap_err();
        assert_eq!(err, CalendarError::YearNotCovered { year });
        assert!(err.to_string().contains(&year.to_string()), "{err}");
        assert_eq!(err.code(), "year_not_covered");
        assert!(c.day_kind(d(date)).is_err());
    }
    assert_eq!(
        c.add_workdays(d("2026-12-31"), 1),
        Err(CalendarError::YearNotCovered { year: 2027 })
    );
    assert_eq!(
        c.add_workdays(d("2020-01-02"), -1),
        Err(CalendarError::YearNotCovered { year: 2019 })
    );
    assert_eq!(
        c.add_workdays(d("2026-12-31"), i64::MAX),
        Err(CalendarError::YearNotCovered { year: 2027 })
    );
    assert_eq!(
        c.add_workdays(d("2026-12-31"), i64::MIN),
        Err(CalendarError::YearNotCovered { year: 2019 })
    );
    assert_eq!(
        c.workdays_between(d("2026-12-01"), d("2027-01-05")),
        Err(CalendarError::YearNotCovered { year: 2027 })
    );
    assert!(Calendar::default().is_workday(d("2025-01-02")).is_err());
}

fn mapped(kind: chinese_holiday::DayKind) -> Option<(bool, Festival)> {
    use chinese_holiday::DayKind as K;
    Some(match kind {
        K::NewYearsDayHoliday => (true, Festival::NewYearsDay),
        K::SpringFestivalHoliday => (true, Festival::SpringFestival),
        K::ChingMingFestivalHoliday => (true, Festival::QingMing),
        K::InternationalWorkersDayHoliday => (true, Festival::LabourDay),
        K::DragonBoatFestivalHoliday => (true, Festival::DragonBoat),
        K::MidAutumnFestivalHoliday => (true, Festival::MidAutumn),
        K::NationalDayHoliday => (true, Festival::NationalDay),
        K::NewYearsDayWorkday => (false, Festival::NewYearsDay),
        K::SpringFestivalWorkday => (false, Festival::SpringFestival),
        K::ChingMingFestivalWorkday => (false, Festival::QingMing),
        K::InternationalWorkersDayWorkday => (false, Festival::LabourDay),
        K::DragonBoatFestivalWorkday => (false, Festival::DragonBoat),
        K::MidAutumnFestivalWorkday => (false, Festival::MidAutumn),
        K::NationalDayWorkday => (false, Festival::NationalDay),
        _ => return None,
    })
}

/// Every day 2020-01-01..=2026-12-25 (the end of that crate's range) against the
/// chinese_holiday 2026.0.1 transcription of the notices: same working days, same festival.
#[test]
fn matches_chinese_holiday_crate_day_by_day() {
    let c = cal();
    let mut checked = 0;
    for date in d("2020-01-01")
        .iter_days()
        .take_while(|x| *x <= d("2026-12-25"))
    {
        let theirs = chinese_holiday::chinese_holiday((
            u16::try_from(date.year()).unwrap(),
            u8::try_from(date.month()).unwrap(),
            u8::try_from(date.day()).unwrap(),
        ));
        let ours = c.day_kind(date).unwrap();
        assert_eq!(
            ours.is_workday(),
            theirs.is_workday(),
            "{date}: {ours:?} vs {theirs:?}"
        );
        match (ours, mapped(theirs)) {
            (DayKind::Holiday { name }, Some((true, f)))
            | (DayKind::AdjustedWorkday { for_festival: name }, Some((false, f))) => {
                assert!(name.contains(f), "{date}: {name} vs {f}");
            }
            (DayKind::Workday | DayKind::Weekend, None) => {}
            other => panic!("{date}: {other:?}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 2551);
}

/// The 2026 notice (国务院办公厅关于2026年部分节假日安排的通知), as carried by chinese_holiday 2026.0.1.
#[test]
fn schedule_2026_matches_the_official_notice() {
    let c = cal();
    let s = c.schedule(2026).unwrap();
    let holidays: Vec<(String, NaiveDate, NaiveDate)> = s
        .holidays()
        .map(|(f, a, b)| (f.to_string(), a, b))
        .collect();
    let expect = [
        ("元旦", "2026-01-01", "2026-01-03"),
        ("春节", "2026-02-15", "2026-02-23"),
        ("清明节", "2026-04-04", "2026-04-06"),
        ("劳动节", "2026-05-01", "2026-05-05"),
        ("端午节", "2026-06-19", "2026-06-21"),
        ("中秋节", "2026-09-25", "2026-09-27"),
        ("国庆节", "2026-10-01", "2026-10-07"),
    ]
    .map(|(f, a, b)| (f.to_owned(), d(a), d(b)));
    assert_eq!(holidays, expect);
    let worked: Vec<(NaiveDate, String)> = s
        .adjusted_workdays()
        .map(|(x, f)| (x, f.to_string()))
        .collect();
    let expect = [
        ("2026-01-04", "元旦"),
        ("2026-02-14", "春节"),
        ("2026-02-28", "春节"),
        ("2026-05-09", "劳动节"),
        ("2026-09-20", "国庆节"),
        ("2026-10-10", "国庆节"),
    ]
    .map(|(x, f)| (d(x), f.to_owned()));
    assert_eq!(worked, expect);
}

#[test]
fn round_trip_through_text() {
    let builtin = cal();
    let text = builtin.to_text();
    let again = Calendar::parse(&text).unwrap();
    assert_eq!(again, builtin);
    assert_eq!(again.to_text(), text);
}

/// Parses `text` expecting an error on `line` whose message names that line.
fn bad(text: &str, line: usize, code: &str) -> CalendarError {
    let err = Calendar::parse(text).unwrap_err();
    assert_eq!(err.line(), Some(line), "{err}");
    assert_eq!(err.code(), code, "{err}");
    assert!(
        err.to_string().starts_with(&format!("line {line}: ")),
        "{err}"
    );
    err
}

#[test]
fn parse_rejects_bad_input_naming_the_line() {
    bad("元旦 2025-01-01", 1, "no_year_header");
    bad("# c\n[20x5]\n", 2, "bad_year");
    bad("[99999999999]\n", 1, "bad_year");
    bad("[2025\n", 1, "malformed_line");
    bad("[2025]\n春天 2025-01-01\n", 2, "unknown_festival");
    bad("[2025]\n春节、春节 2025-01-28\n", 2, "unknown_festival");
    bad("[2025]\n元旦 2025-13-01\n", 2, "bad_date");
    bad("[2025]\n元旦 2025-1-1\n", 2, "bad_date");
    bad("[2025]\n元旦 2025-01-01..\n", 2, "bad_date");
    bad(
        "[2025]\n春节 2025-01-28 上班 2025-02-08 2025-02-30\n",
        2,
        "bad_date",
    );
    let e = bad(
        "[2025]\n元旦 2025-01-01\n\n元旦 2024-12-31\n",
        4,
        "date_outside_year",
    );
    assert!(e.to_string().contains("2024-12-31") && e.to_string().contains("2025"));
    bad(
        "[2025]\n春节 2025-01-28 上班 2026-01-03\n",
        2,
        "date_outside_year",
    );
    bad("[2025]\n元旦 2025-01-03..2025-01-01\n", 2, "reversed_range");
    let e = bad(
        "[2025]\n春节 2025-01-28..2025-02-04\n元旦 2025-02-01..2025-02-10\n",
        3,
        "overlap",
    );
    assert_eq!(
        e,
        CalendarError::Overlap {
            line: 3,
            date: d("2025-02-01"),
            first_line: 2
        }
    );
    bad("[2025]\n元旦 2025-01-01\n元旦 2025-01-01\n", 3, "overlap");
    bad(
        "[2025]\n春节 2025-01-28 上班 2025-02-08, 2025-02-08\n",
        2,
        "overlap",
    );
    let e = bad(
        "[2025]\n春节 2025-01-28 上班 2025-01-27\n",
        2,
        "adjusted_workday_not_weekend",
    );
    assert!(e.to_string().contains("Mon"), "{e}");
    let e = bad(
        "[2025]\n春节 2025-01-28..2025-02-04 上班 2025-01-26\n元旦 2025-01-26\n",
        3,
        "holiday_on_adjusted_workday",
    );
    assert!(e.to_string().contains("line 2"), "{e}");
    bad(
        "[2025]\n元旦 2025-01-01\n清明节 2025-04-04..2025-04-06 上班 2025-04-05\n",
        3,
        "holiday_on_adjusted_workday",
    );
    bad("[2025]\n元旦 2025-01-01 2025-01-02\n", 2, "malformed_line");
    bad("[2025]\n元旦\n", 2, "malformed_line");
    bad("[2025]\n元旦 2025-01-01 上班\n", 2, "malformed_line");
    bad("[2025]\n上班 2025-01-04\n", 2, "malformed_line");
    bad(
        "[2025]\n元旦 2025-01-01\n[2026]\n元旦 2026-01-01\n[2025]\n",
        5,
        "duplicate_year",
    );
    bad("[2025]\n[2026]\n元旦 2026-01-01\n", 1, "empty_year");
    bad("[2025]\n元旦 2025-01-01\n[2026]\n", 3, "empty_year");
}

#[test]
fn parse_accepts_the_documented_forms() {
    let c = Calendar::parse(
        "# comment\n\n[2025]  # trailing comment\n  元旦 2025-01-01\n\
         国庆节、中秋节 2025-10-01..2025-10-08 上班 2025-09-28，2025-10-11\n\
         春节 上班 2025-01-26 2025-02-08\n",
    )
    .unwrap();
    assert_eq!(c.years(), vec![2025]);
    assert!(c.is_workday(d("2025-01-26")).unwrap());
    assert!(!c.is_workday(d("2025-10-08")).unwrap());
    assert_eq!(Calendar::parse("").unwrap(), Calendar::default());
    let windows = "\u{feff}[2025]\r\n元旦 2025-01-01\r\n";
    assert_eq!(Calendar::parse(windows).unwrap().years(), vec![2025]);
}

#[test]
fn merge_adds_years_and_refuses_conflicts() {
    let builtin = cal();
    let y2027 = Calendar::parse("[2027]\n元旦 2027-01-01\n").unwrap();
    let mut c = builtin.clone();
    c.merge(y2027.clone()).unwrap();
    assert_eq!(c.years(), (2020..=2027).collect::<Vec<_>>());
    assert!(!c.is_workday(d("2027-01-01")).unwrap());
    // The same year again, identical: fine.
    c.merge(y2027).unwrap();
    c.merge(builtin.clone()).unwrap();
    // A different 2025 plus a new 2028: refused, nothing applied.
    let other = Calendar::parse("[2025]\n元旦 2025-01-01\n[2028]\n元旦 2028-01-01\n").unwrap();
    let before = c.clone();
    assert_eq!(
        c.merge(other.clone()),
        Err(CalendarError::YearConflict { year: 2025 })
    );
    assert_eq!(c, before);
    c.replace_years(other);
    assert!(c.is_workday(d("2025-01-28")).unwrap());
    assert_eq!(c.years().last(), Some(&2028));
}

#[test]
fn add_months_clamps_to_month_end() {
    assert_eq!(Calendar::add_months(d("2024-01-31"), 1), d("2024-02-29"));
    assert_eq!(Calendar::add_months(d("2025-01-31"), 1), d("2025-02-28"));
    assert_eq!(Calendar::add_months(d("2024-08-31"), 2), d("2024-10-31"));
    assert_eq!(Calendar::add_months(d("2024-12-15"), 2), d("2025-02-15"));
    assert_eq!(Calendar::add_months(d("2024-12-15"), 0), d("2024-12-15"));
    assert_eq!(
        Calendar::add_months(d("2024-12-15"), u32::MAX),
        NaiveDate::MAX
    );
}

#[test]
fn parse_term_phrases() {
    let cases = [
        ("3个工作日内", Some(Term::Workdays(3))),
        ("5个工作日", Some(Term::Workdays(5))),
        ("2个月内", Some(Term::Months(2))),
        ("反馈后2个月内", Some(Term::Months(2))),
        ("30日内", Some(Term::CalendarDays(30))),
        ("15天内", Some(Term::CalendarDays(15))),
        (
            "收到督办单后十五个工作日内书面回复",
            Some(Term::Workdays(15)),
        ),
        ("三个月内", Some(Term::Months(3))),
        ("两个月", Some(Term::Months(2))),
        ("二十日内", Some(Term::CalendarDays(20))),
        ("一百二十天", Some(Term::CalendarDays(120))),
        ("１０个工作日内", Some(Term::Workdays(10))),
        ("10 个 工作日", Some(Term::Workdays(10))),
        ("1年内", Some(Term::Months(12))),
        ("半年内", Some(Term::Months(6))),
        ("2周内", Some(Term::CalendarDays(14))),
        ("30个自然日", Some(Term::CalendarDays(30))),
        ("第2批问题3个工作日内", Some(Term::Workdays(3))),
        // Absolute dates and ambiguous forms are not terms.
        ("2024年12月31日前", None),
        ("3月底前", None),
        ("2025年底前", None),
        ("15日前", None),
        ("二〇二五年", None),
        ("长期坚持", None),
        ("立行立改", None),
        ("", None),
        ("99999999999999999999个工作日", None),
    ];
    for (text, expect) in cases {
        assert_eq!(parse_term(text), expect, "{text}");
    }
}

#[test]
fn due_dates() {
    let c = cal();
    assert_eq!(
        c.due_date(d("2024-09-30"), Term::Workdays(3)).unwrap(),
        d("2024-10-10")
    );
    // A calendar-day term ending on a holiday runs to the next working day.
    assert_eq!(
        c.due_date(d("2024-09-30"), Term::CalendarDays(1)).unwrap(),
        d("2024-10-08")
    );
    assert_eq!(
        c.due_date(d("2024-09-20"), Term::CalendarDays(15)).unwrap(),
        d("2024-10-08")
    );
    assert_eq!(
        c.due_date(d("2024-09-20"), Term::CalendarDays(9)).unwrap(),
        d("2024-09-29")
    );
    assert_eq!(
        c.due_date(d("2024-08-01"), Term::Months(2)).unwrap(),
        d("2024-10-08")
    );
    assert_eq!(
        c.due_date(d("2024-12-31"), Term::Months(2)).unwrap(),
        d("2025-02-28")
    );
    assert_eq!(
        c.due_date(d("2026-12-01"), Term::Months(2)),
        Err(CalendarError::YearNotCovered { year: 2027 })
    );
    assert!(
        c.due_date(d("2024-12-31"), Term::CalendarDays(i64::MAX))
            .is_err()
    );
    let term = parse_term("反馈后2个月内").unwrap();
    assert_eq!(c.due_date(d("2025-07-31"), term).unwrap(), d("2025-09-30"));
}

#[test]
fn never_panics_on_arbitrary_text() {
    for text in [
        "[",
        "]",
        "[]",
        "[2025]\n#",
        "\u{3000}[2025]\u{3000}\n元旦\u{3000}2025-01-01",
        "..",
        "[2025]\n元旦 ..",
        "[2025]\n元旦 2025-01-01..2025-01-01..2025-01-02",
    ] {
        let _ = Calendar::parse(text);
        let _ = parse_term(text);
    }
}

fn covered_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..2557).prop_map(|offset| d("2020-01-01") + chrono::TimeDelta::days(offset))
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "(\\[?[0-9]{0,5}\\]?|元旦|春节|国庆节、中秋节|上班|20[0-9]{2}-[0-9]{2}-[0-9]{2}|\\.\\.|,| |\n|个|工作日|月|日|内|[一二十百0-9]|.){0,40}") {
        let _ = Calendar::parse(&text);
        let _ = parse_term(&text);
    }

    #[test]
    fn add_workdays_inverts_within_the_window(start in covered_date(), n in -300i64..300) {
        let c = cal();
        let there = match c.add_workdays(start, n) {
            Ok(x) => x,
            Err(CalendarError::YearNotCovered { year }) => {
                prop_assert!(year == 2019 || year == 2027);
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        prop_assert!(c.is_workday(there).unwrap());
        // Counting back may leave the window too (from 2020-01-01, a holiday, back to 2019).
        let back = match c.add_workdays(there, -n) {
            Ok(x) => x,
            Err(CalendarError::YearNotCovered { year }) => {
                prop_assert!(year == 2019 || year == 2027);
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let start_worked = c.is_workday(start).unwrap();
        if n > 0 {
            prop_assert_eq!(c.workdays_between(start, there).unwrap(), n);
            // Back lands on the last working day on or before start.
            prop_assert!(back <= start);
            prop_assert_eq!(back == start, start_worked);
            prop_assert_eq!(c.workdays_between(back, start).unwrap(), 0);
            prop_assert_eq!(c.workdays_between(back, there).unwrap(), n);
        } else if n < 0 {
            let worked = i64::from(start_worked);
            prop_assert_eq!(c.workdays_between(there, start).unwrap(), -n - 1 + worked);
            prop_assert_eq!(c.workdays_between(start, there).unwrap(), n + 1 - worked);
            // Back lands on the first working day on or after start.
            prop_assert!(back >= start);
            prop_assert_eq!(back, c.add_workdays(start, 0).unwrap());
            prop_assert_eq!(c.workdays_between(there, back).unwrap(), -n);
        } else {
            prop_assert_eq!(there, back);
            prop_assert!(there >= start);
            prop_assert_eq!(c.workdays_between(start, there).unwrap(), i64::from(there != start));
        }
    }
}
