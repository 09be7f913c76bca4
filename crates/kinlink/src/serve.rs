//! Running the web service: logging, the listener, graceful shutdown.

use crate::cli::{CliError, LogFormat, Resolved};
use kinlink_store::Store;
use kinlink_web::{AppState, WebConfig};
use std::net::SocketAddr;

pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Where e-mail goes: the SMTP server in `[mail]` if one is named, otherwise `.eml` files in
/// `<data_dir>/outbox`. The password may come from `KINLINK_SMTP_PASSWORD` instead of the file.
pub fn mailer(resolved: &Resolved) -> Result<kinlink_mail::Mailer, CliError> {
    use kinlink_mail::{Mailer, SmtpConfig, TlsMode};
    let mail = &resolved.file.mail;
    let from = mail
        .from
        .clone()
        .unwrap_or_else(|| "Kinlink <kinlink@localhost>".to_owned());
    let made = match &mail.smtp_host {
        None => Mailer::files(resolved.data_dir.join("outbox"), &from),
        Some(host) => {
            let tls = match mail.smtp_tls.as_deref() {
                None => TlsMode::StartTls,
                Some(t) => t.parse::<TlsMode>().map_err(|_| {
                    CliError::Message(format!(
                        "mail.smtp_tls must be \"starttls\", \"tls\" or \"none\", not \"{t}\""
                    ))
                })?,
            };
            let password = std::env::var("KINLINK_SMTP_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty())
                .map(kinlink_domain::secret::Secret::new)
                .or_else(|| mail.smtp_password.clone());
            Mailer::smtp(SmtpConfig {
                host: host.clone(),
                port: mail.smtp_port,
                tls,
                username: mail.smtp_username.clone(),
                password,
                from,
                timeout: std::time::Duration::from_secs(mail.timeout_seconds.unwrap_or(30)),
            })
        }
    };
    made.map_err(|e| CliError::Message(format!("e-mail is not set up correctly: {e}")))
}

/// Links' secure documents as configured in `[documents]`, checked before the database is
/// touched; the master key is read (or, with SQLite, made) only once the database is ready.
pub struct DocumentsPlan {
    storage_url: Option<String>,
    folder: std::path::PathBuf,
    key_file: Option<std::path::PathBuf>,
    scanner: kinlink_documents::Scanner,
    limits: kinlink_documents::Limits,
}

pub fn documents(resolved: &Resolved) -> Result<DocumentsPlan, CliError> {
    use kinlink_documents::{Limits, Scanner};
    let config = &resolved.file.documents;
    let scanner = match &config.clamd {
        Some(address) => Scanner::clamd(address)
            .map_err(|e| CliError::Message(format!("documents.clamd: {e}")))?,
        None => Scanner::None,
    };
    let limits = match config.max_upload_mb {
        Some(0) | Some(101..) => {
            return Err(CliError::Message(
                "documents.max_upload_mb must be between 1 and 100".into(),
            ));
        }
        Some(mb) => Limits {
            max_bytes: mb * 1024 * 1024,
        },
        None => Limits::default(),
    };
    let has_key = std::env::var_os(kinlink_documents::KEY_ENV_VAR).is_some();
    let sqlite = resolved.database_url.starts_with("sqlite:");
    if !has_key && !sqlite {
        return Err(CliError::Message(
            "set KINLINK_DOCUMENTS_KEY (32 random bytes in base64, e.g. `openssl rand -base64 32`) when using PostgreSQL: every instance must share it, and documents cannot be read without it".into(),
        ));
    }
    Ok(DocumentsPlan {
        storage_url: config.storage_url.clone(),
        folder: resolved.data_dir.join("documents"),
        // With SQLite and no key given, a key file is made once in the data folder (as the
        // audit key is); PostgreSQL's several instances must share one given key.
        key_file: (!has_key).then(|| resolved.data_dir.join("documents.key")),
        scanner,
        limits,
    })
}

impl DocumentsPlan {
    pub fn open(self) -> Result<kinlink_web::Documents, CliError> {
        use kinlink_documents::{DocumentStore, MasterKey};
        let key = match &self.key_file {
            Some(path) => MasterKey::load_or_create(path),
            None => MasterKey::from_env(),
        }
        .map_err(|e| CliError::Message(format!("the documents' master key: {e}")))?;
        let store = match &self.storage_url {
            Some(url) => DocumentStore::from_url(url, std::iter::empty::<(String, String)>(), key),
            None => {
                std::fs::create_dir_all(&self.folder).map_err(|e| {
                    CliError::Message(format!("cannot make {}: {e}", self.folder.display()))
                })?;
                DocumentStore::local(&self.folder, key)
            }
        }
        .map_err(|e| CliError::Message(format!("documents.storage_url: {e}")))?;
        Ok(kinlink_web::Documents {
            store,
            scanner: self.scanner,
            limits: self.limits,
        })
    }
}

pub fn web_config(resolved: &Resolved, listen: SocketAddr) -> Result<WebConfig, CliError> {
    let file = &resolved.file;
    let behind_tls = file.behind_tls.unwrap_or(false);
    Ok(WebConfig {
        sessions: file.session_limits()?,
        throttle: file.throttle()?,
        // Plain HTTP on loopback (the demo, a developer's machine) cannot carry Secure cookies;
        // anywhere else the browser reaches Kinlink over HTTPS through a proxy.
        secure_cookies: behind_tls || !listen.ip().is_loopback(),
        behind_tls,
        max_body_bytes: file.max_body_kib.unwrap_or(64) * 1024,
        trust_forwarded_for: file.trust_forwarded_for.unwrap_or(false),
    })
}

/// Serves until SIGTERM or Ctrl-C. `on_ready` gets the bound address (useful with port 0).
pub async fn run(
    store: Store,
    config: WebConfig,
    mailer: kinlink_mail::Mailer,
    documents: DocumentsPlan,
    listen: SocketAddr,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), CliError> {
    let documents = documents.open()?;
    tracing::info!(%mailer, "e-mail");
    tracing::info!(key = %documents.store.key_id(), scanning = !matches!(documents.scanner, kinlink_documents::Scanner::None), "documents");
    let housekeeping = tokio::spawn(kinlink_jobs::run_periodically(
        store.clone(),
        config.sessions,
        config.throttle,
        std::time::Duration::from_secs(60),
        mailer,
    ));
    let state = AppState::new(store.clone(), config).with_documents(documents);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| CliError::Message(format!("cannot listen on {listen}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| CliError::Message(format!("cannot listen on {listen}: {e}")))?;
    tracing::info!(listen = %bound, backend = store.backend_name(), "Kinlink is serving");
    on_ready(bound);
    axum::serve(
        listener,
        kinlink_web::router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| CliError::Message(format!("server error: {e}")))?;
    housekeeping.abort();
    store.close().await;
    tracing::info!("Kinlink stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in progress");
}
