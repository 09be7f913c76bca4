//! Requests for access to adoption records through the JSON API: a case system acting for
//! business support, the team manager and the allocated social worker of one agency, each step
//! taken by the person the procedure names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::http::{HeaderMap, Method, StatusCode, header};
use kinlink_domain::Role;
use serde_json::{Value, json};
use support::{App, START};

const SUPPORT: &str = "business.support@northshire.example";
const MANAGER: &str = "team.manager@northshire.example";
const WORKER: &str = "social.worker@northshire.example";
const FINDER: &str = "family.finder@northshire.example";

/// A token made by an agency's administrator through the page, as a real one is.
async fn token(app: &App, admin: &str) -> String {
    app.api_token(admin).await
}

async fn send(
    app: &App,
    token: &str,
    person: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    app.api_send(token, Some(person), method, path, body).await
}

async fn call(
    app: &App,
    token: &str,
    person: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, _, bytes) = send(app, token, person, method, path, body).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn get(app: &App, token: &str, person: &str, path: &str) -> (StatusCode, Value) {
    call(app, token, person, Method::GET, path, None).await
}

async fn post(
    app: &App,
    token: &str,
    person: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    call(app, token, person, Method::POST, path, Some(body)).await
}

/// A request as business support takes it in: an adult adopted in 1987, so the
/// pre-commencement rules apply.
fn intake() -> Value {
    json!({
        "applicant_type": "adopted_adult",
        "applicant_name": "Jordan Ellery",
        "applicant_born_on": "1986-04-02",
        "applicant_email": "jordan.ellery@example.org",
        "applicant_phone": "",
        "applicant_address": "",
        "contact_method": "email",
        "representative_name": "",
        "representative_relationship": "",
        "authority_proof": "",
        "birth_name": "Baby Marsh",
        "adopted_person_born_on": "1986-04-02",
        "adopted_on": "1987-01-15",
        "court": "Carlisle County Court",
        "adoption_agency": "Northshire Council",
        "arrival": "letter",
        "received_on": "2026-11-20",
        "case_reference": "NS/ADOPT/1987/042",
    })
}

fn fields(body: &Value) -> Vec<&str> {
    body["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields: {body}"))
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect()
}

/// An `.ics` file read as RFC 5545 lays it out: CRLF lines, folded lines joined, every
/// component closed in order. Gives each property line as (name with parameters, value).
fn calendar(text: &str) -> Vec<(String, String)> {
    assert!(text.ends_with("\r\n"), "CRLF line endings: {text:?}");
    assert!(
        text.split("\r\n").all(|line| line.len() <= 75),
        "lines are folded at 75 octets"
    );
    let unfolded = text.replace("\r\n ", "");
    let mut open: Vec<String> = Vec::new();
    let mut properties = Vec::new();
    for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("not a content line: {line:?}"));
        match name {
            "BEGIN" => open.push(value.to_owned()),
            "END" => assert_eq!(
                open.pop().as_deref(),
                Some(value),
                "END:{value} out of order"
            ),
            _ => assert!(!open.is_empty(), "{line:?} outside any component"),
        }
        properties.push((name.to_owned(), value.to_owned()));
    }
    assert!(open.is_empty(), "unclosed: {open:?}");
    properties
}

fn property<'a>(properties: &'a [(String, String)], name: &str) -> &'a str {
    let found: Vec<&str> = properties
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(found.len(), 1, "one {name}: {properties:?}");
    found[0]
}

#[tokio::test]
async fn intake_with_a_field_error_stores_nothing() {
    let app = App::sqlite().await;
    let token = token(&app, "agency.admin@northshire.example").await;
    let before = app.audit_count().await;

    // s60(2): the applicant must be 18; the refusal names the field.
    let mut young = intake();
    young["applicant_born_on"] = json!("2010-06-01");
    let (status, body) = post(&app, &token, SUPPORT, "/api/v1/records-requests", young).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid");
    assert_eq!(fields(&body), ["applicant_born_on"]);
    assert!(body["message"].as_str().unwrap().contains("18"), "{body}");

    // Malformed values are named all at once, by the keys that were sent.
    let mut garbled = intake();
    garbled["adopted_on"] = json!("1987-02-31");
    garbled["arrival"] = json!("pigeon");
    garbled["identity_method"] = json!("photo_id");
    let (status, body) = post(&app, &token, SUPPORT, "/api/v1/records-requests", garbled).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        fields(&body),
        ["identity_checked_on", "adopted_on", "arrival"]
    );

    assert_eq!(
        app.audit_count().await,
        before,
        "nothing written or audited"
    );
    let (status, list) = get(&app, &token, SUPPORT, "/api/v1/records-requests").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["requests"], json!([]));

    // A family finder does not take requests in.
    let (status, body) = post(&app, &token, FINDER, "/api/v1/records-requests", intake()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_business_support"))
    );
}

#[tokio::test]
async fn a_request_runs_from_intake_to_closure_each_step_by_its_own_person() {
    let app = App::sqlite().await;
    let token = token(&app, "agency.admin@northshire.example").await;
    let worker_id = app.user(WORKER).await.id;

    // Business support takes the request in, without an identity check yet.
    let (status, created) = post(&app, &token, SUPPORT, "/api/v1/records-requests", intake()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["state"], "received");
    assert_eq!(created["regime"], "pre_commencement");
    assert!(
        created["regime_rule"]
            .as_str()
            .unwrap()
            .contains("intermediary")
    );
    assert_eq!(created["applicant"]["born_on"], "1986-04-02");
    assert_eq!(created["adoption"]["adopted_on"], "1987-01-15");
    assert_eq!(created["standing"], "business_support");
    assert_eq!(created["worker"], Value::Null);

    let base = format!("/api/v1/records-requests/{id}");
    let steps = format!("{base}/steps");
    let step = |person: &'static str, body: Value| post(&app, &token, person, &steps, body);

    // Identity comes before approval.
    let (status, body) = step(SUPPORT, json!({"event": "send_for_approval"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("identity_not_verified"))
    );
    let (status, body) = post(
        &app,
        &token,
        SUPPORT,
        &format!("{base}/identity"),
        json!({"method": "photo_id", "checked_on": "2026-12-01"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        fields(&body),
        ["checked_on"],
        "named by the key that was sent"
    );
    let (status, body) = post(
        &app,
        &token,
        SUPPORT,
        &format!("{base}/identity"),
        json!({"method": "photo_id", "checked_on": "2026-11-21", "authority_proof": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = step(SUPPORT, json!({"event": "send_for_approval"})).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (StatusCode::OK, Some("awaiting_approval")),
        "{body}"
    );

    // Only a manager approves.
    let (status, body) = step(SUPPORT, json!({"event": "approve"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_a_manager"))
    );
    let (status, body) = step(MANAGER, json!({"event": "approve", "note": "In order."})).await;
    assert_eq!(body["state"], "approved", "{status} {body}");
    let (status, body) = step(MANAGER, json!({"event": "allocate", "worker": worker_id})).await;
    assert_eq!(body["state"], "allocated", "{status} {body}");

    // Archive access waits for the manager's authorisation; the locked record for a grant.
    let (status, body) = step(
        SUPPORT,
        json!({"event": "grant_archive_access", "reason": "Worker needs the file."}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("access_not_yet_authorised"))
    );
    let locked = format!("{base}/locked-record");
    let (status, body) = get(&app, &token, WORKER, &locked).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, body) = step(
        MANAGER,
        json!({"event": "authorise_access", "reason": "Allocated worker, for counselling."}),
    )
    .await;
    assert_eq!(body["state"], "access_authorised", "{status} {body}");
    let (status, record) = get(&app, &token, WORKER, &locked).await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["kind"], "locked_record");
    assert_eq!(record["case_reference"], "NS/ADOPT/1987/042");
    assert!(record.get("birth_mother").is_some() && record.get("archive_location").is_none());
    // The grant holder records what the case file holds; it is read back, locked.
    let contents = json!({"birth_mother": "Ann Example (synthetic)", "birth_father": "",
        "birth_registration": "Northshire, 1961", "case_summary": "Court papers and a letter."});
    let (status, body) = call(
        &app,
        &token,
        WORKER,
        Method::PUT,
        &locked,
        Some(contents.clone()),
    )
    .await;
    assert_eq!(
        (status, body["saved"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
    let (_, record) = get(&app, &token, WORKER, &locked).await;
    assert_eq!(record["birth_mother"], "Ann Example (synthetic)");
    // The manager who authorised holds no grant, so reads and writes nothing.
    let (status, _) = get(&app, &token, MANAGER, &locked).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, &token, MANAGER, Method::PUT, &locked, Some(contents)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.last_audit_action().await,
        "locked_record.change_refused"
    );
    let archive = format!("{locked}?kind=archive");
    let (status, _) = get(&app, &token, WORKER, &archive).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no archive grant yet");
    let (status, body) = step(
        SUPPORT,
        json!({"event": "grant_archive_access", "reason": "Authorised by the manager."}),
    )
    .await;
    assert_eq!(body["state"], "archive_access_granted", "{status} {body}");
    let (status, record) = get(&app, &token, WORKER, &archive).await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert!(record.get("archive_location").is_some() && record.get("birth_mother").is_none());

    // Counselling: an appointment on Thursday 26 November 2026 at 10:00 UTC.
    let starts_at = START - (17 * 3600 + 14 * 60) + 3 * 86_400 + 10 * 3600;
    let (status, body) = post(
        &app,
        &token,
        WORKER,
        &format!("{base}/appointments"),
        json!({"starts_at": starts_at, "minutes": 60, "venue": "in_person", "place": "Civic Centre, Carlisle", "counsellor": "Sam Okafor"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let appointment = body["id"].as_i64().unwrap();
    let (_, inbox) = get(&app, &token, WORKER, "/api/v1/records-inbox").await;
    assert_eq!(inbox["appointments"][0]["id"], appointment, "{inbox}");
    assert_eq!(inbox["appointments"][0]["applicant_name"], "Jordan Ellery");
    assert_eq!(
        app.last_audit_action().await,
        "records_request.inbox_viewed",
        "the inbox names applicants, so reading it is audited"
    );
    let (status, body) = post(
        &app,
        &token,
        WORKER,
        &format!("{base}/appointments/{appointment}/invitation"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["invited"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
    assert_eq!(app.last_audit_action().await, "counselling.invitation_sent");

    let ics_path = format!("{base}/appointments/{appointment}/invitation.ics");
    let (status, headers, bytes) = send(&app, &token, WORKER, Method::GET, &ics_path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE].to_str().unwrap(),
        "text/calendar; charset=utf-8"
    );
    let ics = String::from_utf8(bytes).unwrap();
    let cal = calendar(&ics);
    assert_eq!(cal[0], ("BEGIN".to_owned(), "VCALENDAR".to_owned()));
    assert_eq!(property(&cal, "METHOD"), "REQUEST");
    assert_eq!(property(&cal, "DTSTART"), "20261126T100000Z");
    assert_eq!(property(&cal, "DTEND"), "20261126T110000Z");
    assert_eq!(
        property(&cal, "UID"),
        format!("counselling-{appointment}@kinlink")
    );
    assert_eq!(property(&cal, "SEQUENCE"), "0");
    assert_eq!(property(&cal, "SUMMARY"), "Counselling appointment");
    assert_eq!(property(&cal, "LOCATION"), "Civic Centre\\, Carlisle");
    assert!(!ics.contains("Jordan"), "the applicant is not named");
    // Business support sees that an appointment exists, not its calendar file.
    let (status, _, bytes) = send(&app, &token, SUPPORT, Method::GET, &ics_path, None).await;
    let refusal: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        (status, refusal["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_allocated"))
    );

    let (status, body) = post(
        &app,
        &token,
        WORKER,
        &format!("{base}/sessions"),
        json!({"held_on": "2026-11-23", "attended": true, "facts": "Met Jordan; talked through the file.", "opinion": "", "third_party": "", "signed": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = post(
        &app,
        &token,
        WORKER,
        &format!("{base}/appointments/{appointment}/cancel"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, bytes) = send(&app, &token, WORKER, Method::GET, &ics_path, None).await;
    let cal = calendar(&String::from_utf8(bytes).unwrap());
    assert_eq!(property(&cal, "METHOD"), "CANCEL");
    assert_eq!(property(&cal, "STATUS"), "CANCELLED");
    assert_eq!(property(&cal, "SEQUENCE"), "1");

    // A referral to an external service; their access waits for the confidentiality agreement.
    let (status, body) = post(
        &app,
        &token,
        WORKER,
        &format!("{base}/referrals"),
        json!({"organisation": "PAC-UK", "referred_on": "2026-11-23", "reason": "Birth-family tracing.", "shared": "", "agreement_received": false}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let referral = body["id"].as_i64().unwrap();
    let (status, body) = step(WORKER, json!({"event": "support_external_access"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("agreement_missing"))
    );
    let (status, _) = post(
        &app,
        &token,
        WORKER,
        &format!("{base}/referrals/{referral}/agreement"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post(
        &app,
        &token,
        WORKER,
        &format!("{base}/disclosures"),
        json!({"what": "Birth mother's name at the time", "to_whom": "Jordan Ellery", "disclosed_on": "2026-11-23", "birth_record_information": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let disclosure = body["id"].as_i64().unwrap();
    let (status, _) = post(
        &app,
        &token,
        WORKER,
        &format!("{base}/disclosures/{disclosure}/receipt"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The intermediary record: checks before tracing, and closing waits for it.
    let (_, body) = step(WORKER, json!({"event": "open_intermediary"})).await;
    assert_eq!(body["state"], "intermediary_open", "{body}");
    let (status, body) = step(WORKER, json!({"event": "close", "summary": "Done."})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("intermediary_open"))
    );
    let tracing = format!("{base}/intermediary/tracing");
    let (status, body) = post(&app, &token, WORKER, &tracing, json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("checks_before_tracing"))
    );
    let (status, body) = post(
        &app,
        &token,
        WORKER,
        &format!("{base}/intermediary/checks"),
        json!({"veto": "none_found", "register": "not_registered", "subject_views": "None known."}),
    )
    .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (StatusCode::OK, Some("intermediary_open")),
        "{body}"
    );
    let (status, _) = post(&app, &token, WORKER, &tracing, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = step(
        WORKER,
        json!({"event": "complete_intermediary", "outcome": "Birth mother traced; letter sent."}),
    )
    .await;
    assert_eq!(body["state"], "intermediary_completed", "{body}");
    let (_, body) = step(WORKER, json!({"event": "support_external_access"})).await;
    assert_eq!(body["state"], "supporting_external_access", "{body}");

    // The manager reads the casework; business support reads the progress, not the casework.
    let (status, seen) = get(&app, &token, MANAGER, &base).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["standing"], "manager");
    let casework = &seen["casework"];
    assert_eq!(casework["sessions"][0]["attended"], true, "{seen}");
    assert_eq!(casework["referrals"][0]["agreement_received"], true);
    assert_eq!(
        casework["disclosures"][0]["receipt_received_on"],
        "2026-11-23"
    );
    assert!(casework["intermediary"]["completed_at"].is_i64());
    assert_eq!(seen["grants"].as_array().unwrap().len(), 2);
    assert!(
        seen["grants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["active"] == true)
    );
    let (status, seen) = get(&app, &token, SUPPORT, &base).await;
    assert_eq!(status, StatusCode::OK);
    assert!(seen.get("casework").is_none(), "{seen}");
    assert_eq!(seen["state"], "supporting_external_access");
    assert_eq!(seen["worker"]["id"], worker_id);
    assert_eq!(seen["appointments"][0]["cancelled_at"], START);
    assert!(seen["history"].as_array().unwrap().len() > 10);
    let (_, seen) = get(&app, &token, WORKER, &base).await;
    assert_eq!(seen["standing"], "worker");
    assert!(seen["casework"].is_object());

    // Grants are the manager's to renew; the view log too.
    let grant = seen["grants"][0]["id"].as_i64().unwrap();
    let (status, body) = post(
        &app,
        &token,
        WORKER,
        &format!("{base}/grants/{grant}/renew"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_a_manager"))
    );
    let (status, _) = post(
        &app,
        &token,
        MANAGER,
        &format!("{base}/grants/{grant}/renew"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, log) = get(&app, &token, MANAGER, &format!("{base}/view-log")).await;
    assert_eq!(status, StatusCode::OK);
    let views = log["views"].as_array().unwrap();
    assert!(
        views
            .iter()
            .any(|v| v["allowed"] == false && v["by"] == "Team Tester")
    );
    assert!(
        views
            .iter()
            .any(|v| v["allowed"] == true && v["kind"] == "archive")
    );
    let (status, _) = get(&app, &token, SUPPORT, &format!("{base}/view-log")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Closing needs a summary, revokes every grant, and leaves business support a task.
    let (status, body) = step(WORKER, json!({"event": "close"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["summary"]);
    let (_, body) = step(
        WORKER,
        json!({"event": "close", "summary": "Information given; supported by PAC-UK."}),
    )
    .await;
    assert_eq!(body["state"], "closed", "{body}");
    let (status, _) = get(&app, &token, WORKER, &locked).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "grants revoked on closing");
    let (_, inbox) = get(&app, &token, SUPPORT, "/api/v1/records-inbox").await;
    assert_eq!(inbox["tasks"][0]["kind"], "close_archive_access", "{inbox}");
    let (status, _) = post(
        &app,
        &token,
        SUPPORT,
        &format!("{base}/archive-closed"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, inbox) = get(&app, &token, SUPPORT, "/api/v1/records-inbox").await;
    assert_eq!(inbox["tasks"], json!([]));
    let (status, body) = post(
        &app,
        &token,
        SUPPORT,
        &format!("{base}/archive-closed"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A closed case is read-only until a manager reopens it.
    let (status, body) = step(
        WORKER,
        json!({"event": "withdraw", "reason": "Changed mind."}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("case_read_only"))
    );
    let (_, list) = get(&app, &token, WORKER, "/api/v1/records-requests").await;
    assert_eq!(list["requests"][0]["state"], "closed", "{list}");
}

#[tokio::test]
async fn outsiders_are_told_the_request_does_not_exist_and_unknown_events_are_named() {
    let app = App::sqlite().await;
    let north = token(&app, "agency.admin@northshire.example").await;
    let south = token(&app, "agency.admin@southvale.example").await;
    let (status, created) = post(&app, &north, SUPPORT, "/api/v1/records-requests", intake()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let base = format!("/api/v1/records-requests/{id}");
    app.add_person(
        "other.worker@northshire.example",
        "Other Worker",
        Role::SocialWorker,
        &app.north,
    )
    .await;

    for (token, person) in [
        (&north, FINDER),
        (&north, "other.worker@northshire.example"),
        (&north, WORKER),
        (&south, "social.worker@southvale.example"),
    ] {
        let (status, body) = get(&app, token, person, &base).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{person}"
        );
        let (status, _) = post(
            &app,
            token,
            person,
            &format!("{base}/steps"),
            json!({"event": "withdraw", "reason": "Trying."}),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{person}");
        let (status, _) = get(&app, token, person, &format!("{base}/locked-record")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{person}");
        let (_, list) = get(&app, token, person, "/api/v1/records-requests").await;
        assert_eq!(list["requests"], json!([]), "{person}");
    }

    for event in ["fly", "counsel", "record_referral", ""] {
        let (status, body) = post(
            &app,
            &north,
            SUPPORT,
            &format!("{base}/steps"),
            json!({"event": event}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("unknown_event")),
            "{event}: {body}"
        );
    }
    let (status, body) = get(
        &app,
        &north,
        SUPPORT,
        &format!("{base}/locked-record?kind=everything"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&body), ["kind"]);
    let (_, seen) = get(&app, &north, SUPPORT, &base).await;
    assert_eq!(seen["state"], "received", "nothing moved");
}

/// Every route of the API is in the OpenAPI document, with each of its methods.
#[tokio::test]
async fn the_openapi_document_covers_every_api_route() {
    let app = App::sqlite().await;
    let token = token(&app, "agency.admin@northshire.example").await;
    let (status, doc) = get(&app, &token, SUPPORT, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let source = include_str!("../src/api.rs");
    let start = source.find("pub fn router()").unwrap();
    let end = start + source[start..].find(".fallback(").unwrap();
    let mut rest = &source[start..end];
    let mut missing = Vec::new();
    let mut routes = 0;
    while let Some(i) = rest.find(".route(") {
        rest = &rest[i + ".route(".len()..];
        let quote = rest.find('"').unwrap();
        let close = quote + 1 + rest[quote + 1..].find('"').unwrap();
        let path = &rest[quote + 1..close];
        let handlers = &rest[close..rest.find(".route(").unwrap_or(rest.len())];
        routes += 1;
        for method in ["get", "post", "put"] {
            if handlers.contains(&format!("{method}(")) && !doc["paths"][path][method].is_object() {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(routes > 30, "found the routes");
    assert!(missing.is_empty(), "not documented: {missing:#?}");
}
