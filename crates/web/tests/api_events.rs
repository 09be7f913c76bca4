//! Exchange and Activity Days through the JSON API: a case system acting for Northshire's family
//! finder (who runs the day), Northshire's social worker (whose child is featured) and
//! Southvale's social worker (who books the families). What the caller sees: bad details refused
//! field by field with nothing stored, the life cycle, places and the waiting list, the booking
//! deadline, interest recorded only on the day and then as a link that says where it began, the
//! links' own limits, refusals with the policy's code and an audit entry, and matches by channel.
//! Each scenario runs on SQLite, and on PostgreSQL when `KINLINK_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::http::{Method, StatusCode};
use kinlink_domain::policy::{Action, Permit};
use kinlink_store::Who;
use serde_json::{Value, json};
use support::App;

const FINDER: &str = "family.finder@northshire.example";
const NORTH_WORKER: &str = "social.worker@northshire.example";
const NORTH_ADMIN: &str = "agency.admin@northshire.example";
const SOUTH_WORKER: &str = "social.worker@southvale.example";
const SOUTH_ADMIN: &str = "agency.admin@southvale.example";
const ADOPTER: &str = "adopter@southvale.example";

/// 1 December 2026, 00:00 UTC (and UK time: no summer time in December). The apps start on
/// 23 November; the event is on 10 December and bookings close at the end of 5 December.
const DECEMBER_1: i64 = 1_796_083_200;
const DAY: i64 = 86_400;

/// Ten in the morning on `day` December 2026.
fn december(day: i64) -> i64 {
    DECEMBER_1 + (day - 1) * DAY + 10 * 3600
}

macro_rules! on_both_backends {
    ($($scenario:ident => $sqlite:ident, $postgres:ident;)*) => {$(
        #[tokio::test]
        async fn $sqlite() {
            $scenario(App::sqlite().await).await;
        }

        #[tokio::test]
        async fn $postgres() {
            if let Some(app) = App::postgres().await {
                $scenario(app).await;
            }
        }
    )*};
}

on_both_backends! {
    an_exchange_day_from_draft_to_a_match => an_exchange_day_from_draft_to_a_match_sqlite, an_exchange_day_from_draft_to_a_match_postgres;
    interest_at_an_event_meets_the_links_limits => interest_at_an_event_meets_the_links_limits_sqlite, interest_at_an_event_meets_the_links_limits_postgres;
    places_come_free_and_an_event_is_called_off => places_come_free_and_an_event_is_called_off_sqlite, places_come_free_and_an_event_is_called_off_postgres;
}

// ---- the register: Northshire's children, Southvale's families -------------------------------

use support::{active_family as approve, published_child as publish};

// ---- the case systems ---------------------------------------------------------------------------

/// Northshire's and Southvale's case systems, each with its own token.
struct Systems<'a> {
    app: &'a App,
    north: String,
    south: String,
}

impl Systems<'_> {
    async fn of(app: &App) -> Systems<'_> {
        Systems {
            app,
            north: app.api_token(NORTH_ADMIN).await,
            south: app.api_token(SOUTH_ADMIN).await,
        }
    }

    /// A request for `person`, through their own agency's token.
    async fn call(
        &self,
        person: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let token = if person.ends_with("@southvale.example") {
            &self.south
        } else {
            &self.north
        };
        self.app
            .api(token, Some(person), method, &format!("/api/v1{path}"), body)
            .await
    }

    async fn get(&self, person: &str, path: &str) -> (StatusCode, Value) {
        self.call(person, Method::GET, path, None).await
    }

    async fn post(&self, person: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(person, Method::POST, path, Some(body)).await
    }

    /// An open Exchange Day run by Northshire's family finder.
    async fn open_event(&self, household_places: u32) -> i64 {
        let (status, made) = self
            .post(FINDER, "/events", exchange_day(household_places))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let id = made["id"].as_i64().unwrap();
        let (status, body) = self
            .post(
                FINDER,
                &format!("/events/{id}/status"),
                json!({"step": "open"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        id
    }

    async fn feature(&self, event: i64, child: i64) -> i64 {
        let (status, body) = self
            .post(
                NORTH_WORKER,
                &format!("/events/{event}/children"),
                json!({"child_profile_id": child, "support_note": "Needs a quiet room to rest in."}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    async fn book(&self, event: i64, household: i64) -> (StatusCode, Value) {
        self.post(
            SOUTH_WORKER,
            &format!("/events/{event}/bookings"),
            json!({"household_id": household}),
        )
        .await
    }

    async fn interest(
        &self,
        person: &str,
        event: i64,
        child: i64,
        household: i64,
    ) -> (StatusCode, Value) {
        self.post(
            person,
            &format!("/events/{event}/interest"),
            json!({
                "child_profile_id": child,
                "household_id": household,
                "note": "They talked with her worker for an hour and want to know more.",
                "confirmed": true,
            }),
        )
        .await
    }
}

fn exchange_day(household_places: u32) -> Value {
    json!({
        "kind": "exchange_day",
        "title": "Winter Exchange Day",
        "date": "2026-12-10",
        "starts": "10:00",
        "ends": "15:30",
        "online": false,
        "venue": "The Assembly Rooms, Kendal",
        "region": "North West",
        "household_places": household_places,
        "child_places": 10,
        "booking_deadline": "2026-12-05",
        "description": "Children's agencies from across the region bring their profiles.",
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

fn refusal(answer: &(StatusCode, Value)) -> (StatusCode, &str) {
    (answer.0, answer.1["code"].as_str().unwrap_or_default())
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

// ---- the scenarios ------------------------------------------------------------------------------

async fn an_exchange_day_from_draft_to_a_match(app: App) {
    let api = Systems::of(&app).await;
    let mia = publish(&app, "Mia").await;
    let ashdowns = approve(&app, &["Robin Ashdown", "Kit Ashdown"]).await;
    let okafors = approve(&app, &["Ada Okafor"]).await;
    let lees = approve(&app, &["Sam Lee", "Jo Lee"]).await;

    // Details that cannot be read are refused field by field, and nothing is stored.
    let before = app.audit_count().await;
    let mut bad = exchange_day(1);
    bad["kind"] = json!("party");
    bad["date"] = json!("10/12/2026");
    bad["starts"] = json!("10am");
    bad["household_places"] = json!(-1);
    let (status, body) = api.post(FINDER, "/events", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid");
    assert_eq!(
        fields(&body),
        ["kind", "date", "starts", "household_places"]
    );
    // Details that can be read but break the rules are refused the same way.
    let mut wrong = exchange_day(1);
    wrong["title"] = json!("  ");
    wrong["booking_deadline"] = json!("2026-12-11");
    let (status, body) = api.post(FINDER, "/events", wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["title", "booking_deadline"]);
    assert_eq!(app.audit_count().await, before, "nothing was stored");
    let (status, list) = api.get(FINDER, "/events").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["events"], json!([]));

    // A social worker does not run events: the policy's code, and the refusal is audited.
    let before = app.audit_count().await;
    let refused = api.post(NORTH_WORKER, "/events", exchange_day(1)).await;
    assert_eq!(
        refusal(&refused),
        (StatusCode::FORBIDDEN, "not_on_the_register")
    );
    assert_eq!(app.audit_actions_since(before).await, ["access.denied"]);

    // The family finder sets up a draft with one place for a family.
    let (status, made) = api.post(FINDER, "/events", exchange_day(1)).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().unwrap();
    assert_eq!(made["status"], "draft");
    assert_eq!(made["kind"], "exchange_day");
    assert_eq!(made["date"], "2026-12-10");
    assert_eq!(made["starts"], "10:00");
    assert_eq!(made["organiser"]["id"], app.north.id);
    assert_eq!(made["manages"], true);
    assert_eq!(made["steps"], json!(["open", "cancel"]));
    assert_eq!(made["bookings_open"], false);
    // A draft is seen by those who run it only.
    let (_, list) = api.get(SOUTH_WORKER, "/events").await;
    assert_eq!(ids(&list["events"]), Vec::<i64>::new());
    let hidden = api.get(SOUTH_WORKER, &format!("/events/{id}")).await;
    assert_eq!(refusal(&hidden), (StatusCode::NOT_FOUND, "not_found"));

    // Someone who may not run the event is refused, audited: while it is a draft it is not
    // there for them at all; once open, the rule's code. An unknown step is refused naming the
    // field.
    let status_path = format!("/events/{id}/status");
    let before = app.audit_count().await;
    let refused = api
        .post(NORTH_WORKER, &status_path, json!({"step": "open"}))
        .await;
    assert_eq!(refusal(&refused), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(app.audit_actions_since(before).await, ["access.denied"]);
    let (status, body) = api
        .post(FINDER, &status_path, json!({"step": "launch"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&body), ["step"]);
    let (status, body) = api
        .post(FINDER, &status_path, json!({"step": "open"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"id": id, "status": "open"}));
    let before = app.audit_count().await;
    let refused = api
        .post(
            NORTH_WORKER,
            &status_path,
            json!({"step": "close_bookings"}),
        )
        .await;
    assert_eq!(
        refusal(&refused),
        (StatusCode::FORBIDDEN, "not_on_the_register")
    );
    assert_eq!(app.audit_actions_since(before).await, ["access.denied"]);
    let again = api
        .post(FINDER, &status_path, json!({"step": "open"}))
        .await;
    assert_eq!(
        refusal(&again),
        (StatusCode::CONFLICT, "event_step_not_allowed")
    );
    let (_, list) = api.get(SOUTH_WORKER, "/events").await;
    assert_eq!(ids(&list["events"]), [id]);
    assert_eq!(list["events"][0]["bookings_open"], true);

    // Northshire's worker features Mia; the note on what she needs is for the organisers and
    // her agency only.
    let feature = api.feature(id, mia).await;
    let twice = api
        .post(
            NORTH_WORKER,
            &format!("/events/{id}/children"),
            json!({"child_profile_id": mia}),
        )
        .await;
    assert_eq!(refusal(&twice), (StatusCode::CONFLICT, "already_featured"));

    // One place: the first family has it, the second waits.
    let (status, first) = api.book(id, ashdowns).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["state"], "booked");
    let (status, second) = api.book(id, okafors).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["state"], "waiting");
    let twice = api.book(id, ashdowns).await;
    assert_eq!(refusal(&twice), (StatusCode::CONFLICT, "already_booked"));

    let (status, page) = api.get(SOUTH_WORKER, &format!("/events/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["manages"], false);
    assert_eq!(page["steps"], json!([]));
    assert_eq!(
        (page["booked"].as_i64(), page["waiting"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(page["places_left"], 0);
    assert_eq!(page["children"][0]["id"], feature);
    assert_eq!(page["children"][0]["child_profile_id"], mia);
    assert_eq!(page["children"][0]["title"], "Mia");
    assert_eq!(page["children"][0]["children"][0]["alias"], "Mia");
    assert_eq!(
        page["children"][0]["children"][0]["age"],
        "4 years and 6 months"
    );
    assert_eq!(page["children"][0]["places"], 1);
    assert_eq!(page["children"][0]["support_note"], Value::Null);
    let bookings = &page["bookings"];
    assert_eq!(bookings[0]["id"], first["id"]);
    assert_eq!(bookings[0]["household_id"], ashdowns);
    assert_eq!(bookings[0]["family"], "Robin and Kit", "first names only");
    assert_eq!(bookings[0]["agency"], "Southvale Adoption Agency");
    assert_eq!(bookings[0]["state"], "booked");
    assert_eq!(bookings[0]["position"], Value::Null);
    assert_eq!(bookings[1]["family"], "Ada");
    assert_eq!(bookings[1]["state"], "waiting");
    assert_eq!(bookings[1]["position"], 1);
    let (_, organised) = api.get(FINDER, &format!("/events/{id}")).await;
    assert_eq!(organised["manages"], true);
    assert_eq!(
        organised["children"][0]["support_note"],
        "Needs a quiet room to rest in."
    );

    // Interest and attendance wait for the day.
    let early = api.interest(SOUTH_WORKER, id, mia, ashdowns).await;
    assert_eq!(refusal(&early), (StatusCode::CONFLICT, "not_yet_the_day"));
    let attendance = format!("/events/{id}/bookings/{}/attendance", first["id"]);
    let early = api
        .post(FINDER, &attendance, json!({"attended": true}))
        .await;
    assert_eq!(
        refusal(&early),
        (StatusCode::CONFLICT, "attendance_not_yet")
    );

    // Bookings close at the end of the deadline's day.
    app.clock.set(december(6));
    let late = api.book(id, lees).await;
    assert_eq!(
        refusal(&late),
        (StatusCode::CONFLICT, "booking_deadline_passed")
    );
    assert!(
        late.1["message"].as_str().unwrap().contains("2026-12-05"),
        "{}",
        late.1
    );

    // On the day: attendance, then the family's interest becomes a link from the event.
    app.clock.set(december(10));
    let (status, body) = api
        .post(FINDER, &attendance, json!({"attended": "yes"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&body), ["attended"]);
    let (status, body) = api
        .post(FINDER, &attendance, json!({"attended": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let waiting = api.interest(SOUTH_WORKER, id, mia, okafors).await;
    assert_eq!(
        refusal(&waiting),
        (StatusCode::CONFLICT, "family_not_booked")
    );
    let before = app.audit_count().await;
    let (status, body) = api.interest(SOUTH_WORKER, id, mia, ashdowns).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let link = body["id"].as_i64().unwrap();
    assert!(
        app.audit_actions_since(before)
            .await
            .contains(&"link.requested".to_owned())
    );
    let (status, seen) = api.get(NORTH_WORKER, &format!("/links/{link}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["source"], "event");
    assert_eq!(seen["event_id"], id);
    assert_eq!(seen["state"], "interest_expressed");
    assert_eq!(seen["started_by"], "family");

    // The link follows the links' rules to a match, and the match counts for Exchange Days.
    let (status, held) = api
        .post(FINDER, &status_path, json!({"step": "record_held"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{held}");
    assert_eq!(held["status"], "held");
    for step in [
        json!({"event": "consider"}),
        json!({"event": "explore"}),
        json!({"event": "proceed_to_match", "panel_date": "2026-12-20"}),
        json!({"event": "record_match"}),
    ] {
        let (status, body) = api
            .post(NORTH_WORKER, &format!("/links/{link}/events"), step)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, page) = api.get(FINDER, &format!("/events/{id}")).await;
    assert_eq!(
        page["outcomes"],
        json!({"children_featured": 1, "families_booked": 1, "families_attended": 1, "links_started": 1, "links_matched": 1})
    );
    assert_eq!(page["bookings"][0]["attended"], true);
    let (status, channels) = api.get(SOUTH_WORKER, "/matching/channels").await;
    assert_eq!(status, StatusCode::OK, "{channels}");
    assert_eq!(
        channels,
        json!({"online": 0, "exchange_days": 1, "activity_days": 0, "total": 1})
    );
    // Nothing more is added to an event that was held.
    let late = api
        .post(
            NORTH_WORKER,
            &format!("/events/{id}/children"),
            json!({"child_profile_id": publish(&app, "Noor").await}),
        )
        .await;
    assert_eq!(refusal(&late), (StatusCode::CONFLICT, "event_finished"));

    // Those who do not work on the Register's profiles see no events and no channels, and the
    // refusal is audited; adopters have no API at all.
    let before = app.audit_count().await;
    let refused = api.get(NORTH_ADMIN, "/matching/channels").await;
    assert_eq!(
        refusal(&refused),
        (StatusCode::FORBIDDEN, "not_on_the_register")
    );
    assert_eq!(app.audit_actions_since(before).await, ["access.denied"]);
    let refused = api.get(NORTH_ADMIN, "/events").await;
    assert_eq!(
        refusal(&refused),
        (StatusCode::FORBIDDEN, "not_on_the_register")
    );
    let adopter = api.get(ADOPTER, "/events").await;
    assert_eq!(refusal(&adopter), (StatusCode::FORBIDDEN, "unknown_person"));
}

async fn interest_at_an_event_meets_the_links_limits(app: App) {
    let api = Systems::of(&app).await;
    let mia = publish(&app, "Mia").await;
    let leo = publish(&app, "Leo").await;
    let ashdowns = approve(&app, &["Robin Ashdown", "Kit Ashdown"]).await;
    // The register allows one open link per family, and the family already has one.
    let mut settings = app.store.register_settings().await.unwrap();
    settings.max_open_links_per_household = 1;
    app.store
        .update_register_settings(
            &Permit::for_operator(Action::ManageRegisterSettings),
            &Who::operator(),
            &settings,
        )
        .await
        .unwrap();
    let (status, body) = api
        .post(
            NORTH_WORKER,
            "/links",
            json!({"child_profile": leo, "household": ashdowns, "side": "child", "note": "Their approval fits well.", "genuine_placement_option": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let id = api.open_event(5).await;
    api.feature(id, mia).await;
    let (status, _) = api.book(id, ashdowns).await;
    assert_eq!(status, StatusCode::CREATED);
    app.clock.set(december(10));

    // The organisers may record interest too; the confirmation is needed, then the family's
    // one place is taken by the link with Leo, and the refusal says so.
    let unconfirmed = api
        .post(
            FINDER,
            &format!("/events/{id}/interest"),
            json!({"child_profile_id": mia, "household_id": ashdowns, "note": "Keen.", "confirmed": false}),
        )
        .await;
    assert_eq!(
        refusal(&unconfirmed),
        (StatusCode::CONFLICT, "not_confirmed")
    );
    let (status, body) = api
        .post(
            FINDER,
            &format!("/events/{id}/interest"),
            json!({"household_id": ashdowns}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&body), ["child_profile_id"]);
    let before = app.audit_count().await;
    let limited = api.interest(FINDER, id, mia, ashdowns).await;
    assert_eq!(
        refusal(&limited),
        (StatusCode::CONFLICT, "household_link_limit")
    );
    assert!(
        limited.1["message"]
            .as_str()
            .unwrap()
            .contains("Open now: Leo with Robin Ashdown and Kit Ashdown"),
        "{}",
        limited.1
    );
    assert_eq!(app.audit_count().await, before, "nothing was stored");
    let (_, page) = api.get(FINDER, &format!("/events/{id}")).await;
    assert_eq!(page["outcomes"]["links_started"], 0);
    // A child who is not at the event cannot be the subject of interest there.
    let absent = api.interest(FINDER, id, leo, ashdowns).await;
    assert_eq!(
        refusal(&absent),
        (StatusCode::CONFLICT, "child_not_featured")
    );
}

async fn places_come_free_and_an_event_is_called_off(app: App) {
    let api = Systems::of(&app).await;
    let mia = publish(&app, "Mia").await;
    let ashdowns = approve(&app, &["Robin Ashdown", "Kit Ashdown"]).await;
    let okafors = approve(&app, &["Ada Okafor"]).await;
    let lees = approve(&app, &["Sam Lee", "Jo Lee"]).await;
    let patels = approve(&app, &["Priya Patel"]).await;
    let id = api.open_event(2).await;
    let feature = api.feature(id, mia).await;
    let mut booked = Vec::new();
    for family in [ashdowns, okafors, lees, patels] {
        let (status, body) = api.book(id, family).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        booked.push(body);
    }
    let first = &booked[0];
    assert_eq!(
        booked
            .iter()
            .map(|b| b["state"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["booked", "booked", "waiting", "waiting"]
    );

    // A cancelled place goes to the first family waiting.
    let cancel = format!("/events/{id}/bookings/{}/cancel", first["id"]);
    let (status, body) = api.post(SOUTH_WORKER, &cancel, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"id": first["id"], "cancelled": true}));
    let again = api.post(SOUTH_WORKER, &cancel, json!({})).await;
    assert_eq!(refusal(&again), (StatusCode::CONFLICT, "already_cancelled"));
    let (_, page) = api.get(SOUTH_WORKER, &format!("/events/{id}")).await;
    let states: Vec<(&str, &str, Value)> = page["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["family"].as_str().unwrap(),
                b["state"].as_str().unwrap(),
                b["position"].clone(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("Ada", "booked", Value::Null),
            ("Sam and Jo", "booked", Value::Null),
            ("Priya", "waiting", json!(1))
        ]
    );

    // The organisers change the details: fewer places than families booked is refused, more
    // places go to the families waiting.
    let event = format!("/events/{id}");
    let mut fewer = exchange_day(1);
    fewer["title"] = json!("Winter Exchange Day, Kendal");
    let (status, body) = api.call(FINDER, Method::PUT, &event, Some(fewer)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["household_places"]);
    let refused = api
        .call(SOUTH_WORKER, Method::PUT, &event, Some(exchange_day(3)))
        .await;
    assert_eq!(
        refusal(&refused),
        (StatusCode::FORBIDDEN, "not_on_the_register")
    );
    let mut more = exchange_day(3);
    more["title"] = json!("Winter Exchange Day, Kendal");
    let (status, page) = api.call(FINDER, Method::PUT, &event, Some(more)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["title"], "Winter Exchange Day, Kendal");
    assert_eq!(
        (page["booked"].as_i64(), page["waiting"].as_i64()),
        (Some(3), Some(0))
    );

    // Another agency cannot take Mia off the event; her agency can.
    let withdraw = format!("/events/{id}/children/{feature}/withdraw");
    let refused = api.post(SOUTH_WORKER, &withdraw, json!({})).await;
    assert_eq!(refusal(&refused), (StatusCode::NOT_FOUND, "not_found"));
    let (status, body) = api.post(NORTH_WORKER, &withdraw, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"id": feature, "withdrawn": true}));
    let (_, page) = api.get(FINDER, &event).await;
    assert_eq!(page["children"], json!([]));

    // Calling the event off needs a reason, which the families are told.
    let status_path = format!("/events/{id}/status");
    let (status, body) = api
        .post(FINDER, &status_path, json!({"step": "cancel"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&body), ["reason"]);
    let (status, body) = api
        .post(
            FINDER,
            &status_path,
            json!({"step": "cancel", "reason": "The venue flooded."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");
    let (_, page) = api.get(SOUTH_WORKER, &event).await;
    assert_eq!(page["cancel_reason"], "The venue flooded.");
    let late = api.book(id, ashdowns).await;
    assert_eq!(refusal(&late), (StatusCode::CONFLICT, "event_finished"));
    let missing = api.get(FINDER, "/events/999999").await;
    assert_eq!(refusal(&missing), (StatusCode::NOT_FOUND, "not_found"));
}
