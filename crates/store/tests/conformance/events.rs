//! Exchange and Activity Days: setting one up and running it; featuring children (with the
//! same visibility as everywhere); booking families, with the waiting list raced; interest on
//! the day becoming a link that obeys the link rules; outcomes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::child_profiles::{child, details, publish};
use crate::links::{World, change, family, step, viewer, world};
use crate::support::*;
use kinlink_domain::child::Gender;
use kinlink_domain::event::{
    BookingState, EventDetails, EventKind, EventRuleBroken, EventStatus, EventStep, TimeOfDay,
};
use kinlink_domain::link::{LinkEvent, LinkState, Side};
use kinlink_domain::policy::{Action, ChildVisibility, Denied, Permit};
use kinlink_domain::profile::CivilDate;
use kinlink_store::testing::TestDb;
use kinlink_store::{
    AgencySettings, EventViewer, LinkFollowUp, LinkRefusal, LinkSource, NewLink, StoreError, User,
};

on_both_backends!(
    an_event_from_draft_to_a_link_made_on_the_day,
    families_racing_for_the_last_places_join_the_waiting_list_in_order,
    bookings_close_at_the_deadline_and_adopters_book_only_where_their_agency_allows,
    featured_profiles_keep_their_visibility_and_child_places_are_limited,
    interest_at_an_event_obeys_the_link_limits,
    how_to_join_online_is_for_families_with_a_place,
);

/// T0 is 2025-06-15: the event is ten days later, bookings close five days before it.
fn day(d: u8) -> CivilDate {
    CivilDate::new(2025, 6, d).unwrap()
}
const DAY: i64 = 86_400;

fn exchange_day(households: u32, children: u32) -> EventDetails {
    EventDetails {
        kind: EventKind::ExchangeDay,
        title: "Summer Exchange Day".into(),
        date: day(25),
        starts: TimeOfDay::new(10, 0).unwrap(),
        ends: TimeOfDay::new(15, 0).unwrap(),
        online: false,
        venue: "The Assembly Rooms".into(),
        region: "North West".into(),
        household_places: households,
        child_places: children,
        booking_deadline: day(20),
        description: "Children's agencies from across the region bring their profiles.".into(),
    }
}

fn looking(user: &User) -> EventViewer<'static> {
    EventViewer {
        viewer: viewer(user),
        household: user.household_id,
    }
}

/// Cumbria's family finder, who organises the events here, takes event `id` one step on.
async fn finder_steps(
    w: &World,
    id: i64,
    step: EventStep,
    reason: &str,
) -> Result<EventStatus, StoreError> {
    w.store
        .change_event_status(&person(&w.finder), w.finder.actor(), id, step, reason)
        .await
}

/// An open event organised by Cumbria's family finder.
async fn open_event(w: &World, households: u32, children: u32) -> i64 {
    let store = &w.store;
    let id = store
        .create_event(
            &person(&w.finder),
            w.finder.actor(),
            &exchange_day(households, children),
        )
        .await
        .unwrap();
    finder_steps(w, id, EventStep::Open, "").await.unwrap();
    id
}

async fn feature_at(
    w: &World,
    by: &User,
    event: i64,
    child: i64,
    support_note: &str,
) -> Result<i64, StoreError> {
    w.store
        .feature_child(&person(by), viewer(by), event, child, support_note)
        .await
}

async fn book(
    w: &World,
    by: &User,
    event: i64,
    household: i64,
) -> Result<(i64, BookingState), StoreError> {
    w.store
        .book_family(&person(by), looking(by), event, household)
        .await
}

fn interest(event: i64, child: i64, household: i64) -> NewLink {
    NewLink {
        child_profile_id: child,
        household_id: household,
        side: Side::Family,
        note: "They talked with her worker for an hour and want to know more.".into(),
        confirmed: true,
        source: LinkSource::Event(event),
    }
}

async fn record_interest(
    w: &World,
    by: &User,
    event: i64,
    child: i64,
    household: i64,
) -> Result<i64, StoreError> {
    w.store
        .request_link(
            &person(by),
            viewer(by),
            by.household_id,
            &interest(event, child, household),
        )
        .await
}

async fn an_event_from_draft_to_a_link_made_on_the_day(db: &TestDb) {
    let w = world(db, 3).await;
    let store = &w.store;
    let (household, adopter) = family(&w, "robin@example.org").await;
    let (other, _) = family(&w, "sam@example.org").await;

    // A draft is seen by those who run it only.
    let (id, entry) = audited(
        store,
        "event.created",
        store.create_event(&person(&w.finder), w.finder.actor(), &exchange_day(20, 20)),
    )
    .await;
    assert_eq!(detail(&entry)["kind"], "exchange_day");
    let seen = |u: &User| {
        let store = store.clone();
        let actor = u.actor();
        async move {
            store
                .events(&operator(), actor)
                .await
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(seen(&w.finder).await, vec![id]);
    assert_eq!(seen(&w.family_worker).await, Vec::<i64>::new());
    let hidden = store
        .event(&person(&w.family_worker), looking(&w.family_worker), id)
        .await;
    assert!(matches!(hidden, Err(StoreError::NotFound)));
    // A social worker does not run events; bad details are refused field by field.
    let refused_worker = store
        .create_event(
            &person(&w.child_worker),
            w.child_worker.actor(),
            &exchange_day(20, 20),
        )
        .await;
    assert!(matches!(
        refused_worker,
        Err(StoreError::Forbidden(Denied::NotOnTheRegister))
    ));
    let mut bad = exchange_day(0, 20);
    bad.booking_deadline = day(26);
    let err = refused(
        store,
        store.create_event(&person(&w.finder), w.finder.actor(), &bad),
    )
    .await;
    let StoreError::Invalid(problems) = err else {
        panic!("{err:?}")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, ["household_places", "booking_deadline"]);

    finder_steps(&w, id, EventStep::Open, "").await.unwrap();
    assert_eq!(seen(&w.family_worker).await, vec![id]);

    // The child's worker features a published child; the family's worker books the family.
    let (feature, _) = audited(
        store,
        "event.child_featured",
        feature_at(&w, &w.child_worker, id, w.children[0], ""),
    )
    .await;
    let again = refused(
        store,
        feature_at(&w, &w.child_worker, id, w.children[0], ""),
    )
    .await;
    assert!(matches!(
        again,
        StoreError::Event(EventRuleBroken::AlreadyFeatured)
    ));
    // Another agency's worker cannot feature Cumbria's child.
    let other_agency = feature_at(&w, &w.family_worker, id, w.children[1], "").await;
    assert!(matches!(other_agency, Err(StoreError::NotFound)));
    let (booked, entry) = audited(
        store,
        "event.family_booked",
        book(&w, &w.family_worker, id, household),
    )
    .await;
    assert_eq!(booked.1, BookingState::Booked);
    assert_eq!(detail(&entry)["state"], "booked");
    // The adopters are told; the worker who booked is not told what they did.
    let told = store.notifications(adopter.id, 10).await.unwrap();
    assert_eq!(told[0].event_id, Some(id));
    assert!(told[0].text.contains("has a place"), "{}", told[0].text);
    assert!(
        store
            .notifications(w.family_worker.id, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The event's page: the family worker sees the child and their own family's booking.
    let page = store
        .event(&person(&w.family_worker), looking(&w.family_worker), id)
        .await
        .unwrap();
    assert_eq!(page.children.len(), 1);
    assert_eq!(page.children[0].id, feature);
    assert_eq!(page.children[0].support_note, None);
    assert_eq!(page.bookings.len(), 1);
    assert_eq!(page.bookings[0].family, "Robin and Kit");
    assert!(page.bookings[0].may_cancel && page.bookings[0].theirs);
    assert!(!page.manages);

    // Before the day, interest cannot be recorded.
    let early = refused(
        store,
        record_interest(&w, &adopter, id, w.children[0], household),
    )
    .await;
    assert!(
        matches!(early, StoreError::Event(EventRuleBroken::NotYetTheDay { date }) if date == day(25))
    );
    let early_attendance = store
        .record_attendance(&person(&w.finder), w.finder.actor(), id, booked.0, true)
        .await;
    assert!(matches!(
        early_attendance,
        Err(StoreError::Event(EventRuleBroken::AttendanceNotYet { .. }))
    ));

    // On the day: attendance, then interest from the adopters' own account.
    w.clock.advance(10 * DAY);
    audited(
        store,
        "event.attendance_recorded",
        store.record_attendance(&person(&w.finder), w.finder.actor(), id, booked.0, true),
    )
    .await;
    let not_featured = refused(
        store,
        record_interest(&w, &adopter, id, w.children[1], household),
    )
    .await;
    assert!(matches!(
        not_featured,
        StoreError::Event(EventRuleBroken::ChildNotFeatured)
    ));
    let not_booked = refused(
        store,
        record_interest(&w, &w.finder, id, w.children[0], other),
    )
    .await;
    assert!(matches!(
        not_booked,
        StoreError::Event(EventRuleBroken::FamilyNotBooked)
    ));
    let (link, entry) = audited(
        store,
        "link.requested",
        record_interest(&w, &adopter, id, w.children[0], household),
    )
    .await;
    assert_eq!(detail(&entry)["source"], "event");
    assert_eq!(detail(&entry)["event"], id);
    let seen_link = store
        .link(
            kinlink_store::LinkViewer {
                actor: w.child_worker.actor(),
                household: None,
            },
            &person(&w.child_worker),
            link,
        )
        .await
        .unwrap();
    assert_eq!(seen_link.link.source, LinkSource::Event(id));
    assert_eq!(seen_link.link.state, LinkState::InterestExpressed);
    assert!(
        seen_link.link.deadline_at.is_some(),
        "an event's link has the normal response deadline"
    );

    // The link follows the normal rules through to a match; the outcomes count it.
    finder_steps(&w, id, EventStep::RecordHeld, "")
        .await
        .unwrap();
    for event in [
        LinkEvent::Consider,
        LinkEvent::Explore,
        LinkEvent::ProceedToMatch,
        LinkEvent::RecordMatch,
    ] {
        let mut c = step(event);
        if event == LinkEvent::ProceedToMatch {
            c.panel_date = Some(day(28));
        }
        change(&w, &w.child_worker, link, c).await.unwrap();
    }
    let page = store
        .event(&person(&w.finder), looking(&w.finder), id)
        .await
        .unwrap();
    assert!(page.manages);
    assert_eq!(page.outcomes.children_featured, 1);
    assert_eq!(page.outcomes.families_booked, 1);
    assert_eq!(page.outcomes.families_attended, 1);
    assert_eq!(page.outcomes.links_started, 1);
    assert_eq!(page.outcomes.links_matched, 1);
    let channels = store
        .matches_by_channel(
            &kinlink_domain::policy::authorize(w.finder.actor(), Action::ViewEvents).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            channels.online,
            channels.exchange_days,
            channels.activity_days
        ),
        (0, 1, 0)
    );
    // Nothing more can be added to an event that was held.
    let late = refused(
        store,
        feature_at(&w, &w.child_worker, id, w.children[2], ""),
    )
    .await;
    assert!(matches!(
        late,
        StoreError::Event(EventRuleBroken::Finished(_))
    ));

    // The printed lists carry first names and ages only.
    let lists = store
        .printed_lists(&person(&w.finder), w.finder.actor(), id)
        .await
        .unwrap();
    assert_eq!(lists.families.len(), 1);
    assert_eq!(lists.families[0].name, "Robin and Kit");
    assert!(
        lists.children[0].name.starts_with("Mia ("),
        "{}",
        lists.children[0].name
    );
    assert!(
        !format!("{lists:?}").contains("Ashdown") && !format!("{lists:?}").contains("Threlkeld")
    );
    let not_organiser = store
        .printed_lists(&person(&w.family_worker), w.family_worker.actor(), id)
        .await;
    assert!(matches!(not_organiser, Err(StoreError::Forbidden(_))));
}

async fn families_racing_for_the_last_places_join_the_waiting_list_in_order(db: &TestDb) {
    let w = world(db, 0).await;
    let id = open_event(&w, 2, 10).await;
    let mut families = Vec::new();
    for n in 0..5 {
        families.push(family(&w, &format!("adopter{n}@example.org")).await);
    }
    // Five bookings for two places, at once.
    let h: Vec<i64> = families.iter().map(|(h, _)| *h).collect();
    let by = &w.family_worker;
    let results = tokio::join!(
        book(&w, by, id, h[0]),
        book(&w, by, id, h[1]),
        book(&w, by, id, h[2]),
        book(&w, by, id, h[3]),
        book(&w, by, id, h[4]),
    );
    let states: Vec<BookingState> = [results.0, results.1, results.2, results.3, results.4]
        .into_iter()
        .map(|r| r.unwrap().1)
        .collect();
    assert_eq!(
        states
            .iter()
            .filter(|s| **s == BookingState::Booked)
            .count(),
        2,
        "{states:?}"
    );
    assert_eq!(
        states
            .iter()
            .filter(|s| **s == BookingState::Waiting)
            .count(),
        3,
        "{states:?}"
    );

    let page = w
        .store
        .event(&person(&w.finder), looking(&w.finder), id)
        .await
        .unwrap();
    assert_eq!((page.event.booked, page.event.waiting), (2, 3));
    let waiting: Vec<_> = page
        .bookings
        .iter()
        .filter(|b| b.state == BookingState::Waiting)
        .collect();
    assert_eq!(
        waiting.iter().map(|b| b.position).collect::<Vec<_>>(),
        [Some(1), Some(2), Some(3)]
    );
    // An adopter whose family waits sees their own place in line, not their place among the
    // bookings they can see.
    let last = families
        .iter()
        .find(|(h, _)| *h == waiting[2].household_id)
        .unwrap();
    let theirs = w
        .store
        .event(&person(&last.1), looking(&last.1), id)
        .await
        .unwrap();
    assert_eq!(theirs.bookings.len(), 1);
    assert_eq!(theirs.bookings[0].position, Some(3));
    // The same family cannot book twice.
    let twice = book(&w, &w.family_worker, id, page.bookings[0].household_id).await;
    assert!(matches!(
        twice,
        Err(StoreError::Event(EventRuleBroken::AlreadyBooked))
    ));

    // Two places come free at once: they go to the first two families waiting, in order.
    let booked: Vec<i64> = page
        .bookings
        .iter()
        .filter(|b| b.state == BookingState::Booked)
        .map(|b| b.id)
        .collect();
    let (worker, manager) = (person(&w.family_worker), person(&w.family_manager));
    let (a, b) = tokio::join!(
        w.store
            .cancel_booking(&worker, looking(&w.family_worker), id, booked[0]),
        w.store
            .cancel_booking(&manager, looking(&w.family_manager), id, booked[1]),
    );
    a.unwrap();
    b.unwrap();
    let page = w
        .store
        .event(&person(&w.finder), looking(&w.finder), id)
        .await
        .unwrap();
    let now_booked: Vec<i64> = page
        .bookings
        .iter()
        .filter(|b| b.state == BookingState::Booked)
        .map(|b| b.id)
        .collect();
    assert_eq!(now_booked, vec![waiting[0].id, waiting[1].id]);
    assert_eq!(
        page.bookings
            .iter()
            .filter(|b| b.state == BookingState::Waiting)
            .map(|b| b.id)
            .collect::<Vec<_>>(),
        vec![waiting[2].id]
    );
    // The family that got a place is told.
    let promoted = families
        .iter()
        .find(|(h, _)| *h == waiting[0].household_id)
        .unwrap();
    let told = w.store.notifications(promoted.1.id, 10).await.unwrap();
    assert!(
        told.iter().any(|n| n.text.contains("A place came free")),
        "{told:?}"
    );
    // A cancelled booking cannot be cancelled again.
    let again = w
        .store
        .cancel_booking(
            &person(&w.family_worker),
            looking(&w.family_worker),
            id,
            booked[0],
        )
        .await;
    assert!(matches!(
        again,
        Err(StoreError::Event(EventRuleBroken::AlreadyCancelled))
    ));

    // More places offered later also go to those waiting.
    let mut more = exchange_day(3, 10);
    more.title = "Summer Exchange Day (bigger room)".into();
    w.store
        .edit_event(&person(&w.finder), w.finder.actor(), id, &more)
        .await
        .unwrap();
    let page = w
        .store
        .event(&person(&w.finder), looking(&w.finder), id)
        .await
        .unwrap();
    assert_eq!((page.event.booked, page.event.waiting), (3, 0));
    // Fewer places than families booked is refused.
    let fewer = w
        .store
        .edit_event(
            &person(&w.finder),
            w.finder.actor(),
            id,
            &exchange_day(1, 10),
        )
        .await;
    assert!(matches!(fewer, Err(StoreError::Invalid(p)) if p[0].field == "household_places"));
}

async fn bookings_close_at_the_deadline_and_adopters_book_only_where_their_agency_allows(
    db: &TestDb,
) {
    let w = world(db, 0).await;
    let id = open_event(&w, 10, 10).await;
    let (household, adopter) = family(&w, "robin@example.org").await;
    // Kent lets its workers book, not its adopters.
    // The refusal is logged under the adopter's name, as every refusal of the policy is.
    let (own, entry) = audited(&w.store, "access.denied", async {
        Ok(book(&w, &adopter, id, household).await.unwrap_err())
    })
    .await;
    assert!(
        matches!(own, StoreError::Forbidden(Denied::WorkerBooksEvents)),
        "{own:?}"
    );
    assert_eq!(detail(&entry)["rule"], "worker_books_events");
    let settings = AgencySettings {
        mfa_required: false,
        link_follow_up: LinkFollowUp::ChildsSocialWorker,
        link_follow_up_user: None,
        household_text_min_words: 0,
        adopters_book_events: true,
    };
    w.store
        .update_agency_settings(
            &Permit::for_operator(Action::ManageAgencySettings { agency: w.kent.id }),
            &operator(),
            w.kent.id,
            &settings,
        )
        .await
        .unwrap();
    let (booking, _) = book(&w, &adopter, id, household).await.unwrap();
    // Adopters cannot book someone else's family.
    let (other, _) = family(&w, "sam@example.org").await;
    assert!(matches!(
        book(&w, &adopter, id, other).await,
        Err(StoreError::NotFound)
    ));
    // The adopters see their own booking only.
    book(&w, &w.family_worker, id, other).await.unwrap();
    let page = w
        .store
        .event(&person(&adopter), looking(&adopter), id)
        .await
        .unwrap();
    assert_eq!(
        page.bookings.iter().map(|b| b.id).collect::<Vec<_>>(),
        vec![booking]
    );

    // After the deadline's day: a clear refusal, nothing changed.
    let (late_family, _) = family(&w, "late@example.org").await;
    w.clock.advance(6 * DAY);
    let late = refused(&w.store, book(&w, &w.family_worker, id, late_family)).await;
    assert!(
        matches!(late, StoreError::Event(EventRuleBroken::DeadlinePassed { deadline }) if deadline == day(20))
    );
    // Closed to bookings: also refused; a cancelled event tells everyone booked.
    finder_steps(&w, id, EventStep::CloseBookings, "")
        .await
        .unwrap();
    let no_reason = finder_steps(&w, id, EventStep::Cancel, " ").await;
    assert!(matches!(no_reason, Err(StoreError::Invalid(p)) if p[0].field == "reason"));
    let status = finder_steps(&w, id, EventStep::Cancel, "The venue flooded")
        .await
        .unwrap();
    assert_eq!(status, EventStatus::Cancelled);
    let told = w.store.notifications(w.family_worker.id, 10).await.unwrap();
    assert!(
        told.iter()
            .any(|n| n.text.contains("cancelled: The venue flooded")),
        "{told:?}"
    );
    let after = finder_steps(&w, id, EventStep::Open, "").await;
    assert!(matches!(
        after,
        Err(StoreError::Event(EventRuleBroken::StepNotAllowed { .. }))
    ));
}

async fn featured_profiles_keep_their_visibility_and_child_places_are_limited(db: &TestDb) {
    let w = world(db, 1).await;
    let (household, adopter) = family(&w, "robin@example.org").await;
    let id = open_event(&w, 10, 3).await;
    // A sibling group of three seen by staff only, and a child seen by everyone.
    let mut staff_only = details("Three brothers who love football.");
    staff_only.visibility = ChildVisibility::AgenciesOnly;
    let born = CivilDate::new(2019, 1, 2).unwrap();
    let group = publish(
        &w.store,
        &w.child_worker,
        &w.child_manager,
        &staff_only,
        &[
            child("Tom", born, Gender::Boy),
            child("Ben", born, Gender::Boy),
            child("Jo", born, Gender::Boy),
        ],
    )
    .await;
    feature_at(&w, &w.child_worker, id, group, "Ben uses a wheelchair")
        .await
        .unwrap();
    // The group took all three child places.
    let full = refused(
        &w.store,
        feature_at(&w, &w.child_worker, id, w.children[0], ""),
    )
    .await;
    assert!(
        matches!(
            full,
            StoreError::Event(EventRuleBroken::ChildPlacesTaken {
                places: 3,
                taken: 3,
                wanted: 1
            })
        ),
        "{full:?}"
    );
    book(&w, &w.family_worker, id, household).await.unwrap();

    let staff_page = w
        .store
        .event(&person(&w.family_worker), looking(&w.family_worker), id)
        .await
        .unwrap();
    assert_eq!(staff_page.children.len(), 1);
    assert_eq!(staff_page.children[0].places, 3);
    // Another agency's staff see the published profile, not the confidential details.
    let profile = &staff_page.children[0].profile;
    assert_eq!(profile.sight(), kinlink_domain::policy::Sight::Published);
    assert!(profile.children.iter().all(|c| c.confidential.is_none()));
    let adopters_page = w
        .store
        .event(&person(&adopter), looking(&adopter), id)
        .await
        .unwrap();
    assert!(
        adopters_page.children.is_empty(),
        "adopters do not see a staff-only profile at an event either"
    );
    // The organisers see the support note.
    let organisers = w
        .store
        .event(&person(&w.finder), looking(&w.finder), id)
        .await
        .unwrap();
    assert_eq!(
        organisers.children[0].support_note.as_deref(),
        Some("Ben uses a wheelchair")
    );

    // Withdrawing the group frees its places; an unpublished profile cannot be featured.
    let feature = organisers.children[0].id;
    w.store
        .withdraw_child(
            &person(&w.child_worker),
            w.child_worker.actor(),
            id,
            feature,
        )
        .await
        .unwrap();
    feature_at(&w, &w.child_worker, id, w.children[0], "")
        .await
        .unwrap();
    let edit = kinlink_domain::policy::authorize(
        w.child_worker.actor(),
        Action::EditChildProfile {
            agency: w.child_worker.agency_id,
        },
    )
    .unwrap();
    let draft = w
        .store
        .create_child_profile(
            &edit,
            &person(&w.child_worker),
            &details("A draft."),
            &child("Ada", born, Gender::Girl),
        )
        .await
        .unwrap();
    let unpublished = refused(&w.store, feature_at(&w, &w.child_worker, id, draft, "")).await;
    assert!(matches!(
        unpublished,
        StoreError::Event(EventRuleBroken::ChildNotPublished)
    ));
}

async fn interest_at_an_event_obeys_the_link_limits(db: &TestDb) {
    let w = world(db, 2).await;
    let mut settings = w.store.register_settings().await.unwrap();
    settings.max_open_links_per_household = 1;
    w.store
        .update_register_settings(
            &Permit::for_operator(Action::ManageRegisterSettings),
            &operator(),
            &settings,
        )
        .await
        .unwrap();
    let (household, adopter) = family(&w, "robin@example.org").await;
    let id = open_event(&w, 10, 10).await;
    for child in &w.children {
        feature_at(&w, &w.child_worker, id, *child, "")
            .await
            .unwrap();
    }
    book(&w, &w.family_worker, id, household).await.unwrap();
    w.clock.advance(10 * DAY);
    // The organisers record the family's interest in the first child, for them.
    let first = record_interest(&w, &w.finder, id, w.children[0], household)
        .await
        .unwrap();
    // The family's one open link is taken: interest in the second is refused with the link named.
    let err = refused(
        &w.store,
        record_interest(&w, &adopter, id, w.children[1], household),
    )
    .await;
    let StoreError::Link(refusal @ LinkRefusal::HouseholdLimit { limit: 1, .. }) = &err else {
        panic!("expected the household limit, got {err:?}");
    };
    assert_eq!(refusal.open_links()[0].id, first);
    // Another family's adopter learns nothing about who is booked: not found, not "not booked".
    let (_, stranger) = family(&w, "stranger@example.org").await;
    let nosy = record_interest(&w, &stranger, id, w.children[1], household).await;
    assert!(matches!(nosy, Err(StoreError::NotFound)), "{nosy:?}");
    // And the same child twice is the existing link.
    let again = record_interest(&w, &w.family_worker, id, w.children[0], household).await;
    assert!(
        matches!(again, Err(StoreError::Link(LinkRefusal::AlreadyLinked { id })) if id == first)
    );
}

async fn how_to_join_online_is_for_families_with_a_place(db: &TestDb) {
    let w = world(db, 0).await;
    let (household, adopter) = family(&w, "robin@example.org").await;
    let mut online = exchange_day(1, 10);
    online.online = true;
    online.venue = "https://video.example/join/exchange-day".into();
    let id = w
        .store
        .create_event(&person(&w.finder), w.finder.actor(), &online)
        .await
        .unwrap();
    finder_steps(&w, id, EventStep::Open, "").await.unwrap();
    let link = "https://video.example/join/exchange-day";
    let seen = |u: &User| {
        let store = w.store.clone();
        let u = u.clone();
        async move {
            let page = store.event(&person(&u), looking(&u), id).await.unwrap();
            let listed = store.events(&person(&u), u.actor()).await.unwrap();
            (page.event.details.venue, listed[0].details.venue.clone())
        }
    };
    // Staff see how to join; an adopter without a place does not, on the page or in the list.
    assert_eq!(seen(&w.family_worker).await.0, link);
    let (page, listed) = seen(&adopter).await;
    assert!(!page.contains("video.example") && !listed.contains("video.example"));
    // With a place, the adopters see it on the event's page.
    book(&w, &w.family_worker, id, household).await.unwrap();
    assert_eq!(seen(&adopter).await.0, link);
    // A family on the waiting list does not.
    let (waiting, waiting_adopter) = family(&w, "sam@example.org").await;
    let (_, state) = book(&w, &w.family_worker, id, waiting).await.unwrap();
    assert_eq!(state, BookingState::Waiting);
    assert!(!seen(&waiting_adopter).await.0.contains("video.example"));
}
