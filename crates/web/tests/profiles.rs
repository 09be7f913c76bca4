//! Children's profiles through the front door: writing one (with the confidentiality check),
//! sign-off and the rest of the life cycle, who sees what, searching and saved searches, and
//! photos. Real router, real database (SQLite), injected clock; a fresh app per test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::http::StatusCode;
use kinlink_domain::Role;
use kinlink_domain::child::{
    ChildConfidential, ChildDetails, ChildProfile, Contact, Ethnicity, Gender, LegalStatus, Need,
    ProfileDetails,
};
use kinlink_domain::household::HouseholdDetails;
use kinlink_domain::policy::{Action, ChildVisibility, Permit};
use kinlink_domain::profile::{ChildStatus, CivilDate, HouseholdStatus, NeedCategory, NeedLevel};
use kinlink_store::Who;
use support::{App, Browser, Part, Response, publish_children};

const WORKER: &str = "social.worker@northshire.example";
const MANAGER: &str = "team.manager@northshire.example";
const SECOND_MANAGER: &str = "second.manager@northshire.example";
const FINDER: &str = "family.finder@northshire.example";
const BUSINESS_SUPPORT: &str = "business.support@northshire.example";
const NORTH_ADMIN: &str = "agency.admin@northshire.example";
const SOUTH_ADMIN: &str = "agency.admin@southvale.example";
const SOUTH_WORKER: &str = "social.worker@southvale.example";
const ADOPTER: &str = "adopter@southvale.example";

// ---- helpers ---------------------------------------------------------------------------------

/// A form's fields as a browser sends them.
#[derive(Clone)]
struct Fields(Vec<(String, String)>);

impl Fields {
    fn set(mut self, name: &str, value: &str) -> Self {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some(pair) => pair.1 = value.to_owned(),
            None => self.0.push((name.to_owned(), value.to_owned())),
        }
        self
    }
    fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
    /// Only the fields the "change the profile" form has.
    fn profile_part(&self) -> Fields {
        const PROFILE: &[&str] = &[
            "text",
            "visibility",
            "home_area",
            "excluded_areas",
            "contact_letterbox",
            "contact_direct",
            "contact_siblings",
            "contact_notes",
            "requirement_notes",
        ];
        Fields(
            self.0
                .iter()
                .filter(|(k, _)| PROFILE.contains(&k.as_str()) || k.starts_with("req_"))
                .cloned()
                .collect(),
        )
    }
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    Fields(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

/// One child's fields, as the form names them (every need left at "none" but one).
fn child_fields(alias: &str, day: &str, month: &str, year: &str, gender: &str) -> Fields {
    let mut f = fields(&[
        ("alias", alias),
        ("born_day", day),
        ("born_month", month),
        ("born_year", year),
        ("gender", gender),
        ("ethnicity", "mixed"),
        ("ethnicity_detail", ""),
        ("religion", ""),
        ("languages", "English"),
        ("legal_status", "placement_order"),
    ]);
    for cat in NeedCategory::ALL {
        f = f
            .set(&format!("need_{}", cat.as_str()), "none")
            .set(&format!("need_{}_notes", cat.as_str()), "");
    }
    f.set("surname", "Brackenridge")
        .set("address", "")
        .set("school", "")
        .set("placement_location", "")
        .set("birth_relatives", "")
}

/// The whole "create a profile" form for Mia, with her confidential details filled in.
fn mia() -> Fields {
    let mut f = child_fields("Mia", "15", "5", "2019", "girl")
        .set("need_emotional_behavioural", "medium")
        .set(
            "need_emotional_behavioural_notes",
            "Needs reassurance at bedtime",
        )
        .set("address", "14 Quarry Lane")
        .set("school", "Fellside Primary")
        .set("placement_location", "Foster home in Ulverston")
        .set("birth_relatives", "Carol Dunmore\r\nWayne Dunmore");
    for (k, v) in [
        (
            "text",
            "Mia is a cheerful girl who loves drawing, climbing and stories at bedtime. She needs a patient family.",
        ),
        ("visibility", "all"),
        ("home_area", "Cumbria"),
        ("excluded_areas", "Cumbria\r\nLancashire\r\nNorth Yorkshire"),
        ("contact_letterbox", "yes"),
        ("contact_notes", "Letters twice a year"),
        ("req_no_pets", "yes"),
        ("requirement_notes", ""),
    ] {
        f = f.set(k, v);
    }
    f
}

/// The confidential details in [`mia`], as a page would show them to her own agency.
const MIA_CONFIDENTIAL: &[&str] = &[
    "Brackenridge",
    "2019-05-15",
    "14 Quarry Lane",
    "Fellside Primary",
    "Foster home in Ulverston",
    "Dunmore",
];

/// Text as askama writes it into a page.
fn esc(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The reverse of [`esc`] (and of `&amp;`, as templates write it by hand) for a value or link
/// taken from a page.
fn unesc(text: &str) -> String {
    text.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// The error summary's list, for a failure message.
fn summary(page: &Response) -> &str {
    let start = page.body.find("govuk-error-summary__list").unwrap_or(0);
    let end = start + page.body[start..].find("</ul>").unwrap_or(0);
    &page.body[start..end]
}

async fn signed_in<'a>(app: &'a App, email: &str) -> Browser<'a> {
    let mut b = app.browser();
    b.sign_in(email).await;
    b
}

/// The number after `prefix` in `text`, e.g. a new profile's id in its redirect.
fn number_after(text: &str, prefix: &str) -> i64 {
    let i = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix:?} in {text}"))
        + prefix.len();
    let digits: String = text[i..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// The value of the first hidden or text input named `name` on a page.
fn input_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let i = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}"))
        + marker.len();
    let j = page[i..].find('"').unwrap();
    unesc(&page[i..i + j])
}

/// Creates a profile through the form and returns its id.
async fn create(b: &mut Browser<'_>, form: &Fields) -> i64 {
    assert_eq!(b.get("/children/new").await.status, StatusCode::OK);
    let res = b.post("/children/new", &form.pairs()).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(
        res.location().ends_with("?done=created"),
        "{}",
        res.location()
    );
    number_after(res.location(), "/children/")
}

/// Presses a life-cycle button on the profile page.
async fn step(b: &mut Browser<'_>, id: i64, event: &str, reason: &str) -> Response {
    b.get(&format!("/children/{id}")).await;
    b.post(
        &format!("/children/{id}/status"),
        &[("event", event), ("reason", reason)],
    )
    .await
}

/// The worker sends the profile for sign-off and the team manager signs it off.
async fn publish(app: &App, id: i64) {
    let mut worker = signed_in(app, WORKER).await;
    let sent = step(&mut worker, id, "submit", "").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let mut manager = signed_in(app, MANAGER).await;
    let signed = step(&mut manager, id, "sign_off", "").await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(status_of(app, id).await, ChildStatus::Published);
}

/// Every profile of an agency, as stored (not through any page).
async fn profiles_of(app: &App, agency: i64) -> Vec<ChildProfile> {
    app.store
        .agency_child_profiles(
            &Permit::for_operator(Action::EditChildProfile { agency }),
            None,
        )
        .await
        .unwrap()
}

async fn stored(app: &App, id: i64) -> ChildProfile {
    profiles_of(app, app.north.id)
        .await
        .into_iter()
        .find(|p| p.id == id)
        .unwrap()
}

async fn status_of(app: &App, id: i64) -> ChildStatus {
    stored(app, id).await.status
}

/// Approves the demo adopters' household, living in `area`, as the demo does.
async fn activate_household(app: &App, area: &str) {
    let household = app.user(ADOPTER).await.household_id.unwrap();
    let details = HouseholdDetails {
        applicants: vec!["Robin Ashdown".into(), "Kit Ashdown".into()],
        approved_on: CivilDate::new(2026, 6, 1),
        children_min: 1,
        children_max: 3,
        age_min_years: 0,
        age_max_years: 12,
        gender: None,
        needs: vec![],
        contact: Contact::default(),
        identity: String::new(),
        heritage: vec![],
        experience: None,
        languages: vec!["English".into()],
        children_at_home: 0,
        children_at_home_notes: String::new(),
        pets: String::new(),
        youngest_at_home: None,
        carer_at_home: None,
        area: area.into(),
        text: "We are a calm and playful family who love the outdoors.".into(),
        consent_to_referral: true,
    };
    app.store
        .import_household(
            &Permit::for_operator(Action::EditHousehold {
                agency: app.south.id,
            }),
            &Who::operator(),
            &kinlink_store::HouseholdImport {
                existing: Some(household),
                details: &details,
                status: HouseholdStatus::Active,
                active_since: Some(app.store.now()),
                worker_id: None,
            },
        )
        .await
        .unwrap();
}

fn child(alias: &str, born: (i32, u8, u8), gender: Gender, needs: Vec<Need>) -> ChildDetails {
    ChildDetails {
        alias: alias.into(),
        born: CivilDate::new(born.0, born.1, born.2).unwrap(),
        gender,
        ethnicity: Ethnicity::WhiteBritish,
        ethnicity_detail: String::new(),
        religion: String::new(),
        languages: vec!["English".into()],
        legal_status: LegalStatus::PlacementOrder,
        needs,
        confidential: ChildConfidential {
            surname: "Ormerod".into(),
            ..Default::default()
        },
    }
}

fn details(text: &str) -> ProfileDetails {
    ProfileDetails {
        visibility: ChildVisibility::All,
        home_area: "Cumbria".into(),
        excluded_areas: vec!["Cumbria".into(), "Lancashire".into()],
        contact: Contact::default(),
        contact_notes: String::new(),
        requirements: vec![],
        requirement_notes: String::new(),
        text: text.into(),
    }
}

/// A child with no recorded needs, published now.
async fn simple(app: &App, alias: &str, born: (i32, u8, u8), gender: Gender, text: &str) -> i64 {
    publish_children(app, &details(text), &[child(alias, born, gender, vec![])]).await
}

/// The ids of the profiles a search page lists, in order.
fn listed(page: &Response) -> Vec<i64> {
    let mut ids = Vec::new();
    for card in page.body.split("<div class=\"kinlink-result\">").skip(1) {
        ids.push(number_after(
            card,
            "<a class=\"govuk-link\" href=\"/children/",
        ));
    }
    ids
}

async fn search(b: &mut Browser<'_>, query: &str) -> Response {
    let res = b.get(&format!("/search/children?{query}")).await;
    assert_eq!(res.status, StatusCode::OK, "{query}: {}", res.body);
    res
}

/// A small real PNG, as a phone might export one.
fn png() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn upload(b: &mut Browser<'_>, id: i64, bytes: &[u8], file: (&str, &str)) -> Response {
    b.get(&format!("/children/{id}")).await;
    let token = b.csrf.clone().unwrap();
    b.post_multipart(
        &format!("/children/{id}/photos?csrf_token={token}"),
        &[
            Part {
                name: "photo",
                file: Some(file),
                bytes,
            },
            Part {
                name: "description",
                file: None,
                bytes: b"Mia laughing on a swing",
            },
        ],
    )
    .await
}

// ---- creating a profile ----------------------------------------------------------------------

#[tokio::test]
async fn a_social_worker_creates_a_draft_and_adds_a_sibling() {
    let app = App::sqlite().await;
    let mut b = signed_in(&app, WORKER).await;
    let form = b.get("/children/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.h1(), "Create a child's profile");

    let before = app.audit_count().await;
    let id = create(&mut b, &mia()).await;
    assert_eq!(
        app.audit_actions_since(before).await,
        ["child_profile.created"]
    );

    let page = b.get(&format!("/children/{id}?done=created")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.h1(), "Mia");
    assert!(
        page.body
            .contains("The profile has been created as a draft.")
    );
    assert!(page.body.contains("govuk-tag--grey\">draft</strong>"));
    assert!(page.body.contains("Child · Northshire Council"));
    for secret in MIA_CONFIDENTIAL {
        assert!(page.body.contains(secret), "own agency sees {secret}");
    }
    assert!(page.body.contains("7 years and 6 months"));
    assert!(page.body.contains(
        "<strong>Emotional and behavioural</strong>: Medium. Needs reassurance at bedtime"
    ));
    assert!(
        page.body
            .contains("Letterbox (indirect) contact. Letters twice a year")
    );
    assert!(page.body.contains("No pets in the home"));
    assert!(page.body.contains("Cumbria, Lancashire, North Yorkshire"));
    assert!(
        page.body
            .contains("Nothing that looks identifying was found")
    );
    assert!(page.body.contains("Send for sign-off"));

    let p = stored(&app, id).await;
    assert_eq!(p.status, ChildStatus::Draft);
    assert_eq!(p.worker_id, app.user(WORKER).await.id);
    assert_eq!(p.home_area.as_deref(), Some("Cumbria"));
    assert_eq!(p.children.len(), 1);
    let (born, c) = p.children[0].confidential.clone().unwrap();
    assert_eq!(born.to_string(), "2019-05-15");
    assert_eq!(c.birth_relatives, ["Carol Dunmore", "Wayne Dunmore"]);
    assert_eq!(
        p.children[0].needs,
        [Need {
            category: NeedCategory::EmotionalAndBehavioural,
            level: NeedLevel::Medium,
            notes: "Needs reassurance at bedtime".into(),
        }]
    );
    let list = b.get("/children").await;
    assert!(
        list.body
            .contains(&format!("href=\"/children/{id}\">Mia</a>"))
    );

    // A brother, to be placed with her.
    assert_eq!(
        b.get(&format!("/children/{id}/children/new")).await.status,
        StatusCode::OK
    );
    let leo = child_fields("Leo", "2", "9", "2021", "boy");
    let added = b
        .post(&format!("/children/{id}/children/new"), &leo.pairs())
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(added.location(), format!("/children/{id}?done=saved"));
    assert_eq!(app.last_audit_action().await, "child_profile.child_added");
    let page = b.get(&format!("/children/{id}")).await;
    assert!(
        page.body
            .contains("Sibling group of 2 · Northshire Council")
    );
    assert_eq!(page.h1(), "Mia and Leo");
    assert_eq!(stored(&app, id).await.children.len(), 2);
}

#[tokio::test]
async fn bad_input_is_shown_with_every_message_keeps_what_was_typed_and_stores_nothing() {
    let app = App::sqlite().await;
    let mut b = signed_in(&app, WORKER).await;
    b.get("/children/new").await;
    let before = app.audit_count().await;
    let bad = mia()
        .set("alias", "")
        .set("born_day", "31")
        .set("born_month", "2")
        .set("born_year", "2020")
        .set("home_area", "Atlantis")
        .set("text", "");
    let res = b.post("/children/new", &bad.pairs()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.has_error_summary());
    assert!(res.body.contains("<title>Error: "), "the title says so too");
    let messages = [
        ("alias", "Enter the child's first name or alias"),
        (
            "born",
            "Enter the date of birth as a real date, like 27 3 2019",
        ),
        (
            "text",
            "Write the profile: what the child is like, what they enjoy and what they need",
        ),
        (
            "home_area",
            "Choose the local authority area the child comes from",
        ),
    ];
    // The summary links to each field, in the order the fields are on the page.
    let mut at = 0;
    for (field, message) in messages {
        let link = format!("<li><a href=\"#{field}\">{}</a></li>", esc(message));
        let found = res.body[at..].find(&link).unwrap_or_else(|| {
            panic!(
                "summary should list {link} after the ones before: {}",
                summary(&res)
            )
        });
        at += found + link.len();
        assert!(
            res.body.contains(&format!(
                "id=\"{field}-error\" class=\"govuk-error-message\""
            )),
            "{field} has its message beside it"
        );
    }
    // What was typed is still there.
    assert!(
        res.body
            .contains("name=\"born_day\" type=\"text\" inputmode=\"numeric\" value=\"31\"")
    );
    assert!(res.body.contains("value=\"Brackenridge\""));
    assert!(res.body.contains("value=\"Fellside Primary\""));
    assert!(
        res.body
            .contains(">Needs reassurance at bedtime</textarea>")
    );
    assert!(
        res.body
            .contains(">Cumbria\r\nLancashire\r\nNorth Yorkshire</textarea>")
    );
    assert!(res.body.contains("<option value=\"medium\" selected>"));
    assert!(profiles_of(&app, app.north.id).await.is_empty());
    assert_eq!(
        app.audit_count().await,
        before,
        "nothing stored, nothing audited"
    );

    // An alias that gives the surname away is refused.
    let named = mia().set("alias", "Mia Brackenridge");
    let res = b.post("/children/new", &named.pairs()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains(&esc(
        "Use the child's first name or an alias only, not their surname"
    )));
    assert!(res.body.contains("value=\"Mia Brackenridge\""));
    assert!(profiles_of(&app, app.north.id).await.is_empty());
    assert_eq!(app.audit_count().await, before);
}

// ---- the confidentiality check ---------------------------------------------------------------

const SCHOOL_TEXT: &str =
    "Mia goes to Oakfield Primary School, where she loves painting and singing.";

#[tokio::test]
async fn a_named_school_must_be_acknowledged_with_a_reason_before_sign_off() {
    let app = App::sqlite().await;
    let mut b = signed_in(&app, WORKER).await;
    let id = create(&mut b, &mia().set("text", SCHOOL_TEXT)).await;

    let page = b.get(&format!("/children/{id}")).await;
    assert!(page.body.contains(
        "<mark class=\"kinlink-flag\" title=\"School or nursery name\">Oakfield Primary School<span"
    ), "the finding is marked in the text");
    assert!(
        page.body
            .contains("School or nursery name: “Oakfield Primary School”")
    );
    assert!(
        page.body
            .contains("1 to fix or acknowledge before the profile can go for sign-off.")
    );
    assert!(
        page.body.contains("Send for sign-off"),
        "offered, to say what to do"
    );

    let sent = step(&mut b, id, "submit", "").await;
    assert_eq!(sent.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(sent.has_error_summary());
    assert!(
        sent.body
            .contains("Every confidentiality finding must be fixed or acknowledged first")
    );
    assert_eq!(status_of(&app, id).await, ChildStatus::Draft);
    assert!(
        app.store
            .status_history("child", id)
            .await
            .unwrap()
            .is_empty()
    );

    // Acknowledging needs a reason.
    let page = b.get(&format!("/children/{id}")).await;
    let fingerprint = input_value(&page.body, "fingerprint");
    let before = app.audit_count().await;
    let empty = b
        .post(
            &format!("/children/{id}/acknowledge"),
            &[("fingerprint", fingerprint.as_str()), ("reason", "  ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.has_error_summary());
    assert!(
        empty
            .body
            .contains("Say why this finding is not identifying before acknowledging it")
    );
    assert!(
        !app.audit_actions_since(before)
            .await
            .contains(&"child_profile.finding_acknowledged".to_owned())
    );

    let reason = "The school closed in 2010 and was miles from where she lives now";
    let ack = b
        .post(
            &format!("/children/{id}/acknowledge"),
            &[("fingerprint", fingerprint.as_str()), ("reason", reason)],
        )
        .await;
    assert_eq!(ack.status, StatusCode::SEE_OTHER, "{}", ack.body);
    assert_eq!(ack.location(), format!("/children/{id}?done=acknowledged"));
    assert_eq!(
        app.last_audit_action().await,
        "child_profile.finding_acknowledged"
    );
    let page = b.get(&format!("/children/{id}?done=acknowledged")).await;
    assert!(page.body.contains("The finding has been acknowledged."));
    assert!(
        page.body
            .contains(&format!("Acknowledged by Social Tester: {reason}"))
    );
    assert!(page.body.contains("Every finding has been acknowledged."));

    let sent = step(&mut b, id, "submit", "").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(status_of(&app, id).await, ChildStatus::AwaitingSignOff);
}

#[tokio::test]
async fn fixing_the_text_clears_the_finding() {
    let app = App::sqlite().await;
    let mut b = signed_in(&app, WORKER).await;
    let id = create(&mut b, &mia().set("text", SCHOOL_TEXT)).await;
    assert!(
        b.get(&format!("/children/{id}"))
            .await
            .body
            .contains("1 to fix or acknowledge")
    );

    let edit = b.get(&format!("/children/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains(&format!(">{SCHOOL_TEXT}</textarea>")),
        "the form shows the text"
    );
    let fixed = "Mia goes to a small village primary school, where she loves painting and singing.";
    let saved = b
        .post(
            &format!("/children/{id}/edit"),
            &mia().set("text", fixed).profile_part().pairs(),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(app.last_audit_action().await, "child_profile.updated");

    let page = b.get(&format!("/children/{id}?done=saved")).await;
    assert!(page.body.contains("Your changes have been saved."));
    assert!(page.body.contains(fixed));
    assert!(
        page.body
            .contains("Nothing that looks identifying was found")
    );
    assert!(!page.body.contains("<mark"));
    assert!(!page.body.contains("Oakfield"));
    assert_eq!(stored(&app, id).await.text, fixed);
    let sent = step(&mut b, id, "submit", "").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(status_of(&app, id).await, ChildStatus::AwaitingSignOff);
}

// ---- sign-off and the life cycle -------------------------------------------------------------

/// A history row's cells after "when": change, by, why.
fn history_row(change: &str, by: &str, why: &str) -> String {
    format!(
        "<td class=\"govuk-table__cell\">{change}</td><td class=\"govuk-table__cell\">{by}</td><td class=\"govuk-table__cell\">{}</td></tr>",
        esc(why)
    )
}

#[tokio::test]
async fn another_team_manager_signs_off_and_the_history_says_who_and_why() {
    let app = App::sqlite().await;
    app.add_person(
        SECOND_MANAGER,
        "Second Manager",
        Role::TeamManager,
        &app.north,
    )
    .await;
    let mut first = signed_in(&app, MANAGER).await;
    let id = create(&mut first, &mia()).await;
    let sent = step(&mut first, id, "submit", "").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);

    // The manager who sent it is not offered sign-off, and is refused if they try.
    let page = first.get(&format!("/children/{id}")).await;
    assert!(page.body.contains("awaiting sign-off</strong>"));
    assert!(!page.body.contains("Sign off and publish"));
    let own = step(&mut first, id, "sign_off", "").await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        own.body
            .contains("Someone other than the person who sent it must sign it off")
    );
    assert_eq!(status_of(&app, id).await, ChildStatus::AwaitingSignOff);
    let home = first.get("/").await;
    assert!(
        home.body
            .contains("Sent by you: another team manager signs it off")
    );

    // Nor is the social worker, who is no manager.
    let mut worker = signed_in(&app, WORKER).await;
    let page = worker.get(&format!("/children/{id}")).await;
    assert!(!page.body.contains("Sign off and publish"));
    assert!(!page.body.contains("Return for changes"));

    // The other manager sees it waiting, and returning it needs a reason.
    let mut second = signed_in(&app, SECOND_MANAGER).await;
    let home = second.get("/").await;
    assert!(home.body.contains("Waiting for sign-off"));
    assert!(
        home.body
            .contains(&format!("href=\"/children/{id}\">Mia</a>"))
    );
    let page = second.get(&format!("/children/{id}")).await;
    assert!(page.body.contains("Sign off and publish"));
    let bare = step(&mut second, id, "return", "").await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.body.contains(&esc(
        "Say why: the reason is kept with the profile's history"
    )));
    assert_eq!(status_of(&app, id).await, ChildStatus::AwaitingSignOff);
    let why = "Say more about what she enjoys at weekends";
    let returned = step(&mut second, id, "return", why).await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
    assert_eq!(status_of(&app, id).await, ChildStatus::Draft);

    let again = step(&mut first, id, "submit", "").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    // A team manager of another agency cannot even find it.
    app.add_person(
        "team.manager@southvale.example",
        "Southern Manager",
        Role::TeamManager,
        &app.south,
    )
    .await;
    let mut elsewhere = signed_in(&app, "team.manager@southvale.example").await;
    let res = step(&mut elsewhere, id, "sign_off", "").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&app, id).await, ChildStatus::AwaitingSignOff);
    let signed = step(&mut second, id, "sign_off", "").await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(signed.location(), format!("/children/{id}?done=status"));
    assert_eq!(
        app.last_audit_action().await,
        "child_profile.status_changed"
    );
    let p = stored(&app, id).await;
    assert_eq!(p.status, ChildStatus::Published);
    assert_eq!(p.published_at, Some(app.store.now()));

    let page = first.get(&format!("/children/{id}")).await;
    assert!(page.body.contains("published</strong>"));
    let rows = [
        history_row("awaiting sign-off → published", "Second Manager", ""),
        history_row("draft → awaiting sign-off", "Team Tester", ""),
        history_row("awaiting sign-off → draft", "Second Manager", why),
    ];
    // Newest first.
    let mut at = 0;
    for row in &rows {
        let found = page.body[at..]
            .find(row.as_str())
            .unwrap_or_else(|| panic!("history should show {row}"));
        at += found + row.len();
    }
    assert_eq!(
        app.store.status_history("child", id).await.unwrap().len(),
        4
    );

    // Withdrawing needs a reason too.
    let bare = step(&mut worker, id, "withdraw", "").await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.body.contains(&esc(
        "Say why: the reason is kept with the profile's history"
    )));
    assert_eq!(status_of(&app, id).await, ChildStatus::Published);
    let why = "Moving to a kinship placement with an aunt";
    let withdrawn = step(&mut worker, id, "withdraw", why).await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    assert_eq!(status_of(&app, id).await, ChildStatus::Withdrawn);
    let page = worker.get(&format!("/children/{id}")).await;
    assert!(
        page.body
            .contains(&history_row("published → withdrawn", "Social Tester", why))
    );
}

// ---- who sees what ---------------------------------------------------------------------------

#[tokio::test]
async fn each_role_sees_only_what_the_policy_allows() {
    let app = App::sqlite().await;
    activate_household(&app, "Kent").await;
    let mut worker = signed_in(&app, WORKER).await;
    let id = create(&mut worker, &mia()).await;
    let draft = create(
        &mut worker,
        &mia()
            .set("alias", "Nell")
            .set("text", "Nell loves horses and long walks."),
    )
    .await;
    publish(&app, id).await;

    // The child's own agency's caseworkers see everything.
    let mut finder = signed_in(&app, FINDER).await;
    let page = finder.get(&format!("/children/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for secret in MIA_CONFIDENTIAL {
        assert!(page.body.contains(secret), "own agency sees {secret}");
    }
    assert!(page.body.contains("Comes from"));
    assert_eq!(
        finder.get(&format!("/children/{draft}")).await.status,
        StatusCode::OK
    );

    // Another agency's staff see the published profile without the confidential details.
    let mut other = signed_in(&app, SOUTH_WORKER).await;
    let page = other.get(&format!("/children/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.h1(), "Mia");
    assert!(page.body.contains("7 years and 6 months"));
    assert!(page.body.contains("Mia is a cheerful girl"));
    assert!(page.body.contains("Family must not live in"));
    assert!(page.body.contains("Cumbria, Lancashire, North Yorkshire"));
    assert!(page.body.contains("Social Tester, Northshire Council"));
    for secret in MIA_CONFIDENTIAL {
        assert!(
            !page.body.contains(secret),
            "another agency must not see {secret}"
        );
    }
    for hidden in [
        "Comes from",
        "your agency only",
        "Send for sign-off",
        "History",
    ] {
        assert!(
            !page.body.contains(hidden),
            "another agency must not see {hidden}"
        );
    }
    assert_eq!(app.last_audit_action().await, "child_profile.viewed");
    // Nor can they find her by what they cannot see.
    assert_eq!(listed(&search(&mut other, "text=cheerful").await), [id]);
    for secret in ["Brackenridge", "Fellside", "Quarry", "Ulverston", "Dunmore"] {
        assert!(
            listed(&search(&mut other, &format!("text={secret}")).await).is_empty(),
            "searching for {secret} must not find her"
        );
    }

    // An approved adopter sees it too, but not where the child comes from or must not go.
    let mut adopter = signed_in(&app, ADOPTER).await;
    let page = adopter.get(&format!("/children/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Mia is a cheerful girl"));
    for secret in MIA_CONFIDENTIAL.iter().chain(&[
        "Family must not live in",
        "Lancashire",
        "Cumbria",
        "Social Tester",
    ]) {
        assert!(
            !page.body.contains(secret),
            "an adopter must not see {secret}"
        );
    }

    // A draft is nobody's business outside the agency.
    for b in [&mut other, &mut adopter] {
        let before = app.audit_count().await;
        assert_eq!(
            b.get(&format!("/children/{draft}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.audit_actions_since(before).await,
            ["child_profile.view_refused"]
        );
    }

    // People who run the system rather than find families do not read profiles at all.
    for email in [BUSINESS_SUPPORT, NORTH_ADMIN, SOUTH_ADMIN] {
        let mut b = signed_in(&app, email).await;
        let before = app.audit_count().await;
        let res = b.get(&format!("/children/{id}")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{email}");
        assert!(!res.body.contains("Mia"), "{email}");
        assert_eq!(
            app.audit_actions_since(before).await,
            ["child_profile.view_refused"],
            "{email}"
        );
    }
}

#[tokio::test]
async fn adopters_see_children_only_when_approved_within_visibility_and_outside_excluded_areas() {
    let app = App::sqlite().await;
    let everyone = simple(&app, "Ava", (2022, 3, 1), Gender::Girl, "Ava loves music.").await;
    let near = publish_children(
        &app,
        &ProfileDetails {
            home_area: "Kent".into(),
            excluded_areas: vec!["Kent".into(), "Medway".into()],
            ..details("Ben loves football.")
        },
        &[child("Ben", (2020, 6, 1), Gender::Boy, vec![])],
    )
    .await;
    let staff_only = publish_children(
        &app,
        &ProfileDetails {
            visibility: ChildVisibility::AgenciesOnly,
            ..details("Cara loves reading.")
        },
        &[child("Cara", (2019, 1, 10), Gender::Girl, vec![])],
    )
    .await;

    // Not yet approved: nothing.
    let mut adopter = signed_in(&app, ADOPTER).await;
    let res = search(&mut adopter, "").await;
    assert!(listed(&res).is_empty());
    assert!(res.body.contains("0 profiles"));
    assert_eq!(
        adopter.get(&format!("/children/{everyone}")).await.status,
        StatusCode::NOT_FOUND
    );

    activate_household(&app, "Kent").await;
    let res = search(&mut adopter, "").await;
    assert_eq!(
        listed(&res),
        [everyone],
        "not Ben (family must not live in Kent), not Cara"
    );
    assert!(res.body.contains("1 profile<"));
    assert_eq!(
        adopter.get(&format!("/children/{everyone}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        adopter.get(&format!("/children/{staff_only}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Nor by its address: a family living where the child must not be placed never sees them.
    assert_eq!(
        adopter.get(&format!("/children/{near}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Staff of another agency see all three.
    let mut staff = signed_in(&app, SOUTH_WORKER).await;
    let res = search(&mut staff, "").await;
    assert_eq!(listed(&res), [everyone, near, staff_only]);
    assert_eq!(
        staff.get(&format!("/children/{staff_only}")).await.status,
        StatusCode::OK
    );
}

// ---- searching ---------------------------------------------------------------------------------

#[tokio::test]
async fn search_filters_narrow_the_list() {
    let app = App::sqlite().await;
    let ava = simple(
        &app,
        "Ava",
        (2024, 3, 1),
        Gender::Girl,
        "Ava loves music and dancing.",
    )
    .await;
    let ben = publish_children(
        &app,
        &details("Ben loves football and climbing trees."),
        &[child(
            "Ben",
            (2018, 6, 1),
            Gender::Boy,
            vec![Need {
                category: NeedCategory::EmotionalAndBehavioural,
                level: NeedLevel::High,
                notes: String::new(),
            }],
        )],
    )
    .await;
    let cara = publish_children(
        &app,
        &details("Cara enjoys music lessons and reading."),
        &[child(
            "Cara",
            (2015, 1, 10),
            Gender::Girl,
            vec![Need {
                category: NeedCategory::EmotionalAndBehavioural,
                level: NeedLevel::Low,
                notes: String::new(),
            }],
        )],
    )
    .await;
    let mut b = signed_in(&app, SOUTH_WORKER).await;

    let all = search(&mut b, "").await;
    assert_eq!(listed(&all), [ava, ben, cara]);
    assert!(all.body.contains("3 profiles"));
    let cases: &[(&str, &[i64])] = &[
        ("region=North+West", &[ava, ben, cara]),
        ("region=South+East", &[]),
        ("text=music", &[ava, cara]),
        ("text=MUSIC+reading", &[cara]),
        ("text=ben", &[ben]),
        ("age_min=5&age_max=9", &[ben]),
        ("age_max=3", &[ava]),
        ("age_min=10", &[cara]),
        ("gender=girl", &[ava, cara]),
        ("gender=boy", &[ben]),
        ("need_emotional_behavioural=low", &[ava, cara]),
        ("need_emotional_behavioural=none", &[ava]),
        (
            "gender=girl&need_emotional_behavioural=none&text=music",
            &[ava],
        ),
        ("text=swimming", &[]),
    ];
    for (query, expected) in cases {
        let res = search(&mut b, query).await;
        assert_eq!(&listed(&res), expected, "{query}");
        assert!(
            res.body.contains(&format!("{} profile", expected.len())),
            "{query}: the count is shown"
        );
    }
    assert_eq!(app.last_audit_action().await, "child_profile.searched");

    // The filters stay filled in.
    let res = search(&mut b, "text=music&gender=girl&age_min=1").await;
    assert!(
        res.body
            .contains("name=\"text\" type=\"search\" value=\"music\"")
    );
    assert!(res.body.contains("<option value=\"girl\" selected>"));
    assert!(
        res.body
            .contains("name=\"age_min\" type=\"text\" value=\"1\"")
    );
}

#[tokio::test]
async fn search_orders_by_waiting_time_or_newest() {
    let app = App::sqlite().await;
    let first = simple(&app, "Ava", (2022, 3, 1), Gender::Girl, "Ava loves music.").await;
    app.clock.advance(60);
    let second = simple(
        &app,
        "Ben",
        (2021, 3, 1),
        Gender::Boy,
        "Ben loves football.",
    )
    .await;
    app.clock.advance(60);
    let third = simple(
        &app,
        "Cara",
        (2020, 3, 1),
        Gender::Girl,
        "Cara loves reading.",
    )
    .await;
    let mut b = signed_in(&app, SOUTH_WORKER).await;

    assert_eq!(
        listed(&search(&mut b, "").await),
        [first, second, third],
        "longest waiting first by default"
    );
    assert_eq!(
        listed(&search(&mut b, "sort=longest_waiting").await),
        [first, second, third]
    );
    assert_eq!(
        listed(&search(&mut b, "sort=newest").await),
        [third, second, first]
    );
}

#[tokio::test]
async fn search_results_come_a_page_at_a_time() {
    let app = App::sqlite().await;
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(
            simple(
                &app,
                &format!("Child{i}"),
                (2020, 1, 1),
                Gender::Other,
                "Loves stories.",
            )
            .await,
        );
    }
    let mut b = signed_in(&app, SOUTH_WORKER).await;
    let first = search(&mut b, "sort=longest_waiting").await;
    assert!(first.body.contains("25 profiles"));
    assert!(first.body.contains("Page 1 of 2"));
    assert_eq!(listed(&first), ids[..20]);
    assert!(!first.body.contains("rel=\"prev\""));
    let marker = "<div class=\"govuk-pagination__next\"><a class=\"govuk-link govuk-pagination__link\" href=\"";
    let i = first.body.find(marker).expect("a next link") + marker.len();
    let next = unesc(&first.body[i..i + first.body[i..].find('"').unwrap()]);
    assert_eq!(next, "/search/children?sort=longest_waiting&page=2");

    let second = b.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.body.contains("Page 2 of 2"));
    assert_eq!(listed(&second), ids[20..]);
    assert!(second.body.contains("rel=\"prev\""));
    assert!(!second.body.contains("rel=\"next\""));
}

#[tokio::test]
async fn a_bad_filter_is_named_and_lists_nothing() {
    let app = App::sqlite().await;
    simple(&app, "Ava", (2022, 3, 1), Gender::Girl, "Ava loves music.").await;
    let mut b = signed_in(&app, SOUTH_WORKER).await;
    let res = b.get("/search/children?age_min=abc&text=music").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.has_error_summary());
    assert!(
        res.body
            .contains("<a href=\"#age_min\">Enter an age from 0 to 17</a>")
    );
    assert!(
        res.body
            .contains("name=\"age_min\" type=\"text\" value=\"abc\""),
        "kept as typed"
    );
    assert!(res.body.contains("0 profiles"));
    assert!(listed(&res).is_empty());
    assert!(
        !res.body.contains("Save this search"),
        "a bad search cannot be saved"
    );

    let res = b.get("/search/children?age_min=9&age_max=3").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("The youngest age must not be more than the oldest")
    );
}

#[tokio::test]
async fn matched_placed_withdrawn_and_held_profiles_leave_the_search_at_once() {
    let app = App::sqlite().await;
    let matched = simple(&app, "Ava", (2022, 3, 1), Gender::Girl, "Ava loves music.").await;
    let placed = simple(
        &app,
        "Ben",
        (2021, 3, 1),
        Gender::Boy,
        "Ben loves football.",
    )
    .await;
    let withdrawn = simple(
        &app,
        "Cara",
        (2020, 3, 1),
        Gender::Girl,
        "Cara loves reading.",
    )
    .await;
    let held = simple(&app, "Dan", (2019, 3, 1), Gender::Boy, "Dan loves trains.").await;
    let stays = simple(
        &app,
        "Eve",
        (2018, 3, 1),
        Gender::Girl,
        "Eve loves swimming.",
    )
    .await;
    let mut reader = signed_in(&app, SOUTH_WORKER).await;
    assert_eq!(
        listed(&search(&mut reader, "").await),
        [matched, placed, withdrawn, held, stays]
    );

    let mut manager = signed_in(&app, MANAGER).await;
    let mut worker = signed_in(&app, WORKER).await;
    for (by_manager, id, event, reason) in [
        (true, matched, "match", ""),
        (true, placed, "match", ""),
        (false, placed, "placed", ""),
        (
            false,
            withdrawn,
            "withdraw",
            "Returning to her birth family",
        ),
        (false, held, "hold", "Assessment of his needs under way"),
    ] {
        let b = if by_manager {
            &mut manager
        } else {
            &mut worker
        };
        let res = step(b, id, event, reason).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{event}: {}", res.body);
    }
    assert_eq!(status_of(&app, matched).await, ChildStatus::Matched);
    assert_eq!(status_of(&app, placed).await, ChildStatus::Placed);
    assert_eq!(status_of(&app, withdrawn).await, ChildStatus::Withdrawn);
    assert_eq!(status_of(&app, held).await, ChildStatus::OnHold);

    assert_eq!(listed(&search(&mut reader, "").await), [stays]);
    for id in [matched, placed, withdrawn, held] {
        assert_eq!(
            reader.get(&format!("/children/{id}")).await.status,
            StatusCode::NOT_FOUND,
            "nor can its page be opened"
        );
    }
}

#[tokio::test]
async fn a_saved_search_alerts_to_new_children_until_it_is_opened() {
    let app = App::sqlite().await;
    simple(&app, "Ava", (2022, 3, 1), Gender::Girl, "Ava loves music.").await;
    let mut b = signed_in(&app, SOUTH_WORKER).await;
    let res = search(&mut b, "text=music").await;
    assert!(res.body.contains("Save this search"));
    let query = input_value(&res.body, "query");
    assert_eq!(query, "text=music&sort=longest_waiting");
    let saved = b
        .post(
            "/search/children/save",
            &[("name", "Music lovers"), ("query", query.as_str())],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location(),
        "/search/children?text=music&sort=longest_waiting&saved=1"
    );
    assert_eq!(app.last_audit_action().await, "saved_search.created");
    let shown = b.get(saved.location()).await;
    assert!(shown.body.contains("Search saved."));
    let unnamed = b
        .post(
            "/search/children/save",
            &[("name", " "), ("query", query.as_str())],
        )
        .await;
    // The search again, with the error summary pointing at the name.
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unnamed.has_error_summary());
    assert!(unnamed.body.contains("href=\"#save-name\""));
    assert!(
        unnamed
            .body
            .contains("Give the search a name (up to 100 characters)")
    );
    assert_eq!(
        app.store
            .saved_searches(app.user(SOUTH_WORKER).await.id)
            .await
            .unwrap()
            .len(),
        1
    );

    let home = b.get("/").await;
    assert!(home.body.contains("Your saved searches"));
    assert!(home.body.contains(">Music lovers</a>"));
    assert!(!home.body.contains(" new</strong>"));
    let id = number_after(&home.body, "href=\"/saved-searches/");

    // A newly published child who matches is counted; one who does not is not.
    app.clock.advance(60);
    let dan = simple(
        &app,
        "Dan",
        (2020, 3, 1),
        Gender::Boy,
        "Dan loves music and trains.",
    )
    .await;
    simple(
        &app,
        "Eve",
        (2019, 3, 1),
        Gender::Girl,
        "Eve loves swimming.",
    )
    .await;
    let home = b.get("/").await;
    assert!(
        home.body.contains(
            ">Music lovers</a> <strong class=\"govuk-tag govuk-tag--green\">1 new</strong>"
        ),
        "{}",
        home.body
    );

    // Opening it shows the search, and clears the alert.
    let open = b.get(&format!("/saved-searches/{id}")).await;
    assert_eq!(open.status, StatusCode::SEE_OTHER);
    assert_eq!(
        open.location(),
        "/search/children?text=music&sort=longest_waiting"
    );
    let results = b.get(open.location()).await;
    assert!(listed(&results).contains(&dan));
    assert_eq!(listed(&results).len(), 2);
    let home = b.get("/").await;
    assert!(home.body.contains(">Music lovers</a>"));
    assert!(!home.body.contains(" new</strong>"));

    // Someone else's saved search does not exist for them.
    let mut adopter = signed_in(&app, ADOPTER).await;
    assert_eq!(
        adopter.get(&format!("/saved-searches/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let before = app.audit_count().await;
    let res = adopter
        .post(&format!("/saved-searches/{id}/remove"), &[])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(app.audit_count().await, before);
    assert!(b.get("/").await.body.contains(">Music lovers</a>"));

    // Its owner removes it.
    let removed = b.post(&format!("/saved-searches/{id}/remove"), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(removed.location(), "/?done=search_removed");
    assert_eq!(app.last_audit_action().await, "saved_search.removed");
    let home = b.get("/?done=search_removed").await;
    assert!(home.body.contains("The saved search has been removed."));
    assert!(!home.body.contains("Music lovers"));
    assert_eq!(
        b.get(&format!("/saved-searches/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

// ---- photos ------------------------------------------------------------------------------------

#[tokio::test]
async fn a_photo_is_re_encoded_shown_and_served_only_to_those_who_may_see_the_profile() {
    let app = App::sqlite().await;
    activate_household(&app, "Kent").await;
    let mut worker = signed_in(&app, WORKER).await;
    let id = create(&mut worker, &mia()).await;

    let png = png();
    let before = app.audit_count().await;
    let res = upload(&mut worker, id, &png, ("swing.png", "image/png")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), format!("/children/{id}?done=photo"));
    assert_eq!(
        app.audit_actions_since(before)
            .await
            .last()
            .map(String::as_str),
        Some("child_profile.photo_added")
    );
    let page = worker.get(&format!("/children/{id}?done=photo")).await;
    assert!(
        page.body.contains(
            "The photo has been added. Its metadata (including any location) was removed."
        )
    );
    let photo = number_after(&page.body, &format!("<img src=\"/children/{id}/photos/"));
    assert!(page.body.contains(&format!(
        "<img src=\"/children/{id}/photos/{photo}\" alt=\"Mia laughing on a swing\">"
    )));

    let got = worker
        .get_bytes(&format!("/children/{id}/photos/{photo}"))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.content_type(), "image/jpeg");
    assert_eq!(got.body[..2], [0xFF, 0xD8], "a JPEG, whatever came in");
    assert_ne!(got.body, png);

    // A text file dressed up as a photo is refused, and nothing is stored.
    let before = app.audit_count().await;
    let fake = upload(
        &mut worker,
        id,
        b"Dear Mia, this is not a picture at all.",
        ("photo.jpg", "image/jpeg"),
    )
    .await;
    assert_eq!(fake.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fake.has_error_summary());
    assert!(
        fake.body
            .contains("The file is not a photo. Choose a JPEG, PNG or WebP photo.")
    );
    assert!(
        !app.audit_actions_since(before)
            .await
            .contains(&"child_profile.photo_added".to_owned())
    );
    assert_eq!(stored(&app, id).await.photos.len(), 1);

    // A draft's photo stays inside the agency.
    let mut other = signed_in(&app, SOUTH_WORKER).await;
    let mut adopter = signed_in(&app, ADOPTER).await;
    for b in [&mut other, &mut adopter] {
        let res = b.get_bytes(&format!("/children/{id}/photos/{photo}")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_ne!(res.content_type(), "image/jpeg");
    }
    // Nor can another agency add one.
    let before = app.audit_count().await;
    let res = upload(&mut other, id, &png, ("swing.png", "image/png")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(
        !app.audit_actions_since(before)
            .await
            .contains(&"child_profile.photo_added".to_owned())
    );
    assert_eq!(stored(&app, id).await.photos.len(), 1);

    // Once published, those who may see the profile see its photo.
    publish(&app, id).await;
    for b in [&mut other, &mut adopter] {
        let res = b.get_bytes(&format!("/children/{id}/photos/{photo}")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.content_type(), "image/jpeg");
        assert_eq!(res.body[..2], [0xFF, 0xD8]);
    }
    let results = search(&mut adopter, "").await;
    assert!(results.body.contains(&format!(
        "src=\"/children/{id}/photos/{photo}\" alt=\"Mia laughing on a swing\""
    )));
    // A published profile's photos change only through a new draft.
    let late = upload(&mut worker, id, &png, ("swing.png", "image/png")).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        late.body
            .contains("Photos can be changed only while the profile is a draft")
    );
    assert_eq!(stored(&app, id).await.photos.len(), 1);
    // Not to those who may not.
    let mut support = signed_in(&app, BUSINESS_SUPPORT).await;
    assert_eq!(
        support
            .get_bytes(&format!("/children/{id}/photos/{photo}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// What a photo's description says is read by everyone who sees the photo (as its alternative
/// text, and in search results), so the confidentiality check reads it too.
#[tokio::test]
async fn a_photo_description_that_names_a_school_is_flagged_before_sign_off() {
    let app = App::sqlite().await;
    let mut worker = signed_in(&app, WORKER).await;
    let id = create(&mut worker, &mia()).await;
    worker.get(&format!("/children/{id}")).await;
    let token = worker.csrf.clone().unwrap();
    let res = worker
        .post_multipart(
            &format!("/children/{id}/photos?csrf_token={token}"),
            &[
                Part {
                    name: "photo",
                    file: Some(("gate.png", "image/png")),
                    bytes: &png(),
                },
                Part {
                    name: "description",
                    file: None,
                    bytes: b"Mia at the gate of Oakfield Primary School",
                },
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let page = worker.get(&format!("/children/{id}")).await;
    assert!(
        page.body
            .contains("School or nursery name: “Oakfield Primary School”"),
        "the finding is shown"
    );
    assert!(
        !page
            .body
            .contains("Nothing that looks identifying was found")
    );
    let sent = step(&mut worker, id, "submit", "").await;
    assert_eq!(sent.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        sent.body
            .contains("Every confidentiality finding must be fixed or acknowledged first")
    );
    assert_eq!(status_of(&app, id).await, ChildStatus::Draft);
}

/// A form opened while the profile was a draft, sent after it went for sign-off (another tab,
/// the back button): refused with a clear message, what was typed kept, and nothing changed.
#[tokio::test]
async fn a_change_to_a_profile_that_is_no_longer_a_draft_is_refused_clearly() {
    let app = App::sqlite().await;
    let mut worker = signed_in(&app, WORKER).await;
    let id = create(&mut worker, &mia()).await;
    let leo = child_fields("Leo", "2", "9", "2021", "boy");
    let added = worker
        .post(&format!("/children/{id}/children/new"), &leo.pairs())
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = worker.get(&format!("/children/{id}")).await;
    let child_id = number_after(
        &page.body,
        &format!("<form method=\"post\" action=\"/children/{id}/children/"),
    );
    let photo = upload(&mut worker, id, &png(), ("swing.png", "image/png")).await;
    assert_eq!(photo.status, StatusCode::SEE_OTHER, "{}", photo.body);
    let page = worker.get(&format!("/children/{id}")).await;
    let photo_id = number_after(&page.body, &format!("<img src=\"/children/{id}/photos/"));
    assert_eq!(
        worker.get(&format!("/children/{id}/edit")).await.status,
        StatusCode::OK
    );
    let sent = step(&mut worker, id, "submit", "").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let before = stored(&app, id).await;

    let typed = "Mia is a cheerful girl who loves drawing and swimming.";
    let edit = worker
        .post(
            &format!("/children/{id}/edit"),
            &mia().set("text", typed).profile_part().pairs(),
        )
        .await;
    assert_eq!(
        edit.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        edit.body
    );
    assert!(edit.has_error_summary());
    assert!(
        edit.body
            .contains("can be changed only while it is a draft")
    );
    assert!(
        edit.body.contains(&format!(">{typed}</textarea>")),
        "what was typed is kept"
    );

    let sibling = worker
        .post(
            &format!("/children/{id}/children/new"),
            &child_fields("Ava", "1", "1", "2023", "girl").pairs(),
        )
        .await;
    assert_eq!(
        sibling.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        sibling.body
    );
    assert!(
        sibling
            .body
            .contains("can be changed only while it is a draft")
    );
    assert!(sibling.body.contains("value=\"Ava\""));

    for path in [
        format!("/children/{id}/children/{child_id}/remove"),
        format!("/children/{id}/photos/{photo_id}/remove"),
    ] {
        let res = worker.post(&path, &[]).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            res.body
        );
        assert!(
            res.body.contains("can be changed only while it is a draft"),
            "{path}"
        );
    }
    assert_eq!(stored(&app, id).await, before, "nothing changed");
}

// ---- refusals ----------------------------------------------------------------------------------

/// The generic test in http.rs posts a urlencoded form to every route; a photo upload is
/// multipart, whose token travels in the query string instead, so it is tried here.
#[tokio::test]
async fn a_photo_upload_without_its_csrf_token_is_refused() {
    let app = App::sqlite().await;
    let mut worker = signed_in(&app, WORKER).await;
    let id = create(&mut worker, &mia()).await;
    let png = png();
    let parts = [
        Part {
            name: "photo",
            file: Some(("swing.png", "image/png")),
            bytes: &png,
        },
        Part {
            name: "description",
            file: None,
            bytes: b"Mia on a swing",
        },
    ];
    let token = worker.csrf.clone().unwrap();
    let before = app.audit_count().await;
    for path in [
        format!("/children/{id}/photos"),
        format!("/children/{id}/photos?csrf_token=forged"),
        // The session's real token, but not where the upload form puts it.
        format!("/children/{id}/photos?other={token}"),
    ] {
        let res = worker.post_multipart(&path, &parts).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            res.body.contains("This form could not be accepted"),
            "{path}"
        );
    }
    assert_eq!(app.audit_count().await, before, "nothing changed");
    assert!(stored(&app, id).await.photos.is_empty());
}

#[tokio::test]
async fn business_support_cannot_create_a_profile_and_the_attempt_is_audited() {
    let app = App::sqlite().await;
    let mut b = signed_in(&app, BUSINESS_SUPPORT).await;
    assert_eq!(b.get("/children/new").await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.last_audit_action().await, "access.denied");
    b.get("/").await;
    let before = app.audit_count().await;
    let res = b.post("/children/new", &mia().pairs()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(
        !res.body.contains("This form could not be accepted"),
        "refused by the policy"
    );
    assert_eq!(app.audit_actions_since(before).await, ["access.denied"]);
    assert!(profiles_of(&app, app.north.id).await.is_empty());
}

// ---- links ----------------------------------------------------------------------------------

/// The link id in a redirect to `/links/{id}?…`.
fn link_id(res: &Response) -> i64 {
    number_after(res.location(), "/links/")
}

#[tokio::test]
async fn a_family_finder_asks_the_family_answers_and_the_childs_worker_closes_with_feedback() {
    let app = App::sqlite().await;
    activate_household(&app, "Kent").await;
    let household = app.user(ADOPTER).await.household_id.unwrap();
    let child = simple(
        &app,
        "Mia",
        (2020, 5, 1),
        Gender::Girl,
        "Mia loves painting.",
    )
    .await;

    // The family finder thinks before asking: the confirmation page holds Mia against the
    // family's approval.
    let mut finder = signed_in(&app, FINDER).await;
    let page = finder.get(&format!("/households/{household}")).await;
    assert!(page.body.contains("Ask to explore a link with this family"));
    let confirm = finder
        .get(&format!("/links/new?child={child}&household={household}"))
        .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Is this a genuine placement option?"));
    assert!(confirm.body.contains("Within approval"));

    // Without the confirmation ticked: the page again, with the message, nothing stored.
    let before = app.audit_count().await;
    let fields = [
        ("child", &*child.to_string()),
        ("household", &*household.to_string()),
        ("side", "child"),
        ("note", "Their approval fits Mia well."),
    ];
    let res = finder.post("/links", &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.has_error_summary());
    assert!(
        res.body
            .contains("Confirm that this is a genuine placement option")
    );
    assert!(
        res.body.contains("Their approval fits Mia well."),
        "what was typed is kept"
    );
    assert_eq!(
        app.audit_count().await,
        before + 2,
        "only the two views were audited"
    );

    let mut confirmed = fields.to_vec();
    confirmed.push(("genuine", "yes"));
    let res = finder.post("/links", &confirmed).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let link = link_id(&res);

    // The adopters' worker is told, and finds it waiting for them.
    let mut family_worker = signed_in(&app, SOUTH_WORKER).await;
    let dash = family_worker.get("/links").await;
    let waiting = &dash.body
        [dash.body.find("Waiting for you").unwrap()..dash.body.find("Waiting for others").unwrap()];
    assert!(waiting.contains(&format!("/links/{link}")));
    let notes = family_worker.get("/notifications").await;
    assert!(
        notes
            .body
            .contains("Someone has asked to explore a link with you")
    );
    assert!(
        !notes.body.contains("Mia"),
        "notifications never name a child"
    );

    let res = family_worker
        .post(&format!("/links/{link}/change"), &[("event", "explore")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = family_worker
        .post(
            &format!("/links/{link}/messages"),
            &[
                ("body", "Robin and Kit would love to hear more."),
                ("to_adopters", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    // The family's worker adds their Prospective Adopter's Report: a real PDF, encrypted at rest.
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% PAR-MARKER Robin and Kit Ashdown, approved 2026\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    let res = upload_document(
        &mut family_worker,
        link,
        b"MZ\x90\x00 not a report",
        "report.pdf",
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "judged by content, not by name"
    );
    assert!(
        res.body.contains("The file must be a PDF"),
        "{}",
        summary(&res)
    );
    let res = upload_document(&mut family_worker, link, pdf, "par.pdf").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // On disk, only sealed bytes.
    let stored: Vec<Vec<u8>> = walk(&app.documents);
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].windows(10).any(|w| w == b"PAR-MARKER"),
        "the stored bytes are not the document"
    );
    let page = family_worker.get(&format!("/links/{link}")).await;
    let doc = number_after(&page.body, &format!("/links/{link}/documents/"));

    // Not shared yet: the adopter is told it does not exist; then their worker shares it.
    let mut adopter = signed_in(&app, ADOPTER).await;
    assert_eq!(
        adopter
            .get_bytes(&format!("/links/{link}/documents/{doc}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let res = family_worker
        .post(
            &format!("/links/{link}/documents/{doc}/share"),
            &[("shared", "yes")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let got = adopter
        .get_bytes(&format!("/links/{link}/documents/{doc}"))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.body,
        pdf.to_vec(),
        "the adopter reads the very document"
    );
    assert_eq!(got.content_type(), "application/pdf");
    assert_eq!(app.last_audit_action().await, "link.document_downloaded");

    // The child's worker closes it: a reason and feedback are needed.
    let mut child_worker = signed_in(&app, WORKER).await;
    let res = child_worker
        .post(
            &format!("/links/{link}/change"),
            &[("event", "close"), ("reason", "location"), ("feedback", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("Written feedback is needed when a link closes")
    );
    let res = child_worker
        .post(
            &format!("/links/{link}/change"),
            &[
                ("event", "close"),
                ("reason", "location"),
                (
                    "feedback",
                    "Mia's brother lives nearby, so we need a family further away.",
                ),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    // The adopter reads the feedback and the message shared with them; the document is gone.
    assert_eq!(
        adopter
            .get_bytes(&format!("/links/{link}/documents/{doc}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let page = adopter.get(&format!("/links/{link}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("This link has closed: withdrawn"));
    assert!(unesc(&page.body).contains("Mia's brother lives nearby"));
    assert!(page.body.contains("Robin and Kit would love to hear more."));

    // Someone outside the link is told it does not exist.
    let mut business = signed_in(&app, BUSINESS_SUPPORT).await;
    assert_eq!(
        business.get(&format!("/links/{link}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.last_audit_action().await, "link.view_refused");
}

/// Uploads a Prospective Adopter's Report to a link through its page's form.
async fn upload_document(
    b: &mut Browser<'_>,
    link: i64,
    bytes: &[u8],
    file_name: &str,
) -> Response {
    b.get(&format!("/links/{link}")).await;
    let token = b.csrf.clone().unwrap();
    b.post_multipart(
        &format!("/links/{link}/documents?csrf_token={token}"),
        &[
            Part {
                name: "kind",
                file: None,
                bytes: b"prospective_adopters_report",
            },
            Part {
                name: "title",
                file: None,
                bytes: b"Prospective Adopter's Report",
            },
            Part {
                name: "document",
                file: Some((file_name, "application/pdf")),
                bytes,
            },
        ],
    )
    .await
}

/// Every file's bytes under a folder.
fn walk(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(std::fs::read(&path).unwrap());
        }
    }
    out
}
