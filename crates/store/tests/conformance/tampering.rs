//! Tampering with the audit chain through the database itself, as someone with write access but
//! without the audit key could: `verify_audit_chain` names the first bad entry for each kind of
//! change (altered, removed from the middle or the end, forged after the end, reordered).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::audit::ChainBreak;
use kinlink_store::testing::TestDb;
use kinlink_store::{Store, Who};

on_both_backends!(
    an_untouched_chain_verifies,
    an_altered_field_is_named,
    an_entry_removed_from_the_middle_is_named,
    an_entry_removed_from_the_end_is_noticed,
    an_altered_head_is_noticed,
    an_entry_forged_after_the_end_is_named,
    reordered_entries_are_named,
);

/// A store whose chain holds six entries of different shapes: with and without an actor, an
/// agency and details.
async fn six_entries(db: &TestDb) -> Store {
    let Fixture { store, clock } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    let sam = staff(
        &store,
        &wirral,
        "sam@wirral.example",
        kinlink_domain::Role::SocialWorker,
    )
    .await;
    for id in 1..=3 {
        clock.advance(1);
        let detail = serde_json::json!({"section": "health", "n": id});
        store
            .record(
                &person(&sam),
                "child.viewed",
                "child",
                id,
                Some(wirral.id),
                detail,
            )
            .await
            .unwrap();
    }
    store
        .record(
            &Who::anonymous("192.0.2.1"),
            "session.sign_in_failed",
            "user",
            "",
            None,
            serde_json::json!({}),
        )
        .await
        .unwrap();
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(6));
    store
}

async fn an_untouched_chain_verifies(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    assert_eq!(
        store.verify_audit_chain().await.unwrap(),
        Ok(0),
        "an empty chain is whole"
    );
    let store = six_entries(db).await;
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(6));
    // Reading the log changes nothing.
    all_entries(&store).await;
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(6));
}

/// One field changed in each entry, from the last back to the first: each time the break named
/// is the newly altered entry, because it is now the first bad one.
async fn an_altered_field_is_named(db: &TestDb) {
    let store = six_entries(db).await;
    let edits: [(i64, &'static str); 6] = [
        (
            6,
            "UPDATE audit_entries SET ip = '203.0.113.99' WHERE seq = 6",
        ),
        (5, "UPDATE audit_entries SET at = at + 1 WHERE seq = 5"),
        (
            4,
            "UPDATE audit_entries SET detail = '{\"section\":\"adoption\",\"n\":2}' WHERE seq = 4",
        ),
        (
            3,
            "UPDATE audit_entries SET actor_role = 'register_admin' WHERE seq = 3",
        ),
        (
            2,
            "UPDATE audit_entries SET action = 'agency.deleted' WHERE seq = 2",
        ),
        (1, "UPDATE audit_entries SET agency_id = NULL WHERE seq = 1"),
    ];
    for (seq, sql) in edits {
        direct_sql(db, &[sql]).await;
        let found = store.verify_audit_chain().await.unwrap();
        assert_eq!(found, Err(ChainBreak::Altered { seq }), "after: {sql}");
    }
}

async fn an_entry_removed_from_the_middle_is_named(db: &TestDb) {
    let store = six_entries(db).await;
    direct_sql(db, &["DELETE FROM audit_entries WHERE seq = 3"]).await;
    let found = store.verify_audit_chain().await.unwrap();
    assert_eq!(
        found,
        Err(ChainBreak::OutOfSequence {
            expected: 3,
            found: 4
        })
    );
    assert_eq!(
        found.unwrap_err().seq(),
        3,
        "the missing entry is the one named"
    );
}

async fn an_entry_removed_from_the_end_is_noticed(db: &TestDb) {
    let store = six_entries(db).await;
    direct_sql(db, &["DELETE FROM audit_entries WHERE seq = 6"]).await;
    let found = store.verify_audit_chain().await.unwrap();
    assert_eq!(found, Err(ChainBreak::HeadMismatch { last: 5, head: 6 }));
    assert_eq!(found.unwrap_err().seq(), 6);
}

async fn an_altered_head_is_noticed(db: &TestDb) {
    let store = six_entries(db).await;
    direct_sql(db, &["UPDATE audit_head SET hash = 'f00d' WHERE id = 1"]).await;
    let found = store.verify_audit_chain().await.unwrap();
    assert_eq!(found, Err(ChainBreak::HeadMismatch { last: 6, head: 6 }));
}

async fn an_entry_forged_after_the_end_is_named(db: &TestDb) {
    let store = six_entries(db).await;
    // A plausible entry 7, linked to entry 6, with a hash made up without the key.
    direct_sql(
        db,
        &["INSERT INTO audit_entries (seq, at, actor_role, action, record_type, record_id, detail, prev_hash, hash) \
           SELECT seq + 1, at, 'register_admin', 'user.created', 'user', '99', '{}', hash, \
                  'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff' \
           FROM audit_entries WHERE seq = 6"],
    )
    .await;
    let found = store.verify_audit_chain().await.unwrap();
    assert!(
        matches!(found, Err(ChainBreak::BeyondHead { head: 6, found: 7 })),
        "{found:?}"
    );

    // With the head moved to it as well, the entry's hash gives it away.
    direct_sql(
        db,
        &["UPDATE audit_head SET seq = 7, \
           hash = 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff' WHERE id = 1"],
    )
    .await;
    let found = store.verify_audit_chain().await.unwrap();
    assert_eq!(found, Err(ChainBreak::Altered { seq: 7 }));
}

async fn reordered_entries_are_named(db: &TestDb) {
    let store = six_entries(db).await;
    // Swap entries 3 and 4 (by way of a free number: the sequence number is the key).
    direct_sql(
        db,
        &[
            "UPDATE audit_entries SET seq = -3 WHERE seq = 3",
            "UPDATE audit_entries SET seq = 3 WHERE seq = 4",
            "UPDATE audit_entries SET seq = 4 WHERE seq = -3",
        ],
    )
    .await;
    let found = store.verify_audit_chain().await.unwrap();
    assert_eq!(found, Err(ChainBreak::Altered { seq: 3 }));
}
