//! Adoption Exchange Days and Activity Days in the JSON API, for agencies' case systems acting
//! for a named member of staff (see [`crate::api::ApiPerson`]); adopters have no API. The same
//! store calls as the pages make: the policy decides who runs an event, features a child or
//! books a family; the event's life cycle decides what may happen when, and its refusals carry
//! the stable codes of [`kinlink_domain::event::EventRuleBroken`]. Interest recorded on the day
//! becomes a link through [`kinlink_store::Store::request_link`], so it obeys every link rule
//! and is refused with the links' codes. Nothing here decides access.

use crate::AppState;
use crate::api::{ApiError, ApiPerson};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kinlink_domain::child::Problem;
use kinlink_domain::event::{EventDetails, EventKind, EventStep, TimeOfDay};
use kinlink_domain::link::Side;
use kinlink_domain::policy::Action;
use kinlink_domain::profile::CivilDate;
use kinlink_store::{Booking, Event, EventView, EventViewer, FeaturedChild, LinkSource, NewLink};
use serde_json::{Value, json};

fn looking(p: &ApiPerson) -> EventViewer<'_> {
    EventViewer {
        viewer: p.viewer(),
        household: None,
    }
}

fn text<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn invalid(field: &'static str, message: &str) -> ApiError {
    ApiError::Invalid(vec![Problem::new(field, message)])
}

/// The id of a record named in the body, or a problem naming the field.
fn id_in(body: &Value, key: &'static str, what: &str) -> Result<i64, ApiError> {
    body.get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid(key, &format!("{key} must be the id of {what}")))
}

/// The codes a caller may send, for the message refusing anything else.
fn codes(all: &[&str]) -> String {
    match all.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => all.join(""),
    }
}

/// Notes `value` as a problem with `field` if it could not be read.
fn read<T>(
    problems: &mut Vec<Problem>,
    field: &'static str,
    value: Option<T>,
    message: impl Into<String>,
) -> Option<T> {
    if value.is_none() {
        problems.push(Problem::new(field, message));
    }
    value
}

/// An event's details from a request body, or a problem for each value that cannot be read.
/// Whether the details make sense (a title, a future date, a deadline before the day…) is
/// [`EventDetails::problems`], which the store asks.
fn details_of(body: &Value) -> Result<EventDetails, ApiError> {
    let mut problems = Vec::new();
    let p = &mut problems;
    let kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
    let kind = read(
        p,
        "kind",
        EventKind::parse(text(body, "kind")),
        format!("kind must be {}", codes(&kinds)),
    );
    let date_of = |key| CivilDate::parse_iso(text(body, key));
    let date = read(
        p,
        "date",
        date_of("date"),
        "date must be a date, YYYY-MM-DD",
    );
    let time_of = |key| TimeOfDay::parse(text(body, key));
    let starts = read(
        p,
        "starts",
        time_of("starts"),
        "starts must be a time of day, HH:MM",
    );
    let ends = read(
        p,
        "ends",
        time_of("ends"),
        "ends must be a time of day, HH:MM",
    );
    let online = read(
        p,
        "online",
        match body.get("online") {
            None | Some(Value::Null) => Some(false),
            Some(v) => v.as_bool(),
        },
        "online must be true or false",
    );
    let places_of = |key| {
        body.get(key)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let household_places = read(
        p,
        "household_places",
        places_of("household_places"),
        "household_places must be a whole number",
    );
    let child_places = read(
        p,
        "child_places",
        places_of("child_places"),
        "child_places must be a whole number",
    );
    let booking_deadline = read(
        p,
        "booking_deadline",
        date_of("booking_deadline"),
        "booking_deadline must be a date, YYYY-MM-DD",
    );
    match (
        kind,
        date,
        starts,
        ends,
        online,
        household_places,
        child_places,
        booking_deadline,
    ) {
        (
            Some(kind),
            Some(date),
            Some(starts),
            Some(ends),
            Some(online),
            Some(household_places),
            Some(child_places),
            Some(booking_deadline),
        ) => Ok(EventDetails {
            kind,
            title: text(body, "title").trim().to_owned(),
            date,
            starts,
            ends,
            online,
            venue: text(body, "venue").trim().to_owned(),
            region: text(body, "region").trim().to_owned(),
            household_places,
            child_places,
            booking_deadline,
            description: text(body, "description").trim().to_owned(),
        }),
        _ => Err(ApiError::Invalid(problems)),
    }
}

fn event_json(e: &Event, today: CivilDate) -> Value {
    let d = &e.details;
    json!({
        "id": e.id,
        "kind": d.kind.as_str(),
        "title": d.title,
        "date": d.date.to_string(),
        "starts": d.starts.to_string(),
        "ends": d.ends.to_string(),
        "online": d.online,
        "venue": d.venue,
        "region": d.region,
        "household_places": d.household_places,
        "child_places": d.child_places,
        "booking_deadline": d.booking_deadline.to_string(),
        "description": d.description,
        "status": e.status.as_str(),
        "cancel_reason": e.cancel_reason,
        "organiser": {"id": e.organiser_agency_id, "name": e.organiser},
        "booked": e.booked,
        "waiting": e.waiting,
        "places_left": e.places_left(),
        "child_places_taken": e.child_places_taken,
        "bookings_open": e.bookings_open(today),
        "updated_at": e.updated_at,
    })
}

fn child_json(c: &FeaturedChild) -> Value {
    json!({
        "id": c.id,
        "child_profile_id": c.profile.id,
        "title": c.profile.title(),
        "children": c.profile.children.iter()
            .map(|child| json!({"alias": child.alias, "age": child.age.to_string()}))
            .collect::<Vec<_>>(),
        "places": c.places,
        "support_note": c.support_note,
        "may_withdraw": c.may_withdraw,
    })
}

fn booking_json(b: &Booking) -> Value {
    json!({
        "id": b.id,
        "household_id": b.household_id,
        "family": b.family,
        "agency": b.agency,
        "state": b.state.as_str(),
        "position": b.position,
        "attended": b.attended,
        "your_agency": b.theirs,
        "may_cancel": b.may_cancel,
    })
}

/// An event as its page shows it: the event, who is there, what came of it, and for those who
/// run it the steps they could take now.
fn view_json(v: &EventView, today: CivilDate) -> Value {
    let mut body = event_json(&v.event, today);
    let steps: Vec<&str> = if v.manages {
        v.event.status.steps().iter().map(|s| s.as_str()).collect()
    } else {
        Vec::new()
    };
    let o = &v.outcomes;
    if let Some(obj) = body.as_object_mut() {
        obj.insert("manages".into(), json!(v.manages));
        obj.insert("steps".into(), json!(steps));
        obj.insert(
            "children".into(),
            json!(v.children.iter().map(child_json).collect::<Vec<_>>()),
        );
        obj.insert(
            "bookings".into(),
            json!(v.bookings.iter().map(booking_json).collect::<Vec<_>>()),
        );
        obj.insert(
            "outcomes".into(),
            json!({
                "children_featured": o.children_featured,
                "families_booked": o.families_booked,
                "families_attended": o.families_attended,
                "links_started": o.links_started,
                "links_matched": o.links_matched,
            }),
        );
    }
    body
}

/// The event as the person sees it now (the view is audited, as every event page is).
async fn seen(state: &AppState, p: &ApiPerson, id: i64) -> Result<Value, ApiError> {
    let view = state.store.event(&p.who(), looking(p), id).await?;
    Ok(view_json(&view, state.store.today()))
}

/// `GET /events`: the events the person may see, soonest first; drafts only for those who run
/// them.
pub async fn list(State(state): State<AppState>, p: ApiPerson) -> Result<Json<Value>, ApiError> {
    let events = state.store.events(&p.who(), p.actor()).await?;
    let today = state.store.today();
    Ok(Json(
        json!({"events": events.iter().map(|e| event_json(e, today)).collect::<Vec<_>>()}),
    ))
}

/// `POST /events`: a draft organised by the person's agency.
pub async fn create(
    State(state): State<AppState>,
    p: ApiPerson,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let details = details_of(&body)?;
    let id = state
        .store
        .create_event(&p.who(), p.actor(), &details)
        .await?;
    Ok((StatusCode::CREATED, Json(seen(&state, &p, id).await?)).into_response())
}

/// `GET /events/{id}`: the event with its children, bookings and outcomes.
pub async fn show(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(seen(&state, &p, id).await?))
}

/// `PUT /events/{id}`: new details, the same body as to create one.
pub async fn update(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let details = details_of(&body)?;
    state
        .store
        .edit_event(&p.who(), p.actor(), id, &details)
        .await?;
    Ok(Json(seen(&state, &p, id).await?))
}

/// `POST /events/{id}/status`: `{"step", "reason"}`; cancelling needs the reason, which the
/// families booked are told.
pub async fn change_status(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let step = EventStep::parse(text(&body, "step")).ok_or_else(|| {
        let steps: Vec<&str> = EventStep::ALL.iter().map(|s| s.as_str()).collect();
        invalid("step", &format!("step must be {}", codes(&steps)))
    })?;
    let next = state
        .store
        .change_event_status(&p.who(), p.actor(), id, step, text(&body, "reason"))
        .await?;
    Ok(Json(json!({"id": id, "status": next.as_str()})))
}

/// `POST /events/{id}/children`: `{"child_profile_id", "support_note"}`.
pub async fn feature(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let child = id_in(&body, "child_profile_id", "a child's profile")?;
    let feature = state
        .store
        .feature_child(&p.who(), p.viewer(), id, child, text(&body, "support_note"))
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": feature}))).into_response())
}

/// `POST /events/{id}/children/{feature}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, feature)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    state
        .store
        .withdraw_child(&p.who(), p.actor(), id, feature)
        .await?;
    Ok(Json(json!({"id": feature, "withdrawn": true})))
}

/// `POST /events/{id}/bookings`: `{"household_id"}`; a place, or the waiting list when the
/// places are taken.
pub async fn book(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let household = id_in(&body, "household_id", "a family's profile")?;
    let (booking, place) = state
        .store
        .book_family(&p.who(), looking(&p), id, household)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": booking, "state": place.as_str()})),
    )
        .into_response())
}

/// `POST /events/{id}/bookings/{booking}/cancel`: a place that comes free goes to the first
/// family waiting.
pub async fn cancel_booking(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, booking)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    state
        .store
        .cancel_booking(&p.who(), looking(&p), id, booking)
        .await?;
    Ok(Json(json!({"id": booking, "cancelled": true})))
}

/// `POST /events/{id}/bookings/{booking}/attendance`: `{"attended": bool}`, on the day or after.
pub async fn attendance(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, booking)): Path<(i64, i64)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let attended = body
        .get("attended")
        .and_then(Value::as_bool)
        .ok_or_else(|| invalid("attended", "attended must be true or false"))?;
    state
        .store
        .record_attendance(&p.who(), p.actor(), id, booking, attended)
        .await?;
    Ok(Json(json!({"id": booking, "attended": attended})))
}

/// `POST /events/{id}/interest`: `{"child_profile_id", "household_id", "note", "confirmed"}`.
/// On the day or after, for a child at the event and a family booked there, the family's
/// interest becomes a link from the family's side; `confirmed` must be `true`, the confirmation
/// the page asks for that this is a genuine placement option.
pub async fn interest(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let child = id_in(&body, "child_profile_id", "a child's profile")?;
    let household = id_in(&body, "household_id", "a family's profile")?;
    let new = NewLink {
        child_profile_id: child,
        household_id: household,
        side: Side::Family,
        note: text(&body, "note").to_owned(),
        confirmed: body.get("confirmed").and_then(Value::as_bool) == Some(true),
        source: LinkSource::Event(id),
    };
    let link = state
        .store
        .request_link(&p.who(), p.viewer(), None, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": link}))).into_response())
}

/// `GET /matching/channels`: matches across the Register by where their link began, for
/// anyone who may see events.
pub async fn channels(
    State(state): State<AppState>,
    p: ApiPerson,
) -> Result<Json<Value>, ApiError> {
    let permit = p.authorize_audited(&state, Action::ViewEvents).await?;
    let m = state.store.matches_by_channel(&permit).await?;
    Ok(Json(json!({
        "online": m.online,
        "exchange_days": m.exchange_days,
        "activity_days": m.activity_days,
        "total": m.total(),
    })))
}
