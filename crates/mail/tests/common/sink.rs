//! A real SMTP server for tests: Python's aiosmtpd running `crates/mail/tests/smtp_sink.py`,
//! started on a port of its own and killed on drop; and the same Python's reading of a message
//! in a file ([`read_mail`]). Shared by the mail crate's tests and the outbox's
//! (`#[path]`-included, so both use the one harness).
//!
//! The Python comes from the virtual environment that `scripts/ensure-python-tools` makes
//! (`make test` runs it): `KINLINK_TEST_PYTHON`, or else `target/python-tools/bin/python`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kinlink_mail::{SmtpConfig, TlsMode};
use serde_json::Value;

/// The workspace's root: every crate sits two folders below it.
fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub const FROM: &str = "kinlink@register.example";

/// An aiosmtpd process that records what it receives; killed on drop.
pub struct Sink {
    child: Child,
    port: u16,
    log: PathBuf,
    stderr: PathBuf,
}

impl Sink {
    pub fn start(test: &str) -> Self {
        Self::start_with(test, None)
    }

    pub fn start_with(test: &str, login: Option<&str>) -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kinlink-mail");
        fs::create_dir_all(&dir).unwrap();
        let log = dir.join(format!("{test}-{}.jsonl", std::process::id()));
        let stderr = log.with_extension("stderr");
        let _ = fs::remove_file(&log);
        let port = free_port();
        let script = workspace().join("crates/mail/tests/smtp_sink.py");
        let mut command = Command::new(python());
        command
            .arg(script)
            .arg(port.to_string())
            .arg(&log)
            .args(login)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&stderr).unwrap());
        let mut sink = Sink {
            child: command.spawn().expect("start the SMTP sink"),
            port,
            log,
            stderr,
        };
        sink.wait_until_listening();
        sink
    }

    /// Polls until the server accepts a connection: bounded, and failing at once with the
    /// server's own error output if it exits instead.
    fn wait_until_listening(&mut self) {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "the SMTP sink exited ({status}):\n{}",
                    fs::read_to_string(&self.stderr).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP sink did not listen on port {} within 20 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every message the server accepted, in order.
    pub fn received(&self) -> Vec<Value> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    pub fn config(&self) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(self.port),
            tls: TlsMode::None,
            username: None,
            password: None,
            from: format!("Kinlink <{FROM}>"),
            timeout: Duration::from_secs(10),
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Kept after a failure, to read.
        if !std::thread::panicking() {
            let _ = fs::remove_file(&self.log);
            let _ = fs::remove_file(&self.stderr);
        }
    }
}

pub fn python() -> PathBuf {
    let python = std::env::var_os("KINLINK_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/python-tools/bin/python"));
    assert!(
        python.exists(),
        "no Python with aiosmtpd at {}: run scripts/ensure-python-tools (make test does), or set \
         KINLINK_TEST_PYTHON",
        python.display()
    );
    python
}

/// How Python's e-mail parser reads the message in `file`: the same record (`mail_record.py`)
/// the sink keeps for each message it receives, for tests of what was written to a file.
pub fn read_mail(file: &Path) -> Value {
    let script = workspace().join("crates/mail/tests/mail_record.py");
    let output = Command::new(python())
        .arg(script)
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run mail_record.py");
    assert!(
        output.status.success(),
        "mail_record.py failed on {}:\n{}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A port nothing listens on: the kernel hands out a free one, which is released for the test.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
