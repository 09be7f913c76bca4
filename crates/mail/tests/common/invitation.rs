//! A mail carrying a counselling appointment's calendar invitation, and what a mail program must
//! find in it once delivered: the same for both delivery paths, judged from Python's e-mail
//! parser's reading (`mail_record.py`), which shares no code with lettre.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use kinlink_domain::invitation::{Invitation, ics};
use kinlink_mail::{Attachment, Mail};
use serde_json::Value;

pub const TEXT: &str = "Your counselling appointment is on 15 July at 10:00 — the invitation is \
    attached.\n\nCosts: £0.\n";
pub const CONTENT_TYPE: &str = "text/calendar; charset=UTF-8; method=REQUEST";

/// Synthetic: made-up people at `.example` addresses.
pub fn mail(to: &str) -> Mail {
    let body = ics(&Invitation {
        uid: "counselling-12@register.example",
        sequence: 0,
        stamp: 1_780_300_800,     // 2026-06-01 08:00 UTC
        starts_at: 1_784_106_000, // 2026-07-15 10:00 BST
        minutes: 90,
        summary: "Counselling appointment",
        location: "Café, Room 3; first floor",
        description: "Please bring photo identification. 🙂",
        organiser_name: "Sam Okafor",
        organiser_email: Some("sam.okafor@agency.example"),
        attendee_email: Some("alex@family.example"),
        cancelled: false,
    });
    Mail::new(to, "Your counselling appointment", TEXT)
        .with_key("outbox-12")
        .with_attachment(Attachment {
            filename: "counselling-appointment.ics".into(),
            content_type: CONTENT_TYPE.into(),
            body: body.into_bytes(),
        })
}

/// The text first, then the invitation, its name, type and every byte as sent.
pub fn assert_delivered(record: &Value, mail: &Mail) {
    let raw = record["raw"].as_str().unwrap();
    assert_eq!(record["defects"], serde_json::json!([]), "{raw}");
    assert_eq!(record["content_type"], "multipart/mixed", "{raw}");
    let parts = record["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{raw}");

    let text = &parts[0];
    assert_eq!(text["content_type"], "text/plain", "{raw}");
    assert_eq!(text["disposition"], Value::Null, "{raw}");
    assert_eq!(
        String::from_utf8(bytes(text)).unwrap(),
        mail.text.replace('\n', "\r\n"),
        "{raw}"
    );
    assert_eq!(record["body"], mail.text.replace('\n', "\r\n"), "{raw}");

    let attachment = mail.attachment.as_ref().unwrap();
    let file = &parts[1];
    assert_eq!(file["disposition"], "attachment", "{raw}");
    assert_eq!(file["filename"], attachment.filename.as_str(), "{raw}");
    assert_eq!(file["content_type"], "text/calendar", "{raw}");
    // lettre writes the charset in lower case; charset names are case-insensitive (RFC 2046
    // 4.1.2).
    assert_eq!(
        file["params"],
        serde_json::json!({"charset": "utf-8", "method": "REQUEST"}),
        "{raw}"
    );
    assert_eq!(file["transfer_encoding"], "base64", "{raw}");
    assert_eq!(bytes(file), attachment.body, "{raw}");
}

fn bytes(part: &Value) -> Vec<u8> {
    part["bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect()
}
