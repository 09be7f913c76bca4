//! Links in the JSON API, for agencies' case systems acting for a named member of staff (see
//! [`crate::api::ApiPerson`]). The same calls as the pages make: the policy decides who takes
//! part, the life cycle what may happen, and refusals carry the stable codes of
//! [`kinlink_store::LinkRefusal`] and [`kinlink_domain::link::LinkRuleBroken`].

use crate::AppState;
use crate::api::{ApiError, ApiPerson};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kinlink_domain::child::Problem;
use kinlink_domain::link::{CloseReason, LinkEvent, LinkState, Side};
use kinlink_domain::policy::Viewer;
use kinlink_domain::profile::CivilDate;
use kinlink_store::{LinkChange, LinkSource, LinkViewer, NewLink, SeenLink};
use serde_json::{Value, json};

fn looking(p: &ApiPerson) -> LinkViewer {
    LinkViewer {
        actor: p.actor(),
        household: None,
    }
}

fn text<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn invalid(field: &'static str, message: &str) -> ApiError {
    ApiError::Invalid(vec![Problem::new(field, message)])
}

fn link_json(seen: &SeenLink) -> Value {
    let l = &seen.link;
    let (closure, reason) = match l.state {
        LinkState::Closed(c, r) => (Some(c.as_str()), Some(r.as_str())),
        _ => (None, None),
    };
    json!({
        "id": l.id,
        "state": l.state.code(),
        "closure": closure,
        "close_reason": reason,
        "feedback": l.feedback,
        "child_profile": {"id": l.child_profile_id, "children": l.children, "agency": {"id": l.child_agency_id, "name": l.child_agency_name}},
        "household": {"id": l.household_id, "name": l.household, "agency": {"id": l.household_agency_id, "name": l.household_agency_name}},
        "source": l.source.as_str(),
        "event_id": l.source.event(),
        "started_by": l.started_by.as_str(),
        "requested_by": l.requested_by_name,
        "request_note": l.request_note,
        "your_side": seen.party.side().as_str(),
        "waiting_on": l.waiting_on().map(Side::as_str),
        "deadline_at": l.deadline_at,
        "expires_at": l.expires_at,
        "escalated_at": l.escalated_at,
        "assigned_to": l.assigned_to_name,
        "panel_date": l.panel_date,
        "created_at": l.created_at,
        "updated_at": l.updated_at,
        "closed_at": l.closed_at,
    })
}

/// The person's links, most recently changed first.
pub async fn list(State(state): State<AppState>, p: ApiPerson) -> Result<Json<Value>, ApiError> {
    let links = state.store.links_for(looking(&p)).await?;
    Ok(Json(
        json!({"links": links.iter().map(link_json).collect::<Vec<_>>()}),
    ))
}

/// One link with its history and the messages the person may read; the view is audited.
pub async fn show(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let seen = state.store.link(looking(&p), &p.who(), id).await?;
    let history = state.store.link_history(&seen).await?;
    let messages = state.store.link_messages(&seen).await?;
    let documents = state.store.link_documents(&seen).await?;
    let mut body = link_json(&seen);
    if let Some(obj) = body.as_object_mut() {
        obj.insert(
            "history".into(),
            json!(history.iter().map(|h| json!({"event": h.event, "state": h.to_state, "note": h.note, "by": h.user_name, "at": h.at})).collect::<Vec<_>>()),
        );
        obj.insert(
            "messages".into(),
            json!(messages.iter().map(|m| json!({"id": m.id, "reply_to": m.reply_to, "author": m.author_name, "body": m.body, "to_adopters": m.to_adopters, "at": m.created_at})).collect::<Vec<_>>()),
        );
        obj.insert(
            "documents".into(),
            json!(documents.iter().map(|d| json!({"id": d.id, "kind": d.kind, "title": d.title, "media_type": d.media_type, "size_bytes": d.size_bytes, "sha256": d.sha256, "uploaded_by": d.uploaded_by_name, "at": d.uploaded_at, "shared_with_adopters": d.shared_with_adopters})).collect::<Vec<_>>()),
        );
    }
    Ok(Json(body))
}

/// Asks to explore a link. `genuine_placement_option` must be `true`: the same confirmation
/// the page asks for.
pub async fn create(
    State(state): State<AppState>,
    p: ApiPerson,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let id_of = |key: &'static str| {
        body.get(key)
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid(key, &format!("{key} must be the id of a profile")))
    };
    let child = id_of("child_profile")?;
    let household = id_of("household")?;
    let side = Side::parse(text(&body, "side"))
        .ok_or_else(|| invalid("side", "side must be child or family"))?;
    let new = NewLink {
        child_profile_id: child,
        household_id: household,
        side,
        note: text(&body, "note").to_owned(),
        confirmed: body
            .get("genuine_placement_option")
            .and_then(Value::as_bool)
            == Some(true),
        source: LinkSource::Register,
    };
    let viewer = Viewer {
        actor: p.actor(),
        region: &p.agency.region,
        household_active: false,
        household_area: None,
    };
    let id = state
        .store
        .request_link(&p.who(), viewer, None, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

/// Moves a link on or closes it: `{"event": "consider" | "explore" | "proceed_to_match" |
/// "record_match" | "close", "reason", "feedback", "panel_date", "note"}`.
pub async fn change(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let event = match text(&body, "event") {
        "consider" => LinkEvent::Consider,
        "explore" => LinkEvent::Explore,
        "proceed_to_match" => LinkEvent::ProceedToMatch,
        "record_match" => LinkEvent::RecordMatch,
        "close" => LinkEvent::Close(CloseReason::parse(text(&body, "reason")).ok_or_else(|| {
            invalid("reason", "reason must be one of location, needs, family_circumstances, child_plan_changed, other_link_progressing, other")
        })?),
        _ => {
            return Err(invalid(
                "event",
                "event must be one of consider, explore, proceed_to_match, record_match, close",
            ));
        }
    };
    let panel_date = match body.get("panel_date").and_then(Value::as_str) {
        Some(d) => Some(
            CivilDate::parse_iso(d)
                .ok_or_else(|| invalid("panel_date", "panel_date must be a date, YYYY-MM-DD"))?,
        ),
        None => None,
    };
    let change = LinkChange {
        event,
        feedback: text(&body, "feedback").to_owned(),
        panel_date,
        note: text(&body, "note").to_owned(),
    };
    let next = state
        .store
        .change_link(&p.who(), looking(&p), id, &change)
        .await?;
    Ok(Json(json!({"id": id, "state": next.code()})))
}

/// Writes a message: `{"body", "to_adopters": bool, "reply_to": id}`.
pub async fn message(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let to_adopters = body.get("to_adopters").and_then(Value::as_bool) == Some(true);
    let reply_to = body.get("reply_to").and_then(Value::as_i64);
    let message = state
        .store
        .post_link_message(
            &p.who(),
            looking(&p),
            id,
            text(&body, "body"),
            to_adopters,
            reply_to,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": message}))).into_response())
}

#[derive(serde::Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    file_name: String,
}

/// Uploads a document: the file is the request body (its type is judged by content, whatever
/// `Content-Type` says); `kind`, `title` and `file_name` are query parameters.
pub async fn upload(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<UploadQuery>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    state.store.link(looking(&p), &p.who(), id).await?;
    match crate::pages::links::keep_document(
        &state,
        &p.who(),
        looking(&p),
        id,
        &q.kind,
        &q.title,
        &q.file_name,
        &body,
    )
    .await
    {
        Ok(document) => Ok((StatusCode::CREATED, Json(json!({"id": document}))).into_response()),
        Err(crate::pages::links::UploadRefused::Fields(problems)) => Err(ApiError::Invalid(
            problems
                .into_iter()
                .map(|(field, message)| Problem::new(field, &message))
                .collect(),
        )),
        Err(crate::pages::links::UploadRefused::Store(err)) => Err(err.into()),
        Err(crate::pages::links::UploadRefused::Failed(e)) => {
            Err(ApiError::Internal(e.to_string()))
        }
    }
}

/// Downloads a document (audited), if the person may read it now.
pub async fn download(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, doc)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    crate::pages::links::document_response(&state, &p.who(), looking(&p), id, doc)
        .await
        .map_err(|e| match e {
            crate::error::WebError::NotFound => ApiError::NotFound,
            crate::error::WebError::Forbidden(d) => ApiError::Forbidden(d),
            other => ApiError::Internal(other.to_string()),
        })
}

/// The adopters' worker shares a document with the adopters, or stops: `{"shared": bool}`.
pub async fn share(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, doc)): Path<(i64, i64)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let shared = body
        .get("shared")
        .and_then(Value::as_bool)
        .ok_or_else(|| invalid("shared", "shared must be true or false"))?;
    state
        .store
        .share_link_document(&p.who(), looking(&p), id, doc, shared)
        .await?;
    Ok(Json(json!({"id": doc, "shared_with_adopters": shared})))
}
