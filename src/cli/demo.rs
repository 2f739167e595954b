//! `serve --demo` seeding (the real Dongguan ledger, built from its published notice, plus one
//! demo account per role) and `demo generate` (synthetic ledgers loaded in bulk).

use anyhow::{Context, Result, bail};
use rectify_core::access::Role;
use rectify_core::demo::{self as gen_demo, Scale};
use rectify_core::ledger::{InspectionDates, InspectionKind};
use rectify_core::state::Transition;
use rectify_store::{
    Actor, MeasureFilter, MeasurePatch, NewInspection, NewOrganisation, NewPerson, NewReport,
    NewUser, Store, Viewer,
};

/// The password of every demo account. Demo databases only; never used by bootstrap.
pub const DEMO_PASSWORD: &str = "Zgt#2026demo";

/// Load a generated ledger of the given scale. `as_of` decides which measures are done, late
/// or overdue: the demo uses today so it looks current; benchmarks pass a fixed date.
pub async fn generate(
    store: &Store,
    scale: &str,
    seed: u64,
    as_of: chrono::NaiveDate,
) -> Result<rectify_store::bulk::LoadSummary> {
    let scale: Scale = scale
        .parse()
        .map_err(|_| anyhow::anyhow!("--scale: expected small, city or province, got '{scale}'"))?;
    let started = std::time::Instant::now();
    let ledger = gen_demo::generate_as_of(scale, seed, as_of);
    let generated = started.elapsed();
    let summary = rectify_store::bulk::load(store, &ledger, &Actor::cli("demo generate")).await?;
    println!(
        "generated {} scale (seed {seed}, as of {as_of}) in {:.1}s, loaded in {:.1}s: {} organisations, {} people, {} inspections, {} problems, {} measures, {} reports",
        scale.as_str(),
        generated.as_secs_f64(),
        (started.elapsed() - generated).as_secs_f64(),
        summary.organisations,
        summary.people,
        summary.inspections,
        summary.problems,
        summary.measures,
        summary.reports
    );
    Ok(summary)
}

/// The Dongguan notice the demo ledger is built from.
const SEED_NOTICE: &str = include_str!("../../crates/notice/testdata/dongguan-2021-12-28.txt");

/// Internal units of the inspected organisation: (name, owner, owner's title, liaison).
const UNITS: [(&str, &str, &str, &str); 6] = [
    ("秘书科", "李慧敏", "科长", "周晓琳"),
    ("督查室", "张国栋", "主任", "吴凯"),
    ("政务公开办", "刘倩", "主任", "郑雅文"),
    ("人事科", "王志强", "科长", "梁文"),
    ("机关党委", "邓丽萍", "专职副书记", "袁婷"),
    ("财务科", "何俊杰", "科长", "叶振宇"),
];

/// The unit the liaison and owner demo accounts belong to.
const DEMO_UNIT: usize = 1;

/// Responsible unit of a measure: by its wording, else by its aspect.
fn unit_for(aspect: usize, text: &str) -> usize {
    if text.contains("督查") || text.contains("硬任务") {
        1
    } else if text.contains("政务公开") || text.contains("信息公开") {
        2
    } else if text.contains("工会") || text.contains("党费") {
        4
    } else {
        match aspect {
            1 => 0,
            3 => 3,
            5 => 5,
            _ => 4,
        }
    }
}

/// The lead of a measure text: up to its first full stop, at most 40 characters.
fn lead(text: &str) -> String {
    let first = text.split(['。', '；']).next().unwrap_or(text);
    first.chars().take(40).collect()
}

fn day(y: i32, m: u32, d: u32) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(y, m, d).with_context(|| format!("bad date {y}-{m}-{d}"))
}

/// Seed a demo on an empty database, reuse one seeded before, refuse anything else. The demo
/// is the real Dongguan ledger: its inspection is built from the published notice, then
/// assigned, reported and closed the way an office would.
pub async fn ensure_demo(store: &Store) -> Result<()> {
    if store.meta_get("demo").await?.as_deref() == Some("seeded") {
        eprintln!("demo database found: reusing it");
        print_accounts(store).await?;
        return Ok(());
    }
    if !store.is_empty().await? {
        bail!(
            "--demo: this database already holds data that is not a demo; refusing to touch it (use an empty --data-dir)"
        );
    }
    let notice = rectify_notice::parse_bytes(SEED_NOTICE.as_bytes(), Some("dongguan.txt"))
        .map_err(|e| anyhow::anyhow!("demo notice: {e}"))?;
    let actor = Actor::cli("serve --demo");
    let policy = store.policy().await?;
    // The notice's dates where it has them, the known ones otherwise.
    let text_date = |v: &Option<String>, default: chrono::NaiveDate| {
        v.as_deref()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .unwrap_or(default)
    };
    let feedback = text_date(&notice.inspection.feedback, day(2021, 7, 22)?);

    // Organisations, people, the inspection and the accounts: one write.
    let mut w = store.begin_write().await?;
    let org = |parent: Option<i64>, name: &str, kind: &str| NewOrganisation {
        parent_id: parent,
        name: name.into(),
        kind: kind.into(),
    };
    let person = |org: i64, name: &str, title: &str, phone: &str| NewPerson {
        organisation_id: org,
        name: name.into(),
        title: Some(title.into()),
        phone: Some(phone.into()),
    };
    let root = w
        .create_organisation(&actor, &org(None, "中共东莞市委", "committee"))
        .await?;
    let inspected_name = notice
        .inspection
        .inspected
        .clone()
        .unwrap_or_else(|| "中共东莞市人民政府机关党组".into());
    let inspected = w
        .create_organisation(&actor, &org(Some(root.id), &inspected_name, "organisation"))
        .await?;
    let secretary = w
        .create_person(
            &actor,
            &person(inspected.id, "陈志明", "党组书记、秘书长", "0769-22830001"),
        )
        .await?;
    w.set_principal_leader(&actor, inspected.id, secretary.id)
        .await?;
    let deputy_party = w
        .create_person(
            &actor,
            &person(
                inspected.id,
                "林建华",
                "党组成员、副秘书长",
                "0769-22830002",
            ),
        )
        .await?;
    let deputy_finance = w
        .create_person(
            &actor,
            &person(
                inspected.id,
                "黄晓东",
                "党组成员、副秘书长",
                "0769-22830003",
            ),
        )
        .await?;
    let mut units = Vec::new();
    for (i, (name, owner, title, liaison)) in UNITS.iter().enumerate() {
        let u = w
            .create_organisation(&actor, &org(Some(inspected.id), name, "unit"))
            .await?;
        let o = w
            .create_person(
                &actor,
                &person(u.id, owner, title, &format!("0769-2283{:04}", 101 + i)),
            )
            .await?;
        let l = w
            .create_person(
                &actor,
                &person(u.id, liaison, "联络员", &format!("0769-2283{:04}", 201 + i)),
            )
            .await?;
        units.push((u, o.id, l.id));
    }
    let round_name = notice
        .inspection
        .round
        .clone()
        .unwrap_or_else(|| "十四届市委第十三轮".into());
    let round = w
        .create_round(&actor, root.id, &format!("{round_name}巡察"), Some(2021))
        .await?;
    let title = notice
        .title
        .clone()
        .and_then(|t| {
            t.split_once("关于").map(|(_, rest)| {
                rest.trim_end_matches("整改阶段性进展情况的通报")
                    .to_string()
            })
        })
        .filter(|t| !t.is_empty())
        .map(|t| format!("{t}({inspected_name})"))
        .unwrap_or_else(|| format!("{round_name}巡察({inspected_name})"));
    let inspection = w
        .create_inspection(
            &actor,
            &NewInspection {
                round_id: Some(round.id),
                kind: InspectionKind::Regular,
                team: Some(
                    notice
                        .inspection
                        .team
                        .clone()
                        .unwrap_or_else(|| "市委第一巡察组".into()),
                ),
                inspected_org_id: inspected.id,
                title,
                dates: InspectionDates {
                    stationed_from: Some(text_date(&notice.inspection.from, day(2021, 3, 12)?)),
                    stationed_to: Some(text_date(&notice.inspection.to, day(2021, 4, 9)?)),
                    feedback_on: Some(feedback),
                    plan_due: Some(feedback + chrono::Duration::days(30)),
                    report_due: Some(feedback + chrono::Duration::days(60)),
                },
            },
        )
        .await?;
    let (demo_unit, demo_owner, _) = &units[DEMO_UNIT];
    let accounts: [(&str, &str, Role, i64, Option<i64>); 8] = [
        ("sysadmin", "系统管理员", Role::SystemAdmin, root.id, None),
        ("secadmin", "安全管理员", Role::SecurityAdmin, root.id, None),
        ("auditadmin", "审计管理员", Role::AuditAdmin, root.id, None),
        ("office", "整改办", Role::Office, root.id, None),
        (
            "supervisor",
            "纪委监委监督",
            Role::Supervisor,
            root.id,
            None,
        ),
        ("leader", "领导", Role::Leader, root.id, None),
        ("liaison", "联络员", Role::Liaison, demo_unit.id, None),
        (
            "owner",
            "责任人",
            Role::Owner,
            demo_unit.id,
            Some(*demo_owner),
        ),
    ];
    let mut user_ids = std::collections::HashMap::new();
    for (login, name, role, org, person) in accounts {
        let u = w
            .create_user(
                &actor,
                &NewUser {
                    login: login.into(),
                    display_name: name.into(),
                    role,
                    organisation_id: org,
                    person_id: person,
                },
            )
            .await?;
        w.set_password(&actor, u.id, DEMO_PASSWORD, &policy, false)
            .await?;
        user_ids.insert(login, u.id);
    }
    w.commit().await?;

    // The notice becomes the ledger: one import.
    let office = Viewer {
        user_id: user_ids.get("office").copied().unwrap_or(0),
        role: Role::Office,
        scope: root.path.clone(),
        person_id: None,
    };
    let liaison = Viewer {
        user_id: user_ids.get("liaison").copied().unwrap_or(0),
        role: Role::Liaison,
        scope: demo_unit.path.clone(),
        person_id: None,
    };
    let plan = rectify_store::import::plan(store, &office, inspection.id, &notice).await?;
    let imported = rectify_store::import::apply(store, &actor, &plan).await?;

    // Then the office's work: units, owners, deadlines, reports and reviews.
    let today = rectify_store::today();
    let problems = store.problems(inspection.id).await?;
    let aspects = store.aspects(inspection.id).await?;
    let aspect_pos = |problem_id: i64| -> usize {
        problems
            .iter()
            .find(|p| p.id == problem_id)
            .and_then(|p| aspects.iter().position(|a| a.id == p.aspect_id))
            .map_or(1, |i| i + 1)
    };
    let page = store
        .measures(
            &office,
            &MeasureFilter {
                inspection_id: Some(inspection.id),
                per_page: 500,
                page: 1,
                ..MeasureFilter::default()
            },
        )
        .await?;
    let deadlines = [
        day(2021, 8, 31)?,
        day(2021, 9, 30)?,
        day(2021, 10, 31)?,
        day(2021, 11, 30)?,
        day(2021, 12, 31)?,
    ];
    let (mut closed, mut in_progress, mut overdue) = (0, 0, 0);
    let mut open_problems = std::collections::HashSet::new();
    let mut w = store.begin_write().await?;
    for (i, mv) in page.items.iter().enumerate() {
        let m = &mv.measure;
        let aspect = aspect_pos(m.problem_id);
        let u = unit_for(aspect, &m.text);
        let (unit, owner, liaison_person) = &units[u];
        let leader = match aspect {
            3 => secretary.id,
            5 => deputy_finance.id,
            _ => deputy_party.id,
        };
        // Most done; a few still in progress (due later); a few overdue and silent.
        let fate = if i % 11 == 6 {
            "overdue"
        } else if i % 8 == 3 {
            "in_progress"
        } else {
            "closed"
        };
        let deadline = match fate {
            "in_progress" => today + chrono::Duration::days(30 + (i as i64 % 5) * 15),
            "overdue" => {
                let d = today - chrono::Duration::days(10 + i as i64);
                d.max(feedback)
            }
            _ if m.kind == rectify_core::ledger::MeasureKind::Ongoing => day(2022, 6, 30)?,
            _ => deadlines[i % deadlines.len()],
        };
        let updated = w
            .update_measure(
                &actor,
                &office,
                m.id,
                m.version,
                &MeasurePatch {
                    responsible_unit_id: Some(Some(unit.id)),
                    owner_id: Some(Some(*owner)),
                    leader_id: Some(Some(leader)),
                    liaison_id: Some(Some(*liaison_person)),
                    deadline: Some(Some(deadline)),
                    ..MeasurePatch::default()
                },
            )
            .await?;
        let assigned = w
            .transition_measure(
                &actor,
                &office,
                m.id,
                updated.version,
                Transition::Assign,
                None,
            )
            .await?;
        let reporter = if u == DEMO_UNIT { &liaison } else { &office };
        match fate {
            "closed" => {
                let on = (deadline - chrono::Duration::days(3 + (i as i64 % 9))).min(today);
                w.create_report(
                    &actor,
                    reporter,
                    &NewReport {
                        measure_ids: vec![m.id],
                        text: format!(
                            "已完成: {}。已按整改方案落实, 并建立整改台账和支撑材料。",
                            lead(&m.text)
                        ),
                        percent: 100,
                        reported_on: on.max(feedback),
                        evidence_ids: vec![],
                        submit: true,
                    },
                )
                .await?;
                let current = w.measure(m.id).await?;
                let t = if current.kind == rectify_core::ledger::MeasureKind::Ongoing {
                    Transition::CloseOngoing
                } else {
                    Transition::Close
                };
                w.transition_measure(&actor, &office, m.id, current.version, t, None)
                    .await?;
                closed += 1;
            }
            "in_progress" => {
                w.create_report(
                    &actor,
                    reporter,
                    &NewReport {
                        measure_ids: vec![m.id],
                        text: format!(
                            "正在整改: {}。已制定工作方案, 正按计划推进。",
                            lead(&m.text)
                        ),
                        percent: 60,
                        reported_on: (today - chrono::Duration::days(7)).max(feedback),
                        evidence_ids: vec![],
                        submit: false,
                    },
                )
                .await?;
                in_progress += 1;
                open_problems.insert(m.problem_id);
            }
            _ => {
                let _ = assigned;
                overdue += 1;
                open_problems.insert(m.problem_id);
            }
        }
    }
    // Problems whose measures are all closed are signed off (销号), as the office would.
    let mut signed = 0;
    for p in &problems {
        if !open_problems.contains(&p.id) {
            let current = w.problem(p.id).await?;
            w.sign_off_problem(
                &actor,
                &office,
                p.id,
                current.version,
                &rectify_core::access::SignOffPolicy::default(),
            )
            .await?;
            signed += 1;
        }
    }
    w.meta_set("demo", "seeded").await?;
    w.commit().await?;
    eprintln!(
        "demo: {} imported from the Dongguan notice ({} aspects, {} problems, {} measures): {closed} closed, {in_progress} in progress, {overdue} overdue; {signed} problems signed off",
        inspection.title,
        imported.aspects_created,
        imported.problems_created,
        imported.measures_created
    );
    print_accounts(store).await
}

async fn print_accounts(store: &Store) -> Result<()> {
    eprintln!("DEMO MODE: demo accounts (password for all: {DEMO_PASSWORD}; demo databases only):");
    for login in [
        "sysadmin",
        "secadmin",
        "auditadmin",
        "office",
        "supervisor",
        "leader",
        "liaison",
        "owner",
    ] {
        if let Some(u) = store.user_by_login(login).await? {
            let org = store.organisation(u.organisation_id).await?;
            eprintln!("  {login:<11} {:<8} {}", u.role.label_zh(), org.name);
        }
    }
    Ok(())
}
