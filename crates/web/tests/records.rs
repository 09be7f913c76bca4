//! Requests for access to adoption records through the pages: business support takes one in,
//! the team manager approves, allocates and authorises, business support gives archive access,
//! the social worker does the casework and closes the case; every access ends at once and
//! business support is left a task until archive access is confirmed closed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::http::StatusCode;
use support::App;

const SUPPORT: &str = "business.support@northshire.example";
const MANAGER: &str = "team.manager@northshire.example";
const WORKER: &str = "social.worker@northshire.example";

fn today(app: &App) -> String {
    kinlink_domain::profile::CivilDate::from_unix(app.store.now()).to_string()
}

fn intake<'a>(born: &'a str, today: &'a str, adopted: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("applicant_type", "adopted_adult"),
        ("applicant_name", "Rowan Testfield"),
        ("applicant_born_on", born),
        ("contact_method", "email"),
        ("applicant_email", "rowan.testfield@example.com"),
        ("identity_method", "photo_id"),
        ("identity_checked_on", today),
        ("birth_name", "Rowan Bright"),
        ("adopted_person_born_on", "1970-04-12"),
        ("adopted_on", adopted),
        ("court", "Northshire County Court"),
        ("adoption_agency", "Northshire County Council"),
        ("case_reference", "NAR/1971/042"),
        ("arrival", "letter"),
        ("received_on", today),
    ]
}

/// The id in a redirect to `/records/{id}?done=…`.
fn id_of(location: &str) -> String {
    location
        .trim_start_matches("/records/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_request_goes_from_intake_to_closure_through_the_pages() {
    let app = App::sqlite().await;
    let day = today(&app);
    let mut support = app.browser();
    support.sign_in(SUPPORT).await;

    // An applicant under 18: the form again, the rule named, what was typed kept.
    support.get("/records/new").await;
    let before = app.audit_count().await;
    let res = support
        .post("/records", &intake("2015-01-01", &day, "1971-02-01"))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.has_error_summary());
    assert!(res.body.contains("must be 18 or over"), "{}", res.body);
    assert!(res.body.contains("Rowan Testfield"));
    assert_eq!(app.audit_count().await, before, "nothing stored");

    support.get("/records/new").await;
    let res = support
        .post("/records", &intake("1970-04-12", &day, "1971-02-01"))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = id_of(res.location());
    let page = support.get(&format!("/records/{id}")).await;
    assert!(page.body.contains("Adopted before 12 November 1975"));
    assert!(page.body.contains("Schedule 2"));
    let res = support
        .post(
            &format!("/records/{id}/step"),
            &[("event", "send_for_approval")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    // Business support cannot approve: the page again with the rule, nothing changed.
    support.get(&format!("/records/{id}")).await;
    let res = support
        .post(
            &format!("/records/{id}/step"),
            &[("event", "approve"), ("text", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("only a team manager of the agency can do this")
            || res
                .body
                .contains("Only a team manager of the agency can do this")
    );
    assert!(res.body.contains("Awaiting manager approval"));

    // The manager's inbox has the approval; they approve, allocate and authorise.
    let mut manager = app.browser();
    manager.sign_in(MANAGER).await;
    let inbox = manager.get("/records").await;
    assert!(inbox.body.contains("Approve or decline the request"));
    assert!(inbox.body.contains("Rowan Testfield"));
    manager.get(&format!("/records/{id}")).await;
    let worker_id = app.user(WORKER).await.id.to_string();
    for form in [
        vec![("event", "approve"), ("text", "")],
        vec![("event", "allocate"), ("worker", worker_id.as_str())],
        vec![
            ("event", "authorise_access"),
            ("text", "Counselling and reading the case record"),
        ],
    ] {
        let res = manager.post(&format!("/records/{id}/step"), &form).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{form:?}: {}", res.body);
    }

    // The worker reads the locked record (logged); archive details wait for business support.
    let mut worker = app.browser();
    worker.sign_in(WORKER).await;
    let locked = worker.get(&format!("/records/{id}/locked-record")).await;
    assert_eq!(locked.status, StatusCode::OK);
    assert!(locked.body.contains("NAR/1971/042"));
    let archive = worker
        .get(&format!("/records/{id}/locked-record?kind=archive"))
        .await;
    assert_eq!(archive.status, StatusCode::NOT_FOUND);

    support.get(&format!("/records/{id}")).await;
    let res = support
        .post(
            &format!("/records/{id}/step"),
            &[
                ("event", "grant_archive_access"),
                ("text", "Archive box access"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        worker
            .get(&format!("/records/{id}/locked-record?kind=archive"))
            .await
            .status,
        StatusCode::OK
    );

    // Casework: an appointment with its calendar file, a session, then the referral.
    worker.get(&format!("/records/{id}")).await;
    let res = worker
        .post(
            &format!("/records/{id}/appointments"),
            &[
                ("appointment_on", "2027-06-15"),
                ("appointment_time", "10:30"),
                ("minutes", "60"),
                ("venue", "in_person"),
                ("place", "Northshire House, Room 4"),
                ("counsellor", "Dana Counsellor"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let appointment = app
        .store
        .records_request(
            &kinlink_store::Who::system(),
            app.user(WORKER).await.actor(),
            id.parse().unwrap(),
        )
        .await
        .unwrap();
    let appointments = app.store.request_appointments(&appointment).await.unwrap();
    let ics = worker
        .get_bytes(&format!(
            "/records/{id}/appointments/{}/invitation.ics",
            appointments[0].id
        ))
        .await;
    assert!(ics.content_type().starts_with("text/calendar"));
    // 10:30 British Summer Time is 09:30 UTC.
    assert!(
        ics.text().contains("DTSTART:20270615T093000Z"),
        "{}",
        ics.text()
    );

    // Before 1975: no birth-record information before the interview is attended.
    let referral = [
        ("organisation", "Northern Adoption Support"),
        ("referred_on", day.as_str()),
        ("reason", "Support in reading the file"),
        ("shared", "Birth name and registration"),
        ("shared_birth_record_information", "yes"),
        ("agreement_received", "yes"),
    ];
    let res = worker
        .post(&format!("/records/{id}/referrals"), &referral)
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Schedule 2"), "{}", res.body);
    assert!(
        res.body.contains("Northern Adoption Support"),
        "what was typed is kept"
    );

    worker.get(&format!("/records/{id}")).await;
    let res = worker
        .post(
            &format!("/records/{id}/sessions"),
            &[
                ("appointment_id", ""),
                ("held_on", day.as_str()),
                ("attended", "yes"),
                (
                    "facts",
                    "Schedule 2 interview held; the record was explained.",
                ),
                ("opinion", ""),
                ("third_party", ""),
                ("signed", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = worker
        .post(&format!("/records/{id}/referrals"), &referral)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    for form in [
        vec![("event", "support_external_access"), ("text", "")],
        vec![("event", "close"), ("text", "Counselling finished.")],
    ] {
        let res = worker.post(&format!("/records/{id}/step"), &form).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{form:?}: {}", res.body);
    }
    let closed = worker.get(&format!("/records/{id}")).await;
    assert!(closed.body.contains("Read-only"));
    assert_eq!(
        worker
            .get(&format!("/records/{id}/locked-record"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "closing ends every access at once"
    );

    // Business support never sees the casework, and has the archive to close.
    let page = support.get(&format!("/records/{id}")).await;
    assert!(!page.body.contains("Schedule 2 interview held"));
    let inbox = support.get("/records").await;
    assert!(inbox.body.contains("Close archive access and confirm"));
    let res = support
        .post(&format!("/records/{id}/archive-closed"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(
        !support
            .get("/records")
            .await
            .body
            .contains("Close archive access and confirm")
    );

    // The manager reads who opened the locked record, refusals included.
    let log = manager.get(&format!("/records/{id}/view-log")).await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("Refused: no active grant"));
    assert_eq!(
        worker.get(&format!("/records/{id}/view-log")).await.status,
        StatusCode::FORBIDDEN
    );

    // Anyone else: the request does not exist for them.
    let mut finder = app.browser();
    finder.sign_in("family.finder@northshire.example").await;
    assert_eq!(
        finder.get(&format!("/records/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.last_audit_action().await, "records_request.refused");
}
