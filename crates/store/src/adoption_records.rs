//! Requests for access to adoption records: intake, the procedure's steps, the grants to the
//! locked record and the log of every reading of it, counselling, referrals and disclosures,
//! the intermediary record, and the hand-over tasks with their escalation.
//!
//! Who stands where is decided by [`request_standing`] and what each may do by
//! [`may_on_request`]; whether a step can happen now by [`RequestState::apply`]. This module
//! loads the facts, asks, writes the change with its history, tasks, notifications and audit
//! entry in one transaction. Someone with no standing is told the request does not exist, and
//! the attempt is audited. Nothing here deletes: closed cases are kept (and the database
//! refuses deletes).

use crate::error::corrupt;
use crate::links::invalid;
use crate::{Backend, Store, StoreError, Who};
use kinlink_domain::Timestamp;
use kinlink_domain::audit::{AuditEvent, entry_hash};
use kinlink_domain::calendar;
use kinlink_domain::child::Problem;
use kinlink_domain::policy::{
    Actor, RequestAct, RequestFacts, Standing, may_on_request, may_read_locked, may_record_request,
    request_standing,
};
use kinlink_domain::profile::CivilDate;
use kinlink_domain::records_request::{
    AccessGrant, ApplicantType, Arrival, CaseRecords, ContactMethod, GrantKind, IdentityMethod,
    IntermediaryChecks, RecordsRuleBroken, Regime, RegisterCheck, RequestEvent, RequestState,
    TASK_WORKING_DAYS, TaskKind, Venue, VetoCheck, check_applicant_age, check_reason, may_disclose,
};

/// A new request, as business support takes it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecordsRequest {
    pub applicant_type: ApplicantType,
    pub applicant_name: String,
    pub applicant_born_on: CivilDate,
    pub applicant_email: String,
    pub applicant_phone: String,
    pub applicant_address: String,
    pub contact_method: ContactMethod,
    /// How identity was checked, if it already was.
    pub identity: Option<IdentityCheck>,
    /// Someone acting for the applicant (empty if nobody), and the proof of their authority.
    pub representative_name: String,
    pub representative_relationship: String,
    pub authority_proof: String,
    pub birth_name: String,
    pub adopted_person_born_on: CivilDate,
    pub adopted_on: CivilDate,
    pub court: String,
    pub adoption_agency: String,
    pub arrival: Arrival,
    pub received_on: CivilDate,
    /// The agency's reference for the locked adoption case record.
    pub case_reference: String,
}

/// How the applicant's identity was verified; the person checking is whoever records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityCheck {
    pub method: IdentityMethod,
    pub checked_on: CivilDate,
}

/// A request as the people on it see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordsRequest {
    pub id: i64,
    pub agency_id: i64,
    pub state: RequestState,
    pub applicant_type: ApplicantType,
    pub applicant_name: String,
    pub applicant_born_on: String,
    pub applicant_email: String,
    pub applicant_phone: String,
    pub applicant_address: String,
    pub contact_method: ContactMethod,
    pub identity_method: Option<IdentityMethod>,
    pub identity_checked_by_name: Option<String>,
    pub identity_checked_on: Option<String>,
    pub representative_name: String,
    pub representative_relationship: String,
    pub authority_proof: String,
    pub birth_name: String,
    pub adopted_person_born_on: String,
    pub adopted_on: String,
    pub court: String,
    pub adoption_agency: String,
    pub regime: Regime,
    pub arrival: Arrival,
    pub received_on: String,
    pub recorded_by_name: String,
    pub worker_id: Option<i64>,
    pub worker_name: Option<String>,
    pub intermediary_required: bool,
    pub outcome_note: String,
    pub case_reference: String,
    pub closed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub facts: RequestFacts,
}

/// A request, with how the person looking stands to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    pub request: RecordsRequest,
    pub standing: Standing,
}

impl SeenRequest {
    /// Whether `act` is allowed to this person (for offering a button; the store checks again).
    pub fn may(&self, act: RequestAct) -> bool {
        may_on_request(self.standing, act).is_ok()
    }
}

/// One line of a request list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestSummary {
    pub id: i64,
    pub applicant_name: String,
    pub state: String,
    pub regime: String,
    pub received_on: String,
    pub worker_name: Option<String>,
    pub updated_at: Timestamp,
}

/// A step in a request's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestHistoryEntry {
    pub event: String,
    pub to_state: String,
    pub note: String,
    pub user_name: Option<String>,
    pub at: Timestamp,
}

/// A grant of access to the locked record, with names for showing.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Grant {
    pub id: i64,
    pub kind: String,
    pub user_id: i64,
    pub user_name: String,
    pub granted_by_name: String,
    pub reason: String,
    pub starts_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub revoke_reason: Option<String>,
}

impl Grant {
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.as_policy().is_some_and(|g| g.is_active(now))
    }
    fn as_policy(&self) -> Option<AccessGrant> {
        Some(AccessGrant {
            kind: GrantKind::parse(&self.kind)?,
            user_id: self.user_id,
            starts_at: self.starts_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// An open or done hand-over task.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecordsTask {
    pub id: i64,
    pub request_id: i64,
    pub kind: String,
    pub role: String,
    pub due_at: Timestamp,
    pub created_at: Timestamp,
    pub done_at: Option<Timestamp>,
    pub escalated_at: Option<Timestamp>,
    /// The applicant's name, for the inbox.
    pub applicant_name: String,
}

impl RecordsTask {
    pub fn label(&self) -> &'static str {
        TaskKind::parse(&self.kind).map_or("Task", TaskKind::label)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Appointment {
    pub id: i64,
    pub request_id: i64,
    pub starts_at: Timestamp,
    pub minutes: i64,
    pub venue: String,
    pub place: String,
    pub counsellor: String,
    pub sequence: i64,
    pub invited_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
}

/// A new appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppointment {
    pub starts_at: Timestamp,
    pub minutes: i64,
    pub venue: Venue,
    pub place: String,
    pub counsellor: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CounsellingSession {
    pub id: i64,
    pub appointment_id: Option<i64>,
    pub held_on: String,
    pub attended: bool,
    pub facts: String,
    pub opinion: String,
    pub third_party: String,
    pub signed_by_name: String,
    pub signed_at: Timestamp,
}

/// A session record: fact, opinion and third-party information kept apart, signed by the
/// worker when they tick the declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCounsellingSession {
    pub appointment_id: Option<i64>,
    pub held_on: CivilDate,
    pub attended: bool,
    pub facts: String,
    pub opinion: String,
    pub third_party: String,
    pub signed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Referral {
    pub id: i64,
    pub organisation: String,
    pub referred_on: String,
    pub reason: String,
    pub shared: String,
    pub agreement_received: bool,
    pub recorded_by_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReferral {
    pub organisation: String,
    pub referred_on: CivilDate,
    pub reason: String,
    /// What was shared with them; if anything, a disclosure record is made.
    pub shared: String,
    pub shared_birth_record_information: bool,
    pub agreement_received: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Disclosure {
    pub id: i64,
    pub referral_id: Option<i64>,
    pub what: String,
    pub to_whom: String,
    pub disclosed_on: String,
    pub birth_record_information: bool,
    pub receipt_received_on: Option<String>,
    pub recorded_by_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDisclosure {
    pub what: String,
    pub to_whom: String,
    pub disclosed_on: CivilDate,
    pub birth_record_information: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IntermediaryRecord {
    pub opened_by_name: String,
    pub opened_at: Timestamp,
    pub veto_check: Option<String>,
    pub register_check: Option<String>,
    pub subject_views: String,
    pub checks_recorded_at: Option<Timestamp>,
    pub tracing_started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub outcome: String,
}

/// The casework behind a request: only the manager and the allocated worker read it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Casework {
    pub sessions: Vec<CounsellingSession>,
    pub referrals: Vec<Referral>,
    pub disclosures: Vec<Disclosure>,
    pub intermediary: Option<IntermediaryRecord>,
}

/// The locked record, as much of it as the reader's grant opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedRecord {
    pub kind: GrantKind,
    pub case_reference: String,
    /// The case record's contents (a locked-record grant).
    pub birth_mother: String,
    pub birth_father: String,
    pub birth_registration: String,
    pub case_summary: String,
    /// Where the paper file is (an archive grant).
    pub archive_reference: String,
    pub archive_location: String,
    pub grant_expires_at: Timestamp,
}

/// One line of the log of readings of a locked record.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LockedView {
    pub user_name: String,
    pub kind: String,
    pub allowed: bool,
    pub at: Timestamp,
}

/// A change of step, with what the step needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestStep {
    SendForApproval,
    Approve { note: String },
    Decline { reason: String },
    Allocate { worker: i64 },
    AuthoriseAccess { reason: String },
    GrantArchiveAccess { reason: String },
    OpenIntermediary,
    CompleteIntermediary { outcome: String },
    SupportExternalAccess { note: String },
    Close { summary: String },
    Withdraw { reason: String },
    Reopen { reason: String },
}

impl RequestStep {
    pub fn event(&self) -> RequestEvent {
        match self {
            RequestStep::SendForApproval => RequestEvent::SendForApproval,
            RequestStep::Approve { .. } => RequestEvent::Approve,
            RequestStep::Decline { .. } => RequestEvent::Decline,
            RequestStep::Allocate { .. } => RequestEvent::Allocate,
            RequestStep::AuthoriseAccess { .. } => RequestEvent::AuthoriseAccess,
            RequestStep::GrantArchiveAccess { .. } => RequestEvent::GrantArchiveAccess,
            RequestStep::OpenIntermediary => RequestEvent::OpenIntermediary,
            RequestStep::CompleteIntermediary { .. } => RequestEvent::CompleteIntermediary,
            RequestStep::SupportExternalAccess { .. } => RequestEvent::SupportExternalAccess,
            RequestStep::Close { .. } => RequestEvent::Close,
            RequestStep::Withdraw { .. } => RequestEvent::Withdraw,
            RequestStep::Reopen { .. } => RequestEvent::Reopen,
        }
    }

    /// The reason or note written with the step, if the step takes one; `required` says
    /// whether it may be blank.
    fn text(&self) -> (Option<&str>, bool) {
        match self {
            RequestStep::Decline { reason }
            | RequestStep::Withdraw { reason }
            | RequestStep::Reopen { reason }
            | RequestStep::AuthoriseAccess { reason }
            | RequestStep::GrantArchiveAccess { reason } => (Some(reason), true),
            RequestStep::Close { summary } => (Some(summary), true),
            RequestStep::CompleteIntermediary { outcome } => (Some(outcome), true),
            RequestStep::Approve { note } | RequestStep::SupportExternalAccess { note } => {
                (Some(note), false)
            }
            RequestStep::SendForApproval
            | RequestStep::OpenIntermediary
            | RequestStep::Allocate { .. } => (None, false),
        }
    }
}

/// What the inboxes show.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordsInbox {
    pub tasks: Vec<RecordsTask>,
    /// The worker's appointments in the next seven days.
    pub appointments: Vec<(Appointment, String)>,
}

/// Required text, at most `max` characters.
fn required(problems: &mut Vec<Problem>, field: &'static str, name: &str, text: &str, max: usize) {
    if text.trim().is_empty() {
        problems.push(Problem::new(field, format!("Enter {name}")));
    } else if text.chars().count() > max {
        problems.push(Problem::new(
            field,
            format!("{} must be {max} characters or fewer", capitalise(name)),
        ));
    }
}

fn optional(problems: &mut Vec<Problem>, field: &'static str, name: &str, text: &str, max: usize) {
    if text.chars().count() > max {
        problems.push(Problem::new(
            field,
            format!("{} must be {max} characters or fewer", capitalise(name)),
        ));
    }
}

/// Every problem at once, or none.
fn no_problems(problems: Vec<Problem>) -> Result<(), StoreError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(problems))
    }
}

fn capitalise(name: &str) -> String {
    let name = name.strip_prefix("the ").unwrap_or(name);
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn rule(broken: RecordsRuleBroken) -> StoreError {
    StoreError::Records(broken)
}

/// The facts a step is decided on, read (and on PostgreSQL locked) inside the transaction.
#[derive(Debug, Clone, Copy)]
struct Locked {
    id: i64,
    state: RequestState,
    facts: RequestFacts,
    records: CaseRecords,
}

#[derive(sqlx::FromRow)]
struct LockedRow {
    state: String,
    agency_id: i64,
    recorded_by: i64,
    worker_id: Option<i64>,
    regime: String,
    identity_verified: bool,
    authority_missing: bool,
    intermediary_required: bool,
    interview_attended: bool,
    intermediary_completed: bool,
    referral_recorded: bool,
    agreement_received: bool,
}

impl Locked {
    fn from_row(id: i64, row: LockedRow) -> Result<Self, StoreError> {
        let state = RequestState::parse(&row.state).ok_or_else(|| corrupt("state", &row.state))?;
        let regime = regime_of(&row.regime)?;
        Ok(Locked {
            id,
            state,
            facts: RequestFacts {
                agency: row.agency_id,
                recorded_by: row.recorded_by,
                worker: row.worker_id,
            },
            records: CaseRecords {
                regime: Some(regime),
                identity_verified: row.identity_verified,
                authority_missing: row.authority_missing,
                worker_allocated: row.worker_id.is_some(),
                interview_attended: row.interview_attended,
                intermediary_required: row.intermediary_required,
                intermediary_completed: row.intermediary_completed,
                referral_recorded: row.referral_recorded,
                agreement_received: row.agreement_received,
            },
        })
    }
}

fn regime_of(code: &str) -> Result<Regime, StoreError> {
    [
        Regime::Before1975,
        Regime::PreCommencement,
        Regime::AgencyOnly,
    ]
    .into_iter()
    .find(|r| r.as_str() == code)
    .ok_or_else(|| corrupt("regime", code))
}

/// Reads and locks a request's facts.
macro_rules! lock_request {
    ($self:ident, $tx:ident, $id:expr) => {{
        let id: i64 = $id;
        let lock = match $self.backend {
            Backend::Sqlite(_) => "",
            Backend::Postgres(_) => " FOR UPDATE OF r",
        };
        let row: Option<LockedRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.state, r.agency_id, r.recorded_by, r.worker_id, r.regime, \
             (r.identity_method IS NOT NULL) AS identity_verified, \
             (r.representative_name <> '' AND r.authority_proof = '') AS authority_missing, \
             r.intermediary_required, \
             EXISTS (SELECT 1 FROM counselling_sessions s WHERE s.request_id = r.id AND s.attended = TRUE) AS interview_attended, \
             EXISTS (SELECT 1 FROM intermediary_records i WHERE i.request_id = r.id AND i.completed_at IS NOT NULL) AS intermediary_completed, \
             EXISTS (SELECT 1 FROM records_referrals f WHERE f.request_id = r.id) AS referral_recorded, \
             EXISTS (SELECT 1 FROM records_referrals f WHERE f.request_id = r.id AND f.agreement_received = TRUE) AS agreement_received \
             FROM records_requests r WHERE r.id = $1{lock}")))
            .bind(id)
            .fetch_optional(&mut *$tx)
            .await?;
        match row {
            Some(row) => Some(Locked::from_row(id, row)?),
            None => None,
        }
    }};
}

/// Locks the request and finds how the actor stands to it; no standing (or no request) ends
/// the body with "not found", the attempt audited. Then checks `$act` is theirs to do.
macro_rules! standing_for {
    ($self:ident, $tx:ident, $who:expr, $actor:expr, $id:expr, $act:expr, $body:lifetime) => {{
        let actor: Actor = $actor;
        let Some(req) = lock_request!($self, $tx, $id) else {
            break $body Err(StoreError::NotFound);
        };
        let Some(standing) = request_standing(actor, req.facts) else {
            audit!($self, $tx, $who.event("records_request.refused", "records_request", $id, Some(req.facts.agency), serde_json::json!({})));
            break $body Err(StoreError::NotFound);
        };
        if let Err(denied) = may_on_request(standing, $act) {
            break $body Err(StoreError::Forbidden(denied));
        }
        (req, standing)
    }};
}

/// The state `$event` moves the request to, or the end of the body with the rule it broke.
macro_rules! apply_or_break {
    ($req:expr, $event:expr, $body:lifetime) => {
        match $req.state.apply($req.records, $event) {
            Ok(next) => next,
            Err(broken) => break $body Err(rule(broken)),
        }
    };
}

/// A line in the request's history: what happened (`$event`, a stored code), in which state,
/// with a note, by whom, now.
macro_rules! history {
    ($self:ident, $tx:ident, $request:expr, $event:expr, $state:expr, $note:expr, $user:expr) => {{
        let event: &str = $event;
        let note: &str = $note;
        sqlx::query("INSERT INTO records_request_events (request_id, event, to_state, note, user_id, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind($request).bind(event).bind($state).bind(note).bind($user).bind($self.now())
            .execute(&mut *$tx).await?;
    }};
}

/// Writes a new state with its history entry, and moves the hand-over tasks on: the task the
/// old state waited for is done, the new state's task is created.
macro_rules! write_step {
    ($self:ident, $tx:ident, $req:expr, $event:expr, $next:expr, $note:expr, $user:expr) => {{
        let req: &Locked = $req;
        let next: RequestState = $next;
        let now = $self.now();
        let user: i64 = $user;
        let note: &str = $note;
        sqlx::query(
            "UPDATE records_requests SET state = $1, updated_at = $2, \
             closed_at = CASE WHEN $3 THEN $2 ELSE NULL END WHERE id = $4")
            .bind(next.as_str()).bind(now).bind(!next.is_open()).bind(req.id)
            .execute(&mut *$tx).await?;
        history!($self, $tx, req.id, $event.as_str(), next.as_str(), note, user);
        if next != req.state {
            sqlx::query("UPDATE records_tasks SET done_at = $1, done_by = $2 WHERE request_id = $3 AND done_at IS NULL AND kind <> 'close_archive_access'")
                .bind(now).bind(user).bind(req.id).execute(&mut *$tx).await?;
            if let Some(kind) = next.waits_for() {
                add_task!($self, $tx, req.id, req.facts.agency, kind);
            }
        }
    }};
}

macro_rules! add_task {
    ($self:ident, $tx:ident, $request:expr, $agency:expr, $kind:expr) => {{
        let kind: TaskKind = $kind;
        let now = $self.now();
        sqlx::query("INSERT INTO records_tasks (request_id, agency_id, kind, role, due_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind($request).bind($agency).bind(kind.as_str()).bind(kind.role().as_str())
            .bind(calendar::deadline_after(now, TASK_WORKING_DAYS)).bind(now)
            .execute(&mut *$tx).await?;
    }};
}

/// Notifies, in the app and by e-mail, the active people the query `$sql` (binding `$agency`
/// and `$user`) finds. Texts never name the applicant: they say what happened.
macro_rules! notify_records {
    ($self:ident, $tx:ident, $request:expr, $sql:expr, $agency:expr, $user:expr, $except:expr, $text:expr) => {{
        let people: Vec<(i64, String)> = sqlx::query_as($sql)
            .bind($agency).bind($user).fetch_all(&mut *$tx).await?;
        let except: i64 = $except;
        let text: &str = $text;
        let now = $self.now();
        for (user, email) in people.into_iter().filter(|p| p.0 != except) {
            sqlx::query("INSERT INTO notifications (user_id, records_request_id, text, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user).bind($request).bind(text).bind(now).execute(&mut *$tx).await?;
            sqlx::query("INSERT INTO mail_outbox (to_address, subject, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)")
                .bind(&email)
                .bind("Kinlink: a records request needs your attention")
                .bind(crate::links::mail_body(text))
                .bind(now)
                .execute(&mut *$tx).await?;
        }
    }};
}

const MANAGERS: &str = "SELECT id, email FROM users WHERE disabled_at IS NULL AND agency_id = $1 AND role = 'team_manager' AND id <> $2";
const SUPPORT: &str = "SELECT id, email FROM users WHERE disabled_at IS NULL AND agency_id = $1 AND role = 'business_support' AND id <> $2";
const ONE_PERSON: &str =
    "SELECT id, email FROM users WHERE disabled_at IS NULL AND agency_id = $1 AND id = $2";

macro_rules! request_select {
    () => {
        "SELECT r.id, r.agency_id, r.state, r.applicant_type, r.applicant_name, r.applicant_born_on, \
         r.applicant_email, r.applicant_phone, r.applicant_address, r.contact_method, r.identity_method, \
         iu.name AS identity_checked_by_name, r.identity_checked_on, r.representative_name, \
         r.representative_relationship, r.authority_proof, r.birth_name, r.adopted_person_born_on, \
         r.adopted_on, r.court, r.adoption_agency, r.regime, r.arrival, r.received_on, r.recorded_by, \
         ru.name AS recorded_by_name, r.worker_id, wu.name AS worker_name, r.intermediary_required, \
         r.outcome_note, lr.case_reference, r.closed_at, r.created_at, r.updated_at \
         FROM records_requests r JOIN users ru ON ru.id = r.recorded_by \
         JOIN locked_records lr ON lr.request_id = r.id \
         LEFT JOIN users iu ON iu.id = r.identity_checked_by \
         LEFT JOIN users wu ON wu.id = r.worker_id"
    };
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    agency_id: i64,
    state: String,
    applicant_type: String,
    applicant_name: String,
    applicant_born_on: String,
    applicant_email: String,
    applicant_phone: String,
    applicant_address: String,
    contact_method: String,
    identity_method: Option<String>,
    identity_checked_by_name: Option<String>,
    identity_checked_on: Option<String>,
    representative_name: String,
    representative_relationship: String,
    authority_proof: String,
    birth_name: String,
    adopted_person_born_on: String,
    adopted_on: String,
    court: String,
    adoption_agency: String,
    regime: String,
    arrival: String,
    received_on: String,
    recorded_by: i64,
    recorded_by_name: String,
    worker_id: Option<i64>,
    worker_name: Option<String>,
    intermediary_required: bool,
    outcome_note: String,
    case_reference: String,
    closed_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl RequestRow {
    fn into_request(self) -> Result<RecordsRequest, StoreError> {
        fn parse<T>(what: &str, code: &str, f: fn(&str) -> Option<T>) -> Result<T, StoreError> {
            f(code).ok_or_else(|| corrupt(what, code))
        }
        let identity_method = match self.identity_method.as_deref() {
            Some(code) => Some(parse("identity method", code, IdentityMethod::parse)?),
            None => None,
        };
        Ok(RecordsRequest {
            id: self.id,
            agency_id: self.agency_id,
            state: parse("state", &self.state, RequestState::parse)?,
            applicant_type: parse("applicant type", &self.applicant_type, ApplicantType::parse)?,
            applicant_name: self.applicant_name,
            applicant_born_on: self.applicant_born_on,
            applicant_email: self.applicant_email,
            applicant_phone: self.applicant_phone,
            applicant_address: self.applicant_address,
            contact_method: parse("contact method", &self.contact_method, ContactMethod::parse)?,
            identity_method,
            identity_checked_by_name: self.identity_checked_by_name,
            identity_checked_on: self.identity_checked_on,
            representative_name: self.representative_name,
            representative_relationship: self.representative_relationship,
            authority_proof: self.authority_proof,
            birth_name: self.birth_name,
            adopted_person_born_on: self.adopted_person_born_on,
            adopted_on: self.adopted_on,
            court: self.court,
            adoption_agency: self.adoption_agency,
            regime: regime_of(&self.regime)?,
            arrival: parse("arrival", &self.arrival, Arrival::parse)?,
            received_on: self.received_on,
            recorded_by_name: self.recorded_by_name,
            worker_id: self.worker_id,
            worker_name: self.worker_name,
            intermediary_required: self.intermediary_required,
            outcome_note: self.outcome_note,
            case_reference: self.case_reference,
            closed_at: self.closed_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            facts: RequestFacts {
                agency: self.agency_id,
                recorded_by: self.recorded_by,
                worker: self.worker_id,
            },
        })
    }
}

/// Checks a new request's fields; every problem is named at once.
fn check_new(new: &NewRecordsRequest, today: CivilDate) -> Result<(), StoreError> {
    let mut problems = Vec::new();
    required(
        &mut problems,
        "applicant_name",
        "the applicant's name",
        &new.applicant_name,
        200,
    );
    if let Err(broken) = check_applicant_age(new.applicant_born_on, today) {
        problems.push(Problem::new(
            "applicant_born_on",
            capitalise(&broken.to_string()),
        ));
    }
    match new.contact_method {
        ContactMethod::Email => required(
            &mut problems,
            "applicant_email",
            "an e-mail address (the applicant prefers e-mail)",
            &new.applicant_email,
            254,
        ),
        ContactMethod::Phone => required(
            &mut problems,
            "applicant_phone",
            "a telephone number (the applicant prefers the telephone)",
            &new.applicant_phone,
            40,
        ),
        ContactMethod::Letter => required(
            &mut problems,
            "applicant_address",
            "a postal address (the applicant prefers letters)",
            &new.applicant_address,
            1_000,
        ),
    }
    optional(
        &mut problems,
        "applicant_email",
        "the e-mail address",
        &new.applicant_email,
        254,
    );
    if !new.applicant_email.trim().is_empty() && !new.applicant_email.contains('@') {
        problems.push(Problem::new(
            "applicant_email",
            "Enter an e-mail address in the right format, like name@example.com",
        ));
    }
    optional(
        &mut problems,
        "applicant_phone",
        "the telephone number",
        &new.applicant_phone,
        40,
    );
    optional(
        &mut problems,
        "applicant_address",
        "the address",
        &new.applicant_address,
        1_000,
    );
    optional(
        &mut problems,
        "representative_name",
        "the representative's name",
        &new.representative_name,
        200,
    );
    optional(
        &mut problems,
        "representative_relationship",
        "how they act for the applicant",
        &new.representative_relationship,
        200,
    );
    optional(
        &mut problems,
        "authority_proof",
        "the proof of authority",
        &new.authority_proof,
        1_000,
    );
    if new.representative_name.trim().is_empty()
        && !(new.representative_relationship.trim().is_empty()
            && new.authority_proof.trim().is_empty())
    {
        problems.push(Problem::new(
            "representative_name",
            "Enter the name of the person acting for the applicant, or leave their details empty",
        ));
    }
    required(
        &mut problems,
        "birth_name",
        "the adopted person's name at birth",
        &new.birth_name,
        200,
    );
    required(
        &mut problems,
        "court",
        "the court that made the adoption order",
        &new.court,
        200,
    );
    required(
        &mut problems,
        "adoption_agency",
        "the agency that arranged the adoption",
        &new.adoption_agency,
        200,
    );
    required(
        &mut problems,
        "case_reference",
        "the adoption case record's reference",
        &new.case_reference,
        100,
    );
    if new.adopted_on < new.adopted_person_born_on {
        problems.push(Problem::new(
            "adopted_on",
            "The adoption date must be after the adopted person's date of birth",
        ));
    }
    if new.adopted_on > today {
        problems.push(Problem::new(
            "adopted_on",
            "The adoption date must be in the past",
        ));
    }
    if new.received_on > today {
        problems.push(Problem::new(
            "received_on",
            "The date the request arrived must be today or in the past",
        ));
    }
    if let Some(check) = new.identity
        && check.checked_on > today
    {
        problems.push(Problem::new(
            "identity_checked_on",
            "The date identity was checked must be today or in the past",
        ));
    }
    no_problems(problems)
}

impl Store {
    /// Today's date on a UK calendar.
    pub fn today(&self) -> CivilDate {
        let d = calendar::uk_date(self.now());
        CivilDate::new(d.year(), u8::from(d.month()), d.day())
            .unwrap_or(CivilDate::from_unix(self.now()))
    }

    // ---- intake ----------------------------------------------------------------------------

    /// Business support records a request. The regime follows from the adoption date; an
    /// applicant under 18 is refused with the reason; the request waits for identity to be
    /// checked and to be sent to the team manager.
    pub async fn record_request(
        &self,
        who: &Who,
        actor: Actor,
        new: &NewRecordsRequest,
    ) -> Result<i64, StoreError> {
        may_record_request(actor).map_err(StoreError::Forbidden)?;
        check_new(new, self.today())?;
        let regime = Regime::for_adoption(new.adopted_on);
        let now = self.now();
        write_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO records_requests (agency_id, state, applicant_type, applicant_name, applicant_born_on, \
                 applicant_email, applicant_phone, applicant_address, contact_method, identity_method, identity_checked_by, \
                 identity_checked_on, representative_name, representative_relationship, authority_proof, birth_name, \
                 adopted_person_born_on, adopted_on, court, adoption_agency, regime, arrival, received_on, recorded_by, \
                 intermediary_required, created_at, updated_at) \
                 VALUES ($1, 'received', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $25) RETURNING id")
                .bind(actor.agency_id)
                .bind(new.applicant_type.as_str())
                .bind(new.applicant_name.trim())
                .bind(new.applicant_born_on.to_string())
                .bind(new.applicant_email.trim())
                .bind(new.applicant_phone.trim())
                .bind(new.applicant_address.trim())
                .bind(new.contact_method.as_str())
                .bind(new.identity.map(|c| c.method.as_str()))
                .bind(new.identity.map(|_| actor.user_id))
                .bind(new.identity.map(|c| c.checked_on.to_string()))
                .bind(new.representative_name.trim())
                .bind(new.representative_relationship.trim())
                .bind(new.authority_proof.trim())
                .bind(new.birth_name.trim())
                .bind(new.adopted_person_born_on.to_string())
                .bind(new.adopted_on.to_string())
                .bind(new.court.trim())
                .bind(new.adoption_agency.trim())
                .bind(regime.as_str())
                .bind(new.arrival.as_str())
                .bind(new.received_on.to_string())
                .bind(actor.user_id)
                .bind(new.applicant_type == ApplicantType::BirthRelative)
                .bind(now)
                .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO locked_records (request_id, case_reference, updated_at) VALUES ($1, $2, $3)")
                .bind(id).bind(new.case_reference.trim()).bind(now).execute(&mut *tx).await?;
            let arrived = format!("Arrived by {} on {}", new.arrival.label().to_lowercase(), new.received_on);
            history!(self, tx, id, "received", "received", &arrived, actor.user_id);
            add_task!(self, tx, id, actor.agency_id, TaskKind::SendForApproval);
            audit!(self, tx, who.event("records_request.recorded", "records_request", id, Some(actor.agency_id), serde_json::json!({
                "regime": regime.as_str(), "applicant_type": new.applicant_type.as_str(),
                "identity_verified": new.identity.is_some()})));
            Ok(id)
        })
    }

    /// Business support records (or corrects) how identity was verified and the proof of a
    /// representative's authority.
    pub async fn record_identity(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        check: IdentityCheck,
        authority_proof: &str,
    ) -> Result<(), StoreError> {
        if check.checked_on > self.today() {
            return Err(invalid(
                "identity_checked_on",
                "The date identity was checked must be today or in the past",
            ));
        }
        let mut problems = Vec::new();
        optional(
            &mut problems,
            "authority_proof",
            "the proof of authority",
            authority_proof,
            1_000,
        );
        no_problems(problems)?;
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::EditIntake, 'body);
            if req.state.is_read_only() {
                break 'body Err(rule(RecordsRuleBroken::ReadOnly));
            }
            sqlx::query("UPDATE records_requests SET identity_method = $1, identity_checked_by = $2, identity_checked_on = $3, \
                         authority_proof = CASE WHEN $4 = '' THEN authority_proof ELSE $4 END, updated_at = $5 WHERE id = $6")
                .bind(check.method.as_str()).bind(actor.user_id).bind(check.checked_on.to_string())
                .bind(authority_proof.trim()).bind(now).bind(id).execute(&mut *tx).await?;
            history!(self, tx, id, "identity_verified", req.state.as_str(), check.method.label(), actor.user_id);
            audit!(self, tx, who.event("records_request.identity_recorded", "records_request", id, Some(req.facts.agency), serde_json::json!({
                "method": check.method.as_str(), "authority_proof": !authority_proof.trim().is_empty()})));
            Ok(())
        }})
    }

    // ---- reading ----------------------------------------------------------------------------

    /// The requests the actor stands on: all of the agency's for business support and its
    /// managers, the allocated ones for a social worker. The viewing is audited.
    pub async fn records_requests_for(
        &self,
        who: &Who,
        actor: Actor,
    ) -> Result<Vec<RequestSummary>, StoreError> {
        let sql = "SELECT r.id, r.applicant_name, r.state, r.regime, r.received_on, wu.name AS worker_name, r.updated_at \
                   FROM records_requests r LEFT JOIN users wu ON wu.id = r.worker_id \
                   WHERE r.agency_id = $1 AND ($2 OR r.worker_id = $3) ORDER BY r.updated_at DESC, r.id DESC";
        let whole_agency = matches!(
            actor.role,
            kinlink_domain::Role::BusinessSupport | kinlink_domain::Role::TeamManager
        );
        if !whole_agency && actor.role != kinlink_domain::Role::SocialWorker {
            return Ok(Vec::new());
        }
        let rows: Vec<RequestSummary> = with_pool!(self, pool => sqlx::query_as(sql)
            .bind(actor.agency_id).bind(whole_agency).bind(actor.user_id).fetch_all(pool).await?);
        self.record(
            who,
            "records_request.list_viewed",
            "records_request",
            None::<i64>,
            Some(actor.agency_id),
            serde_json::json!({"count": rows.len()}),
        )
        .await?;
        Ok(rows)
    }

    async fn request_unchecked(&self, id: i64) -> Result<RecordsRequest, StoreError> {
        let row: Option<RequestRow> = with_pool!(self, pool => sqlx::query_as(
            sqlx::AssertSqlSafe(concat!(request_select!(), " WHERE r.id = $1"))).bind(id).fetch_optional(pool).await?);
        row.ok_or(StoreError::NotFound)?.into_request()
    }

    /// A request, if the actor stands on it; anyone else is told it does not exist, and the
    /// attempt is audited. Every view is audited.
    pub async fn records_request(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
    ) -> Result<SeenRequest, StoreError> {
        let request = match self.request_unchecked(id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => {
                self.record(
                    who,
                    "records_request.refused",
                    "records_request",
                    id,
                    None,
                    serde_json::json!({}),
                )
                .await?;
                return Err(StoreError::NotFound);
            }
            Err(e) => return Err(e),
        };
        let Some(standing) = request_standing(actor, request.facts) else {
            self.record(
                who,
                "records_request.refused",
                "records_request",
                id,
                Some(request.agency_id),
                serde_json::json!({}),
            )
            .await?;
            return Err(StoreError::NotFound);
        };
        self.record(
            who,
            "records_request.viewed",
            "records_request",
            id,
            Some(request.agency_id),
            serde_json::json!({}),
        )
        .await?;
        Ok(SeenRequest { request, standing })
    }

    pub async fn request_history(
        &self,
        seen: &SeenRequest,
    ) -> Result<Vec<RequestHistoryEntry>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT e.event, e.to_state, e.note, u.name AS user_name, e.at FROM records_request_events e \
             LEFT JOIN users u ON u.id = e.user_id WHERE e.request_id = $1 ORDER BY e.id")
            .bind(seen.request.id).fetch_all(pool).await?))
    }

    pub async fn request_grants(&self, seen: &SeenRequest) -> Result<Vec<Grant>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT g.id, g.kind, g.user_id, u.name AS user_name, b.name AS granted_by_name, g.reason, g.starts_at, \
             g.expires_at, g.revoked_at, g.revoke_reason FROM access_grants g JOIN users u ON u.id = g.user_id \
             JOIN users b ON b.id = g.granted_by WHERE g.request_id = $1 ORDER BY g.id")
            .bind(seen.request.id).fetch_all(pool).await?))
    }

    pub async fn request_tasks(&self, seen: &SeenRequest) -> Result<Vec<RecordsTask>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT t.id, t.request_id, t.kind, t.role, t.due_at, t.created_at, t.done_at, t.escalated_at, r.applicant_name \
             FROM records_tasks t JOIN records_requests r ON r.id = t.request_id WHERE t.request_id = $1 ORDER BY t.id")
            .bind(seen.request.id).fetch_all(pool).await?))
    }

    pub async fn request_appointments(
        &self,
        seen: &SeenRequest,
    ) -> Result<Vec<Appointment>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, request_id, starts_at, minutes, venue, place, counsellor, sequence, invited_at, cancelled_at \
             FROM counselling_appointments WHERE request_id = $1 ORDER BY starts_at, id")
            .bind(seen.request.id).fetch_all(pool).await?))
    }

    /// The casework: only the manager and the allocated worker read it.
    pub async fn request_casework(&self, seen: &SeenRequest) -> Result<Casework, StoreError> {
        if !seen.standing.sees_casework() {
            return Err(StoreError::Forbidden(
                kinlink_domain::policy::Denied::NotAllocated,
            ));
        }
        let id = seen.request.id;
        Ok(with_pool!(self, pool => Casework {
            sessions: sqlx::query_as(
                "SELECT s.id, s.appointment_id, s.held_on, s.attended, s.facts, s.opinion, s.third_party, \
                 u.name AS signed_by_name, s.signed_at FROM counselling_sessions s JOIN users u ON u.id = s.signed_by \
                 WHERE s.request_id = $1 ORDER BY s.held_on, s.id").bind(id).fetch_all(pool).await?,
            referrals: sqlx::query_as(
                "SELECT f.id, f.organisation, f.referred_on, f.reason, f.shared, f.agreement_received, \
                 u.name AS recorded_by_name FROM records_referrals f JOIN users u ON u.id = f.recorded_by \
                 WHERE f.request_id = $1 ORDER BY f.id").bind(id).fetch_all(pool).await?,
            disclosures: sqlx::query_as(
                "SELECT d.id, d.referral_id, d.what, d.to_whom, d.disclosed_on, d.birth_record_information, \
                 d.receipt_received_on, u.name AS recorded_by_name FROM records_disclosures d \
                 JOIN users u ON u.id = d.recorded_by WHERE d.request_id = $1 ORDER BY d.id").bind(id).fetch_all(pool).await?,
            intermediary: sqlx::query_as(
                "SELECT u.name AS opened_by_name, i.opened_at, i.veto_check, i.register_check, i.subject_views, \
                 i.checks_recorded_at, i.tracing_started_at, i.completed_at, i.outcome FROM intermediary_records i \
                 JOIN users u ON u.id = i.opened_by WHERE i.request_id = $1").bind(id).fetch_optional(pool).await?,
        }))
    }

    /// The people a manager can allocate: the agency's active social workers and managers.
    pub async fn records_workers(&self, agency_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, name FROM users WHERE agency_id = $1 AND disabled_at IS NULL \
             AND role IN ('social_worker', 'team_manager') ORDER BY name")
            .bind(agency_id).fetch_all(pool).await?))
    }

    // ---- the procedure's steps -------------------------------------------------------------

    /// Takes one step of the procedure. The policy decides whether this person may; the state
    /// machine whether it can happen now. Granting, revoking, tasks and notifications follow.
    pub async fn request_step(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        step: &RequestStep,
    ) -> Result<RequestState, StoreError> {
        let event = step.event();
        let (text, text_required) = step.text();
        let text = text.map(str::trim).unwrap_or("");
        // Checked once the person is known to stand on the request: anyone else is told it
        // does not exist, whatever they wrote.
        let text_problem = if text_required && check_reason(text).is_err() {
            Some(invalid(
                "reason",
                match step {
                    RequestStep::Close { .. } => "Write a closing summary",
                    RequestStep::CompleteIntermediary { .. } => {
                        "Write the outcome of the intermediary work"
                    }
                    _ => "Write a reason",
                },
            ))
        } else if text.chars().count() > 4_000 {
            Some(invalid(
                "reason",
                "The text must be 4,000 characters or fewer",
            ))
        } else {
            None
        };
        let settings = self.register_settings().await?;
        let now = self.now();
        let grant_until = now + settings.records_grant_days.clamp(1, 365) * 86_400;
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::Step(event), 'body);
            if let Some(problem) = text_problem {
                break 'body Err(problem);
            }
            let next = apply_or_break!(req, event, 'body);
            let mut detail = serde_json::json!({"event": event.as_str(), "from": req.state.as_str(), "to": next.as_str()});
            match step {
                RequestStep::Allocate { worker } => {
                    let ok: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM users WHERE id = $1 AND agency_id = $2 AND disabled_at IS NULL AND role IN ('social_worker', 'team_manager')")
                        .bind(worker).bind(req.facts.agency).fetch_optional(&mut *tx).await?;
                    if ok.is_none() {
                        break 'body Err(invalid("worker", "Choose a social worker of your agency"));
                    }
                    sqlx::query("UPDATE records_requests SET worker_id = $1 WHERE id = $2").bind(worker).bind(id).execute(&mut *tx).await?;
                    notify_records!(self, tx, id, ONE_PERSON, req.facts.agency, *worker, actor.user_id, "A request for access to adoption records has been allocated to you.");
                    detail["worker"] = serde_json::json!(worker);
                }
                RequestStep::AuthoriseAccess { reason } | RequestStep::GrantArchiveAccess { reason } => {
                    let Some(worker) = req.facts.worker else { break 'body Err(rule(RecordsRuleBroken::NotNow(req.state))) };
                    let kind = if event == RequestEvent::AuthoriseAccess { GrantKind::LockedRecord } else { GrantKind::Archive };
                    let grant: i64 = sqlx::query_scalar(
                        "INSERT INTO access_grants (request_id, kind, user_id, granted_by, reason, starts_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                        .bind(id).bind(kind.as_str()).bind(worker).bind(actor.user_id).bind(reason.trim()).bind(now).bind(grant_until)
                        .fetch_one(&mut *tx).await?;
                    if kind == GrantKind::LockedRecord {
                        notify_records!(self, tx, id, SUPPORT, req.facts.agency, 0i64, actor.user_id, "The team manager has authorised a worker's access to a locked adoption record: please give archive access.");
                    }
                    notify_records!(self, tx, id, ONE_PERSON, req.facts.agency, worker, actor.user_id, "You have been given access to a locked adoption record.");
                    detail["grant"] = serde_json::json!({"id": grant, "kind": kind.as_str(), "user": worker, "expires_at": grant_until});
                }
                RequestStep::SendForApproval => {
                    notify_records!(self, tx, id, MANAGERS, req.facts.agency, actor.user_id, actor.user_id, "A request for access to adoption records is waiting for your approval.");
                }
                RequestStep::Decline { .. } => {
                    notify_records!(self, tx, id, ONE_PERSON, req.facts.agency, req.facts.recorded_by, actor.user_id, "A request for access to adoption records was declined: please tell the applicant.");
                }
                RequestStep::OpenIntermediary => {
                    sqlx::query("INSERT INTO intermediary_records (request_id, opened_by, opened_at) VALUES ($1, $2, $3) \
                                 ON CONFLICT (request_id) DO UPDATE SET completed_at = NULL, outcome = ''")
                        .bind(id).bind(actor.user_id).bind(now).execute(&mut *tx).await?;
                }
                RequestStep::CompleteIntermediary { outcome } => {
                    let checks: Option<(Option<String>, Option<String>, String)> = sqlx::query_as(
                        "SELECT veto_check, register_check, subject_views FROM intermediary_records WHERE request_id = $1")
                        .bind(id).fetch_optional(&mut *tx).await?;
                    let Some((veto, register, views)) = checks else { break 'body Err(rule(RecordsRuleBroken::NotNow(req.state))) };
                    if veto.is_none() || register.is_none() || views.trim().is_empty() {
                        break 'body Err(rule(RecordsRuleBroken::ChecksBeforeTracing));
                    }
                    sqlx::query("UPDATE intermediary_records SET completed_at = $1, outcome = $2 WHERE request_id = $3")
                        .bind(now).bind(outcome.trim()).bind(id).execute(&mut *tx).await?;
                }
                RequestStep::Close { .. } | RequestStep::Withdraw { .. } => {
                    let revoked = sqlx::query(
                        "UPDATE access_grants SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 \
                         WHERE request_id = $4 AND revoked_at IS NULL")
                        .bind(now).bind(actor.user_id)
                        .bind(if event == RequestEvent::Close { "The case was closed" } else { "The applicant withdrew" })
                        .bind(id).execute(&mut *tx).await?.rows_affected();
                    let archive_given: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_grants WHERE request_id = $1 AND kind = 'archive'")
                        .bind(id).fetch_one(&mut *tx).await?;
                    let task_open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records_tasks WHERE request_id = $1 AND kind = 'close_archive_access' AND done_at IS NULL")
                        .bind(id).fetch_one(&mut *tx).await?;
                    sqlx::query("UPDATE records_requests SET outcome_note = $1 WHERE id = $2").bind(text).bind(id).execute(&mut *tx).await?;
                    detail["grants_revoked"] = serde_json::json!(revoked);
                    let what = if event == RequestEvent::Close { "closed" } else { "withdrawn" };
                    notify_records!(self, tx, id, MANAGERS, req.facts.agency, actor.user_id, actor.user_id,
                        &format!("A request for access to adoption records was {what}; every access grant has been revoked."));
                    if archive_given > 0 {
                        if task_open == 0 {
                            add_task!(self, tx, id, req.facts.agency, TaskKind::CloseArchiveAccess);
                        }
                        notify_records!(self, tx, id, SUPPORT, req.facts.agency, 0i64, actor.user_id,
                            &format!("A request for access to adoption records was {what}: close the worker's access to the archive system and confirm it in Kinlink."));
                    }
                }
                RequestStep::Reopen { .. } => {
                    sqlx::query("UPDATE records_requests SET outcome_note = $1 WHERE id = $2").bind(text).bind(id).execute(&mut *tx).await?;
                    if let Some(worker) = req.facts.worker {
                        notify_records!(self, tx, id, ONE_PERSON, req.facts.agency, worker, actor.user_id, "A request for access to adoption records you worked on has been reopened.");
                    }
                }
                RequestStep::Approve { .. } | RequestStep::SupportExternalAccess { .. } => {}
            }
            if matches!(step, RequestStep::Decline { .. }) {
                sqlx::query("UPDATE records_requests SET outcome_note = $1 WHERE id = $2").bind(text).bind(id).execute(&mut *tx).await?;
            }
            write_step!(self, tx, &req, event, next, text, actor.user_id);
            audit!(self, tx, who.event("records_request.step", "records_request", id, Some(req.facts.agency), detail));
            Ok(next)
        }})
    }

    // ---- grants and the locked record ------------------------------------------------------

    /// The manager renews a grant for another period from now, or revokes it with a reason.
    pub async fn change_grant(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        grant_id: i64,
        revoke_reason: Option<&str>,
    ) -> Result<(), StoreError> {
        if let Some(reason) = revoke_reason {
            check_reason(reason)
                .map_err(|_| invalid("reason", "Write why the access is revoked"))?;
        }
        let settings = self.register_settings().await?;
        let now = self.now();
        let until = now + settings.records_grant_days.clamp(1, 365) * 86_400;
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::ManageGrants, 'body);
            if req.state.is_read_only() {
                break 'body Err(rule(RecordsRuleBroken::ReadOnly));
            }
            let grant: Option<(String, Option<i64>)> = sqlx::query_as(
                "SELECT kind, revoked_at FROM access_grants WHERE id = $1 AND request_id = $2")
                .bind(grant_id).bind(id).fetch_optional(&mut *tx).await?;
            let Some((kind, revoked)) = grant else { break 'body Err(StoreError::NotFound) };
            if revoked.is_some() {
                break 'body Err(invalid("grant", "This access was revoked; authorise new access instead"));
            }
            let action = match revoke_reason {
                Some(reason) => {
                    sqlx::query("UPDATE access_grants SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4")
                        .bind(now).bind(actor.user_id).bind(reason.trim()).bind(grant_id).execute(&mut *tx).await?;
                    "revoked"
                }
                None => {
                    sqlx::query("UPDATE access_grants SET expires_at = $1 WHERE id = $2")
                        .bind(until).bind(grant_id).execute(&mut *tx).await?;
                    "renewed"
                }
            };
            let note = match revoke_reason {
                Some(reason) => format!("{} access revoked: {}", GrantKind::parse(&kind).map_or("", GrantKind::label), reason.trim()),
                None => format!("{} access renewed", GrantKind::parse(&kind).map_or("", GrantKind::label)),
            };
            history!(self, tx, id, &format!("grant_{action}"), req.state.as_str(), &note, actor.user_id);
            audit!(self, tx, who.event(&format!("access_grant.{action}"), "access_grant", grant_id, Some(req.facts.agency), serde_json::json!({
                "request": id, "kind": kind, "expires_at": (action == "renewed").then_some(until)})));
            Ok(())
        }})
    }

    /// Reads the locked record with the reader's own active grant of `kind`. Every reading is
    /// logged for the manager and audited; without a grant the record "does not exist", and
    /// the attempt is logged and audited too.
    pub async fn read_locked_record(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        kind: GrantKind,
    ) -> Result<LockedRecord, StoreError> {
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let Some(req) = lock_request!(self, tx, id) else {
                audit!(self, tx, who.event("locked_record.view_refused", "records_request", id, None, serde_json::json!({"kind": kind.as_str()})));
                break 'body Err(StoreError::NotFound);
            };
            let standing = request_standing(actor, req.facts);
            let grants: Vec<(i64, String, i64, i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT id, kind, user_id, starts_at, expires_at, revoked_at FROM access_grants WHERE request_id = $1 AND user_id = $2")
                .bind(id).bind(actor.user_id).fetch_all(&mut *tx).await?;
            let policy_grants: Vec<AccessGrant> = grants.iter().filter_map(|g| Some(AccessGrant {
                kind: GrantKind::parse(&g.1)?, user_id: g.2, starts_at: g.3, expires_at: g.4, revoked_at: g.5 })).collect();
            let decision = may_read_locked(actor, standing, &policy_grants, kind, now);
            let active = grants.iter().zip(&policy_grants).find(|(_, g)| g.kind == kind && g.is_active(now)).map(|(g, p)| (g.0, p.expires_at));
            sqlx::query("INSERT INTO locked_record_views (request_id, user_id, kind, grant_id, allowed, at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(actor.user_id).bind(kind.as_str()).bind(active.map(|a| a.0)).bind(decision.is_ok()).bind(now)
                .execute(&mut *tx).await?;
            let Some((grant_id, expires_at)) = active.filter(|_| decision.is_ok()) else {
                audit!(self, tx, who.event("locked_record.view_refused", "records_request", id, Some(req.facts.agency), serde_json::json!({"kind": kind.as_str()})));
                break 'body Err(StoreError::NotFound);
            };
            let row: (String, String, String, String, String, String, String) = sqlx::query_as(
                "SELECT case_reference, birth_mother, birth_father, birth_registration, case_summary, archive_reference, archive_location \
                 FROM locked_records WHERE request_id = $1").bind(id).fetch_one(&mut *tx).await?;
            audit!(self, tx, who.event("locked_record.viewed", "records_request", id, Some(req.facts.agency), serde_json::json!({"kind": kind.as_str(), "grant": grant_id})));
            let locked = kind == GrantKind::LockedRecord;
            let keep = |text: String, shown: bool| if shown { text } else { String::new() };
            Ok(LockedRecord {
                kind,
                case_reference: row.0,
                birth_mother: keep(row.1, locked),
                birth_father: keep(row.2, locked),
                birth_registration: keep(row.3, locked),
                case_summary: keep(row.4, locked),
                archive_reference: keep(row.5, !locked),
                archive_location: keep(row.6, !locked),
                grant_expires_at: expires_at,
            })
        }})
    }

    /// The grant holder records what the locked record holds: the case record's contents with
    /// a locked-record grant, where the paper file is with an archive grant. Audited; the
    /// words themselves are not copied into the audit log.
    pub async fn record_case_file(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        kind: GrantKind,
        fields: [&str; 4],
    ) -> Result<(), StoreError> {
        let mut problems = Vec::new();
        let names: [(&'static str, &str); 4] = match kind {
            GrantKind::LockedRecord => [
                ("birth_mother", "the birth mother"),
                ("birth_father", "the birth father"),
                ("birth_registration", "the birth registration"),
                ("case_summary", "what the case record holds"),
            ],
            GrantKind::Archive => [
                ("archive_reference", "the archive reference"),
                ("archive_location", "where the file is"),
                ("", ""),
                ("", ""),
            ],
        };
        for ((field, name), text) in names.into_iter().zip(fields) {
            optional(&mut problems, field, name, text, 10_000);
        }
        no_problems(problems)?;
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let Some(req) = lock_request!(self, tx, id) else { break 'body Err(StoreError::NotFound) };
            let standing = request_standing(actor, req.facts);
            let grants: Vec<(String, i64, i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT kind, user_id, starts_at, expires_at, revoked_at FROM access_grants WHERE request_id = $1 AND user_id = $2")
                .bind(id).bind(actor.user_id).fetch_all(&mut *tx).await?;
            let grants: Vec<AccessGrant> = grants.into_iter().filter_map(|g| Some(AccessGrant {
                kind: GrantKind::parse(&g.0)?, user_id: g.1, starts_at: g.2, expires_at: g.3, revoked_at: g.4 })).collect();
            if may_read_locked(actor, standing, &grants, kind, now).is_err() || req.state.is_read_only() {
                audit!(self, tx, who.event("locked_record.change_refused", "records_request", id, Some(req.facts.agency), serde_json::json!({"kind": kind.as_str()})));
                break 'body Err(StoreError::NotFound);
            }
            let [a, b, c, d] = fields.map(str::trim);
            match kind {
                GrantKind::LockedRecord => sqlx::query("UPDATE locked_records SET birth_mother = $1, birth_father = $2, birth_registration = $3, case_summary = $4, updated_at = $5 WHERE request_id = $6")
                    .bind(a).bind(b).bind(c).bind(d).bind(now).bind(id).execute(&mut *tx).await?,
                GrantKind::Archive => sqlx::query("UPDATE locked_records SET archive_reference = $1, archive_location = $2, updated_at = $3 WHERE request_id = $4")
                    .bind(a).bind(b).bind(now).bind(id).execute(&mut *tx).await?,
            };
            audit!(self, tx, who.event("locked_record.changed", "records_request", id, Some(req.facts.agency), serde_json::json!({"kind": kind.as_str()})));
            Ok(())
        }})
    }

    /// Who read the locked record, and when (refused attempts included): for the manager.
    pub async fn locked_record_view_log(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
    ) -> Result<Vec<LockedView>, StoreError> {
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::ReadViewLog, 'body);
            let views: Vec<LockedView> = sqlx::query_as(
                "SELECT u.name AS user_name, v.kind, v.allowed, v.at FROM locked_record_views v \
                 JOIN users u ON u.id = v.user_id WHERE v.request_id = $1 ORDER BY v.id DESC")
                .bind(id).fetch_all(&mut *tx).await?;
            audit!(self, tx, who.event("locked_record.view_log_read", "records_request", id, Some(req.facts.agency), serde_json::json!({})));
            Ok(views)
        }})
    }

    /// Business support confirms the worker's access to the archive system is closed.
    pub async fn confirm_archive_closed(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
    ) -> Result<(), StoreError> {
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::ConfirmArchiveClosed, 'body);
            let done = sqlx::query("UPDATE records_tasks SET done_at = $1, done_by = $2 WHERE request_id = $3 AND kind = 'close_archive_access' AND done_at IS NULL")
                .bind(now).bind(actor.user_id).bind(id).execute(&mut *tx).await?.rows_affected();
            if done == 0 {
                break 'body Err(invalid("task", "There is no archive access waiting to be closed on this request"));
            }
            history!(self, tx, id, "archive_access_closed", req.state.as_str(), "Archive access closed in the archive system", actor.user_id);
            audit!(self, tx, who.event("records_request.archive_closed", "records_request", id, Some(req.facts.agency), serde_json::json!({})));
            Ok(())
        }})
    }

    // ---- casework ---------------------------------------------------------------------------

    /// Arranges a counselling appointment (possible from allocation on: the procedure has
    /// the worker arrange counselling "meanwhile").
    pub async fn arrange_appointment(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        new: &NewAppointment,
    ) -> Result<i64, StoreError> {
        let mut problems = Vec::new();
        if new.venue != Venue::Phone {
            required(
                &mut problems,
                "place",
                "where it is held (an address or the video link)",
                &new.place,
                500,
            );
        }
        optional(&mut problems, "place", "the place", &new.place, 500);
        required(
            &mut problems,
            "counsellor",
            "the counsellor's name",
            &new.counsellor,
            200,
        );
        if !(15..=480).contains(&new.minutes) {
            problems.push(Problem::new(
                "minutes",
                "The length must be between 15 and 480 minutes",
            ));
        }
        no_problems(problems)?;
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::Casework, 'body);
            let next = apply_or_break!(req, RequestEvent::Counsel, 'body);
            let appointment: i64 = sqlx::query_scalar(
                "INSERT INTO counselling_appointments (request_id, starts_at, minutes, venue, place, counsellor, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(id).bind(new.starts_at).bind(new.minutes).bind(new.venue.as_str()).bind(new.place.trim())
                .bind(new.counsellor.trim()).bind(actor.user_id).bind(now).fetch_one(&mut *tx).await?;
            let note = format!("Counselling appointment arranged ({})", new.venue.label());
            write_step!(self, tx, &req, RequestEvent::Counsel, next, &note, actor.user_id);
            audit!(self, tx, who.event("counselling.appointment_arranged", "records_request", id, Some(req.facts.agency), serde_json::json!({"appointment": appointment, "starts_at": new.starts_at})));
            Ok(appointment)
        }})
    }

    /// Cancels an appointment (the invitation, if sent, is followed by a cancellation).
    pub async fn cancel_appointment(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        appointment: i64,
    ) -> Result<(), StoreError> {
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::Casework, 'body);
            if req.state.is_read_only() {
                break 'body Err(rule(RecordsRuleBroken::ReadOnly));
            }
            let changed = sqlx::query("UPDATE counselling_appointments SET cancelled_at = $1, sequence = sequence + 1 WHERE id = $2 AND request_id = $3 AND cancelled_at IS NULL")
                .bind(now).bind(appointment).bind(id).execute(&mut *tx).await?.rows_affected();
            if changed == 0 {
                break 'body Err(StoreError::NotFound);
            }
            history!(self, tx, id, "appointment_cancelled", req.state.as_str(), "Counselling appointment cancelled", actor.user_id);
            audit!(self, tx, who.event("counselling.appointment_cancelled", "records_request", id, Some(req.facts.agency), serde_json::json!({"appointment": appointment})));
            Ok(())
        }})
    }

    /// Records a counselling session, signed and dated by the worker.
    pub async fn record_session(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        new: &NewCounsellingSession,
    ) -> Result<i64, StoreError> {
        let mut problems = Vec::new();
        required(
            &mut problems,
            "facts",
            "what happened (facts)",
            &new.facts,
            10_000,
        );
        optional(
            &mut problems,
            "opinion",
            "the worker's opinion",
            &new.opinion,
            10_000,
        );
        optional(
            &mut problems,
            "third_party",
            "third-party information",
            &new.third_party,
            10_000,
        );
        if new.held_on > self.today() {
            problems.push(Problem::new(
                "held_on",
                "A session can only be recorded once it has happened",
            ));
        }
        if !new.signed {
            problems.push(Problem::new(
                "signed",
                "Confirm the record is accurate to sign it",
            ));
        }
        no_problems(problems)?;
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::Casework, 'body);
            let next = apply_or_break!(req, RequestEvent::Counsel, 'body);
            if let Some(appointment) = new.appointment_id {
                let found: Option<i64> = sqlx::query_scalar("SELECT id FROM counselling_appointments WHERE id = $1 AND request_id = $2")
                    .bind(appointment).bind(id).fetch_optional(&mut *tx).await?;
                if found.is_none() {
                    break 'body Err(invalid("appointment_id", "Choose one of this case's appointments"));
                }
            }
            let session: i64 = sqlx::query_scalar(
                "INSERT INTO counselling_sessions (request_id, appointment_id, held_on, attended, facts, opinion, third_party, signed_by, signed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(id).bind(new.appointment_id).bind(new.held_on.to_string()).bind(new.attended)
                .bind(new.facts.trim()).bind(new.opinion.trim()).bind(new.third_party.trim()).bind(actor.user_id).bind(now)
                .fetch_one(&mut *tx).await?;
            let note = if new.attended { "Counselling session recorded: attended" } else { "Counselling session recorded: not attended" };
            write_step!(self, tx, &req, RequestEvent::Counsel, next, note, actor.user_id);
            audit!(self, tx, who.event("counselling.session_recorded", "records_request", id, Some(req.facts.agency), serde_json::json!({"session": session, "attended": new.attended})));
            Ok(session)
        }})
    }

    /// Records a referral to an external adoption service; what was shared with them becomes
    /// a disclosure record.
    pub async fn record_referral(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        new: &NewReferral,
    ) -> Result<i64, StoreError> {
        let mut problems = Vec::new();
        required(
            &mut problems,
            "organisation",
            "the organisation's name",
            &new.organisation,
            200,
        );
        required(
            &mut problems,
            "reason",
            "the reason for the referral",
            &new.reason,
            4_000,
        );
        optional(
            &mut problems,
            "shared",
            "what was shared",
            &new.shared,
            4_000,
        );
        if new.referred_on > self.today() {
            problems.push(Problem::new(
                "referred_on",
                "The referral date must be today or in the past",
            ));
        }
        if new.shared_birth_record_information && new.shared.trim().is_empty() {
            problems.push(Problem::new(
                "shared",
                "Say what birth-record information was shared",
            ));
        }
        no_problems(problems)?;
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::Casework, 'body);
            let next = apply_or_break!(req, RequestEvent::RecordReferral, 'body);
            if !new.shared.trim().is_empty()
                && let Err(broken) = may_disclose(req.state, req.records, new.shared_birth_record_information)
            {
                break 'body Err(rule(broken));
            }
            let referral: i64 = sqlx::query_scalar(
                "INSERT INTO records_referrals (request_id, organisation, referred_on, reason, shared, agreement_received, recorded_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(id).bind(new.organisation.trim()).bind(new.referred_on.to_string()).bind(new.reason.trim())
                .bind(new.shared.trim()).bind(new.agreement_received).bind(actor.user_id).bind(now)
                .fetch_one(&mut *tx).await?;
            if !new.shared.trim().is_empty() {
                sqlx::query("INSERT INTO records_disclosures (request_id, referral_id, what, to_whom, disclosed_on, birth_record_information, recorded_by, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(id).bind(referral).bind(new.shared.trim()).bind(new.organisation.trim()).bind(new.referred_on.to_string())
                    .bind(new.shared_birth_record_information).bind(actor.user_id).bind(now).execute(&mut *tx).await?;
            }
            let note = format!("Referred to {}", new.organisation.trim());
            write_step!(self, tx, &req, RequestEvent::RecordReferral, next, &note, actor.user_id);
            audit!(self, tx, who.event("records_request.referral_recorded", "records_request", id, Some(req.facts.agency), serde_json::json!({
                "referral": referral, "disclosed": !new.shared.trim().is_empty(), "agreement_received": new.agreement_received})));
            Ok(referral)
        }})
    }

    /// Records that the external service's confidentiality agreement arrived.
    pub async fn record_agreement(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        referral: i64,
    ) -> Result<(), StoreError> {
        self.casework_update(who, actor, id,
            "UPDATE records_referrals SET agreement_received = TRUE WHERE id = $1 AND request_id = $2 AND agreement_received = FALSE",
            referral, None, "records_request.agreement_received", "Confidentiality agreement received").await
    }

    /// Records that the receipt for a disclosure came back.
    pub async fn record_receipt(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        disclosure: i64,
    ) -> Result<(), StoreError> {
        self.casework_update(who, actor, id,
            "UPDATE records_disclosures SET receipt_received_on = $3 WHERE id = $1 AND request_id = $2 AND receipt_received_on IS NULL",
            disclosure, Some(self.today().to_string()), "records_request.receipt_received", "Receipt for a disclosure received").await
    }

    /// One small casework change (`sql` binds the row, the request and, if given, `value`),
    /// with its history line and audit entry.
    #[allow(clippy::too_many_arguments)]
    async fn casework_update(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        sql: &'static str,
        row: i64,
        value: Option<String>,
        action: &str,
        note: &str,
    ) -> Result<(), StoreError> {
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::Casework, 'body);
            if req.state.is_read_only() {
                break 'body Err(rule(RecordsRuleBroken::ReadOnly));
            }
            let mut query = sqlx::query(sql).bind(row).bind(id);
            if let Some(value) = &value {
                query = query.bind(value.clone());
            }
            let changed = query.execute(&mut *tx).await?.rows_affected();
            if changed == 0 {
                break 'body Err(StoreError::NotFound);
            }
            history!(self, tx, id, action.trim_start_matches("records_request."), req.state.as_str(), note, actor.user_id);
            audit!(self, tx, who.event(action, "records_request", id, Some(req.facts.agency), serde_json::json!({"row": row})));
            Ok(())
        }})
    }

    /// Records a disclosure of information (to the applicant, or to a service).
    pub async fn record_disclosure(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        new: &NewDisclosure,
    ) -> Result<i64, StoreError> {
        let mut problems = Vec::new();
        required(
            &mut problems,
            "what",
            "what was disclosed",
            &new.what,
            4_000,
        );
        required(
            &mut problems,
            "to_whom",
            "who it was disclosed to",
            &new.to_whom,
            200,
        );
        if new.disclosed_on > self.today() {
            problems.push(Problem::new(
                "disclosed_on",
                "The date must be today or in the past",
            ));
        }
        no_problems(problems)?;
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::Casework, 'body);
            if let Err(broken) = may_disclose(req.state, req.records, new.birth_record_information) {
                break 'body Err(rule(broken));
            }
            let disclosure: i64 = sqlx::query_scalar(
                "INSERT INTO records_disclosures (request_id, what, to_whom, disclosed_on, birth_record_information, recorded_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(id).bind(new.what.trim()).bind(new.to_whom.trim()).bind(new.disclosed_on.to_string())
                .bind(new.birth_record_information).bind(actor.user_id).bind(now).fetch_one(&mut *tx).await?;
            history!(self, tx, id, "disclosure", req.state.as_str(), &format!("Disclosed to {}", new.to_whom.trim()), actor.user_id);
            audit!(self, tx, who.event("records_request.disclosure_recorded", "records_request", id, Some(req.facts.agency), serde_json::json!({
                "disclosure": disclosure, "birth_record_information": new.birth_record_information})));
            Ok(disclosure)
        }})
    }

    /// Records the checks an intermediary record needs before any tracing. An absolute veto
    /// stops the intermediary work: the record is completed with that outcome.
    pub async fn record_intermediary_checks(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        veto: VetoCheck,
        register: RegisterCheck,
        subject_views: &str,
    ) -> Result<RequestState, StoreError> {
        let mut problems = Vec::new();
        required(
            &mut problems,
            "subject_views",
            "the subject's views (or that none are known)",
            subject_views,
            4_000,
        );
        no_problems(problems)?;
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::Casework, 'body);
            if req.state != RequestState::IntermediaryOpen {
                break 'body Err(rule(RecordsRuleBroken::NotNow(req.state)));
            }
            sqlx::query("UPDATE intermediary_records SET veto_check = $1, register_check = $2, subject_views = $3, checks_recorded_at = $4 WHERE request_id = $5")
                .bind(veto.as_str()).bind(register.as_str()).bind(subject_views.trim()).bind(now).bind(id)
                .execute(&mut *tx).await?;
            let mut next = req.state;
            let note = format!("Checks recorded: {}; {}", veto.label(), register.label());
            if veto == VetoCheck::AbsoluteVeto {
                let outcome = RecordsRuleBroken::AbsoluteVeto.to_string();
                sqlx::query("UPDATE intermediary_records SET completed_at = $1, outcome = $2 WHERE request_id = $3")
                    .bind(now).bind(&outcome).bind(id).execute(&mut *tx).await?;
                next = match req.state.apply(req.records, RequestEvent::CompleteIntermediary) {
                    Ok(next) => next,
                    Err(broken) => break 'body Err(rule(broken)),
                };
                write_step!(self, tx, &req, RequestEvent::CompleteIntermediary, next, &format!("{note}. {outcome}"), actor.user_id);
            } else {
                history!(self, tx, id, "intermediary_checks", req.state.as_str(), &note, actor.user_id);
            }
            audit!(self, tx, who.event("intermediary.checks_recorded", "records_request", id, Some(req.facts.agency), serde_json::json!({
                "veto": veto.as_str(), "register": register.as_str()})));
            Ok(next)
        }})
    }

    /// Starts tracing: only once every check is recorded and no absolute veto stands.
    pub async fn start_tracing(&self, who: &Who, actor: Actor, id: i64) -> Result<(), StoreError> {
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::Casework, 'body);
            let row: Option<(Option<String>, Option<String>, String)> = sqlx::query_as(
                "SELECT veto_check, register_check, subject_views FROM intermediary_records WHERE request_id = $1")
                .bind(id).fetch_optional(&mut *tx).await?;
            // An absolute veto is the reason, whatever stage the case has reached since.
            if row.as_ref().and_then(|r| r.0.as_deref()) == Some(VetoCheck::AbsoluteVeto.as_str()) {
                break 'body Err(rule(RecordsRuleBroken::AbsoluteVeto));
            }
            if req.state != RequestState::IntermediaryOpen {
                break 'body Err(rule(RecordsRuleBroken::NotNow(req.state)));
            }
            let Some((veto, register, views)) = row else { break 'body Err(StoreError::NotFound) };
            let checks = IntermediaryChecks {
                veto: veto.as_deref().and_then(VetoCheck::parse),
                register: register.as_deref().and_then(RegisterCheck::parse),
                views_recorded: !views.trim().is_empty(),
            };
            if let Err(broken) = checks.may_trace() {
                break 'body Err(rule(broken));
            }
            sqlx::query("UPDATE intermediary_records SET tracing_started_at = $1 WHERE request_id = $2 AND tracing_started_at IS NULL")
                .bind(now).bind(id).execute(&mut *tx).await?;
            history!(self, tx, id, "tracing_started", req.state.as_str(), "Tracing started", actor.user_id);
            audit!(self, tx, who.event("intermediary.tracing_started", "records_request", id, Some(req.facts.agency), serde_json::json!({})));
            Ok(())
        }})
    }

    // ---- inboxes and escalation -------------------------------------------------------------

    /// The actor's inbox: open tasks for their role in their agency (a manager also sees every
    /// escalated task), and a worker's appointments in the next seven days.
    pub async fn records_inbox(&self, actor: Actor) -> Result<RecordsInbox, StoreError> {
        use kinlink_domain::Role;
        let now = self.now();
        let tasks: Vec<RecordsTask> = match actor.role {
            Role::BusinessSupport | Role::TeamManager => with_pool!(self, pool => sqlx::query_as(
                "SELECT t.id, t.request_id, t.kind, t.role, t.due_at, t.created_at, t.done_at, t.escalated_at, r.applicant_name \
                 FROM records_tasks t JOIN records_requests r ON r.id = t.request_id \
                 WHERE t.agency_id = $1 AND t.done_at IS NULL AND (t.role = $2 OR ($3 AND t.escalated_at IS NOT NULL)) \
                 ORDER BY t.due_at, t.id")
                .bind(actor.agency_id).bind(actor.role.as_str()).bind(actor.role == Role::TeamManager)
                .fetch_all(pool).await?),
            _ => Vec::new(),
        };
        let appointments: Vec<(Appointment, String)> = if matches!(
            actor.role,
            Role::SocialWorker | Role::TeamManager
        ) {
            let rows: Vec<AppointmentWithName> = with_pool!(self, pool => sqlx::query_as(
                "SELECT a.id, a.request_id, a.starts_at, a.minutes, a.venue, a.place, a.counsellor, a.sequence, a.invited_at, \
                 a.cancelled_at, r.applicant_name FROM counselling_appointments a JOIN records_requests r ON r.id = a.request_id \
                 WHERE r.worker_id = $1 AND r.agency_id = $2 AND a.cancelled_at IS NULL AND a.starts_at >= $3 AND a.starts_at < $4 \
                 ORDER BY a.starts_at")
                .bind(actor.user_id).bind(actor.agency_id).bind(now).bind(now + 7 * 86_400).fetch_all(pool).await?);
            rows.into_iter().map(AppointmentWithName::split).collect()
        } else {
            Vec::new()
        };
        Ok(RecordsInbox {
            tasks,
            appointments,
        })
    }

    /// Escalates every open task overdue by more than the register's escalation period to the
    /// agency's team managers, once. Returns how many were escalated.
    pub async fn escalate_records_tasks(&self) -> Result<usize, StoreError> {
        let settings = self.register_settings().await?;
        let now = self.now();
        let days = settings.records_escalation_working_days.clamp(0, 60) as u32;
        let candidates: Vec<(i64, i64, i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, request_id, due_at, kind FROM records_tasks WHERE done_at IS NULL AND escalated_at IS NULL AND due_at < $1 ORDER BY id")
            .bind(now).fetch_all(pool).await?);
        let who = Who::system();
        let mut escalated = 0;
        for (task, request, due, kind) in candidates {
            if calendar::deadline_after(due, days) >= now {
                continue;
            }
            let label = TaskKind::parse(&kind).map_or("A task", TaskKind::label);
            let done: bool = write_tx!(self, tx => {
                let agency: Option<i64> = sqlx::query_scalar(
                    "UPDATE records_tasks SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL AND done_at IS NULL RETURNING agency_id")
                    .bind(now).bind(task).fetch_optional(&mut *tx).await?;
                if let Some(agency) = agency {
                    notify_records!(self, tx, request, MANAGERS, agency, 0i64, 0i64,
                        &format!("A records-request task is overdue and has been escalated to you: {label}."));
                    audit!(self, tx, who.event("records_task.escalated", "records_task", task, Some(agency), serde_json::json!({"request": request, "kind": kind})));
                }
                agency.is_some()
            });
            escalated += usize::from(done);
        }
        Ok(escalated)
    }

    /// The appointment, for its calendar file or invitation; casework standing only.
    pub async fn appointment_for(
        &self,
        seen: &SeenRequest,
        appointment: i64,
    ) -> Result<Appointment, StoreError> {
        may_on_request(seen.standing, RequestAct::Casework).map_err(StoreError::Forbidden)?;
        let row: Option<Appointment> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, request_id, starts_at, minutes, venue, place, counsellor, sequence, invited_at, cancelled_at \
             FROM counselling_appointments WHERE id = $1 AND request_id = $2")
            .bind(appointment).bind(seen.request.id).fetch_optional(pool).await?);
        row.ok_or(StoreError::NotFound)
    }

    /// Queues the appointment's invitation to the applicant, with its calendar file.
    pub async fn queue_invitation(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        appointment: i64,
        mail: &Invitation,
    ) -> Result<(), StoreError> {
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let (req, _) = standing_for!(self, tx, who, actor, id, RequestAct::Casework, 'body);
            if req.state.is_read_only() {
                break 'body Err(rule(RecordsRuleBroken::ReadOnly));
            }
            let email: String = sqlx::query_scalar("SELECT applicant_email FROM records_requests WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            if email.trim().is_empty() {
                break 'body Err(invalid("email", "The applicant has no e-mail address: record one, or send the invitation by post"));
            }
            let changed = sqlx::query("UPDATE counselling_appointments SET invited_at = $1 WHERE id = $2 AND request_id = $3 AND cancelled_at IS NULL")
                .bind(now).bind(appointment).bind(id).execute(&mut *tx).await?.rows_affected();
            if changed == 0 {
                break 'body Err(StoreError::NotFound);
            }
            sqlx::query("INSERT INTO mail_outbox (to_address, subject, body, created_at, next_attempt_at, attachment_name, attachment_type, attachment) \
                         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)")
                .bind(email.trim()).bind(&mail.subject).bind(&mail.body).bind(now)
                .bind(&mail.file_name).bind("text/calendar; charset=UTF-8; method=REQUEST").bind(&mail.ics)
                .execute(&mut *tx).await?;
            history!(self, tx, id, "invitation_sent", req.state.as_str(), "Invitation e-mailed to the applicant", actor.user_id);
            audit!(self, tx, who.event("counselling.invitation_sent", "records_request", id, Some(req.facts.agency), serde_json::json!({"appointment": appointment})));
            Ok(())
        }})
    }
}

/// An invitation e-mail, composed by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub subject: String,
    pub body: String,
    pub file_name: String,
    pub ics: String,
}

#[derive(sqlx::FromRow)]
struct AppointmentWithName {
    id: i64,
    request_id: i64,
    starts_at: i64,
    minutes: i64,
    venue: String,
    place: String,
    counsellor: String,
    sequence: i64,
    invited_at: Option<i64>,
    cancelled_at: Option<i64>,
    applicant_name: String,
}

impl AppointmentWithName {
    fn split(self) -> (Appointment, String) {
        (
            Appointment {
                id: self.id,
                request_id: self.request_id,
                starts_at: self.starts_at,
                minutes: self.minutes,
                venue: self.venue,
                place: self.place,
                counsellor: self.counsellor,
                sequence: self.sequence,
                invited_at: self.invited_at,
                cancelled_at: self.cancelled_at,
            },
            self.applicant_name,
        )
    }
}
