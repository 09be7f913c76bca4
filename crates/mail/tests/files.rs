//! Delivery into a folder of `.eml` files, read back as a mail program would. A mail with an
//! attachment is read by Python's e-mail parser, the same Python as the SMTP tests'.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/invitation.rs"]
mod invitation;
#[path = "common/sink.rs"]
mod sink;

use std::fs;
use std::path::{Path, PathBuf};

use kinlink_mail::{Mail, Mailer};

fn empty_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("kinlink-mail-files")
        .join(format!("{test}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// An RFC 5322 message split into its (unfolded) header fields and its body, refusing anything
/// that is not one: bare line feeds, lines over 998 characters, a header line with no colon.
fn parse(raw: &str) -> (Vec<(String, String)>, String) {
    assert!(
        !raw.replace("\r\n", "").contains('\n'),
        "bare LF in {raw:?}"
    );
    assert!(raw.split("\r\n").all(|line| line.len() <= 998));
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .expect("a blank line after the headers");
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            fields.last_mut().expect("a field to continue").1 += line;
        } else {
            let (name, value) = line.split_once(':').expect("name: value");
            fields.push((name.to_owned(), value.trim_start().to_owned()));
        }
    }
    (fields, body.to_owned())
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    let mut matching = fields.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    let (_, value) = matching.next().unwrap_or_else(|| panic!("no {name}"));
    assert!(matching.next().is_none(), "two {name} fields");
    value
}

#[tokio::test]
async fn writes_a_complete_message() {
    let dir = empty_dir("complete");
    let mailer = Mailer::files(&dir, "Kinlink <kinlink@register.example>").unwrap();
    let mail = Mail::new(
        "worker@agency.example",
        "A link needs your reply",
        "Sign in to Kinlink to see it.\n",
    )
    .with_key("outbox-1");
    mailer.send(&mail).await.unwrap();

    let names = names(&dir);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with(".eml"));
    let raw = fs::read_to_string(dir.join(&names[0])).unwrap();
    let (fields, body) = parse(&raw);
    assert_eq!(field(&fields, "From"), "Kinlink <kinlink@register.example>");
    assert_eq!(field(&fields, "To"), "worker@agency.example");
    assert_eq!(field(&fields, "Subject"), "A link needs your reply");
    assert_eq!(
        field(&fields, "Message-ID"),
        "<kinlink.outbox-1@register.example>"
    );
    assert_eq!(field(&fields, "Content-Type"), "text/plain; charset=utf-8");
    assert_eq!(field(&fields, "Content-Transfer-Encoding"), "7bit");
    assert!(!field(&fields, "Date").is_empty());
    assert_eq!(fields.len(), 7, "{fields:?}");
    assert_eq!(body, "Sign in to Kinlink to see it.\r\n");
}

#[tokio::test]
async fn each_mail_gets_its_own_file_in_order() {
    let dir = empty_dir("two");
    let mailer = Mailer::files(&dir, "kinlink@register.example").unwrap();
    for subject in ["First", "Second", "Third"] {
        mailer
            .send(&Mail::new("a@family.example", subject, "Sign in"))
            .await
            .unwrap();
    }
    // Sorted by name is the order they were sent; no temporary file is left behind.
    let subjects: Vec<String> = names(&dir)
        .iter()
        .map(|name| {
            assert!(name.ends_with(".eml") && !name.starts_with('.'), "{name}");
            let (fields, _) = parse(&fs::read_to_string(dir.join(name)).unwrap());
            field(&fields, "Subject").to_owned()
        })
        .collect();
    assert_eq!(subjects, ["First", "Second", "Third"]);
}

#[tokio::test]
async fn many_at_once_never_collide() {
    let dir = empty_dir("concurrent");
    let mailer = Mailer::files(&dir, "kinlink@register.example").unwrap();
    let sends = (0..20).map(|i| {
        let mailer = mailer.clone();
        tokio::spawn(async move {
            mailer
                .send(&Mail::new(
                    "a@family.example",
                    format!("Mail {i}"),
                    "Sign in",
                ))
                .await
        })
    });
    for send in sends.collect::<Vec<_>>() {
        send.await.unwrap().unwrap();
    }
    assert_eq!(names(&dir).len(), 20);
}

#[tokio::test]
async fn writes_an_attachment_intact() {
    let dir = empty_dir("attachment");
    let mailer = Mailer::files(&dir, "Kinlink <kinlink@register.example>").unwrap();
    let mail = invitation::mail("alex@family.example");
    mailer.send(&mail).await.unwrap();

    let names = names(&dir);
    assert_eq!(names.len(), 1, "{names:?}");
    let file = dir.join(&names[0]);
    // Still a well-formed RFC 5322 message, headers as before.
    let (fields, _) = parse(&fs::read_to_string(&file).unwrap());
    assert_eq!(field(&fields, "To"), "alex@family.example");
    assert_eq!(field(&fields, "Subject"), "Your counselling appointment");
    assert_eq!(
        field(&fields, "Message-ID"),
        "<kinlink.outbox-12@register.example>"
    );
    invitation::assert_delivered(&sink::read_mail(&file), &mail);
}
