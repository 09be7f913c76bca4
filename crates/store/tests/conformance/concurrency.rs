//! Concurrent writers: many tasks on one store, and two stores (two pools, as two `kinlink serve`
//! processes would have) on one database. The chain stays one unbroken line with no entry lost,
//! and a second-factor code is accepted once however many instances see it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::Role;
use kinlink_domain::clock::ManualClock;
use kinlink_store::testing::TestDb;
use kinlink_store::{NewSession, Store};
use std::collections::BTreeSet;
use std::sync::Arc;

on_both_backends!(
    tasks_on_one_store_keep_one_chain,
    two_stores_on_one_database_keep_one_chain,
    the_chain_verifies_while_it_grows,
    a_second_factor_code_is_accepted_once_across_instances,
);

const TASKS: usize = 8;
const WRITES: usize = 25;

/// `TASKS` tasks, each making `WRITES` households, task `t` writing through `stores[t % len]`.
async fn write_households(stores: &[Store], agency_id: i64) {
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..TASKS {
        let store = stores[task % stores.len()].clone();
        tasks.spawn(async move {
            for write in 0..WRITES {
                let name = format!("Household {task:02}-{write:02}");
                store
                    .create_household(&operator(), agency_id, &name)
                    .await
                    .unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

/// Every household written is there once, and so is its audit entry.
async fn nothing_is_lost(store: &Store, agency_id: i64) {
    let names: BTreeSet<String> = store
        .households(agency_id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.name)
        .collect();
    let expected: BTreeSet<String> = (0..TASKS)
        .flat_map(|t| (0..WRITES).map(move |w| format!("Household {t:02}-{w:02}")))
        .collect();
    assert_eq!(names, expected);

    let entries = all_entries(store).await;
    let created = entries
        .iter()
        .filter(|e| e.event.action == "household.created")
        .count();
    assert_eq!(created, TASKS * WRITES);
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let total = (TASKS * WRITES) as i64 + 1;
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>());
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(total));
}

async fn tasks_on_one_store_keep_one_chain(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    write_households(std::slice::from_ref(&store), wirral.id).await;
    nothing_is_lost(&store, wirral.id).await;
}

async fn two_stores_on_one_database_keep_one_chain(db: &TestDb) {
    let clock = Arc::new(ManualClock::at(T0));
    let first = db.store(clock.clone()).await;
    let second = db.store(clock).await;
    let wirral = agency(&first, "Wirral Council").await;
    write_households(&[first.clone(), second.clone()], wirral.id).await;
    nothing_is_lost(&first, wirral.id).await;
    nothing_is_lost(&second, wirral.id).await;
}

/// Verification reads the head first and judges only what it covers, so entries appended while
/// it walks are neither a break nor counted.
async fn the_chain_verifies_while_it_grows(db: &TestDb) {
    let clock = Arc::new(ManualClock::at(T0));
    let writer = db.store(clock.clone()).await;
    let checker = db.store(clock).await;
    let wirral = agency(&writer, "Wirral Council").await;

    let writing = tokio::spawn({
        let writer = writer.clone();
        async move { write_households(&[writer], wirral.id).await }
    });
    let mut last = 0;
    while !writing.is_finished() {
        let found = checker.verify_audit_chain().await.unwrap();
        let count = found.unwrap_or_else(|b| panic!("a break found while writing: {b}"));
        assert!(count >= last, "the chain shrank from {last} to {count}");
        last = count;
    }
    writing.await.unwrap();
    nothing_is_lost(&checker, wirral.id).await;
}

/// The same code typed (or replayed) at several instances at once passes at exactly one.
async fn a_second_factor_code_is_accepted_once_across_instances(db: &TestDb) {
    let clock = Arc::new(ManualClock::at(T0));
    let first = db.store(clock.clone()).await;
    let second = db.store(clock).await;
    let wirral = agency(&first, "Wirral Council").await;
    let sam = staff(&first, &wirral, "sam@wirral.example", Role::SocialWorker).await;
    let who = person(&sam);
    let enrol = NewSession {
        token_hash: "enrol".into(),
        csrf_token: "c".into(),
        second_factor_done: false,
    };
    first.create_session(&who, &sam, &enrol).await.unwrap();
    first
        .enable_second_factor(&who, &sam, "JBSWY3DPEHPK3PXP", 1000, "enrol")
        .await
        .unwrap();
    let sam = first.user(sam.id).await.unwrap();

    let mut attempts = tokio::task::JoinSet::new();
    for attempt in 0..TASKS {
        let store = [&first, &second][attempt % 2].clone();
        let (sam, who) = (sam.clone(), who.clone());
        let token = format!("attempt-{attempt}");
        let new = NewSession {
            token_hash: token.clone(),
            csrf_token: "c".into(),
            second_factor_done: false,
        };
        store.create_session(&who, &sam, &new).await.unwrap();
        attempts.spawn(async move {
            store
                .complete_second_factor(&who, &sam, &token, 1001)
                .await
                .unwrap()
        });
    }
    let mut passed = 0;
    while let Some(done) = attempts.join_next().await {
        passed += usize::from(done.unwrap());
    }
    assert_eq!(passed, 1);
    let entries = all_entries(&first).await;
    let passes = entries
        .iter()
        .filter(|e| e.event.action == "session.second_factor_passed")
        .count();
    assert_eq!(passes, 1);
    assert!(first.verify_audit_chain().await.unwrap().is_ok());
}
