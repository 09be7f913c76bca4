//! Kinlink's e-mail delivery: one plain-text message to one person, over SMTP, or into `.eml`
//! files when no mail server is configured (demos, development, a register that does not send
//! mail yet).
//!
//! A mail may carry one [`Attachment`]: a counselling appointment's calendar invitation (an
//! `.ics` file), which the recipient's mail program offers to add to their calendar. The
//! message is then `multipart/mixed`, the text first; without one it is a single `text/plain`
//! part.
//!
//! This crate only delivers. It does not compose (the caller writes the words, and Kinlink's
//! e-mails never carry a child's details, only a prompt to sign in), queue or retry: the outbox
//! job does that, and [`MailError::is_permanent`] tells it whether trying again could help.

mod files;
mod smtp;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};

pub use files::Files;
pub use smtp::{Smtp, SmtpConfig, TlsMode};

/// One e-mail to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// Plain text, UTF-8.
    pub text: String,
    /// Makes the Message-ID header `<kinlink.KEY@FROM-DOMAIN>`, so that sending the same mail
    /// again (a retry after a lost reply) gives the recipient's mail program the same message,
    /// which it can recognise as a duplicate. Letters, digits, `.`, `-` and `_` only; it must be
    /// unique among everything sent from the same domain (e.g. the outbox row's id). Without
    /// it, each send gets a new random Message-ID.
    pub key: Option<String>,
    /// Sent after the text, when there is one.
    pub attachment: Option<Attachment>,
}

impl Mail {
    pub fn new(to: impl Into<String>, subject: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            to: to.into(),
            subject: subject.into(),
            text: text.into(),
            key: None,
            attachment: None,
        }
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The mail with `attachment` after its text (replacing any attachment it had).
    pub fn with_attachment(mut self, attachment: Attachment) -> Self {
        self.attachment = Some(attachment);
        self
    }
}

/// A file sent with a mail, e.g. `appointment.ics` as `text/calendar; charset=UTF-8;
/// method=REQUEST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the recipient sees and saves it under: letters, digits, `.`, `-` and `_` only,
    /// so that no mail program has to guess how to decode it or where it would be saved.
    pub filename: String,
    /// A MIME type with any parameters, exactly as it should appear in the Content-Type header.
    pub content_type: String,
    /// Sent base64-encoded, so it arrives byte for byte (no relay rewrites its line endings).
    pub body: Vec<u8>,
}

/// Where mail goes. Made once at start-up from the configuration; cheap to clone and share.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "one Mailer per process: a few hundred bytes once do not need a Box"
)]
pub enum Mailer {
    /// Through an SMTP server (see [`SmtpConfig`]).
    Smtp(Smtp),
    /// Each message written as an RFC 5322 `.eml` file into a folder, exactly as it would be
    /// sent.
    Files(Files),
}

impl Mailer {
    /// Delivery through an SMTP server. Checks the configuration (addresses, TLS set-up, no
    /// password sent in clear to another machine); connects only when sending.
    pub fn smtp(config: SmtpConfig) -> Result<Self, MailError> {
        smtp::Smtp::new(config).map(Mailer::Smtp)
    }

    /// Delivery into files in `dir` (created when the first mail is written), from `from`
    /// (e.g. `Kinlink <kinlink@register.example>`).
    pub fn files(dir: impl Into<PathBuf>, from: &str) -> Result<Self, MailError> {
        Ok(Mailer::Files(Files {
            dir: dir.into(),
            from: sender(from)?,
        }))
    }

    /// Delivers `mail`: on `Ok`, the server has taken responsibility for it, or its file is
    /// complete on disk.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(message(&smtp.from, mail)?).await,
            Mailer::Files(files) => files.write(message(&files.from, mail)?).await,
        }
    }
}

impl fmt::Display for Mailer {
    /// Where mail goes, for the start-up log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mailer::Smtp(smtp) => write!(f, "SMTP server {smtp}"),
            Mailer::Files(files) => write!(f, "files in {}", files.dir.display()),
        }
    }
}

/// Why a mail was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The mail configuration cannot work; found when the [`Mailer`] is made.
    #[error("mail configuration: {0}")]
    Config(String),
    /// This mail can never be sent as it is: the recipient is not an e-mail address, the
    /// subject has a line break, the key has characters a Message-ID cannot, the attachment's
    /// name or content type is unusable.
    #[error("this mail cannot be sent: {0}")]
    Invalid(String),
    /// The server refused this message for good (a 5xx reply, e.g. no such mailbox).
    #[error("the mail server refused the message: {0}")]
    Refused(lettre::transport::smtp::Error),
    /// The server could not be reached or used just now: connection refused or lost, TLS
    /// failure, a 4xx reply, or a refused login (a configuration fault that an operator fixes,
    /// after which the waiting mail should still go).
    #[error("the mail server could not take the message now: {0}")]
    Unavailable(lettre::transport::smtp::Error),
    #[error("the mail server did not finish within {0:?}")]
    TimedOut(Duration),
    #[error("could not write the mail file: {0}")]
    File(#[from] std::io::Error),
}

impl MailError {
    /// True when sending the same mail again cannot succeed, so the outbox should give up on
    /// it; false when a later try may work.
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::Config(_) | MailError::Invalid(_) | MailError::Refused(_) => true,
            MailError::Unavailable(_) | MailError::TimedOut(_) | MailError::File(_) => false,
        }
    }
}

fn sender(from: &str) -> Result<Mailbox, MailError> {
    from.parse()
        .map_err(|e| MailError::Config(format!("the from address {from:?} is not usable: {e}")))
}

/// The message as it goes over the wire or into a file: the same function for both, so the
/// files show exactly what a server would have received.
fn message(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| MailError::Invalid(format!("the recipient is not an e-mail address ({e})")))?;
    if mail.subject.contains(['\r', '\n']) {
        // A line break would end the Subject header and start another.
        return Err(MailError::Invalid("the subject has a line break".into()));
    }
    let message_id = match &mail.key {
        Some(key) => Some(keyed_message_id(key, from)?),
        None => None,
    };
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.as_str())
        .message_id(message_id);
    let built = match &mail.attachment {
        // Exactly the single-part message Kinlink always sent, so that a mail without an
        // attachment looks the same to recipients and their filters as before.
        None => builder
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone()),
        Some(attachment) => builder.multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(mail.text.clone()))
                .singlepart(attachment_part(attachment)?),
        ),
    };
    built.map_err(|e| MailError::Invalid(e.to_string()))
}

fn attachment_part(attachment: &Attachment) -> Result<SinglePart, MailError> {
    let Attachment {
        filename,
        content_type,
        body,
    } = attachment;
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if filename.is_empty() || !filename.chars().all(allowed) {
        return Err(MailError::Invalid(format!(
            "the attachment's name {filename:?} may only have letters, digits, '.', '-' and '_'"
        )));
    }
    let content_type = ContentType::parse(content_type).map_err(|e| {
        MailError::Invalid(format!(
            "the attachment's content type {content_type:?} is not a MIME type ({e})"
        ))
    })?;
    // Base64 always, even for text: the bytes arrive as they were given, where 7bit or
    // quoted-printable would let lettre and relays normalise line endings.
    let body = Body::new_with_encoding(body.clone(), ContentTransferEncoding::Base64)
        .map_err(|_| MailError::Invalid("the attachment could not be encoded as base64".into()))?;
    Ok(lettre::message::Attachment::new(filename.clone()).body(body, content_type))
}

fn keyed_message_id(key: &str, from: &Mailbox) -> Result<String, MailError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if key.is_empty() || !key.chars().all(allowed) {
        return Err(MailError::Invalid(format!(
            "the key {key:?} may only have letters, digits, '.', '-' and '_'"
        )));
    }
    Ok(format!("<kinlink.{key}@{}>", from.email.domain()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn from() -> Mailbox {
        sender("Kinlink <kinlink@register.example>").unwrap()
    }

    fn formatted(mail: &Mail) -> String {
        String::from_utf8(message(&from(), mail).unwrap().formatted()).unwrap()
    }

    #[test]
    fn a_key_gives_the_same_message_id_every_time() {
        let mail = Mail::new("a@family.example", "Hello", "Sign in").with_key("outbox-42");
        let id = "Message-ID: <kinlink.outbox-42@register.example>\r\n";
        assert!(formatted(&mail).contains(id));
        assert!(formatted(&mail).contains(id));
        let unkeyed = Mail::new("a@family.example", "Hello", "Sign in");
        assert_ne!(
            header(&formatted(&unkeyed), "Message-ID"),
            header(&formatted(&unkeyed), "Message-ID")
        );
    }

    fn header(message: &str, name: &str) -> String {
        message
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap()
            .to_owned()
    }

    #[test]
    fn what_cannot_be_sent_is_refused_for_good() {
        for mail in [
            Mail::new("not an address", "Hello", "Sign in"),
            Mail::new(
                "a@family.example",
                "Hello\r\nBcc: b@elsewhere.example",
                "Sign in",
            ),
            Mail::new("a@family.example", "Hello", "Sign in").with_key("42>\r\nX: y"),
            Mail::new("a@family.example", "Hello", "Sign in").with_key(""),
        ] {
            let err = message(&from(), &mail).unwrap_err();
            assert!(matches!(err, MailError::Invalid(_)), "{mail:?}: {err}");
            assert!(err.is_permanent());
        }
    }

    #[test]
    fn unusable_attachments_are_refused_for_good() {
        let attached = |filename: &str, content_type: &str| {
            Mail::new("a@family.example", "Hello", "Sign in").with_attachment(Attachment {
                filename: filename.into(),
                content_type: content_type.into(),
                body: b"BEGIN:VCALENDAR\r\n".to_vec(),
            })
        };
        let calendar = "text/calendar; charset=UTF-8; method=REQUEST";
        for mail in [
            attached("", calendar),
            attached("../appointment.ics", calendar),
            attached("appointment 1.ics", calendar),
            attached("rendez-vous-été.ics", calendar),
            attached("a.ics\r\nBcc: b@elsewhere.example", calendar),
            attached("appointment.ics", ""),
            attached("appointment.ics", "calendar"),
            attached(
                "appointment.ics",
                "text/calendar\r\nBcc: b@elsewhere.example",
            ),
        ] {
            let err = message(&from(), &mail).unwrap_err();
            assert!(matches!(err, MailError::Invalid(_)), "{mail:?}: {err}");
            assert!(err.is_permanent());
        }
        let ok = attached("Counselling_appointment-2.ics", calendar);
        assert!(formatted(&ok).contains("Content-Type: multipart/mixed;"));
    }

    #[test]
    fn a_bad_from_address_is_a_configuration_error() {
        let err = Mailer::files("data/outbox", "kinlink at register").unwrap_err();
        assert!(matches!(err, MailError::Config(_)), "{err}");
    }
}
