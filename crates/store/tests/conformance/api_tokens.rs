//! API tokens: an agency's, listed and revoked only by that agency, and dead once revoked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::Role;
use kinlink_domain::policy::{Action, Permit};
use kinlink_store::testing::TestDb;
use kinlink_store::{NewApiToken, StoreError};

on_both_backends!(
    a_token_is_created_used_and_revoked,
    only_the_agency_revokes_its_token
);

fn new_token(name: &str, created_by: i64) -> NewApiToken {
    NewApiToken {
        name: name.into(),
        token_hash: format!("hash-of-{name}"),
        prefix: format!("kl_{}", &name[..3]),
        created_by,
    }
}

async fn a_token_is_created_used_and_revoked(db: &TestDb) {
    let Fixture { store, clock } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let admin = staff(&store, &wirral, "admin@wirral.example", Role::AgencyAdmin).await;
    let permit = Permit::for_operator(Action::ManageApiTokens { agency: wirral.id });
    let who = person(&admin);

    let (case_system, entry) = audited(
        &store,
        "api_token.created",
        store.create_api_token(&permit, &who, &new_token("case-system", admin.id)),
    )
    .await;
    assert_eq!(case_system.agency_id, wirral.id);
    assert_eq!(case_system.name, "case-system");
    assert_eq!(case_system.prefix, "kl_cas");
    assert_eq!(case_system.created_by, admin.id);
    assert_eq!(case_system.created_at, T0);
    assert_eq!(
        (case_system.last_used_at, case_system.revoked_at),
        (None, None)
    );
    assert_eq!(entry.event.agency_id, Some(wirral.id));
    assert_eq!(entry.event.record_id, Some(case_system.id.to_string()));
    assert!(
        !entry.event.detail.contains("hash-of"),
        "no token hash in the audit log"
    );

    clock.advance(10);
    let (reports, _) = audited(
        &store,
        "api_token.created",
        store.create_api_token(&permit, &who, &new_token("reports", admin.id)),
    )
    .await;
    // Newest first.
    assert_eq!(
        store.api_tokens(&permit).await.unwrap(),
        vec![reports.clone(), case_system.clone()]
    );

    // Using a token marks it used, at most once a minute, and writes no audit entry.
    let head = store.audit_head().await.unwrap();
    clock.advance(100);
    let used = store
        .api_token_by_hash("hash-of-case-system")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.id, case_system.id);
    let last_used = async || {
        let tokens = store.api_tokens(&permit).await.unwrap();
        tokens
            .into_iter()
            .find(|t| t.id == case_system.id)
            .unwrap()
            .last_used_at
    };
    assert_eq!(last_used().await, Some(T0 + 110));
    clock.advance(60);
    store
        .api_token_by_hash("hash-of-case-system")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last_used().await, Some(T0 + 110));
    clock.advance(1);
    store
        .api_token_by_hash("hash-of-case-system")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last_used().await, Some(T0 + 171));
    assert_eq!(store.audit_head().await.unwrap(), head);
    assert_eq!(
        store.api_token_by_hash("hash-of-nothing").await.unwrap(),
        None
    );

    clock.advance(5);
    let (_, entry) = audited(
        &store,
        "api_token.revoked",
        store.revoke_api_token(&permit, &who, case_system.id),
    )
    .await;
    assert_eq!(entry.event.record_id, Some(case_system.id.to_string()));
    assert_eq!(entry.event.agency_id, Some(wirral.id));

    assert_eq!(
        store
            .api_token_by_hash("hash-of-case-system")
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .api_token_by_hash("hash-of-reports")
            .await
            .unwrap()
            .is_some()
    );
    let tokens = store.api_tokens(&permit).await.unwrap();
    assert_eq!(tokens.len(), 2, "a revoked token stays listed");
    assert_eq!(tokens[1].revoked_at, Some(T0 + 176));
    assert_eq!(tokens[0].revoked_at, None);

    let err = refused(
        &store,
        store.revoke_api_token(&permit, &who, case_system.id),
    )
    .await;
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    let err = refused(
        &store,
        store.revoke_api_token(&permit, &who, reports.id + 1000),
    )
    .await;
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
}

async fn only_the_agency_revokes_its_token(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sefton = agency(&store, "Sefton Council").await;
    let admin = staff(&store, &wirral, "admin@wirral.example", Role::AgencyAdmin).await;
    let outsider = staff(&store, &sefton, "admin@sefton.example", Role::AgencyAdmin).await;
    let wirral_tokens = Permit::for_operator(Action::ManageApiTokens { agency: wirral.id });
    let sefton_tokens = Permit::for_operator(Action::ManageApiTokens { agency: sefton.id });
    let token = store
        .create_api_token(
            &wirral_tokens,
            &person(&admin),
            &new_token("case-system", admin.id),
        )
        .await
        .unwrap();

    // Another agency's token is as good as no token: its existence is not confirmed.
    let err = refused(
        &store,
        store.revoke_api_token(&sefton_tokens, &person(&outsider), token.id),
    )
    .await;
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(store.api_tokens(&sefton_tokens).await.unwrap(), vec![]);
    assert_eq!(
        store.api_tokens(&wirral_tokens).await.unwrap(),
        vec![token.clone()]
    );
    assert!(
        store
            .api_token_by_hash("hash-of-case-system")
            .await
            .unwrap()
            .is_some()
    );

    let not_tokens = Permit::for_operator(Action::ListUsers { agency: wirral.id });
    let err = store.api_tokens(&not_tokens).await.unwrap_err();
    assert!(matches!(err, StoreError::WrongPermit), "{err:?}");
    let err = refused(
        &store,
        store.revoke_api_token(&not_tokens, &person(&admin), token.id),
    )
    .await;
    assert!(matches!(err, StoreError::WrongPermit), "{err:?}");
    let err = refused(
        &store,
        store.create_api_token(&not_tokens, &person(&admin), &new_token("sneaky", admin.id)),
    )
    .await;
    assert!(matches!(err, StoreError::WrongPermit), "{err:?}");
    assert!(
        store
            .api_token_by_hash("hash-of-case-system")
            .await
            .unwrap()
            .is_some()
    );
}
