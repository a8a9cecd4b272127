//! The live report server of `watch --serve`: a small HTTP server on 127.0.0.1 only. `/` is the
//! latest run's `report.html` with one line of script added that listens on `/events` (server-
//! sent events) and reloads the page when a new run is published; the run folder's other files
//! are served by name, and `/status` counts pages served and event streams opened. The report on
//! disk stays script-free.
//!
//! It serves its own user only: a request must name the server as `127.0.0.1:PORT`,
//! `localhost:PORT` or `[::1]:PORT` in its `Host` header (so a web page that reaches the port by
//! DNS rebinding is refused with 403), a request's line and headers are bounded, and so are the
//! connections open at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::error::{Context, Result};

use crate::input::{read_bounded, read_text_bounded};

/// The script added to a served report: reload when the server says a new run is ready.
const RELOAD_SCRIPT: &str =
    "<script>new EventSource(\"/events\").onmessage = function () { location.reload(); };</script>";

/// A served page before the first good run.
const WAITING_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>waiting</title></head><body><p>Waiting for the first good run…</p></body></html>";

/// Between heartbeats on an idle event stream, which also find closed connections.
const HEARTBEAT: Duration = Duration::from_secs(10);

/// The most a request's line and headers may hold, and the most headers.
const MAX_REQUEST_BYTES: u64 = 16 * 1024;
const MAX_HEADERS: usize = 64;

/// Connections served at once (each holds a thread); more are answered 503 and closed.
const MAX_CONNECTIONS: usize = 32;

/// The largest file served: a run folder's files are well below it.
const MAX_SERVED_BYTES: u64 = 256 << 20;

/// How long a client may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Default)]
struct State {
    latest: Mutex<Option<PathBuf>>,
    subscribers: Mutex<Vec<mpsc::Sender<()>>>,
    /// Pages served and event streams opened, for `/status`: how a client can see reloads.
    page_views: AtomicU64,
    streams_opened: AtomicU64,
    /// Connections being served now.
    open: AtomicUsize,
    /// The port the server listens on, which a request's `Host` must name.
    port: u16,
}

/// A running server; it stops with the process.
pub struct LiveServer {
    address: SocketAddr,
    state: Arc<State>,
}

impl LiveServer {
    /// Listens on 127.0.0.1:`port` (0 picks a free port) and serves in the background.
    pub fn start(port: u16) -> Result<LiveServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        let address = listener.local_addr()?;
        let state = Arc::new(State {
            port: address.port(),
            ..State::default()
        });
        let shared = Arc::clone(&state);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if shared.open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                    shared.open.fetch_sub(1, Ordering::SeqCst);
                    let _ = send(stream, "503 Service Unavailable", "text/plain", b"busy");
                    continue;
                }
                let state = Arc::clone(&shared);
                thread::spawn(move || {
                    let _ = serve(stream, &state);
                    state.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Ok(LiveServer { address, state })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Makes `folder` the latest run and tells every open page to reload.
    pub fn publish(&self, folder: &Path) {
        if let Ok(mut latest) = self.state.latest.lock() {
            *latest = Some(folder.to_path_buf());
        }
        if let Ok(mut subscribers) = self.state.subscribers.lock() {
            subscribers.retain(|subscriber| subscriber.send(()).is_ok());
        }
    }
}

/// Answers one connection.
fn serve(stream: TcpStream, state: &State) -> Result<()> {
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?.take(MAX_REQUEST_BYTES));
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut host = None;
    let mut headers = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? <= 2 {
            break;
        }
        headers += 1;
        if headers > MAX_HEADERS || !header.ends_with('\n') {
            return send(
                stream,
                "431 Request Header Fields Too Large",
                "text/plain",
                b"too large",
            );
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("host") {
                host = Some(value.trim().to_string());
            }
        }
    }
    if !request.ends_with('\n') {
        return send(stream, "400 Bad Request", "text/plain", b"bad request");
    }
    if !host
        .as_deref()
        .is_some_and(|host| is_own_host(host, state.port))
    {
        return send(stream, "403 Forbidden", "text/plain", b"forbidden");
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or("/");
    match path {
        "/" => {
            state.page_views.fetch_add(1, Ordering::SeqCst);
            send(stream, "200 OK", "text/html; charset=utf-8", &page(state))
        }
        "/events" => {
            state.streams_opened.fetch_add(1, Ordering::SeqCst);
            events(stream, state)
        }
        "/status" => send(
            stream,
            "200 OK",
            "application/json",
            status(state).as_bytes(),
        ),
        _ => file(stream, state, path.trim_start_matches('/')),
    }
}

/// Whether a `Host` header names this server on loopback (and not a name a page could rebind).
fn is_own_host(host: &str, port: u16) -> bool {
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host.eq_ignore_ascii_case(&format!("{name}:{port}")))
}

/// How many pages were served and event streams opened, as JSON.
fn status(state: &State) -> String {
    format!(
        "{{\"page_views\": {}, \"streams_opened\": {}}}",
        state.page_views.load(Ordering::SeqCst),
        state.streams_opened.load(Ordering::SeqCst)
    )
}

/// The latest report with the reload script, or the waiting page.
fn page(state: &State) -> Vec<u8> {
    let latest = state.latest.lock().ok().and_then(|latest| latest.clone());
    let html = latest
        .and_then(|folder| read_text_bounded(&folder.join("report.html"), MAX_SERVED_BYTES).ok())
        .unwrap_or_else(|| WAITING_PAGE.to_string());
    html.replacen("</body>", &format!("{RELOAD_SCRIPT}\n</body>"), 1)
        .into_bytes()
}

/// A server-sent event stream: `data: reload` on each new run, a comment as heartbeat.
fn events(mut stream: TcpStream, state: &State) -> Result<()> {
    let (sender, receiver) = mpsc::channel();
    if let Ok(mut subscribers) = state.subscribers.lock() {
        subscribers.push(sender);
    }
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n\r\n: connected\n\n",
    )?;
    stream.flush()?;
    loop {
        let message: &[u8] = match receiver.recv_timeout(HEARTBEAT) {
            Ok(()) => b"data: reload\n\n",
            Err(mpsc::RecvTimeoutError::Timeout) => b": heartbeat\n\n",
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        };
        stream.write_all(message)?;
        stream.flush()?;
    }
}

/// A file of the latest run folder, by plain name only.
fn file(stream: TcpStream, state: &State, name: &str) -> Result<()> {
    let plain = !name.is_empty() && !name.contains(['/', '\\']) && !name.starts_with('.');
    let latest = state.latest.lock().ok().and_then(|latest| latest.clone());
    let body = latest
        .filter(|_| plain)
        .and_then(|folder| read_bounded(&folder.join(name), MAX_SERVED_BYTES).ok());
    match body {
        Some(body) => send(stream, "200 OK", content_type(name), &body),
        None => send(stream, "404 Not Found", "text/plain", b"not found"),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") => "application/json",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn send(mut stream: TcpStream, status: &str, content_type: &str, body: &[u8]) -> Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()?;
    Ok(())
}
