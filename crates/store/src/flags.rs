//! Quality flags: gathers the plain facts the rules in `rectify_core::flags` need (closed
//! measures with their timing and evidence, evidence files, progress texts, signed-off
//! problems) within the viewer's scope, and runs the rules. Nothing is stored or acted on.

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// values always travel as bind parameters.
use std::collections::BTreeMap;

use chrono::NaiveDate;
use rectify_core::flags::{
    self, ClosedMeasure, EvidenceUse, Facts, Flag, ProgressText, SignedOffProblem,
};
use rectify_core::ledger::MeasureKind;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use crate::row::{Where, bind_all};
use crate::{Store, StoreError, Viewer};

fn date_of(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
        .map_err(|_| StoreError::Config(format!("corrupt date {s}")))
}

impl Store {
    /// The quality flags over the viewer's scope, optionally one inspection.
    pub async fn quality_flags(
        &self,
        viewer: &Viewer,
        inspection_id: Option<i64>,
    ) -> Result<Vec<Flag>, StoreError> {
        Ok(flags::evaluate(
            &self.flag_facts(viewer, inspection_id).await?,
        ))
    }

    /// The facts behind the flags (exposed for tests and tools).
    pub async fn flag_facts(
        &self,
        viewer: &Viewer,
        inspection_id: Option<i64>,
    ) -> Result<Facts, StoreError> {
        let mut w = Where::default();
        w.and("m.org_path >=", viewer.scope.as_str());
        w.and("m.org_path <", viewer.scope.upper_bound());
        if let Some(i) = inspection_id {
            w.and("m.inspection_id =", i);
        }
        let sql = format!(
            "SELECT m.id, m.problem_id, m.inspection_id, m.kind, m.responsible_unit_id, m.closed_at, i.feedback_on, \
             (SELECT COUNT(*) FROM report_measure rm WHERE rm.measure_id = m.id) AS reports, \
             (SELECT COUNT(*) FROM report_measure rm JOIN evidence e ON e.report_id = rm.report_id WHERE rm.measure_id = m.id) AS evidence \
             FROM measure m JOIN inspection i ON i.id = m.inspection_id \
             WHERE m.state IN ('closed', 'closed_ongoing') AND m.closed_at IS NOT NULL{} ORDER BY m.id",
            w.sql
        );
        let mut closed = Vec::new();
        for r in bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?
        {
            let kind: String = r.try_get("kind")?;
            let closed_at: String = r.try_get("closed_at")?;
            let feedback: Option<String> = r.try_get("feedback_on")?;
            closed.push(ClosedMeasure {
                measure_id: r.try_get("id")?,
                problem_id: r.try_get("problem_id")?,
                inspection_id: r.try_get("inspection_id")?,
                kind: MeasureKind::parse(&kind)
                    .ok_or_else(|| StoreError::Config(format!("unknown measure kind {kind}")))?,
                unit_id: r.try_get("responsible_unit_id")?,
                started_on: feedback.as_deref().map(date_of).transpose()?,
                closed_on: date_of(&closed_at)?,
                report_count: r.try_get("reports")?,
                evidence_count: r.try_get("evidence")?,
            });
        }

        let sql = format!(
            "SELECT e.sha256, e.file_name, m.id, m.problem_id, m.responsible_unit_id FROM evidence e \
             JOIN report_measure rm ON rm.report_id = e.report_id JOIN measure m ON m.id = rm.measure_id \
             WHERE 1 = 1{} ORDER BY e.sha256, m.id",
            w.sql
        );
        let mut evidence = Vec::new();
        for r in bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?
        {
            evidence.push(EvidenceUse {
                sha256: r.try_get("sha256")?,
                file_name: r.try_get("file_name")?,
                measure_id: r.try_get("id")?,
                problem_id: r.try_get("problem_id")?,
                unit_id: r.try_get("responsible_unit_id")?,
            });
        }

        let sql = format!(
            "SELECT r.id AS report_id, r.text, m.id AS measure_id, m.responsible_unit_id FROM progress_report r \
             JOIN report_measure rm ON rm.report_id = r.id JOIN measure m ON m.id = rm.measure_id \
             WHERE 1 = 1{} ORDER BY r.id, m.id",
            w.sql
        );
        let mut texts = Vec::new();
        for r in bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?
        {
            texts.push(ProgressText {
                report_id: r.try_get("report_id")?,
                measure_id: r.try_get("measure_id")?,
                unit_id: r.try_get("responsible_unit_id")?,
                text: r.try_get("text")?,
            });
        }

        let mut pw = Where::default();
        pw.and("p.org_path >=", viewer.scope.as_str());
        pw.and("p.org_path <", viewer.scope.upper_bound());
        if let Some(i) = inspection_id {
            pw.and("p.inspection_id =", i);
        }
        let sql = format!(
            "SELECT p.id, p.signed_off_at, \
             (SELECT COUNT(*) FROM measure m WHERE m.problem_id = p.id) AS measures, \
             (SELECT COUNT(*) FROM measure m JOIN report_measure rm ON rm.measure_id = m.id JOIN evidence e ON e.report_id = rm.report_id \
              WHERE m.problem_id = p.id) AS evidence \
             FROM problem p WHERE p.signed_off_at IS NOT NULL{} ORDER BY p.id",
            pw.sql
        );
        let mut signed_off = Vec::new();
        for r in bind_all(sqlx::query(AssertSqlSafe(sql)), &pw.params)
            .fetch_all(self.pool())
            .await?
        {
            let at: String = r.try_get("signed_off_at")?;
            signed_off.push(SignedOffProblem {
                problem_id: r.try_get("id")?,
                signed_off_on: date_of(&at)?,
                measure_count: r.try_get("measures")?,
                evidence_count: r.try_get("evidence")?,
            });
        }

        let mut unit_names = BTreeMap::new();
        for r in sqlx::query("SELECT id, name FROM organisation ORDER BY id")
            .fetch_all(self.pool())
            .await?
        {
            unit_names.insert(r.try_get::<i64, _>("id")?, r.try_get::<String, _>("name")?);
        }
        Ok(Facts {
            closed,
            evidence,
            texts,
            signed_off,
            unit_names,
        })
    }
}

/// A crafted ledger for the look-back, sampling and flag tests: one inspection (feedback
/// 2025-01-01) of a root organisation with six units, and helpers that close measures on
/// chosen days with chosen report texts and evidence files.
#[cfg(test)]
pub(crate) mod fixture {
    use chrono::NaiveDate;
    use rectify_core::access::{Role, SignOffPolicy};
    use rectify_core::ledger::{MeasureKind, Severity};
    use rectify_core::state::Transition;

    use crate::{
        Actor, NewInspection, NewMeasure, NewOrganisation, NewPerson, NewProblem, NewReport,
        NewUser, Store, Viewer,
    };

    pub struct Fx {
        pub actor: Actor,
        pub viewer: Viewer,
        pub units: Vec<i64>,
        pub inspection: i64,
        pub aspect: i64,
        pub person: i64,
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    pub async fn ledger(store: &Store) -> Fx {
        let actor = Actor::cli("test");
        let mut w = store.begin_write().await.unwrap();
        let root = w
            .create_organisation(
                &actor,
                &NewOrganisation {
                    parent_id: None,
                    name: "某市".into(),
                    kind: "committee".into(),
                },
            )
            .await
            .unwrap();
        let mut units = Vec::new();
        for n in ["一局", "二局", "三局", "四局", "五局", "六局"] {
            let u = w
                .create_organisation(
                    &actor,
                    &NewOrganisation {
                        parent_id: Some(root.id),
                        name: n.into(),
                        kind: "unit".into(),
                    },
                )
                .await
                .unwrap();
            units.push(u.id);
        }
        let person = w
            .create_person(
                &actor,
                &NewPerson {
                    organisation_id: units[0],
                    name: "张三".into(),
                    title: None,
                    phone: None,
                },
            )
            .await
            .unwrap();
        let user = w
            .create_user(
                &actor,
                &NewUser {
                    login: "office1".into(),
                    display_name: "整改办".into(),
                    role: Role::Office,
                    organisation_id: root.id,
                    person_id: None,
                },
            )
            .await
            .unwrap();
        let i = w
            .create_inspection(
                &actor,
                &NewInspection::regular(root.id, "第一轮巡察", Some(d("2025-01-01"))),
            )
            .await
            .unwrap();
        let a = w
            .create_aspect(&actor, i.id, None, "党的领导")
            .await
            .unwrap();
        w.commit().await.unwrap();
        Fx {
            actor,
            viewer: Viewer {
                user_id: user.id,
                role: Role::Office,
                scope: root.path.clone(),
                person_id: None,
            },
            units,
            inspection: i.id,
            aspect: a.id,
            person: person.id,
        }
    }

    pub async fn problem(store: &Store, fx: &Fx, title: &str) -> i64 {
        let mut w = store.begin_write().await.unwrap();
        let p = w
            .create_problem(
                &fx.actor,
                &NewProblem {
                    aspect_id: fx.aspect,
                    title: title.into(),
                    detail: None,
                    severity: Severity::GENERAL,
                },
            )
            .await
            .unwrap();
        w.commit().await.unwrap();
        p.id
    }

    /// A measure of `problem` for `unit`, reported once with `text` (and an evidence file with
    /// `sha` when given), closed, and its closing moved to `closed_on`.
    pub async fn closed_measure(
        store: &Store,
        fx: &Fx,
        problem: i64,
        unit: i64,
        text: &str,
        sha: Option<&str>,
        closed_on: &str,
    ) -> i64 {
        let mut w = store.begin_write().await.unwrap();
        let m = w
            .create_measure(
                &fx.actor,
                &NewMeasure {
                    problem_id: problem,
                    text: format!("整改措施:{text}"),
                    kind: MeasureKind::TimeBound,
                    responsible_unit_id: Some(unit),
                    owner_id: Some(fx.person),
                    leader_id: None,
                    liaison_id: None,
                    deadline: Some(d("2025-12-31")),
                },
            )
            .await
            .unwrap();
        let m = w
            .transition_measure(
                &fx.actor,
                &fx.viewer,
                m.id,
                m.version,
                Transition::Assign,
                None,
            )
            .await
            .unwrap();
        let mut evidence_ids = Vec::new();
        if let Some(sha) = sha {
            evidence_ids.push(
                w.create_evidence(
                    &fx.actor,
                    &fx.viewer,
                    sha,
                    &format!("佐证-{}.pdf", &sha[..4]),
                    "application/pdf",
                    100,
                )
                .await
                .unwrap(),
            );
        }
        w.create_report(
            &fx.actor,
            &fx.viewer,
            &NewReport {
                measure_ids: vec![m.id],
                text: text.into(),
                percent: 100,
                reported_on: d("2025-02-01"),
                evidence_ids,
                submit: true,
            },
        )
        .await
        .unwrap();
        let v = w.measure(m.id).await.unwrap().version;
        w.transition_measure(&fx.actor, &fx.viewer, m.id, v, Transition::Close, None)
            .await
            .unwrap();
        w.commit().await.unwrap();
        set_closed_on(store, m.id, closed_on).await;
        m.id
    }

    pub async fn set_closed_on(store: &Store, measure: i64, day: &str) {
        sqlx::query("UPDATE measure SET closed_at = $1 WHERE id = $2")
            .bind(format!("{day}T10:00:00.000+08:00"))
            .bind(measure)
            .execute(store.pool())
            .await
            .unwrap();
    }

    /// Sign a problem off and move the sign-off to `day`.
    pub async fn sign_off(store: &Store, fx: &Fx, problem: i64, day: &str) {
        let mut w = store.begin_write().await.unwrap();
        let v = w.problem(problem).await.unwrap().version;
        w.sign_off_problem(&fx.actor, &fx.viewer, problem, v, &SignOffPolicy::default())
            .await
            .unwrap();
        w.commit().await.unwrap();
        sqlx::query("UPDATE problem SET signed_off_at = $1 WHERE id = $2")
            .bind(format!("{day}T16:00:00.000+08:00"))
            .bind(problem)
            .execute(store.pool())
            .await
            .unwrap();
    }
}

#[cfg(test)]
mod tests {
    use rectify_core::flags::FlagKind;

    use super::fixture::*;
    use crate::testing::stores;

    const SHA: [&str; 12] = [
        "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
        "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2",
        "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3",
        "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4",
        "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5",
        "f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6",
        "0707070707070707070707070707070707070707070707070707070707070707",
        "0808080808080808080808080808080808080808080808080808080808080808",
        "0909090909090909090909090909090909090909090909090909090909090909",
        "1010101010101010101010101010101010101010101010101010101010101010",
        "1111111111111111111111111111111111111111111111111111111111111111",
        "1212121212121212121212121212121212121212121212121212121212121212",
    ];

    /// The crafted dataset: each rule fires on exactly the items built to trigger it.
    #[tokio::test]
    async fn the_crafted_dataset_raises_each_flag_exactly_where_expected() {
        for (store, _g) in stores().await {
            let fx = ledger(&store).await;
            let u = &fx.units;
            let p1 = problem(&store, &fx, "问题一").await;
            let p2 = problem(&store, &fx, "问题二").await;
            let p3 = problem(&store, &fx, "问题三").await;
            let p4 = problem(&store, &fx, "问题四").await;
            let p5 = problem(&store, &fx, "问题五").await;
            let p6 = problem(&store, &fx, "问题六").await;
            // fast: closed 4 days after feedback; the other ten took 60–150 days.
            let fast = closed_measure(
                &store,
                &fx,
                p1,
                u[0],
                "已完成制度修订并印发执行",
                Some(SHA[0]),
                "2025-01-05",
            )
            .await;
            // evidence reused across unrelated measures (different problem and unit) …
            let reuse_a = closed_measure(
                &store,
                &fx,
                p2,
                u[1],
                "已清退违规发放的补贴",
                Some(SHA[1]),
                "2025-03-02",
            )
            .await;
            let reuse_b = closed_measure(
                &store,
                &fx,
                p3,
                u[2],
                "已完成公务用车专项清理",
                Some(SHA[1]),
                "2025-03-12",
            )
            .await;
            // … and within one problem (related: not flagged).
            closed_measure(
                &store,
                &fx,
                p4,
                u[3],
                "已建立台账并逐项销号",
                Some(SHA[2]),
                "2025-03-22",
            )
            .await;
            closed_measure(
                &store,
                &fx,
                p4,
                u[4],
                "已开展警示教育两次",
                Some(SHA[2]),
                "2025-04-01",
            )
            .await;
            // boilerplate across units (digits differ) …
            let tpl = "已召开专题会议研究部署,制定整改方案,明确责任分工,建立长效机制,整改工作取得阶段性成效";
            let bp_a = closed_measure(
                &store,
                &fx,
                p5,
                u[3],
                &format!("截至3月底,{tpl}。"),
                Some(SHA[3]),
                "2025-04-11",
            )
            .await;
            let bp_b = closed_measure(
                &store,
                &fx,
                p6,
                u[4],
                &format!("截至 4 月底,{tpl}"),
                Some(SHA[4]),
                "2025-04-21",
            )
            .await;
            // … and one unit repeating itself (not flagged).
            let own =
                "本单位已完成全部台账清理工作并建立了季度复查制度和责任追究制度确保整改成果不反弹";
            closed_measure(&store, &fx, p6, u[5], own, Some(SHA[5]), "2025-05-01").await;
            closed_measure(&store, &fx, p6, u[5], own, Some(SHA[6]), "2025-05-11").await;
            // closed without evidence.
            let bare =
                closed_measure(&store, &fx, p5, u[1], "已整改到位", None, "2025-05-21").await;
            // a problem signed off with no evidence on any measure.
            let p7 = problem(&store, &fx, "问题七").await;
            let bare_p7 = closed_measure(
                &store,
                &fx,
                p7,
                u[2],
                "已口头提醒相关人员",
                None,
                "2025-05-31",
            )
            .await;
            sign_off(&store, &fx, p7, "2025-06-01").await;
            // a problem signed off with evidence (not flagged).
            sign_off(&store, &fx, p2, "2025-06-01").await;

            let flags = store
                .quality_flags(&fx.viewer, Some(fx.inspection))
                .await
                .unwrap();
            let got: Vec<(FlagKind, Vec<i64>, Vec<i64>)> = flags
                .iter()
                .map(|f| (f.kind, f.measure_ids.clone(), f.problem_ids.clone()))
                .collect();
            assert_eq!(
                got,
                vec![
                    (FlagKind::FastClose, vec![fast], vec![p1]),
                    (
                        FlagKind::EvidenceReused,
                        vec![reuse_a, reuse_b],
                        vec![p2, p3]
                    ),
                    (FlagKind::BoilerplateText, vec![bp_a, bp_b], vec![]),
                    (FlagKind::ClosedWithoutEvidence, vec![bare], vec![p5]),
                    (FlagKind::ClosedWithoutEvidence, vec![bare_p7], vec![p7]),
                    (FlagKind::SignedOffWithoutEvidence, vec![], vec![p7]),
                ],
                "{:?}: {flags:#?}",
                store.dialect()
            );
            let fast_flag = &flags[0];
            assert!(
                fast_flag.explanation_zh.contains("4 天即销号"),
                "{}",
                fast_flag.explanation_zh
            );
            assert!(
                flags[1].explanation_zh.contains("二局")
                    && flags[1].explanation_zh.contains("三局")
            );
            // Scope: a unit's view sees none of the others' flags.
            let mut unit_view = fx.viewer.clone();
            unit_view.scope = unit_view.scope.child(u[5]);
            assert!(
                store
                    .quality_flags(&unit_view, None)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }
}
