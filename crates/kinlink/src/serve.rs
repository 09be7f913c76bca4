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
    listen: SocketAddr,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), CliError> {
    let housekeeping = tokio::spawn(kinlink_jobs::run_periodically(
        store.clone(),
        config.sessions,
        config.throttle,
        std::time::Duration::from_secs(60),
    ));
    let state = AppState::new(store.clone(), config);
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
