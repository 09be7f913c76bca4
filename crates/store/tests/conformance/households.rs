//! Households' profiles: written by their worker, agreed by a manager, then kept up to date by
//! the adopters, with every change's fields audited; seen by staff who find families only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::Role;
use kinlink_domain::child::Contact;
use kinlink_domain::household::HouseholdDetails;
use kinlink_domain::policy::{Action, Viewer, authorize};
use kinlink_domain::profile::{HouseholdEvent, HouseholdStatus};
use kinlink_store::testing::TestDb;
use kinlink_store::{HouseholdSearch, StoreError, User};

on_both_backends!(
    a_household_is_agreed_then_kept_up_to_date_by_its_adopters,
    households_are_never_seen_by_other_adopters,
    bad_household_details_store_nothing,
);

fn details(text: &str) -> HouseholdDetails {
    HouseholdDetails {
        applicants: vec!["Robin Ashdown".into(), "Kit Ashdown".into()],
        approved_on: None,
        children_min: 1,
        children_max: 2,
        age_min_years: 0,
        age_max_years: 6,
        gender: None,
        needs: vec![],
        contact: Contact::default(),
        identity: String::new(),
        heritage: vec![],
        experience: None,
        languages: vec!["English".into()],
        children_at_home: 0,
        children_at_home_notes: String::new(),
        pets: String::new(),
        youngest_at_home: None,
        carer_at_home: None,
        area: "Kent".into(),
        text: text.into(),
        consent_to_referral: true,
    }
}

fn viewer(user: &User) -> Viewer<'static> {
    Viewer {
        actor: user.actor(),
        region: "North West",
        household_active: true,
        household_area: None,
    }
}

async fn a_household_is_agreed_then_kept_up_to_date_by_its_adopters(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let kent = agency(&store, "Kent Council").await;
    let worker = staff(&store, &kent, "sw@kent.example", Role::SocialWorker).await;
    let manager = staff(&store, &kent, "tm@kent.example", Role::TeamManager).await;
    let edit = |u: &User| authorize(u.actor(), Action::EditHousehold { agency: kent.id }).unwrap();

    let (id, _) = audited(
        &store,
        "household.profile_created",
        store.create_household_profile(
            &edit(&worker),
            &person(&worker),
            &details("We are calm and kind. Call 07700 900123."),
        ),
    )
    .await;
    // The phone number is flagged: agreement waits until it is dealt with.
    let err = refused(
        &store,
        store.change_household_status(
            &edit(&worker),
            &person(&worker),
            id,
            false,
            HouseholdEvent::SubmitForAgreement {
                unresolved_findings: 0,
            },
            "",
        ),
    )
    .await;
    assert!(matches!(err, StoreError::Rule(_)), "{err:?}");
    store
        .update_household_profile(
            &edit(&worker),
            &person(&worker),
            id,
            false,
            &details("We are calm and kind."),
        )
        .await
        .unwrap();
    store
        .change_household_status(
            &edit(&worker),
            &person(&worker),
            id,
            false,
            HouseholdEvent::SubmitForAgreement {
                unresolved_findings: 0,
            },
            "",
        )
        .await
        .unwrap();
    let agreed = store
        .change_household_status(
            &edit(&manager),
            &person(&manager),
            id,
            false,
            HouseholdEvent::Agree,
            "",
        )
        .await
        .unwrap();
    assert_eq!(agreed, HouseholdStatus::Active);

    // An adopter of this household edits it now; the audit entry says what changed.
    let new = new_user("robin@kent.example", Role::Adopter, kent.id, Some(id));
    let robin = store
        .create_user(&create_user_permit(&kent, &new), &operator(), &new)
        .await
        .unwrap();
    let own = authorize(
        robin.actor(),
        Action::EditOwnHousehold {
            own_household: true,
            status: HouseholdStatus::Active,
        },
    )
    .unwrap();
    let mut changed = details("We are calm and kind, and love the sea.");
    changed.pets = "A very old cat".into();
    let (fields, entry) = audited(
        &store,
        "household.profile_updated",
        store.update_household_profile(&own, &person(&robin), id, true, &changed),
    )
    .await;
    assert_eq!(fields, ["pets", "text"]);
    assert_eq!(detail(&entry)["by_adopter"], true);
    let log = store.household_changes(&edit(&worker), id).await.unwrap();
    assert_eq!(log[0].event.action, "household.profile_updated");
    assert_eq!(log[0].event.actor_user_id, Some(robin.id));

    // Someone else's household: not found, nothing changed.
    let other = store
        .create_household_profile(
            &edit(&worker),
            &person(&worker),
            &details("Another family."),
        )
        .await
        .unwrap();
    let err = refused(
        &store,
        store.update_household_profile(&own, &person(&robin), other, false, &changed),
    )
    .await;
    assert!(matches!(err, StoreError::NotFound));
    // Adopters cannot agree their own profile.
    let err = refused(
        &store,
        store.change_household_status(
            &own,
            &person(&robin),
            id,
            true,
            HouseholdEvent::RecordMatch,
            "",
        ),
    )
    .await;
    assert!(matches!(err, StoreError::Rule(_)));
}

async fn households_are_never_seen_by_other_adopters(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let kent = agency(&store, "Kent Council").await;
    let cumbria = agency(&store, "Cumbria Council").await;
    let worker = staff(&store, &kent, "sw@kent.example", Role::SocialWorker).await;
    let finder = staff(&store, &cumbria, "ff@cumbria.example", Role::FamilyFinder).await;
    let support = staff(
        &store,
        &cumbria,
        "bs@cumbria.example",
        Role::BusinessSupport,
    )
    .await;
    let stranger = adopter(&store, &cumbria, "other.adopter@cumbria.example").await;
    let edit = authorize(worker.actor(), Action::EditHousehold { agency: kent.id }).unwrap();
    let id = store
        .create_household_profile(&edit, &person(&worker), &details("We are calm."))
        .await
        .unwrap();

    // A draft: its own agency only.
    assert!(matches!(
        store
            .household_profile(viewer(&finder), &person(&finder), false, id)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .household_profile(viewer(&worker), &person(&worker), false, id)
            .await
            .is_ok()
    );
    store
        .change_household_status(
            &edit,
            &person(&worker),
            id,
            false,
            HouseholdEvent::SubmitForAgreement {
                unresolved_findings: 0,
            },
            "",
        )
        .await
        .unwrap();
    let manager = staff(&store, &kent, "tm@kent.example", Role::TeamManager).await;
    let agree = authorize(manager.actor(), Action::EditHousehold { agency: kent.id }).unwrap();
    store
        .change_household_status(
            &agree,
            &person(&manager),
            id,
            false,
            HouseholdEvent::Agree,
            "",
        )
        .await
        .unwrap();

    // Active: staff who find families anywhere; never another adopter, nor business support.
    assert!(
        store
            .household_profile(viewer(&finder), &person(&finder), false, id)
            .await
            .is_ok()
    );
    assert!(matches!(
        store
            .household_profile(viewer(&stranger), &person(&stranger), false, id)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .household_profile(viewer(&support), &person(&support), false, id)
            .await,
        Err(StoreError::NotFound)
    ));
    let search = authorize(finder.actor(), Action::SearchHouseholds).unwrap();
    let (total, found) = store
        .search_households(
            &search,
            &person(&finder),
            &HouseholdSearch {
                children: Some(2),
                age: Some(3),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((total, found[0].id), (1, id));
    let (total, _) = store
        .search_households(
            &search,
            &person(&finder),
            &HouseholdSearch {
                age: Some(9),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(total, 0, "approved for 0 to 6 only");
    assert!(authorize(stranger.actor(), Action::SearchHouseholds).is_err());
}

async fn bad_household_details_store_nothing(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let kent = agency(&store, "Kent Council").await;
    let worker = staff(&store, &kent, "sw@kent.example", Role::SocialWorker).await;
    let edit = authorize(worker.actor(), Action::EditHousehold { agency: kent.id }).unwrap();
    let mut bad = details("");
    bad.area = "Atlantis".into();
    bad.children_min = 3;
    let err = refused(
        &store,
        store.create_household_profile(&edit, &person(&worker), &bad),
    )
    .await;
    let StoreError::Invalid(problems) = err else {
        panic!("{err:?}")
    };
    let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, ["children", "area", "text"]);
}
