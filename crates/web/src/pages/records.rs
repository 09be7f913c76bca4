//! Requests for access to adoption records: the inbox and list, intake by business support,
//! and a request's page, where each person finds the step that is theirs — approval,
//! allocation and authorisation for the manager, archive access for business support, the
//! casework for the allocated worker — and the locked record itself, behind its grant.
//!
//! Handlers parse and render; the policy and the procedure's state machine decide, through the
//! store. A refused step shows the page again with the rule that was broken, and nothing
//! changes.

use super::{done, invalid, page, refusal_message, unprocessable};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::format::uk_time;
use crate::view::{Choice, Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kinlink_domain::calendar;
use kinlink_domain::policy::{RequestAct, may_record_request};
use kinlink_domain::profile::CivilDate;
use kinlink_domain::records_request::{
    ApplicantType, Arrival, CaseRecords, ContactMethod, GrantKind, IdentityMethod, Regime,
    RegisterCheck, RequestEvent, RequestState, Venue, VetoCheck, retained_until,
};
use kinlink_store::{
    Appointment, IdentityCheck, NewAppointment, NewCounsellingSession, NewDisclosure,
    NewRecordsRequest, NewReferral, RequestStep, SeenRequest, StoreError,
};
use serde::Deserialize;

/// A submitted form, kept as typed so it can be shown again with its errors.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Typed(Vec<(String, String)>);

impl Typed {
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }
    fn ticked(&self, key: &str) -> bool {
        !self.get(key).is_empty()
    }
    fn date(&self, errors: &mut FormErrors, key: &'static str, what: &str) -> Option<CivilDate> {
        let raw = self.get(key).trim();
        if raw.is_empty() {
            errors.add(key, format!("Enter {what}"));
            return None;
        }
        let parsed = CivilDate::parse_iso(raw);
        if parsed.is_none() {
            errors.add(
                key,
                format!(
                    "{} must be a real date, like 1984-03-27",
                    super::capitalised(what)
                ),
            );
        }
        parsed
    }
    fn choice<T: Copy>(
        &self,
        errors: &mut FormErrors,
        key: &'static str,
        what: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let parsed = parse(self.get(key));
        if parsed.is_none() {
            errors.add(key, format!("Choose {what}"));
        }
        parsed
    }
}

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|&v| Choice::new(code(v), label(v)))
        .collect()
}

fn problems_into(errors: &mut FormErrors, err: StoreError) -> Result<(), WebError> {
    match err {
        StoreError::Invalid(problems) => {
            for p in problems {
                errors.add(p.field, p.message);
            }
            Ok(())
        }
        other => {
            errors.add("request", refusal_message(other)?);
            Ok(())
        }
    }
}

// ---- the list and the inbox ---------------------------------------------------------------

pub struct TaskRow {
    pub request_id: i64,
    pub label: &'static str,
    pub applicant: String,
    pub due: String,
    pub overdue: bool,
    pub escalated: bool,
}

pub struct AppointmentRow {
    pub request_id: i64,
    pub applicant: String,
    pub when: String,
    pub venue: String,
}

pub struct RequestRow {
    pub id: i64,
    pub applicant: String,
    pub state: &'static str,
    pub regime: &'static str,
    pub received: String,
    pub worker: String,
}

#[derive(Template)]
#[template(path = "records.html")]
pub struct ListPage {
    c: Chrome,
    tasks: Vec<TaskRow>,
    appointments: Vec<AppointmentRow>,
    requests: Vec<RequestRow>,
    can_record: bool,
}

fn regime_label(code: &str) -> &'static str {
    [
        Regime::Before1975,
        Regime::PreCommencement,
        Regime::AgencyOnly,
    ]
    .into_iter()
    .find(|r| r.as_str() == code)
    .map_or("", Regime::label)
}

fn venue_text(a: &Appointment) -> String {
    let venue = Venue::parse(&a.venue).map_or("", Venue::label);
    if a.place.is_empty() {
        venue.to_owned()
    } else {
        format!("{venue}: {}", a.place)
    }
}

pub async fn list(State(state): State<AppState>, s: SignedIn) -> Result<Response, WebError> {
    let actor = s.actor();
    if !kinlink_domain::policy::works_on_records(actor.role) {
        return Err(WebError::NotFound);
    }
    let now = state.store.now();
    let inbox = state.store.records_inbox(actor).await?;
    let requests = state.store.records_requests_for(&s.who(), actor).await?;
    page(&ListPage {
        c: s.chrome("Records requests", "/records"),
        tasks: inbox
            .tasks
            .iter()
            .map(|t| TaskRow {
                request_id: t.request_id,
                label: t.label(),
                applicant: t.applicant_name.clone(),
                due: uk_time(t.due_at),
                overdue: t.due_at < now,
                escalated: t.escalated_at.is_some(),
            })
            .collect(),
        appointments: inbox
            .appointments
            .iter()
            .map(|(a, name)| AppointmentRow {
                request_id: a.request_id,
                applicant: name.clone(),
                when: uk_time(a.starts_at),
                venue: venue_text(a),
            })
            .collect(),
        requests: requests
            .into_iter()
            .map(|r| RequestRow {
                id: r.id,
                applicant: r.applicant_name,
                state: RequestState::parse(&r.state).map_or("", RequestState::label),
                regime: regime_label(&r.regime),
                received: r.received_on,
                worker: r.worker_name.unwrap_or_else(|| "Not allocated".into()),
            })
            .collect(),
        can_record: may_record_request(actor).is_ok(),
    })
}

// ---- intake -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "records_new.html")]
pub struct NewPage {
    c: Chrome,
    errors: FormErrors,
    f: Typed,
    applicant_types: Vec<Choice>,
    contact_methods: Vec<Choice>,
    identity_methods: Vec<Choice>,
    arrivals: Vec<Choice>,
}

fn new_page(s: &SignedIn, errors: FormErrors, f: Typed) -> NewPage {
    let mut identity_methods = vec![Choice::new("", "Not checked yet")];
    identity_methods.extend(choices(
        IdentityMethod::ALL,
        IdentityMethod::as_str,
        IdentityMethod::label,
    ));
    NewPage {
        c: s.chrome(
            "Record a request for access to adoption records",
            "/records",
        )
        .with_errors(&errors),
        errors,
        f,
        applicant_types: choices(
            ApplicantType::ALL,
            ApplicantType::as_str,
            ApplicantType::label,
        ),
        contact_methods: choices(
            ContactMethod::ALL,
            ContactMethod::as_str,
            ContactMethod::label,
        ),
        identity_methods,
        arrivals: choices(Arrival::ALL, Arrival::as_str, Arrival::label),
    }
}

pub async fn new_form(s: SignedIn) -> Result<Response, WebError> {
    may_record_request(s.actor())?;
    page(&new_page(&s, FormErrors::default(), Typed::default()))
}

fn parse_new(f: &Typed, errors: &mut FormErrors) -> Option<NewRecordsRequest> {
    let applicant_type = f.choice(
        errors,
        "applicant_type",
        "who is applying",
        ApplicantType::parse,
    );
    let applicant_born_on = f.date(errors, "applicant_born_on", "the applicant's date of birth");
    let contact_method = f.choice(
        errors,
        "contact_method",
        "how the applicant prefers to be contacted",
        ContactMethod::parse,
    );
    let identity = match f.get("identity_method") {
        "" => None,
        _ => {
            let method = f.choice(
                errors,
                "identity_method",
                "how identity was checked",
                IdentityMethod::parse,
            );
            let on = f.date(
                errors,
                "identity_checked_on",
                "the date identity was checked",
            );
            Some(method.zip(on))
        }
    };
    let adopted_person_born_on = f.date(
        errors,
        "adopted_person_born_on",
        "the adopted person's date of birth",
    );
    let adopted_on = f.date(errors, "adopted_on", "the date of the adoption order");
    let arrival = f.choice(errors, "arrival", "how the request arrived", Arrival::parse);
    let received_on = f.date(errors, "received_on", "the date the request arrived");
    let identity = match identity {
        None => None,
        Some(Some((method, checked_on))) => Some(IdentityCheck { method, checked_on }),
        Some(None) => return None,
    };
    Some(NewRecordsRequest {
        applicant_type: applicant_type?,
        applicant_name: f.get("applicant_name").to_owned(),
        applicant_born_on: applicant_born_on?,
        applicant_email: f.get("applicant_email").to_owned(),
        applicant_phone: f.get("applicant_phone").to_owned(),
        applicant_address: f.get("applicant_address").to_owned(),
        contact_method: contact_method?,
        identity,
        representative_name: f.get("representative_name").to_owned(),
        representative_relationship: f.get("representative_relationship").to_owned(),
        authority_proof: f.get("authority_proof").to_owned(),
        birth_name: f.get("birth_name").to_owned(),
        adopted_person_born_on: adopted_person_born_on?,
        adopted_on: adopted_on?,
        court: f.get("court").to_owned(),
        adoption_agency: f.get("adoption_agency").to_owned(),
        arrival: arrival?,
        received_on: received_on?,
        case_reference: f.get("case_reference").to_owned(),
    })
}

pub async fn new_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Form(f): Form<Typed>,
) -> Result<Response, WebError> {
    may_record_request(s.actor())?;
    let mut errors = FormErrors::default();
    if let Some(new) = parse_new(&f, &mut errors).filter(|_| errors.is_empty()) {
        match state.store.record_request(&s.who(), s.actor(), &new).await {
            Ok(id) => return Ok(done(&format!("/records/{id}?done=recorded"))),
            Err(err) => problems_into(&mut errors, err)?,
        }
    }
    invalid(&new_page(&s, errors, f))
}

// ---- a request's page ---------------------------------------------------------------------

pub struct Line {
    pub when: String,
    pub what: String,
    pub who: String,
}

pub struct GrantRow {
    pub id: i64,
    pub kind: &'static str,
    pub holder: String,
    pub by: String,
    pub reason: String,
    pub from: String,
    pub until: String,
    pub status: String,
    pub active: bool,
}

pub struct TaskLine {
    pub label: &'static str,
    pub due: String,
    pub done: bool,
    pub overdue: bool,
    pub escalated: bool,
}

pub struct AppointmentLine {
    pub id: i64,
    pub when: String,
    pub minutes: i64,
    pub venue: String,
    pub counsellor: String,
    pub invited: Option<String>,
    pub cancelled: bool,
}

#[derive(Template)]
#[template(path = "records_request.html")]
pub struct RequestPage {
    c: Chrome,
    errors: FormErrors,
    f: Typed,
    r: kinlink_store::RecordsRequest,
    state_label: &'static str,
    regime_label: &'static str,
    regime_rule: &'static str,
    retained: String,
    steps: Vec<(&'static str, &'static str)>,
    workers: Vec<Choice>,
    grants: Vec<GrantRow>,
    tasks: Vec<TaskLine>,
    appointments: Vec<AppointmentLine>,
    history: Vec<Line>,
    casework: Option<kinlink_store::Casework>,
    manager: bool,
    support: bool,
    worker: bool,
    open: bool,
    counselling_open: bool,
    referrals_open: bool,
    disclosures_open: bool,
    intermediary_open: bool,
    archive_to_close: bool,
    identity_methods: Vec<Choice>,
    venues: Vec<Choice>,
    vetoes: Vec<Choice>,
    register_checks: Vec<Choice>,
    appointment_choices: Vec<Choice>,
}

fn step_label(event: RequestEvent) -> &'static str {
    match event {
        RequestEvent::SendForApproval => "Send to the team manager for approval",
        RequestEvent::Approve => "Approve the request",
        RequestEvent::Decline => "Decline the request",
        RequestEvent::Allocate => "Allocate",
        RequestEvent::AuthoriseAccess => "Authorise access to the locked record",
        RequestEvent::GrantArchiveAccess => "Archive access given",
        RequestEvent::OpenIntermediary => "Open an intermediary record",
        RequestEvent::CompleteIntermediary => "Complete the intermediary record",
        RequestEvent::SupportExternalAccess => "Supporting the external service's access",
        RequestEvent::Close => "Close the case",
        RequestEvent::Withdraw => "The applicant has withdrawn",
        RequestEvent::Reopen => "Reopen the case",
        RequestEvent::Counsel | RequestEvent::RecordReferral => "",
    }
}

/// What a history line says, from its stored event code.
fn history_text(event: &str) -> String {
    match RequestEvent::parse(event) {
        Some(RequestEvent::Counsel) => "Counselling".into(),
        Some(RequestEvent::RecordReferral) => "Referral".into(),
        Some(e) => e.label().to_owned(),
        None => match event {
            "received" => "Request received".into(),
            "identity_verified" => "Identity verified".into(),
            "grant_renewed" | "grant_revoked" => "Access".into(),
            "archive_access_closed" => "Archive access closed".into(),
            "agreement_received" => "Referral".into(),
            "receipt_received" => "Disclosure".into(),
            "disclosure" => "Disclosure recorded".into(),
            "intermediary_checks" => "Intermediary checks".into(),
            "tracing_started" => "Intermediary record".into(),
            "invitation_sent" => "Counselling".into(),
            other => other.replace('_', " "),
        },
    }
}

async fn request_page(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    errors: FormErrors,
    f: Typed,
    notice: Option<String>,
) -> Result<RequestPage, WebError> {
    let seen = state.store.records_request(&s.who(), s.actor(), id).await?;
    let now = state.store.now();
    let settings = state.store.register_settings().await?;
    let history = state
        .store
        .request_history(&seen)
        .await?
        .into_iter()
        .map(|e| Line {
            when: uk_time(e.at),
            what: if e.note.is_empty() {
                history_text(&e.event)
            } else {
                format!("{}: {}", history_text(&e.event), e.note)
            },
            who: e.user_name.unwrap_or_else(|| "Kinlink".into()),
        })
        .collect();
    let grants = state
        .store
        .request_grants(&seen)
        .await?
        .into_iter()
        .map(|g| {
            let active = g.is_active(now);
            let status = match (g.revoked_at, active) {
                (Some(at), _) => format!(
                    "Revoked {}{}",
                    uk_time(at),
                    g.revoke_reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                ),
                (None, true) => "Active".into(),
                (None, false) if g.expires_at <= now => "Expired".into(),
                (None, false) => "Not yet started".into(),
            };
            GrantRow {
                id: g.id,
                kind: GrantKind::parse(&g.kind).map_or("", GrantKind::label),
                holder: g.user_name,
                by: g.granted_by_name,
                reason: g.reason,
                from: uk_time(g.starts_at),
                until: uk_time(g.expires_at),
                status,
                active,
            }
        })
        .collect();
    // Read once: the lines shown, and whether archive access waits to be confirmed closed.
    let raw_tasks = state.store.request_tasks(&seen).await?;
    let tasks = raw_tasks
        .iter()
        .map(|t| TaskLine {
            label: t.label(),
            due: uk_time(t.due_at),
            done: t.done_at.is_some(),
            overdue: t.done_at.is_none() && t.due_at < now,
            escalated: t.escalated_at.is_some(),
        })
        .collect::<Vec<_>>();
    let appointments_raw = state.store.request_appointments(&seen).await?;
    let casework = if seen.standing.sees_casework() {
        Some(state.store.request_casework(&seen).await?)
    } else {
        None
    };
    let SeenRequest {
        request: r,
        standing,
    } = &seen;
    // Offer each step the person may take and the procedure allows from here; the store
    // checks the records each step needs and explains what is missing.
    let hopeful = CaseRecords {
        regime: Some(r.regime),
        identity_verified: true,
        authority_missing: false,
        worker_allocated: r.worker_id.is_some(),
        interview_attended: true,
        intermediary_required: false,
        intermediary_completed: true,
        referral_recorded: true,
        agreement_received: true,
    };
    let steps = RequestEvent::ALL
        .iter()
        .copied()
        .filter(|&e| !matches!(e, RequestEvent::Counsel | RequestEvent::RecordReferral))
        .filter(|&e| seen.may(RequestAct::Step(e)) && r.state.apply(hopeful, e).is_ok())
        .map(|e| (e.as_str(), step_label(e)))
        .collect::<Vec<_>>();
    let workers = if steps.iter().any(|(e, _)| *e == "allocate") {
        state
            .store
            .records_workers(r.agency_id)
            .await?
            .into_iter()
            .map(|(id, name)| Choice::new(id.to_string(), name))
            .collect()
    } else {
        Vec::new()
    };
    let worker = seen.may(RequestAct::Casework);
    let open = r.state.is_open();
    let adopted = CivilDate::parse_iso(&r.adopted_on);
    let retained = adopted
        .and_then(|d| retained_until(d, settings.records_retention_years))
        .map_or_else(String::new, |d| d.to_string());
    let appointment_choices = {
        let mut c = vec![Choice::new("", "Not linked to an appointment")];
        c.extend(
            appointments_raw
                .iter()
                .filter(|a| a.cancelled_at.is_none())
                .map(|a| Choice::new(a.id.to_string(), uk_time(a.starts_at))),
        );
        c
    };
    Ok(RequestPage {
        c: s.chrome(
            &format!("Records request: {}", r.applicant_name),
            "/records",
        )
        .with_errors(&errors)
        .with_notice(notice),
        errors,
        f,
        state_label: r.state.label(),
        regime_label: r.regime.label(),
        regime_rule: r.regime.rule(),
        retained,
        steps,
        workers,
        grants,
        tasks,
        appointments: appointments_raw
            .iter()
            .map(|a| AppointmentLine {
                id: a.id,
                when: uk_time(a.starts_at),
                minutes: a.minutes,
                venue: venue_text(a),
                counsellor: a.counsellor.clone(),
                invited: a.invited_at.map(uk_time),
                cancelled: a.cancelled_at.is_some(),
            })
            .collect(),
        history,
        casework,
        manager: seen.may(RequestAct::ManageGrants),
        support: matches!(standing, kinlink_domain::policy::Standing::BusinessSupport),
        worker,
        open,
        counselling_open: worker && open && r.state.allocated_or_later(),
        referrals_open: worker && open && r.state.has_access() && r.regime != Regime::AgencyOnly,
        disclosures_open: worker && open && r.state.has_access(),
        intermediary_open: worker && r.state == RequestState::IntermediaryOpen,
        archive_to_close: seen.may(RequestAct::ConfirmArchiveClosed)
            && raw_tasks
                .iter()
                .any(|t| t.kind == "close_archive_access" && t.done_at.is_none()),
        identity_methods: choices(
            IdentityMethod::ALL,
            IdentityMethod::as_str,
            IdentityMethod::label,
        ),
        venues: choices(Venue::ALL, Venue::as_str, Venue::label),
        vetoes: choices(VetoCheck::ALL, VetoCheck::as_str, VetoCheck::label),
        register_checks: choices(
            RegisterCheck::ALL,
            RegisterCheck::as_str,
            RegisterCheck::label,
        ),
        appointment_choices,
        r: seen.request,
    })
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

fn notice_for(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "recorded" => "The request has been recorded. Check the applicant's identity, then send it to the team manager.",
            "step" => "Done. The request's history shows the step.",
            "appointment" => "The appointment has been arranged.",
            "session" => "The session record has been signed and saved.",
            "referral" => "The referral has been recorded.",
            "disclosure" => "The disclosure has been recorded.",
            "identity" => "Identity verification has been recorded.",
            "invited" => "The invitation will be e-mailed to the applicant, with a calendar file.",
            "archive" => "Thank you: archive access is recorded as closed.",
            _ => "Saved.",
        }
        .to_owned(),
    )
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    let p = request_page(
        &state,
        &s,
        id,
        FormErrors::default(),
        Typed::default(),
        notice_for(q.done.as_deref()),
    )
    .await?;
    page(&p)
}

/// UK wall-clock date and time to a moment: "2027-02-03" and "14:30".
fn uk_moment(date: CivilDate, time: &str) -> Option<i64> {
    let (h, m) = time.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    let month = time::Month::try_from(date.month()).ok()?;
    let day = time::Date::from_calendar_date(date.year(), month, date.day()).ok()?;
    let naive = day.midnight().assume_utc().unix_timestamp() + h * 3600 + m * 60;
    // The UK offset at that wall-clock time: try the offset in force an hour earlier first,
    // so the clocks' change is handled either way.
    let guess = naive - 3600 * i64::from(calendar::uk_offset_hours(naive - 3600));
    Some(naive - 3600 * i64::from(calendar::uk_offset_hours(guess)))
}

/// Every change on a request's page: `what` names the form.
pub async fn act(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, what)): Path<(i64, String)>,
    Form(f): Form<Typed>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let (who, actor) = (s.who(), s.actor());
    let mut errors = FormErrors::default();
    let outcome: Result<&str, StoreError> = match what.as_str() {
        "step" => {
            let event = RequestEvent::parse(f.get("event")).ok_or(WebError::NotFound)?;
            let text = f.get("text").to_owned();
            let step = match event {
                RequestEvent::SendForApproval => Some(RequestStep::SendForApproval),
                RequestEvent::Approve => Some(RequestStep::Approve { note: text }),
                RequestEvent::Decline => Some(RequestStep::Decline { reason: text }),
                RequestEvent::Allocate => match f.get("worker").parse() {
                    Ok(worker) => Some(RequestStep::Allocate { worker }),
                    Err(_) => {
                        errors.add("worker", "Choose a social worker to allocate");
                        None
                    }
                },
                RequestEvent::AuthoriseAccess => {
                    Some(RequestStep::AuthoriseAccess { reason: text })
                }
                RequestEvent::GrantArchiveAccess => {
                    Some(RequestStep::GrantArchiveAccess { reason: text })
                }
                RequestEvent::OpenIntermediary => Some(RequestStep::OpenIntermediary),
                RequestEvent::CompleteIntermediary => {
                    Some(RequestStep::CompleteIntermediary { outcome: text })
                }
                RequestEvent::SupportExternalAccess => {
                    Some(RequestStep::SupportExternalAccess { note: text })
                }
                RequestEvent::Close => Some(RequestStep::Close { summary: text }),
                RequestEvent::Withdraw => Some(RequestStep::Withdraw { reason: text }),
                RequestEvent::Reopen => Some(RequestStep::Reopen { reason: text }),
                RequestEvent::Counsel | RequestEvent::RecordReferral => {
                    return Err(WebError::NotFound);
                }
            };
            match step {
                Some(step) => store
                    .request_step(&who, actor, id, &step)
                    .await
                    .map(|_| "step"),
                None => Ok(""),
            }
        }
        "identity" => {
            let method = f.choice(
                &mut errors,
                "identity_method",
                "how identity was checked",
                IdentityMethod::parse,
            );
            let on = f.date(
                &mut errors,
                "identity_checked_on",
                "the date identity was checked",
            );
            match method.zip(on) {
                Some((method, checked_on)) => store
                    .record_identity(
                        &who,
                        actor,
                        id,
                        IdentityCheck { method, checked_on },
                        f.get("authority_proof"),
                    )
                    .await
                    .map(|()| "identity"),
                None => Ok(""),
            }
        }
        "appointments" => {
            let on = f.date(&mut errors, "appointment_on", "the appointment's date");
            let starts = on.and_then(|d| uk_moment(d, f.get("appointment_time")));
            if on.is_some() && starts.is_none() {
                errors.add(
                    "appointment_time",
                    "Enter the time as hours and minutes, like 14:30",
                );
            }
            let venue = f.choice(
                &mut errors,
                "venue",
                "how the appointment is held",
                Venue::parse,
            );
            let minutes = f.get("minutes").trim().parse::<i64>().ok();
            if minutes.is_none() {
                errors.add("minutes", "Enter the length in minutes, like 60");
            }
            match (starts, venue, minutes) {
                (Some(starts_at), Some(venue), Some(minutes)) => store
                    .arrange_appointment(
                        &who,
                        actor,
                        id,
                        &NewAppointment {
                            starts_at,
                            minutes,
                            venue,
                            place: f.get("place").to_owned(),
                            counsellor: f.get("counsellor").to_owned(),
                        },
                    )
                    .await
                    .map(|_| "appointment"),
                _ => Ok(""),
            }
        }
        "sessions" => {
            let held_on = f.date(&mut errors, "held_on", "the date of the session");
            let attended = match f.get("attended") {
                "yes" => Some(true),
                "no" => Some(false),
                _ => {
                    errors.add("attended", "Say whether the applicant attended");
                    None
                }
            };
            match (held_on, attended) {
                (Some(held_on), Some(attended)) => store
                    .record_session(
                        &who,
                        actor,
                        id,
                        &NewCounsellingSession {
                            appointment_id: f.get("appointment_id").parse().ok(),
                            held_on,
                            attended,
                            facts: f.get("facts").to_owned(),
                            opinion: f.get("opinion").to_owned(),
                            third_party: f.get("third_party").to_owned(),
                            signed: f.ticked("signed"),
                        },
                    )
                    .await
                    .map(|_| "session"),
                _ => Ok(""),
            }
        }
        "referrals" => match f.date(&mut errors, "referred_on", "the date of the referral") {
            Some(referred_on) => store
                .record_referral(
                    &who,
                    actor,
                    id,
                    &NewReferral {
                        organisation: f.get("organisation").to_owned(),
                        referred_on,
                        reason: f.get("reason").to_owned(),
                        shared: f.get("shared").to_owned(),
                        shared_birth_record_information: f
                            .ticked("shared_birth_record_information"),
                        agreement_received: f.ticked("agreement_received"),
                    },
                )
                .await
                .map(|_| "referral"),
            None => Ok(""),
        },
        "disclosures" => match f.date(&mut errors, "disclosed_on", "the date of the disclosure") {
            Some(disclosed_on) => store
                .record_disclosure(
                    &who,
                    actor,
                    id,
                    &NewDisclosure {
                        what: f.get("what").to_owned(),
                        to_whom: f.get("to_whom").to_owned(),
                        disclosed_on,
                        birth_record_information: f.ticked("birth_record_information"),
                    },
                )
                .await
                .map(|_| "disclosure"),
            None => Ok(""),
        },
        "intermediary-checks" => {
            let veto = f.choice(
                &mut errors,
                "veto",
                "what the veto check found",
                VetoCheck::parse,
            );
            let register = f.choice(
                &mut errors,
                "register",
                "what the Adoption Contact Register check found",
                RegisterCheck::parse,
            );
            match veto.zip(register) {
                Some((veto, register)) => store
                    .record_intermediary_checks(
                        &who,
                        actor,
                        id,
                        veto,
                        register,
                        f.get("subject_views"),
                    )
                    .await
                    .map(|_| "step"),
                None => Ok(""),
            }
        }
        "tracing" => store.start_tracing(&who, actor, id).await.map(|()| "step"),
        "archive-closed" => store
            .confirm_archive_closed(&who, actor, id)
            .await
            .map(|()| "archive"),
        _ => return Err(WebError::NotFound),
    };
    finish(&state, &s, id, outcome, errors, f).await
}

/// After a change: on success back to the page with a notice; otherwise the page again with
/// the problems and what was typed (422), nothing changed.
async fn finish(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    outcome: Result<&str, StoreError>,
    mut errors: FormErrors,
    f: Typed,
) -> Result<Response, WebError> {
    match outcome {
        Ok(done_code) if errors.is_empty() && !done_code.is_empty() => {
            return Ok(done(&format!("/records/{id}?done={done_code}")));
        }
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(WebError::NotFound),
        Err(err) => problems_into(&mut errors, err)?,
    }
    let p = request_page(state, s, id, errors, f, None).await?;
    Ok(unprocessable(page(&p)?))
}

/// Changes to one item of a request: an appointment, a referral, a disclosure or a grant.
pub async fn act_on_item(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, what, item, action)): Path<(i64, String, i64, String)>,
    Form(f): Form<Typed>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let (who, actor) = (s.who(), s.actor());
    let outcome: Result<&str, StoreError> = match (what.as_str(), action.as_str()) {
        ("appointments", "cancel") => store
            .cancel_appointment(&who, actor, id, item)
            .await
            .map(|()| "step"),
        ("appointments", "email") => email_invitation(&state, &who, actor, id, item)
            .await
            .map(|()| "invited"),
        ("referrals", "agreement") => store
            .record_agreement(&who, actor, id, item)
            .await
            .map(|()| "referral"),
        ("disclosures", "receipt") => store
            .record_receipt(&who, actor, id, item)
            .await
            .map(|()| "disclosure"),
        ("grants", "renew") => store
            .change_grant(&who, actor, id, item, None)
            .await
            .map(|()| "step"),
        ("grants", "revoke") => store
            .change_grant(&who, actor, id, item, Some(f.get("revoke_reason")))
            .await
            .map(|()| "step"),
        _ => return Err(WebError::NotFound),
    };
    finish(&state, &s, id, outcome, FormErrors::default(), f).await
}

/// An appointment as a calendar file (RFC 5545): the same UID for every version, so a
/// calendar program replaces a rescheduled one and removes a cancelled one.
pub(crate) fn appointment_ics(
    a: &Appointment,
    organiser: &str,
    attendee: Option<&str>,
    now: i64,
) -> String {
    let uid = format!("counselling-{}@kinlink", a.id);
    // A calendar's location is where to go: the address or video link; "Telephone" otherwise.
    let location = if a.place.is_empty() {
        Venue::parse(&a.venue).map_or("", Venue::label).to_owned()
    } else {
        a.place.clone()
    };
    // Without an organiser e-mail the file has no ORGANIZER, so who arranged it is said here.
    let description = format!(
        "Counselling about a request for access to adoption records, with {}. Arranged by {organiser}.",
        a.counsellor
    );
    kinlink_domain::invitation::ics(&kinlink_domain::invitation::Invitation {
        uid: &uid,
        sequence: u32::try_from(a.sequence).unwrap_or(0),
        stamp: now,
        starts_at: a.starts_at,
        minutes: u32::try_from(a.minutes).unwrap_or(60),
        summary: "Counselling appointment",
        location: &location,
        description: &description,
        organiser_name: organiser,
        organiser_email: None,
        attendee_email: attendee,
        cancelled: a.cancelled_at.is_some(),
    })
}

/// The organiser named in a calendar file: the worker and their agency.
async fn organiser(state: &AppState, seen: &SeenRequest) -> Result<String, WebError> {
    let agency = state.store.agency(seen.request.agency_id).await?;
    Ok(match &seen.request.worker_name {
        Some(worker) => format!("{worker}, {}", agency.name),
        None => agency.name,
    })
}

/// Queues the appointment's invitation, with its calendar file, to the applicant's e-mail
/// address: for the pages and the API alike.
pub(crate) async fn email_invitation(
    state: &AppState,
    who: &kinlink_store::Who,
    actor: kinlink_domain::policy::Actor,
    id: i64,
    appointment: i64,
) -> Result<(), StoreError> {
    let seen = state.store.records_request(who, actor, id).await?;
    let a = state.store.appointment_for(&seen, appointment).await?;
    let from = organiser(state, &seen)
        .await
        .map_err(|_| StoreError::NotFound)?;
    let email = seen.request.applicant_email.trim();
    let ics = appointment_ics(
        &a,
        &from,
        (!email.is_empty()).then_some(email),
        state.store.now(),
    );
    let mail = kinlink_store::Invitation {
        subject: "Your counselling appointment".into(),
        body: format!(
            "Dear {},\n\nThis confirms your counselling appointment about your request for access to adoption records:\n\n{}\n{} minutes\n{}\nWith {}\n\nThe attached calendar file adds it to your calendar. If you cannot come, please contact us.\n\n{}",
            seen.request.applicant_name,
            uk_time(a.starts_at),
            a.minutes,
            venue_text(&a),
            a.counsellor,
            from
        ),
        file_name: format!("counselling-{}.ics", a.id),
        ics,
    };
    state
        .store
        .queue_invitation(who, actor, id, appointment, &mail)
        .await
}

pub async fn invitation_file(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, appointment)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let seen = state.store.records_request(&s.who(), s.actor(), id).await?;
    let a = state.store.appointment_for(&seen, appointment).await?;
    let from = organiser(&state, &seen).await?;
    let ics = appointment_ics(&a, &from, None, state.store.now());
    let mut response = ics.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"counselling-{}.ics\"",
        a.id
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

// ---- the locked record and its log --------------------------------------------------------

#[derive(Template)]
#[template(path = "locked_record.html")]
pub struct LockedPage {
    c: Chrome,
    id: i64,
    applicant: String,
    l: kinlink_store::LockedRecord,
    archive: bool,
    until: String,
}

#[derive(Deserialize)]
pub struct KindQuery {
    kind: Option<String>,
}

/// The locked record, through the reader's own active grant. Without one: 404, and the
/// attempt is logged for the manager and audited.
pub async fn locked_record(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<KindQuery>,
) -> Result<Response, WebError> {
    let kind =
        GrantKind::parse(q.kind.as_deref().unwrap_or("locked_record")).ok_or(WebError::NotFound)?;
    let l = state
        .store
        .read_locked_record(&s.who(), s.actor(), id, kind)
        .await?;
    let seen = state.store.records_request(&s.who(), s.actor(), id).await?;
    page(&LockedPage {
        c: s.chrome("Locked adoption record", "/records"),
        id,
        applicant: seen.request.applicant_name,
        archive: kind == GrantKind::Archive,
        until: uk_time(l.grant_expires_at),
        l,
    })
}

/// The grant holder records what the locked record holds (what the case file says, or where
/// the paper file is).
pub async fn locked_record_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<KindQuery>,
    Form(f): Form<Typed>,
) -> Result<Response, WebError> {
    let kind =
        GrantKind::parse(q.kind.as_deref().unwrap_or("locked_record")).ok_or(WebError::NotFound)?;
    let fields = match kind {
        GrantKind::LockedRecord => [
            f.get("birth_mother"),
            f.get("birth_father"),
            f.get("birth_registration"),
            f.get("case_summary"),
        ],
        GrantKind::Archive => [
            f.get("archive_reference"),
            f.get("archive_location"),
            "",
            "",
        ],
    };
    match state.store.record_case_file(&s.who(), s.actor(), id, kind, fields).await {
        Ok(()) => Ok(done(&format!("/records/{id}/locked-record?kind={}", kind.as_str()))),
        Err(StoreError::Invalid(_)) => Ok(crate::error::message_response(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "The record was not changed",
            vec!["Each part of the record must be 10,000 characters or fewer. Go back and shorten it.".into()],
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "view_log.html")]
pub struct ViewLogPage {
    c: Chrome,
    id: i64,
    applicant: String,
    views: Vec<(String, String, &'static str, bool)>,
}

pub async fn view_log(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let views = state
        .store
        .locked_record_view_log(&s.who(), s.actor(), id)
        .await?;
    let seen = state.store.records_request(&s.who(), s.actor(), id).await?;
    page(&ViewLogPage {
        c: s.chrome("Who has read the locked record", "/records"),
        id,
        applicant: seen.request.applicant_name,
        views: views
            .into_iter()
            .map(|v| {
                (
                    uk_time(v.at),
                    v.user_name,
                    GrantKind::parse(&v.kind).map_or("", GrantKind::label),
                    v.allowed,
                )
            })
            .collect(),
    })
}
