//! The home page per role: a liaison's or owner's own measures (due soon, overdue, returned);
//! the office's, leader's and supervisor's dashboard (completion by inspection, aspect and
//! unit, traffic lights, ageing, monthly trend), each chart with its numbers in a table.
//! Administrators (三员) are sent to their own pages.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use rectify_core::access::{Action, Role};
use rectify_store::dashboard::{Completion, Dashboard, LedgerRow, MyList, PickKind, PickScope};
use rectify_store::{Store, Viewer, today};
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;

use super::charts::{HBarChart, VBarChart, percent};
use super::picker::{self, Picker, PickerSpec};
use super::{Chrome, Ui, UiResult};
use crate::AppState;

#[derive(Template)]
#[template(path = "home_mine.html")]
struct MinePage {
    c: Chrome,
    lists: Vec<(&'static str, &'static str, Vec<LedgerRow>)>,
    can_report: bool,
}

#[derive(Template)]
#[template(path = "home_dashboard.html")]
struct DashboardPage {
    c: Chrome,
    inspection: Picker,
    selected: Option<i64>,
    d: Dashboard,
    /// Previous figures shown while new ones are computed: their time.
    stale_at: Option<String>,
    /// The years the lights counted as Monday–Friday (no holidays loaded), `、`-joined; empty
    /// when the lights are final.
    lights_assumed: String,
    rate: String,
    lights: HBarChart,
    ageing: HBarChart,
    by_inspection: HBarChart,
    by_aspect: HBarChart,
    by_unit: HBarChart,
    trend: VBarChart,
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    #[serde(default)]
    inspection: String,
    /// The inspection the page resolved last time (see `picker`).
    #[serde(default)]
    inspection_id: String,
}

fn completion_chart(id: &str, title: &str, rows: &[Completion]) -> HBarChart {
    HBarChart::scaled(
        id,
        title,
        rows.iter()
            .map(|r| {
                let bp = r.rate_bp();
                let tone = if r.overdue > 0 {
                    "bad"
                } else if bp >= 10_000 {
                    "ok"
                } else {
                    "plain"
                };
                (r.label.clone(), bp, percent(bp), tone)
            })
            .collect(),
        10_000,
    )
}

/// GET /
pub async fn home(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<HomeQuery>,
) -> UiResult<Response> {
    let role = ui.role();
    if !role.may(Action::ReadLedger) {
        return Ok(super::see_other("/admin"));
    }
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let today = today();
    if matches!(role, Role::Liaison | Role::Owner) {
        let mut lists = Vec::new();
        for (list, id, title) in [
            (MyList::Overdue, "overdue", "home.overdue"),
            (MyList::Returned, "returned", "home.returned"),
            (MyList::DueSoon, "due", "home.due_soon"),
        ] {
            let rows = s.store.my_measures(&viewer, list, today).await?;
            lists.push((id, l.t(title), rows));
        }
        let c = ui.chrome(&s, l.t("nav.home"), "home").await;
        return Ok(super::page(&MinePage {
            c,
            lists,
            can_report: role.may(Action::Report),
        }));
    }
    let inspection = picker::resolve(
        &s.store,
        l,
        PickerSpec {
            field: "inspection",
            html_id: "inspection",
            label: l.t("home.inspection").into(),
            blank: l.t("home.all_inspections").into(),
            scope: PickScope::new(PickKind::Inspection, &viewer),
        },
        &q.inspection,
        &q.inspection_id,
    )
    .await?;
    let selected = inspection.id();
    let Figures { dash: d, stale_at } =
        s.dashboards.get(&s.store, &viewer, selected, today).await?;
    let t = &d.totals;
    let rate = percent(if t.total == 0 {
        0
    } else {
        t.closed * 10_000 / t.total
    });
    let lights = HBarChart::new(
        "chart-lights",
        l.t("home.lights"),
        vec![
            (l.t("light.red").into(), t.red, t.red.to_string(), "bad"),
            (
                l.t("light.yellow").into(),
                t.yellow,
                t.yellow.to_string(),
                "warn",
            ),
            (
                l.t("light.green").into(),
                t.green,
                t.green.to_string(),
                "ok",
            ),
        ],
    );
    let buckets = [
        "home.age_1_7",
        "home.age_8_30",
        "home.age_31_90",
        "home.age_90",
    ];
    let ageing = HBarChart::new(
        "chart-ageing",
        l.t("home.ageing"),
        buckets
            .iter()
            .zip(t.ageing)
            .map(|(b, n)| (l.t(b).to_string(), n, n.to_string(), "bad"))
            .collect(),
    );
    let by_inspection = completion_chart(
        "chart-inspection",
        l.t("home.by_inspection"),
        &d.by_inspection,
    );
    let by_aspect = completion_chart("chart-aspect", l.t("home.by_aspect"), &d.by_aspect);
    let by_unit = completion_chart("chart-unit", l.t("home.by_unit"), &d.by_unit);
    let trend = VBarChart::new(
        "chart-trend",
        l.t("home.trend"),
        (l.t("home.due"), l.t("home.closed")),
        d.trend
            .iter()
            .map(|p| (p.month.clone(), p.due, p.closed))
            .collect(),
    );
    let c = ui.chrome(&s, l.t("nav.home"), "home").await;
    Ok(super::page(&DashboardPage {
        c,
        inspection,
        selected,
        rate,
        lights,
        ageing,
        by_inspection,
        by_aspect,
        by_unit,
        trend,
        lights_assumed: l.years(&d.totals.lights_assumed_years),
        d,
        stale_at,
    }))
}

/// Dashboards already computed, reused while the ledger has not changed: each entry remembers
/// the store's ledger counter (`Store::ledger_counter`, moved by ledger writes on any server
/// sharing the database, not by sign-ins) and the day it was computed for. A page view costs
/// one cheap query until the next ledger change.
///
/// After a change, one computation per view runs in the background (one at a time). Views
/// wait for it — unless the last computation was slow (over [`SLOW`], a city-scale ledger)
/// and previous figures exist: then they wait at most [`STALE_WAIT`] and show the previous
/// figures marked with their time, so a write does not stall every view for a second.
#[derive(Default)]
pub struct DashboardCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, Entry>>,
    /// Views being computed: the receiver turns `true` when the computation ends.
    running: std::sync::Mutex<std::collections::HashMap<String, watch::Receiver<bool>>>,
    /// One computation at a time: they scan the measures and would only slow each other.
    computing: tokio::sync::Mutex<()>,
    /// How long the last computation took (milliseconds).
    last_ms: AtomicU64,
}

#[derive(Clone)]
struct Entry {
    seq: i64,
    day: NaiveDate,
    dash: Dashboard,
    /// Local time of the computation (`HH:MM:SS`), shown when the figures are stale.
    at: String,
}

/// Figures for a view; `stale_at` is the time of the previous figures shown while new ones
/// are being computed.
pub struct Figures {
    pub dash: Dashboard,
    pub stale_at: Option<String>,
}

/// A computation that took longer than this makes views show previous figures meanwhile.
const SLOW: Duration = Duration::from_millis(200);
/// How long a view waits for a slow computation before showing the previous figures.
const STALE_WAIT: Duration = Duration::from_millis(30);
const DASHBOARD_CACHE_MAX: usize = 512;

impl DashboardCache {
    fn entry(&self, key: &str) -> Option<Entry> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    /// The computation of `key`, started unless one is running.
    fn start(
        self: &Arc<Self>,
        key: &str,
        store: &Store,
        viewer: &Viewer,
        inspection: Option<i64>,
        today: NaiveDate,
    ) -> watch::Receiver<bool> {
        let Ok(mut running) = self.running.lock() else {
            let (_tx, rx) = watch::channel(true);
            return rx;
        };
        if let Some(rx) = running.get(key) {
            return rx.clone();
        }
        let (tx, rx) = watch::channel(false);
        running.insert(key.to_string(), rx.clone());
        drop(running);
        let (me, store, viewer, key) =
            (self.clone(), store.clone(), viewer.clone(), key.to_string());
        tokio::spawn(async move {
            let _one = me.computing.lock().await;
            // Read before computing: a change committed meanwhile moves the counter, so the
            // entry stored below is recomputed on the next view.
            let computed = async {
                let seq = store.ledger_counter().await?;
                let t0 = Instant::now();
                let dash = store.dashboard(&viewer, inspection, today).await?;
                me.last_ms
                    .store(t0.elapsed().as_millis() as u64, Ordering::Relaxed);
                Ok::<_, rectify_store::StoreError>((seq, dash))
            }
            .await;
            match computed {
                Ok((seq, dash)) => {
                    if let Ok(mut m) = me.entries.lock() {
                        if m.len() >= DASHBOARD_CACHE_MAX {
                            m.clear();
                        }
                        let at = chrono::Utc::now()
                            .with_timezone(&rectify_store::dashboard::local_offset())
                            .format("%H:%M:%S")
                            .to_string();
                        m.insert(
                            key.clone(),
                            Entry {
                                seq,
                                day: today,
                                dash,
                                at,
                            },
                        );
                    }
                }
                Err(e) => tracing::warn!(error = %e, "dashboard computation failed"),
            }
            if let Ok(mut r) = me.running.lock() {
                r.remove(&key);
            }
            let _ = tx.send(true);
        });
        rx
    }

    pub async fn get(
        self: &Arc<Self>,
        store: &Store,
        viewer: &Viewer,
        inspection: Option<i64>,
        today: NaiveDate,
    ) -> Result<Figures, rectify_store::StoreError> {
        let key = format!(
            "{}|{}|{:?}|{:?}",
            viewer.scope.as_str(),
            viewer.role.as_str(),
            (viewer.role == Role::Owner).then_some(viewer.person_id),
            inspection
        );
        let seq = store.ledger_counter().await?;
        let fresh = |e: &Entry| e.seq >= seq && e.day == today;
        for _ in 0..3 {
            let previous = self.entry(&key);
            if let Some(e) = previous.as_ref().filter(|e| fresh(e)) {
                return Ok(Figures {
                    dash: e.dash.clone(),
                    stale_at: None,
                });
            }
            let mut done = self.start(&key, store, viewer, inspection, today);
            let slow = Duration::from_millis(self.last_ms.load(Ordering::Relaxed)) >= SLOW;
            match previous {
                Some(prev) if slow => {
                    let _ = tokio::time::timeout(STALE_WAIT, done.wait_for(|d| *d)).await;
                    let now = self.entry(&key).unwrap_or(prev);
                    let stale_at = (!fresh(&now)).then(|| now.at.clone());
                    return Ok(Figures {
                        dash: now.dash,
                        stale_at,
                    });
                }
                _ => {
                    let _ = done.wait_for(|d| *d).await;
                }
            }
        }
        // Changes kept moving the counter while we waited: compute this view here.
        Ok(Figures {
            dash: store.dashboard(viewer, inspection, today).await?,
            stale_at: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use rectify_core::demo::{Scale, generate};
    use rectify_core::ledger::MeasureKind;
    use rectify_store::dashboard::LedgerFilter;
    use rectify_store::{Actor, Location, NewMeasure};

    use super::*;

    #[tokio::test]
    async fn a_slow_recount_shows_the_previous_figures_marked_then_the_new_ones() {
        let dir = std::env::temp_dir().join(format!(
            "rectify-web-dashboard-{}-{}",
            std::process::id(),
            rectify_security::crypto::random_token(6)
        ));
        let store = Store::open(&Location {
            database_url: None,
            data_dir: dir.clone(),
        })
        .await
        .unwrap();
        let ledger = generate(Scale::Small, 3);
        rectify_store::bulk::load(&store, &ledger, &Actor::cli("test"))
            .await
            .unwrap();
        let root = store.organisation(1).await.unwrap();
        let viewer = Viewer {
            user_id: 0,
            role: Role::Office,
            scope: root.path,
            person_id: None,
        };
        let today = ledger.as_of;
        let cache = Arc::new(DashboardCache::default());
        let first = cache.get(&store, &viewer, None, today).await.unwrap();
        assert!(first.stale_at.is_none(), "nothing older to show: waited");
        let total = first.dash.totals.total;
        // A measure more.
        let some = store
            .ledger_page(
                &viewer,
                &LedgerFilter {
                    limit: 1,
                    ..LedgerFilter::default()
                },
                today,
            )
            .await
            .unwrap()
            .rows[0]
            .clone();
        let mut w = store.begin_write().await.unwrap();
        w.create_measure(
            &Actor::cli("test"),
            &NewMeasure {
                problem_id: some.problem_id,
                text: "再补充一项措施".into(),
                kind: MeasureKind::Immediate,
                responsible_unit_id: None,
                owner_id: None,
                leader_id: None,
                liaison_id: None,
                deadline: None,
            },
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        // Fast recounts are waited for: the new figures at once.
        let f = cache.get(&store, &viewer, None, today).await.unwrap();
        assert_eq!((f.dash.totals.total, f.stale_at), (total + 1, None));
        // Another change while the last recount was slow and cannot run yet: the previous
        // figures, marked with their time.
        let mut w = store.begin_write().await.unwrap();
        w.create_measure(
            &Actor::cli("test"),
            &NewMeasure {
                problem_id: some.problem_id,
                text: "第三项补充措施".into(),
                kind: MeasureKind::Immediate,
                responsible_unit_id: None,
                owner_id: None,
                leader_id: None,
                liaison_id: None,
                deadline: None,
            },
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        cache.last_ms.store(5_000, Ordering::Relaxed);
        let hold = cache.computing.lock().await;
        let f = cache.get(&store, &viewer, None, today).await.unwrap();
        assert_eq!(f.dash.totals.total, total + 1);
        assert!(f.stale_at.is_some(), "marked as previous figures");
        drop(hold);
        // Once the recount has run, the new figures.
        let mut n = 0;
        loop {
            let f = cache.get(&store, &viewer, None, today).await.unwrap();
            if f.stale_at.is_none() {
                assert_eq!(f.dash.totals.total, total + 2);
                break;
            }
            n += 1;
            assert!(n < 500, "the recount never finished");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
