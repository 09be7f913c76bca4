//! Exchange and Activity Days through the pages: what each person sees and can do, a refused
//! form or action shown again with its reason and nothing changed, interest on the day becoming
//! a link, the lists printed for the day and the calendar file. The store's own rules (places,
//! the waiting list raced, the life cycle) are tested in the store's conformance suite; the
//! JSON API in `api_events.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::http::StatusCode;
use support::{App, Browser};

const FINDER: &str = "family.finder@northshire.example";
const NORTH_WORKER: &str = "social.worker@northshire.example";
const SOUTH_WORKER: &str = "social.worker@southvale.example";
const ADOPTER: &str = "adopter@southvale.example";
const SUPPORT: &str = "business.support@northshire.example";
const DAY: i64 = 86_400;

/// The details of an Exchange Day on 10 December 2026 (the app starts on 23 November), bookings
/// closing at the end of 5 December.
fn details<'a>(title: &'a str, places: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "exchange_day"),
        ("title", title),
        ("date", "2026-12-10"),
        ("starts", "10:00"),
        ("ends", "15:30"),
        ("venue", "The Assembly Rooms"),
        ("region", "North West"),
        ("household_places", places),
        ("child_places", "20"),
        ("booking_deadline", "2026-12-05"),
        ("description", "Bring a packed lunch."),
    ]
}

async fn signed_in<'a>(app: &'a App, email: &str) -> Browser<'a> {
    let mut b = app.browser();
    b.sign_in(email).await;
    b
}

/// The event's id from the address a form sent the browser to.
fn event_id(location: &str) -> i64 {
    location
        .trim_start_matches("/events/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("not an event's address: {location}"))
}

/// Northshire's family finder sets up an Exchange Day and opens it.
async fn open_event(app: &App, places: &str) -> i64 {
    let mut finder = signed_in(app, FINDER).await;
    let made = finder
        .post("/events", &details("Winter Exchange Day", places))
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let id = event_id(made.location());
    let opened = finder
        .post(&format!("/events/{id}/status"), &[("step", "open")])
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    id
}

#[tokio::test]
async fn a_bad_event_is_shown_again_and_nothing_is_saved() {
    let app = App::sqlite().await;
    let mut finder = signed_in(&app, FINDER).await;
    let page = finder.get("/events/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.h1(), "Set up an event");

    let before = app.audit_count().await;
    let mut bad = details("", "0");
    bad.retain(|(k, _)| *k != "starts");
    bad.push(("starts", "ten"));
    let refused = finder.post("/events", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has_error_summary());
    // What could not be read is named first; what was typed is kept.
    assert!(
        refused.body.contains("Enter the start time as a time"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"The Assembly Rooms\"")
            || refused.body.contains(">The Assembly Rooms<")
    );
    let refused = finder.post("/events", &details("", "0")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Enter the event&#39;s title"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("Places for families must be between 1 and 1000")
    );
    assert_eq!(
        app.audit_count().await,
        before,
        "nothing was saved or logged"
    );
    let list = finder.get("/events").await;
    assert!(!list.body.contains("/events/1\""), "no event was made");
}

#[tokio::test]
async fn who_sees_and_runs_an_event() {
    let app = App::sqlite().await;
    let mut finder = signed_in(&app, FINDER).await;
    let made = finder
        .post("/events", &details("Winter Exchange Day", "10"))
        .await;
    let id = event_id(made.location());
    let path = format!("/events/{id}");

    // A draft: the organiser sees it; Southvale's worker gets "not found".
    let draft = finder.get(&path).await;
    assert_eq!(draft.status, StatusCode::OK);
    assert!(draft.h1().contains("Winter Exchange Day") && draft.h1().contains("Draft"));
    assert!(draft.body.contains("Open for bookings"));
    let mut south = signed_in(&app, SOUTH_WORKER).await;
    assert_eq!(south.get(&path).await.status, StatusCode::NOT_FOUND);
    assert!(
        !south
            .get("/events")
            .await
            .body
            .contains("Winter Exchange Day")
    );

    finder
        .post(&format!("{path}/status"), &[("step", "open")])
        .await;
    let seen = south.get(&path).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(
        !seen.body.contains("Running the event"),
        "only organisers run it"
    );
    assert!(
        south
            .get("/events")
            .await
            .body
            .contains("Winter Exchange Day")
    );
    // Changing its status is the organisers' alone: refused and logged.
    let before = app.audit_count().await;
    let refused = south
        .post(&format!("{path}/status"), &[("step", "close_bookings")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("There is a problem"));
    assert_eq!(app.last_audit_action().await, "event.viewed");
    assert!(app.audit_count().await > before);
    // So is changing its details: refused and logged.
    assert_eq!(
        south.get(&format!("{path}/edit")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.last_audit_action().await, "access.denied");
    // The print-out is the organisers' too.
    assert_eq!(
        south.get(&format!("{path}/print")).await.status,
        StatusCode::FORBIDDEN
    );

    // Business support does not work on the Register: no menu item, and a refusal.
    let mut support = signed_in(&app, SUPPORT).await;
    assert!(!support.get("/").await.body.contains("href=\"/events\""));
    assert_eq!(support.get("/events").await.status, StatusCode::FORBIDDEN);
    assert_eq!(support.get(&path).await.status, StatusCode::NOT_FOUND);

    // Cancelling needs a reason; the page says so and nothing changes.
    let no_reason = finder
        .post(
            &format!("{path}/status"),
            &[("step", "cancel"), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("Say why the event is cancelled"));
    assert!(finder.get(&path).await.h1().contains("Open for bookings"));
}

#[tokio::test]
async fn interest_on_the_day_becomes_a_link() {
    let app = App::sqlite().await;
    let child = support::published_child(&app, "Mia").await;
    let family = support::active_family(&app, &["Robin Ashdown", "Kit Ashdown"]).await;
    let id = open_event(&app, "10").await;
    let path = format!("/events/{id}");

    let mut worker = signed_in(&app, NORTH_WORKER).await;
    let featured = worker
        .post(
            &format!("{path}/children"),
            &[("child", &child.to_string())],
        )
        .await;
    assert_eq!(featured.location(), format!("{path}?done=featured"));
    let mut south = signed_in(&app, SOUTH_WORKER).await;
    let page = south.get(&path).await;
    assert!(
        page.body.contains("Robin Ashdown and Kit Ashdown"),
        "the worker's own families to book"
    );
    let booked = south
        .post(
            &format!("{path}/bookings"),
            &[("household", &family.to_string())],
        )
        .await;
    assert_eq!(booked.location(), format!("{path}?done=booked"));
    let page = south.get(&path).await;
    assert!(
        page.body.contains("Robin and Kit"),
        "families appear by first names"
    );
    assert!(!page.body.contains("Record interest"), "not before the day");

    // Before the day, interest is refused with the reason.
    let early = south
        .post(
            &format!("{path}/interest"),
            &[
                ("interest_household", &family.to_string()),
                ("interest_child", &child.to_string()),
                ("note", "They asked about her."),
                ("genuine", "yes"),
            ],
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        early
            .body
            .contains("Interest is recorded on the day of the event, 2026-12-10, or after it"),
        "{}",
        early.body
    );

    app.clock.advance(17 * DAY);
    // Sessions lapse after days away: everyone signs in again on the day.
    let mut south = signed_in(&app, SOUTH_WORKER).await;
    let page = south.get(&path).await;
    assert!(
        page.body.contains("Record interest"),
        "{}",
        page.body
            .split("Families</h2>")
            .nth(1)
            .unwrap_or(&page.body)
    );
    // Without the confirmation: the links' own rule, and the note kept.
    let unconfirmed = south
        .post(
            &format!("{path}/interest"),
            &[
                ("interest_household", &family.to_string()),
                ("interest_child", &child.to_string()),
                ("note", "They spent an hour with her worker."),
            ],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unconfirmed
            .body
            .contains("Confirm that this is a genuine placement option")
    );
    assert!(
        unconfirmed.body.contains("<a href=\"#genuine\">"),
        "the summary points at the checkbox"
    );
    assert!(
        unconfirmed
            .body
            .contains("They spent an hour with her worker.")
    );
    let made = south
        .post(
            &format!("{path}/interest"),
            &[
                ("interest_household", &family.to_string()),
                ("interest_child", &child.to_string()),
                ("note", "They spent an hour with her worker."),
                ("genuine", "yes"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    assert!(
        made.location().starts_with("/links/"),
        "{}",
        made.location()
    );
    let link = south.get(made.location()).await;
    assert_eq!(link.status, StatusCode::OK);
    assert!(link.body.contains("Mia"));
    let began = format!(
        "Began at</dt><dd class=\"govuk-summary-list__value\"><a class=\"govuk-link\" href=\"{path}\">Winter Exchange Day</a>"
    );
    assert!(link.body.contains(&began), "the link says where it began");

    // The organiser marks who came; the outcomes count the link.
    let mut finder = signed_in(&app, FINDER).await;
    let page = finder.get(&path).await;
    assert!(page.body.contains("Did not come"));
    let booking = page
        .body
        .split(&format!("{path}/bookings/"))
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let came = finder
        .post(
            &format!("{path}/bookings/{booking}/attendance"),
            &[("attended", "yes")],
        )
        .await;
    assert_eq!(came.location(), format!("{path}?done=attendance"));
    let page = finder.get(&path).await;
    let outcomes = page.body.split("What came of it").nth(1).unwrap();
    assert!(
        outcomes.contains("Families who came</dt><dd class=\"govuk-summary-list__value\">1<"),
        "{outcomes}"
    );
    assert!(
        outcomes.contains("Links started</dt><dd class=\"govuk-summary-list__value\">1<"),
        "{outcomes}"
    );

    // The lists for the day: first names and ages, no surnames.
    let print = finder.get(&format!("{path}/print")).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.body.contains("Robin and Kit"));
    assert!(print.body.contains("Mia ("));
    assert!(!print.body.contains("Ashdown") && !print.body.contains("Brackenridge"));
    assert_eq!(app.last_audit_action().await, "event.lists_printed");

    // The calendar file: the event's times in UTC (10:00 GMT), its title and venue only.
    let ics = finder.get(&format!("{path}/calendar.ics")).await;
    assert_eq!(ics.headers["content-type"], "text/calendar; charset=utf-8");
    assert!(ics.body.contains("METHOD:PUBLISH"));
    assert!(ics.body.contains("DTSTART:20261210T100000Z"));
    assert!(ics.body.contains("DTEND:20261210T153000Z"));
    assert!(
        ics.body
            .contains("SUMMARY:Adoption Exchange Day: Winter Exchange Day")
    );
    assert!(!ics.body.contains("Robin") && !ics.body.contains("Mia"));
}

#[tokio::test]
async fn adopters_see_their_own_booking_and_book_only_where_their_agency_allows() {
    let app = App::sqlite().await;
    let id = open_event(&app, "10").await;
    let path = format!("/events/{id}");
    let own = app.user(ADOPTER).await.household_id.unwrap();
    support::approved_family(&app, Some(own), &["Robin Ashdown", "Kit Ashdown"]).await;
    let other = support::active_family(&app, &["Sam Lee"]).await;
    // Southvale lets its workers book, not its adopters.
    let mut adopter = signed_in(&app, ADOPTER).await;
    let page = adopter.get(&path).await;
    assert!(!page.body.contains("Book a place for our family"));
    let refused = adopter.post(&format!("{path}/bookings"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Your social worker books your family&#39;s places at events"),
        "{}",
        refused.body
    );

    let mut south = signed_in(&app, SOUTH_WORKER).await;
    south
        .post(
            &format!("{path}/bookings"),
            &[("household", &other.to_string())],
        )
        .await;
    let mut admin = signed_in(&app, "agency.admin@southvale.example").await;
    let saved = admin
        .post(
            &format!("/admin/agencies/{}/settings", app.south.id),
            &[
                ("link_follow_up", "childs_social_worker"),
                ("household_text_min_words", "0"),
                ("adopters_book_events", "yes"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let mut adopter = signed_in(&app, ADOPTER).await;
    let page = adopter.get(&path).await;
    assert!(page.body.contains("Book a place for our family"));
    let booked = adopter.post(&format!("{path}/bookings"), &[]).await;
    assert_eq!(
        booked.location(),
        format!("{path}?done=booked"),
        "{}",
        booked.body
    );
    let page = adopter.get(&path).await;
    assert!(
        !page.body.contains("Sam"),
        "adopters never see another family"
    );
    assert!(page.body.contains("Cancel booking"));
    assert!(
        page.body
            .contains(&format!("/households/{own}\">Robin and Kit"))
    );
    let dashboard = adopter.get("/").await;
    assert!(dashboard.body.contains("Your family's events"));
    assert!(
        dashboard.body.contains("Thursday 10 December 2026: Booked"),
        "{}",
        dashboard.body
    );

    // After the deadline's day, a clear refusal.
    let late_family = support::active_family(&app, &["Ali Khan"]).await;
    app.clock.advance(13 * DAY);
    let mut south = signed_in(&app, SOUTH_WORKER).await;
    let late = south
        .post(
            &format!("{path}/bookings"),
            &[("household", &late_family.to_string())],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        late.body
            .contains("Bookings for this event closed on 2026-12-05"),
        "{}",
        late.body
    );
}
