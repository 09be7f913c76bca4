//! The confidentiality scanner: finds likely identifying details in profile text — school names,
//! UK postcodes, street addresses, phone numbers, e-mail addresses, full dates (of birth), the
//! child's recorded surname and the names of recorded birth relatives — so that they are shown
//! beside the text and fixed or acknowledged before sign-off.
//!
//! Register guidance, point 2 (Confidentiality): a profile must not reveal the child's
//! whereabouts or the name of their school, and responsibility for what is shared rests with the
//! social worker. So the scanner only *suggests*: it never edits the text and never decides. It
//! errs towards flagging, because a false alarm costs one acknowledgement and a miss can cost a
//! child's safety — and it still misses things (see the module tests' known misses), so it is an
//! aid to the worker's judgement, not a replacement for it.
//!
//! Pure: no I/O, no async, no storage. It runs on every profile save, so the patterns are
//! compiled once per process.

use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex, RegexBuilder};
use sha2::{Digest, Sha256};

/// What the scanner knows about the child that must never appear in a published profile.
///
/// Both lists stay inside the child's agency. Entries may be single names ("Darnell") or full
/// names ("Shanice Okafor"): a full name is matched as a whole and each of its parts on its own,
/// because prose often uses just one of them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanContext<'a> {
    /// The child's recorded surname(s), current and previous.
    pub surnames: &'a [String],
    /// Recorded birth relatives' names: first names and surnames.
    pub relative_names: &'a [String],
}

impl ScanContext<'static> {
    /// No recorded names: e.g. a household's profile, or a child with none recorded yet.
    pub const EMPTY: ScanContext<'static> = ScanContext {
        surnames: &[],
        relative_names: &[],
    };
}

/// The kinds of identifying detail the scanner looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    SchoolName,
    Postcode,
    StreetAddress,
    PhoneNumber,
    EmailAddress,
    /// Any full date (day, month and year), and a day and month near "born" or "birthday".
    /// A full date that is not a birth date (the day the child came into care) is flagged too:
    /// it can still identify the child, and the worker can acknowledge it.
    DateOfBirth,
    Surname,
    RelativeName,
}

impl FindingKind {
    pub const ALL: [FindingKind; 8] = [
        FindingKind::SchoolName,
        FindingKind::Postcode,
        FindingKind::StreetAddress,
        FindingKind::PhoneNumber,
        FindingKind::EmailAddress,
        FindingKind::DateOfBirth,
        FindingKind::Surname,
        FindingKind::RelativeName,
    ];

    /// A stable code: stored in acknowledgements and audit entries, so never renamed.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::SchoolName => "school_name",
            FindingKind::Postcode => "postcode",
            FindingKind::StreetAddress => "street_address",
            FindingKind::PhoneNumber => "phone_number",
            FindingKind::EmailAddress => "email_address",
            FindingKind::DateOfBirth => "date_of_birth",
            FindingKind::Surname => "surname",
            FindingKind::RelativeName => "relative_name",
        }
    }

    pub fn from_code(code: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// A short name for the finding, for a social worker.
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::SchoolName => "School or nursery name",
            FindingKind::Postcode => "Postcode",
            FindingKind::StreetAddress => "Address or street name",
            FindingKind::PhoneNumber => "Phone number",
            FindingKind::EmailAddress => "Email address",
            FindingKind::DateOfBirth => "Date of birth or full date",
            FindingKind::Surname => "Child's surname",
            FindingKind::RelativeName => "Birth relative's name",
        }
    }

    /// What to do about it, in plain English.
    pub fn advice(self) -> &'static str {
        match self {
            FindingKind::SchoolName => {
                "This looks like a school's or nursery's name. Naming a school can reveal where \
                 the child lives — describe it instead, e.g. 'a small village primary school'."
            }
            FindingKind::Postcode => {
                "This looks like a postcode. Even part of a postcode points to a small area — \
                 describe the area instead, e.g. 'a market town in the north of England'."
            }
            FindingKind::StreetAddress => {
                "This looks like an address or a street's name. It can lead someone to the \
                 child's home — remove it, or say e.g. 'a quiet street near a park'."
            }
            FindingKind::PhoneNumber => {
                "This looks like a phone number. Remove it — adopters and their workers contact \
                 the child's agency through the register, never directly."
            }
            FindingKind::EmailAddress => {
                "This looks like an email address. Remove it — adopters and their workers contact \
                 the child's agency through the register, never directly."
            }
            FindingKind::DateOfBirth => {
                "This looks like a full date, possibly a date of birth. The profile already shows \
                 the child's age; a full date or a birthday can identify them. Leave out the day, \
                 e.g. 'in spring 2019'."
            }
            FindingKind::Surname => {
                "This matches the child's recorded surname. Profiles use the child's first name \
                 or alias only. If it is an ordinary word here (like 'hill' or 'brown'), \
                 acknowledge it and say so."
            }
            FindingKind::RelativeName => {
                "This matches the name of a recorded birth relative. Say who they are instead, \
                 e.g. 'his birth mother' or 'an older sister'. If it is someone else or an \
                 ordinary word, acknowledge it and say so."
            }
        }
    }
}

/// One likely identifying detail in the text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// Byte offsets into the scanned text, always on `char` boundaries:
    /// `&text[start..end] == excerpt`.
    pub start: usize,
    pub end: usize,
    /// The matched text.
    pub excerpt: String,
    fingerprint: String,
}

impl Finding {
    /// What an acknowledgement is recorded against: `"<kind code>:<hash>"`, where the hash covers
    /// the matched text (lowercased, whitespace collapsed) and the nearest word on either side.
    ///
    /// - Edits elsewhere in the text leave it unchanged, so an acknowledgement keeps applying.
    /// - Changing the matched text changes it, so the acknowledgement no longer applies.
    /// - The neighbouring words are in it so that acknowledging an ordinary word ("brown eyes",
    ///   surname Brown) does not also wave through the real thing later ("Mia Brown").
    /// - It is a hash so that acknowledgements and audit entries, which are kept for a century,
    ///   do not copy the postcode or surname in plain text. It is not a secret: a short surname
    ///   could be guessed back from it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// Scans `text` for likely identifying details.
///
/// Findings come sorted by start; overlapping findings of the same kind are merged into one
/// (e.g. a full name matched whole and by its parts). Findings of different kinds may overlap
/// (a surname inside a street name is both).
pub fn scan(text: &str, ctx: &ScanContext<'_>) -> Vec<Finding> {
    NameMatcher::new(ctx).scan(text)
}

/// The recorded names, compiled once: a profile's several texts are scanned with one matcher
/// (compiling a case-insensitive name pattern costs far more than running it).
pub struct NameMatcher {
    surnames: Vec<Regex>,
    relatives: Vec<Regex>,
}

impl NameMatcher {
    pub fn new(ctx: &ScanContext<'_>) -> Self {
        NameMatcher {
            surnames: name_regexes(ctx.surnames),
            relatives: name_regexes(ctx.relative_names),
        }
    }

    /// Scans `text` as [`scan`] does.
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        scan_with(text, self)
    }
}

fn scan_with(text: &str, names: &NameMatcher) -> Vec<Finding> {
    let mut spans: Vec<(FindingKind, Range<usize>)> = Vec::new();
    for rule in RULES.iter() {
        // A pattern that failed to compile matches nothing; a unit test proves none does.
        let Some(regex) = &rule.regex else { continue };
        for caps in regex.captures_iter(text) {
            if let Some(span) = (rule.accept)(text, &caps) {
                spans.push((rule.kind, span));
            }
        }
    }
    for (regexes, kind) in [
        (&names.surnames, FindingKind::Surname),
        (&names.relatives, FindingKind::RelativeName),
    ] {
        for regex in regexes {
            spans.extend(regex.find_iter(text).map(|m| (kind, m.range())));
        }
    }

    spans.sort_by_key(|(kind, span)| (*kind, span.start, span.end));
    let mut merged: Vec<(FindingKind, Range<usize>)> = Vec::with_capacity(spans.len());
    for (kind, span) in spans {
        match merged.last_mut() {
            Some((last_kind, last)) if *last_kind == kind && span.start < last.end => {
                last.end = last.end.max(span.end);
            }
            _ => merged.push((kind, span)),
        }
    }
    merged.sort_by_key(|(kind, span)| (span.start, *kind));
    merged
        .into_iter()
        .filter_map(|(kind, span)| {
            let excerpt = text.get(span.clone())?.to_string();
            let fingerprint = fingerprint(kind, &excerpt, text, &span);
            Some(Finding {
                kind,
                start: span.start,
                end: span.end,
                excerpt,
                fingerprint,
            })
        })
        .collect()
}

/// The findings not yet acknowledged (by fingerprint). A profile goes for sign-off only when this
/// is empty.
pub fn unresolved<'a>(findings: &'a [Finding], acknowledged: &[String]) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| !acknowledged.iter().any(|a| a == f.fingerprint()))
        .collect()
}

fn fingerprint(kind: FindingKind, excerpt: &str, text: &str, span: &Range<usize>) -> String {
    let before = text.get(..span.start).map(last_word).unwrap_or("");
    let after = text.get(span.end..).map(first_word).unwrap_or("");
    let mut hasher = Sha256::new();
    // Length-prefixed, so no two different triples hash the same input.
    for part in [normalise(excerpt), normalise(before), normalise(after)] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let short = digest.get(..16).unwrap_or_default();
    format!(
        "{}:{}",
        kind.as_str(),
        data_encoding::HEXLOWER.encode(short)
    )
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('’', "'")
}

fn last_word(s: &str) -> &str {
    let s = s.trim_end_matches(|c: char| !c.is_alphanumeric());
    let start = s
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .last()
        .map_or(s.len(), |(i, _)| i);
    s.get(start..).unwrap_or("")
}

fn first_word(s: &str) -> &str {
    let s = s.trim_start_matches(|c: char| !c.is_alphanumeric());
    let end = s
        .char_indices()
        .find(|(_, c)| !c.is_alphanumeric())
        .map_or(s.len(), |(i, _)| i);
    s.get(..end).unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// The patterns

/// A pattern and the check that turns a match into a finding's span (or rejects it).
struct Rule {
    kind: FindingKind,
    #[cfg_attr(not(test), allow(dead_code))]
    pattern: String,
    regex: Option<Regex>,
    accept: fn(&str, &Captures<'_>) -> Option<Range<usize>>,
}

fn rule(
    kind: FindingKind,
    pattern: String,
    accept: fn(&str, &Captures<'_>) -> Option<Range<usize>>,
) -> Rule {
    Rule {
        kind,
        regex: Regex::new(&pattern).ok(),
        pattern,
        accept,
    }
}

/// UK postcode areas (Royal Mail), plus the Crown Dependencies. Using the real areas rather than
/// "any one or two letters" keeps "KS2", "PS5" and "Y6" from looking like postcodes.
const POSTCODE_AREAS: &str = "AB|AL|BA|BB|BD|BH|BL|BN|BR|BS|BT|B|CA|CB|CF|CH|CM|CO|CR|CT|CV|CW|\
    DA|DD|DE|DG|DH|DL|DN|DT|DY|EC|EH|EN|EX|E|FK|FY|GL|GU|GY|G|HA|HD|HG|HP|HR|HS|HU|HX|IG|IM|IP|IV|\
    JE|KA|KT|KW|KY|LA|LD|LE|LL|LN|LS|LU|L|ME|MK|ML|M|NE|NG|NN|NP|NR|NW|N|OL|OX|PA|PE|PH|PL|PO|PR|\
    RG|RH|RM|SA|SE|SG|SK|SL|SM|SN|SO|SP|SR|SS|ST|SW|SY|S|TA|TD|TF|TN|TQ|TR|TS|TW|UB|WA|WC|WD|WF|\
    WN|WR|WS|WV|W|YO|ZE";

/// A capitalised word, as names are written ("Oakfield", "Mary's", "Bryn-y-Mor", "Éclair").
const CAP_WORD: &str = r"\p{Lu}[\p{L}\p{M}'’\-]*";

const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?";

/// Street suffixes after a house number. Generous, because the number already says "address".
const STREET_SUFFIX: &str = "Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Crescent|Cres|Way|\
    Gardens|Gdns|Grove|Place|Pl|Terrace|Tce|Court|Ct|Mews|Row|Walk|Hill|Park|Square|Sq|Parade|Rise|\
    View|Green|Vale|Gate|Croft|Fold|Chase|Wharf|Yard|Boulevard|Approach|Meadows|Bank|Brow|Wynd";

/// Street suffixes for a street named without a number ("lives on Mill Lane"). Narrower: "Park",
/// "Hill", "Court", "Green" and "Walk" name parks, hills and courts as often as streets ("at the
/// Family Court", "up Primrose Hill"), and "St" is too often "Saint".
const NAMED_STREET_SUFFIX: &str = "Road|Rd|Street|Avenue|Ave|Lane|Close|Drive|Crescent|Way|Gardens|\
    Grove|Place|Terrace|Mews|Row";

/// Words that end a school's name.
const SCHOOL_WORD: &str = "[Pp]rimary|[Ii]nfants?|[Jj]uniors?|[Nn]ursery|[Aa]cademy|[Ss]chool|\
    [Cc]ollege|High|[Gg]rammar|[Pp]re-?[Ss]chool|[Pp]laygroup|[Ss]econdary";

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    use FindingKind::*;
    let out = format!(r"(?:{POSTCODE_AREAS})[0-9][0-9A-Z]?");
    let school_word = format!("(?:{SCHOOL_WORD})");
    let name_word = format!(r"(?:St\.|{CAP_WORD})");
    vec![
        // Full postcodes: "M1 1AE", "SW1A 1AA", "dn551pt". The inward part's letters exclude
        // C, I, K, M, O and V, as Royal Mail's do.
        rule(
            Postcode,
            format!(r"(?i)\b(?:{POSTCODE_AREAS})[0-9][0-9A-Z]?\s?[0-9][ABD-HJLNP-UW-Z]{{2}}\b"),
            postcode,
        ),
        // An outward code alone only where the words around it say it is a place.
        rule(
            Postcode,
            format!(
                r"\b(?i:post\s?codes?|postal\s+district)(?:\s*:|\s+(?i:is|was|of))?\s*({out})\b|\b({out})\s+(?i:area|district|postcode|post\s?code)\b|\b(?i:lives?|living|lived|based|moved|moving|resides?|residing|stays?|staying|stayed)\s+(?i:in|near|around|to|at)\s+(?i:the\s+)?({out})\b"
            ),
            first_group,
        ),
        // UK numbers: +44 / 0044 then 9–10 digits; (0xxx) area code in brackets; or 0 then
        // 9–10 digits; single spaces or hyphens anywhere between digits. Dots are left out so
        // that "01.03.2016" stays a date.
        rule(
            PhoneNumber,
            r"(?:(?:\+|\b00)\s?44\s?(?:\(0\)\s?)?[1-9](?:[\x20\-]?[0-9]){8,9}|\(0[1-9][0-9]{1,4}\)\s?[0-9](?:[\x20\-]?[0-9]){4,8}|\b0[1-9](?:[\x20\-]?[0-9]){8,9})\b"
                .to_string(),
            uk_phone,
        ),
        rule(
            EmailAddress,
            r"(?i)\b[A-Z0-9._%+\-]+@[A-Z0-9\-]+(?:\.[A-Z0-9\-]+)*\.[A-Z]{2,}\b".to_string(),
            whole,
        ),
        // "12 Acacia Avenue", "flat 3, 45 Mill Lane", "112b Station Rd". At most three digits, so
        // a year ("In 2019 Gran…") is not a house number.
        rule(
            StreetAddress,
            format!(
                r"\b(?:(?i:flat|apartment|apt\.?|unit)\s+[0-9]{{1,4}}[A-Za-z]?,?\s+)?[0-9]{{1,3}}[A-Za-z]?,?\s+(?:{CAP_WORD}\s+){{1,3}}(?:{STREET_SUFFIX})\b"
            ),
            whole,
        ),
        // "lives on Mill Lane", "moved to Beechwood Crescent", "along Harrow Road".
        rule(
            StreetAddress,
            format!(
                r"\b(?:(?i:lives?|living|lived|moved|moving|stays?|staying|stayed|based|resides?|residing)\s+(?i:on|in|at|near|off|to)|[Oo]n|[Oo]ff|[Aa]long)\s+((?:{CAP_WORD}\s+){{1,3}}(?:{NAMED_STREET_SUFFIX}))\b"
            ),
            first_group,
        ),
        // "St Mary's C of E Primary", "Hollybrook Junior and Infant School", "Moorside High".
        rule(
            SchoolName,
            format!(
                r"\b{name_word}(?:\s+(?:(?:of|and|&|the|upon|de|la|le|y|yr)\s+)?{name_word}){{0,5}}\s+({school_word}(?:\s+(?:(?:and|&)\s+)?{school_word}){{0,2}})\b"
            ),
            school_name,
        ),
        // Welsh-medium schools put the word first: "Ysgol Pen y Bryn".
        rule(
            SchoolName,
            format!(r"\bYsgol(?:\s+(?:(?:y|yr)\s+)?{CAP_WORD}){{1,4}}"),
            whole,
        ),
        // 12/03/2016, 12-03-2016, 12.3.16, and month-first 03/12/2016.
        rule(
            DateOfBirth,
            r"\b([0-9]{1,2})([/.\-])([0-9]{1,2})([/.\-])([0-9]{4}|[0-9]{2})\b".to_string(),
            numeric_date,
        ),
        // 2016-03-12, 2016/03/12.
        rule(
            DateOfBirth,
            r"\b((?:19|20)[0-9]{2})([/.\-])([0-9]{1,2})([/.\-])([0-9]{1,2})\b".to_string(),
            iso_date,
        ),
        // 12 March 2016, 12th of March 2016, 3 Sept. 2021.
        rule(
            DateOfBirth,
            format!(
                r"(?i)\b([0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH},?\s+(?:19|20)[0-9]{{2}}\b"
            ),
            day_in_group_1,
        ),
        // March 12, 2016.
        rule(
            DateOfBirth,
            format!(r"(?i)\b{MONTH}\s+([0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+(?:19|20)[0-9]{{2}}\b"),
            day_in_group_1,
        ),
        // A birthday without the year: with the age in years and months that the profile shows,
        // "her birthday is 12th March" gives the date of birth away.
        rule(
            DateOfBirth,
            format!(
                r"(?i)\b(?:birthday|born|DOB)\b[^.!?\n]{{0,40}}?\b(?:(([0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH})|({MONTH}\s+([0-9]{{1,2}})(?:st|nd|rd|th)?\b))"
            ),
            birthday,
        ),
    ]
});

fn whole(_: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    caps.get(0).map(|m| m.range())
}

/// The first capture group that took part in the match.
fn first_group(_: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    caps.iter().skip(1).flatten().next().map(|m| m.range())
}

/// Postcodes are typed all in capitals or all in lower case; "E1 4th" or "B1 2nd" (a mix) is
/// prose.
fn postcode(_: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    let m = caps.get(0)?;
    let letters = || m.as_str().chars().filter(|c| c.is_alphabetic());
    let same_case = letters().all(char::is_uppercase) || letters().all(char::is_lowercase);
    same_case.then(|| m.range())
}

/// A UK number has 10 or 11 digits with its leading 0; written internationally (+44, 0044,
/// perhaps with "(0)"), 9 or 10 after the 44.
fn uk_phone(_: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    let m = caps.get(0)?;
    let s = m.as_str();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let prefix_digits = if s.starts_with('+') {
        2
    } else if s.starts_with("00") {
        4
    } else {
        0
    };
    let optional_zero = if s.contains("(0)") { 1 } else { 0 };
    let national = digits.saturating_sub(prefix_digits + optional_zero);
    let ok = if prefix_digits > 0 {
        (9..=10).contains(&national)
    } else {
        (10..=11).contains(&national)
    };
    ok.then(|| m.range())
}

fn number(caps: &Captures<'_>, i: usize) -> Option<u32> {
    caps.get(i)?.as_str().parse().ok()
}

fn same_separators(caps: &Captures<'_>) -> bool {
    caps.get(2).map(|m| m.as_str()) == caps.get(4).map(|m| m.as_str())
}

/// Day and month in either order (British or American), with the same separator twice.
fn numeric_date(_: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    let (a, b) = (number(caps, 1)?, number(caps, 3)?);
    let day = |d: u32| (1..=31).contains(&d);
    let month = |m: u32| (1..=12).contains(&m);
    let plausible = (day(a) && month(b)) || (month(a) && day(b));
    if !plausible || !same_separators(caps) {
        return None;
    }
    caps.get(0).map(|m| m.range())
}

fn iso_date(_: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    let (m, d) = (number(caps, 3)?, number(caps, 5)?);
    let plausible = (1..=12).contains(&m) && (1..=31).contains(&d);
    if !plausible || !same_separators(caps) {
        return None;
    }
    caps.get(0).map(|m| m.range())
}

fn day_in_group_1(_: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    if !(1..=31).contains(&number(caps, 1)?) {
        return None;
    }
    caps.get(0).map(|m| m.range())
}

/// Reports only the day and month, not the "birthday is" before them.
fn birthday(_: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    let (span, day) = match caps.get(1) {
        Some(m) => (m, number(caps, 2)?),
        None => (caps.get(3)?, number(caps, 4)?),
    };
    (1..=31).contains(&day).then(|| span.range())
}

/// Capitalised words that start a sentence or a phrase but are not part of a school's name, and
/// generic kinds of school: stripped from the front of a candidate, so "On Mondays Oakfield
/// Academy" reports "Oakfield Academy", and "Forest School" or "Sunday School" alone report nothing.
const NOT_A_SCHOOL_NAME: &[&str] = &[
    "A",
    "An",
    "The",
    "At",
    "In",
    "On",
    "To",
    "From",
    "For",
    "With",
    "By",
    "Of",
    "And",
    "Or",
    "But",
    "So",
    "His",
    "Her",
    "Their",
    "Our",
    "My",
    "Your",
    "Its",
    "He",
    "She",
    "They",
    "We",
    "I",
    "It",
    "This",
    "That",
    "These",
    "Those",
    "Every",
    "Each",
    "After",
    "Before",
    "When",
    "While",
    "During",
    "Since",
    "Until",
    "Both",
    "Some",
    "Most",
    "All",
    "Any",
    "Last",
    "Next",
    "Big",
    "Local",
    "Village",
    "Current",
    "Previous",
    "First",
    "Then",
    "Now",
    "Today",
    "Sometimes",
    "Mainstream",
    "Special",
    "Forest",
    "Sunday",
    "Summer",
    "Holiday",
    "Boarding",
    "Home",
    "Catholic",
    "Church",
    "Faith",
    "Independent",
    "Private",
    "State",
    "Comprehensive",
    "Free",
    "Welsh",
    "English",
    "Primary",
    "Secondary",
    "Infant",
    "Infants",
    "Junior",
    "Juniors",
    "Nursery",
    "High",
    "Grammar",
    "School",
    "Academy",
    "College",
    "Reception",
    "Year",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Christmas",
    "Easter",
];

const NAME_JOINERS: &[&str] = &["of", "and", "&", "the", "upon", "de", "la", "le", "y", "yr"];

fn school_name(text: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    let (whole, kind_words) = (caps.get(0)?, caps.get(1)?);
    let names = text.get(whole.start()..kind_words.start())?;
    let words: Vec<(usize, &str)> = words_with_offsets(names)
        .skip_while(|(_, w)| NOT_A_SCHOOL_NAME.contains(w) || NAME_JOINERS.contains(w))
        .map(|(i, w)| (whole.start() + i, w))
        .collect();
    let (start, _) = *words.first()?;
    let name_words: Vec<&str> = words
        .iter()
        .map(|(_, w)| *w)
        .filter(|w| !NAME_JOINERS.contains(w))
        .collect();
    // "Jack's school", "Mum's College": a person's school, not a school's name. "St Mary's
    // school" is a name.
    let possessive = name_words.last().is_some_and(|w| is_possessive(w));
    let saint = matches!(name_words.first(), Some(&("St" | "St." | "Saint")));
    if possessive && name_words.len() == 1 {
        return None;
    }
    if kind_words.as_str().starts_with(char::is_lowercase) {
        if possessive && !saint {
            return None;
        }
        // "Sometimes school is hard": one capitalised word that is only capitalised because it
        // starts the sentence.
        if name_words.len() == 1 && at_sentence_start(text, start) {
            return None;
        }
    }
    // "Oakfield High Street" is a street.
    let after = text.get(kind_words.end()..).unwrap_or("");
    if kind_words.as_str().ends_with("High") && first_word(after).starts_with(char::is_uppercase) {
        return None;
    }
    Some(start..kind_words.end())
}

fn is_possessive(word: &str) -> bool {
    word.ends_with("'s") || word.ends_with("’s") || word.ends_with("s'") || word.ends_with("s’")
}

fn at_sentence_start(text: &str, at: usize) -> bool {
    let before = text.get(..at).unwrap_or("");
    let trimmed = before.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '“' | '‘' | '(' | '*' | '-' | '•')
    });
    trimmed.is_empty()
        || trimmed.ends_with(['.', '!', '?', ':', ';'])
        || before
            .get(trimmed.len()..)
            .is_some_and(|gap| gap.contains('\n'))
}

fn words_with_offsets(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = 0;
    std::iter::from_fn(move || {
        let tail = s.get(rest..)?;
        let lead = tail.len() - tail.trim_start().len();
        let word = tail.trim_start().split(char::is_whitespace).next()?;
        if word.is_empty() {
            return None;
        }
        let start = rest + lead;
        rest = start + word.len();
        Some((start, word))
    })
}

// ---------------------------------------------------------------------------------------------
// Recorded names

/// Name particles not matched on their own ("de" in "de la Cruz"); the full name still is.
const PARTICLES: &[&str] = &[
    "da", "das", "de", "del", "della", "der", "des", "di", "do", "dos", "du", "la", "le", "van",
    "von", "st",
];

/// Finds recorded names: whole words, any case, with possessives and plurals ("Smith's",
/// "Jones'", "the Smiths"). Names shorter than two letters are ignored. A name that is also an
/// ordinary word ("Hill", "Brown", "May") is found in ordinary prose too — that is what
/// acknowledgements are for; the fingerprint's neighbouring words keep an acknowledged "brown
/// eyes" from covering a later "Mia Brown".
/// One pattern matching every recorded name and its parts (or, for a pathologically long list,
/// one per name).
fn name_regexes(names: &[String]) -> Vec<Regex> {
    let mut variants: Vec<&str> = Vec::new();
    for name in names {
        let name = name.trim();
        variants.push(name);
        // "Kerry-Ann Walsh": also "Kerry-Ann", "Kerry", "Ann" and "Walsh" on their own.
        let words = name.split_whitespace();
        let parts = words
            .clone()
            .flat_map(|w| w.split(['-', '‐', '‑']))
            .filter(|part| !PARTICLES.contains(&part.to_lowercase().as_str()));
        variants.extend(words.chain(parts));
    }
    variants.retain(|v| v.chars().filter(|c| c.is_alphabetic()).count() >= 2);
    // Longest first, so a full name wins over its parts where both match at one place.
    variants.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let mut seen = std::collections::HashSet::new();
    variants.retain(|v| seen.insert(v.to_lowercase()));
    if variants.is_empty() {
        return Vec::new();
    }
    let patterns: Vec<String> = variants.iter().map(|v| name_pattern(v)).collect();
    match compile_names(&patterns.join("|")) {
        Some(all) => vec![all],
        // Only a pathologically long list overflows the size limit: then one at a time, so one
        // odd entry cannot hide the others.
        None => patterns.iter().filter_map(|p| compile_names(p)).collect(),
    }
}

fn compile_names(alternatives: &str) -> Option<Regex> {
    RegexBuilder::new(&format!("(?:{alternatives})"))
        .case_insensitive(true)
        .size_limit(32 * (1 << 20))
        .build()
        .ok()
}

/// A recorded name as a pattern: literal, but any run of spaces matches any whitespace, either
/// apostrophe matches either, and any hyphen matches any hyphen.
fn name_pattern(name: &str) -> String {
    let mut pattern = String::new();
    let word_char = |c: char| c.is_alphanumeric() || c == '_';
    if name.starts_with(word_char) {
        pattern.push_str(r"\b");
    }
    let mut in_space = false;
    for c in name.chars() {
        if c.is_whitespace() {
            if !in_space {
                pattern.push_str(r"\s+");
            }
            in_space = true;
            continue;
        }
        in_space = false;
        match c {
            '\'' | '’' => pattern.push_str("['’]"),
            '-' | '‐' | '‑' => pattern.push_str("[-‐‑]"),
            c => pattern.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    if name.ends_with(word_char) {
        // Possessive, plural, or the name alone — never the start of a longer word.
        pattern.push_str(r"(?:['’]s\b|s\b|\b['’]?)");
    }
    format!("(?:{pattern})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for rule in RULES.iter() {
            assert!(
                rule.regex.is_some(),
                "{:?} pattern does not compile: {}",
                rule.kind,
                rule.pattern
            );
        }
        assert!(RULES.len() >= 10);
    }

    #[test]
    fn kind_codes_are_unique_and_round_trip() {
        for kind in FindingKind::ALL {
            assert_eq!(FindingKind::from_code(kind.as_str()), Some(kind));
            assert!(!kind.label().is_empty() && !kind.advice().is_empty());
        }
        let mut codes: Vec<_> = FindingKind::ALL.iter().map(|k| k.as_str()).collect();
        codes.dedup();
        assert_eq!(codes.len(), FindingKind::ALL.len());
        assert_eq!(FindingKind::from_code("school"), None);
    }

    #[test]
    fn name_patterns_are_literal() {
        // Regex metacharacters in a recorded name are matched as themselves.
        let names = ["O'Neil (jr)".to_string(), "A.B".to_string()];
        let ctx = ScanContext {
            surnames: &names,
            relative_names: &[],
        };
        let found = scan("Mia O’Neil (jr) and AxB and A.B", &ctx);
        let excerpts: Vec<&str> = found.iter().map(|f| f.excerpt.as_str()).collect();
        assert_eq!(excerpts, ["O’Neil (jr)", "A.B"]);
    }

    #[test]
    fn a_very_long_name_is_still_found() {
        let long = "Abcdefghij".repeat(300);
        let names = [long.clone(), "Pemberton".to_string()];
        let ctx = ScanContext {
            surnames: &names,
            relative_names: &[],
        };
        let text = format!("{long} and Pemberton");
        assert_eq!(scan(&text, &ctx).len(), 2);
    }

    #[test]
    fn words_split_with_offsets() {
        let words: Vec<_> = words_with_offsets("  St Mary’s  C of").collect();
        assert_eq!(words, [(2, "St"), (5, "Mary’s"), (15, "C"), (17, "of")]);
        assert_eq!(last_word("hello, big  "), "big");
        assert_eq!(first_word(" — world!"), "world");
    }
}
