//! Matching against the stored register: who is suggested to whom, in what order and why; that
//! only the agencies concerned ask and every answer is audited; the register-wide view keeps to
//! its limits; the matching settings change the ranking; and households' matching facts survive
//! the round trip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::child_profiles::{child, details, publish};
use crate::support::*;
use kinlink_domain::Role;
use kinlink_domain::child::{Contact, Ethnicity, Gender};
use kinlink_domain::household::{Experience, HouseholdDetails};
use kinlink_domain::policy::ChildVisibility;
use kinlink_domain::policy::{Action, Permit, Viewer, authorize};
use kinlink_domain::profile::{CivilDate, HouseholdEvent};
use kinlink_matching::spread::SpreadSettings;
use kinlink_matching::{Criterion, Verdict, Weights};
use kinlink_store::testing::TestDb;
use kinlink_store::{Agency, MatchingSettings, NewAgency, Store, StoreError, Suggestions, User};

on_both_backends!(
    families_are_suggested_to_the_childs_agency_best_first_with_reasons,
    children_are_suggested_among_those_the_familys_worker_may_see,
    the_settings_change_the_ranking_and_are_audited,
    the_register_view_spreads_interest_and_assigns_each_family_once,
    a_households_matching_facts_survive_the_round_trip,
);

/// Runs a request that must be refused and must leave exactly one audit entry, named `action`.
async fn refused_and_logged<T: std::fmt::Debug>(
    store: &Store,
    action: &str,
    request: impl Future<Output = Result<T, StoreError>>,
) -> StoreError {
    let before = store.audit_head().await.unwrap();
    let err = request
        .await
        .expect_err("the request should have been refused");
    let new: Vec<_> = all_entries(store)
        .await
        .into_iter()
        .filter(|e| e.seq > before.seq)
        .collect();
    assert_eq!(new.len(), 1, "{action}: one entry expected, got {new:?}");
    assert_eq!(new[0].event.action, action);
    err
}

struct World {
    store: Store,
    cumbria: Agency,
    kent: Agency,
    child_worker: User,
    child_manager: User,
    family_worker: User,
    family_manager: User,
    admin: User,
}

async fn world(db: &TestDb) -> World {
    let Fixture { store, .. } = fixture(db).await;
    let cumbria = agency(&store, "Cumbria Council").await;
    // Kent's families are in another region, so "own region" profiles are not theirs to see.
    let kent = store
        .create_agency(
            &Permit::for_operator(Action::ManageAgencies),
            &operator(),
            &NewAgency {
                region: "South East".into(),
                ..new_agency("Kent Council")
            },
        )
        .await
        .unwrap();
    let register = agency(&store, "The Register").await;
    World {
        child_worker: staff(&store, &cumbria, "sw@cumbria.example", Role::SocialWorker).await,
        child_manager: staff(&store, &cumbria, "tm@cumbria.example", Role::TeamManager).await,
        family_worker: staff(&store, &kent, "sw@kent.example", Role::SocialWorker).await,
        family_manager: staff(&store, &kent, "tm@kent.example", Role::TeamManager).await,
        admin: staff(
            &store,
            &register,
            "admin@register.example",
            Role::RegisterAdmin,
        )
        .await,
        store,
        cumbria,
        kent,
    }
}

fn family_details(name: &str, area: &str) -> HouseholdDetails {
    HouseholdDetails {
        applicants: vec![name.into()],
        approved_on: None,
        children_min: 1,
        children_max: 2,
        age_min_years: 0,
        age_max_years: 10,
        gender: None,
        needs: vec![],
        contact: Contact {
            letterbox: true,
            ..Contact::default()
        },
        identity: String::new(),
        heritage: vec![Ethnicity::WhiteBritish],
        experience: Some(vec![]),
        languages: vec!["English".into()],
        children_at_home: 0,
        children_at_home_notes: String::new(),
        youngest_at_home: None,
        pets: String::new(),
        carer_at_home: Some(false),
        area: area.into(),
        text: "We are a calm and kind family who love walking and cooking together.".into(),
        consent_to_referral: true,
    }
}

/// An active household of Kent's.
async fn family(w: &World, d: &HouseholdDetails) -> i64 {
    let edit =
        |u: &User| authorize(u.actor(), Action::EditHousehold { agency: w.kent.id }).unwrap();
    let id = w
        .store
        .create_household_profile(&edit(&w.family_worker), &person(&w.family_worker), d)
        .await
        .unwrap();
    let submit = HouseholdEvent::SubmitForAgreement {
        unresolved_findings: 0,
    };
    for (by, event) in [
        (&w.family_worker, submit),
        (&w.family_manager, HouseholdEvent::Agree),
    ] {
        w.store
            .change_household_status(&edit(by), &person(by), id, false, event, "")
            .await
            .unwrap();
    }
    id
}

async fn child_profile(w: &World, alias: &str, visibility: ChildVisibility) -> i64 {
    let born = CivilDate::new(2021, 3, 4).unwrap();
    publish(
        &w.store,
        &w.child_worker,
        &w.child_manager,
        &kinlink_domain::child::ProfileDetails {
            visibility,
            ..details("A cheerful child who loves music.")
        },
        &[child(alias, born, Gender::Girl)],
    )
    .await
}

fn suggest_families(u: &User, agency: &Agency) -> Permit {
    authorize(
        u.actor(),
        Action::SuggestFamilies {
            child_agency: agency.id,
        },
    )
    .unwrap()
}

async fn families_are_suggested_to_the_childs_agency_best_first_with_reasons(db: &TestDb) {
    let w = world(db).await;
    let mia = child_profile(&w, "Mia", ChildVisibility::All).await;
    let best = family(&w, &family_details("Robin Ashdown", "Kent")).await;
    let unrecorded = family(
        &w,
        &HouseholdDetails {
            heritage: vec![],
            ..family_details("Sam Okafor", "Kent")
        },
    )
    .await;
    // Approved for babies only, and living where Mia must not: neither is suggested.
    family(
        &w,
        &HouseholdDetails {
            age_max_years: 2,
            ..family_details("Jo Young", "Kent")
        },
    )
    .await;
    family(&w, &family_details("Lee Near", "Lancashire")).await;

    let (
        Suggestions {
            name: title,
            items: found,
            cannot,
        },
        entry,
    ) = audited(
        &w.store,
        "matching.families_suggested",
        w.store.suggested_families(
            &suggest_families(&w.child_worker, &w.cumbria),
            &person(&w.child_worker),
            mia,
            10,
        ),
    )
    .await;
    assert_eq!(title, "Mia");
    assert_eq!(cannot, None);
    let ids: Vec<i64> = found.iter().map(|s| s.household_id).collect();
    assert_eq!(
        ids,
        [best, unrecorded],
        "ruled-out families are never suggested"
    );
    let first = &found[0];
    assert_eq!(first.name, "Robin Ashdown");
    assert!(
        first.explanation.outcome.as_ref().unwrap()
            > found[1].explanation.outcome.as_ref().unwrap()
    );
    let identity = |i: usize| {
        found[i]
            .explanation
            .lines
            .iter()
            .find(|l| l.criterion == Criterion::IdentityAndCulture)
            .unwrap()
            .clone()
    };
    assert_eq!(identity(0).verdict, Verdict::Meets);
    assert_eq!(identity(1).verdict, Verdict::Partly);
    assert!(identity(1).sentence.contains("not recorded"));
    // No sentence names where Mia comes from.
    for s in &found {
        for l in &s.explanation.lines {
            assert!(!l.sentence.contains("Cumbria"), "{}", l.sentence);
        }
    }
    assert_eq!(
        detail(&entry)["households"],
        serde_json::json!([best, unrecorded])
    );

    // Another agency cannot ask about Cumbria's child, and its attempt is logged.
    let err = refused_and_logged(
        &w.store,
        "matching.refused",
        w.store.suggested_families(
            &suggest_families(&w.family_worker, &w.kent),
            &person(&w.family_worker),
            mia,
            10,
        ),
    )
    .await;
    assert!(matches!(err, StoreError::NotFound));
    // A permit for something else is no permit for this.
    let wrong = authorize(w.child_worker.actor(), Action::SearchChildren).unwrap();
    assert!(matches!(
        w.store
            .suggested_families(&wrong, &person(&w.child_worker), mia, 10)
            .await,
        Err(StoreError::WrongPermit)
    ));
}

async fn children_are_suggested_among_those_the_familys_worker_may_see(db: &TestDb) {
    let w = world(db).await;
    let mia = child_profile(&w, "Mia", ChildVisibility::All).await;
    let leo = child_profile(&w, "Leo", ChildVisibility::AgenciesOnly).await;
    // Cumbria's own region only: Kent is in another region.
    let ava = child_profile(&w, "Ava", ChildVisibility::OwnRegion).await;
    let household = family(&w, &family_details("Robin Ashdown", "Kent")).await;
    let permit = authorize(
        w.family_worker.actor(),
        Action::SuggestChildren {
            household_agency: w.kent.id,
        },
    )
    .unwrap();
    let viewer = Viewer {
        actor: w.family_worker.actor(),
        region: "South East",
        household_active: false,
        household_area: None,
    };
    let (
        Suggestions {
            name, items: found, ..
        },
        _,
    ) = audited(
        &w.store,
        "matching.children_suggested",
        w.store
            .suggested_children(&permit, viewer, &person(&w.family_worker), household, 10),
    )
    .await;
    assert_eq!(name, "Robin Ashdown");
    let mut ids: Vec<i64> = found.iter().map(|s| s.profile_id).collect();
    ids.sort_unstable();
    assert_eq!(ids, [mia, leo], "Ava is not Kent's to see");
    assert!(!ids.contains(&ava));
    assert!(
        found.iter().all(|s| s.explanation.outcome.is_ok()),
        "{found:?}"
    );
    assert!(found.iter().all(|s| s.ages.contains(" year")), "{found:?}");

    // Cumbria cannot ask about Kent's family.
    let cumbria = authorize(
        w.child_manager.actor(),
        Action::SuggestChildren {
            household_agency: w.cumbria.id,
        },
    )
    .unwrap();
    let viewer = Viewer {
        actor: w.child_manager.actor(),
        region: "North West",
        household_active: false,
        household_area: None,
    };
    let err = refused_and_logged(
        &w.store,
        "matching.refused",
        w.store
            .suggested_children(&cumbria, viewer, &person(&w.child_manager), household, 10),
    )
    .await;
    assert!(matches!(err, StoreError::NotFound));
}

async fn the_settings_change_the_ranking_and_are_audited(db: &TestDb) {
    let w = world(db).await;
    let mia = child_profile(&w, "Mia", ChildVisibility::All).await;
    family(&w, &family_details("Robin Ashdown", "Kent")).await;
    family(
        &w,
        &HouseholdDetails {
            heritage: vec![],
            ..family_details("Sam Okafor", "Kent")
        },
    )
    .await;
    assert_eq!(
        w.store.matching_settings().await.unwrap(),
        MatchingSettings {
            weights: Weights::default(),
            spread: SpreadSettings::default(),
        }
    );
    let manage = authorize(w.admin.actor(), Action::ManageRegisterSettings).unwrap();
    let only_needs = MatchingSettings {
        weights: Weights::new([5, 0, 0, 0, 0, 0, 0]).unwrap(),
        spread: SpreadSettings {
            per_child: 3,
            per_family: 2,
            wait_points_per_month: 0,
            ..SpreadSettings::default()
        },
    };
    audited(
        &w.store,
        "register.matching_settings_changed",
        w.store
            .update_matching_settings(&manage, &person(&w.admin), &only_needs),
    )
    .await;
    assert_eq!(w.store.matching_settings().await.unwrap(), only_needs);
    // Heritage no longer counts: both families fit fully.
    let found = w
        .store
        .suggested_families(
            &suggest_families(&w.child_worker, &w.cumbria),
            &person(&w.child_worker),
            mia,
            10,
        )
        .await
        .unwrap()
        .items;
    assert_eq!(found.len(), 2);
    assert!(
        found
            .iter()
            .all(|s| s.explanation.outcome.as_ref().unwrap().percent() == 100)
    );

    let not_admin = authorize(w.child_worker.actor(), Action::SearchChildren).unwrap();
    assert!(matches!(
        w.store
            .update_matching_settings(&not_admin, &person(&w.child_worker), &only_needs)
            .await,
        Err(StoreError::WrongPermit)
    ));
}

async fn the_register_view_spreads_interest_and_assigns_each_family_once(db: &TestDb) {
    let w = world(db).await;
    let children = [
        child_profile(&w, "Mia", ChildVisibility::All).await,
        child_profile(&w, "Leo", ChildVisibility::All).await,
        child_profile(&w, "Ava", ChildVisibility::All).await,
    ];
    let families = [
        family(&w, &family_details("Robin Ashdown", "Kent")).await,
        family(&w, &family_details("Sam Okafor", "Kent")).await,
    ];
    let manage = authorize(w.admin.actor(), Action::ManageRegisterSettings).unwrap();
    let settings = MatchingSettings {
        weights: Weights::default(),
        spread: SpreadSettings {
            per_child: 2,
            per_family: 2,
            ..SpreadSettings::default()
        },
    };
    w.store
        .update_matching_settings(&manage, &person(&w.admin), &settings)
        .await
        .unwrap();
    let view = authorize(w.admin.actor(), Action::ViewRegisterMatching).unwrap();
    let (m, _) = audited(
        &w.store,
        "matching.register_viewed",
        w.store.register_matching(&view, &person(&w.admin)),
    )
    .await;
    assert_eq!(m.rows.len(), 3);
    assert_eq!(m.families, 2);
    assert_eq!(m.candidate_pairs, 6);
    let mut on_lists = std::collections::HashMap::new();
    for row in &m.rows {
        assert!(children.contains(&row.profile_id));
        assert!(row.spread.len() <= 2);
        for p in &row.spread {
            *on_lists.entry(p.household_id).or_insert(0) += 1;
        }
    }
    // Three children, two families on at most two lists each: four places in all.
    assert_eq!(on_lists.values().sum::<i32>(), 4);
    assert!(on_lists.values().all(|&n| n <= 2));
    let mut assigned: Vec<i64> = m
        .rows
        .iter()
        .filter_map(|r| r.assigned.as_ref())
        .map(|p| p.household_id)
        .collect();
    assigned.sort_unstable();
    assert_eq!(assigned, families, "each family once, and both used");
    let placed = m.rows.iter().filter(|r| r.assigned.is_some()).count();
    assert_eq!(placed, 2);

    let not_admin = authorize(w.child_worker.actor(), Action::SearchChildren).unwrap();
    assert!(matches!(
        w.store
            .register_matching(&not_admin, &person(&w.child_worker))
            .await,
        Err(StoreError::WrongPermit)
    ));
}

async fn a_households_matching_facts_survive_the_round_trip(db: &TestDb) {
    let w = world(db).await;
    let d = HouseholdDetails {
        heritage: vec![Ethnicity::Mixed, Ethnicity::Black],
        experience: Some(vec![Experience::Fostering, Experience::Disability]),
        children_at_home: 1,
        youngest_at_home: Some(9),
        carer_at_home: Some(true),
        ..family_details("Robin Ashdown", "Kent")
    };
    let id = family(&w, &d).await;
    let viewer = Viewer {
        actor: w.family_worker.actor(),
        region: "South East",
        household_active: false,
        household_area: None,
    };
    let h = w
        .store
        .household_profile(viewer, &person(&w.family_worker), false, id)
        .await
        .unwrap();
    assert_eq!(h.details, d);
    // "None of these" and "not recorded" stay different.
    for experience in [Some(vec![]), None] {
        let edit = authorize(
            w.family_worker.actor(),
            Action::EditHousehold { agency: w.kent.id },
        )
        .unwrap();
        let changed = HouseholdDetails {
            experience: experience.clone(),
            ..d.clone()
        };
        w.store
            .update_household_profile(&edit, &person(&w.family_worker), id, false, &changed)
            .await
            .unwrap();
        let h = w
            .store
            .household_profile(viewer, &person(&w.family_worker), false, id)
            .await
            .unwrap();
        assert_eq!(h.details.experience, experience);
    }
    // The youngest child's age needs children at home.
    let edit = authorize(
        w.family_worker.actor(),
        Action::EditHousehold { agency: w.kent.id },
    )
    .unwrap();
    let bad = HouseholdDetails {
        children_at_home: 0,
        ..d.clone()
    };
    assert!(matches!(
        w.store
            .update_household_profile(&edit, &person(&w.family_worker), id, false, &bad)
            .await,
        Err(StoreError::Invalid(_))
    ));
}
