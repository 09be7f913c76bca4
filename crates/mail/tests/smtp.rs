//! Delivery to a real SMTP server: Python's aiosmtpd (`smtp_sink.py` beside this file), started
//! by each test on a port of its own and stopped when the test ends, pass or fail.
//!
//! The Python comes from the virtual environment that `scripts/ensure-python-tools` makes
//! (`make test` runs it): `KINLINK_TEST_PYTHON`, or else `target/python-tools/bin/python`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/invitation.rs"]
mod invitation;
#[path = "common/sink.rs"]
mod sink;

use sink::{FROM, Sink, free_port};
use std::net::{Ipv4Addr, TcpListener};
use std::time::Duration;

use kinlink_domain::secret::Secret;
use kinlink_mail::{Mail, MailError, Mailer, SmtpConfig, TlsMode};
use serde_json::Value;

fn header_names(message: &Value) -> Vec<String> {
    message["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap().to_owned())
        .collect()
}

fn header<'a>(message: &'a Value, name: &str) -> &'a str {
    message["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == name)
        .and_then(|h| h[1].as_str())
        .unwrap_or_else(|| panic!("no {name} header in {message}"))
}

#[tokio::test]
async fn delivers_the_mail_and_nothing_else() {
    let sink = Sink::start("delivers");
    let mailer = Mailer::smtp(sink.config()).unwrap();
    let text = "A family has replied to a link — sign in to Kinlink to see it.\n\nCosts: £0.\n";
    let mail = Mail::new(
        "Worker <worker@agency.example>",
        "A link needs your reply — Kinlink",
        text,
    )
    .with_key("outbox-7");

    mailer.send(&mail).await.unwrap();

    let received = sink.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let message = &received[0];
    assert_eq!(message["mail_from"], FROM);
    assert_eq!(
        message["rcpt_tos"],
        serde_json::json!(["worker@agency.example"])
    );
    assert_eq!(message["login"], Value::Null);
    assert_eq!(header(message, "From"), format!("Kinlink <{FROM}>"));
    assert_eq!(header(message, "To"), "Worker <worker@agency.example>");
    assert_eq!(
        header(message, "Subject"),
        "A link needs your reply — Kinlink"
    );
    assert_eq!(
        header(message, "Message-ID"),
        "<kinlink.outbox-7@register.example>"
    );
    assert_eq!(message["content_type"], "text/plain");
    assert_eq!(message["charset"], "utf-8");
    // Lines end in CRLF on the wire; lettre ends DATA with CRLF "." CRLF after the message's
    // own final line break, so one empty line more arrives.
    let body = text.replace('\n', "\r\n") + "\r\n";
    assert_eq!(
        message["body"],
        body,
        "{}",
        message["raw"].as_str().unwrap()
    );
    let mut names = header_names(message);
    names.sort();
    assert_eq!(
        names,
        [
            "Content-Transfer-Encoding",
            "Content-Type",
            "Date",
            "From",
            "Message-ID",
            "Subject",
            "To"
        ]
    );
}

#[tokio::test]
async fn delivers_an_attachment_intact() {
    let sink = Sink::start("attachment");
    let mailer = Mailer::smtp(sink.config()).unwrap();
    let mail = invitation::mail("Alex <alex@family.example>");

    mailer.send(&mail).await.unwrap();

    let received = sink.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let message = &received[0];
    assert_eq!(
        message["rcpt_tos"],
        serde_json::json!(["alex@family.example"])
    );
    assert_eq!(header(message, "To"), "Alex <alex@family.example>");
    assert_eq!(header(message, "Subject"), "Your counselling appointment");
    invitation::assert_delivered(message, &mail);
}

#[tokio::test]
async fn logs_in_when_configured() {
    let sink = Sink::start_with("logs-in", Some("kinlink:correct horse"));
    let mailer = Mailer::smtp(SmtpConfig {
        username: Some("kinlink".into()),
        password: Some(Secret::new("correct horse")),
        ..sink.config()
    })
    .unwrap();
    mailer
        .send(&Mail::new("a@family.example", "Hello", "Sign in"))
        .await
        .unwrap();
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["login"], "kinlink");

    // A wrong password is the configuration's fault, not the message's: the mail waits.
    let wrong = Mailer::smtp(SmtpConfig {
        username: Some("kinlink".into()),
        password: Some(Secret::new("battery staple")),
        ..sink.config()
    })
    .unwrap();
    let err = wrong
        .send(&Mail::new("a@family.example", "Hello", "Sign in"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Unavailable(_)), "{err}");
    assert!(!err.is_permanent());
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn a_refused_mailbox_is_permanent_and_a_busy_server_is_not() {
    let sink = Sink::start("refusals");
    let mailer = Mailer::smtp(sink.config()).unwrap();

    let err = mailer
        .send(&Mail::new(
            "nobody@reject-permanent.example",
            "Hello",
            "Sign in",
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Refused(_)), "{err}");
    assert!(err.is_permanent());
    assert!(err.to_string().contains("550"), "{err}");

    let err = mailer
        .send(&Mail::new(
            "busy@reject-transient.example",
            "Hello",
            "Sign in",
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Unavailable(_)), "{err}");
    assert!(!err.is_permanent());
    assert!(err.to_string().contains("451"), "{err}");

    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn starttls_required_but_not_offered_sends_nothing() {
    let sink = Sink::start_with("no-starttls", Some("kinlink:correct horse"));
    // Certificate checks never come into it: the server does not offer STARTTLS, so the client
    // must stop before AUTH, never sending the password in plain text.
    let mailer = Mailer::smtp(SmtpConfig {
        tls: TlsMode::StartTls,
        username: Some("kinlink".into()),
        password: Some(Secret::new("correct horse")),
        ..sink.config()
    })
    .unwrap();
    let err = mailer
        .send(&Mail::new("a@family.example", "Hello", "Sign in"))
        .await
        .unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let port = free_port();
    let mailer = Mailer::smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls: TlsMode::None,
        username: None,
        password: None,
        from: FROM.into(),
        timeout: Duration::from_secs(10),
    })
    .unwrap();
    let err = mailer
        .send(&Mail::new("a@family.example", "Hello", "Sign in"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Unavailable(_)), "{err}");
    assert!(!err.is_permanent());
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    // Accepts the connection but never sends its greeting.
    let silent = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = silent.local_addr().unwrap().port();
    let mailer = Mailer::smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls: TlsMode::None,
        username: None,
        password: None,
        from: FROM.into(),
        timeout: Duration::from_millis(300),
    })
    .unwrap();
    let err = mailer
        .send(&Mail::new("a@family.example", "Hello", "Sign in"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::TimedOut(_)), "{err}");
    assert!(!err.is_permanent());
}
