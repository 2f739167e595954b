//! Files at the edges (SECURITY-BAR rows 24 and 26): bodies over the upload cap are refused while
//! they stream in (chunked API upload, chunked multipart report form), a traversal corpus of file
//! names writes nothing outside storage, downloads carry RFC 6266 `filename*` names, and an
//! archive with zip-slip entry names is refused without writing anything; text with 4-byte
//! characters round-trips through import and export in every accepted encoding (row 27).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Client, PASSWORD, engines, err, seed, start};

/// Names an uploader may send: traversal in every spelling, absolute paths, NUL and control
/// characters, percent-encoded and full-width dots and slashes.
const CORPUS: &[&str] = &[
    "../../../../tmp/rectify-escape-1.pdf",
    "..\\..\\..\\rectify-escape-2.pdf",
    "/etc/rectify-escape-3.pdf",
    "C:\\Windows\\rectify-escape-4.pdf",
    "%2e%2e%2f%2e%2e%2frectify-escape-5.pdf",
    "%2e%2e%5c%2e%2e%5crectify-escape-6.pdf",
    "..%2f..%2frectify-escape-7.pdf",
    "．．／．．／rectify-escape-8.pdf",
    "....//....//rectify-escape-9.pdf",
    "rectify-escape-10.pdf\0.png",
    "rectify-escape-11\r\nX-Injected: 1.pdf",
    "..",
    ".",
    "/",
    "",
    "整改报告/../../rectify-escape-12.pdf",
];

/// Every file under `dir` (recursively), as paths relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

/// Places a traversal could have reached, relative to the test's working directory, the data
/// directory and the filesystem root.
fn escaped(data_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut bases = vec![
        PathBuf::from("."),
        PathBuf::from(".."),
        PathBuf::from("../.."),
        PathBuf::from("/tmp"),
        PathBuf::from("/etc"),
        PathBuf::from("/"),
    ];
    if let Some(d) = data_dir {
        bases.push(d.to_path_buf());
        bases.push(d.join(".."));
    }
    let mut found = Vec::new();
    for b in bases {
        let Ok(rd) = std::fs::read_dir(&b) else {
            continue;
        };
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().contains("rectify-escape") {
                found.push(e.path());
            }
        }
    }
    found
}

#[tokio::test]
async fn a_traversal_corpus_of_file_names_writes_nothing_outside_storage() {
    for e in engines().await {
        seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let owner = Client::login_as(&srv, "owner").await;
        let data_dir = e._data_dir.as_ref().map(|d| d.path().to_path_buf());
        let before = data_dir.as_deref().map(files_under);
        let mut stored = 0;
        for (i, name) in CORPUS.iter().enumerate() {
            let body = format!("%PDF-1.4 corpus {i}").into_bytes();
            let r = owner
                .http
                .post(format!("{}/api/v1/evidence", owner.base))
                .query(&[("file_name", name)])
                .header("x-csrf-token", owner.csrf.clone().unwrap())
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let st = r.status();
            let v: Value = r.json().await.unwrap();
            if st == StatusCode::UNPROCESSABLE_ENTITY {
                assert_eq!(err(&v).1, Some("file_name"), "{name:?}: {v}");
                continue;
            }
            assert_eq!(st, StatusCode::CREATED, "{} {name:?}: {v}", e.name);
            stored += 1;
            let id = v["id"].as_i64().unwrap();
            let (_, ev) = owner.get(&format!("/api/v1/evidence/{id}")).await;
            let kept = ev["file_name"].as_str().unwrap_or_else(|| panic!("{ev}"));
            assert!(
                !kept.is_empty()
                    && kept != ".."
                    && !kept.contains(['/', '\\', '\0', '\r', '\n'])
                    && kept.contains("rectify-escape"),
                "{name:?} kept as {kept:?}"
            );
            // The download names the file for the browser the RFC 6266 way, nothing injected.
            let r = owner
                .http
                .get(format!("{}/api/v1/evidence/{id}/content", owner.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            assert!(r.headers().get("x-injected").is_none());
            let cd = r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .to_string();
            let (plain, star) = cd
                .strip_prefix("attachment; filename=\"")
                .and_then(|s| s.split_once("\"; filename*=UTF-8''"))
                .unwrap_or_else(|| panic!("{cd}"));
            assert!(!plain.contains(['/', '\\', '"']), "{cd}");
            let decoded = url::form_urlencoded::parse(format!("n={star}").as_bytes())
                .next()
                .unwrap()
                .1
                .into_owned();
            assert_eq!(decoded, kept, "{cd}");
            assert_eq!(r.bytes().await.unwrap().as_ref(), body.as_slice());
        }
        assert!(
            stored >= 10,
            "{}: only {stored} of the corpus stored",
            e.name
        );
        assert_eq!(escaped(data_dir.as_deref()), Vec::<PathBuf>::new());
        // Inside the data directory only content-addressed blobs were added.
        if let (Some(dir), Some(before)) = (&data_dir, before) {
            for f in files_under(dir) {
                if before.contains(&f) || f.to_string_lossy().starts_with("rectify.db") {
                    continue;
                }
                let leaf = f.file_name().unwrap().to_string_lossy().into_owned();
                assert!(
                    leaf.len() == 64 && leaf.bytes().all(|b| b.is_ascii_hexdigit()),
                    "unexpected file in the data directory: {}",
                    f.display()
                );
            }
        }
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn an_archive_with_zip_slip_entries_is_refused_and_writes_nothing() {
    use rectify_office::zipguard::bombs;
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let (st, insp) = office
            .post(
                "/api/v1/inspections",
                serde_json::json!({"kind": "regular", "inspected_org_id": w.org_a, "title": "巡察", "feedback_on": "2025-01-01"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{insp}");
        let zip = bombs::archive(
            &[
                bombs::entry("[Content_Types].xml", b"<Types/>"),
                bombs::entry("../../rectify-escape-zip.txt", b"slip"),
                bombs::entry("/tmp/rectify-escape-abs.txt", b"slip"),
                bombs::entry("xl/../../../rectify-escape-xl.txt", b"slip"),
            ],
            &[],
        );
        let before = e.store.count("measure").await.unwrap();
        let r = office
            .http
            .post(format!(
                "{}/api/v1/inspections/{}/ledger/import?file_name=slip.xlsx",
                office.base, insp["id"]
            ))
            .header("x-csrf-token", office.csrf.clone().unwrap())
            .body(zip)
            .send()
            .await
            .unwrap();
        let st = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(st.is_client_error(), "{}: {st} {v}", e.name);
        assert!(v["error"]["message"].as_str().is_some(), "{v}");
        assert_eq!(e.store.count("measure").await.unwrap(), before);
        let data_dir = e._data_dir.as_ref().map(|d| d.path().to_path_buf());
        assert_eq!(escaped(data_dir.as_deref()), Vec::<PathBuf>::new());
        drop(srv);
        e.drop_db().await;
    }
}

/// Send `head` (request line and headers, chunked), then `preamble` and up to 256 MiB of body in
/// 64 KiB chunks, until the server answers. Returns the status and how many body bytes had been
/// written when the answer came.
async fn stream_until_answer(addr: SocketAddr, head: String, preamble: Vec<u8>) -> (u16, u64) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let writer = tokio::spawn(async move {
        async fn chunk(w: &mut tokio::net::tcp::OwnedWriteHalf, b: &[u8]) -> std::io::Result<()> {
            w.write_all(format!("{:x}\r\n", b.len()).as_bytes()).await?;
            w.write_all(b).await?;
            w.write_all(b"\r\n").await
        }
        wr.write_all(head.as_bytes()).await?;
        chunk(&mut wr, &preamble).await?;
        counter.fetch_add(preamble.len() as u64, Ordering::SeqCst);
        let block = vec![b'x'; 64 * 1024];
        for _ in 0..4096 {
            chunk(&mut wr, &block).await?;
            counter.fetch_add(block.len() as u64, Ordering::SeqCst);
        }
        wr.write_all(b"0\r\n\r\n").await
    });
    let mut buf = vec![0u8; 8192];
    let n = tokio::time::timeout(Duration::from_secs(120), rd.read(&mut buf))
        .await
        .expect("the server answered before the whole body was sent")
        .unwrap();
    let at = sent.load(Ordering::SeqCst);
    writer.abort();
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    (code, at)
}

/// The session cookie and CSRF token of a fresh sign-in, read by hand for raw requests.
async fn raw_session(base: &str, login: &str) -> (String, String) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"login": login, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let v: Value = r.json().await.unwrap();
    (cookie, v["csrf_token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn bodies_over_the_cap_are_refused_while_they_stream_in() {
    let e = crate::support::sqlite().await;
    seed(&e.store).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limit = 256 * 1024;
    let state = rectify_web::AppState::new(
        e.store.clone(),
        rectify_web::WebConfig {
            upload_limit: limit,
            ..Default::default()
        },
    );
    let task = tokio::spawn(async move {
        let _ = rectify_web::serve_on(state, listener).await;
    });
    let base = format!("http://{addr}");
    let (cookie, csrf) = raw_session(&base, "owner").await;
    // Budget: the cap plus what socket buffers absorb; far below the 256 MiB offered.
    let budget = 32 << 20;

    // The evidence API, chunked (no Content-Length to refuse up front).
    let head = format!(
        "POST /api/v1/evidence?file_name=big.pdf HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
         x-csrf-token: {csrf}\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let (code, at) = stream_until_answer(addr, head, b"%PDF-1.4\n".to_vec()).await;
    assert_eq!(code, 413, "evidence upload");
    assert!(at < budget, "the server read {at} bytes before refusing");

    // The staff report form: a streamed multipart body with a file that never ends.
    let boundary = "----rectify-stream-boundary";
    let head = format!(
        "POST /reports HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let m = 1; // no such measure: the body is refused for its size before any field is checked
    let preamble = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n进展\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"m\"\r\n\r\n{m}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    )
    .into_bytes();
    let (code, at) = stream_until_answer(addr, head, preamble).await;
    assert_eq!(code, 413, "report form upload");
    assert!(at < budget, "the server read {at} bytes before refusing");

    for table in ["evidence", "progress_report"] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(e.store.pool())
                .await
                .unwrap();
        assert_eq!(n, 0, "{table}: nothing stored");
    }
    // Nothing left behind in the data directory but the database (no partial blob).
    let dir = e._data_dir.as_ref().unwrap().path();
    let stray: Vec<_> = files_under(dir)
        .into_iter()
        .filter(|f| !f.to_string_lossy().starts_with("rectify.db"))
        .collect();
    assert_eq!(stray, Vec::<PathBuf>::new());
    task.abort();
    e.drop_db().await;
}

/// A ledger whose texts need four bytes in UTF-8 (CJK Extension B, an emoji).
const FOUR_BYTE_CSV: &str = "\
序号,方面,问题,整改措施,责任领导,责任单位,责任人,完成时限
1,党的领导方面,𠮷𡈼问题:理论学习不深入,制定𠀀学习计划 😀,李强,办公室,张伟,2021-12-31
";

#[tokio::test]
async fn four_byte_characters_and_boms_round_trip_through_import_and_export() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(FOUR_BYTE_CSV.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(FOUR_BYTE_CSV);
        assert!(!unmappable);
        let cases: [(&str, Vec<u8>); 4] = [
            (
                "UTF-8 with BOM",
                [b"\xEF\xBB\xBF".as_slice(), FOUR_BYTE_CSV.as_bytes()].concat(),
            ),
            ("UTF-8", FOUR_BYTE_CSV.as_bytes().to_vec()),
            ("UTF-16LE with BOM", utf16),
            ("GB18030", gb18030.into_owned()),
        ];
        for (label, bytes) in cases {
            let (st, insp) = office
                .post(
                    "/api/v1/inspections",
                    serde_json::json!({"kind": "regular", "inspected_org_id": w.org_a, "title": format!("巡察 {label}"), "feedback_on": "2021-07-01"}),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{insp}");
            let iid = insp["id"].as_i64().unwrap();
            let r = office
                .http
                .post(format!(
                    "{}/api/v1/inspections/{iid}/ledger/import?file_name=t.csv",
                    office.base
                ))
                .header("x-csrf-token", office.csrf.clone().unwrap())
                .body(bytes)
                .send()
                .await
                .unwrap();
            let st = r.status();
            let v: Value = r.json().await.unwrap();
            assert_eq!(st, StatusCode::CREATED, "{} {label}: {v}", e.name);
            let texts: Vec<String> = sqlx::query_scalar(
                "SELECT m.text FROM measure m JOIN problem p ON p.id = m.problem_id \
                 JOIN aspect a ON a.id = p.aspect_id WHERE a.inspection_id = $1",
            )
            .bind(iid)
            .fetch_all(e.store.pool())
            .await
            .unwrap();
            assert_eq!(texts, ["制定𠀀学习计划 😀"], "{} {label}", e.name);
            let csv = office
                .http
                .get(format!(
                    "{}/api/v1/ledger/export?format=csv&inspection_id={iid}",
                    office.base
                ))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert!(
                csv.starts_with(b"\xEF\xBB\xBF"),
                "{label}: the export has its BOM"
            );
            let text = std::str::from_utf8(&csv[3..]).unwrap();
            assert!(
                text.contains("𠮷𡈼问题:理论学习不深入") && text.contains("制定𠀀学习计划 😀"),
                "{label}: {text}"
            );
            assert!(
                !text.contains('\u{FFFD}') && !text.contains('\u{FEFF}'),
                "{text}"
            );
        }
        // Bytes that are neither UTF-8 nor GB18030: refused by name, nothing stored, no U+FFFD.
        let (_, insp) = office
            .post(
                "/api/v1/inspections",
                serde_json::json!({"kind": "regular", "inspected_org_id": w.org_a, "title": "乱码", "feedback_on": "2021-07-01"}),
            )
            .await;
        let before = e.store.count("measure").await.unwrap();
        let mut bad = "序号,方面,问题,整改措施\n1,方面,问题,措施"
            .as_bytes()
            .to_vec();
        bad.extend_from_slice(b"\x81\x20\xFF\n");
        let r = office
            .http
            .post(format!(
                "{}/api/v1/inspections/{}/ledger/import?file_name=bad.csv",
                office.base, insp["id"]
            ))
            .header("x-csrf-token", office.csrf.clone().unwrap())
            .body(bad)
            .send()
            .await
            .unwrap();
        let st = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains("编码")
                || v["error"]["code"].as_str().unwrap().contains("encoding"),
            "{v}"
        );
        assert_eq!(e.store.count("measure").await.unwrap(), before);
        drop(srv);
        e.drop_db().await;
    }
}
