//! Configuration: command-line flags, then `KINLINK_*` environment variables (clap reads both),
//! then the TOML file given with `--config`, then defaults. Unknown keys in the file are an
//! error. Secrets are [`Secret`]s and never reach logs or `Debug` output.

use kinlink_domain::account::{SessionLimits, Throttle};
use kinlink_domain::secret::Secret;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub log_format: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub audit_key: Option<Secret>,
    pub behind_tls: Option<bool>,
    pub trust_forwarded_for: Option<bool>,
    pub max_body_kib: Option<usize>,
    #[serde(default)]
    pub sessions: SessionsConfig,
    #[serde(default)]
    pub sign_in: SignInConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub mail: MailConfig,
    #[serde(default)]
    pub documents: DocumentsConfig,
}

/// Links' secure documents: where the sealed objects go, the upload limit, the virus scanner.
/// The master key is never in the file: `KINLINK_DOCUMENTS_KEY`, or for SQLite a key file made
/// once in the data folder.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentsConfig {
    /// `file:///absolute/folder` (the default is `<data_dir>/documents`).
    pub storage_url: Option<String>,
    pub max_upload_mb: Option<usize>,
    /// clamd's `host:port` or Unix socket path; unset, uploads are not scanned.
    pub clamd: Option<String>,
}

/// E-mail: an SMTP server, or (without `smtp_host`) `.eml` files in the data folder's `outbox`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    /// `starttls` (the default), `tls` or `none`.
    pub smtp_tls: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<Secret>,
    pub from: Option<String>,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionsConfig {
    pub idle_minutes: Option<i64>,
    pub absolute_hours: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInConfig {
    pub window_minutes: Option<i64>,
    pub max_failures_per_account: Option<i64>,
    pub max_failures_per_address: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub max_connections: Option<u32>,
    pub acquire_timeout_seconds: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{0}")]
    Value(String),
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })
    }

    pub fn session_limits(&self) -> Result<SessionLimits, ConfigError> {
        let d = SessionLimits::default();
        let idle = self
            .sessions
            .idle_minutes
            .map(|m| m * 60)
            .unwrap_or(d.idle_seconds);
        let absolute = self
            .sessions
            .absolute_hours
            .map(|h| h * 3600)
            .unwrap_or(d.absolute_seconds);
        if idle <= 0 || absolute <= 0 || idle > absolute {
            return Err(ConfigError::Value("sessions.idle_minutes and sessions.absolute_hours must be positive, and the idle timeout no longer than the absolute one".into()));
        }
        Ok(SessionLimits {
            idle_seconds: idle,
            absolute_seconds: absolute,
        })
    }

    pub fn throttle(&self) -> Result<Throttle, ConfigError> {
        let d = Throttle::default();
        let t = Throttle {
            window_seconds: self
                .sign_in
                .window_minutes
                .map(|m| m * 60)
                .unwrap_or(d.window_seconds),
            per_account: self
                .sign_in
                .max_failures_per_account
                .unwrap_or(d.per_account),
            per_address: self
                .sign_in
                .max_failures_per_address
                .unwrap_or(d.per_address),
        };
        if t.window_seconds <= 0 || t.per_account <= 0 || t.per_address <= 0 {
            return Err(ConfigError::Value(
                "sign_in settings must be positive numbers".into(),
            ));
        }
        Ok(t)
    }
}

pub fn parse_listen(raw: &str) -> Result<SocketAddr, ConfigError> {
    raw.parse().map_err(|_| ConfigError::Value(format!("--listen must be an address and port like 127.0.0.1:8080 or 0.0.0.0:8080, not \"{raw}\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_is_valid_and_states_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kinlink.example.toml");
        let c = FileConfig::load(Some(&path)).expect("example config loads");
        assert_eq!(c.session_limits().ok(), Some(SessionLimits::default()));
        assert_eq!(c.throttle().ok(), Some(Throttle::default()));
        assert_eq!(c.listen.as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(c.max_body_kib, Some(64));
        assert_eq!(c.database.max_connections, Some(10));
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("kinlink-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("k.toml");
        std::fs::write(&path, "colour = \"blue\"\n").expect("write");
        let err = FileConfig::load(Some(&path))
            .expect_err("refused")
            .to_string();
        assert!(err.contains("colour"), "{err}");
        std::fs::write(&path, "[sessions]\nidle_minutes = 0\n").expect("write");
        assert!(
            FileConfig::load(Some(&path))
                .expect("parses")
                .session_limits()
                .is_err()
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn secrets_are_not_printed() {
        let c: FileConfig = toml::from_str("audit_key = \"very-secret-key\"").expect("parses");
        assert!(!format!("{c:?}").contains("very-secret-key"));
    }
}
