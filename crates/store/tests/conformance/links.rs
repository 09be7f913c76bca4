//! Links: asking, answering, exploring, matching; who takes part; the limits, raced; the timed
//! reminders, escalation and expiry of a link nobody answers; messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::child_profiles::{child, details, publish};
use crate::support::*;
use kinlink_domain::Role;
use kinlink_domain::child::Gender;
use kinlink_domain::household::HouseholdDetails;
use kinlink_domain::link::{CloseReason, Closure, LinkEvent, LinkState, Side};
use kinlink_domain::policy::{Action, Viewer, authorize};
use kinlink_domain::profile::{CivilDate, HouseholdEvent, HouseholdStatus};
use kinlink_store::testing::TestDb;
use kinlink_store::{
    Agency, LinkChange, LinkRefusal, LinkSource, LinkViewer, NewLink, NewLinkDocument, Store,
    StoreError, User,
};

on_both_backends!(
    a_link_is_asked_for_explored_and_matched,
    people_outside_a_link_are_told_nothing,
    closing_needs_a_reason_and_feedback_the_other_side_reads,
    two_requests_racing_for_a_familys_last_place,
    a_child_has_a_limited_number_of_links_in_exploration,
    a_link_nobody_answers_is_reminded_escalated_and_expired,
    adopters_read_only_what_is_shared_with_them,
    who_may_download_a_document,
    the_agency_setting_decides_who_follows_up_and_managers_reassign,
);

/// Two agencies: Cumbria has children, Kent has families.
pub(crate) struct World {
    pub(crate) store: Store,
    pub(crate) clock: std::sync::Arc<kinlink_domain::clock::ManualClock>,
    pub(crate) child_worker: User,
    pub(crate) child_manager: User,
    pub(crate) finder: User,
    pub(crate) family_worker: User,
    pub(crate) family_manager: User,
    pub(crate) kent: Agency,
    pub(crate) children: Vec<i64>,
}

fn household_details(area: &str) -> HouseholdDetails {
    HouseholdDetails {
        applicants: vec!["Robin Ashdown".into(), "Kit Ashdown".into()],
        approved_on: None,
        children_min: 1,
        children_max: 3,
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
        area: area.into(),
        text: "We are a calm and kind family who love walking and cooking together.".into(),
        consent_to_referral: true,
    }
}

pub(crate) async fn world(db: &TestDb, children: usize) -> World {
    let Fixture { store, clock } = fixture(db).await;
    let cumbria = agency(&store, "Cumbria Council").await;
    let kent = agency(&store, "Kent Council").await;
    let child_worker = staff(&store, &cumbria, "sw@cumbria.example", Role::SocialWorker).await;
    let child_manager = staff(&store, &cumbria, "tm@cumbria.example", Role::TeamManager).await;
    let finder = staff(&store, &cumbria, "ff@cumbria.example", Role::FamilyFinder).await;
    let family_worker = staff(&store, &kent, "sw@kent.example", Role::SocialWorker).await;
    let family_manager = staff(&store, &kent, "tm@kent.example", Role::TeamManager).await;
    let born = CivilDate::new(2021, 3, 4).unwrap();
    let mut ids = Vec::new();
    for n in 0..children {
        let alias = ["Mia", "Leo", "Ava", "Sam"][n % 4];
        ids.push(
            publish(
                &store,
                &child_worker,
                &child_manager,
                &details("A cheerful child who loves music."),
                &[child(alias, born, Gender::Girl)],
            )
            .await,
        );
    }
    World {
        store,
        clock,
        child_worker,
        child_manager,
        finder,
        family_worker,
        family_manager,
        kent,
        children: ids,
    }
}

/// An active household of Kent, with one adopter.
pub(crate) async fn family(w: &World, email: &str) -> (i64, User) {
    let edit =
        |u: &User| authorize(u.actor(), Action::EditHousehold { agency: w.kent.id }).unwrap();
    let store = &w.store;
    let id = store
        .create_household_profile(
            &edit(&w.family_worker),
            &person(&w.family_worker),
            &household_details("Kent"),
        )
        .await
        .unwrap();
    let submit = HouseholdEvent::SubmitForAgreement {
        unresolved_findings: 0,
    };
    store
        .change_household_status(
            &edit(&w.family_worker),
            &person(&w.family_worker),
            id,
            false,
            submit,
            "",
        )
        .await
        .unwrap();
    let agreed = store
        .change_household_status(
            &edit(&w.family_manager),
            &person(&w.family_manager),
            id,
            false,
            HouseholdEvent::Agree,
            "",
        )
        .await
        .unwrap();
    assert_eq!(agreed, HouseholdStatus::Active);
    let new = new_user(email, Role::Adopter, w.kent.id, Some(id));
    let adopter = store
        .create_user(&create_user_permit(&w.kent, &new), &operator(), &new)
        .await
        .unwrap();
    (id, adopter)
}

pub(crate) fn viewer(user: &User) -> Viewer<'static> {
    Viewer {
        actor: user.actor(),
        region: "North West",
        household_active: true,
        household_area: None,
    }
}

fn looking(user: &User) -> LinkViewer {
    LinkViewer {
        actor: user.actor(),
        household: user.household_id,
    }
}

fn ask(child: i64, household: i64, side: Side) -> NewLink {
    NewLink {
        child_profile_id: child,
        household_id: household,
        side,
        note: "Their approval fits her needs, and they live far from her birth family.".into(),
        confirmed: true,
        source: LinkSource::Register,
    }
}

pub(crate) fn step(event: LinkEvent) -> LinkChange {
    LinkChange {
        event,
        feedback: String::new(),
        panel_date: None,
        note: String::new(),
    }
}

fn close(reason: CloseReason, feedback: &str) -> LinkChange {
    LinkChange {
        feedback: feedback.into(),
        ..step(LinkEvent::Close(reason))
    }
}

async fn request(
    w: &World,
    by: &User,
    child: i64,
    household: i64,
    side: Side,
) -> Result<i64, StoreError> {
    w.store
        .request_link(
            &person(by),
            viewer(by),
            by.household_id,
            &ask(child, household, side),
        )
        .await
}

pub(crate) async fn change(
    w: &World,
    by: &User,
    link: i64,
    c: LinkChange,
) -> Result<LinkState, StoreError> {
    w.store
        .change_link(&person(by), looking(by), link, &c)
        .await
}

async fn a_link_is_asked_for_explored_and_matched(db: &TestDb) {
    let w = world(db, 2).await;
    let (household, adopter) = family(&w, "robin@example.org").await;
    let (other_household, _) = family(&w, "sam@example.org").await;

    let (link, entry) = audited(
        &w.store,
        "link.requested",
        request(&w, &w.finder, w.children[0], household, Side::Child),
    )
    .await;
    assert_eq!(detail(&entry)["side"], "child");
    // The same pair cannot be asked for twice while the first is open.
    let again = request(&w, &w.finder, w.children[0], household, Side::Child).await;
    assert!(
        matches!(again, Err(StoreError::Link(LinkRefusal::AlreadyLinked { id })) if id == link)
    );

    // Other links of the same child and the same family, to be superseded by the match.
    let rival = request(
        &w,
        &w.child_worker,
        w.children[0],
        other_household,
        Side::Child,
    )
    .await
    .unwrap();
    let sibling = request(&w, &adopter, w.children[1], household, Side::Family)
        .await
        .unwrap();

    // The family's worker and the adopters are told; the person who asked is not.
    let told = |u: &User| {
        let store = w.store.clone();
        let id = u.id;
        async move { store.unread_notifications(id).await.unwrap() }
    };
    assert!(told(&w.family_worker).await >= 1);
    assert!(told(&adopter).await >= 1);
    assert_eq!(told(&w.finder).await, 0);

    // The child's agency cannot answer its own request.
    let early = change(&w, &w.finder, link, step(LinkEvent::Explore)).await;
    assert!(
        matches!(early, Err(StoreError::Link(LinkRefusal::Rule(_)))),
        "{early:?}"
    );

    let seen = w
        .store
        .link(looking(&w.family_worker), &person(&w.family_worker), link)
        .await
        .unwrap();
    assert_eq!(seen.link.state, LinkState::InterestExpressed);
    assert_eq!(seen.link.waiting_on(), Some(Side::Family));
    assert_eq!(seen.link.children, "Mia");
    assert!(seen.link.deadline_at.is_some());

    assert_eq!(
        change(&w, &w.family_worker, link, step(LinkEvent::Consider))
            .await
            .unwrap(),
        LinkState::UnderConsideration
    );
    assert_eq!(
        change(&w, &adopter, link, step(LinkEvent::Explore))
            .await
            .unwrap(),
        LinkState::Exploring
    );
    let seen = w
        .store
        .link(looking(&w.finder), &person(&w.finder), link)
        .await
        .unwrap();
    assert_eq!(
        seen.link.deadline_at, None,
        "nobody is timed once both sides explore"
    );

    let no_date = change(&w, &w.child_worker, link, step(LinkEvent::ProceedToMatch)).await;
    assert!(matches!(
        no_date,
        Err(StoreError::Link(LinkRefusal::Rule(_)))
    ));
    let panel = LinkChange {
        panel_date: CivilDate::new(2025, 7, 20),
        ..step(LinkEvent::ProceedToMatch)
    };
    assert_eq!(
        change(&w, &w.child_worker, link, panel).await.unwrap(),
        LinkState::ProceedingToMatch
    );
    let by_family = change(&w, &w.family_worker, link, step(LinkEvent::RecordMatch)).await;
    assert!(matches!(
        by_family,
        Err(StoreError::Link(LinkRefusal::Rule(_)))
    ));
    let (matched, entry) = audited(
        &w.store,
        "link.changed",
        change(&w, &w.child_manager, link, step(LinkEvent::RecordMatch)),
    )
    .await;
    assert_eq!(matched, LinkState::Matched);
    assert_eq!(detail(&entry)["to"], "matched");

    // The child's and the family's other links closed as superseded, with the reason.
    for other in [rival, sibling] {
        let seen = w
            .store
            .link(looking(&w.child_manager), &person(&w.child_manager), other)
            .await
            .unwrap();
        assert_eq!(
            seen.link.state,
            LinkState::Closed(Closure::Superseded, CloseReason::MatchedElsewhere)
        );
        assert!(
            seen.link
                .feedback
                .unwrap()
                .contains("matched in another link")
        );
    }
    let history = w
        .store
        .link_history(
            &w.store
                .link(looking(&w.finder), &person(&w.finder), link)
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    let events: Vec<&str> = history.iter().map(|h| h.event.as_str()).collect();
    assert_eq!(
        events,
        [
            "request",
            "consider",
            "explore",
            "proceed_to_match",
            "record_match"
        ]
    );
    let seen = w
        .store
        .link(looking(&w.finder), &person(&w.finder), link)
        .await
        .unwrap();
    assert_eq!(seen.link.panel_date.as_deref(), Some("2025-07-20"));
}

async fn people_outside_a_link_are_told_nothing(db: &TestDb) {
    let w = world(db, 1).await;
    let (household, _) = family(&w, "robin@example.org").await;
    let (_, other_adopter) = family(&w, "sam@example.org").await;
    let link = request(&w, &w.finder, w.children[0], household, Side::Child)
        .await
        .unwrap();
    let elsewhere = agency(&w.store, "Devon Council").await;
    let stranger = staff(&w.store, &elsewhere, "tm@devon.example", Role::TeamManager).await;
    let colleague = staff(&w.store, &w.kent, "sw2@kent.example", Role::SocialWorker).await;
    for outsider in [&stranger, &other_adopter, &colleague] {
        // The refusal is "not found", and it is audited.
        let (err, entry) = audited(&w.store, "link.view_refused", async {
            Ok(w.store
                .link(looking(outsider), &person(outsider), link)
                .await
                .unwrap_err())
        })
        .await;
        assert!(matches!(err, StoreError::NotFound), "{err:?}");
        assert_eq!(entry.event.actor_user_id, Some(outsider.id));
        let moved = change(&w, outsider, link, step(LinkEvent::Consider)).await;
        assert!(matches!(moved, Err(StoreError::NotFound)));
        assert!(
            w.store
                .links_for(looking(outsider))
                .await
                .unwrap()
                .is_empty()
        );
    }
    let seen = w
        .store
        .link(looking(&w.family_worker), &person(&w.family_worker), link)
        .await
        .unwrap();
    assert_eq!(
        seen.link.state,
        LinkState::InterestExpressed,
        "nothing changed"
    );
}

async fn closing_needs_a_reason_and_feedback_the_other_side_reads(db: &TestDb) {
    let w = world(db, 1).await;
    let (household, adopter) = family(&w, "robin@example.org").await;
    let link = request(&w, &adopter, w.children[0], household, Side::Family)
        .await
        .unwrap();
    let blank = change(
        &w,
        &w.child_worker,
        link,
        close(CloseReason::Location, "   "),
    )
    .await;
    assert!(matches!(blank, Err(StoreError::Link(LinkRefusal::Rule(_)))));
    let system = change(
        &w,
        &w.child_worker,
        link,
        close(CloseReason::NoResponse, "Quiet."),
    )
    .await;
    assert!(matches!(
        system,
        Err(StoreError::Link(LinkRefusal::Rule(_)))
    ));
    let closed = change(
        &w,
        &w.child_worker,
        link,
        close(
            CloseReason::Needs,
            "Mia needs a family with experience of FASD.",
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        closed,
        LinkState::Closed(Closure::Declined, CloseReason::Needs)
    );
    for reader in [&adopter, &w.family_worker] {
        let seen = w
            .store
            .link(looking(reader), &person(reader), link)
            .await
            .unwrap();
        assert_eq!(
            seen.link.feedback.as_deref(),
            Some("Mia needs a family with experience of FASD.")
        );
        assert_eq!(
            seen.link.closed_by_name.as_deref(),
            Some(w.child_worker.name.as_str())
        );
    }
    let after = change(&w, &adopter, link, step(LinkEvent::Explore)).await;
    assert!(matches!(after, Err(StoreError::Link(LinkRefusal::Rule(_)))));
    // A closed link frees the pair: a new link can be asked for.
    request(&w, &adopter, w.children[0], household, Side::Family)
        .await
        .unwrap();
}

async fn two_requests_racing_for_a_familys_last_place(db: &TestDb) {
    let w = world(db, 3).await;
    let (household, adopter) = family(&w, "robin@example.org").await;
    let mut settings = w.store.register_settings().await.unwrap();
    settings.max_open_links_per_household = 2;
    w.store
        .update_register_settings(
            &kinlink_domain::policy::Permit::for_operator(Action::ManageRegisterSettings),
            &operator(),
            &settings,
        )
        .await
        .unwrap();
    let first = request(&w, &adopter, w.children[0], household, Side::Family)
        .await
        .unwrap();
    // Two requests for the one place left, at once, from both sides.
    let (a, b) = tokio::join!(
        request(&w, &w.finder, w.children[1], household, Side::Child),
        request(&w, &adopter, w.children[2], household, Side::Family),
    );
    let results = [a, b];
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        won, 1,
        "exactly one request takes the last place: {results:?}"
    );
    let lost = results.into_iter().find_map(|r| r.err()).unwrap();
    let StoreError::Link(refusal @ LinkRefusal::HouseholdLimit { limit: 2, .. }) = &lost else {
        panic!("expected the household limit, got {lost:?}");
    };
    // The refusal names the open links holding the places.
    let named: Vec<i64> = refusal.open_links().iter().map(|l| l.id).collect();
    assert_eq!(named.len(), 2);
    assert!(named.contains(&first));
    assert!(refusal.to_string().contains("2 open links"));
    let open = w.store.links_for(looking(&adopter)).await.unwrap();
    assert_eq!(open.iter().filter(|l| l.link.state.is_open()).count(), 2);
}

async fn a_child_has_a_limited_number_of_links_in_exploration(db: &TestDb) {
    let w = world(db, 1).await;
    let mut settings = w.store.register_settings().await.unwrap();
    settings.max_exploring_links_per_child = 1;
    w.store
        .update_register_settings(
            &kinlink_domain::policy::Permit::for_operator(Action::ManageRegisterSettings),
            &operator(),
            &settings,
        )
        .await
        .unwrap();
    let (h1, a1) = family(&w, "one@example.org").await;
    let (h2, a2) = family(&w, "two@example.org").await;
    let l1 = request(&w, &a1, w.children[0], h1, Side::Family)
        .await
        .unwrap();
    let l2 = request(&w, &a2, w.children[0], h2, Side::Family)
        .await
        .unwrap();
    change(&w, &w.child_worker, l1, step(LinkEvent::Explore))
        .await
        .unwrap();
    let full = change(&w, &w.child_worker, l2, step(LinkEvent::Explore))
        .await
        .unwrap_err();
    let StoreError::Link(refusal @ LinkRefusal::ChildLimit { limit: 1, .. }) = &full else {
        panic!("expected the child's limit, got {full:?}");
    };
    assert_eq!(
        refusal
            .open_links()
            .iter()
            .map(|l| l.id)
            .collect::<Vec<_>>(),
        [l1]
    );
    let seen = w
        .store
        .link(looking(&w.child_worker), &person(&w.child_worker), l2)
        .await
        .unwrap();
    assert_eq!(
        seen.link.state,
        LinkState::InterestExpressed,
        "nothing changed"
    );
    // The child's profile, hidden while exploring if its worker chose so, knows it is linked.
    assert!(
        w.store
            .child_link_in_exploration(w.children[0])
            .await
            .unwrap()
    );
}

/// Friday 18 December 2026, 10:00 GMT. Ten working days later (Christmas Day, the Boxing Day
/// substitute on Monday 28th and New Year's Day do not count) is Wednesday 6 January 2027;
/// ten more is Wednesday 20 January.
const FRIDAY_BEFORE_CHRISTMAS: i64 = 1_797_588_000;
const DEADLINE: i64 = 1_799_279_999;
const EXPIRES: i64 = 1_800_489_599;

async fn a_link_nobody_answers_is_reminded_escalated_and_expired(db: &TestDb) {
    let w = world(db, 2).await;
    let (household, adopter) = family(&w, "robin@example.org").await;
    w.clock.set(FRIDAY_BEFORE_CHRISTMAS);
    let link = request(&w, &adopter, w.children[0], household, Side::Family)
        .await
        .unwrap();
    let answered = request(&w, &adopter, w.children[1], household, Side::Family)
        .await
        .unwrap();
    let seen = w
        .store
        .link(looking(&adopter), &person(&adopter), link)
        .await
        .unwrap();
    assert_eq!(
        (seen.link.deadline_at, seen.link.expires_at),
        (Some(DEADLINE), Some(EXPIRES))
    );
    assert!(w.store.run_due_jobs().await.unwrap().is_empty());

    // The other link is answered at once: its jobs will find nothing to do.
    change(&w, &w.child_worker, answered, step(LinkEvent::Explore))
        .await
        .unwrap();

    let halfway = FRIDAY_BEFORE_CHRISTMAS + (DEADLINE - FRIDAY_BEFORE_CHRISTMAS) / 2;
    w.clock.set(halfway - 60);
    assert!(w.store.run_due_jobs().await.unwrap().is_empty());
    let worker_before = w
        .store
        .unread_notifications(w.child_worker.id)
        .await
        .unwrap();
    w.clock.set(halfway + 60);
    let done = w.store.run_due_jobs().await.unwrap();
    let outcomes: Vec<(i64, &str)> = done.iter().map(|d| (d.link_id, d.outcome)).collect();
    assert_eq!(outcomes, [(link, "reminded"), (answered, "moot")]);
    assert_eq!(
        w.store
            .unread_notifications(w.child_worker.id)
            .await
            .unwrap(),
        worker_before + 1
    );
    let reminder = &w.store.notifications(w.child_worker.id, 1).await.unwrap()[0];
    assert!(
        reminder.text.contains("6 January 2027"),
        "{}",
        reminder.text
    );
    assert!(
        !reminder.text.contains("Mia"),
        "notifications never name a child"
    );

    w.clock.set(DEADLINE - 1);
    assert!(
        w.store
            .run_due_jobs()
            .await
            .unwrap()
            .iter()
            .all(|d| d.outcome == "moot")
    );
    let manager_before = w
        .store
        .unread_notifications(w.child_manager.id)
        .await
        .unwrap();
    w.clock.set(DEADLINE + 1);
    let (_, entry) = audited(&w.store, "link.escalated", async {
        w.store.run_due_jobs().await
    })
    .await;
    assert_eq!(entry.event.actor_user_id, None, "the system acts");
    assert_eq!(
        w.store
            .unread_notifications(w.child_manager.id)
            .await
            .unwrap(),
        manager_before + 1
    );
    let seen = w
        .store
        .link(looking(&adopter), &person(&adopter), link)
        .await
        .unwrap();
    assert_eq!(seen.link.escalated_at, Some(DEADLINE + 1));
    assert!(seen.link.is_overdue(DEADLINE + 1));
    assert_eq!(seen.link.state, LinkState::InterestExpressed);

    w.clock.set(EXPIRES + 1);
    let done = w.store.run_due_jobs().await.unwrap();
    assert!(
        done.iter()
            .any(|d| d.link_id == link && d.outcome == "expired")
    );
    let seen = w
        .store
        .link(looking(&adopter), &person(&adopter), link)
        .await
        .unwrap();
    assert_eq!(
        seen.link.state,
        LinkState::Closed(Closure::Expired, CloseReason::NoResponse)
    );
    assert!(seen.link.feedback.unwrap().contains("6 January 2027"));
    assert_eq!(seen.link.deadline_at, None);
    // Done once: nothing is left to run, and the explored link never moved.
    assert!(w.store.run_due_jobs().await.unwrap().is_empty());
    let other = w
        .store
        .link(looking(&adopter), &person(&adopter), answered)
        .await
        .unwrap();
    assert_eq!(other.link.state, LinkState::Exploring);
    // The expiry went out by e-mail too, without naming anyone.
    let mail = w.store.claim_mail(1000, 60).await.unwrap();
    assert!(mail.iter().any(|m| m.to_address == "robin@example.org"));
    assert!(
        mail.iter()
            .all(|m| !m.body.contains("Mia") && !m.body.contains("Ashdown"))
    );
}

async fn adopters_read_only_what_is_shared_with_them(db: &TestDb) {
    let w = world(db, 1).await;
    let (household, adopter) = family(&w, "robin@example.org").await;
    let link = request(&w, &w.finder, w.children[0], household, Side::Child)
        .await
        .unwrap();
    let post = |by: &User, body: &str, to_adopters: bool| {
        let store = w.store.clone();
        let (who, looking) = (person(by), looking(by));
        let body = body.to_owned();
        async move {
            store
                .post_link_message(&who, looking, link, &body, to_adopters, None)
                .await
        }
    };
    post(
        &w.finder,
        "Workers only: her health assessment is due.",
        false,
    )
    .await
    .unwrap();
    let shared = post(
        &w.finder,
        "Hello both, we are glad you are interested.",
        true,
    )
    .await
    .unwrap();
    post(&adopter, "Thank you! We would love to know more.", false)
        .await
        .unwrap();
    let blank = post(&adopter, "   ", true).await;
    assert!(matches!(blank, Err(StoreError::Invalid(_))));

    let read = |u: &User| {
        let store = w.store.clone();
        let (who, looking) = (person(u), looking(u));
        async move {
            let seen = store.link(looking, &who, link).await.unwrap();
            store
                .link_messages(&seen)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.body)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        read(&adopter).await,
        [
            "Hello both, we are glad you are interested.",
            "Thank you! We would love to know more."
        ]
    );
    assert_eq!(
        read(&w.family_worker).await.len(),
        3,
        "the adopters' worker sees everything"
    );
    assert_eq!(read(&w.child_worker).await.len(), 3);

    // A reply threads under the message it answers; adopters cannot answer what they cannot see.
    let reply = w
        .store
        .post_link_message(
            &person(&w.family_worker),
            looking(&w.family_worker),
            link,
            "We will call on Monday.",
            true,
            Some(shared),
        )
        .await
        .unwrap();
    assert!(reply > shared);
    let workers_only = w
        .store
        .link(looking(&w.finder), &person(&w.finder), link)
        .await
        .unwrap();
    let hidden = w.store.link_messages(&workers_only).await.unwrap()[0].id;
    let sneaky = w
        .store
        .post_link_message(
            &person(&adopter),
            looking(&adopter),
            link,
            "Reply",
            true,
            Some(hidden),
        )
        .await;
    assert!(matches!(sneaky, Err(StoreError::NotFound)));
}

fn report(title: &str) -> NewLinkDocument {
    NewLinkDocument {
        kind: kinlink_domain::link::DocumentKind::ChildPermanenceReport,
        title: title.into(),
        file_name: "cpr.pdf".into(),
        media_type: "application/pdf".into(),
        size_bytes: 1234,
        sha256: "ab".repeat(32),
        object_path: format!("links/test/{title}"),
    }
}

/// The document access matrix: each kind of person, a shared and an unshared document, while
/// the link is open and after it closes. Outsiders are told nothing exists; every download and
/// refusal is audited.
async fn who_may_download_a_document(db: &TestDb) {
    let w = world(db, 1).await;
    let (household, adopter) = family(&w, "robin@example.org").await;
    let (_, other_adopter) = family(&w, "sam@example.org").await;
    let elsewhere = agency(&w.store, "Devon Council").await;
    let stranger = staff(&w.store, &elsewhere, "sw@devon.example", Role::SocialWorker).await;
    let link = request(&w, &w.finder, w.children[0], household, Side::Child)
        .await
        .unwrap();

    // Not before the link is explored.
    let early = w
        .store
        .add_link_document(
            &person(&w.finder),
            looking(&w.finder),
            link,
            &report("early"),
        )
        .await;
    assert!(matches!(early, Err(StoreError::Forbidden(_))), "{early:?}");
    change(&w, &w.family_worker, link, step(LinkEvent::Explore))
        .await
        .unwrap();
    // Adopters share through their worker; they do not upload.
    let by_adopter = w
        .store
        .add_link_document(&person(&adopter), looking(&adopter), link, &report("mine"))
        .await;
    assert!(matches!(by_adopter, Err(StoreError::Forbidden(_))));

    let (shared, _) = audited(
        &w.store,
        "link.document_uploaded",
        w.store.add_link_document(
            &person(&w.finder),
            looking(&w.finder),
            link,
            &report("shared"),
        ),
    )
    .await;
    let unshared = w
        .store
        .add_link_document(
            &person(&w.child_worker),
            looking(&w.child_worker),
            link,
            &report("unshared"),
        )
        .await
        .unwrap();
    // Only the adopters' worker shares with the adopters.
    let by_child_side = w
        .store
        .share_link_document(
            &person(&w.child_worker),
            looking(&w.child_worker),
            link,
            shared,
            true,
        )
        .await;
    assert!(matches!(by_child_side, Err(StoreError::Forbidden(_))));
    audited(
        &w.store,
        "link.document_shared",
        w.store.share_link_document(
            &person(&w.family_worker),
            looking(&w.family_worker),
            link,
            shared,
            true,
        ),
    )
    .await;

    // (who, shared while open, unshared while open, shared once closed)
    let table: [(&User, bool, bool); 6] = [
        (&w.finder, true, true),
        (&w.child_worker, true, true),
        (&w.family_worker, true, true),
        (&adopter, true, false),
        (&other_adopter, false, false),
        (&stranger, false, false),
    ];
    let may = |u: &User, doc: i64| {
        let store = w.store.clone();
        let (who, looking) = (person(u), looking(u));
        async move { store.open_link_document(&who, looking, link, doc).await }
    };
    for (user, reads_shared, reads_unshared) in table {
        for (doc, expected) in [(shared, reads_shared), (unshared, reads_unshared)] {
            let action = if expected {
                "link.document_downloaded"
            } else {
                "link.document_refused"
            };
            let (result, entry) =
                audited(&w.store, action, async { Ok(may(user, doc).await) }).await;
            assert_eq!(
                result.is_ok(),
                expected,
                "{} / document {doc}: {result:?}",
                user.email
            );
            assert_eq!(entry.event.actor_user_id, Some(user.id));
            if !expected {
                assert!(
                    matches!(result, Err(StoreError::NotFound)),
                    "nobody learns that a hidden document exists"
                );
            }
        }
    }
    // The adopters see only the shared document listed.
    let seen = w
        .store
        .link(looking(&adopter), &person(&adopter), link)
        .await
        .unwrap();
    let listed: Vec<i64> = w
        .store
        .link_documents(&seen)
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, [shared]);

    // Once the link closes, nobody downloads anything.
    change(
        &w,
        &w.child_worker,
        link,
        close(CloseReason::ChildPlanChanged, "Her plan has changed."),
    )
    .await
    .unwrap();
    for (user, _, _) in table {
        let result = may(user, shared).await;
        assert!(
            result.is_err(),
            "{} read a closed link's document",
            user.email
        );
    }
    let closed = may(&w.finder, shared).await.unwrap_err();
    assert!(matches!(closed, StoreError::Forbidden(_)), "{closed:?}");
}

async fn the_agency_setting_decides_who_follows_up_and_managers_reassign(db: &TestDb) {
    let w = world(db, 2).await;
    let (household, adopter) = family(&w, "robin@example.org").await;
    let cumbria = w.store.agency(w.child_worker.agency_id).await.unwrap();
    // By default the child's social worker follows links up.
    let first = request(&w, &adopter, w.children[0], household, Side::Family)
        .await
        .unwrap();
    let seen = w
        .store
        .link(looking(&w.child_worker), &person(&w.child_worker), first)
        .await
        .unwrap();
    assert_eq!(seen.link.assigned_to, Some(w.child_worker.id));

    // A named person: the agency's family finder.
    let settings = kinlink_store::AgencySettings {
        mfa_required: false,
        link_follow_up: kinlink_store::LinkFollowUp::NamedPerson,
        link_follow_up_user: Some(w.finder.id),
        household_text_min_words: 0,
        adopters_book_events: false,
    };
    w.store
        .update_agency_settings(
            &kinlink_domain::policy::Permit::for_operator(Action::ManageAgencySettings {
                agency: cumbria.id,
            }),
            &operator(),
            cumbria.id,
            &settings,
        )
        .await
        .unwrap();
    let second = request(&w, &adopter, w.children[1], household, Side::Family)
        .await
        .unwrap();
    let seen = w
        .store
        .link(looking(&w.finder), &person(&w.finder), second)
        .await
        .unwrap();
    assert_eq!(seen.link.assigned_to, Some(w.finder.id));

    // Only a team manager of the child's agency reassigns, and only to someone who can follow up.
    let by_worker = w
        .store
        .reassign_link(
            &person(&w.child_worker),
            looking(&w.child_worker),
            second,
            w.child_worker.id,
        )
        .await;
    assert!(
        matches!(by_worker, Err(StoreError::Forbidden(_))),
        "{by_worker:?}"
    );
    let to_outsider = w
        .store
        .reassign_link(
            &person(&w.child_manager),
            looking(&w.child_manager),
            second,
            w.family_worker.id,
        )
        .await;
    assert!(matches!(
        to_outsider,
        Err(StoreError::Link(LinkRefusal::NotAFollowUpPerson))
    ));
    let before = w
        .store
        .unread_notifications(w.child_worker.id)
        .await
        .unwrap();
    audited(
        &w.store,
        "link.reassigned",
        w.store.reassign_link(
            &person(&w.child_manager),
            looking(&w.child_manager),
            second,
            w.child_worker.id,
        ),
    )
    .await;
    let seen = w
        .store
        .link(looking(&w.child_worker), &person(&w.child_worker), second)
        .await
        .unwrap();
    assert_eq!(seen.link.assigned_to, Some(w.child_worker.id));
    assert_eq!(
        w.store
            .unread_notifications(w.child_worker.id)
            .await
            .unwrap(),
        before + 1,
        "the new person is told"
    );
}
