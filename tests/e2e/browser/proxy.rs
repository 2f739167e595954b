//! A tiny recording HTTP proxy: Chromium sends every request through it (loopback included), it
//! records each requested host and forwards only to 127.0.0.1; anything else is refused (and
//! recorded), so nothing leaves the machine and a test can see what was asked for.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request the proxy saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// `host:port`
    pub authority: String,
    pub path: String,
    /// Sent by web content (carries `Sec-Fetch-*` headers), not by the browser's own services.
    /// Unknown for CONNECT (the headers are inside the tunnel).
    pub from_page: bool,
}

impl Seen {
    pub fn loopback(&self) -> bool {
        self.authority.starts_with("127.0.0.1:")
    }
}

/// The running proxy and what it saw.
pub struct Proxy {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let _ = handle(sock, log).await;
                });
            }
        });
        Proxy { addr, seen, task }
    }

    /// Every request seen so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests whose host was not 127.0.0.1 (all refused).
    pub fn outside(&self) -> Vec<Seen> {
        self.requests()
            .into_iter()
            .filter(|r| !r.loopback())
            .collect()
    }
}

/// One client connection: one request (we force `Connection: close` both ways).
async fn handle(mut client: TcpStream, log: Arc<Mutex<Vec<Seen>>>) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if buf.len() > 64 * 1024 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let rest = buf[head_end..].to_vec();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let version = parts.next().unwrap_or("HTTP/1.1").to_string();
    let from_page = head
        .split("\r\n")
        .any(|l| l.to_ascii_lowercase().starts_with("sec-fetch-"));
    let record = |authority: &str, path: &str| {
        log.lock().unwrap().push(Seen {
            method: method.clone(),
            authority: authority.to_string(),
            path: path.to_string(),
            from_page,
        })
    };

    if method == "CONNECT" {
        // TLS tunnel: only the host is visible; we never tunnel anywhere.
        record(&target, "");
        client
            .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await?;
        return Ok(());
    }
    let Some(after_scheme) = target.strip_prefix("http://") else {
        record(&target, "");
        client
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await?;
        return Ok(());
    };
    let (authority, path) = match after_scheme.find('/') {
        Some(i) => (&after_scheme[..i], &after_scheme[i..]),
        None => (after_scheme, "/"),
    };
    let authority = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    record(&authority, path.split('?').next().unwrap_or(""));
    if !authority.starts_with("127.0.0.1:") {
        client
            .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await?;
        return Ok(());
    }
    let mut upstream = TcpStream::connect(&authority).await?;
    let mut out = format!("{method} {path} {version}\r\n");
    for l in lines {
        if l.is_empty() {
            continue;
        }
        let name = l.split(':').next().unwrap_or_default().to_ascii_lowercase();
        if name == "connection" || name == "proxy-connection" || name == "keep-alive" {
            continue;
        }
        out.push_str(l);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    upstream.write_all(out.as_bytes()).await?;
    upstream.write_all(&rest).await?;
    // The server closes after its answer (Connection: close); the client may keep its side open.
    let (mut cr, mut cw) = client.split();
    let (mut ur, mut uw) = upstream.split();
    let up = async {
        let _ = tokio::io::copy(&mut cr, &mut uw).await;
    };
    let down = async {
        let _ = tokio::io::copy(&mut ur, &mut cw).await;
        let _ = cw.shutdown().await;
    };
    tokio::select! {
        _ = down => {}
        _ = async { up.await; std::future::pending::<()>().await } => {}
    }
    Ok(())
}
