//! Users: staff and adopters, found by id, e-mail and agency, and what administrators change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::Role;
use kinlink_domain::policy::{Action, Permit, TargetUser};
use kinlink_domain::secret::Secret;
use kinlink_store::testing::TestDb;
use kinlink_store::{Agency, NewSession, Store, StoreError, User};

on_both_backends!(
    a_staff_user_is_created_and_found,
    an_adopter_belongs_to_a_household,
    staff_have_no_household_and_adopters_have_one,
    an_adopters_household_is_in_their_own_agency,
    an_email_is_taken_once,
    users_are_listed_per_agency_with_a_list_permit,
    disabling_ends_every_session,
    a_role_changes,
    resetting_the_second_factor_clears_it_and_ends_sessions,
    a_new_password_keeps_only_the_given_session,
    a_reset_password_must_be_replaced_and_ends_every_session,
);

fn target(user: &User, agency: &Agency) -> TargetUser {
    TargetUser {
        user_id: user.id,
        role: user.role,
        agency_id: agency.id,
        agency_kind: agency.kind,
    }
}

/// Signs `user` in with a session whose token hash is `token_hash`.
async fn sign_in(store: &Store, user: &User, token_hash: &str) {
    let new = NewSession {
        token_hash: token_hash.into(),
        csrf_token: format!("csrf-{token_hash}"),
        second_factor_done: false,
    };
    store
        .create_session(&person(user), user, &new)
        .await
        .unwrap();
}

async fn has_session(store: &Store, token_hash: &str) -> bool {
    store.session(token_hash).await.unwrap().is_some()
}

async fn a_staff_user_is_created_and_found(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let new = new_user(
        "sam.worker@wirral.example",
        Role::SocialWorker,
        wirral.id,
        None,
    );
    let permit = create_user_permit(&wirral, &new);

    let (sam, entry) = audited(
        &store,
        "user.created",
        store.create_user(&permit, &operator(), &new),
    )
    .await;
    assert_eq!(sam.email, "sam.worker@wirral.example");
    assert_eq!(sam.name, "sam.worker");
    assert_eq!(sam.role, Role::SocialWorker);
    assert_eq!(sam.agency_id, wirral.id);
    assert_eq!(sam.household_id, None);
    assert_eq!(sam.password_hash, new.password_hash);
    assert_eq!(
        (sam.totp_secret.as_deref(), sam.totp_last_step),
        (None, None)
    );
    assert!(!sam.is_disabled());
    assert_eq!(sam.created_at, T0);

    assert_eq!(entry.event.record_type, "user");
    assert_eq!(entry.event.record_id, Some(sam.id.to_string()));
    assert_eq!(entry.event.agency_id, Some(wirral.id));
    assert_eq!(detail(&entry)["role"], "social_worker");
    assert!(
        !entry.event.detail.contains("stand-in-for"),
        "no password hash in the audit log"
    );

    assert_eq!(store.user(sam.id).await.unwrap(), sam);
    assert_eq!(
        store
            .user_by_email("sam.worker@wirral.example")
            .await
            .unwrap(),
        Some(sam.clone())
    );
    assert_eq!(
        store.user_by_email("nobody@wirral.example").await.unwrap(),
        None
    );
    assert!(matches!(
        store.user(sam.id + 1000).await,
        Err(StoreError::NotFound)
    ));
}

async fn an_adopter_belongs_to_a_household(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;

    let (household, entry) = audited(
        &store,
        "household.created",
        store.create_household(&operator(), wirral.id, "The Okafor household"),
    )
    .await;
    assert_eq!(entry.event.agency_id, Some(wirral.id));
    let listed = store.households(wirral.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id, listed[0].agency_id), (household, wirral.id));
    assert_eq!(listed[0].name, "The Okafor household");

    let new = new_user(
        "ada@okafor.example",
        Role::Adopter,
        wirral.id,
        Some(household),
    );
    let permit = create_user_permit(&wirral, &new);
    let (ada, _) = audited(
        &store,
        "user.created",
        store.create_user(&permit, &operator(), &new),
    )
    .await;
    assert_eq!(ada.role, Role::Adopter);
    assert_eq!(ada.household_id, Some(household));
    assert_eq!(store.user(ada.id).await.unwrap(), ada);
}

async fn staff_have_no_household_and_adopters_have_one(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let household = store
        .create_household(&operator(), wirral.id, "The Okafor household")
        .await;
    let household = household.unwrap();

    let staff_in_household = new_user(
        "sam.worker@wirral.example",
        Role::SocialWorker,
        wirral.id,
        Some(household),
    );
    let permit = create_user_permit(&wirral, &staff_in_household);
    let err = refused(
        &store,
        store.create_user(&permit, &operator(), &staff_in_household),
    )
    .await;
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");

    let homeless_adopter = new_user("ada@okafor.example", Role::Adopter, wirral.id, None);
    let permit = create_user_permit(&wirral, &homeless_adopter);
    let err = refused(
        &store,
        store.create_user(&permit, &operator(), &homeless_adopter),
    )
    .await;
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");

    assert_eq!(
        store
            .user_by_email("sam.worker@wirral.example")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.user_by_email("ada@okafor.example").await.unwrap(),
        None
    );
    let list = Permit::for_operator(Action::ListUsers { agency: wirral.id });
    assert_eq!(store.users_of_agency(&list).await.unwrap(), vec![]);
}

async fn an_email_is_taken_once(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sefton = agency(&store, "Sefton Council").await;
    let sam = staff(&store, &wirral, "sam@example.org", Role::SocialWorker).await;

    // Taken across agencies and roles: an e-mail address signs in to one account.
    let again = new_user("sam@example.org", Role::TeamManager, sefton.id, None);
    let permit = create_user_permit(&sefton, &again);
    let err = refused(&store, store.create_user(&permit, &operator(), &again)).await;
    assert!(
        matches!(err, StoreError::Conflict("email_taken")),
        "{err:?}"
    );

    assert_eq!(
        store.user_by_email("sam@example.org").await.unwrap(),
        Some(sam)
    );
    let list = Permit::for_operator(Action::ListUsers { agency: sefton.id });
    assert_eq!(store.users_of_agency(&list).await.unwrap(), vec![]);
}

async fn users_are_listed_per_agency_with_a_list_permit(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sefton = agency(&store, "Sefton Council").await;
    let zoe = staff(&store, &wirral, "zoe@wirral.example", Role::TeamManager).await;
    let amir = staff(&store, &wirral, "amir@wirral.example", Role::FamilyFinder).await;
    let ada = adopter(&store, &wirral, "ada@okafor.example").await;
    let other = staff(&store, &sefton, "bea@sefton.example", Role::AgencyAdmin).await;

    let list = Permit::for_operator(Action::ListUsers { agency: wirral.id });
    // By name.
    assert_eq!(
        store.users_of_agency(&list).await.unwrap(),
        vec![ada, amir, zoe]
    );
    let list = Permit::for_operator(Action::ListUsers { agency: sefton.id });
    assert_eq!(store.users_of_agency(&list).await.unwrap(), vec![other]);

    let not_a_list = Permit::for_operator(Action::ManageAgencySettings { agency: wirral.id });
    let err = store.users_of_agency(&not_a_list).await.unwrap_err();
    assert!(matches!(err, StoreError::WrongPermit), "{err:?}");
}

async fn disabling_ends_every_session(db: &TestDb) {
    let Fixture { store, clock } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sam = staff(&store, &wirral, "sam@wirral.example", Role::SocialWorker).await;
    let zoe = staff(&store, &wirral, "zoe@wirral.example", Role::TeamManager).await;
    sign_in(&store, &sam, "sam-laptop").await;
    sign_in(&store, &sam, "sam-phone").await;
    sign_in(&store, &zoe, "zoe-laptop").await;
    clock.advance(120);

    let permit = Permit::for_operator(Action::DisableUser {
        target: target(&sam, &wirral),
    });
    let (_, entry) = audited(
        &store,
        "user.disabled",
        store.set_user_disabled(&permit, &operator(), &sam, true),
    )
    .await;
    assert_eq!(detail(&entry)["sessions_ended"], 2);
    assert_eq!(entry.event.record_id, Some(sam.id.to_string()));

    let disabled = store.user(sam.id).await.unwrap();
    assert!(disabled.is_disabled());
    assert_eq!(disabled.disabled_at, Some(T0 + 120));
    assert!(!has_session(&store, "sam-laptop").await);
    assert!(!has_session(&store, "sam-phone").await);
    assert!(
        has_session(&store, "zoe-laptop").await,
        "other people stay signed in"
    );
    assert!(!store.user(zoe.id).await.unwrap().is_disabled());

    let (_, entry) = audited(
        &store,
        "user.enabled",
        store.set_user_disabled(&permit, &operator(), &disabled, false),
    )
    .await;
    assert_eq!(detail(&entry)["sessions_ended"], 0);
    assert_eq!(store.user(sam.id).await.unwrap().disabled_at, None);
}

async fn a_role_changes(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sam = staff(&store, &wirral, "sam@wirral.example", Role::SocialWorker).await;
    let amir = staff(&store, &wirral, "amir@wirral.example", Role::FamilyFinder).await;

    let permit = Permit::for_operator(Action::ChangeRole {
        target: target(&sam, &wirral),
        to: Role::TeamManager,
    });
    let (_, entry) = audited(
        &store,
        "user.role_changed",
        store.set_user_role(&permit, &operator(), &sam, Role::TeamManager),
    )
    .await;
    assert_eq!(detail(&entry)["from"], "social_worker");
    assert_eq!(detail(&entry)["to"], "team_manager");

    let promoted = store.user(sam.id).await.unwrap();
    assert_eq!(promoted.role, Role::TeamManager);
    assert_eq!(
        User {
            role: Role::SocialWorker,
            ..promoted
        },
        sam,
        "nothing else changes"
    );
    assert_eq!(store.user(amir.id).await.unwrap(), amir);
}

async fn resetting_the_second_factor_clears_it_and_ends_sessions(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sam = staff(&store, &wirral, "sam@wirral.example", Role::SocialWorker).await;
    sign_in(&store, &sam, "sam-laptop").await;
    let who = person(&sam);
    store
        .enable_second_factor(&who, &sam, "JBSWY3DPEHPK3PXP", 58_000_000, "sam-laptop")
        .await
        .unwrap();
    let enrolled = store.user(sam.id).await.unwrap();
    assert!(enrolled.has_second_factor());
    sign_in(&store, &sam, "sam-phone").await;

    let permit = Permit::for_operator(Action::ResetSecondFactor {
        target: target(&sam, &wirral),
    });
    audited(
        &store,
        "user.second_factor_reset",
        store.reset_second_factor(&permit, &operator(), &enrolled),
    )
    .await;

    let reset = store.user(sam.id).await.unwrap();
    assert!(!reset.has_second_factor());
    assert_eq!((reset.totp_secret, reset.totp_last_step), (None, None));
    assert!(!has_session(&store, "sam-laptop").await);
    assert!(!has_session(&store, "sam-phone").await);
}

async fn a_new_password_keeps_only_the_given_session(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sam = staff(&store, &wirral, "sam@wirral.example", Role::SocialWorker).await;
    let zoe = staff(&store, &wirral, "zoe@wirral.example", Role::TeamManager).await;
    for token in ["sam-laptop", "sam-phone", "sam-tablet"] {
        sign_in(&store, &sam, token).await;
    }
    sign_in(&store, &zoe, "zoe-laptop").await;

    let changed = Secret::new("$argon2id$changed");
    let (_, entry) = audited(
        &store,
        "user.password_changed",
        store.set_password(&person(&sam), &sam, &changed, Some("sam-phone")),
    )
    .await;
    assert!(
        !entry.event.detail.contains("changed"),
        "no password hash in the audit log"
    );
    assert_eq!(entry.event.actor_user_id, Some(sam.id));

    assert_eq!(store.user(sam.id).await.unwrap().password_hash, changed);
    assert!(has_session(&store, "sam-phone").await);
    assert!(!has_session(&store, "sam-laptop").await);
    assert!(!has_session(&store, "sam-tablet").await);
    assert!(has_session(&store, "zoe-laptop").await);

    // Set by an administrator for someone signed out everywhere: no session is kept.
    let again = Secret::new("$argon2id$again");
    audited(
        &store,
        "user.password_changed",
        store.set_password(&operator(), &sam, &again, None),
    )
    .await;
    assert!(!has_session(&store, "sam-phone").await);
    assert!(has_session(&store, "zoe-laptop").await);
}

async fn an_adopters_household_is_in_their_own_agency(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sefton = agency(&store, "Sefton Council").await;
    let household = store
        .create_household(&operator(), sefton.id, "The Adeyemi household")
        .await
        .unwrap();
    let elsewhere = new_user(
        "tayo@adeyemi.example",
        Role::Adopter,
        wirral.id,
        Some(household),
    );
    let permit = create_user_permit(&wirral, &elsewhere);
    let err = refused(&store, store.create_user(&permit, &operator(), &elsewhere)).await;
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert_eq!(
        store.user_by_email("tayo@adeyemi.example").await.unwrap(),
        None
    );

    let at_home = new_user(
        "tayo@adeyemi.example",
        Role::Adopter,
        sefton.id,
        Some(household),
    );
    let permit = create_user_permit(&sefton, &at_home);
    store
        .create_user(&permit, &operator(), &at_home)
        .await
        .unwrap();
}

async fn a_reset_password_must_be_replaced_and_ends_every_session(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sam = staff(&store, &wirral, "sam@wirral.example", Role::SocialWorker).await;
    let zoe = staff(&store, &wirral, "zoe@wirral.example", Role::TeamManager).await;
    sign_in(&store, &sam, "sam-laptop").await;
    sign_in(&store, &zoe, "zoe-laptop").await;
    let fresh = Secret::new("$argon2id$fresh");

    let about_zoe = Permit::for_operator(Action::ResetPassword {
        target: target(&zoe, &wirral),
    });
    let err = refused(
        &store,
        store.reset_password(&about_zoe, &operator(), &sam, &fresh),
    )
    .await;
    assert!(matches!(err, StoreError::WrongPermit), "{err:?}");

    let permit = Permit::for_operator(Action::ResetPassword {
        target: target(&sam, &wirral),
    });
    let (_, entry) = audited(
        &store,
        "user.password_reset",
        store.reset_password(&permit, &operator(), &sam, &fresh),
    )
    .await;
    assert_eq!(detail(&entry)["sessions_ended"], 1);
    let sam = store.user(sam.id).await.unwrap();
    assert_eq!(sam.password_hash, fresh);
    assert!(sam.password_must_change);
    assert!(!has_session(&store, "sam-laptop").await);
    assert!(has_session(&store, "zoe-laptop").await);

    // Choosing their own clears the flag.
    let own = Secret::new("$argon2id$own");
    store
        .set_password(&person(&sam), &sam, &own, None)
        .await
        .unwrap();
    assert!(!store.user(sam.id).await.unwrap().password_must_change);
}
