//! The working-day calendar in the database (`calendar_year`): seeded with the shipped years on
//! first start so every server sharing the database agrees, extended or corrected by loading a
//! data file (all or nothing, audited).

use chrono::Datelike;
use rectify_calendar::{Calendar, CalendarError};
use rectify_core::FieldError;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{Actor, AuditEvent, now_text};
use crate::{Store, StoreError};

/// One stored year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    /// The year's block in the line format of `crates/calendar/data/holidays-cn.txt`.
    pub schedule: String,
    /// `builtin` (shipped) or `loaded` (by an administrator).
    pub source: String,
    pub loaded_at: String,
    pub version: i64,
}

/// A calendar file refused: the parser's message names the line.
pub fn calendar_error(field: &str, e: &CalendarError) -> StoreError {
    StoreError::Invalid(FieldError::new(field, e.code(), e.to_string()))
}

impl Store {
    /// Adds every shipped year the database lacks (a year an administrator loaded is kept).
    /// Runs on every start; concurrent starts insert each year once.
    pub(crate) async fn seed_builtin_calendar(&self) -> Result<(), StoreError> {
        let have: Vec<i64> = sqlx::query_scalar("SELECT year FROM calendar_year")
            .fetch_all(self.pool())
            .await?;
        let builtin = Calendar::builtin();
        let missing: Vec<i32> = builtin
            .years()
            .into_iter()
            .filter(|y| !have.contains(&i64::from(*y)))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let now = now_text();
        let mut tx = self.pool().begin().await?;
        for year in missing {
            let text = builtin.year_text(year).unwrap_or_default();
            sqlx::query(
                "INSERT INTO calendar_year (year, schedule, source, loaded_at) VALUES ($1, $2, 'builtin', $3) ON CONFLICT (year) DO NOTHING",
            )
            .bind(i64::from(year))
            .bind(text)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The calendar every computation uses: all stored years.
    pub async fn calendar(&self) -> Result<Calendar, StoreError> {
        let texts: Vec<String> =
            sqlx::query_scalar("SELECT schedule FROM calendar_year ORDER BY year")
                .fetch_all(self.pool())
                .await?;
        Calendar::parse(&texts.join("\n"))
            .map_err(|e| StoreError::Config(format!("the stored calendar is unreadable: {e}")))
    }

    /// The stored years, ascending.
    pub async fn calendar_years(&self) -> Result<Vec<CalendarYear>, StoreError> {
        let rows = sqlx::query(
            "SELECT year, schedule, source, loaded_at, version FROM calendar_year ORDER BY year",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(year_row).collect()
    }

    /// One stored year.
    pub async fn calendar_year(&self, year: i32) -> Result<CalendarYear, StoreError> {
        let row = sqlx::query(
            "SELECT year, schedule, source, loaded_at, version FROM calendar_year WHERE year = $1",
        )
        .bind(i64::from(year))
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::not_found("calendar year", year))?;
        year_row(&row)
    }

    /// Adds or replaces the years of a data file. The whole file is validated first
    /// (malformed lines, overlaps, dates outside their year, a day both off and worked): any
    /// error names its line and nothing is stored. One audit row per year written.
    pub async fn load_calendar(
        &self,
        actor: &Actor,
        text: &str,
    ) -> Result<Vec<CalendarYear>, StoreError> {
        let cal = Calendar::parse(text).map_err(|e| calendar_error("file", &e))?;
        if cal.years().is_empty() {
            return Err(StoreError::Invalid(FieldError::new(
                "file",
                "empty",
                "the file holds no [YEAR] block",
            )));
        }
        self.store_years(actor, &cal, None).await
    }

    /// Replaces one year from its block (`[YEAR]` header included). `expected_version`, when
    /// given, must match the stored row (409 otherwise).
    pub async fn put_calendar_year(
        &self,
        actor: &Actor,
        year: i32,
        text: &str,
        expected_version: Option<i64>,
    ) -> Result<CalendarYear, StoreError> {
        let cal = Calendar::parse(text).map_err(|e| calendar_error("schedule", &e))?;
        if cal.years() != [year] {
            return Err(StoreError::Invalid(FieldError::new(
                "schedule",
                "year_mismatch",
                format!(
                    "the schedule must hold exactly one [{year}] block, found {:?}",
                    cal.years()
                ),
            )));
        }
        let mut out = self.store_years(actor, &cal, expected_version).await?;
        out.pop()
            .ok_or_else(|| StoreError::not_found("calendar year", year))
    }

    async fn store_years(
        &self,
        actor: &Actor,
        cal: &Calendar,
        expected_version: Option<i64>,
    ) -> Result<Vec<CalendarYear>, StoreError> {
        let now = now_text();
        let mut w = self.begin_write().await?;
        let mut written = Vec::new();
        for year in cal.years() {
            let text = cal.year_text(year).unwrap_or_default();
            let before = sqlx::query(
                "SELECT year, schedule, source, loaded_at, version FROM calendar_year WHERE year = $1",
            )
            .bind(i64::from(year))
            .fetch_optional(w.conn())
            .await?
            .map(|r| year_row(&r))
            .transpose()?;
            if let (Some(expected), Some(b)) = (expected_version, &before)
                && b.version != expected
            {
                return Err(StoreError::Conflict {
                    entity: "calendar year",
                    id: i64::from(year),
                    current: b.version,
                });
            }
            let version = before.as_ref().map_or(1, |b| b.version + 1);
            sqlx::query(
                "INSERT INTO calendar_year (year, schedule, source, loaded_at, version) VALUES ($1, $2, 'loaded', $3, $4) \
                 ON CONFLICT (year) DO UPDATE SET schedule = excluded.schedule, source = excluded.source, loaded_at = excluded.loaded_at, version = excluded.version",
            )
            .bind(i64::from(year))
            .bind(&text)
            .bind(&now)
            .bind(version)
            .execute(w.conn())
            .await?;
            let after = CalendarYear {
                year,
                schedule: text,
                source: "loaded".into(),
                loaded_at: now.clone(),
                version,
            };
            let action = if before.is_some() {
                "calendar.replace_year"
            } else {
                "calendar.add_year"
            };
            let mut ev = AuditEvent::ok(action, "calendar_year", year).after(json!(after));
            if let Some(b) = &before {
                ev = ev.before(json!(b));
            }
            w.audit(actor, ev).await?;
            written.push(after);
        }
        // The whole stored calendar must still read back (e.g. years edited independently).
        w.commit().await?;
        Ok(written)
    }
}

fn year_row(row: &sqlx::any::AnyRow) -> Result<CalendarYear, StoreError> {
    let year: i64 = row.try_get("year")?;
    Ok(CalendarYear {
        year: i32::try_from(year).unwrap_or_else(|_| chrono::NaiveDate::MAX.year()),
        schedule: row.try_get("schedule")?,
        source: row.try_get("source")?,
        loaded_at: row.try_get("loaded_at")?,
        version: row.try_get("version")?,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::audit::Actor;
    use crate::testing::{reopen, stores};
    use crate::{AuditFilter, StoreError};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The shipped years are in the database after the first start; the known cases hold
    /// against the stored calendar.
    #[tokio::test]
    async fn builtin_years_seeded_and_known_cases_hold() {
        for (store, _g) in stores().await {
            let years: Vec<i32> = store
                .calendar_years()
                .await
                .unwrap()
                .iter()
                .map(|y| y.year)
                .collect();
            assert_eq!(years, (2020..=2026).collect::<Vec<_>>());
            let cal = store.calendar().await.unwrap();
            // National Day 2024: 10-01..10-07 off, Saturday 10-12 worked.
            assert!(!cal.is_workday(d("2024-10-01")).unwrap());
            assert!(!cal.is_workday(d("2024-10-07")).unwrap());
            assert!(cal.is_workday(d("2024-10-08")).unwrap());
            assert!(cal.is_workday(d("2024-10-12")).unwrap());
            // Spring Festival 2025: 01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked.
            assert!(!cal.is_workday(d("2025-01-28")).unwrap());
            assert!(!cal.is_workday(d("2025-02-04")).unwrap());
            assert!(cal.is_workday(d("2025-01-26")).unwrap());
            assert!(cal.is_workday(d("2025-02-08")).unwrap());
            assert_eq!(
                cal.add_workdays(d("2024-09-30"), 1).unwrap(),
                d("2024-10-08")
            );
            // 反馈后2个月内 from 2024-08-01 ends 10-01, a holiday: the next working day.
            let term = rectify_calendar::parse_term("反馈后2个月内").unwrap();
            assert_eq!(
                cal.due_date(d("2024-08-01"), term).unwrap(),
                d("2024-10-08")
            );
            let term = rectify_calendar::parse_term("3个工作日内").unwrap();
            assert_eq!(
                cal.due_date(d("2025-01-24"), term).unwrap(),
                d("2025-02-05")
            );
            // A second start adds nothing.
            let again = reopen(&store).await.unwrap();
            assert_eq!(again.calendar_years().await.unwrap().len(), 7);
        }
    }

    #[tokio::test]
    async fn load_adds_a_year_and_replaces_one_audited() {
        for (store, _g) in stores().await {
            let actor = Actor::cli("calendar load");
            let text = "[2027]\n元旦 2027-01-01..2027-01-03\n国庆节 2027-10-01..2027-10-07 上班 2027-09-26, 2027-10-09\n";
            let written = store.load_calendar(&actor, text).await.unwrap();
            assert_eq!(written.len(), 1);
            let cal = store.calendar().await.unwrap();
            assert!(!cal.is_workday(d("2027-10-04")).unwrap());
            assert!(cal.is_workday(d("2027-10-09")).unwrap());
            // Replace 2027: 10-09 is no longer worked.
            let text2 = "[2027]\n元旦 2027-01-01..2027-01-03\n国庆节 2027-10-01..2027-10-07\n";
            store.load_calendar(&actor, text2).await.unwrap();
            let y = store.calendar_year(2027).await.unwrap();
            assert_eq!(y.version, 2);
            assert!(
                !store
                    .calendar()
                    .await
                    .unwrap()
                    .is_workday(d("2027-10-09"))
                    .unwrap()
            );
            let audit = store
                .audit_list(&AuditFilter {
                    object_type: Some("calendar_year".into()),
                    limit: 100,
                    ..AuditFilter::default()
                })
                .await
                .unwrap();
            let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
            assert!(actions.contains(&"calendar.add_year"), "{actions:?}");
            assert!(actions.contains(&"calendar.replace_year"), "{actions:?}");
        }
    }

    #[tokio::test]
    async fn bad_files_refused_naming_the_line_nothing_changed() {
        for (store, _g) in stores().await {
            let actor = Actor::cli("calendar load");
            let before = store.calendar_years().await.unwrap();
            let cases = [
                // Overlapping ranges: the second year is fine, the first is refused → nothing.
                (
                    "[2027]\n元旦 2027-01-01..2027-01-03\n春节 2027-01-02..2027-01-08\n[2028]\n元旦 2028-01-01\n",
                    "line 3",
                    "overlap",
                ),
                (
                    "[2027]\n元旦 2027-01-01\n国庆 2027-10-01\n",
                    "line 3",
                    "unknown_festival",
                ),
                (
                    "[2027]\n元旦 2027-01-01\n春节 2028-02-01\n",
                    "line 3",
                    "date_outside_year",
                ),
                (
                    "[2027]\n国庆节 2027-10-01..2027-10-07 上班 2027-10-03\n",
                    "line 2",
                    "holiday_on_adjusted_workday",
                ),
                (
                    "[2027]\n元旦 2027-01-01 garbage\n",
                    "line 2",
                    "malformed_line",
                ),
                // Replacing a shipped year with a broken block leaves it untouched.
                (
                    "[2024]\n国庆节 2024-10-01..2024-10-07\n国庆节 2024-10-07\n",
                    "line 3",
                    "overlap",
                ),
            ];
            for (text, line, code) in cases {
                match store.load_calendar(&actor, text).await {
                    Err(StoreError::Invalid(f)) => {
                        assert_eq!(f.code, code, "{text}");
                        assert!(f.message.contains(line), "{}: {}", f.message, line);
                    }
                    other => panic!("{text}: expected a refusal, got {other:?}"),
                }
            }
            assert_eq!(store.calendar_years().await.unwrap(), before);
            assert!(
                store
                    .calendar()
                    .await
                    .unwrap()
                    .years()
                    .iter()
                    .all(|y| *y <= 2026)
            );
        }
    }

    #[tokio::test]
    async fn put_year_checks_year_and_version() {
        for (store, _g) in stores().await {
            let actor = Actor::cli("test");
            let cur = store.calendar_year(2026).await.unwrap();
            let err = store
                .put_calendar_year(&actor, 2026, "[2027]\n元旦 2027-01-01\n", None)
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Invalid(ref f) if f.code == "year_mismatch"));
            let err = store
                .put_calendar_year(&actor, 2026, &cur.schedule, Some(cur.version + 5))
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Conflict { .. }));
            let y = store
                .put_calendar_year(&actor, 2026, &cur.schedule, Some(cur.version))
                .await
                .unwrap();
            assert_eq!(y.version, cur.version + 1);
            assert_eq!(y.source, "loaded");
        }
    }
}
