//! Agencies: created by the register, listed, read, and their settings changed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::AgencyKind;
use kinlink_domain::policy::{Action, Permit};
use kinlink_store::testing::TestDb;
use kinlink_store::{AgencySettings, LinkFollowUp, NewAgency, StoreError};

on_both_backends!(
    an_agency_is_created_listed_and_read,
    an_agency_name_is_taken_once,
    agency_settings_change,
    an_unknown_agency_is_not_found,
);

async fn an_agency_is_created_listed_and_read(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let permit = Permit::for_operator(Action::ManageAgencies);
    let new = NewAgency {
        name: "Wirral Council".into(),
        kind: AgencyKind::LocalAuthority,
        region: "North West".into(),
        mfa_required: true,
    };

    let (wirral, entry) = audited(
        &store,
        "agency.created",
        store.create_agency(&permit, &operator(), &new),
    )
    .await;
    assert_eq!(wirral.name, "Wirral Council");
    assert_eq!(wirral.kind, AgencyKind::LocalAuthority);
    assert_eq!(wirral.region, "North West");
    assert!(wirral.mfa_required);
    assert_eq!(
        wirral.link_follow_up,
        LinkFollowUp::ChildsSocialWorker,
        "the default"
    );
    assert_eq!(wirral.created_at, T0);

    // The entry says what was made, for which agency, by whom and when.
    assert_eq!(entry.at, T0);
    assert_eq!(entry.event.record_type, "agency");
    assert_eq!(entry.event.record_id, Some(wirral.id.to_string()));
    assert_eq!(entry.event.agency_id, Some(wirral.id));
    assert_eq!(entry.event.actor_user_id, None, "the operator is no person");
    assert_eq!(entry.event.ip.as_deref(), Some("cli"));
    assert_eq!(detail(&entry)["name"], "Wirral Council");

    let new = NewAgency {
        name: "Adoption Matters".into(),
        kind: AgencyKind::VoluntaryAdoptionAgency,
        region: "North West".into(),
        mfa_required: false,
    };
    let (matters, _) = audited(
        &store,
        "agency.created",
        store.create_agency(&permit, &operator(), &new),
    )
    .await;
    assert_ne!(matters.id, wirral.id);
    assert_eq!(matters.kind, AgencyKind::VoluntaryAdoptionAgency);
    assert!(!matters.mfa_required);

    assert_eq!(store.agency(wirral.id).await.unwrap(), wirral);
    assert_eq!(store.agency(matters.id).await.unwrap(), matters);
    // By name.
    assert_eq!(store.agencies().await.unwrap(), vec![matters, wirral]);
}

async fn an_agency_name_is_taken_once(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let permit = Permit::for_operator(Action::ManageAgencies);
    let first = agency(&store, "Wirral Council").await;

    let again = NewAgency {
        region: "Elsewhere".into(),
        ..new_agency("Wirral Council")
    };
    let err = refused(&store, store.create_agency(&permit, &operator(), &again)).await;
    assert!(
        matches!(err, StoreError::Conflict("agency_name_taken")),
        "{err:?}"
    );
    assert_eq!(store.agencies().await.unwrap(), vec![first]);
}

async fn agency_settings_change(db: &TestDb) {
    let Fixture { store, clock } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let other = agency(&store, "Sefton Council").await;
    clock.advance(3600);
    let permit = Permit::for_operator(Action::ManageAgencySettings { agency: wirral.id });
    let finder = staff(
        &store,
        &wirral,
        "ff@wirral.example",
        kinlink_domain::Role::FamilyFinder,
    )
    .await;
    let elsewhere = staff(
        &store,
        &other,
        "ff@sefton.example",
        kinlink_domain::Role::FamilyFinder,
    )
    .await;
    let admin = staff(
        &store,
        &wirral,
        "admin@wirral.example",
        kinlink_domain::Role::AgencyAdmin,
    )
    .await;
    // A named person must be someone of the agency who can follow links up.
    for wrong in [None, Some(elsewhere.id), Some(admin.id)] {
        let settings = AgencySettings {
            link_follow_up_user: wrong,
            mfa_required: true,
            link_follow_up: LinkFollowUp::NamedPerson,
            household_text_min_words: 0,
            adopters_book_events: false,
        };
        let err = refused(
            &store,
            store.update_agency_settings(&permit, &operator(), wirral.id, &settings),
        )
        .await;
        assert!(matches!(err, StoreError::Invalid(_)), "{wrong:?}: {err:?}");
    }
    let settings = AgencySettings {
        link_follow_up_user: Some(finder.id),
        mfa_required: true,
        link_follow_up: LinkFollowUp::NamedPerson,
        household_text_min_words: 0,
        adopters_book_events: false,
    };

    let (_, entry) = audited(
        &store,
        "agency.settings_changed",
        store.update_agency_settings(&permit, &operator(), wirral.id, &settings),
    )
    .await;
    assert_eq!(entry.event.agency_id, Some(wirral.id));
    assert_eq!(entry.at, T0 + 3600);
    assert_eq!(detail(&entry)["link_follow_up"], "named_person");
    assert_eq!(detail(&entry)["link_follow_up_user"], finder.id);
    assert_eq!(detail(&entry)["mfa_required"], true);

    let read = store.agency(wirral.id).await.unwrap();
    assert!(read.mfa_required);
    assert_eq!(read.link_follow_up, LinkFollowUp::NamedPerson);
    assert_eq!(read.link_follow_up_user_id, Some(finder.id));
    assert_eq!(
        read.created_at, T0,
        "settings do not touch the creation time"
    );
    assert_eq!(
        store.agency(other.id).await.unwrap(),
        other,
        "only that agency changes"
    );

    // Every follow-up choice survives the round trip.
    for follow_up in LinkFollowUp::ALL {
        let settings = AgencySettings {
            link_follow_up_user: Some(finder.id),
            mfa_required: false,
            link_follow_up: follow_up,
            household_text_min_words: 0,
            adopters_book_events: false,
        };
        store
            .update_agency_settings(&permit, &operator(), wirral.id, &settings)
            .await
            .unwrap();
        let read = store.agency(wirral.id).await.unwrap();
        assert_eq!((read.mfa_required, read.link_follow_up), (false, follow_up));
    }
}

async fn an_unknown_agency_is_not_found(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let unknown = wirral.id + 1000;

    assert!(matches!(
        store.agency(unknown).await,
        Err(StoreError::NotFound)
    ));

    let permit = Permit::for_operator(Action::ManageAgencySettings { agency: unknown });
    let settings = AgencySettings {
        link_follow_up_user: None,
        mfa_required: true,
        link_follow_up: LinkFollowUp::FamilyFindingTeam,
        household_text_min_words: 0,
        adopters_book_events: false,
    };
    let err = refused(
        &store,
        store.update_agency_settings(&permit, &operator(), unknown, &settings),
    )
    .await;
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(store.agencies().await.unwrap(), vec![wirral]);
}
