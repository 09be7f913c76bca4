//! Sign-in failures: what throttling counts, per account and per address, within a window.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::Role;
use kinlink_store::testing::TestDb;
use kinlink_store::{NewSession, Who};

on_both_backends!(failures_are_counted_per_email_and_per_address);

const HOME: &str = "198.51.100.1";
const CAFE: &str = "198.51.100.2";

async fn failures_are_counted_per_email_and_per_address(db: &TestDb) {
    let Fixture { store, clock } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sam = staff(&store, &wirral, "sam@wirral.example", Role::SocialWorker).await;

    // T0: sam from home; T0+10, T0+20: an unknown address from home; T0+30: sam from a café.
    let (_, entry) = audited(
        &store,
        "session.sign_in_failed",
        store.record_sign_in_failure(&Who::anonymous(HOME), "sam@wirral.example", Some(&sam)),
    )
    .await;
    assert_eq!(entry.event.record_id, Some(sam.id.to_string()));
    assert_eq!(entry.event.agency_id, Some(wirral.id));
    assert_eq!(entry.event.actor_user_id, None, "nobody is signed in");
    assert_eq!(entry.event.ip.as_deref(), Some(HOME));
    assert_eq!(detail(&entry)["email"], "sam@wirral.example");
    for _ in 0..2 {
        clock.advance(10);
        let (_, entry) = audited(
            &store,
            "session.sign_in_failed",
            store.record_sign_in_failure(&Who::anonymous(HOME), "nobody@wirral.example", None),
        )
        .await;
        assert_eq!(
            entry.event.agency_id, None,
            "an unknown account belongs to no agency"
        );
        assert_eq!(entry.event.record_id, None, "and names no record");
        assert!(
            !entry.event.detail.contains("nobody@wirral.example"),
            "what was typed for no account (perhaps a password) stays out of the log: {}",
            entry.event.detail
        );
    }
    clock.advance(10);
    store
        .record_sign_in_failure(&Who::anonymous(CAFE), "sam@wirral.example", Some(&sam))
        .await
        .unwrap();

    let count = async |email: &str, origin: &str, since: i64| {
        store.sign_in_failures(email, origin, since).await.unwrap()
    };
    assert_eq!(count("sam@wirral.example", HOME, T0 - 1).await, (2, 3));
    assert_eq!(count("sam@wirral.example", CAFE, T0 - 1).await, (2, 1));
    assert_eq!(count("nobody@wirral.example", HOME, T0 - 1).await, (2, 3));
    // The window is what came after `since`: a failure exactly a window old no longer counts.
    assert_eq!(count("sam@wirral.example", HOME, T0).await, (1, 2));
    assert_eq!(count("sam@wirral.example", HOME, T0 + 19).await, (1, 1));
    assert_eq!(count("nobody@wirral.example", HOME, T0 + 20).await, (0, 0));
    assert_eq!(count("sam@wirral.example", CAFE, T0 + 30).await, (0, 0));
    assert_eq!(count("other@wirral.example", "192.0.2.9", T0).await, (0, 0));

    // Signing in clears that account's failures, from every address, and nobody else's.
    let new = NewSession {
        token_hash: "laptop".into(),
        csrf_token: "csrf".into(),
        second_factor_done: false,
    };
    audited(
        &store,
        "session.signed_in",
        store.create_session(&Who::anonymous(HOME), &sam, &new),
    )
    .await;
    assert_eq!(count("sam@wirral.example", HOME, T0).await, (0, 2));
    assert_eq!(count("sam@wirral.example", CAFE, T0).await, (0, 0));
    assert_eq!(count("nobody@wirral.example", HOME, T0).await, (2, 2));
}
