//! The live report server serves its own user only: requests must name it on loopback in their
//! `Host` header, their line and headers are bounded, and so are the connections open at once.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use foresight::live::LiveServer;

fn request(address: &str, head: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(head.as_bytes());
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

fn server_with_a_report() -> (LiveServer, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("report.html"),
        "<html><body>the report</body></html>",
    )
    .unwrap();
    fs::write(dir.path().join("summary.csv"), "posture,month\n").unwrap();
    let server = LiveServer::start(0).unwrap();
    server.publish(dir.path());
    let address = server.address().to_string();
    (server, dir, address)
}

#[test]
fn only_requests_naming_the_server_on_loopback_are_answered() {
    let (_server, _dir, address) = server_with_a_report();
    let port = address.rsplit(':').next().unwrap();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let page = request(&address, &format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"));
        assert!(page.starts_with("HTTP/1.1 200"), "{host}: {page}");
        assert!(page.contains("the report"));
    }
    for host in [
        format!("attacker.example:{port}"),
        "127.0.0.1:1".to_string(),
        "localhost".to_string(),
        format!("127.0.0.1.attacker.example:{port}"),
    ] {
        for path in ["/", "/summary.csv", "/status"] {
            let head = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n");
            let refused = request(&address, &head);
            assert!(
                refused.starts_with("HTTP/1.1 403"),
                "{host}{path}: {refused}"
            );
            assert!(!refused.contains("the report") && !refused.contains("posture,month"));
        }
    }
    let no_host = request(&address, "GET / HTTP/1.1\r\n\r\n");
    assert!(no_host.starts_with("HTTP/1.1 403"), "{no_host}");
}

#[test]
fn a_request_too_large_is_refused_without_being_read_whole() {
    let (_server, _dir, address) = server_with_a_report();
    let many = (0..100)
        .map(|k| format!("X-Filler-{k}: 1\r\n"))
        .collect::<String>();
    let head = format!("GET / HTTP/1.1\r\nHost: {address}\r\n{many}\r\n");
    let refused = request(&address, &head);
    assert!(refused.starts_with("HTTP/1.1 431"), "{refused}");
    let long_line = format!(
        "GET /{} HTTP/1.1\r\nHost: {address}\r\n\r\n",
        "a".repeat(40_000)
    );
    let refused = request(&address, &long_line);
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
}

#[test]
fn connections_beyond_the_bound_are_turned_away_and_the_rest_still_served() {
    let (_server, _dir, address) = server_with_a_report();
    // Idle connections that never send a request hold their threads until they time out.
    let idle: Vec<TcpStream> = (0..40)
        .map(|_| TcpStream::connect(&address).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let busy = request(
        &address,
        &format!("GET / HTTP/1.1\r\nHost: {address}\r\n\r\n"),
    );
    assert!(busy.starts_with("HTTP/1.1 503"), "{busy}");
    drop(idle);
    std::thread::sleep(Duration::from_millis(300));
    let served = request(
        &address,
        &format!("GET / HTTP/1.1\r\nHost: {address}\r\n\r\n"),
    );
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
}
