//! Children's profiles through the JSON API: a case system acting for a named member of staff.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use support::App;
use tower::ServiceExt;

/// A token made by Northshire's administrator through the page, as a real one is.
async fn token(app: &App) -> String {
    app.api_token("agency.admin@northshire.example").await
}

async fn call(
    app: &App,
    token: &str,
    person: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    app.api(token, person, method, path, body).await
}

const WORKER: &str = "social.worker@northshire.example";
const MANAGER: &str = "team.manager@northshire.example";
const FINDER: &str = "family.finder@northshire.example";

fn new_profile(text: &str) -> Value {
    json!({
        "alias": "Ellie",
        "born": "2020-03-01",
        "gender": "girl",
        "ethnicity": "white_british",
        "legal_status": "placement_order",
        "languages": ["English"],
        "needs": {"trauma_history": {"level": "medium", "notes": "Settles with routine."}},
        "surname": "Threlkeld",
        "school": "Fellside Primary School",
        "text": text,
        "visibility": "all",
        "home_area": "Cumbria",
        "contact": {"letterbox": true},
        "requirements": ["no_pets"],
    })
}

#[tokio::test]
async fn a_case_system_writes_submits_and_publishes_a_profile_for_named_staff() {
    let app = App::sqlite().await;
    let token = token(&app).await;

    // Without a person, or with someone from another agency, nothing happens.
    let (status, body) = call(&app, &token, None, Method::GET, "/api/v1/children", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "unknown_person");
    let (status, _) = call(
        &app,
        &token,
        Some("social.worker@southvale.example"),
        Method::GET,
        "/api/v1/children",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Bad input: the same messages as the form, by field, and nothing stored.
    let before = app.audit_count().await;
    let mut unknown = new_profile("Fine.");
    unknown["needs"] = json!({"telepathy": {"level": "high"}});
    let (status, body) = call(
        &app,
        &token,
        Some(WORKER),
        Method::POST,
        "/api/v1/children",
        Some(unknown),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["message"].as_str().unwrap().contains("telepathy"));
    let mut bad = new_profile("");
    bad["born"] = json!("2020-02-31");
    bad["home_area"] = json!("Atlantis");
    let (status, body) = call(
        &app,
        &token,
        Some(WORKER),
        Method::POST,
        "/api/v1/children",
        Some(bad),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "invalid");
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["home_area", "text", "born"]);
    assert_eq!(app.audit_count().await, before);

    let (status, created) = call(
        &app,
        &token,
        Some(WORKER),
        Method::POST,
        "/api/v1/children",
        Some(new_profile(
            "Ellie goes to Fellside Primary School and loves painting.",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["status"], "draft");
    assert_eq!(
        created["children"][0]["confidential"]["surname"],
        "Threlkeld"
    );
    let finding = &created["findings"][0];
    assert_eq!(finding["kind"], "school_name");

    // Findings first: a stable code says why the submission is refused.
    let (status, body) = call(
        &app,
        &token,
        Some(WORKER),
        Method::POST,
        &format!("/api/v1/children/{id}/status"),
        Some(json!({"event": "submit"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "unresolved_findings");
    let (status, _) = call(
        &app,
        &token,
        Some(WORKER),
        Method::POST,
        &format!("/api/v1/children/{id}/acknowledgements"),
        Some(json!({"fingerprint": finding["fingerprint"], "reason": "Closed school; cannot locate her"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = call(
        &app,
        &token,
        Some(WORKER),
        Method::POST,
        &format!("/api/v1/children/{id}/status"),
        Some(json!({"event": "submit"})),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("awaiting_sign_off"))
    );

    // The worker cannot sign off; the manager can.
    let (status, body) = call(
        &app,
        &token,
        Some(WORKER),
        Method::POST,
        &format!("/api/v1/children/{id}/status"),
        Some(json!({"event": "sign_off"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "wrong_role");
    let (status, body) = call(
        &app,
        &token,
        Some(MANAGER),
        Method::POST,
        &format!("/api/v1/children/{id}/status"),
        Some(json!({"event": "sign_off"})),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("published"))
    );

    let (status, found) = call(
        &app,
        &token,
        Some(MANAGER),
        Method::GET,
        "/api/v1/children?text=painting",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], id);
    let (status, body) = call(
        &app,
        &token,
        Some(MANAGER),
        Method::GET,
        "/api/v1/children?age_min=nine",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"][0]["field"], "age_min");

    let (_, doc) = call(
        &app,
        &token,
        None,
        Method::GET,
        "/api/v1/openapi.json",
        None,
    )
    .await;
    for path in [
        "/children",
        "/children/{id}",
        "/children/{id}/children",
        "/children/{id}/status",
        "/children/{id}/acknowledgements",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}

#[tokio::test]
async fn another_agency_sees_no_confidential_details_through_the_api() {
    let app = App::sqlite().await;
    let north = token(&app).await;
    let (_, created) = call(
        &app,
        &north,
        Some(WORKER),
        Method::POST,
        "/api/v1/children",
        Some(new_profile("Ellie loves painting.")),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    call(
        &app,
        &north,
        Some(WORKER),
        Method::POST,
        &format!("/api/v1/children/{id}/status"),
        Some(json!({"event": "submit"})),
    )
    .await;
    call(
        &app,
        &north,
        Some(MANAGER),
        Method::POST,
        &format!("/api/v1/children/{id}/status"),
        Some(json!({"event": "sign_off"})),
    )
    .await;

    let mut admin = app.browser();
    admin.sign_in("agency.admin@southvale.example").await;
    admin.get("/admin/api-tokens").await;
    let made = admin
        .post("/admin/api-tokens", &[("name", "South system")])
        .await;
    let start = made.body.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let south = made.body[start..start + made.body[start..].find('<').unwrap()].to_owned();

    let (status, seen) = call(
        &app,
        &south,
        Some("social.worker@southvale.example"),
        Method::GET,
        &format!("/api/v1/children/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = seen.to_string();
    for secret in [
        "Threlkeld",
        "Fellside",
        "2020-03-01",
        "home_area",
        "findings",
        "confidential",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert_eq!(seen["children"][0]["age"]["years"], 6);
    let areas = seen["excluded_areas"].as_array().unwrap();
    assert!(
        areas.windows(2).all(|w| w[0].as_str() <= w[1].as_str()),
        "in an order that does not point at the child's own area: {areas:?}"
    );
    // Changing another agency's profile: not found, as if it were not there.
    let (status, _) = call(
        &app,
        &south,
        Some("social.worker@southvale.example"),
        Method::POST,
        &format!("/api/v1/children/{id}/status"),
        Some(json!({"event": "withdraw", "reason": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn families_are_written_agreed_and_searched_through_the_api() {
    let app = App::sqlite().await;
    let mut admin = app.browser();
    admin.sign_in("agency.admin@southvale.example").await;
    admin.get("/admin/api-tokens").await;
    let made = admin
        .post("/admin/api-tokens", &[("name", "South system")])
        .await;
    let start = made.body.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let south = made.body[start..start + made.body[start..].find('<').unwrap()].to_owned();
    let worker = Some("social.worker@southvale.example");

    let mut family = json!({
        "applicants": ["Sam Rivers", "Alex Rivers"],
        "approved_on": "2026-02-30",
        "children_min": 1, "children_max": 2, "age_min": 0, "age_max": 5,
        "area": "Kent",
        "text": "We are a lively family who love the coast.",
        "consent_to_referral": true,
        "needs": {"trauma_history": {"level": "medium", "reason": "Training done"}},
    });
    let (status, body) = call(
        &app,
        &south,
        worker,
        Method::POST,
        "/api/v1/households",
        Some(family.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"][0]["field"], "approved");
    family["approved_on"] = json!("2026-02-03");
    let (status, created) = call(
        &app,
        &south,
        worker,
        Method::POST,
        "/api/v1/households",
        Some(family),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["needs"][0]["level"], "medium");

    // Not yet agreed: another agency's family finder cannot find it.
    let north = token(&app).await;
    let finder = Some("family.finder@northshire.example");
    let (status, _) = call(
        &app,
        &north,
        finder,
        Method::GET,
        &format!("/api/v1/households/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = call(
        &app,
        &south,
        worker,
        Method::POST,
        &format!("/api/v1/households/{id}/status"),
        Some(json!({"event": "submit"})),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("awaiting_agreement"))
    );
    let (status, body) = call(
        &app,
        &south,
        worker,
        Method::POST,
        &format!("/api/v1/households/{id}/status"),
        Some(json!({"event": "agree"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a social worker cannot agree: {body}"
    );

    let (_, doc) = call(
        &app,
        &south,
        None,
        Method::GET,
        "/api/v1/openapi.json",
        None,
    )
    .await;
    for path in ["/households", "/households/{id}", "/households/{id}/status"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    let (status, found) = call(
        &app,
        &north,
        finder,
        Method::GET,
        "/api/v1/households?children=2",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["id"] != id),
        "awaiting agreement: not in a search"
    );
}

/// A published profile made through the API: written by the worker, signed off by the manager.
async fn published(app: &App, token: &str, alias: &str) -> i64 {
    let mut profile = new_profile("A cheerful child who loves music.");
    profile["alias"] = json!(alias);
    profile["school"] = json!("");
    let (status, body) = call(
        app,
        token,
        Some(WORKER),
        Method::POST,
        "/api/v1/children",
        Some(profile),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    for (who, event) in [(WORKER, "submit"), (MANAGER, "sign_off")] {
        let (status, body) = call(
            app,
            token,
            Some(who),
            Method::POST,
            &format!("/api/v1/children/{id}/status"),
            Some(json!({"event": event})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    id
}

#[tokio::test]
async fn a_case_system_asks_for_a_link_and_is_told_which_links_hold_the_places() {
    use kinlink_domain::policy::{Action, Permit};
    let app = App::sqlite().await;
    let token = token(&app).await;
    let first = published(&app, &token, "Ellie").await;
    let second = published(&app, &token, "Noor").await;
    // Southvale's demo family, made active; the register allows one open link per family.
    let household = app
        .user("adopter@southvale.example")
        .await
        .household_id
        .unwrap();
    app.store
        .import_household(
            &Permit::for_operator(Action::EditHousehold {
                agency: app.south.id,
            }),
            &kinlink_store::Who::operator(),
            &kinlink_store::HouseholdImport {
                existing: Some(household),
                details: &kinlink_domain::household::HouseholdDetails {
                    applicants: vec!["Robin Ashdown".into(), "Kit Ashdown".into()],
                    approved_on: None,
                    children_min: 1,
                    children_max: 2,
                    age_min_years: 0,
                    age_max_years: 10,
                    gender: None,
                    needs: vec![],
                    contact: kinlink_domain::child::Contact::default(),
                    identity: String::new(),
                    heritage: vec![],
                    experience: None,
                    languages: vec!["English".into()],
                    children_at_home: 0,
                    children_at_home_notes: String::new(),
                    pets: String::new(),
                    youngest_at_home: None,
                    carer_at_home: None,
                    area: "Kent".into(),
                    text: "We are a calm and playful family.".into(),
                    consent_to_referral: true,
                },
                status: kinlink_domain::profile::HouseholdStatus::Active,
                active_since: Some(app.store.now()),
                worker_id: None,
            },
        )
        .await
        .unwrap();
    let mut settings = app.store.register_settings().await.unwrap();
    settings.max_open_links_per_household = 1;
    app.store
        .update_register_settings(
            &Permit::for_operator(Action::ManageRegisterSettings),
            &kinlink_store::Who::operator(),
            &settings,
        )
        .await
        .unwrap();

    let ask = |child: i64, confirmed: bool| json!({"child_profile": child, "household": household, "side": "child", "note": "Their approval fits well.", "genuine_placement_option": confirmed});
    let (status, body) = call(
        &app,
        &token,
        Some(FINDER),
        Method::POST,
        "/api/v1/links",
        Some(ask(first, false)),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_confirmed"))
    );
    let (status, body) = call(
        &app,
        &token,
        Some(FINDER),
        Method::POST,
        "/api/v1/links",
        Some(ask(first, true)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let link = body["id"].as_i64().unwrap();

    let (status, body) = call(
        &app,
        &token,
        Some(FINDER),
        Method::GET,
        &format!("/api/v1/links/{link}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["state"], "interest_expressed");
    assert_eq!(body["waiting_on"], "family");
    assert_eq!(body["child_profile"]["children"], "Ellie");
    assert_eq!(body["history"][0]["event"], "request");

    // The family's one place is taken: the refusal names the link that holds it.
    let (status, body) = call(
        &app,
        &token,
        Some(FINDER),
        Method::POST,
        "/api/v1/links",
        Some(ask(second, true)),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("household_link_limit"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Ellie with Robin and Kit Ashdown"),
        "{body}"
    );

    // The child's side cannot answer its own request; closing needs feedback.
    let events = format!("/api/v1/links/{link}/events");
    let change = |event: Value| {
        call(
            &app,
            &token,
            Some(WORKER),
            Method::POST,
            &events,
            Some(event),
        )
    };
    let (status, body) = change(json!({"event": "explore"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_your_turn"))
    );
    let (status, body) = change(json!({"event": "close", "reason": "location"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("feedback_missing"))
    );
    let (status, body) =
        change(json!({"event": "close", "reason": "teleport", "feedback": "x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = call(
        &app,
        &token,
        Some(WORKER),
        Method::POST,
        &format!("/api/v1/links/{link}/messages"),
        Some(json!({"body": "We will call the family's worker.", "to_adopters": false})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = change(json!({"event": "close", "reason": "child_plan_changed", "feedback": "Ellie's plan is changing; sorry."})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "closed");

    // Someone who takes no part in the link is told it does not exist.
    let (status, _) = call(
        &app,
        &token,
        Some("business.support@northshire.example"),
        Method::GET,
        &format!("/api/v1/links/{link}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Robin asks for a link with Noor; Northshire's worker explores it and adds a report.
    let robin = app.user("adopter@southvale.example").await;
    let asked = app
        .store
        .request_link(
            &kinlink_store::Who::person(robin.actor(), "test"),
            kinlink_domain::policy::Viewer {
                actor: robin.actor(),
                region: "South East",
                household_active: true,
                household_area: Some("Kent"),
            },
            Some(household),
            &kinlink_store::NewLink {
                child_profile_id: second,
                household_id: household,
                side: kinlink_domain::link::Side::Family,
                note: "We would love to be considered.".into(),
                confirmed: true,
                source: kinlink_store::LinkSource::Register,
            },
        )
        .await
        .unwrap();
    let (status, _) = call(
        &app,
        &token,
        Some(WORKER),
        Method::POST,
        &format!("/api/v1/links/{asked}/events"),
        Some(json!({"event": "explore"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let upload = |bytes: &'static [u8]| {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/links/{asked}/documents?kind=child_permanence_report&title=CPR&file_name=cpr.pdf"))
            .header(header::HOST, "kinlink.test")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("x-on-behalf-of", WORKER)
            .header(header::CONTENT_TYPE, "application/pdf")
            .body(Body::from(bytes))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 40000))));
        app.router.clone().oneshot(req)
    };
    let res = upload(b"just some text, not a PDF").await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "judged by content, whatever the header says"
    );
    let pdf: &'static [u8] = b"%PDF-1.4\n% Child Permanence Report (API test)\n%%EOF\n";
    let res = upload(pdf).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let (status, body) = call(
        &app,
        &token,
        Some(WORKER),
        Method::GET,
        &format!("/api/v1/links/{asked}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let doc = body["documents"][0]["id"].as_i64().unwrap();
    assert_eq!(body["documents"][0]["shared_with_adopters"], false);
    let download = |person: &'static str| {
        let mut req = Request::builder()
            .uri(format!("/api/v1/links/{asked}/documents/{doc}"))
            .header(header::HOST, "kinlink.test")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("x-on-behalf-of", person)
            .body(Body::empty())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 40000))));
        app.router.clone().oneshot(req)
    };
    let res = download(MANAGER).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.into_body().collect().await.unwrap().to_bytes().as_ref(),
        pdf
    );
    // A family finder who does not follow this link up takes no part in it.
    assert_eq!(
        download(FINDER).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Only the adopters' worker shares with the adopters.
    let (status, body) = call(
        &app,
        &token,
        Some(WORKER),
        Method::POST,
        &format!("/api/v1/links/{asked}/documents/{doc}/share"),
        Some(json!({"shared": true})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("adopters_worker_shares"))
    );
}

/// A person whose role may not do something is refused with the rule's code, and the refusal is
/// in the audit log under their name, as it is on the pages.
#[tokio::test]
async fn refusals_through_the_api_are_audited_under_the_persons_name() {
    let app = App::sqlite().await;
    let token = token(&app).await;
    let support = "business.support@northshire.example";
    let me = app.user(support).await.id;
    let permit = kinlink_domain::policy::Permit::for_operator(
        kinlink_domain::policy::Action::ViewAuditLog {
            scope: kinlink_domain::policy::AuditScope::All,
        },
    );
    for (method, path, body) in [
        (Method::GET, "/api/v1/children", None),
        (Method::POST, "/api/v1/children", Some(new_profile("Fine."))),
        (Method::GET, "/api/v1/households", None),
        (Method::POST, "/api/v1/households", Some(json!({}))),
    ] {
        let before = app.audit_count().await;
        let (status, answer) = call(&app, &token, Some(support), method.clone(), path, body).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("not_on_the_register")),
            "{method} {path}"
        );
        assert_eq!(
            app.audit_count().await,
            before + 1,
            "{method} {path}: one entry"
        );
        let entry = app
            .store
            .audit_entries(&permit, None, 1)
            .await
            .unwrap()
            .remove(0)
            .event;
        assert_eq!(entry.action, "access.denied", "{method} {path}");
        assert_eq!(entry.actor_user_id, Some(me), "{method} {path}");
        let detail: Value = serde_json::from_str(&entry.detail).unwrap();
        assert_eq!(detail["rule"], "not_on_the_register");
    }
}
