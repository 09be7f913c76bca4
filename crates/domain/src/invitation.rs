//! Counselling appointments as calendar invitations: the iCalendar text (RFC 5545, sent as
//! RFC 5546 REQUEST or CANCEL) that a mail carries, so that the person's calendar program adds
//! the appointment, moves it when it is rescheduled, or removes it when it is cancelled.
//!
//! Every time is written in UTC (`…Z`): each calendar program shows it in its own user's local
//! time, so no time-zone definition has to be sent and BST needs no special case.
//!
//! Pure: the moment the invitation was made is handed in, like every time here. It writes only
//! what it is given: what goes into the summary and description is the caller's choice, and like
//! every Kinlink mail they must not carry a child's details.

use time::OffsetDateTime;

use crate::Timestamp;

/// One counselling appointment as a calendar event (RFC 5545).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invitation<'a> {
    /// Stable per appointment, e.g. "counselling-12@kinlink.example": a calendar program
    /// replaces an event with the same UID and a higher SEQUENCE (rescheduled) or removes it
    /// (cancelled).
    pub uid: &'a str,
    /// 0 when first sent; one more with each change (RFC 5546 3.2.2: a calendar program ignores
    /// an update whose sequence is not higher than the one it has).
    pub sequence: u32,
    /// DTSTAMP: when this version was made.
    pub stamp: Timestamp,
    pub starts_at: Timestamp,
    pub minutes: u32,
    pub summary: &'a str,
    /// An address, "Video call: <link>", or "Telephone".
    pub location: &'a str,
    pub description: &'a str,
    pub organiser_name: &'a str,
    pub organiser_email: Option<&'a str>,
    pub attendee_email: Option<&'a str>,
    /// METHOD:CANCEL and STATUS:CANCELLED instead of REQUEST and CONFIRMED.
    pub cancelled: bool,
}

/// The invitation as an `.ics` file's text: CRLF line endings, lines folded at 75 octets.
///
/// Never fails: text is escaped, control characters (which no iCalendar value may hold) are
/// left out, and a time outside the years 0000–9999 that iCalendar can write is written as the
/// nearest one it can. An empty summary, location or description is left out.
pub fn ics(invitation: &Invitation<'_>) -> String {
    let method = if invitation.cancelled {
        "CANCEL"
    } else {
        "REQUEST"
    };
    calendar_text(invitation, method)
}

/// The event as a file to download and add to one's calendar (METHOD:PUBLISH): nobody is
/// invited and nothing is asked back. A cancelled event is published as cancelled.
pub fn ics_download(invitation: &Invitation<'_>) -> String {
    calendar_text(invitation, "PUBLISH")
}

fn calendar_text(invitation: &Invitation<'_>, method: &str) -> String {
    let status = if invitation.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    let ends_at = invitation
        .starts_at
        .saturating_add(i64::from(invitation.minutes) * 60);
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Kinlink//Counselling//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("METHOD:{method}"),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", text(invitation.uid)),
        format!("SEQUENCE:{}", invitation.sequence),
        format!("DTSTAMP:{}", utc(invitation.stamp)),
        format!("DTSTART:{}", utc(invitation.starts_at)),
        format!("DTEND:{}", utc(ends_at)),
    ];
    for (name, value) in [
        ("SUMMARY", invitation.summary),
        ("LOCATION", invitation.location),
        ("DESCRIPTION", invitation.description),
    ] {
        let value = text(value);
        if !value.is_empty() {
            lines.push(format!("{name}:{value}"));
        }
    }
    lines.push(format!("STATUS:{status}"));
    if let Some(email) = invitation.organiser_email {
        let name = parameter(invitation.organiser_name);
        let cn = if name.is_empty() {
            String::new()
        } else {
            format!(";CN={name}")
        };
        lines.push(format!("ORGANIZER{cn}:mailto:{}", address(email)));
    }
    if let Some(email) = invitation.attendee_email {
        lines.push(format!(
            "ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{}",
            address(email)
        ));
    }
    lines.push("END:VEVENT".to_owned());
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|line| fold(line)).collect()
}

/// The longest line RFC 5545 3.1 allows, in octets, without its CRLF.
const LINE_OCTETS: usize = 75;

/// The earliest and latest moments a DATE-TIME can write: its year has four digits.
const FIRST: Timestamp = -62_167_219_200; // 0000-01-01T00:00:00Z
const LAST: Timestamp = 253_402_300_799; // 9999-12-31T23:59:59Z

/// `YYYYMMDDTHHMMSSZ` (RFC 5545 3.3.5, form #2: UTC).
fn utc(t: Timestamp) -> String {
    let t = OffsetDateTime::from_unix_timestamp(t.clamp(FIRST, LAST))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, a line break written
/// `\n`. A CR is left out, so a CRLF from a form becomes one `\n`; so is every other control
/// character but the tab, which TEXT cannot hold at all.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value such as CN (RFC 5545 3.1): quoted when it holds `:`, `;` or `,`. It has no
/// escapes, so a double quote becomes a single one and control characters are left out.
fn parameter(value: &str) -> String {
    let value: String = value
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect();
    if value.contains([':', ';', ',']) {
        format!("\"{value}\"")
    } else {
        value
    }
}

/// An e-mail address for a `mailto:` value, which is a URI and has no escapes: control
/// characters are left out, so that an address can never end the line and start another
/// property.
fn address(email: &str) -> String {
    email.chars().filter(|c| !c.is_control()).collect()
}

/// One content line folded (RFC 5545 3.1): no line longer than 75 octets, each continuation
/// starting with one space, never splitting a UTF-8 character.
///
/// A line is not broken just after white space where that can be helped: some parsers trim the
/// end of each physical line before unfolding, and would lose it. The space starts the next line
/// instead, after the folding space.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 64 * 3 + 2);
    let mut rest = line;
    let mut room = LINE_OCTETS;
    while rest.len() > room {
        let mut end = room;
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let mut cut = end;
        while let Some(c) = rest[..cut].chars().next_back()
            && c.is_whitespace()
        {
            cut -= c.len_utf8();
        }
        if cut == 0 {
            cut = end;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        room = LINE_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use std::io::BufReader;

    use ical::IcalParser;
    use ical::parser::ical::component::IcalCalendar;
    use ical::property::Property;
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    /// RFC 5545 3.3.11's escapes undone, written here from the RFC rather than shared with
    /// [`text`], so that a test of one cannot pass by repeating the other's mistake. The `ical`
    /// crate used below leaves values as they were written (escaped), so its readings go
    /// through this too.
    fn unescape(value: &str) -> String {
        let mut out = String::new();
        let mut chars = value.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(c @ ('\\' | ';' | ',')) => out.push(c),
                other => panic!("{other:?} cannot follow a backslash in {value:?}"),
            }
        }
        out
    }

    /// RFC 5545 3.1's unfolding: a CRLF followed by one space or tab is removed.
    fn unfold(folded: &str) -> String {
        folded.replace("\r\n ", "").replace("\r\n\t", "")
    }

    fn appointment() -> Invitation<'static> {
        Invitation {
            uid: "counselling-12@kinlink.example",
            sequence: 0,
            stamp: datetime!(2026-06-01 08:00 UTC).unix_timestamp(),
            starts_at: datetime!(2026-07-15 10:00 +01:00).unix_timestamp(),
            minutes: 90,
            summary: "Counselling appointment",
            location: "Café, Room 3; first floor",
            description: "Your counselling appointment about access to birth records.",
            organiser_name: "Sam Okafor",
            organiser_email: Some("sam.okafor@agency.example"),
            attendee_email: Some("alex@family.example"),
            cancelled: false,
        }
    }

    /// The `ical` crate's reading of `text`: one calendar, nothing after it.
    fn parsed(text: &str) -> IcalCalendar {
        let mut calendars = IcalParser::new(BufReader::new(text.as_bytes()));
        let calendar = calendars
            .next()
            .expect("a calendar")
            .unwrap_or_else(|e| panic!("{e}: {text}"));
        assert!(calendars.next().is_none(), "one calendar only: {text}");
        calendar
    }

    fn property<'p>(properties: &'p [Property], name: &str) -> &'p Property {
        let mut found = properties.iter().filter(|p| p.name == name);
        let property = found.next().unwrap_or_else(|| panic!("no {name}"));
        assert!(found.next().is_none(), "two {name}");
        property
    }

    fn value(properties: &[Property], name: &str) -> String {
        property(properties, name)
            .value
            .clone()
            .unwrap_or_else(|| panic!("{name} has no value"))
    }

    fn param<'p>(property: &'p Property, name: &str) -> &'p [String] {
        property
            .params
            .iter()
            .flatten()
            .find(|(n, _)| n == name)
            .map(|(_, values)| values.as_slice())
            .unwrap_or_else(|| panic!("{} has no {name}", property.name))
    }

    #[test]
    fn an_independent_parser_reads_back_what_was_given() {
        let description = "Your first counselling appointment about access to your birth \
            records. Please bring photo identification; a passport, or a driving licence, will \
            do.\nIf the time does not suit you, reply to this e-mail — we are happy to rearrange \
            it. 🙂 See you then!";
        assert!(description.len() > 200);
        let invitation = Invitation {
            description,
            organiser_name: "Counselling team, Kinlink",
            ..appointment()
        };
        let text = ics(&invitation);
        let calendar = parsed(&text);

        let properties = &calendar.properties;
        assert_eq!(value(properties, "VERSION"), "2.0");
        assert_eq!(value(properties, "PRODID"), "-//Kinlink//Counselling//EN");
        assert_eq!(value(properties, "CALSCALE"), "GREGORIAN");
        assert_eq!(value(properties, "METHOD"), "REQUEST");
        assert_eq!(calendar.events.len(), 1, "{text}");
        let event = &calendar.events[0].properties;
        assert_eq!(value(event, "UID"), "counselling-12@kinlink.example");
        assert_eq!(value(event, "SEQUENCE"), "0");
        assert_eq!(value(event, "STATUS"), "CONFIRMED");
        assert_eq!(value(event, "DTSTAMP"), "20260601T080000Z");
        // 10:00 BST is 09:00 UTC.
        assert_eq!(value(event, "DTSTART"), "20260715T090000Z");
        assert_eq!(value(event, "DTEND"), "20260715T103000Z");
        assert_eq!(unescape(&value(event, "SUMMARY")), invitation.summary);
        assert_eq!(unescape(&value(event, "LOCATION")), invitation.location);
        assert_eq!(unescape(&value(event, "DESCRIPTION")), description);

        let organiser = property(event, "ORGANIZER");
        assert_eq!(param(organiser, "CN"), ["Counselling team, Kinlink"]);
        assert_eq!(
            organiser.value.as_deref(),
            Some("mailto:sam.okafor@agency.example")
        );
        let attendee = property(event, "ATTENDEE");
        assert_eq!(param(attendee, "ROLE"), ["REQ-PARTICIPANT"]);
        assert_eq!(param(attendee, "RSVP"), ["TRUE"]);
        assert_eq!(
            attendee.value.as_deref(),
            Some("mailto:alex@family.example")
        );

        // The long description really was folded, and the parser put it back together.
        assert!(text.contains("\r\n "), "{text}");
    }

    #[test]
    fn a_winter_appointment_is_written_in_utc_too() {
        let invitation = Invitation {
            starts_at: datetime!(2026-01-20 14:30 +00:00).unix_timestamp(),
            minutes: 60,
            ..appointment()
        };
        let calendar = parsed(&ics(&invitation));
        let event = &calendar.events[0].properties;
        assert_eq!(value(event, "DTSTART"), "20260120T143000Z");
        assert_eq!(value(event, "DTEND"), "20260120T153000Z");
    }

    #[test]
    fn a_cancellation_says_so_twice() {
        let request = parsed(&ics(&appointment()));
        let cancellation = parsed(&ics(&Invitation {
            sequence: 1,
            cancelled: true,
            ..appointment()
        }));
        assert_eq!(value(&request.properties, "METHOD"), "REQUEST");
        assert_eq!(value(&request.events[0].properties, "STATUS"), "CONFIRMED");
        assert_eq!(value(&cancellation.properties, "METHOD"), "CANCEL");
        let event = &cancellation.events[0].properties;
        assert_eq!(value(event, "STATUS"), "CANCELLED");
        assert_eq!(value(event, "SEQUENCE"), "1");
        assert_eq!(value(event, "UID"), "counselling-12@kinlink.example");
    }

    #[test]
    fn without_addresses_there_is_no_organiser_or_attendee() {
        let text = ics(&Invitation {
            organiser_email: None,
            attendee_email: None,
            location: "",
            ..appointment()
        });
        let calendar = parsed(&text);
        let event = &calendar.events[0].properties;
        for name in ["ORGANIZER", "ATTENDEE", "LOCATION"] {
            assert!(event.iter().all(|p| p.name != name), "{name} in {text}");
        }
        // A plain name needs no quotes.
        let text = ics(&appointment());
        assert!(
            text.contains("\r\nORGANIZER;CN=Sam Okafor:mailto:sam.okafor@agency.example\r\n"),
            "{text}"
        );
    }

    #[test]
    fn the_exact_text() {
        let text = ics(&Invitation {
            description: "Line one\r\nLine two, with a \\ backslash",
            ..appointment()
        });
        assert_eq!(
            text,
            "BEGIN:VCALENDAR\r\n\
             VERSION:2.0\r\n\
             PRODID:-//Kinlink//Counselling//EN\r\n\
             CALSCALE:GREGORIAN\r\n\
             METHOD:REQUEST\r\n\
             BEGIN:VEVENT\r\n\
             UID:counselling-12@kinlink.example\r\n\
             SEQUENCE:0\r\n\
             DTSTAMP:20260601T080000Z\r\n\
             DTSTART:20260715T090000Z\r\n\
             DTEND:20260715T103000Z\r\n\
             SUMMARY:Counselling appointment\r\n\
             LOCATION:Café\\, Room 3\\; first floor\r\n\
             DESCRIPTION:Line one\\nLine two\\, with a \\\\ backslash\r\n\
             STATUS:CONFIRMED\r\n\
             ORGANIZER;CN=Sam Okafor:mailto:sam.okafor@agency.example\r\n\
             ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:alex@family.example\r\n\
             END:VEVENT\r\n\
             END:VCALENDAR\r\n"
        );
    }

    #[test]
    fn nothing_given_can_start_a_property_of_its_own() {
        let text = ics(&Invitation {
            uid: "12\r\nMETHOD:PUBLISH",
            summary: "Hello\rSTATUS:CANCELLED",
            organiser_name: "Sam\"\r\nX: y\"",
            organiser_email: Some("sam@agency.example\r\nATTENDEE:mailto:eve@elsewhere.example"),
            attendee_email: Some("alex@family.example\nDTSTART:19700101T000000Z"),
            ..appointment()
        });
        let calendar = parsed(&text);
        assert_eq!(value(&calendar.properties, "METHOD"), "REQUEST", "{text}");
        let event = &calendar.events[0].properties;
        assert_eq!(value(event, "STATUS"), "CONFIRMED", "{text}");
        assert_eq!(value(event, "DTSTART"), "20260715T090000Z", "{text}");
        assert_eq!(value(event, "UID"), "12\\nMETHOD:PUBLISH");
        assert_eq!(param(property(event, "ORGANIZER"), "CN"), ["Sam'X: y'"]);
    }

    #[test]
    fn times_icalendar_cannot_write_are_brought_into_range() {
        assert_eq!(utc(0), "19700101T000000Z");
        assert_eq!(utc(FIRST), "00000101T000000Z");
        assert_eq!(utc(LAST), "99991231T235959Z");
        assert_eq!(utc(i64::MIN), "00000101T000000Z");
        assert_eq!(utc(i64::MAX), "99991231T235959Z");
    }

    #[test]
    fn folding_keeps_characters_and_spaces_whole() {
        // 74 octets, then a 4-octet emoji that would straddle the 75th.
        let line = format!("{}🙂tail", "a".repeat(74));
        assert_eq!(fold(&line), format!("{}\r\n 🙂tail\r\n", "a".repeat(74)));
        // The space that would end the first line starts the second instead.
        let line = format!("{} {}", "a".repeat(74), "b".repeat(10));
        assert_eq!(
            fold(&line),
            format!("{}\r\n  {}\r\n", "a".repeat(74), "b".repeat(10))
        );
        assert_eq!(fold(""), "\r\n");
        assert_eq!(fold(&"x".repeat(75)), format!("{}\r\n", "x".repeat(75)));
    }

    proptest! {
        #[test]
        fn folded_lines_fit_and_unfold_to_the_line(line in "[^\r\n]{0,400}") {
            let folded = fold(&line);
            prop_assert!(folded.ends_with("\r\n"));
            let physical: Vec<&str> = folded[..folded.len() - 2].split("\r\n").collect();
            for (i, part) in physical.iter().enumerate() {
                prop_assert!(part.len() <= LINE_OCTETS, "{} octets: {:?}", part.len(), part);
                prop_assert!(i == 0 || part.starts_with(' '), "{:?}", physical);
            }
            prop_assert_eq!(unfold(&folded[..folded.len() - 2]), line);
        }

        /// What matters in the end: another program reads back what was given. Two quirks of
        /// the `ical` crate, not of the text (RFC 5545 3.3.11 lets a value start with `:` and
        /// end in spaces): it drops the colons a value starts with, and trims white space from
        /// the end of every line it reads. So the value is compared without those; white space
        /// at the end of a folded piece is not lost, which is what `fold` sees to.
        #[test]
        fn an_independent_parser_reads_back_any_text(value in "([^\\p{Cc}]| |\n){0,300}") {
            let text = ics(&Invitation { description: &value, ..appointment() });
            let calendar = parsed(&text);
            let read = calendar.events[0]
                .properties
                .iter()
                .find(|p| p.name == "DESCRIPTION")
                .and_then(|p| p.value.as_deref())
                .map(unescape)
                .unwrap_or_default();
            let expected = value
                .trim_start_matches(':')
                .trim_end_matches(|c: char| c.is_whitespace() && c != '\n');
            prop_assert_eq!(read, expected, "{}", text);
        }

        #[test]
        fn escaping_round_trips(value in any::<String>()) {
            let escaped = text(&value);
            prop_assert!(!escaped.contains(['\r', '\n']), "{:?}", escaped);
            let expected: String = value
                .chars()
                .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
                .collect();
            prop_assert_eq!(unescape(&escaped), expected);
        }

        #[test]
        fn any_invitation_is_well_formed(
            uid in any::<String>(),
            sequence in any::<u32>(),
            stamp in any::<i64>(),
            starts_at in any::<i64>(),
            minutes in any::<u32>(),
            summary in any::<String>(),
            location in any::<String>(),
            description in any::<String>(),
            organiser_name in any::<String>(),
            organiser_email in proptest::option::of(any::<String>()),
            attendee_email in proptest::option::of(any::<String>()),
            cancelled in any::<bool>(),
        ) {
            let text = ics(&Invitation {
                uid: &uid,
                sequence,
                stamp,
                starts_at,
                minutes,
                summary: &summary,
                location: &location,
                description: &description,
                organiser_name: &organiser_name,
                organiser_email: organiser_email.as_deref(),
                attendee_email: attendee_email.as_deref(),
                cancelled,
            });
            prop_assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
            prop_assert!(text.ends_with("\r\nEND:VCALENDAR\r\n"));
            prop_assert!(!text.replace("\r\n", "").contains(['\r', '\n']));
            for line in text[..text.len() - 2].split("\r\n") {
                prop_assert!(line.len() <= LINE_OCTETS, "{:?}", line);
            }
            let calendar = parsed(&text);
            prop_assert_eq!(calendar.events.len(), 1);
            let event = &calendar.events[0].properties;
            prop_assert_eq!(event.iter().filter(|p| p.name == "DTSTART").count(), 1);
        }
    }
}
