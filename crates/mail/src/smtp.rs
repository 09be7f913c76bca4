//! Delivery over SMTP with lettre: TLS by rustls, a fresh connection for each message (the
//! outbox sends a few at a time; a pool would hide a dead connection behind the next send).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use kinlink_domain::secret::Secret;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::MailError;

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text throughout: only for a relay on the same machine or a trusted network.
    None,
    /// Connect in plain text, then upgrade with STARTTLS; refuse to go on if the server does
    /// not offer it (never falls back to plain text). Usually port 587.
    StartTls,
    /// TLS from the first byte ("implicit TLS", SMTPS). Usually port 465.
    Tls,
}

impl TlsMode {
    /// The port this mode is usually served on.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::None => 25,
            TlsMode::StartTls => 587,
            TlsMode::Tls => 465,
        }
    }
}

impl FromStr for TlsMode {
    type Err = String;

    /// The configuration's words: `none`, `starttls`, `tls`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(TlsMode::None),
            "starttls" => Ok(TlsMode::StartTls),
            "tls" => Ok(TlsMode::Tls),
            other => Err(format!(
                "{other:?} is not a TLS mode: use \"none\", \"starttls\" or \"tls\""
            )),
        }
    }
}

impl fmt::Display for TlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsMode::None => "none",
            TlsMode::StartTls => "starttls",
            TlsMode::Tls => "tls",
        })
    }
}

/// How to reach the mail server. `Debug` never shows the password.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    /// `None`: the TLS mode's usual port ([`TlsMode::default_port`]).
    pub port: Option<u16>,
    pub tls: TlsMode,
    /// Log in with these when both are set.
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The From address, e.g. `Kinlink <kinlink@register.example>`.
    pub from: String,
    /// The longest one delivery may take, connecting, TLS and login included.
    pub timeout: Duration,
}

/// A configured SMTP delivery (see [`crate::Mailer::smtp`]).
#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    pub(crate) from: Mailbox,
    host: String,
    port: u16,
    tls: TlsMode,
    timeout: Duration,
}

impl Smtp {
    pub(crate) fn new(config: SmtpConfig) -> Result<Self, MailError> {
        let from = crate::sender(&config.from)?;
        let port = config.port.unwrap_or(config.tls.default_port());
        let tls = match config.tls {
            TlsMode::None => Tls::None,
            TlsMode::StartTls => Tls::Required(tls_parameters(&config.host)?),
            TlsMode::Tls => Tls::Wrapper(tls_parameters(&config.host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(port)
            .tls(tls)
            .timeout(Some(config.timeout));
        match (config.username, config.password) {
            (Some(username), Some(password)) => {
                if config.tls == TlsMode::None && !is_loopback(&config.host) {
                    return Err(MailError::Config(format!(
                        "a password would cross the network to {} in plain text: use tls \
                         \"starttls\" or \"tls\"",
                        config.host
                    )));
                }
                builder =
                    builder.credentials(Credentials::new(username, password.expose().to_owned()));
            }
            (None, None) => {}
            _ => {
                return Err(MailError::Config(
                    "set both the SMTP username and password, or neither".into(),
                ));
            }
        }
        Ok(Smtp {
            transport: builder.build(),
            from,
            host: config.host,
            port,
            tls: config.tls,
            timeout: config.timeout,
        })
    }

    pub(crate) async fn send(&self, message: Message) -> Result<(), MailError> {
        // lettre's own timeout covers connecting only; this bounds the whole conversation, so a
        // server that stops answering mid-way cannot hold the outbox job.
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Err(_) => Err(MailError::TimedOut(self.timeout)),
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(e)) if e.is_timeout() => Err(MailError::TimedOut(self.timeout)),
            Ok(Err(e)) if e.is_permanent() && !is_login_refused(&e) => Err(MailError::Refused(e)),
            Ok(Err(e)) => Err(MailError::Unavailable(e)),
        }
    }
}

fn tls_parameters(host: &str) -> Result<TlsParameters, MailError> {
    TlsParameters::new(host.to_owned())
        .map_err(|e| MailError::Config(format!("TLS for {host} cannot be set up: {e}")))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// RFC 4954's permanent replies to AUTH: 530 (authentication required), 534 (mechanism too
/// weak), 535 (credentials invalid), 538 (encryption required). They are about Kinlink's
/// configuration, not the message, so the message waits for an operator to fix it.
fn is_login_refused(e: &lettre::transport::smtp::Error) -> bool {
    e.status()
        .is_some_and(|code| matches!(u16::from(code), 530 | 534 | 535 | 538))
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("from", &self.from.to_string())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} (TLS: {})", self.host, self.port, self.tls)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn config() -> SmtpConfig {
        SmtpConfig {
            host: "smtp.register.example".into(),
            port: None,
            tls: TlsMode::StartTls,
            username: Some("kinlink".into()),
            password: Some(Secret::new("hunter2-hunter2")),
            from: "Kinlink <kinlink@register.example>".into(),
            timeout: Duration::from_secs(30),
        }
    }

    #[test]
    fn the_password_never_shows() {
        let config = config();
        assert!(!format!("{config:?}").contains("hunter2"));
        let smtp = Smtp::new(config).unwrap();
        assert!(!format!("{smtp:?}").contains("hunter2"));
        assert_eq!(
            smtp.to_string(),
            "smtp.register.example:587 (TLS: starttls)"
        );
    }

    #[test]
    fn no_password_in_plain_text_across_the_network() {
        let err = Smtp::new(SmtpConfig {
            tls: TlsMode::None,
            ..config()
        })
        .unwrap_err();
        assert!(matches!(err, MailError::Config(_)), "{err}");
        for host in ["localhost", "127.0.0.1", "::1", "[::1]"] {
            let local = SmtpConfig {
                tls: TlsMode::None,
                host: host.into(),
                ..config()
            };
            assert!(Smtp::new(local).is_ok(), "{host}");
        }
    }

    #[test]
    fn username_and_password_go_together() {
        let err = Smtp::new(SmtpConfig {
            password: None,
            ..config()
        })
        .unwrap_err();
        assert!(matches!(err, MailError::Config(_)), "{err}");
    }

    #[test]
    fn tls_modes_read_from_configuration() {
        for mode in [TlsMode::None, TlsMode::StartTls, TlsMode::Tls] {
            assert_eq!(mode.to_string().parse::<TlsMode>(), Ok(mode));
        }
        assert!("ssl".parse::<TlsMode>().is_err());
        assert_eq!(TlsMode::Tls.default_port(), 465);
    }
}
