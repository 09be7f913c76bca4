//! Register settings: the defaults a new register starts with, and changing them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::policy::{Action, Permit};
use kinlink_store::testing::TestDb;
use kinlink_store::{RegisterSettings, StoreError};

on_both_backends!(
    settings_start_at_the_defaults_and_change,
    a_cap_of_zero_is_refused
);

async fn settings_start_at_the_defaults_and_change(db: &TestDb) {
    let Fixture { store, clock } = fixture(db).await;
    let defaults = store.register_settings().await.unwrap();
    // Six open links per household is what adopters report elsewhere (register-linking).
    assert_eq!(defaults.max_open_links_per_household, 6);
    assert_eq!(defaults.max_exploring_links_per_child, 3);
    assert_eq!(defaults.link_response_working_days, 10);
    assert_eq!(defaults.link_expiry_working_days, 10);
    assert_eq!(defaults.records_grant_days, 90);
    assert_eq!(defaults.records_retention_years, 100);
    assert_eq!(defaults.records_escalation_working_days, 3);

    clock.advance(500);
    let permit = Permit::for_operator(Action::ManageRegisterSettings);
    let wanted = RegisterSettings {
        max_open_links_per_household: 4,
        max_exploring_links_per_child: 2,
        link_response_working_days: 15,
        link_expiry_working_days: 5,
        profile_review_days: 60,
        records_grant_days: 30,
        records_retention_years: 120,
        records_escalation_working_days: 2,
        updated_at: 0,
    };
    let (_, entry) = audited(
        &store,
        "register.settings_changed",
        store.update_register_settings(&permit, &operator(), &wanted),
    )
    .await;
    assert_eq!(
        entry.event.agency_id, None,
        "the register belongs to no one agency"
    );
    assert_eq!(detail(&entry)["max_open_links_per_household"], 4);
    assert_eq!(detail(&entry)["link_response_working_days"], 15);
    assert_eq!(detail(&entry)["link_expiry_working_days"], 5);
    assert_eq!(detail(&entry)["records_grant_days"], 30);

    let read = store.register_settings().await.unwrap();
    assert_eq!(
        read,
        RegisterSettings {
            updated_at: T0 + 500,
            ..wanted
        }
    );
}

async fn a_cap_of_zero_is_refused(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let before = store.register_settings().await.unwrap();
    let permit = Permit::for_operator(Action::ManageRegisterSettings);
    let zero = RegisterSettings {
        max_open_links_per_household: 0,
        ..before
    };

    let err = refused(
        &store,
        store.update_register_settings(&permit, &operator(), &zero),
    )
    .await;
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert_eq!(store.register_settings().await.unwrap(), before);
}
