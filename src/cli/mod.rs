//! Command-line verbs. Each opens the store the same way (`--database` wins over `--data-dir`).

mod calendar;
mod demo;
mod digest;
mod ledger;
mod ledger_import;
mod lookback;
mod notice;
mod notices;
mod report;
mod supervise;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use rectify_core::access::Role;
use rectify_core::ledger::{InspectionDates, InspectionKind};
use rectify_security::audit::HashAlg;
use rectify_security::password;
use rectify_security::session::new_api_token;
use rectify_store::ChainStatus;
use rectify_store::{Actor, AuditEvent, Location, NewInspection, NewOrganisation, NewUser, Store};

#[derive(Parser)]
#[command(
    name = "rectify",
    version,
    about = "整改通 Rectify: inspection rectification and supervision"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// Where the data lives; every verb that touches data takes these.
#[derive(Args, Clone)]
pub struct DataOpts {
    /// Data directory for the embedded SQLite database and evidence files.
    #[arg(
        long,
        env = "RECTIFY_DATA_DIR",
        default_value = "rectify-data",
        global = true
    )]
    pub(crate) data_dir: PathBuf,
    /// PostgreSQL URL (postgres://…); wins over --data-dir.
    #[arg(long, env = "RECTIFY_DATABASE_URL", global = true)]
    pub(crate) database: Option<String>,
}

impl DataOpts {
    pub(crate) async fn open(&self) -> Result<Store> {
        let loc = Location {
            database_url: self.database.clone(),
            data_dir: self.data_dir.clone(),
        };
        Store::open(&loc).await.context("opening the database")
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the web UI, the JSON API and the public pages.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Seed a demo inspection and demo accounts on an empty database (reused if seeded before).
        #[arg(long)]
        demo: bool,
        /// TLS terminates in front of Rectify: Secure `__Host-` cookies and HSTS.
        #[arg(long, env = "RECTIFY_TLS")]
        tls: bool,
        #[command(flatten)]
        data: DataOpts,
        #[command(flatten)]
        schedule: supervise::SchedulerOpts,
    },
    /// Administration.
    Admin {
        #[command(subcommand)]
        cmd: AdminCmd,
    },
    /// Inspections.
    Inspection {
        #[command(subcommand)]
        cmd: InspectionCmd,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Published progress notices (整改进展情况的通报).
    Notice {
        #[command(subcommand)]
        cmd: notice::NoticeCmd,
    },
    /// The ledger as a spreadsheet (整改台账): export.
    Ledger {
        #[command(subcommand)]
        cmd: ledger::LedgerCmd,
    },
    /// Documents generated from the ledger (通报, 整改报告).
    Report {
        #[command(subcommand)]
        cmd: report::ReportCmd,
    },
    /// The working-day calendar (工作日、调休).
    Calendar {
        #[command(subcommand)]
        cmd: calendar::CalendarCmd,
    },
    /// Daily supervision: traffic lights, escalation, the inbox (督查督办).
    Supervise {
        #[command(subcommand)]
        cmd: supervise::SuperviseCmd,
    },
    /// Demo and benchmark data.
    Demo {
        #[command(subcommand)]
        cmd: DemoCmd,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Create the root organisation and the three administrators with one-time passwords.
    Bootstrap {
        #[arg(long, default_value = "本级党委")]
        org_name: String,
        /// Audit hash algorithm for the chain: sha256 or sm3.
        #[arg(long, default_value = "sha256")]
        audit_hash: String,
        #[command(flatten)]
        data: DataOpts,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// API tokens for machine clients.
    Token {
        #[command(subcommand)]
        cmd: TokenCmd,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add an account with a one-time password (printed once).
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// system_admin | security_admin | audit_admin | office | supervisor | liaison | owner | leader
        #[arg(long)]
        role: String,
        #[arg(long)]
        org: i64,
        #[arg(long)]
        person: Option<i64>,
        #[command(flatten)]
        data: DataOpts,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Create an API token for an account (printed once; only its hash is stored).
    Create {
        #[arg(long)]
        login: String,
        #[arg(long, default_value = "cli")]
        name: String,
        #[command(flatten)]
        data: DataOpts,
    },
}

#[derive(Subcommand)]
enum InspectionCmd {
    /// Create an inspection and print its id.
    Create {
        /// The inspected organisation's id.
        #[arg(long)]
        org: i64,
        #[arg(long)]
        title: String,
        #[arg(long)]
        team: Option<String>,
        /// regular | special | flexible | follow_up
        #[arg(long, default_value = "regular")]
        kind: String,
        #[arg(long)]
        round: Option<i64>,
        #[arg(long)]
        stationed_from: Option<String>,
        #[arg(long)]
        stationed_to: Option<String>,
        #[arg(long)]
        feedback: Option<String>,
        #[command(flatten)]
        data: DataOpts,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk the hash chain; exit 0 when intact, 1 naming the first bad row otherwise.
    Verify {
        #[command(flatten)]
        data: DataOpts,
    },
}

#[derive(Subcommand)]
enum DemoCmd {
    /// Generate deterministic synthetic data (small ≈ 50 measures, city ≈ 135 k, province ≈ 1.35 M).
    Generate {
        #[arg(long, default_value = "small")]
        scale: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The date the ledger is "as of" (YYYY-MM-DD; default today). Same scale, seed and
        /// date give the same data.
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        data: DataOpts,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RECTIFY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.cmd)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Serve {
            addr,
            demo,
            tls,
            data,
            schedule,
        } => serve(addr, demo, tls, &data, &schedule).await,
        Cmd::Admin {
            cmd:
                AdminCmd::Bootstrap {
                    org_name,
                    audit_hash,
                    data,
                },
        } => {
            let store = data.open().await?;
            let alg: HashAlg = audit_hash
                .parse()
                .map_err(|_| anyhow::anyhow!("--audit-hash: expected sha256 or sm3"))?;
            bootstrap(&store, &org_name, alg).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Admin {
            cmd:
                AdminCmd::User {
                    cmd:
                        UserCmd::Add {
                            login,
                            name,
                            role,
                            org,
                            person,
                            data,
                        },
                },
        } => {
            let store = data.open().await?;
            let role =
                Role::parse(&role).with_context(|| format!("--role: unknown role '{role}'"))?;
            let policy = store.policy().await?;
            let otp = password::generate_one_time(16);
            let actor = Actor::cli("admin user add");
            let mut w = store.begin_write().await?;
            let u = w
                .create_user(
                    &actor,
                    &NewUser {
                        login,
                        display_name: name,
                        role,
                        organisation_id: org,
                        person_id: person,
                    },
                )
                .await?;
            w.set_password(&actor, u.id, &otp, &policy, true).await?;
            w.commit().await?;
            println!(
                "created user {} (id {}, role {})",
                u.login,
                u.id,
                role.as_str()
            );
            println!("one-time password (shown once, must be changed at first sign-in): {otp}");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Admin {
            cmd:
                AdminCmd::Token {
                    cmd: TokenCmd::Create { login, name, data },
                },
        } => {
            let store = data.open().await?;
            let u = store
                .user_by_login(&login)
                .await?
                .with_context(|| format!("--login: no user '{login}'"))?;
            let (token, hash) = new_api_token();
            let mut w = store.begin_write().await?;
            let id = w.create_token(u.id, &name, &hash).await?;
            w.audit(
                &Actor::cli("admin token create"),
                AuditEvent::ok("token.create", "api_token", id),
            )
            .await?;
            w.commit().await?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Inspection {
            cmd:
                InspectionCmd::Create {
                    org,
                    title,
                    team,
                    kind,
                    round,
                    stationed_from,
                    stationed_to,
                    feedback,
                    data,
                },
        } => {
            let store = data.open().await?;
            let kind = InspectionKind::parse(&kind)
                .with_context(|| format!("--kind: unknown kind '{kind}'"))?;
            let d = |field: &str, v: &Option<String>| -> Result<_> {
                v.as_deref()
                    .map(|s| rectify_core::text::date(field, s))
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("--{}: {}", e.field.replace('_', "-"), e.message))
            };
            let dates = InspectionDates {
                stationed_from: d("stationed_from", &stationed_from)?,
                stationed_to: d("stationed_to", &stationed_to)?,
                feedback_on: d("feedback", &feedback)?,
                plan_due: None,
                report_due: None,
            };
            let mut w = store.begin_write().await?;
            let i = w
                .create_inspection(
                    &Actor::cli("inspection create"),
                    &NewInspection {
                        round_id: round,
                        kind,
                        team,
                        inspected_org_id: org,
                        title,
                        dates,
                    },
                )
                .await?;
            w.commit().await?;
            println!("{}", i.id);
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Audit {
            cmd: AuditCmd::Verify { data },
        } => {
            let store = data.open().await?;
            match store.audit_verify().await? {
                ChainStatus::Intact(r) => {
                    println!(
                        "audit chain intact: {} rows, last seq {}",
                        r.rows,
                        r.last_seq.unwrap_or(0)
                    );
                    Ok(ExitCode::SUCCESS)
                }
                ChainStatus::Broken(b) => {
                    println!("audit chain BROKEN at seq {}: {b:?}", b.position());
                    Ok(ExitCode::from(1))
                }
            }
        }
        Cmd::Notice { cmd } => notice::run(cmd).await,
        Cmd::Calendar { cmd } => calendar::run(cmd).await,
        Cmd::Supervise { cmd } => supervise::run(cmd).await,
        Cmd::Report { cmd } => report::run(cmd).await,
        Cmd::Ledger { cmd } => ledger::run(cmd).await,
        Cmd::Demo {
            cmd:
                DemoCmd::Generate {
                    scale,
                    seed,
                    as_of,
                    data,
                },
        } => {
            let store = data.open().await?;
            let as_of = match as_of {
                Some(d) => rectify_core::text::date("as_of", &d)
                    .map_err(|e| anyhow::anyhow!("--as-of: {}", e.message))?,
                None => rectify_store::today(),
            };
            demo::generate(&store, &scale, seed, as_of).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(
    addr: SocketAddr,
    demo_mode: bool,
    tls: bool,
    data: &DataOpts,
    schedule: &supervise::SchedulerOpts,
) -> Result<ExitCode> {
    let store = data.open().await?;
    if demo_mode {
        demo::ensure_demo(&store).await?;
    } else if store.is_empty().await? {
        bootstrap(&store, "本级党委", HashAlg::Sha256).await?;
    }
    if !tls {
        if !addr.ip().is_loopback() {
            bail!(
                "--addr {addr}: plain HTTP is only allowed on loopback; put TLS in front and pass --tls"
            );
        }
        eprintln!(
            "note: plain-HTTP loopback mode: the session cookie is not Secure. Use --tls behind a TLS proxy in production."
        );
    }
    tokio::spawn(maintenance(store.clone()));
    supervise::spawn_scheduler(store.clone(), schedule);
    let state = rectify_web::AppState::new(
        store,
        rectify_web::WebConfig {
            tls,
            ..Default::default()
        },
    );
    eprintln!("rectify serving on http://{addr}  (API: /api/v1, OpenAPI: /api/v1/openapi.json)");
    rectify_web::serve(state, addr).await?;
    Ok(ExitCode::SUCCESS)
}

/// Hourly housekeeping: drop expired sessions, disable accounts idle past the policy (等保 row 6).
/// Idempotent, so several servers may all run it.
async fn maintenance(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let policy = match store.policy().await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "maintenance: cannot read the policy");
                continue;
            }
        };
        let idle = policy
            .idle_minutes_privileged
            .max(policy.idle_minutes_other);
        match store
            .purge_expired_sessions(idle, policy.absolute_hours)
            .await
        {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "maintenance: session purge failed"),
        }
        match store
            .disable_idle_accounts(&Actor::cli("maintenance"))
            .await
        {
            Ok(ids) if !ids.is_empty() => {
                tracing::info!(accounts = ids.len(), "idle accounts disabled")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "maintenance: idle-account check failed"),
        }
    }
}

/// First start: a root organisation and the three administrators, each with a one-time
/// password printed once to the terminal (never to the log).
async fn bootstrap(store: &Store, org_name: &str, alg: HashAlg) -> Result<()> {
    if !store.is_empty().await? {
        bail!("this database already has organisations or users; bootstrap runs only once");
    }
    let actor = Actor::cli("admin bootstrap");
    store.set_audit_alg(alg, &actor).await?;
    let policy = store.policy().await?;
    let mut w = store.begin_write().await?;
    let root = w
        .create_organisation(
            &actor,
            &NewOrganisation {
                parent_id: None,
                name: org_name.into(),
                kind: "committee".into(),
            },
        )
        .await?;
    let mut lines = Vec::new();
    for (login, name, role) in [
        ("sysadmin", "系统管理员", Role::SystemAdmin),
        ("secadmin", "安全管理员", Role::SecurityAdmin),
        ("auditadmin", "审计管理员", Role::AuditAdmin),
    ] {
        let u = w
            .create_user(
                &actor,
                &NewUser {
                    login: login.into(),
                    display_name: name.into(),
                    role,
                    organisation_id: root.id,
                    person_id: None,
                },
            )
            .await?;
        let otp = password::generate_one_time(16);
        w.set_password(&actor, u.id, &otp, &policy, true).await?;
        lines.push(format!("  {login:<11} {name}  one-time password: {otp}"));
    }
    w.commit().await?;
    println!(
        "bootstrap: created organisation '{org_name}' (id {}) and the three administrators.",
        root.id
    );
    println!("These one-time passwords are shown once and must be changed at first sign-in:");
    for l in lines {
        println!("{l}");
    }
    Ok(())
}
