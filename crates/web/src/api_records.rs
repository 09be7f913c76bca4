//! Requests for access to adoption records in the JSON API, for agencies' case systems acting
//! for a named member of staff (see [`crate::api::ApiPerson`]). The same calls as the pages
//! make: the store asks the policy who may take each step and the state machine whether it can
//! happen now, and refusals carry the stable codes of [`kinlink_domain::policy::Denied`] and
//! [`kinlink_domain::records_request::RecordsRuleBroken`].
//!
//! Handlers here parse, call the store and render; they decide nothing. In particular the
//! casework is rendered only when the store hands it out, and the locked record only to the
//! holder of an active grant; anyone without standing is told the request does not exist.

use crate::AppState;
use crate::api::{ApiError, ApiPerson};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kinlink_domain::Timestamp;
use kinlink_domain::child::Problem;
use kinlink_domain::policy::Standing;
use kinlink_domain::profile::CivilDate;
use kinlink_domain::records_request::{
    ApplicantType, Arrival, ContactMethod, GrantKind, IdentityMethod, RegisterCheck, RequestEvent,
    Venue, VetoCheck,
};
use kinlink_store::{
    Appointment, Casework, Grant, IdentityCheck, NewAppointment, NewCounsellingSession,
    NewDisclosure, NewRecordsRequest, NewReferral, RecordsTask, RequestStep, SeenRequest,
    StoreError,
};
use serde_json::{Value, json};

// ---- reading a body ---------------------------------------------------------------------------

fn text<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn flag(body: &Value, key: &str) -> bool {
    body.get(key).and_then(Value::as_bool) == Some(true)
}

fn invalid(field: &'static str, message: &str) -> ApiError {
    ApiError::Invalid(vec![Problem::new(field, message)])
}

/// The store's problem with `field` named by the key the caller sent instead, where the
/// store's form field and this API's key differ.
fn renamed(e: StoreError, field: &str, key: &'static str) -> StoreError {
    match e {
        StoreError::Invalid(problems) => StoreError::Invalid(
            problems
                .into_iter()
                .map(|problem| {
                    if problem.field == field {
                        Problem {
                            field: key,
                            ..problem
                        }
                    } else {
                        problem
                    }
                })
                .collect(),
        ),
        other => other,
    }
}

/// A body's fields read one by one; every problem of form (a date that is not a date, a code
/// that is not one of the list) is kept and named by its key, so a caller is told all at once.
/// Rules of content (an applicant under 18, a blank name) are the store's to judge.
struct Fields<'a> {
    body: &'a Value,
    problems: Vec<Problem>,
}

impl<'a> Fields<'a> {
    fn of(body: &'a Value) -> Self {
        Fields {
            body,
            problems: Vec::new(),
        }
    }

    fn text(&self, key: &str) -> String {
        text(self.body, key).to_owned()
    }

    /// A `YYYY-MM-DD` date, if given; one that is given but is no date is a problem.
    fn optional_date(&mut self, key: &'static str) -> Option<CivilDate> {
        let given = text(self.body, key).trim();
        if given.is_empty() {
            return None;
        }
        let date = CivilDate::parse_iso(given);
        if date.is_none() {
            self.problems.push(Problem::new(
                key,
                format!("{key} must be a date, YYYY-MM-DD"),
            ));
        }
        date
    }

    fn date(&mut self, key: &'static str) -> Option<CivilDate> {
        if text(self.body, key).trim().is_empty() {
            self.problems.push(Problem::new(
                key,
                format!("{key} must be a date, YYYY-MM-DD"),
            ));
            return None;
        }
        self.optional_date(key)
    }

    /// One of a coded list, if given.
    fn optional_code<T: Copy>(
        &mut self,
        key: &'static str,
        all: &[T],
        code: fn(T) -> &'static str,
    ) -> Option<T> {
        let given = text(self.body, key).trim();
        if given.is_empty() {
            return None;
        }
        let found = all.iter().copied().find(|t| code(*t) == given);
        if found.is_none() {
            let codes: Vec<&str> = all.iter().map(|t| code(*t)).collect();
            self.problems.push(Problem::new(
                key,
                format!("{key} must be one of {}", codes.join(", ")),
            ));
        }
        found
    }

    fn code<T: Copy>(
        &mut self,
        key: &'static str,
        all: &[T],
        code: fn(T) -> &'static str,
    ) -> Option<T> {
        if text(self.body, key).trim().is_empty() {
            let codes: Vec<&str> = all.iter().map(|t| code(*t)).collect();
            self.problems.push(Problem::new(
                key,
                format!("{key} must be one of {}", codes.join(", ")),
            ));
            return None;
        }
        self.optional_code(key, all, code)
    }

    fn integer(&mut self, key: &'static str, what: &str) -> Option<i64> {
        let found = self.body.get(key).and_then(Value::as_i64);
        if found.is_none() {
            self.problems
                .push(Problem::new(key, format!("{key} must be {what}")));
        }
        found
    }

    /// The values read, or every problem found. `parsed` is `Some` whenever nothing was wrong.
    fn finish<T>(self, parsed: Option<T>) -> Result<T, ApiError> {
        match parsed {
            Some(value) if self.problems.is_empty() => Ok(value),
            _ => Err(ApiError::Invalid(self.problems)),
        }
    }
}

// ---- rendering ------------------------------------------------------------------------------

fn standing_code(standing: Standing) -> &'static str {
    match standing {
        Standing::BusinessSupport => "business_support",
        Standing::Manager { .. } => "manager",
        Standing::Worker => "worker",
    }
}

/// A request as JSON: its details and how the caller stands to it. The one rendering of a
/// request; [`show`] adds what hangs off it.
fn request_json(seen: &SeenRequest) -> Value {
    let r = &seen.request;
    let identity = r.identity_method.map(|m| {
        json!({
            "method": m.as_str(),
            "checked_by": r.identity_checked_by_name,
            "checked_on": r.identity_checked_on,
        })
    });
    let representative = (!r.representative_name.is_empty()).then(|| {
        json!({
            "name": r.representative_name,
            "relationship": r.representative_relationship,
            "authority_proof": r.authority_proof,
        })
    });
    json!({
        "id": r.id,
        "state": r.state.as_str(),
        "state_label": r.state.label(),
        "regime": r.regime.as_str(),
        "regime_label": r.regime.label(),
        "regime_rule": r.regime.rule(),
        "applicant": {
            "type": r.applicant_type.as_str(),
            "name": r.applicant_name,
            "born_on": r.applicant_born_on,
            "email": r.applicant_email,
            "phone": r.applicant_phone,
            "address": r.applicant_address,
            "contact_method": r.contact_method.as_str(),
            "identity": identity,
            "representative": representative,
        },
        "adoption": {
            "birth_name": r.birth_name,
            "adopted_person_born_on": r.adopted_person_born_on,
            "adopted_on": r.adopted_on,
            "court": r.court,
            "adoption_agency": r.adoption_agency,
        },
        "arrival": r.arrival.as_str(),
        "received_on": r.received_on,
        "recorded_by": r.recorded_by_name,
        "worker": r.worker_id.map(|id| json!({"id": id, "name": r.worker_name})),
        "intermediary_required": r.intermediary_required,
        "outcome_note": r.outcome_note,
        "case_reference": r.case_reference,
        "standing": standing_code(seen.standing),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "closed_at": r.closed_at,
    })
}

fn grant_json(g: &Grant, now: Timestamp) -> Value {
    json!({
        "id": g.id,
        "kind": g.kind,
        "user": {"id": g.user_id, "name": g.user_name},
        "granted_by": g.granted_by_name,
        "reason": g.reason,
        "starts_at": g.starts_at,
        "expires_at": g.expires_at,
        "revoked_at": g.revoked_at,
        "revoke_reason": g.revoke_reason,
        "active": g.is_active(now),
    })
}

fn task_json(t: &RecordsTask) -> Value {
    json!({
        "id": t.id,
        "request_id": t.request_id,
        "kind": t.kind,
        "label": t.label(),
        "role": t.role,
        "due_at": t.due_at,
        "created_at": t.created_at,
        "done_at": t.done_at,
        "escalated_at": t.escalated_at,
    })
}

fn appointment_json(a: &Appointment) -> Value {
    json!({
        "id": a.id,
        "request_id": a.request_id,
        "starts_at": a.starts_at,
        "minutes": a.minutes,
        "venue": a.venue,
        "place": a.place,
        "counsellor": a.counsellor,
        "sequence": a.sequence,
        "invited_at": a.invited_at,
        "cancelled_at": a.cancelled_at,
    })
}

fn casework_json(c: &Casework) -> Value {
    json!({
        "sessions": c.sessions.iter().map(|s| json!({
            "id": s.id,
            "appointment_id": s.appointment_id,
            "held_on": s.held_on,
            "attended": s.attended,
            "facts": s.facts,
            "opinion": s.opinion,
            "third_party": s.third_party,
            "signed_by": s.signed_by_name,
            "signed_at": s.signed_at,
        })).collect::<Vec<_>>(),
        "referrals": c.referrals.iter().map(|f| json!({
            "id": f.id,
            "organisation": f.organisation,
            "referred_on": f.referred_on,
            "reason": f.reason,
            "shared": f.shared,
            "agreement_received": f.agreement_received,
            "recorded_by": f.recorded_by_name,
        })).collect::<Vec<_>>(),
        "disclosures": c.disclosures.iter().map(|d| json!({
            "id": d.id,
            "referral_id": d.referral_id,
            "what": d.what,
            "to_whom": d.to_whom,
            "disclosed_on": d.disclosed_on,
            "birth_record_information": d.birth_record_information,
            "receipt_received_on": d.receipt_received_on,
            "recorded_by": d.recorded_by_name,
        })).collect::<Vec<_>>(),
        "intermediary": c.intermediary.as_ref().map(|i| json!({
            "opened_by": i.opened_by_name,
            "opened_at": i.opened_at,
            "veto_check": i.veto_check,
            "register_check": i.register_check,
            "subject_views": i.subject_views,
            "checks_recorded_at": i.checks_recorded_at,
            "tracing_started_at": i.tracing_started_at,
            "completed_at": i.completed_at,
            "outcome": i.outcome,
        })),
    })
}

// ---- requests -------------------------------------------------------------------------------

/// The requests the person stands on: all of the agency's for business support and managers,
/// their allocated ones for a social worker; most recently changed first.
pub async fn list(State(state): State<AppState>, p: ApiPerson) -> Result<Json<Value>, ApiError> {
    let requests = state
        .store
        .records_requests_for(&p.who(), p.actor())
        .await?;
    Ok(Json(json!({
        "requests": requests.iter().map(|r| json!({
            "id": r.id,
            "applicant_name": r.applicant_name,
            "state": r.state,
            "regime": r.regime,
            "received_on": r.received_on,
            "worker": r.worker_name,
            "updated_at": r.updated_at,
        })).collect::<Vec<_>>(),
    })))
}

/// Takes a request in: every field of the intake form, dates as `YYYY-MM-DD`. Identity may be
/// recorded now (`identity_method` and `identity_checked_on`) or later.
pub async fn create(
    State(state): State<AppState>,
    p: ApiPerson,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let mut f = Fields::of(&body);
    let applicant_type = f.code("applicant_type", ApplicantType::ALL, ApplicantType::as_str);
    let applicant_born_on = f.date("applicant_born_on");
    let contact_method = f.code("contact_method", ContactMethod::ALL, ContactMethod::as_str);
    let identity_method = f.optional_code(
        "identity_method",
        IdentityMethod::ALL,
        IdentityMethod::as_str,
    );
    let identity_checked_on = f.optional_date("identity_checked_on");
    let identity = match (identity_method, identity_checked_on) {
        (Some(method), Some(checked_on)) => Some(IdentityCheck { method, checked_on }),
        (Some(_), None) if text(&body, "identity_checked_on").trim().is_empty() => {
            f.problems.push(Problem::new(
                "identity_checked_on",
                "Enter the date identity was checked, YYYY-MM-DD",
            ));
            None
        }
        (None, Some(_)) => {
            f.problems.push(Problem::new(
                "identity_method",
                "Say how identity was checked, or leave the date out",
            ));
            None
        }
        _ => None,
    };
    let adopted_person_born_on = f.date("adopted_person_born_on");
    let adopted_on = f.date("adopted_on");
    let arrival = f.code("arrival", Arrival::ALL, Arrival::as_str);
    let received_on = f.date("received_on");
    let parsed = (|| {
        Some(NewRecordsRequest {
            applicant_type: applicant_type?,
            applicant_name: f.text("applicant_name"),
            applicant_born_on: applicant_born_on?,
            applicant_email: f.text("applicant_email"),
            applicant_phone: f.text("applicant_phone"),
            applicant_address: f.text("applicant_address"),
            contact_method: contact_method?,
            identity,
            representative_name: f.text("representative_name"),
            representative_relationship: f.text("representative_relationship"),
            authority_proof: f.text("authority_proof"),
            birth_name: f.text("birth_name"),
            adopted_person_born_on: adopted_person_born_on?,
            adopted_on: adopted_on?,
            court: f.text("court"),
            adoption_agency: f.text("adoption_agency"),
            arrival: arrival?,
            received_on: received_on?,
            case_reference: f.text("case_reference"),
        })
    })();
    let new = f.finish(parsed)?;
    let id = state
        .store
        .record_request(&p.who(), p.actor(), &new)
        .await?;
    let seen = state.store.records_request(&p.who(), p.actor(), id).await?;
    Ok((StatusCode::CREATED, Json(request_json(&seen))).into_response())
}

/// One request (the view is audited) with its history, grants, tasks and appointments, and
/// for the manager and the allocated worker only, the casework.
pub async fn show(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let seen = state.store.records_request(&p.who(), p.actor(), id).await?;
    let history = state.store.request_history(&seen).await?;
    let grants = state.store.request_grants(&seen).await?;
    let tasks = state.store.request_tasks(&seen).await?;
    let appointments = state.store.request_appointments(&seen).await?;
    let casework = if seen.standing.sees_casework() {
        Some(state.store.request_casework(&seen).await?)
    } else {
        None
    };
    let now = state.store.now();
    let mut body = request_json(&seen);
    if let Some(obj) = body.as_object_mut() {
        obj.insert(
            "history".into(),
            json!(history.iter().map(|h| json!({"event": h.event, "state": h.to_state, "note": h.note, "by": h.user_name, "at": h.at})).collect::<Vec<_>>()),
        );
        obj.insert(
            "grants".into(),
            json!(
                grants
                    .iter()
                    .map(|g| grant_json(g, now))
                    .collect::<Vec<_>>()
            ),
        );
        obj.insert(
            "tasks".into(),
            json!(tasks.iter().map(task_json).collect::<Vec<_>>()),
        );
        obj.insert(
            "appointments".into(),
            json!(
                appointments
                    .iter()
                    .map(appointment_json)
                    .collect::<Vec<_>>()
            ),
        );
        if let Some(casework) = &casework {
            obj.insert("casework".into(), casework_json(casework));
        }
    }
    Ok(Json(body))
}

/// The events taken through `/steps`; counselling and referrals have their own endpoints,
/// because they carry records of their own.
fn step_events() -> impl Iterator<Item = RequestEvent> {
    RequestEvent::ALL
        .iter()
        .copied()
        .filter(|e| !matches!(e, RequestEvent::Counsel | RequestEvent::RecordReferral))
}

/// The step a body asks for, and the key its text was read from (so that the store's problem
/// with "the reason" is named by the key the caller sent).
fn step_of(body: &Value) -> Result<(RequestStep, &'static str), ApiError> {
    let code = text(body, "event");
    let said = |key: &str| text(body, key).to_owned();
    let event = RequestEvent::parse(code).filter(|e| step_events().any(|s| s == *e));
    let Some(event) = event else {
        let codes: Vec<&str> = step_events().map(RequestEvent::as_str).collect();
        let elsewhere = match RequestEvent::parse(code) {
            Some(RequestEvent::Counsel) => {
                " (counselling is recorded through /appointments and /sessions)"
            }
            Some(RequestEvent::RecordReferral) => " (referrals are recorded through /referrals)",
            _ => "",
        };
        return Err(ApiError::Rule(
            "unknown_event",
            format!("event must be one of {}{elsewhere}", codes.join(", ")),
        ));
    };
    Ok(match event {
        RequestEvent::SendForApproval => (RequestStep::SendForApproval, "event"),
        RequestEvent::Approve => (RequestStep::Approve { note: said("note") }, "note"),
        RequestEvent::Decline => (
            RequestStep::Decline {
                reason: said("reason"),
            },
            "reason",
        ),
        RequestEvent::Allocate => {
            let worker = body.get("worker").and_then(Value::as_i64).ok_or_else(|| {
                invalid(
                    "worker",
                    "worker must be the id of a social worker of your agency",
                )
            })?;
            (RequestStep::Allocate { worker }, "worker")
        }
        RequestEvent::AuthoriseAccess => (
            RequestStep::AuthoriseAccess {
                reason: said("reason"),
            },
            "reason",
        ),
        RequestEvent::GrantArchiveAccess => (
            RequestStep::GrantArchiveAccess {
                reason: said("reason"),
            },
            "reason",
        ),
        RequestEvent::OpenIntermediary => (RequestStep::OpenIntermediary, "event"),
        RequestEvent::CompleteIntermediary => (
            RequestStep::CompleteIntermediary {
                outcome: said("outcome"),
            },
            "outcome",
        ),
        RequestEvent::SupportExternalAccess => (
            RequestStep::SupportExternalAccess { note: said("note") },
            "note",
        ),
        RequestEvent::Close => (
            RequestStep::Close {
                summary: said("summary"),
            },
            "summary",
        ),
        RequestEvent::Withdraw => (
            RequestStep::Withdraw {
                reason: said("reason"),
            },
            "reason",
        ),
        RequestEvent::Reopen => (
            RequestStep::Reopen {
                reason: said("reason"),
            },
            "reason",
        ),
        // Filtered out above.
        RequestEvent::Counsel | RequestEvent::RecordReferral => {
            return Err(ApiError::Rule("unknown_event", code.to_owned()));
        }
    })
}

/// Moves a request on: `{"event": …}` with the text the step takes (`note` to approve or to
/// support external access, `reason` to decline, authorise, give archive access, withdraw or
/// reopen, `outcome` to complete the intermediary record, `summary` to close) or `worker` to
/// allocate.
pub async fn step(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let (step, key) = step_of(&body)?;
    let next = state
        .store
        .request_step(&p.who(), p.actor(), id, &step)
        .await
        .map_err(|e| renamed(e, "reason", key))?;
    Ok(Json(json!({"id": id, "state": next.as_str()})))
}

/// Records (or corrects) how identity was checked: `{method, checked_on, authority_proof}`.
pub async fn identity(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let mut f = Fields::of(&body);
    let method = f.code("method", IdentityMethod::ALL, IdentityMethod::as_str);
    let checked_on = f.date("checked_on");
    let (method, checked_on) = f.finish(method.zip(checked_on))?;
    let check = IdentityCheck { method, checked_on };
    state
        .store
        .record_identity(
            &p.who(),
            p.actor(),
            id,
            check,
            text(&body, "authority_proof"),
        )
        .await
        .map_err(|e| renamed(e, "identity_checked_on", "checked_on"))?;
    Ok(Json(json!({
        "id": id,
        "identity": {"method": check.method.as_str(), "checked_on": check.checked_on.to_string()},
    })))
}

// ---- counselling ----------------------------------------------------------------------------

/// Arranges a counselling appointment. `starts_at` is Unix seconds, like every time the API
/// gives back.
pub async fn arrange(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let mut f = Fields::of(&body);
    let starts_at = f.integer("starts_at", "a time in Unix seconds");
    let minutes = f.integer("minutes", "a number of minutes");
    let venue = f.code("venue", Venue::ALL, Venue::as_str);
    let parsed = (|| {
        Some(NewAppointment {
            starts_at: starts_at?,
            minutes: minutes?,
            venue: venue?,
            place: f.text("place"),
            counsellor: f.text("counsellor"),
        })
    })();
    let new = f.finish(parsed)?;
    let appointment = state
        .store
        .arrange_appointment(&p.who(), p.actor(), id, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": appointment}))).into_response())
}

pub async fn cancel_appointment(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, appointment)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    state
        .store
        .cancel_appointment(&p.who(), p.actor(), id, appointment)
        .await?;
    Ok(Json(json!({"id": appointment, "cancelled": true})))
}

/// E-mails the appointment's invitation, with its calendar file, to the applicant.
pub async fn email_invitation(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, appointment)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    crate::pages::records::email_invitation(&state, &p.who(), p.actor(), id, appointment).await?;
    Ok(Json(json!({"id": appointment, "invited": true})))
}

/// The appointment as a calendar file, for the worker to send or import. Seeing the request
/// first audits the view.
pub async fn invitation(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, appointment)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let seen = state.store.records_request(&p.who(), p.actor(), id).await?;
    let appointment = state.store.appointment_for(&seen, appointment).await?;
    let organiser = match &seen.request.worker_name {
        Some(worker) => format!("{worker}, {}", p.agency.name),
        None => p.agency.name.clone(),
    };
    let ics =
        crate::pages::records::appointment_ics(&appointment, &organiser, None, state.store.now());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"counselling-{}.ics\"",
                    appointment.id
                ),
            ),
        ],
        ics,
    )
        .into_response())
}

/// Records a counselling session, signed by the worker (`signed` must be true).
pub async fn session(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let mut f = Fields::of(&body);
    let held_on = f.date("held_on");
    let appointment_id = match body.get("appointment_id") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let found = v.as_i64();
            if found.is_none() {
                f.problems.push(Problem::new(
                    "appointment_id",
                    "appointment_id must be the id of one of this case's appointments",
                ));
            }
            found
        }
    };
    let parsed = held_on.map(|held_on| NewCounsellingSession {
        appointment_id,
        held_on,
        attended: flag(&body, "attended"),
        facts: f.text("facts"),
        opinion: f.text("opinion"),
        third_party: f.text("third_party"),
        signed: flag(&body, "signed"),
    });
    let new = f.finish(parsed)?;
    let session = state
        .store
        .record_session(&p.who(), p.actor(), id, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": session}))).into_response())
}

// ---- referrals, disclosures and the intermediary record -------------------------------------

pub async fn referral(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let mut f = Fields::of(&body);
    let referred_on = f.date("referred_on");
    let parsed = referred_on.map(|referred_on| NewReferral {
        organisation: f.text("organisation"),
        referred_on,
        reason: f.text("reason"),
        shared: f.text("shared"),
        shared_birth_record_information: flag(&body, "shared_birth_record_information"),
        agreement_received: flag(&body, "agreement_received"),
    });
    let new = f.finish(parsed)?;
    let referral = state
        .store
        .record_referral(&p.who(), p.actor(), id, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": referral}))).into_response())
}

/// The external service's confidentiality agreement arrived.
pub async fn agreement(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, referral)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    state
        .store
        .record_agreement(&p.who(), p.actor(), id, referral)
        .await?;
    Ok(Json(json!({"id": referral, "agreement_received": true})))
}

pub async fn disclosure(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let mut f = Fields::of(&body);
    let disclosed_on = f.date("disclosed_on");
    let parsed = disclosed_on.map(|disclosed_on| NewDisclosure {
        what: f.text("what"),
        to_whom: f.text("to_whom"),
        disclosed_on,
        birth_record_information: flag(&body, "birth_record_information"),
    });
    let new = f.finish(parsed)?;
    let disclosure = state
        .store
        .record_disclosure(&p.who(), p.actor(), id, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": disclosure}))).into_response())
}

/// The receipt for a disclosure came back (dated today).
pub async fn receipt(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, disclosure)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    state
        .store
        .record_receipt(&p.who(), p.actor(), id, disclosure)
        .await?;
    Ok(Json(json!({"id": disclosure, "receipt_received": true})))
}

/// The checks before any tracing: `{veto, register, subject_views}`. An absolute veto
/// completes the intermediary record, so the answer gives the request's state.
pub async fn intermediary_checks(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let mut f = Fields::of(&body);
    let veto = f.code("veto", VetoCheck::ALL, VetoCheck::as_str);
    let register = f.code("register", RegisterCheck::ALL, RegisterCheck::as_str);
    let (veto, register) = f.finish(veto.zip(register))?;
    let next = state
        .store
        .record_intermediary_checks(
            &p.who(),
            p.actor(),
            id,
            veto,
            register,
            text(&body, "subject_views"),
        )
        .await?;
    Ok(Json(json!({"id": id, "state": next.as_str()})))
}

pub async fn tracing(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    state.store.start_tracing(&p.who(), p.actor(), id).await?;
    Ok(Json(json!({"id": id, "tracing_started": true})))
}

// ---- grants and the locked record -----------------------------------------------------------

/// The manager renews a grant for another period from now.
pub async fn renew(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, grant)): Path<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    state
        .store
        .change_grant(&p.who(), p.actor(), id, grant, None)
        .await?;
    Ok(Json(json!({"id": grant, "renewed": true})))
}

/// The manager revokes a grant: `{reason}`.
pub async fn revoke(
    State(state): State<AppState>,
    p: ApiPerson,
    Path((id, grant)): Path<(i64, i64)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    state
        .store
        .change_grant(&p.who(), p.actor(), id, grant, Some(text(&body, "reason")))
        .await?;
    Ok(Json(json!({"id": grant, "revoked": true})))
}

#[derive(serde::Deserialize)]
pub struct LockedQuery {
    #[serde(default)]
    kind: String,
}

/// The locked record, as much as the caller's own active grant of `kind` opens (the case
/// record's contents, or where the archived file is). Without one: "not found", and the
/// attempt is logged for the manager.
/// The grant holder records what the locked record holds: with `kind=locked_record`,
/// `{birth_mother, birth_father, birth_registration, case_summary}`; with `kind=archive`,
/// `{archive_reference, archive_location}`. Without the holder's own active grant: 404.
pub async fn record_locked_record(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Query(q): Query<LockedQuery>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let kind = match q.kind.as_str() {
        "" => GrantKind::LockedRecord,
        code => GrantKind::parse(code)
            .ok_or_else(|| invalid("kind", "kind must be one of locked_record, archive"))?,
    };
    let fields = match kind {
        GrantKind::LockedRecord => [
            text(&body, "birth_mother"),
            text(&body, "birth_father"),
            text(&body, "birth_registration"),
            text(&body, "case_summary"),
        ],
        GrantKind::Archive => [
            text(&body, "archive_reference"),
            text(&body, "archive_location"),
            "",
            "",
        ],
    };
    state
        .store
        .record_case_file(&p.who(), p.actor(), id, kind, fields)
        .await?;
    Ok(Json(json!({"kind": kind.as_str(), "saved": true})))
}

pub async fn locked_record(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Query(q): Query<LockedQuery>,
) -> Result<Json<Value>, ApiError> {
    let kind = match q.kind.as_str() {
        "" => GrantKind::LockedRecord,
        code => GrantKind::parse(code)
            .ok_or_else(|| invalid("kind", "kind must be one of locked_record, archive"))?,
    };
    let record = state
        .store
        .read_locked_record(&p.who(), p.actor(), id, kind)
        .await?;
    let contents = match record.kind {
        GrantKind::LockedRecord => json!({
            "birth_mother": record.birth_mother,
            "birth_father": record.birth_father,
            "birth_registration": record.birth_registration,
            "case_summary": record.case_summary,
        }),
        GrantKind::Archive => json!({
            "archive_reference": record.archive_reference,
            "archive_location": record.archive_location,
        }),
    };
    let mut body = json!({
        "kind": record.kind.as_str(),
        "case_reference": record.case_reference,
        "grant_expires_at": record.grant_expires_at,
    });
    if let (Some(obj), Value::Object(contents)) = (body.as_object_mut(), contents) {
        obj.extend(contents);
    }
    Ok(Json(body))
}

/// Who read the locked record and when, refusals included, newest first: for the manager.
pub async fn view_log(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let views = state
        .store
        .locked_record_view_log(&p.who(), p.actor(), id)
        .await?;
    Ok(Json(json!({
        "views": views.iter().map(|v| json!({"by": v.user_name, "kind": v.kind, "allowed": v.allowed, "at": v.at})).collect::<Vec<_>>(),
    })))
}

/// Business support confirms the worker's archive access is closed after the case ended.
pub async fn archive_closed(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    state
        .store
        .confirm_archive_closed(&p.who(), p.actor(), id)
        .await?;
    Ok(Json(json!({"id": id, "archive_access_closed": true})))
}

// ---- the inbox ------------------------------------------------------------------------------

/// The person's open hand-over tasks, and their appointments in the next seven days.
pub async fn inbox(State(state): State<AppState>, p: ApiPerson) -> Result<Json<Value>, ApiError> {
    let inbox = state.store.records_inbox(p.actor()).await?;
    // The inbox names applicants: reading it is audited, as the list is.
    state
        .store
        .record(
            &p.who(),
            "records_request.inbox_viewed",
            "records_request",
            None::<i64>,
            Some(p.actor().agency_id),
            json!({"tasks": inbox.tasks.len(), "appointments": inbox.appointments.len()}),
        )
        .await?;
    Ok(Json(json!({
        "tasks": inbox.tasks.iter().map(|t| {
            let mut task = task_json(t);
            task["applicant_name"] = json!(t.applicant_name);
            task
        }).collect::<Vec<_>>(),
        "appointments": inbox.appointments.iter().map(|(a, applicant)| {
            let mut appointment = appointment_json(a);
            appointment["applicant_name"] = json!(applicant);
            appointment
        }).collect::<Vec<_>>(),
    })))
}
