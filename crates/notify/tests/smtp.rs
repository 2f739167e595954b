//! Digests sent to a real SMTP server (Python's aiosmtpd, started here, writing a Maildir) and
//! read back with Python's e-mail parser: recipient, subject and Chinese body; none when
//! nothing is due; a second send for the day sends nothing; a failed send is retried.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use rectify_notify::{SmtpConfig, send_daily};
use rectify_store::{Actor, Location, NewOrganisation, NewPerson, Store};

/// A python that can import aiosmtpd, or None (skipped loudly; a failure under REQUIRE_ALL).
fn smtp_python() -> Option<String> {
    let candidates = [
        std::env::var("RECTIFY_TEST_SMTP_PYTHON").ok(),
        std::env::var("RECTIFY_TEST_PYTHON").ok(),
        Some("/usr/bin/python3".to_string()),
    ];
    for c in candidates.into_iter().flatten() {
        let ok = Command::new(&c)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(c);
        }
    }
    assert!(
        std::env::var("RECTIFY_TEST_REQUIRE_ALL").as_deref() != Ok("1"),
        "no python with aiosmtpd but RECTIFY_TEST_REQUIRE_ALL=1 (install python3-aiosmtpd)"
    );
    eprintln!("SKIPPED: SMTP digest tests (no python with aiosmtpd: install python3-aiosmtpd)");
    None
}

struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
    python: String,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_sink(python: &str, dir: &Path) -> Sink {
    let port = free_port();
    let child = Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start aiosmtpd");
    // Owned at once, so a failed start still kills and reaps the process.
    let sink = Sink {
        child,
        port,
        dir: dir.to_path_buf(),
        python: python.to_string(),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return sink;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("aiosmtpd did not listen on {port}");
}

impl Sink {
    fn messages(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.dir.join("new"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    /// To, Subject and the decoded body, as Python's e-mail package reads them.
    fn parse(&self, file: &Path) -> (String, String, String) {
        let out = Command::new(&self.python)
            .args([
                "-c",
                "import sys, email\nfrom email import policy\nm = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)\nsys.stdout.buffer.write((str(m['To']) + '\\n' + str(m['Subject']) + '\\n' + m.get_content()).encode('utf-8'))",
            ])
            .arg(file)
            .output()
            .expect("python parses the message");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = String::from_utf8(out.stdout).unwrap();
        let mut it = s.splitn(3, '\n');
        (
            it.next().unwrap().to_string(),
            it.next().unwrap().to_string(),
            it.next().unwrap_or("").to_string(),
        )
    }
}

async fn notify(store: &Store, person: i64, day: &str, object_id: i64, tier: i64, message: &str) {
    sqlx::query(
        "INSERT INTO notification (recipient_person_id, day, kind, tier, object_type, object_id, message) VALUES ($1, $2, 'light', $3, 'measure', $4, $5)",
    )
    .bind(person)
    .bind(day)
    .bind(tier)
    .bind(object_id)
    .bind(message)
    .execute(store.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn daily_digest_reaches_a_real_smtp_server_once() {
    let Some(python) = smtp_python() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let sink = start_sink(&python, &tmp.path().join("mail")).await;
    let store = Store::open(&Location {
        database_url: None,
        data_dir: tmp.path().join("data"),
    })
    .await
    .unwrap();
    let a = Actor::cli("test");
    let mut w = store.begin_write().await.unwrap();
    let org = w
        .create_organisation(
            &a,
            &NewOrganisation {
                parent_id: None,
                name: "某局".into(),
                kind: "unit".into(),
            },
        )
        .await
        .unwrap();
    let mut people = Vec::new();
    for name in ["张三", "李四", "王五"] {
        people.push(
            w.create_person(
                &a,
                &NewPerson {
                    organisation_id: org.id,
                    name: name.into(),
                    title: None,
                    phone: None,
                },
            )
            .await
            .unwrap()
            .id,
        );
    }
    w.set_person_email(&a, people[0], Some("zhangsan@example.cn"))
        .await
        .unwrap();
    w.set_person_email(&a, people[2], Some("wangwu@example.cn"))
        .await
        .unwrap();
    let e = w
        .set_person_email(&a, people[1], Some("not an address"))
        .await;
    assert!(e.is_err());
    w.commit().await.unwrap();
    // 张三: two items today, one tomorrow; 李四: no address (inbox only); 王五: nothing due.
    notify(
        &store,
        people[0],
        "2026-03-05",
        7,
        1,
        "措施 7 将于 3 个工作日内到期(黄灯)",
    )
    .await;
    notify(
        &store,
        people[0],
        "2026-03-05",
        9,
        3,
        "措施 9「清理违规公务用车」已逾期 12 个工作日(红灯)",
    )
    .await;
    notify(
        &store,
        people[0],
        "2026-03-06",
        7,
        1,
        "措施 7 将于 2 个工作日内到期(黄灯)",
    )
    .await;
    notify(
        &store,
        people[1],
        "2026-03-05",
        8,
        1,
        "措施 8 将于 3 个工作日内到期(黄灯)",
    )
    .await;

    let day = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
    let cfg = SmtpConfig::new(
        &format!("smtp://127.0.0.1:{}", sink.port),
        "整改通 <rectify@example.cn>",
    )
    .unwrap();
    let s = send_daily(&store, day, &cfg).await.unwrap();
    assert_eq!(
        (s.recipients, s.sent, s.skipped, s.failed.len()),
        (1, 1, 0, 0),
        "{s:?}"
    );
    let files = sink.messages();
    assert_eq!(files.len(), 1, "one digest, for 张三 only");
    let raw = std::fs::read(&files[0]).unwrap();
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n" || w == b"\n\n\n\n")
        .unwrap_or(raw.len());
    let header_text = String::from_utf8_lossy(&raw[..head_end.min(raw.len())]);
    let headers: String = header_text
        .lines()
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        headers.is_ascii(),
        "headers are RFC 2047-encoded ASCII:\n{headers}"
    );
    let (to, subject, body) = sink.parse(&files[0]);
    assert_eq!(to, "张三 <zhangsan@example.cn>");
    assert_eq!(subject, "【整改通】2026年3月5日 整改事项提醒（2项）");
    assert!(body.starts_with("张三同志："), "{body}");
    let red = body
        .find("1. 【督办·已报主要负责人】措施 9「清理违规公务用车」")
        .expect(&body);
    let yellow = body
        .find("2. 【提醒】措施 7 将于 3 个工作日内到期")
        .expect(&body);
    assert!(red < yellow);
    assert!(
        !body.contains("2 个工作日内"),
        "tomorrow's item is not in today's digest"
    );

    // The same day again: nothing sent.
    let s = send_daily(&store, day, &cfg).await.unwrap();
    assert_eq!((s.sent, s.recipients), (0, 0), "{s:?}");
    assert_eq!(sink.messages().len(), 1);
    let emailed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notification WHERE emailed_at IS NOT NULL")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(emailed, 2, "today's two rows for 张三 are marked");

    // A day with nothing due sends nothing.
    let quiet = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
    assert_eq!(send_daily(&store, quiet, &cfg).await.unwrap().recipients, 0);

    // The server is down: the failure is recorded and the next send retries.
    let next = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
    let down = SmtpConfig::new(
        &format!("smtp://127.0.0.1:{}", free_port()),
        "rectify@example.cn",
    )
    .unwrap();
    let s = send_daily(&store, next, &down).await.unwrap();
    assert_eq!((s.sent, s.failed.len()), (0, 1), "{s:?}");
    let s = send_daily(&store, next, &cfg).await.unwrap();
    assert_eq!((s.sent, s.failed.len()), (1, 0), "{s:?}");
    assert_eq!(sink.messages().len(), 2);
    let (state, attempts): (String, i64) =
        sqlx::query_as("SELECT state, attempts FROM email_digest WHERE day = '2026-03-06'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!((state.as_str(), attempts), ("sent", 2));
    store.close().await;
}

#[test]
fn bad_smtp_settings_name_the_setting() {
    let e = SmtpConfig::new("http://x", "a@b.cn")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("smtp_url"), "{e}");
    let e = SmtpConfig::new("smtp://127.0.0.1:25", "not a mailbox")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("smtp_from"), "{e}");
    let c = SmtpConfig::new("smtps://user:secret@mail.example.cn:465", "a@b.cn").unwrap();
    assert!(!format!("{c:?}").contains("secret"));
}
