//! Sessions: signing in, activity, signing out, and the second factor (enrolment and replay).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::Role;
use kinlink_store::testing::TestDb;
use kinlink_store::{NewSession, Store, User};

on_both_backends!(
    a_session_is_created_read_and_ended,
    activity_is_written_at_most_once_a_minute,
    enrolling_a_second_factor_ends_other_sessions,
    a_second_factor_code_is_used_once,
);

fn new_session(token_hash: &str, second_factor_done: bool) -> NewSession {
    NewSession {
        token_hash: token_hash.into(),
        csrf_token: format!("csrf-{token_hash}"),
        second_factor_done,
    }
}

async fn a_social_worker(store: &Store) -> User {
    let wirral = agency(store, "Wirral Council").await;
    staff(store, &wirral, "sam@wirral.example", Role::SocialWorker).await
}

async fn a_session_is_created_read_and_ended(db: &TestDb) {
    let Fixture { store, clock } = fixture(db).await;
    let sam = a_social_worker(&store).await;
    clock.advance(30);

    let (_, entry) = audited(
        &store,
        "session.signed_in",
        store.create_session(&person(&sam), &sam, &new_session("laptop", false)),
    )
    .await;
    assert_eq!(entry.event.record_id, Some(sam.id.to_string()));
    assert_eq!(entry.event.agency_id, Some(sam.agency_id));
    assert_eq!(entry.event.ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(detail(&entry)["second_factor_done"], false);
    assert!(
        !entry.event.detail.contains("laptop"),
        "no session token in the audit log"
    );

    let (session, user) = store.session("laptop").await.unwrap().unwrap();
    assert_eq!(user, sam);
    assert_eq!(session.token_hash, "laptop");
    assert_eq!(session.user_id, sam.id);
    assert_eq!(session.csrf_token, "csrf-laptop");
    assert!(!session.second_factor_done);
    assert_eq!(session.pending_totp_secret, None);
    assert_eq!(
        (session.created_at, session.last_seen_at),
        (T0 + 30, T0 + 30)
    );
    assert_eq!(store.session("no-such-token").await.unwrap(), None);

    store
        .create_session(&person(&sam), &sam, &new_session("phone", true))
        .await
        .unwrap();
    assert!(
        store
            .session("phone")
            .await
            .unwrap()
            .unwrap()
            .0
            .second_factor_done
    );

    let (_, entry) = audited(
        &store,
        "session.ended",
        store.end_session(&person(&sam), &sam, "laptop", "signed_out"),
    )
    .await;
    assert_eq!(detail(&entry)["reason"], "signed_out");
    assert_eq!(store.session("laptop").await.unwrap(), None);
    assert!(
        store.session("phone").await.unwrap().is_some(),
        "only that session ends"
    );
}

async fn activity_is_written_at_most_once_a_minute(db: &TestDb) {
    let Fixture { store, clock } = fixture(db).await;
    let sam = a_social_worker(&store).await;
    store
        .create_session(&person(&sam), &sam, &new_session("laptop", false))
        .await
        .unwrap();
    let head = store.audit_head().await.unwrap();
    let last_seen = async || {
        store
            .session("laptop")
            .await
            .unwrap()
            .unwrap()
            .0
            .last_seen_at
    };

    clock.advance(60);
    store.touch_session("laptop").await.unwrap();
    assert_eq!(last_seen().await, T0, "a minute is not over a minute");

    clock.advance(1);
    store.touch_session("laptop").await.unwrap();
    assert_eq!(last_seen().await, T0 + 61);

    clock.advance(59);
    store.touch_session("laptop").await.unwrap();
    assert_eq!(last_seen().await, T0 + 61);

    clock.advance(2);
    store.touch_session("laptop").await.unwrap();
    assert_eq!(last_seen().await, T0 + 122);

    // Activity is no change to the record: it is not audited.
    assert_eq!(store.audit_head().await.unwrap(), head);
    // Touching a session that does not exist is no error and creates nothing.
    store.touch_session("no-such-token").await.unwrap();
    assert_eq!(store.session("no-such-token").await.unwrap(), None);
}

async fn enrolling_a_second_factor_ends_other_sessions(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let sam = a_social_worker(&store).await;
    let who = person(&sam);
    store
        .create_session(&who, &sam, &new_session("laptop", false))
        .await
        .unwrap();
    store
        .create_session(&who, &sam, &new_session("phone", false))
        .await
        .unwrap();
    store
        .set_pending_totp_secret("laptop", Some("JBSWY3DPEHPK3PXP"))
        .await
        .unwrap();
    let (laptop, _) = store.session("laptop").await.unwrap().unwrap();
    assert_eq!(
        laptop.pending_totp_secret.as_deref(),
        Some("JBSWY3DPEHPK3PXP")
    );

    audited(
        &store,
        "user.second_factor_enabled",
        store.enable_second_factor(&who, &sam, "JBSWY3DPEHPK3PXP", 58_000_000, "laptop"),
    )
    .await;

    let enrolled = store.user(sam.id).await.unwrap();
    assert_eq!(enrolled.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert_eq!(enrolled.totp_last_step, Some(58_000_000));
    let (laptop, _) = store.session("laptop").await.unwrap().unwrap();
    assert!(laptop.second_factor_done);
    assert_eq!(
        laptop.pending_totp_secret, None,
        "the pending secret is not kept twice"
    );
    assert_eq!(store.session("phone").await.unwrap(), None);
}

async fn a_second_factor_code_is_used_once(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let sam = a_social_worker(&store).await;
    let who = person(&sam);
    store
        .create_session(&who, &sam, &new_session("laptop", false))
        .await
        .unwrap();
    store
        .enable_second_factor(&who, &sam, "JBSWY3DPEHPK3PXP", 1000, "laptop")
        .await
        .unwrap();
    let sam = store.user(sam.id).await.unwrap();
    store
        .create_session(&who, &sam, &new_session("phone", false))
        .await
        .unwrap();

    // The step used at enrolment, and an older one, are refused without a trace.
    for replayed in [1000, 999] {
        let head = store.audit_head().await.unwrap();
        let passed = store
            .complete_second_factor(&who, &sam, "phone", replayed)
            .await
            .unwrap();
        assert!(!passed, "step {replayed} was already used");
        assert_eq!(store.audit_head().await.unwrap(), head);
        assert!(
            !store
                .session("phone")
                .await
                .unwrap()
                .unwrap()
                .0
                .second_factor_done
        );
    }

    let (passed, entry) = audited(
        &store,
        "session.second_factor_passed",
        store.complete_second_factor(&who, &sam, "phone", 1001),
    )
    .await;
    assert!(passed);
    assert_eq!(entry.event.actor_user_id, Some(sam.id));
    assert!(
        store
            .session("phone")
            .await
            .unwrap()
            .unwrap()
            .0
            .second_factor_done
    );
    assert_eq!(store.user(sam.id).await.unwrap().totp_last_step, Some(1001));

    // The same code again, even from a fresh sign-in, is a replay.
    store
        .create_session(&who, &sam, &new_session("tablet", false))
        .await
        .unwrap();
    let head = store.audit_head().await.unwrap();
    let passed = store
        .complete_second_factor(&who, &sam, "tablet", 1001)
        .await
        .unwrap();
    assert!(!passed);
    assert_eq!(store.audit_head().await.unwrap(), head);
    assert!(
        !store
            .session("tablet")
            .await
            .unwrap()
            .unwrap()
            .0
            .second_factor_done
    );
}
