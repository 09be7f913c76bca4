//! Requests for access to adoption records, through the store: a request from intake to
//! closure with its hand-over tasks, notifications and audit; who may take each step; the
//! Schedule 2 and post-2005 rules; the grants to the locked record, their expiry and the log of
//! every reading; the escalation of late tasks; the intermediary record; and that adoption
//! records are never deleted. The rules themselves are tested in `kinlink_domain`; these tests
//! check that the store applies them, writes nothing when it refuses, and says the same on
//! SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::audit::AuditEntry;
use kinlink_domain::clock::ManualClock;
use kinlink_domain::policy::{Action, Denied, Permit, Standing};
use kinlink_domain::profile::CivilDate;
use kinlink_domain::records_request::{
    ApplicantType, Arrival, ContactMethod, GrantKind, IdentityMethod, RecordsRuleBroken, Regime,
    RegisterCheck, RequestState, Venue, VetoCheck,
};
use kinlink_domain::{Clock, Role};
use kinlink_store::testing::TestDb;
use kinlink_store::{
    Agency, DatabaseKind, IdentityCheck, Invitation, LockedRecord, NewAppointment,
    NewCounsellingSession, NewDisclosure, NewRecordsRequest, NewReferral, RegisterSettings,
    RequestStep, SeenRequest, Store, StoreError, User,
};
use sqlx::Connection;
use std::fmt::Debug;
use std::sync::Arc;

on_both_backends!(
    tracing_after_an_absolute_veto_is_refused_for_the_veto,
    disclosures_grants_and_tasks_are_never_deleted_either,
    a_reopened_case_needs_its_access_authorised_again,
    a_cancelled_appointment_is_not_invited_to,
    a_request_goes_from_intake_to_closure,
    approval_waits_for_identity_and_a_representatives_authority,
    each_step_is_refused_to_the_wrong_person,
    applicants_under_18_are_refused_with_the_reason,
    before_1975_nothing_is_released_before_the_interview,
    after_2005_the_agency_is_the_only_route,
    archive_access_waits_for_the_managers_authorisation,
    grants_expire_and_the_manager_renews_or_revokes_them,
    every_reading_of_the_locked_record_is_logged,
    overdue_tasks_escalate_to_the_manager_once,
    the_intermediary_record_needs_its_checks_and_stops_at_an_absolute_veto,
    adoption_records_are_never_deleted,
);

const DAY: i64 = 86_400;

/// One agency's records team, a colleague with no part in the case, and a manager elsewhere.
struct World {
    store: Store,
    clock: Arc<ManualClock>,
    cumbria: Agency,
    support: User,
    manager: User,
    second_manager: User,
    worker: User,
    colleague: User,
    stranger: User,
}

async fn world(db: &TestDb) -> World {
    let Fixture { store, clock } = fixture(db).await;
    let cumbria = agency(&store, "Cumbria Council").await;
    let devon = agency(&store, "Devon Council").await;
    let support = staff(
        &store,
        &cumbria,
        "morgan.reed@cumbria.example",
        Role::BusinessSupport,
    )
    .await;
    let manager = staff(
        &store,
        &cumbria,
        "priya.shah@cumbria.example",
        Role::TeamManager,
    )
    .await;
    let second_manager = staff(
        &store,
        &cumbria,
        "tom.hale@cumbria.example",
        Role::TeamManager,
    )
    .await;
    let worker = staff(
        &store,
        &cumbria,
        "jess.lowe@cumbria.example",
        Role::SocialWorker,
    )
    .await;
    let colleague = staff(
        &store,
        &cumbria,
        "kit.noble@cumbria.example",
        Role::SocialWorker,
    )
    .await;
    let stranger = staff(
        &store,
        &devon,
        "dana.frost@devon.example",
        Role::TeamManager,
    )
    .await;
    World {
        store,
        clock,
        cumbria,
        support,
        manager,
        second_manager,
        worker,
        colleague,
        stranger,
    }
}

fn date(y: i32, m: u8, d: u8) -> CivilDate {
    CivilDate::new(y, m, d).unwrap()
}

/// The date on the test's clock (the fixture's moments are mid-afternoon, so the UTC date is
/// the UK date too).
fn today(w: &World) -> CivilDate {
    CivilDate::from_unix(w.clock.now())
}

/// A request from `applicant_type` about an adoption on `adopted_on`, identity already seen.
/// The adopted person was born five years before the adoption (an adopted adult applicant is
/// that person).
fn new_request(applicant_type: ApplicantType, adopted_on: CivilDate) -> NewRecordsRequest {
    let adopted_person_born_on = date(adopted_on.year() - 5, 3, 1);
    let applicant_born_on = match applicant_type {
        ApplicantType::AdoptedAdult => adopted_person_born_on,
        ApplicantType::BirthRelative | ApplicantType::Descendant => date(1950, 8, 9),
    };
    NewRecordsRequest {
        applicant_type,
        applicant_name: "Alex Marsh".into(),
        applicant_born_on,
        applicant_email: "alex.marsh@example.org".into(),
        applicant_phone: String::new(),
        applicant_address: String::new(),
        contact_method: ContactMethod::Email,
        identity: Some(IdentityCheck {
            method: IdentityMethod::PhotoId,
            checked_on: date(2025, 6, 12),
        }),
        representative_name: String::new(),
        representative_relationship: String::new(),
        authority_proof: String::new(),
        birth_name: "Alex Rowan".into(),
        adopted_person_born_on,
        adopted_on,
        court: "Carlisle County Court".into(),
        adoption_agency: "Cumberland County Council".into(),
        arrival: Arrival::Letter,
        received_on: date(2025, 6, 10),
        case_reference: "ADP/0147".into(),
    }
}

async fn record(w: &World, by: &User, new: &NewRecordsRequest) -> Result<i64, StoreError> {
    w.store.record_request(&person(by), by.actor(), new).await
}

async fn recorded(w: &World, applicant_type: ApplicantType, adopted_on: CivilDate) -> i64 {
    record(w, &w.support, &new_request(applicant_type, adopted_on))
        .await
        .unwrap()
}

async fn take(
    w: &World,
    by: &User,
    id: i64,
    step: RequestStep,
) -> Result<RequestState, StoreError> {
    w.store
        .request_step(&person(by), by.actor(), id, &step)
        .await
}

async fn seen(w: &World, by: &User, id: i64) -> SeenRequest {
    w.store
        .records_request(&person(by), by.actor(), id)
        .await
        .unwrap()
}

async fn state(w: &World, id: i64) -> RequestState {
    seen(w, &w.manager, id).await.request.state
}

fn approve() -> RequestStep {
    RequestStep::Approve {
        note: String::new(),
    }
}

fn authorise() -> RequestStep {
    RequestStep::AuthoriseAccess {
        reason: "Counselling and access to the case record".into(),
    }
}

fn archive() -> RequestStep {
    RequestStep::GrantArchiveAccess {
        reason: "The paper file is in the county archive".into(),
    }
}

/// Sends a recorded request for approval, approves it, allocates it to the worker and
/// authorises their access to the locked record.
async fn authorised(w: &World, id: i64) {
    take(w, &w.support, id, RequestStep::SendForApproval)
        .await
        .unwrap();
    take(w, &w.manager, id, approve()).await.unwrap();
    let allocate = RequestStep::Allocate {
        worker: w.worker.id,
    };
    take(w, &w.manager, id, allocate).await.unwrap();
    take(w, &w.manager, id, authorise()).await.unwrap();
}

/// As [`authorised`], and business support gives the worker archive access.
async fn with_archive_access(w: &World, id: i64) {
    authorised(w, id).await;
    assert_eq!(
        take(w, &w.support, id, archive()).await.unwrap(),
        RequestState::ArchiveAccessGranted
    );
}

fn session(held_on: CivilDate, attended: bool) -> NewCounsellingSession {
    NewCounsellingSession {
        appointment_id: None,
        held_on,
        attended,
        facts: "Met for ninety minutes; went through the court papers together.".into(),
        opinion: "Alex seemed ready to read the birth record.".into(),
        third_party: "Alex's partner says the search has been on their mind for years.".into(),
        signed: true,
    }
}

fn referral(
    referred_on: CivilDate,
    shared: &str,
    birth_records: bool,
    agreement: bool,
) -> NewReferral {
    NewReferral {
        organisation: "Northern Adoption Support".into(),
        referred_on,
        reason: "Alex wants help to trace a birth sibling.".into(),
        shared: shared.into(),
        shared_birth_record_information: birth_records,
        agreement_received: agreement,
    }
}

fn disclosure(disclosed_on: CivilDate, birth_records: bool) -> NewDisclosure {
    NewDisclosure {
        what: "The name on the original birth certificate".into(),
        to_whom: "Alex Marsh".into(),
        disclosed_on,
        birth_record_information: birth_records,
    }
}

/// Each task as "kind for role: open/done", oldest first.
async fn task_lines(w: &World, id: i64) -> Vec<String> {
    let seen = seen(w, &w.manager, id).await;
    w.store
        .request_tasks(&seen)
        .await
        .unwrap()
        .iter()
        .map(|t| {
            let done = if t.done_at.is_some() { "done" } else { "open" };
            format!("{} for {}: {done}", t.kind, t.role)
        })
        .collect()
}

/// Each history line as "event → state", oldest first.
async fn history_lines(w: &World, id: i64) -> Vec<String> {
    let seen = seen(w, &w.manager, id).await;
    w.store
        .request_history(&seen)
        .await
        .unwrap()
        .iter()
        .map(|h| format!("{} → {}", h.event, h.to_state))
        .collect()
}

async fn notification_texts(w: &World, user: &User) -> Vec<String> {
    w.store
        .notifications(user.id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.text)
        .collect()
}

/// Runs a write that must be refused as "not found" with a `refusal` audit entry (the one
/// thing a refused outsider leaves behind), and returns that entry.
async fn not_found<T: Debug>(
    store: &Store,
    refusal: &str,
    write: impl Future<Output = Result<T, StoreError>>,
) -> AuditEntry {
    let (err, entry) = audited(store, refusal, async { Ok(write.await.unwrap_err()) }).await;
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    entry
}

fn invalid_fields(err: &StoreError) -> Vec<&'static str> {
    match err {
        StoreError::Invalid(problems) => problems.iter().map(|p| p.field).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

async fn a_request_goes_from_intake_to_closure(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let new = new_request(ApplicantType::AdoptedAdult, date(1982, 5, 20));
    let (id, entry) = audited(
        store,
        "records_request.recorded",
        record(&w, &w.support, &new),
    )
    .await;
    assert_eq!(detail(&entry)["regime"], "pre_commencement");
    assert_eq!(detail(&entry)["identity_verified"], true);
    assert_eq!(entry.event.agency_id, Some(w.cumbria.id));
    assert_eq!(entry.event.actor_user_id, Some(w.support.id));

    let intake = seen(&w, &w.support, id).await;
    assert_eq!(intake.standing, Standing::BusinessSupport);
    let request = &intake.request;
    assert_eq!(request.state, RequestState::Received);
    assert_eq!(request.regime, Regime::PreCommencement);
    assert_eq!(request.applicant_name, "Alex Marsh");
    assert_eq!(request.adopted_on, "1982-05-20");
    assert_eq!(request.identity_method, Some(IdentityMethod::PhotoId));
    assert_eq!(
        request.identity_checked_by_name.as_deref(),
        Some("morgan.reed")
    );
    assert_eq!(request.recorded_by_name, "morgan.reed");
    assert_eq!(request.case_reference, "ADP/0147");
    assert!(!request.intermediary_required);
    assert_eq!(request.worker_id, None);
    assert_eq!(
        task_lines(&w, id).await,
        ["send_for_approval for business_support: open"]
    );
    let inbox = store.records_inbox(w.support.actor()).await.unwrap();
    assert_eq!(
        inbox
            .tasks
            .iter()
            .map(|t| (t.request_id, t.kind.as_str(), t.applicant_name.as_str()))
            .collect::<Vec<_>>(),
        [(id, "send_for_approval", "Alex Marsh")]
    );

    // Each hand-over: the step is audited, the task it waited for is done at that moment and
    // the next person's task (if the procedure names one) is opened.
    let steps: [(&User, RequestStep, RequestState, &[&str]); 5] = [
        (
            &w.support,
            RequestStep::SendForApproval,
            RequestState::AwaitingApproval,
            &["approve for team_manager: open"],
        ),
        (
            &w.manager,
            approve(),
            RequestState::Approved,
            &["allocate for team_manager: open"],
        ),
        (
            &w.manager,
            RequestStep::Allocate {
                worker: w.worker.id,
            },
            RequestState::Allocated,
            &["authorise for team_manager: open"],
        ),
        (
            &w.manager,
            authorise(),
            RequestState::AccessAuthorised,
            &["grant_archive_access for business_support: open"],
        ),
        (
            &w.support,
            archive(),
            RequestState::ArchiveAccessGranted,
            &[],
        ),
    ];
    let mut expected_tasks = vec!["send_for_approval for business_support: open".to_string()];
    for (by, step, to, tasks) in steps {
        w.clock.advance(3_600);
        let event = step.event();
        let (next, entry) = audited(store, "records_request.step", take(&w, by, id, step)).await;
        assert_eq!(next, to);
        assert_eq!(detail(&entry)["event"], event.as_str());
        assert_eq!(detail(&entry)["to"], to.as_str());
        assert_eq!(entry.event.actor_user_id, Some(by.id));
        let last = expected_tasks.len() - 1;
        expected_tasks[last] = expected_tasks[last].replace(": open", ": done");
        expected_tasks.extend(tasks.iter().map(|t| t.to_string()));
        assert_eq!(task_lines(&w, id).await, expected_tasks, "after {event:?}");
        let seen = seen(&w, &w.manager, id).await;
        let all = store.request_tasks(&seen).await.unwrap();
        assert_eq!(
            all[last].done_at,
            Some(w.clock.now()),
            "the task is done by the step that follows it"
        );
        assert_eq!(seen.request.state, to);
    }

    // Who was told what. Notifications never name the applicant.
    assert!(
        notification_texts(&w, &w.manager)
            .await
            .iter()
            .any(|t| t.contains("waiting for your approval"))
    );
    assert!(
        notification_texts(&w, &w.second_manager)
            .await
            .iter()
            .any(|t| t.contains("waiting for your approval"))
    );
    let worker_told = notification_texts(&w, &w.worker).await;
    assert!(worker_told.iter().any(|t| t.contains("allocated to you")));
    assert_eq!(
        worker_told
            .iter()
            .filter(|t| t.contains("You have been given access to a locked adoption record"))
            .count(),
        2,
        "one for the locked record, one for the archive: {worker_told:?}"
    );
    assert!(
        notification_texts(&w, &w.support)
            .await
            .iter()
            .any(|t| t.contains("please give archive access"))
    );

    let seen_now = seen(&w, &w.worker, id).await;
    assert_eq!(seen_now.standing, Standing::Worker);
    assert_eq!(seen_now.request.worker_name.as_deref(), Some("jess.lowe"));
    let grants = store.request_grants(&seen_now).await.unwrap();
    assert_eq!(
        grants
            .iter()
            .map(|g| (g.kind.as_str(), g.user_id, g.granted_by_name.as_str()))
            .collect::<Vec<_>>(),
        [
            ("locked_record", w.worker.id, "priya.shah"),
            ("archive", w.worker.id, "morgan.reed")
        ]
    );
    assert!(grants.iter().all(|g| g.is_active(w.clock.now())));

    // Counselling: two appointments, one invited and one cancelled.
    let starts_at = w.clock.now() + 2 * DAY;
    let appointment = NewAppointment {
        starts_at,
        minutes: 90,
        venue: Venue::InPerson,
        place: "County Hall, Carlisle".into(),
        counsellor: "jess.lowe".into(),
    };
    let (first, _) = audited(
        store,
        "counselling.appointment_arranged",
        store.arrange_appointment(&person(&w.worker), w.worker.actor(), id, &appointment),
    )
    .await;
    assert_eq!(state(&w, id).await, RequestState::Counselling);
    let second = store
        .arrange_appointment(
            &person(&w.worker),
            w.worker.actor(),
            id,
            &NewAppointment {
                starts_at: starts_at + DAY,
                venue: Venue::Phone,
                place: String::new(),
                ..appointment.clone()
            },
        )
        .await
        .unwrap();
    let inbox = store.records_inbox(w.worker.actor()).await.unwrap();
    assert_eq!(
        inbox
            .appointments
            .iter()
            .map(|(a, name)| (a.id, name.as_str()))
            .collect::<Vec<_>>(),
        [(first, "Alex Marsh"), (second, "Alex Marsh")]
    );
    let invitation = Invitation {
        subject: "Your counselling appointment".into(),
        body: "We look forward to seeing you.".into(),
        file_name: "appointment.ics".into(),
        ics: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
    };
    audited(
        store,
        "counselling.invitation_sent",
        store.queue_invitation(&person(&w.worker), w.worker.actor(), id, first, &invitation),
    )
    .await;
    let mail = store.claim_mail(1_000, 60).await.unwrap();
    let sent = mail
        .iter()
        .find(|m| m.to_address == "alex.marsh@example.org")
        .expect("the invitation is queued for the applicant");
    assert_eq!(sent.subject, "Your counselling appointment");
    assert_eq!(sent.attachment_name.as_deref(), Some("appointment.ics"));
    assert!(
        sent.attachment_type
            .as_deref()
            .is_some_and(|t| t.starts_with("text/calendar"))
    );
    audited(
        store,
        "counselling.appointment_cancelled",
        store.cancel_appointment(&person(&w.worker), w.worker.actor(), id, second),
    )
    .await;
    let appointments = store
        .request_appointments(&seen(&w, &w.worker, id).await)
        .await
        .unwrap();
    assert_eq!(appointments.len(), 2);
    assert_eq!(appointments[0].invited_at, Some(w.clock.now()));
    assert_eq!(appointments[0].cancelled_at, None);
    assert_eq!(appointments[1].cancelled_at, Some(w.clock.now()));
    assert_eq!(
        appointments[1].sequence, 1,
        "a cancellation replaces the invitation"
    );

    // The session, once it has happened; unsigned records are refused.
    w.clock.advance(2 * DAY + 4 * 3_600);
    let unsigned = NewCounsellingSession {
        signed: false,
        ..session(today(&w), true)
    };
    let err = refused(
        store,
        store.record_session(&person(&w.worker), w.worker.actor(), id, &unsigned),
    )
    .await;
    assert_eq!(invalid_fields(&err), ["signed"]);
    let held = NewCounsellingSession {
        appointment_id: Some(first),
        ..session(today(&w), true)
    };
    audited(
        store,
        "counselling.session_recorded",
        store.record_session(&person(&w.worker), w.worker.actor(), id, &held),
    )
    .await;

    // A referral that shares something makes a disclosure record; the service cannot be
    // supported until its confidentiality agreement is in.
    let shared = "The adoption order and the birth name";
    let (referral_id, entry) = audited(
        store,
        "records_request.referral_recorded",
        store.record_referral(
            &person(&w.worker),
            w.worker.actor(),
            id,
            &referral(today(&w), shared, true, false),
        ),
    )
    .await;
    assert_eq!(detail(&entry)["disclosed"], true);
    assert_eq!(state(&w, id).await, RequestState::ReferralRecorded);
    let external = || RequestStep::SupportExternalAccess {
        note: "They will meet Alex next week".into(),
    };
    let err = refused(store, take(&w, &w.worker, id, external())).await;
    assert!(
        matches!(
            err,
            StoreError::Records(RecordsRuleBroken::AgreementMissing)
        ),
        "{err:?}"
    );
    audited(
        store,
        "records_request.agreement_received",
        store.record_agreement(&person(&w.worker), w.worker.actor(), id, referral_id),
    )
    .await;
    let casework = store
        .request_casework(&seen(&w, &w.worker, id).await)
        .await
        .unwrap();
    assert_eq!(casework.sessions.len(), 1);
    let recorded_session = &casework.sessions[0];
    assert!(recorded_session.attended);
    assert_eq!(recorded_session.appointment_id, Some(first));
    assert_eq!(recorded_session.signed_by_name, "jess.lowe");
    assert_eq!(recorded_session.signed_at, w.clock.now());
    assert_eq!(recorded_session.facts, held.facts);
    assert_eq!(recorded_session.opinion, held.opinion);
    assert_eq!(recorded_session.third_party, held.third_party);
    assert_eq!(casework.referrals.len(), 1);
    assert!(casework.referrals[0].agreement_received);
    assert_eq!(casework.disclosures.len(), 1);
    let disclosed = &casework.disclosures[0];
    assert_eq!(disclosed.referral_id, Some(referral_id));
    assert_eq!(disclosed.what, shared);
    assert_eq!(disclosed.to_whom, "Northern Adoption Support");
    assert!(disclosed.birth_record_information);
    assert_eq!(disclosed.receipt_received_on, None);
    audited(
        store,
        "records_request.receipt_received",
        store.record_receipt(&person(&w.worker), w.worker.actor(), id, disclosed.id),
    )
    .await;
    let casework = store
        .request_casework(&seen(&w, &w.worker, id).await)
        .await
        .unwrap();
    assert_eq!(
        casework.disclosures[0].receipt_received_on,
        Some(today(&w).to_string())
    );

    let (next, _) = audited(
        store,
        "records_request.step",
        take(&w, &w.worker, id, external()),
    )
    .await;
    assert_eq!(next, RequestState::SupportingExternalAccess);

    // Closing: a summary is required; every grant is revoked at that moment; business support
    // is asked to close the archive system's access, and the managers are told.
    w.clock.advance(7 * DAY);
    let closed_at = w.clock.now();
    let blank = RequestStep::Close {
        summary: "   ".into(),
    };
    let err = refused(store, take(&w, &w.worker, id, blank)).await;
    assert_eq!(invalid_fields(&err), ["reason"]);
    let summary = "Alex has read the record and is in touch with the support service.";
    let (next, entry) = audited(
        store,
        "records_request.step",
        take(
            &w,
            &w.worker,
            id,
            RequestStep::Close {
                summary: summary.into(),
            },
        ),
    )
    .await;
    assert_eq!(next, RequestState::Closed);
    assert_eq!(detail(&entry)["grants_revoked"], 2);
    let closed = seen(&w, &w.manager, id).await;
    assert_eq!(closed.request.state, RequestState::Closed);
    assert_eq!(closed.request.closed_at, Some(closed_at));
    assert_eq!(closed.request.outcome_note, summary);
    let grants = store.request_grants(&closed).await.unwrap();
    assert_eq!(grants.len(), 2);
    for grant in &grants {
        assert_eq!(grant.revoked_at, Some(closed_at), "{grant:?}");
        assert_eq!(grant.revoke_reason.as_deref(), Some("The case was closed"));
    }
    let locked = store
        .read_locked_record(
            &person(&w.worker),
            w.worker.actor(),
            id,
            GrantKind::LockedRecord,
        )
        .await;
    assert!(matches!(locked, Err(StoreError::NotFound)), "{locked:?}");
    assert_eq!(
        task_lines(&w, id).await,
        [
            "send_for_approval for business_support: done",
            "approve for team_manager: done",
            "allocate for team_manager: done",
            "authorise for team_manager: done",
            "grant_archive_access for business_support: done",
            "close_archive_access for business_support: open",
        ]
    );
    let support_inbox = store.records_inbox(w.support.actor()).await.unwrap();
    assert_eq!(
        support_inbox
            .tasks
            .iter()
            .map(|t| t.label())
            .collect::<Vec<_>>(),
        ["Close archive access and confirm"]
    );
    for manager in [&w.manager, &w.second_manager] {
        let told = notification_texts(&w, manager).await;
        assert!(
            told[0].contains("was closed; every access grant has been revoked"),
            "{told:?}"
        );
    }
    assert!(
        notification_texts(&w, &w.support).await[0]
            .contains("close the worker's access to the archive system")
    );
    for user in [
        &w.manager,
        &w.second_manager,
        &w.support,
        &w.worker,
        &w.colleague,
    ] {
        assert!(
            notification_texts(&w, user)
                .await
                .iter()
                .all(|t| !t.contains("Alex")),
            "notifications never name the applicant"
        );
    }
    assert!(
        notification_texts(&w, &w.colleague).await.is_empty(),
        "nobody outside the case is told"
    );

    // Business support confirms the archive access is closed: the task is done, once.
    w.clock.advance(3_600);
    audited(
        store,
        "records_request.archive_closed",
        store.confirm_archive_closed(&person(&w.support), w.support.actor(), id),
    )
    .await;
    let tasks = store
        .request_tasks(&seen(&w, &w.manager, id).await)
        .await
        .unwrap();
    assert_eq!(tasks.last().unwrap().done_at, Some(w.clock.now()));
    assert!(
        store
            .records_inbox(w.support.actor())
            .await
            .unwrap()
            .tasks
            .is_empty()
    );
    let again = refused(
        store,
        store.confirm_archive_closed(&person(&w.support), w.support.actor(), id),
    )
    .await;
    assert_eq!(invalid_fields(&again), ["task"]);

    // A closed case is read-only until a manager reopens it, with a reason.
    let err = refused(
        store,
        store.arrange_appointment(&person(&w.worker), w.worker.actor(), id, &appointment),
    )
    .await;
    assert!(
        matches!(err, StoreError::Records(RecordsRuleBroken::ReadOnly)),
        "{err:?}"
    );
    let err = refused(
        store,
        store.record_session(
            &person(&w.worker),
            w.worker.actor(),
            id,
            &session(today(&w), true),
        ),
    )
    .await;
    assert!(
        matches!(err, StoreError::Records(RecordsRuleBroken::ReadOnly)),
        "{err:?}"
    );
    let err = refused(
        store,
        take(
            &w,
            &w.manager,
            id,
            RequestStep::Reopen {
                reason: String::new(),
            },
        ),
    )
    .await;
    assert_eq!(invalid_fields(&err), ["reason"]);
    let err = refused(
        store,
        take(
            &w,
            &w.worker,
            id,
            RequestStep::Reopen {
                reason: "More to do".into(),
            },
        ),
    )
    .await;
    assert!(
        matches!(err, StoreError::Forbidden(Denied::NotAManager)),
        "{err:?}"
    );
    let reason = "Alex has found new papers and asks for another session.";
    let (next, _) = audited(
        store,
        "records_request.step",
        take(
            &w,
            &w.manager,
            id,
            RequestStep::Reopen {
                reason: reason.into(),
            },
        ),
    )
    .await;
    assert_eq!(
        next,
        RequestState::Allocated,
        "the worker stays; access must be authorised again"
    );
    let reopened = seen(&w, &w.manager, id).await;
    assert_eq!(reopened.request.closed_at, None);
    assert_eq!(reopened.request.outcome_note, reason);
    assert_eq!(
        task_lines(&w, id).await.last().unwrap(),
        "authorise for team_manager: open"
    );
    assert!(
        notification_texts(&w, &w.worker).await[0].contains("has been reopened"),
        "the worker is told"
    );

    assert_eq!(
        history_lines(&w, id).await,
        [
            "received → received",
            "send_for_approval → awaiting_approval",
            "approve → approved",
            "allocate → allocated",
            "authorise_access → access_authorised",
            "grant_archive_access → archive_access_granted",
            "counsel → counselling",
            "counsel → counselling",
            "invitation_sent → counselling",
            "appointment_cancelled → counselling",
            "counsel → counselling",
            "record_referral → referral_recorded",
            "agreement_received → referral_recorded",
            "receipt_received → referral_recorded",
            "support_external_access → supporting_external_access",
            "close → closed",
            "archive_access_closed → closed",
            "reopen → allocated",
        ]
    );
    let history = store.request_history(&reopened).await.unwrap();
    assert_eq!(history[0].user_name.as_deref(), Some("morgan.reed"));
    assert_eq!(history[0].note, "Arrived by letter on 2025-06-10");
    let close = history.iter().find(|h| h.event == "close").unwrap();
    assert_eq!(close.note, summary);
    assert_eq!(close.user_name.as_deref(), Some("jess.lowe"));
    assert_eq!(close.at, closed_at);
}

async fn approval_waits_for_identity_and_a_representatives_authority(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let new = NewRecordsRequest {
        identity: None,
        representative_name: "Sam Marsh".into(),
        representative_relationship: "Lasting power of attorney".into(),
        ..new_request(ApplicantType::AdoptedAdult, date(1982, 5, 20))
    };
    let id = record(&w, &w.support, &new).await.unwrap();
    let send = || take(&w, &w.support, id, RequestStep::SendForApproval);
    let err = refused(store, send()).await;
    assert!(
        matches!(
            err,
            StoreError::Records(RecordsRuleBroken::IdentityNotVerified)
        ),
        "{err:?}"
    );

    let check = IdentityCheck {
        method: IdentityMethod::CertifiedCopies,
        checked_on: today(&w),
    };
    let (_, entry) = audited(
        store,
        "records_request.identity_recorded",
        store.record_identity(&person(&w.support), w.support.actor(), id, check, ""),
    )
    .await;
    assert_eq!(detail(&entry)["method"], "certified_copies");
    let err = refused(store, send()).await;
    assert!(
        matches!(
            err,
            StoreError::Records(RecordsRuleBroken::AuthorityMissing)
        ),
        "{err:?}"
    );

    // Only business support corrects the intake.
    let err = refused(
        store,
        store.record_identity(
            &person(&w.manager),
            w.manager.actor(),
            id,
            check,
            "Power of attorney, registered 2024",
        ),
    )
    .await;
    assert!(
        matches!(err, StoreError::Forbidden(Denied::NotBusinessSupport)),
        "{err:?}"
    );
    store
        .record_identity(
            &person(&w.support),
            w.support.actor(),
            id,
            check,
            "Power of attorney, registered 2024",
        )
        .await
        .unwrap();
    assert_eq!(send().await.unwrap(), RequestState::AwaitingApproval);
    let request = seen(&w, &w.manager, id).await.request;
    assert_eq!(
        request.identity_method,
        Some(IdentityMethod::CertifiedCopies)
    );
    assert_eq!(request.identity_checked_on, Some(today(&w).to_string()));
    assert_eq!(
        request.authority_proof,
        "Power of attorney, registered 2024"
    );
    assert_eq!(
        history_lines(&w, id).await,
        [
            "received → received",
            "identity_verified → received",
            "identity_verified → received",
            "send_for_approval → awaiting_approval",
        ]
    );
}

async fn each_step_is_refused_to_the_wrong_person(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let new = new_request(ApplicantType::AdoptedAdult, date(1982, 5, 20));

    // Business support records requests, or a manager covering for them; a social worker not.
    let err = refused(store, record(&w, &w.worker, &new)).await;
    assert!(
        matches!(err, StoreError::Forbidden(Denied::NotBusinessSupport)),
        "{err:?}"
    );
    let id = record(&w, &w.support, &new).await.unwrap();
    let own = record(&w, &w.manager, &new).await.unwrap();

    let forbidden = async |by: &User, id: i64, step: RequestStep, denied: Denied| {
        let before = state(&w, id).await;
        let err = refused(store, take(&w, by, id, step)).await;
        assert!(
            matches!(&err, StoreError::Forbidden(d) if *d == denied),
            "expected {denied:?}, got {err:?}"
        );
        assert_eq!(
            state(&w, id).await,
            before,
            "a refused step changes nothing"
        );
    };

    forbidden(
        &w.manager,
        id,
        RequestStep::SendForApproval,
        Denied::NotBusinessSupport,
    )
    .await;
    for request in [id, own] {
        take(&w, &w.support, request, RequestStep::SendForApproval)
            .await
            .unwrap();
    }
    forbidden(&w.support, id, approve(), Denied::NotAManager).await;
    // The manager who took the request in cannot approve it; another manager can.
    forbidden(&w.manager, own, approve(), Denied::OwnRequest).await;
    forbidden(
        &w.manager,
        own,
        RequestStep::Decline {
            reason: "Not ours".into(),
        },
        Denied::OwnRequest,
    )
    .await;
    take(&w, &w.second_manager, own, approve()).await.unwrap();
    take(&w, &w.manager, id, approve()).await.unwrap();

    forbidden(
        &w.support,
        id,
        RequestStep::Allocate {
            worker: w.worker.id,
        },
        Denied::NotAManager,
    )
    .await;
    take(
        &w,
        &w.manager,
        id,
        RequestStep::Allocate {
            worker: w.worker.id,
        },
    )
    .await
    .unwrap();
    // A manager allocated as the worker cannot authorise their own access.
    take(
        &w,
        &w.manager,
        own,
        RequestStep::Allocate {
            worker: w.second_manager.id,
        },
    )
    .await
    .unwrap();
    forbidden(&w.second_manager, own, authorise(), Denied::OwnAccess).await;
    take(&w, &w.manager, own, authorise()).await.unwrap();
    forbidden(&w.worker, id, authorise(), Denied::NotAManager).await;
    forbidden(&w.support, id, authorise(), Denied::NotAManager).await;
    take(&w, &w.manager, id, authorise()).await.unwrap();
    forbidden(&w.worker, id, archive(), Denied::NotBusinessSupport).await;
    forbidden(&w.manager, id, archive(), Denied::NotBusinessSupport).await;
    take(&w, &w.support, id, archive()).await.unwrap();
    // The casework is the allocated worker's: not business support's, not an unallocated
    // manager's.
    forbidden(
        &w.support,
        id,
        RequestStep::Close {
            summary: "Done".into(),
        },
        Denied::NotAllocated,
    )
    .await;
    forbidden(
        &w.manager,
        id,
        RequestStep::Close {
            summary: "Done".into(),
        },
        Denied::NotAllocated,
    )
    .await;
    let err = refused(
        store,
        store.record_session(
            &person(&w.support),
            w.support.actor(),
            id,
            &session(today(&w), true),
        ),
    )
    .await;
    assert!(
        matches!(err, StoreError::Forbidden(Denied::NotAllocated)),
        "{err:?}"
    );
    let support_view = seen(&w, &w.support, id).await;
    let err = store.request_casework(&support_view).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Forbidden(Denied::NotAllocated)),
        "business support does not read the casework: {err:?}"
    );
    // An unallocated manager reads the casework, and so does the worker.
    store
        .request_casework(&seen(&w, &w.second_manager, id).await)
        .await
        .unwrap();
    store
        .request_casework(&seen(&w, &w.worker, id).await)
        .await
        .unwrap();

    // Anyone else is told the request does not exist, and the attempt is audited.
    let before = state(&w, id).await;
    for outsider in [&w.colleague, &w.stranger] {
        let entry = not_found(
            store,
            "records_request.refused",
            store.records_request(&person(outsider), outsider.actor(), id),
        )
        .await;
        assert_eq!(entry.event.actor_user_id, Some(outsider.id));
        assert_eq!(
            entry.event.record_id.as_deref(),
            Some(id.to_string().as_str())
        );
        for step in [
            approve(),
            RequestStep::Withdraw {
                reason: "The applicant phoned".into(),
            },
            RequestStep::Close {
                summary: "Done".into(),
            },
        ] {
            not_found(
                store,
                "records_request.refused",
                take(&w, outsider, id, step),
            )
            .await;
        }
        not_found(
            store,
            "records_request.refused",
            store.record_session(
                &person(outsider),
                outsider.actor(),
                id,
                &session(today(&w), true),
            ),
        )
        .await;
        not_found(
            store,
            "records_request.refused",
            store.locked_record_view_log(&person(outsider), outsider.actor(), id),
        )
        .await;
        assert!(
            store
                .records_requests_for(&person(outsider), outsider.actor())
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert_eq!(state(&w, id).await, before, "nothing changed");
    let casework = store
        .request_casework(&seen(&w, &w.worker, id).await)
        .await
        .unwrap();
    assert!(casework.sessions.is_empty());

    // The worker's list holds their case only; business support and managers see the agency's.
    let listed = |u: &User| {
        let store = store.clone();
        let (who, actor) = (person(u), u.actor());
        async move {
            store
                .records_requests_for(&who, actor)
                .await
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(&w.worker).await, [id]);
    let mut all = listed(&w.support).await;
    all.sort();
    assert_eq!(all, [id, own]);
}

async fn applicants_under_18_are_refused_with_the_reason(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let now = today(&w);
    let seventeen = NewRecordsRequest {
        applicant_born_on: date(now.year() - 17, now.month(), now.day()),
        ..new_request(ApplicantType::AdoptedAdult, date(2010, 5, 20))
    };
    let err = refused(store, record(&w, &w.support, &seventeen)).await;
    let StoreError::Invalid(problems) = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "applicant_born_on");
    assert!(problems[0].message.contains("18 or over"), "{problems:?}");
    assert!(
        store
            .records_requests_for(&person(&w.support), w.support.actor())
            .await
            .unwrap()
            .is_empty(),
        "nothing was stored"
    );

    // Eighteen today is old enough.
    let eighteen = NewRecordsRequest {
        applicant_born_on: date(now.year() - 18, now.month(), now.day()),
        ..seventeen
    };
    let id = record(&w, &w.support, &eighteen).await.unwrap();
    let listed = store
        .records_requests_for(&person(&w.support), w.support.actor())
        .await
        .unwrap();
    assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
}

async fn before_1975_nothing_is_released_before_the_interview(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let id = recorded(&w, ApplicantType::AdoptedAdult, date(1968, 9, 3)).await;
    assert_eq!(
        seen(&w, &w.manager, id).await.request.regime,
        Regime::Before1975
    );
    with_archive_access(&w, id).await;
    let on = today(&w);
    let worker = |w: &World| (person(&w.worker), w.worker.actor());
    let (who, actor) = worker(&w);

    let interview_first = |err: &StoreError| {
        assert!(
            matches!(err, StoreError::Records(RecordsRuleBroken::InterviewFirst)),
            "{err:?}"
        );
    };
    let birth_referral = referral(
        on,
        "The birth mother's name and address in 1968",
        true,
        true,
    );
    interview_first(
        &refused(
            store,
            store.record_referral(&who, actor, id, &birth_referral),
        )
        .await,
    );
    interview_first(
        &refused(
            store,
            store.record_disclosure(&who, actor, id, &disclosure(on, true)),
        )
        .await,
    );
    let casework = store
        .request_casework(&seen(&w, &w.worker, id).await)
        .await
        .unwrap();
    assert!(casework.referrals.is_empty(), "nothing stored");
    assert!(casework.disclosures.is_empty(), "nothing stored");
    assert_eq!(state(&w, id).await, RequestState::ArchiveAccessGranted);

    // Information that is not from the birth records can be given.
    store
        .record_disclosure(&who, actor, id, &disclosure(on, false))
        .await
        .unwrap();
    // A referral that shares nothing yet; supporting the service's access still waits.
    store
        .record_referral(&who, actor, id, &referral(on, "", false, true))
        .await
        .unwrap();
    assert_eq!(state(&w, id).await, RequestState::ReferralRecorded);
    let external = || RequestStep::SupportExternalAccess {
        note: String::new(),
    };
    interview_first(&refused(store, take(&w, &w.worker, id, external())).await);
    // A session the applicant did not attend is not the interview.
    store
        .record_session(&who, actor, id, &session(on, false))
        .await
        .unwrap();
    interview_first(&refused(store, take(&w, &w.worker, id, external())).await);
    interview_first(
        &refused(
            store,
            store.record_disclosure(&who, actor, id, &disclosure(on, true)),
        )
        .await,
    );

    store
        .record_session(&who, actor, id, &session(on, true))
        .await
        .unwrap();
    let (_, entry) = audited(
        store,
        "records_request.referral_recorded",
        store.record_referral(&who, actor, id, &birth_referral),
    )
    .await;
    assert_eq!(detail(&entry)["disclosed"], true);
    let (_, entry) = audited(
        store,
        "records_request.disclosure_recorded",
        store.record_disclosure(&who, actor, id, &disclosure(on, true)),
    )
    .await;
    assert_eq!(detail(&entry)["birth_record_information"], true);
    assert_eq!(
        take(&w, &w.worker, id, external()).await.unwrap(),
        RequestState::SupportingExternalAccess
    );
    let casework = store
        .request_casework(&seen(&w, &w.worker, id).await)
        .await
        .unwrap();
    assert_eq!(casework.referrals.len(), 2);
    assert_eq!(
        casework
            .disclosures
            .iter()
            .map(|d| (d.birth_record_information, d.referral_id.is_some()))
            .collect::<Vec<_>>(),
        [(false, false), (true, true), (true, false)]
    );
}

async fn after_2005_the_agency_is_the_only_route(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let id = recorded(&w, ApplicantType::AdoptedAdult, date(2010, 5, 20)).await;
    assert_eq!(
        seen(&w, &w.manager, id).await.request.regime,
        Regime::AgencyOnly
    );
    with_archive_access(&w, id).await;
    let err = refused(
        store,
        store.record_referral(
            &person(&w.worker),
            w.worker.actor(),
            id,
            &referral(today(&w), "", false, true),
        ),
    )
    .await;
    assert!(
        matches!(err, StoreError::Records(RecordsRuleBroken::AgencyOnlyRoute)),
        "{err:?}"
    );
    let casework = store
        .request_casework(&seen(&w, &w.worker, id).await)
        .await
        .unwrap();
    assert!(casework.referrals.is_empty());
    assert_eq!(state(&w, id).await, RequestState::ArchiveAccessGranted);
    // The agency gives the information itself and closes the case.
    store
        .record_disclosure(
            &person(&w.worker),
            w.worker.actor(),
            id,
            &disclosure(today(&w), true),
        )
        .await
        .unwrap();
    let close = RequestStep::Close {
        summary: "Alex has the birth record information.".into(),
    };
    assert_eq!(
        take(&w, &w.worker, id, close).await.unwrap(),
        RequestState::Closed
    );
}

async fn archive_access_waits_for_the_managers_authorisation(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let id = recorded(&w, ApplicantType::AdoptedAdult, date(1982, 5, 20)).await;
    let too_early = async |w: &World| {
        let before = state(w, id).await;
        let err = refused(store, take(w, &w.support, id, archive())).await;
        assert!(
            matches!(
                err,
                StoreError::Records(RecordsRuleBroken::NotYetAuthorised)
            ),
            "at {before:?}: {err:?}"
        );
        assert_eq!(state(w, id).await, before);
        let seen = seen(w, &w.manager, id).await;
        assert!(store.request_grants(&seen).await.unwrap().is_empty());
    };
    too_early(&w).await;
    take(&w, &w.support, id, RequestStep::SendForApproval)
        .await
        .unwrap();
    too_early(&w).await;
    take(&w, &w.manager, id, approve()).await.unwrap();
    too_early(&w).await;
    take(
        &w,
        &w.manager,
        id,
        RequestStep::Allocate {
            worker: w.worker.id,
        },
    )
    .await
    .unwrap();
    too_early(&w).await;
    take(&w, &w.manager, id, authorise()).await.unwrap();
    assert_eq!(
        take(&w, &w.support, id, archive()).await.unwrap(),
        RequestState::ArchiveAccessGranted
    );
    // Once given, it is not given again.
    let err = refused(store, take(&w, &w.support, id, archive())).await;
    assert!(
        matches!(
            err,
            StoreError::Records(RecordsRuleBroken::NotNow(
                RequestState::ArchiveAccessGranted
            ))
        ),
        "{err:?}"
    );
    let grants = store
        .request_grants(&seen(&w, &w.manager, id).await)
        .await
        .unwrap();
    assert_eq!(
        grants.iter().map(|g| g.kind.as_str()).collect::<Vec<_>>(),
        ["locked_record", "archive"]
    );
}

async fn read(w: &World, by: &User, id: i64, kind: GrantKind) -> Result<LockedRecord, StoreError> {
    w.store
        .read_locked_record(&person(by), by.actor(), id, kind)
        .await
}

/// What the case record holds, put straight into the database as an import from the agency's
/// case system would: these tests are about reading it, not about how it is written.
async fn fill_locked_record(db: &TestDb) {
    direct_sql(
        db,
        &["UPDATE locked_records SET birth_mother = 'Ruth Calder', birth_father = 'Not recorded', \
           birth_registration = 'Carlisle 1977/0412', case_summary = 'Placed at six weeks.', \
           archive_reference = 'BOX 14/27', archive_location = 'County Archive, Kendal'"],
    )
    .await;
}

async fn grants_expire_and_the_manager_renews_or_revokes_them(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let id = recorded(&w, ApplicantType::AdoptedAdult, date(1982, 5, 20)).await;
    fill_locked_record(db).await;
    authorised(&w, id).await;
    let authorised_at = w.clock.now();
    let manager = |w: &World| (person(&w.manager), w.manager.actor());
    let (who, actor) = manager(&w);

    let (record, entry) = audited(
        store,
        "locked_record.viewed",
        read(&w, &w.worker, id, GrantKind::LockedRecord),
    )
    .await;
    assert_eq!(detail(&entry)["kind"], "locked_record");
    assert_eq!(record.kind, GrantKind::LockedRecord);
    assert_eq!(record.case_reference, "ADP/0147");
    assert_eq!(record.birth_mother, "Ruth Calder");
    assert_eq!(record.birth_registration, "Carlisle 1977/0412");
    assert_eq!(record.case_summary, "Placed at six weeks.");
    assert_eq!(
        record.archive_reference, "",
        "the archive needs its own grant"
    );
    assert_eq!(record.grant_expires_at, authorised_at + 90 * DAY);

    // The archive waits for business support; nobody without a grant reads either kind.
    let nothing = |r: Result<LockedRecord, StoreError>| {
        assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    };
    nothing(read(&w, &w.worker, id, GrantKind::Archive).await);
    nothing(read(&w, &w.manager, id, GrantKind::LockedRecord).await);
    nothing(read(&w, &w.support, id, GrantKind::LockedRecord).await);
    w.clock.advance(DAY);
    take(&w, &w.support, id, archive()).await.unwrap();
    let archived = read(&w, &w.worker, id, GrantKind::Archive).await.unwrap();
    assert_eq!(archived.archive_reference, "BOX 14/27");
    assert_eq!(archived.archive_location, "County Archive, Kendal");
    assert_eq!(
        archived.birth_mother, "",
        "the archive grant shows where the file is"
    );
    nothing(read(&w, &w.support, id, GrantKind::Archive).await);

    // The grant lasts the register's 90 days, to the second.
    w.clock.set(authorised_at + 90 * DAY - 1);
    read(&w, &w.worker, id, GrantKind::LockedRecord)
        .await
        .unwrap();
    w.clock.set(authorised_at + 90 * DAY);
    nothing(read(&w, &w.worker, id, GrantKind::LockedRecord).await);
    let grants = store
        .request_grants(&seen(&w, &w.manager, id).await)
        .await
        .unwrap();
    let (locked_grant, archive_grant) = (grants[0].id, grants[1].id);
    assert!(!grants[0].is_active(w.clock.now()));
    assert!(grants[1].is_active(w.clock.now()), "given a day later");

    // Only a manager renews, for the register's period from now (shortened here to 30 days).
    let err = refused(
        store,
        store.change_grant(&person(&w.worker), w.worker.actor(), id, locked_grant, None),
    )
    .await;
    assert!(
        matches!(err, StoreError::Forbidden(Denied::NotAManager)),
        "{err:?}"
    );
    let settings = store.register_settings().await.unwrap();
    store
        .update_register_settings(
            &Permit::for_operator(Action::ManageRegisterSettings),
            &operator(),
            &RegisterSettings {
                records_grant_days: 30,
                ..settings
            },
        )
        .await
        .unwrap();
    w.clock.advance(3_600);
    let renewed_at = w.clock.now();
    let (_, entry) = audited(
        store,
        "access_grant.renewed",
        store.change_grant(&who, actor, id, locked_grant, None),
    )
    .await;
    assert_eq!(detail(&entry)["expires_at"], renewed_at + 30 * DAY);
    let again = read(&w, &w.worker, id, GrantKind::LockedRecord)
        .await
        .unwrap();
    assert_eq!(again.grant_expires_at, renewed_at + 30 * DAY);
    w.clock.set(renewed_at + 30 * DAY - 1);
    read(&w, &w.worker, id, GrantKind::LockedRecord)
        .await
        .unwrap();
    w.clock.set(renewed_at + 30 * DAY);
    nothing(read(&w, &w.worker, id, GrantKind::LockedRecord).await);

    // Revoking needs a reason, and then the record is closed to the worker at once.
    store
        .change_grant(&who, actor, id, locked_grant, None)
        .await
        .unwrap();
    read(&w, &w.worker, id, GrantKind::LockedRecord)
        .await
        .unwrap();
    let err = refused(
        store,
        store.change_grant(&who, actor, id, locked_grant, Some("  ")),
    )
    .await;
    assert_eq!(invalid_fields(&err), ["reason"]);
    read(&w, &w.worker, id, GrantKind::LockedRecord)
        .await
        .unwrap();
    let revoked_at = w.clock.now();
    audited(
        store,
        "access_grant.revoked",
        store.change_grant(
            &who,
            actor,
            id,
            locked_grant,
            Some("The worker has left the team"),
        ),
    )
    .await;
    nothing(read(&w, &w.worker, id, GrantKind::LockedRecord).await);
    let grants = store
        .request_grants(&seen(&w, &w.manager, id).await)
        .await
        .unwrap();
    assert_eq!(grants[0].revoked_at, Some(revoked_at));
    assert_eq!(
        grants[0].revoke_reason.as_deref(),
        Some("The worker has left the team")
    );
    assert_eq!(grants[1].id, archive_grant);
    assert_eq!(grants[1].revoked_at, None, "the archive grant is its own");
    // A revoked grant is not renewed: access is authorised afresh.
    let err = refused(
        store,
        store.change_grant(&who, actor, id, locked_grant, None),
    )
    .await;
    assert_eq!(invalid_fields(&err), ["grant"]);
    nothing(read(&w, &w.worker, id, GrantKind::LockedRecord).await);
    // The manager who renews and revokes never reads the record themself.
    nothing(read(&w, &w.manager, id, GrantKind::LockedRecord).await);
    nothing(read(&w, &w.manager, id, GrantKind::Archive).await);
    let history = history_lines(&w, id).await;
    assert_eq!(
        history
            .iter()
            .filter(|h| h.starts_with("grant_renewed") || h.starts_with("grant_revoked"))
            .collect::<Vec<_>>(),
        [
            "grant_renewed → archive_access_granted",
            "grant_renewed → archive_access_granted",
            "grant_revoked → archive_access_granted"
        ]
    );
}

async fn every_reading_of_the_locked_record_is_logged(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let id = recorded(&w, ApplicantType::AdoptedAdult, date(1982, 5, 20)).await;
    authorised(&w, id).await;
    let t = w.clock.now();

    let (_, entry) = audited(
        store,
        "locked_record.viewed",
        read(&w, &w.worker, id, GrantKind::LockedRecord),
    )
    .await;
    assert_eq!(entry.event.actor_user_id, Some(w.worker.id));
    w.clock.advance(60);
    let refusals = [
        (&w.worker, GrantKind::Archive),
        (&w.manager, GrantKind::LockedRecord),
        (&w.stranger, GrantKind::LockedRecord),
    ];
    for (reader, kind) in refusals {
        let entry = not_found(
            store,
            "locked_record.view_refused",
            read(&w, reader, id, kind),
        )
        .await;
        assert_eq!(entry.event.actor_user_id, Some(reader.id));
        assert_eq!(detail(&entry)["kind"], kind.as_str());
        w.clock.advance(60);
    }

    let (log, _) = audited(
        store,
        "locked_record.view_log_read",
        store.locked_record_view_log(&person(&w.manager), w.manager.actor(), id),
    )
    .await;
    assert_eq!(
        log.iter()
            .map(|v| (v.user_name.as_str(), v.kind.as_str(), v.allowed, v.at))
            .collect::<Vec<_>>(),
        [
            ("dana.frost", "locked_record", false, t + 180),
            ("priya.shah", "locked_record", false, t + 120),
            ("jess.lowe", "archive", false, t + 60),
            ("jess.lowe", "locked_record", true, t),
        ]
    );
    // Reading the log is not itself a reading of the record.
    let again = store
        .locked_record_view_log(&person(&w.second_manager), w.second_manager.actor(), id)
        .await
        .unwrap();
    assert_eq!(again, log);

    // Only a manager reads the log.
    for (reader, denied) in [
        (&w.worker, Denied::NotAManager),
        (&w.support, Denied::NotAManager),
    ] {
        let err = refused(
            store,
            store.locked_record_view_log(&person(reader), reader.actor(), id),
        )
        .await;
        assert!(
            matches!(&err, StoreError::Forbidden(d) if *d == denied),
            "{err:?}"
        );
    }
    not_found(
        store,
        "records_request.refused",
        store.locked_record_view_log(&person(&w.colleague), w.colleague.actor(), id),
    )
    .await;
}

/// Sunday 15 June 2025 (`T0`) plus five working days: the end of Friday 20 June, UK time.
const SEND_DUE: i64 = 1_750_460_399;
/// Three working days later: the end of Wednesday 25 June.
const SEND_ESCALATES: i64 = 1_750_892_399;

async fn overdue_tasks_escalate_to_the_manager_once(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    assert_eq!(w.clock.now(), T0);
    let id = recorded(&w, ApplicantType::AdoptedAdult, date(1982, 5, 20)).await;
    let tasks = store
        .request_tasks(&seen(&w, &w.manager, id).await)
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].due_at, SEND_DUE);
    let manager_tasks = async || {
        store
            .records_inbox(w.manager.actor())
            .await
            .unwrap()
            .tasks
            .iter()
            .map(|t| (t.request_id, t.kind.clone()))
            .collect::<Vec<_>>()
    };
    assert!(manager_tasks().await.is_empty(), "business support's task");

    // Overdue, but not yet by the escalation period.
    w.clock.set(SEND_DUE + 1);
    assert_eq!(store.escalate_records_tasks().await.unwrap(), 0);
    w.clock.set(SEND_ESCALATES);
    assert_eq!(store.escalate_records_tasks().await.unwrap(), 0);
    assert!(manager_tasks().await.is_empty());

    w.clock.set(SEND_ESCALATES + 1);
    let before = store.unread_notifications(w.manager.id).await.unwrap();
    let (escalated, entry) = audited(
        store,
        "records_task.escalated",
        store.escalate_records_tasks(),
    )
    .await;
    assert_eq!(escalated, 1);
    assert_eq!(entry.event.actor_user_id, None, "the system acts");
    assert_eq!(detail(&entry)["kind"], "send_for_approval");
    let tasks = store
        .request_tasks(&seen(&w, &w.manager, id).await)
        .await
        .unwrap();
    assert_eq!(tasks[0].escalated_at, Some(SEND_ESCALATES + 1));
    assert_eq!(tasks[0].done_at, None, "escalating does not do the task");
    assert_eq!(
        manager_tasks().await,
        [(id, "send_for_approval".to_string())]
    );
    assert_eq!(
        store.unread_notifications(w.manager.id).await.unwrap(),
        before + 1
    );
    assert!(notification_texts(&w, &w.second_manager).await[0].contains("escalated to you"));
    // Business support still has it too.
    assert_eq!(
        store
            .records_inbox(w.support.actor())
            .await
            .unwrap()
            .tasks
            .len(),
        1
    );

    // Once only.
    w.clock.advance(10 * DAY);
    let head = store.audit_head().await.unwrap();
    assert_eq!(store.escalate_records_tasks().await.unwrap(), 0);
    assert_eq!(store.audit_head().await.unwrap(), head);
    assert_eq!(
        store.unread_notifications(w.manager.id).await.unwrap(),
        before + 1
    );

    // Doing the task takes it off the manager's list.
    take(&w, &w.support, id, RequestStep::SendForApproval)
        .await
        .unwrap();
    assert_eq!(manager_tasks().await, [(id, "approve".to_string())]);
}

async fn the_intermediary_record_needs_its_checks_and_stops_at_an_absolute_veto(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let (who, actor) = (person(&w.worker), w.worker.actor());
    let close = || RequestStep::Close {
        summary: "The intermediary work is finished.".into(),
    };
    let views = "The adopted person's views are not known.";

    let id = recorded(&w, ApplicantType::BirthRelative, date(1982, 5, 20)).await;
    assert!(seen(&w, &w.manager, id).await.request.intermediary_required);
    with_archive_access(&w, id).await;
    let err = refused(store, take(&w, &w.worker, id, close())).await;
    assert!(
        matches!(
            err,
            StoreError::Records(RecordsRuleBroken::IntermediaryNeeded)
        ),
        "{err:?}"
    );
    let (next, _) = audited(
        store,
        "records_request.step",
        take(&w, &w.worker, id, RequestStep::OpenIntermediary),
    )
    .await;
    assert_eq!(next, RequestState::IntermediaryOpen);
    let err = refused(store, take(&w, &w.worker, id, close())).await;
    assert!(
        matches!(
            err,
            StoreError::Records(RecordsRuleBroken::IntermediaryOpen)
        ),
        "{err:?}"
    );
    let err = refused(store, store.start_tracing(&who, actor, id)).await;
    assert!(
        matches!(
            err,
            StoreError::Records(RecordsRuleBroken::ChecksBeforeTracing)
        ),
        "{err:?}"
    );
    let complete = RequestStep::CompleteIntermediary {
        outcome: "Traced".into(),
    };
    let err = refused(store, take(&w, &w.worker, id, complete)).await;
    assert!(
        matches!(
            err,
            StoreError::Records(RecordsRuleBroken::ChecksBeforeTracing)
        ),
        "{err:?}"
    );
    let err = refused(
        store,
        store.record_intermediary_checks(
            &who,
            actor,
            id,
            VetoCheck::NoneFound,
            RegisterCheck::NotRegistered,
            " ",
        ),
    )
    .await;
    assert_eq!(invalid_fields(&err), ["subject_views"]);

    // An absolute veto completes the intermediary record with that outcome.
    w.clock.advance(3_600);
    let (next, entry) = audited(
        store,
        "intermediary.checks_recorded",
        store.record_intermediary_checks(
            &who,
            actor,
            id,
            VetoCheck::AbsoluteVeto,
            RegisterCheck::NoContact,
            views,
        ),
    )
    .await;
    assert_eq!(next, RequestState::IntermediaryCompleted);
    assert_eq!(detail(&entry)["veto"], "absolute_veto");
    assert_eq!(state(&w, id).await, RequestState::IntermediaryCompleted);
    let casework = store
        .request_casework(&seen(&w, &w.worker, id).await)
        .await
        .unwrap();
    let record = casework.intermediary.unwrap();
    assert_eq!(record.veto_check.as_deref(), Some("absolute_veto"));
    assert_eq!(record.register_check.as_deref(), Some("no_contact"));
    assert_eq!(record.subject_views, views);
    assert_eq!(record.checks_recorded_at, Some(w.clock.now()));
    assert_eq!(record.completed_at, Some(w.clock.now()));
    assert_eq!(record.outcome, RecordsRuleBroken::AbsoluteVeto.to_string());
    assert_eq!(record.opened_by_name, "jess.lowe");

    // Tracing never starts; the case can now close. (That the refusal should name the veto is
    // `tracing_after_an_absolute_veto_is_refused_for_the_veto`.)
    let err = refused(store, store.start_tracing(&who, actor, id)).await;
    assert!(
        matches!(
            err,
            StoreError::Records(
                RecordsRuleBroken::AbsoluteVeto
                    | RecordsRuleBroken::NotNow(RequestState::IntermediaryCompleted)
            )
        ),
        "{err:?}"
    );
    let casework = store
        .request_casework(&seen(&w, &w.worker, id).await)
        .await
        .unwrap();
    assert_eq!(casework.intermediary.unwrap().tracing_started_at, None);
    assert_eq!(
        take(&w, &w.worker, id, close()).await.unwrap(),
        RequestState::Closed
    );

    // Without a veto, tracing starts once every check is in, and the record is completed.
    let traced = recorded(&w, ApplicantType::BirthRelative, date(1990, 1, 8)).await;
    with_archive_access(&w, traced).await;
    take(&w, &w.worker, traced, RequestStep::OpenIntermediary)
        .await
        .unwrap();
    let next = store
        .record_intermediary_checks(
            &who,
            actor,
            traced,
            VetoCheck::NoneFound,
            RegisterCheck::WishesContact,
            views,
        )
        .await
        .unwrap();
    assert_eq!(next, RequestState::IntermediaryOpen);
    w.clock.advance(3_600);
    audited(
        store,
        "intermediary.tracing_started",
        store.start_tracing(&who, actor, traced),
    )
    .await;
    let casework = store
        .request_casework(&seen(&w, &w.worker, traced).await)
        .await
        .unwrap();
    let record = casework.intermediary.unwrap();
    assert_eq!(record.tracing_started_at, Some(w.clock.now()));
    assert_eq!(record.completed_at, None);
    let complete = RequestStep::CompleteIntermediary {
        outcome: "The adopted person was traced and agreed to contact.".into(),
    };
    assert_eq!(
        take(&w, &w.worker, traced, complete).await.unwrap(),
        RequestState::IntermediaryCompleted
    );
    assert_eq!(
        take(&w, &w.worker, traced, close()).await.unwrap(),
        RequestState::Closed
    );
}

/// Runs one statement over a connection of its own, as someone with write access to the
/// database would, and returns what the database said.
async fn try_sql(db: &TestDb, sql: &'static str) -> Result<u64, sqlx::Error> {
    match DatabaseKind::of(&db.url).unwrap() {
        DatabaseKind::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await?;
            let done = sqlx::query(sql).execute(&mut conn).await;
            conn.close().await?;
            Ok(done?.rows_affected())
        }
        DatabaseKind::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await?;
            let done = sqlx::query(sql).execute(&mut conn).await;
            conn.close().await?;
            Ok(done?.rows_affected())
        }
    }
}

async fn adoption_records_are_never_deleted(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let id = recorded(&w, ApplicantType::AdoptedAdult, date(1968, 9, 3)).await;
    with_archive_access(&w, id).await;
    let (who, actor) = (person(&w.worker), w.worker.actor());
    store
        .record_session(&who, actor, id, &session(today(&w), true))
        .await
        .unwrap();
    read(&w, &w.worker, id, GrantKind::LockedRecord)
        .await
        .unwrap();
    take(
        &w,
        &w.worker,
        id,
        RequestStep::Close {
            summary: "Done".into(),
        },
    )
    .await
    .unwrap();
    let history_before = history_lines(&w, id).await;

    // The request, its history, the locked record, the sessions and the log of readings.
    for sql in [
        "DELETE FROM records_requests",
        "DELETE FROM records_request_events",
        "DELETE FROM locked_records",
        "DELETE FROM counselling_sessions",
        "DELETE FROM locked_record_views",
    ] {
        let err = try_sql(db, sql).await.unwrap_err();
        assert!(
            err.to_string().contains("adoption records are kept"),
            "{sql}: {err}"
        );
    }
    let kept = seen(&w, &w.manager, id).await;
    assert_eq!(kept.request.state, RequestState::Closed);
    assert_eq!(history_lines(&w, id).await, history_before);
    assert_eq!(
        store.request_casework(&kept).await.unwrap().sessions.len(),
        1
    );
    assert_eq!(
        store
            .locked_record_view_log(&person(&w.manager), w.manager.actor(), id)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Tracing after an absolute veto: the refusal should name the veto (the rule that stops the
/// work), not that the case is in the wrong state.
async fn tracing_after_an_absolute_veto_is_refused_for_the_veto(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let (who, actor) = (person(&w.worker), w.worker.actor());
    let id = recorded(&w, ApplicantType::BirthRelative, date(1982, 5, 20)).await;
    with_archive_access(&w, id).await;
    take(&w, &w.worker, id, RequestStep::OpenIntermediary)
        .await
        .unwrap();
    store
        .record_intermediary_checks(
            &who,
            actor,
            id,
            VetoCheck::AbsoluteVeto,
            RegisterCheck::NoContact,
            "The adopted person's views are not known.",
        )
        .await
        .unwrap();
    let err = refused(store, store.start_tracing(&who, actor, id)).await;
    assert!(
        matches!(err, StoreError::Records(RecordsRuleBroken::AbsoluteVeto)),
        "{err:?}"
    );
}

/// The migration says nothing of a records request is ever deleted: "the request, its
/// history, the grants to the locked record, every view of it, counselling, referrals,
/// disclosures, the intermediary record and the hand-over tasks".
async fn disclosures_grants_and_tasks_are_never_deleted_either(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let (who, actor) = (person(&w.worker), w.worker.actor());
    let id = recorded(&w, ApplicantType::BirthRelative, date(1982, 5, 20)).await;
    with_archive_access(&w, id).await;
    let on = today(&w);
    let appointment = NewAppointment {
        starts_at: w.clock.now() + DAY,
        minutes: 60,
        venue: Venue::Phone,
        place: String::new(),
        counsellor: "jess.lowe".into(),
    };
    store
        .arrange_appointment(&who, actor, id, &appointment)
        .await
        .unwrap();
    store
        .record_referral(
            &who,
            actor,
            id,
            &referral(on, "The birth name", false, true),
        )
        .await
        .unwrap();
    take(&w, &w.worker, id, RequestStep::OpenIntermediary)
        .await
        .unwrap();
    // Deleting the rows that point at others first, so that no foreign key stands in for the
    // missing rule.
    let mut deleted = Vec::new();
    for sql in [
        "DELETE FROM records_disclosures",
        "DELETE FROM records_referrals",
        "DELETE FROM intermediary_records",
        "DELETE FROM records_tasks",
        "DELETE FROM access_grants",
        "DELETE FROM counselling_appointments",
    ] {
        match try_sql(db, sql).await {
            Ok(rows) => deleted.push(format!("{sql}: {rows} rows")),
            Err(err) => assert!(
                err.to_string().contains("adoption records are kept"),
                "{sql}: {err}"
            ),
        }
    }
    assert!(deleted.is_empty(), "deleted: {deleted:?}");
}

/// Closing revokes every grant, so a reopened case needs its access authorised again: a grant
/// that had already run out when the case closed must not come back by renewal.
async fn a_reopened_case_needs_its_access_authorised_again(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let id = recorded(&w, ApplicantType::AdoptedAdult, date(1982, 5, 20)).await;
    with_archive_access(&w, id).await;
    w.clock.advance(91 * DAY);
    let closed_at = w.clock.now();
    let close = RequestStep::Close {
        summary: "Alex has what they asked for.".into(),
    };
    take(&w, &w.worker, id, close).await.unwrap();
    let reopen = RequestStep::Reopen {
        reason: "Alex asks for another session.".into(),
    };
    take(&w, &w.manager, id, reopen).await.unwrap();
    let grants = store
        .request_grants(&seen(&w, &w.manager, id).await)
        .await
        .unwrap();
    let renewed = store
        .change_grant(
            &person(&w.manager),
            w.manager.actor(),
            id,
            grants[0].id,
            None,
        )
        .await;
    let read_back = read(&w, &w.worker, id, GrantKind::LockedRecord).await;
    assert_eq!(state(&w, id).await, RequestState::Allocated);
    assert!(
        renewed.is_err() && read_back.is_err(),
        "renewed: {renewed:?}; the worker read the record of a case waiting for authorisation: {read_back:?}"
    );
    for grant in &grants {
        assert_eq!(grant.revoked_at, Some(closed_at), "{grant:?}");
    }
}

/// A cancelled appointment's invitation is not sent.
async fn a_cancelled_appointment_is_not_invited_to(db: &TestDb) {
    let w = world(db).await;
    let store = &w.store;
    let (who, actor) = (person(&w.worker), w.worker.actor());
    let id = recorded(&w, ApplicantType::AdoptedAdult, date(1982, 5, 20)).await;
    authorised(&w, id).await;
    let appointment = NewAppointment {
        starts_at: w.clock.now() + DAY,
        minutes: 60,
        venue: Venue::Phone,
        place: String::new(),
        counsellor: "jess.lowe".into(),
    };
    let appointment = store
        .arrange_appointment(&who, actor, id, &appointment)
        .await
        .unwrap();
    store
        .cancel_appointment(&who, actor, id, appointment)
        .await
        .unwrap();
    let invitation = Invitation {
        subject: "Your counselling appointment".into(),
        body: "We look forward to speaking with you.".into(),
        file_name: "appointment.ics".into(),
        ics: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
    };
    let sent = store
        .queue_invitation(&who, actor, id, appointment, &invitation)
        .await;
    let mail = store.claim_mail(1_000, 60).await.unwrap();
    assert!(
        sent.is_err()
            && mail
                .iter()
                .all(|m| m.to_address != "alex.marsh@example.org"),
        "{sent:?}"
    );
}
