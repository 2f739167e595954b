//! The home page per role: a liaison's or owner's own measures (due soon, overdue, returned);
//! the office's, leader's and supervisor's dashboard (completion by inspection, aspect and
//! unit, traffic lights, ageing, monthly trend), each chart with its numbers in a table.
//! Administrators (三员) are sent to their own pages.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use rectify_core::access::{Action, Role};
use rectify_store::dashboard::{Completion, Dashboard, LedgerRow, MyList, PickKind, PickScope};
use rectify_store::today;
use serde::Deserialize;

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
    let d = s
        .dashboards
        .get_or_compute(&s.store, &viewer, selected, today)
        .await?;
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
        d,
    }))
}

/// Dashboards already computed, reused while the ledger has not changed: each entry remembers
/// the store's ledger counter (`Store::ledger_counter`, moved by ledger writes on any server
/// sharing the database, not by sign-ins) and the day it was computed for. A page view costs
/// one cheap query until the next ledger change.
#[derive(Default)]
pub struct DashboardCache {
    entries:
        std::sync::Mutex<std::collections::HashMap<String, (i64, chrono::NaiveDate, Dashboard)>>,
    /// One computation at a time: requests arriving while a dashboard is computed wait for
    /// it and reuse it instead of each scanning the measures.
    computing: tokio::sync::Mutex<()>,
}

const DASHBOARD_CACHE_MAX: usize = 512;

impl DashboardCache {
    fn cached(&self, key: &str, seq: i64, today: chrono::NaiveDate) -> Option<Dashboard> {
        let m = self.entries.lock().ok()?;
        let (s, d, dash) = m.get(key)?;
        (*s == seq && *d == today).then(|| dash.clone())
    }

    pub async fn get_or_compute(
        &self,
        store: &rectify_store::Store,
        viewer: &rectify_store::Viewer,
        inspection: Option<i64>,
        today: chrono::NaiveDate,
    ) -> Result<Dashboard, rectify_store::StoreError> {
        let key = format!(
            "{}|{}|{:?}|{:?}",
            viewer.scope.as_str(),
            viewer.role.as_str(),
            (viewer.role == Role::Owner).then_some(viewer.person_id),
            inspection
        );
        // Read before computing: a change committed meanwhile moves the counter, so the
        // entry stored below is recomputed on the next view.
        let seq = store.ledger_counter().await?;
        if let Some(d) = self.cached(&key, seq, today) {
            return Ok(d);
        }
        let _one = self.computing.lock().await;
        if let Some(d) = self.cached(&key, seq, today) {
            return Ok(d);
        }
        let dash = store.dashboard(viewer, inspection, today).await?;
        if let Ok(mut m) = self.entries.lock() {
            if m.len() >= DASHBOARD_CACHE_MAX {
                m.clear();
            }
            m.insert(key, (seq, today, dash.clone()));
        }
        Ok(dash)
    }
}
