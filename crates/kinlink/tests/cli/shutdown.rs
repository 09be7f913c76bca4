//! Stopping: a service manager sends SIGTERM; Kinlink finishes what it is doing, says so, and
//! exits 0 promptly — even with a browser holding an idle keep-alive connection open.

use crate::support::Deployment;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn sigterm_stops_the_service_cleanly_and_promptly() {
    let site = Deployment::sqlite();
    let server = site.serve_with(&["--log-format", "json"]).await;

    // A browser's keep-alive connection, idle after one answered request.
    let mut idle = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes())
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("\r\n\r\n") {
        let n = idle.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed before the answer");
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(
        String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&seen)
    );

    let out = server.terminate().await;
    assert_eq!(out.code(), Some(0), "{out}");
    let messages: Vec<String> = out
        .stderr
        .lines()
        .map(|line| {
            let entry: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
            entry["fields"]["message"].as_str().unwrap_or("").to_owned()
        })
        .collect();
    assert!(
        messages.iter().any(|m| m == "Kinlink stopped"),
        "no \"Kinlink stopped\" in the log: {out}"
    );
    assert!(
        messages.iter().any(|m| m.starts_with("shutting down")),
        "{out}"
    );
}
