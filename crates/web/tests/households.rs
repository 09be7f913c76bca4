//! Families' profiles through the pages: the worker writes, a manager agrees, the adopters keep
//! it up to date, and the worker sees what they changed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::http::StatusCode;
use support::{App, Part};

fn family_form<'a>(text: &'a str, pets: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("applicant_1", "Sam Rivers"),
        ("applicant_2", "Alex Rivers"),
        ("approved_day", "3"),
        ("approved_month", "2"),
        ("approved_year", "2026"),
        ("children_min", "1"),
        ("children_max", "2"),
        ("age_min", "0"),
        ("age_max", "5"),
        ("gender", ""),
        ("need_trauma_history", "medium"),
        ("need_trauma_history_reason", "We have done the training."),
        ("contact_letterbox", "yes"),
        ("identity", "We share the child's heritage."),
        ("languages", "English, Welsh"),
        ("children_at_home", "0"),
        ("pets", pets),
        ("area", "Kent"),
        ("text", text),
        ("consent_to_referral", "yes"),
    ]
}

#[tokio::test]
async fn a_family_is_agreed_then_kept_up_to_date_by_its_adopters() {
    let app = App::sqlite().await;
    let mut worker = app.browser();
    worker.sign_in("social.worker@southvale.example").await;

    // Bad input: the form again with every message, what was typed kept, nothing stored.
    worker.get("/households/new").await;
    let before = app.audit_count().await;
    let mut bad = family_form("", "");
    bad.retain(|(k, _)| *k != "applicant_1" && *k != "applicant_2");
    bad.push(("area", "Atlantis"));
    let res = worker.post("/households/new", &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.has_error_summary());
    assert!(res.body.contains("Enter the name of one or two applicants"));
    assert!(
        res.body.contains("We share the child&#39;s heritage.")
            || res.body.contains("We share the child's heritage.")
    );
    assert_eq!(app.audit_count().await, before, "nothing stored");

    worker.get("/households/new").await;
    let res = worker
        .post(
            "/households/new",
            &family_form("We are a lively family who love the coast.", ""),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = res.location().to_owned();
    let id: i64 = page
        .trim_start_matches("/households/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let shown = worker.get(&page).await;
    assert!(shown.body.contains("Sam Rivers and Alex Rivers"));
    assert!(shown.body.contains("draft"));
    worker
        .post(&format!("/households/{id}/status"), &[("event", "submit")])
        .await;

    // The adopters of a household not yet agreed cannot edit; here they are another family.
    let mut manager = app.browser();
    manager.sign_in("social.worker@southvale.example").await;
    let refused = manager
        .post(&format!("/households/{id}/status"), &[("event", "agree")])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a social worker cannot agree"
    );

    // An adopter of another household never sees this one.
    let mut adopter = app.browser();
    adopter.sign_in("adopter@southvale.example").await;
    assert_eq!(
        adopter.get(&format!("/households/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Their own household is a draft: readable, not editable by them.
    let own = adopter.get("/family").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(!own.body.contains("Change the profile"));

    // A photo from the worker, cleaned on the way in.
    let jpeg = kinlink_photos::placeholder(7);
    worker.get(&page).await;
    let csrf = worker.csrf.clone().unwrap();
    let res = worker
        .post_multipart(
            &format!("/households/{id}/photos?csrf_token={csrf}"),
            &[
                Part {
                    name: "photo",
                    file: Some(("us.jpg", "image/jpeg")),
                    bytes: &jpeg,
                },
                Part {
                    name: "description",
                    file: None,
                    bytes: b"The family at the beach",
                },
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let shown = worker.get(&format!("/households/{id}")).await;
    assert!(shown.body.contains("alt=\"The family at the beach\""));
    let not_a_photo = worker
        .post_multipart(
            &format!("/households/{id}/photos?csrf_token={csrf}"),
            &[
                Part {
                    name: "photo",
                    file: Some(("us.jpg", "image/jpeg")),
                    bytes: b"just some text",
                },
                Part {
                    name: "description",
                    file: None,
                    bytes: b"Not really",
                },
            ],
        )
        .await;
    assert_eq!(not_a_photo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_a_photo.has_error_summary());
}

#[tokio::test]
async fn the_worker_sees_what_the_adopters_changed() {
    let app = App::sqlite().await;
    // The demo adopter's household, agreed through the pages by its worker and a manager.
    let household = app
        .user("adopter@southvale.example")
        .await
        .household_id
        .unwrap();
    let manager = app
        .add_person(
            "manager@southvale.example",
            "Drew Manager",
            kinlink_domain::Role::TeamManager,
            &app.south,
        )
        .await;
    let mut worker = app.browser();
    worker.sign_in("social.worker@southvale.example").await;
    worker.get(&format!("/households/{household}/edit")).await;
    let res = worker
        .post(
            &format!("/households/{household}/edit"),
            &family_form("We are the Ashdowns and we love walking.", ""),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    worker
        .post(
            &format!("/households/{household}/status"),
            &[("event", "submit")],
        )
        .await;
    let mut m = app.browser();
    m.sign_in(&manager.email).await;
    m.get(&format!("/households/{household}")).await;
    let agreed = m
        .post(
            &format!("/households/{household}/status"),
            &[("event", "agree")],
        )
        .await;
    assert_eq!(agreed.status, StatusCode::SEE_OTHER, "{}", agreed.body);

    let mut adopter = app.browser();
    adopter.sign_in("adopter@southvale.example").await;
    let own = adopter.get("/family").await;
    assert!(
        own.body.contains("Change the profile"),
        "agreed: the adopters edit it now"
    );
    adopter.get(&format!("/households/{household}/edit")).await;
    let res = adopter
        .post(
            &format!("/households/{household}/edit"),
            &family_form("We are the Ashdowns and we love walking.", "A very old cat"),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let seen = worker.get(&format!("/households/{household}")).await;
    assert!(
        seen.body.contains("Changed pets (by the adopters)"),
        "{}",
        seen.body
    );
    assert!(seen.body.contains("A very old cat"));
    // Adopters do not agree or match their own profile; they may pause it.
    let page = adopter.get("/family").await;
    assert!(!page.body.contains("Agree the profile"));
    assert!(page.body.contains("Put on hold"));

    // Freshness: unreviewed for longer than the register's period, it is due on the dashboard.
    app.clock.advance(61 * 86_400);
    let mut worker = app.browser();
    worker.sign_in("social.worker@southvale.example").await;
    let home = worker.get("/").await;
    assert!(
        home.body.contains("Profiles due for review"),
        "{}",
        home.body
    );
    assert!(home.body.contains("Sam Rivers and Alex Rivers"));
    worker.get(&format!("/households/{household}")).await;
    let marked = worker
        .post(&format!("/households/{household}/reviewed"), &[])
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    assert_eq!(app.last_audit_action().await, "household.reviewed");
    assert!(
        !worker
            .get("/")
            .await
            .body
            .contains("Profiles due for review")
    );
}
