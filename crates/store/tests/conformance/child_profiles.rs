//! Children's and sibling groups' profiles: the life cycle with its confidentiality check, what
//! each reader is given, and search.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::Role;
use kinlink_domain::child::{
    ChildConfidential, ChildDetails, Contact, Ethnicity, Gender, LegalStatus, Need, ProfileDetails,
};
use kinlink_domain::policy::{Action, ChildVisibility, Permit, Sight, Viewer, authorize};
use kinlink_domain::profile::{ChildEvent, ChildStatus, CivilDate, NeedCategory, NeedLevel};
use kinlink_store::testing::TestDb;
use kinlink_store::{ChildSearch, StatusRequest, Store, StoreError, User, child_findings};

on_both_backends!(
    a_profile_is_written_checked_signed_off_and_published,
    confidential_details_never_leave_the_childs_agency,
    a_published_profile_is_changed_only_through_draft,
    bad_details_are_refused_and_store_nothing,
    search_filters_and_respects_visibility,
);

fn date(y: i32, m: u8, d: u8) -> CivilDate {
    CivilDate::new(y, m, d).unwrap()
}

pub fn child(alias: &str, born: CivilDate, gender: Gender) -> ChildDetails {
    ChildDetails {
        alias: alias.into(),
        born,
        gender,
        ethnicity: Ethnicity::WhiteBritish,
        ethnicity_detail: String::new(),
        religion: String::new(),
        languages: vec!["English".into()],
        legal_status: LegalStatus::PlacementOrder,
        needs: vec![],
        confidential: ChildConfidential {
            surname: "Threlkeld".into(),
            address: "4 Quarry Lane".into(),
            school: "Fellside Primary School".into(),
            placement_location: "Foster home in Kendal".into(),
            birth_relatives: vec!["Donna Threlkeld".into()],
        },
    }
}

pub fn details(text: &str) -> ProfileDetails {
    ProfileDetails {
        visibility: ChildVisibility::All,
        home_area: "Cumbria".into(),
        excluded_areas: vec!["Cumbria".into(), "Lancashire".into()],
        contact: Contact {
            letterbox: true,
            ..Contact::default()
        },
        contact_notes: String::new(),
        requirements: vec![],
        requirement_notes: String::new(),
        text: text.into(),
    }
}

fn edit(user: &User) -> Permit {
    authorize(
        user.actor(),
        Action::EditChildProfile {
            agency: user.agency_id,
        },
    )
    .unwrap()
}

fn viewer(user: &User, region: &'static str) -> Viewer<'static> {
    Viewer {
        actor: user.actor(),
        region,
        household_active: true,
        household_area: None,
    }
}

fn ask(event: ChildEvent, reason: &str) -> StatusRequest {
    StatusRequest {
        event,
        reason: reason.into(),
    }
}

const SUBMIT: ChildEvent = ChildEvent::SubmitForSignOff {
    unresolved_findings: 0,
};

/// Publishes a profile written by `worker`, signed off by `manager`.
pub async fn publish(
    store: &Store,
    worker: &User,
    manager: &User,
    d: &ProfileDetails,
    children: &[ChildDetails],
) -> i64 {
    let id = store
        .create_child_profile(&edit(worker), &person(worker), d, &children[0])
        .await
        .unwrap();
    for c in &children[1..] {
        store
            .add_child(&edit(worker), &person(worker), id, c)
            .await
            .unwrap();
    }
    store
        .change_child_status(&edit(worker), &person(worker), id, &ask(SUBMIT, ""))
        .await
        .unwrap();
    store
        .change_child_status(
            &edit(manager),
            &person(manager),
            id,
            &ask(ChildEvent::SignOff, ""),
        )
        .await
        .unwrap();
    id
}

async fn a_profile_is_written_checked_signed_off_and_published(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let cumbria = agency(&store, "Cumbria Council").await;
    let worker = staff(&store, &cumbria, "jo@cumbria.example", Role::SocialWorker).await;
    let manager = staff(&store, &cumbria, "mo@cumbria.example", Role::TeamManager).await;

    let (id, _) = audited(
        &store,
        "child_profile.created",
        store.create_child_profile(
            &edit(&worker),
            &person(&worker),
            &details("Ellie loves her class at Fellside Primary School and painting."),
            &child("Ellie", date(2020, 3, 1), Gender::Girl),
        ),
    )
    .await;
    audited(
        &store,
        "child_profile.child_added",
        store.add_child(
            &edit(&worker),
            &person(&worker),
            id,
            &child("Sam", date(2022, 1, 9), Gender::Boy),
        ),
    )
    .await;

    // The school name is flagged; the profile cannot go for sign-off until it is dealt with.
    let err = refused(
        &store,
        store.change_child_status(&edit(&worker), &person(&worker), id, &ask(SUBMIT, "")),
    )
    .await;
    assert!(
        matches!(err, StoreError::Rule(_)),
        "unresolved findings: {err:?}"
    );
    let full = store
        .child_profile(viewer(&worker, "North West"), &person(&worker), id)
        .await
        .unwrap();
    let findings = child_findings(&full);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].1.excerpt, "Fellside Primary School");

    // An acknowledgement needs a reason, and names a finding the text really has.
    let err = refused(
        &store,
        store.acknowledge_child_finding(
            &edit(&worker),
            &person(&worker),
            id,
            findings[0].1.fingerprint(),
            " ",
        ),
    )
    .await;
    assert!(matches!(err, StoreError::Invalid(_)));
    let err = refused(
        &store,
        store.acknowledge_child_finding(
            &edit(&worker),
            &person(&worker),
            id,
            "school_name:0000",
            "fine",
        ),
    )
    .await;
    assert!(matches!(err, StoreError::NotFound));
    let (_, entry) = audited(
        &store,
        "child_profile.finding_acknowledged",
        store.acknowledge_child_finding(
            &edit(&worker),
            &person(&worker),
            id,
            findings[0].1.fingerprint(),
            "The school closed in 2019; it cannot locate her",
        ),
    )
    .await;
    assert!(
        !entry.event.detail.contains("Fellside"),
        "the audit trail does not copy the identifying text"
    );

    audited(
        &store,
        "child_profile.status_changed",
        store.change_child_status(&edit(&worker), &person(&worker), id, &ask(SUBMIT, "")),
    )
    .await;
    // The person who sent it cannot sign it off, even as a manager; another manager can.
    let err = refused(
        &store,
        store.change_child_status(
            &edit(&worker),
            &person(&worker),
            id,
            &ask(ChildEvent::SignOff, ""),
        ),
    )
    .await;
    assert!(matches!(err, StoreError::Rule(_)));
    let (status, _) = audited(
        &store,
        "child_profile.status_changed",
        store.change_child_status(
            &edit(&manager),
            &person(&manager),
            id,
            &ask(ChildEvent::SignOff, "Checked with the child's plan"),
        ),
    )
    .await;
    assert_eq!(status, ChildStatus::Published);

    let history = store.status_history("child", id).await.unwrap();
    let steps: Vec<(&str, &str)> = history
        .iter()
        .map(|h| (h.from_status.as_str(), h.to_status.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("draft", "awaiting_sign_off"),
            ("awaiting_sign_off", "published")
        ]
    );
    assert_eq!(history[1].reason, "Checked with the child's plan");
    assert_eq!(history[1].user_name.as_deref(), Some("mo"));
    let acks = store
        .acknowledgements(&edit(&worker), "child", id)
        .await
        .unwrap();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].kind, "school_name");
}

async fn confidential_details_never_leave_the_childs_agency(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let cumbria = agency(&store, "Cumbria Council").await;
    let kent = agency(&store, "Kent Council").await;
    let worker = staff(&store, &cumbria, "jo@cumbria.example", Role::SocialWorker).await;
    let manager = staff(&store, &cumbria, "mo@cumbria.example", Role::TeamManager).await;
    let finder = staff(&store, &kent, "fi@kent.example", Role::FamilyFinder).await;
    let support = staff(
        &store,
        &cumbria,
        "bs@cumbria.example",
        Role::BusinessSupport,
    )
    .await;
    let adopter = adopter(&store, &kent, "ad@kent.example").await;
    let id = publish(
        &store,
        &worker,
        &manager,
        &details("Ellie is curious and kind."),
        &[child("Ellie", date(2020, 3, 1), Gender::Girl)],
    )
    .await;

    let own = store
        .child_profile(viewer(&worker, "North West"), &person(&worker), id)
        .await
        .unwrap();
    assert_eq!(own.sight(), Sight::Full);
    let (born, c) = own.children[0].confidential.clone().unwrap();
    assert_eq!(born, date(2020, 3, 1));
    assert_eq!(c.surname, "Threlkeld");
    assert_eq!(own.home_area.as_deref(), Some("Cumbria"));

    for (who, region) in [(&finder, "South East"), (&adopter, "South East")] {
        let (_, entry) = audited(
            &store,
            "child_profile.viewed",
            store.child_profile(viewer(who, region), &person(who), id),
        )
        .await;
        let seen = store
            .child_profile(viewer(who, region), &person(who), id)
            .await
            .unwrap();
        assert_eq!(seen.sight(), Sight::Published);
        assert!(seen.children[0].confidential.is_none(), "{who:?}");
        assert_eq!(seen.home_area, None);
        assert_eq!(seen.children[0].age.years, 5, "the age is shown");
        assert_eq!(detail(&entry)["sight"], "published");
    }
    let seen = store
        .child_profile(viewer(&adopter, "South East"), &person(&adopter), id)
        .await
        .unwrap();
    assert_eq!(
        seen.excluded_areas, None,
        "adopters are not told where the child comes from"
    );

    // Business support does not find families: refused as not found, and the refusal audited.
    let (result, _) = audited(&store, "child_profile.view_refused", async {
        Ok::<_, StoreError>(
            store
                .child_profile(viewer(&support, "North West"), &person(&support), id)
                .await,
        )
    })
    .await;
    assert!(matches!(result, Err(StoreError::NotFound)));
}

async fn a_published_profile_is_changed_only_through_draft(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let cumbria = agency(&store, "Cumbria Council").await;
    let kent = agency(&store, "Kent Council").await;
    let worker = staff(&store, &cumbria, "jo@cumbria.example", Role::SocialWorker).await;
    let manager = staff(&store, &cumbria, "mo@cumbria.example", Role::TeamManager).await;
    let outsider = staff(&store, &kent, "sw@kent.example", Role::SocialWorker).await;
    let id = publish(
        &store,
        &worker,
        &manager,
        &details("Ellie is curious and kind."),
        &[child("Ellie", date(2020, 3, 1), Gender::Girl)],
    )
    .await;
    let err = refused(
        &store,
        store.update_child_profile(&edit(&worker), &person(&worker), id, &details("Changed")),
    )
    .await;
    assert!(matches!(err, StoreError::NotEditable("published")));
    // Another agency's worker cannot touch it: it is not theirs to find.
    let err = refused(
        &store,
        store.update_child_profile(
            &edit(&outsider),
            &person(&outsider),
            id,
            &details("Changed"),
        ),
    )
    .await;
    assert!(matches!(err, StoreError::NotFound));
    let err = refused(
        &store,
        store.change_child_status(
            &edit(&outsider),
            &person(&outsider),
            id,
            &ask(ChildEvent::Withdraw, "x"),
        ),
    )
    .await;
    assert!(matches!(err, StoreError::NotFound));

    store
        .change_child_status(
            &edit(&worker),
            &person(&worker),
            id,
            &ask(ChildEvent::Revise, "New school term"),
        )
        .await
        .unwrap();
    audited(
        &store,
        "child_profile.updated",
        store.update_child_profile(
            &edit(&worker),
            &person(&worker),
            id,
            &details("Ellie is curious, kind and loves swimming."),
        ),
    )
    .await;
    // Withdrawing needs a reason.
    let err = refused(
        &store,
        store.change_child_status(
            &edit(&worker),
            &person(&worker),
            id,
            &ask(ChildEvent::Withdraw, ""),
        ),
    )
    .await;
    assert!(matches!(err, StoreError::Invalid(_)));
}

async fn bad_details_are_refused_and_store_nothing(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let cumbria = agency(&store, "Cumbria Council").await;
    let worker = staff(&store, &cumbria, "jo@cumbria.example", Role::SocialWorker).await;
    let mut bad = details("");
    bad.home_area = "Atlantis".into();
    let err = refused(
        &store,
        store.create_child_profile(
            &edit(&worker),
            &person(&worker),
            &bad,
            &child("Ellie", date(2020, 3, 1), Gender::Girl),
        ),
    )
    .await;
    let StoreError::Invalid(problems) = err else {
        panic!("expected problems, got {err:?}")
    };
    let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, ["home_area", "text"]);
    // A permit for another action is refused before anything is read.
    let wrong = Permit::for_operator(Action::SearchChildren);
    let err = refused(
        &store,
        store.create_child_profile(
            &wrong,
            &person(&worker),
            &details("x"),
            &child("Ellie", date(2020, 3, 1), Gender::Girl),
        ),
    )
    .await;
    assert!(matches!(err, StoreError::WrongPermit));
}

async fn search_filters_and_respects_visibility(db: &TestDb) {
    let Fixture { store, clock } = fixture(db).await;
    let cumbria = agency(&store, "Cumbria Council").await;
    let kent = agency(&store, "Kent Council").await;
    let worker = staff(&store, &cumbria, "jo@cumbria.example", Role::SocialWorker).await;
    let manager = staff(&store, &cumbria, "mo@cumbria.example", Role::TeamManager).await;
    let finder = staff(&store, &kent, "fi@kent.example", Role::FamilyFinder).await;
    let adopter = adopter(&store, &kent, "ad@kent.example").await;

    // T0 is 15 June 2025.
    let mut pair = child("Ellie", date(2020, 3, 1), Gender::Girl);
    pair.needs = vec![Need {
        category: NeedCategory::Fasd,
        level: NeedLevel::Medium,
        notes: String::new(),
    }];
    let siblings = publish(
        &store,
        &worker,
        &manager,
        &details("Two sisters who love music."),
        &[pair, child("Maisie", date(2022, 1, 9), Gender::Girl)],
    )
    .await;
    clock.advance(86_400);
    let mut agencies_only = details("A boy who loves football.");
    agencies_only.visibility = ChildVisibility::AgenciesOnly;
    let boy = publish(
        &store,
        &worker,
        &manager,
        &agencies_only,
        &[child("Tom", date(2016, 5, 5), Gender::Boy)],
    )
    .await;
    clock.advance(86_400);
    let mut kent_excluded = details("A toddler who loves music and dogs.");
    kent_excluded.excluded_areas = vec!["Kent".into()];
    let toddler = publish(
        &store,
        &worker,
        &manager,
        &kent_excluded,
        &[child("Ava", date(2024, 1, 1), Gender::Girl)],
    )
    .await;
    let draft = store
        .create_child_profile(
            &edit(&worker),
            &person(&worker),
            &details("A draft about music."),
            &child("Zed", date(2021, 1, 1), Gender::Boy),
        )
        .await
        .unwrap();

    let search = |pairs: &[(&str, &str)]| ChildSearch::from_pairs(pairs.iter().copied()).unwrap();
    let ids = |store: &Store, who: &User, area: Option<&'static str>, s: ChildSearch| {
        let store = store.clone();
        let who = who.clone();
        async move {
            let permit = authorize(who.actor(), Action::SearchChildren).unwrap();
            let page = store
                .search_children(&permit, viewer(&who, "South East"), &person(&who), area, &s)
                .await
                .unwrap();
            assert_eq!(page.total as usize, page.items.len());
            page.items.iter().map(|p| p.id).collect::<Vec<_>>()
        }
    };

    // Longest waiting first; the draft is in no search.
    assert_eq!(
        ids(&store, &finder, None, search(&[])).await,
        [siblings, boy, toddler]
    );
    assert_eq!(
        ids(&store, &finder, None, search(&[("sort", "newest")])).await,
        [toddler, boy, siblings]
    );
    // Adopters: not the agencies-only profile, nor the child whose family must not live in Kent.
    assert_eq!(
        ids(&store, &adopter, Some("Kent"), search(&[])).await,
        [siblings]
    );
    // Filters.
    assert_eq!(
        ids(&store, &finder, None, search(&[("text", "MUSIC")])).await,
        [siblings, toddler]
    );
    assert_eq!(
        ids(&store, &finder, None, search(&[("text", "maisie")])).await,
        [siblings],
        "a child's name finds their sibling group"
    );
    assert_eq!(
        ids(
            &store,
            &finder,
            None,
            search(&[("gender", "girl"), ("age_max", "4")])
        )
        .await,
        [toddler],
        "every child in the profile must be in the age range"
    );
    assert_eq!(
        ids(
            &store,
            &finder,
            None,
            search(&[("age_min", "3"), ("age_max", "5")])
        )
        .await,
        [siblings]
    );
    assert_eq!(
        ids(&store, &finder, None, search(&[("children_min", "2")])).await,
        [siblings]
    );
    assert_eq!(
        ids(&store, &finder, None, search(&[("need_fasd", "low")])).await,
        [boy, toddler]
    );
    // Placed and withdrawn profiles leave every search at once.
    store
        .change_child_status(
            &edit(&manager),
            &person(&manager),
            boy,
            &ask(ChildEvent::RecordMatch, "Panel agreed"),
        )
        .await
        .unwrap();
    assert_eq!(
        ids(&store, &finder, None, search(&[])).await,
        [siblings, toddler]
    );
    let _ = draft;
}
