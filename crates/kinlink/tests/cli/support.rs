//! Runs the real `kinlink` binary the way an operator would: in a fresh folder (and, for
//! PostgreSQL, a fresh database), with no `KINLINK_*` settings leaking in from the shell.
//! Servers are started on port 0 and found by the line they print; nothing here sleeps.
//! HTTP is spoken by hand over a TCP socket, one request per connection, so that these tests
//! need no client library and see exactly what a browser would.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::Lines;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};
use tokio::task::JoinHandle;

pub const DEMO_PASSWORD: &str = "kinlink-demo-2026";

/// Every demo sign-in, as printed by `kinlink demo`.
pub const DEMO_EMAILS: &[&str] = &[
    "register.admin@register.example",
    "agency.admin@northshire.example",
    "team.manager@northshire.example",
    "social.worker@northshire.example",
    "family.finder@northshire.example",
    "business.support@northshire.example",
    "social.worker@southvale.example",
    "adopter@southvale.example",
];

/// How long any one command, server start or request may take before the test fails rather
/// than hangs. Generous: it is a ceiling for a stuck process, not a wait.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A folder that exists only for one test.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kinlink_cli_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One installation of Kinlink: its data folder and, for PostgreSQL, its database and the
/// audit key every instance shares.
pub struct Deployment {
    dir: TempDir,
    database_url: Option<String>,
    audit_key: Option<String>,
}

impl Deployment {
    /// SQLite in a fresh data folder, all defaults: `<dir>/kinlink.db` and `<dir>/audit.key`.
    pub fn sqlite() -> Deployment {
        Deployment {
            dir: TempDir::new(),
            database_url: None,
            audit_key: None,
        }
    }

    pub fn postgres(url: &str) -> Deployment {
        Deployment {
            dir: TempDir::new(),
            database_url: Some(url.to_owned()),
            audit_key: Some("kinlink-cli-test-shared-audit-key".into()),
        }
    }

    /// A new SQLite deployment holding a copy of this one's database and audit key. The source
    /// must not be in use, and its write-ahead log must have been checkpointed.
    pub fn copy(&self) -> Deployment {
        let copy = Deployment::sqlite();
        for file in ["kinlink.db", "audit.key"] {
            std::fs::copy(self.dir.path().join(file), copy.dir.path().join(file)).unwrap();
        }
        copy
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.dir.path().join("kinlink.db")
    }

    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.sqlite_path().display())
    }

    /// `kinlink --data-dir <dir> [--database-url <url>] ARGS`, with a clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kinlink"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KINLINK_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path())
            .arg("--data-dir")
            .arg(self.dir.path());
        if let Some(url) = &self.database_url {
            cmd.arg("--database-url").arg(url);
        }
        if let Some(key) = &self.audit_key {
            cmd.env("KINLINK_AUDIT_KEY", key);
            // Instances sharing a PostgreSQL database share the documents' key too.
            cmd.env(
                "KINLINK_DOCUMENTS_KEY",
                "Vpvj1eBt7WiqzW2hEiDpejWaooqUSBhPuAwjCT4sGas=",
            );
        }
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        run(self.command(args)).await
    }

    pub async fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // A command that refuses before reading its input closes the pipe: not our failure.
        match stdin.write_all(input.as_bytes()).await {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("writing stdin: {e}"),
            _ => drop(stdin),
        }
        let out = tokio::time::timeout(PATIENCE, child.wait_with_output())
            .await
            .expect("kinlink did not finish in time")
            .unwrap();
        Output::from(out)
    }

    /// `kinlink serve --listen 127.0.0.1:0`, once it says where it is serving.
    pub async fn serve(&self) -> Server {
        self.serve_with(&[]).await
    }

    /// `kinlink [EXTRA] serve --listen 127.0.0.1:0`.
    pub async fn serve_with(&self, extra: &[&str]) -> Server {
        let mut args = extra.to_vec();
        args.extend(["serve", "--listen", "127.0.0.1:0"]);
        Server::start(self.command(&args), "Kinlink is serving at http://").await
    }

    /// Loads the demo data set the way an operator would: `kinlink demo`, stopped as soon as
    /// it says it is running.
    pub async fn load_demo(&self) {
        let mut demo = Server::start(
            self.command(&["demo", "--listen", "127.0.0.1:0"]),
            "Kinlink demo is running at http://",
        )
        .await;
        let said = demo.next_stdout_line().await;
        assert_eq!(
            said.as_deref(),
            Some("Loaded the demo data set (synthetic people only)."),
            "demo did not say it loaded its data"
        );
        demo.kill().await;
        if self.database_url.is_none() {
            checkpoint(&self.sqlite_url()).await;
        }
    }

    /// `kinlink audit verify`; the entry count when it reports the chain intact.
    pub async fn verify(&self) -> (Output, Option<i64>) {
        let out = self.run(&["audit", "verify"]).await;
        let count = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("Audit chain intact: "))
            .and_then(|rest| rest.split(' ').next())
            .map(|n| n.parse().unwrap());
        (out, count)
    }

    /// The number of entries in an intact chain; fails the test if it is not intact.
    pub async fn intact_entries(&self) -> i64 {
        let (out, count) = self.verify().await;
        assert_eq!(out.code(), Some(0), "audit verify: {out}");
        count.unwrap_or_else(|| panic!("audit verify gave no count: {out}"))
    }

    /// An open connection to this deployment's SQLite database, for looking behind the binary.
    pub async fn open_sqlite(&self) -> sqlx::SqliteConnection {
        use sqlx::Connection;
        sqlx::SqliteConnection::connect(&self.sqlite_url())
            .await
            .unwrap()
    }
}

/// Moves everything in the write-ahead log into the database file, so the file alone is a
/// complete copy.
async fn checkpoint(url: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// What a finished command left for the operator.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn stdout_lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }

    /// Asserts the command failed with exactly one line on standard error, and returns it.
    pub fn single_error(&self) -> &str {
        assert_eq!(self.code(), Some(1), "expected exit code 1: {self}");
        let lines = self.stderr_lines();
        assert_eq!(lines.len(), 1, "expected one error line: {self}");
        lines[0]
    }
}

impl From<std::process::Output> for Output {
    fn from(out: std::process::Output) -> Self {
        Output {
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

pub async fn run(mut cmd: Command) -> Output {
    let out = tokio::time::timeout(PATIENCE, cmd.output())
        .await
        .expect("kinlink did not finish in time")
        .unwrap();
    Output::from(out)
}

/// A running `serve` or `demo`. Killed if dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// Standard output up to and including the line that gave the address.
    pub stdout_before_ready: String,
    /// The rest of standard output: a server writes little after it is ready, so it is read
    /// only when asked for or when the process has ended.
    stdout: Lines<BufReader<ChildStdout>>,
    stderr: JoinHandle<String>,
}

impl Server {
    /// Spawns `cmd` and reads its standard output until a line starting with `ready` (which
    /// ends with the address), failing with the process's output if it exits first.
    pub async fn start(mut cmd: Command, ready: &str) -> Server {
        let mut child = cmd.spawn().unwrap();
        let stderr = drain_stderr(child.stderr.take().unwrap());
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = String::new();
        let addr = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                seen.push_str(&line);
                seen.push('\n');
                if let Some(rest) = line.trim().strip_prefix(ready) {
                    return Some(rest.trim_end_matches('/').parse::<SocketAddr>().unwrap());
                }
            }
            None
        })
        .await
        .expect("kinlink did not start in time");
        let Some(addr) = addr else {
            let status = child.wait().await.unwrap();
            let stderr = stderr.await.unwrap();
            panic!("kinlink exited ({status}) before serving:\n{seen}--- stderr ---\n{stderr}");
        };
        Server {
            child,
            addr,
            stdout_before_ready: seen,
            stdout: lines,
            stderr,
        }
    }

    pub async fn next_stdout_line(&mut self) -> Option<String> {
        tokio::time::timeout(PATIENCE, self.stdout.next_line())
            .await
            .expect("no line on standard output in time")
            .unwrap()
    }

    pub fn browser(&self) -> Browser {
        Browser::new(self.addr)
    }

    /// Sends SIGTERM, as a service manager does, and waits for the process to end.
    pub async fn terminate(mut self) -> Output {
        let pid = self.child.id().unwrap();
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .await
            .unwrap();
        assert!(sent.success(), "kill -TERM {pid} failed");
        let status = tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .expect("kinlink did not stop within 5 seconds of SIGTERM")
            .unwrap();
        let mut stdout = std::mem::take(&mut self.stdout_before_ready);
        while let Some(line) = self.next_stdout_line().await {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        Output {
            status,
            stdout,
            stderr: (&mut self.stderr).await.unwrap(),
        }
    }

    pub async fn kill(&mut self) {
        self.child.kill().await.unwrap();
    }
}

/// Reads a child's standard error to the end in the background, so a chatty log never blocks
/// the process on a full pipe.
fn drain_stderr(stderr: ChildStderr) -> JoinHandle<String> {
    tokio::spawn(async move {
        let mut text = String::new();
        let mut reader = BufReader::new(stderr);
        let _ = reader.read_to_string(&mut text).await;
        text
    })
}

/// One HTTP response, as read off the wire.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    pub fn set_cookies(&self) -> impl Iterator<Item = &str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
    }

    /// The CSRF token in the page's forms (`name="csrf_token" value="..."`).
    pub fn csrf_token(&self) -> Option<String> {
        let marker = r#"name="csrf_token" value=""#;
        let start = self.body.find(marker)? + marker.len();
        let len = self.body[start..].find('"')?;
        Some(self.body[start..start + len].to_owned())
    }
}

/// Sends one request on a new connection (`Connection: close`) and reads the whole response.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Option<(&str, String)>,
) -> Response {
    tokio::time::timeout(PATIENCE, exchange(addr, method, path, headers, body))
        .await
        .unwrap_or_else(|_| panic!("{method} {path} on {addr} got no answer in time"))
}

async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Option<(&str, String)>,
) -> Response {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = match body {
        Some((content_type, body)) => {
            request.push_str(&format!(
                "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
                body.len()
            ));
            body
        }
        None if method == "POST" => {
            request.push_str("Content-Length: 0\r\n");
            String::new()
        }
        None => String::new(),
    };
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&raw[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        raw = &raw[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

/// Percent-encodes a form value (`application/x-www-form-urlencoded`).
fn form_encode(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A browser with a cookie jar, pointed at one instance (or, with [`Browser::at`], another
/// instance with the same cookies).
#[derive(Clone)]
pub struct Browser {
    pub addr: SocketAddr,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Browser {
        Browser {
            addr,
            cookies: BTreeMap::new(),
        }
    }

    /// The same cookies, sent to another address.
    pub fn at(&self, addr: SocketAddr) -> Browser {
        Browser {
            addr,
            cookies: self.cookies.clone(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    fn cookie_header(&self) -> Vec<(&'static str, String)> {
        if self.cookies.is_empty() {
            return Vec::new();
        }
        let value = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        vec![("Cookie", value)]
    }

    fn keep_cookies(&mut self, res: &Response) {
        for set in res.set_cookies() {
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if set.contains("Max-Age=0") {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let res = http(self.addr, "GET", path, &self.cookie_header(), None).await;
        self.keep_cookies(&res);
        res
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Response {
        let body = ("application/x-www-form-urlencoded", form_encode(form));
        let res = http(self.addr, "POST", path, &self.cookie_header(), Some(body)).await;
        self.keep_cookies(&res);
        res
    }

    /// Opens the sign-in page and submits it, as a person would. Returns the form's response.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Response {
        let page = self.get("/sign-in").await;
        assert_eq!(page.status, 200, "GET /sign-in: {page:?}");
        let csrf = self
            .cookie("kinlink_csrf")
            .expect("GET /sign-in sets the kinlink_csrf cookie")
            .to_owned();
        self.post(
            "/sign-in",
            &[
                ("email", email),
                ("password", password),
                ("csrf_token", &csrf),
            ],
        )
        .await
    }

    /// Signs in and checks that it worked: a redirect to the start page and a session cookie.
    pub async fn signed_in(mut self, email: &str, password: &str) -> Browser {
        let res = self.sign_in(email, password).await;
        assert_eq!(
            (res.status, res.location()),
            (303, Some("/")),
            "signing in as {email}: {res:?}"
        );
        assert!(
            self.cookie("kinlink_session").is_some(),
            "no session cookie"
        );
        self
    }
}

/// What `migrate` prints on a fresh database: every migration the binary carries, by version.
pub fn all_migrations_applied() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/migrations/sqlite");
    let mut versions: Vec<i64> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .split('_')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    versions.sort();
    format!("Applied migrations {versions:?}.")
}
