//! `serve --demo` seeding and `demo generate`: synthetic ledgers loaded in bulk, plus one demo
//! account per role on a demo database.

use anyhow::{Context, Result, bail};
use rectify_core::access::{OrgPath, Role};
use rectify_core::demo::{self as gen_demo, Scale};
use rectify_store::{Actor, MeasureFilter, NewUser, Store, Viewer};

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

/// Seed a demo on an empty database, reuse one seeded before, refuse anything else.
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
    let summary = generate(store, "small", 1, rectify_store::today()).await?;
    let root = store.organisation(summary.root_org_id).await?;
    let office_view = Viewer {
        user_id: 0,
        role: Role::Office,
        scope: root.path.clone(),
        person_id: None,
    };
    // A measure with a unit and an owner: its unit gets the liaison, its owner the owner account.
    let page = store
        .measures(
            &office_view,
            &MeasureFilter {
                per_page: 200,
                page: 1,
                ..MeasureFilter::default()
            },
        )
        .await?;
    let m = page
        .items
        .iter()
        .find(|m| m.measure.responsible_unit_id.is_some() && m.measure.owner_id.is_some())
        .context("demo ledger has no assigned measure")?;
    let unit = m.measure.responsible_unit_id.unwrap_or(root.id);
    let owner_person = m.measure.owner_id;
    let owner_org = match owner_person {
        Some(p) => store.person(p).await?.organisation_id,
        None => unit,
    };
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
        ("liaison", "联络员", Role::Liaison, unit, None),
        ("owner", "责任人", Role::Owner, owner_org, owner_person),
    ];
    let actor = Actor::cli("serve --demo");
    let policy = store.policy().await?;
    let mut w = store.begin_write().await?;
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
    }
    w.meta_set("demo", "seeded").await?;
    w.commit().await?;
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
    let _ = OrgPath::root(1);
    Ok(())
}
