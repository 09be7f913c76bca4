//! The store takes a [`Permit`] as proof that the policy allowed a change, and refuses one that
//! proves something else (`StoreError::WrongPermit`: "refused rather than trusted"). Otherwise a
//! handler that passed the wrong permit (a programming error) would act without authority.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::Role;
use kinlink_domain::policy::{Action, Permit, TargetUser};
use kinlink_store::testing::TestDb;
use kinlink_store::{AgencySettings, LinkFollowUp, RegisterSettings, Store, StoreError, User};

on_both_backends!(
    writes_refuse_a_permit_for_another_action,
    writes_refuse_a_permit_for_another_target
);

fn target(user: &User) -> TargetUser {
    TargetUser {
        user_id: user.id,
        role: user.role,
        agency_id: user.agency_id,
        agency_kind: kinlink_domain::AgencyKind::LocalAuthority,
    }
}

/// Names the writes (of `(name, result)`) that did not answer `WrongPermit`, with what they did.
fn not_refused(results: Vec<(&str, Result<(), StoreError>)>) -> Vec<String> {
    results
        .into_iter()
        .filter(|(_, r)| !matches!(r, Err(StoreError::WrongPermit)))
        .map(|(name, r)| format!("{name}: {r:?}"))
        .collect()
}

struct Scene {
    wirral: kinlink_store::Agency,
    sefton: kinlink_store::Agency,
    sam: User,
    zoe: User,
}

async fn scene(store: &Store) -> Scene {
    let wirral = agency(store, "Wirral Council").await;
    let sefton = agency(store, "Sefton Council").await;
    let sam = staff(store, &wirral, "sam@wirral.example", Role::SocialWorker).await;
    let zoe = staff(store, &wirral, "zoe@wirral.example", Role::TeamManager).await;
    Scene {
        wirral,
        sefton,
        sam,
        zoe,
    }
}

async fn writes_refuse_a_permit_for_another_action(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let Scene { wirral, sam, .. } = scene(&store).await;
    let head = store.audit_head().await.unwrap();
    let own_account = Permit::for_operator(Action::UseOwnAccount);
    let settings = AgencySettings {
        link_follow_up_user: None,
        mfa_required: true,
        link_follow_up: LinkFollowUp::NamedPerson,
        household_text_min_words: 0,
        adopters_book_events: false,
    };
    let register = RegisterSettings {
        max_open_links_per_household: 1,
        ..store.register_settings().await.unwrap()
    };
    let new = new_user("eve@wirral.example", Role::AgencyAdmin, wirral.id, None);
    let who = person(&sam);

    let results = vec![
        (
            "create_agency",
            store
                .create_agency(&own_account, &who, &new_agency("Eve's Agency"))
                .await
                .map(drop),
        ),
        (
            "update_agency_settings",
            store
                .update_agency_settings(&own_account, &who, wirral.id, &settings)
                .await,
        ),
        (
            "create_user",
            store.create_user(&own_account, &who, &new).await.map(drop),
        ),
        (
            "set_user_disabled",
            store
                .set_user_disabled(&own_account, &who, &sam, true)
                .await,
        ),
        (
            "set_user_role",
            store
                .set_user_role(&own_account, &who, &sam, Role::RegisterAdmin)
                .await,
        ),
        (
            "reset_second_factor",
            store.reset_second_factor(&own_account, &who, &sam).await,
        ),
        (
            "update_register_settings",
            store
                .update_register_settings(&own_account, &who, &register)
                .await,
        ),
    ];
    let accepted = not_refused(results);
    assert!(
        accepted.is_empty(),
        "writes that trusted a UseOwnAccount permit: {accepted:#?}"
    );
    assert_eq!(store.audit_head().await.unwrap(), head);
}

async fn writes_refuse_a_permit_for_another_target(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let Scene {
        wirral,
        sefton,
        sam,
        zoe,
    } = scene(&store).await;
    let head = store.audit_head().await.unwrap();
    let who = operator();
    let settings = AgencySettings {
        link_follow_up_user: None,
        mfa_required: true,
        link_follow_up: LinkFollowUp::NamedPerson,
        household_text_min_words: 0,
        adopters_book_events: false,
    };
    let sefton_settings = Permit::for_operator(Action::ManageAgencySettings { agency: sefton.id });
    // A permit to make a social worker in Wirral does not make an administrator, nor anyone in
    // Sefton.
    let make_worker = Permit::for_operator(Action::CreateUser {
        agency: wirral.id,
        agency_kind: wirral.kind,
        role: Role::SocialWorker,
    });
    let admin = new_user("eve@wirral.example", Role::AgencyAdmin, wirral.id, None);
    let elsewhere = new_user("eve@sefton.example", Role::SocialWorker, sefton.id, None);
    // Permits about Zoe do nothing to Sam; a permit to make Sam a manager does not make him an
    // administrator.
    let disable_zoe = Permit::for_operator(Action::DisableUser {
        target: target(&zoe),
    });
    let reset_zoe = Permit::for_operator(Action::ResetSecondFactor {
        target: target(&zoe),
    });
    let sam_to_manager = Permit::for_operator(Action::ChangeRole {
        target: target(&sam),
        to: Role::TeamManager,
    });

    let results = vec![
        (
            "update_agency_settings",
            store
                .update_agency_settings(&sefton_settings, &who, wirral.id, &settings)
                .await,
        ),
        (
            "create_user (role)",
            store
                .create_user(&make_worker, &who, &admin)
                .await
                .map(drop),
        ),
        (
            "create_user (agency)",
            store
                .create_user(&make_worker, &who, &elsewhere)
                .await
                .map(drop),
        ),
        (
            "set_user_disabled",
            store
                .set_user_disabled(&disable_zoe, &who, &sam, true)
                .await,
        ),
        (
            "set_user_role",
            store
                .set_user_role(&sam_to_manager, &who, &sam, Role::AgencyAdmin)
                .await,
        ),
        (
            "reset_second_factor",
            store.reset_second_factor(&reset_zoe, &who, &sam).await,
        ),
    ];
    let accepted = not_refused(results);
    assert!(
        accepted.is_empty(),
        "writes that trusted a permit for someone else: {accepted:#?}"
    );
    assert_eq!(store.audit_head().await.unwrap(), head);
}
