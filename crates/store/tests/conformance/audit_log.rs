//! The audit log as readers see it (the whole register, or one agency's trail), and the rule
//! that a change and its audit entry happen together or not at all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::*;
use kinlink_domain::Role;
use kinlink_domain::audit::AuditEntry;
use kinlink_domain::policy::{Action, AuditScope, Permit, TargetUser};
use kinlink_store::testing::TestDb;
use kinlink_store::{RegisterSettings, StoreError};

on_both_backends!(
    an_agency_sees_its_own_trail,
    the_log_is_read_in_pages_newest_first,
    a_change_whose_audit_entry_cannot_be_written_is_undone,
);

fn seqs(entries: &[AuditEntry]) -> Vec<i64> {
    entries.iter().map(|e| e.seq).collect()
}

async fn an_agency_sees_its_own_trail(db: &TestDb) {
    let Fixture { store, clock } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await; // 1
    let sefton = agency(&store, "Sefton Council").await; // 2
    let wirral_admin = staff(&store, &wirral, "admin@wirral.example", Role::AgencyAdmin).await; // 3
    let sefton_admin = staff(&store, &sefton, "admin@sefton.example", Role::AgencyAdmin).await; // 4
    clock.advance(7);

    // 5: Wirral's administrator looks at a record of Sefton's: both agencies' business.
    let who = person(&wirral_admin);
    let view = store.record(
        &who,
        "child.viewed",
        "child",
        42,
        Some(sefton.id),
        serde_json::json!({"section": "health"}),
    );
    let (_, entry) = audited(&store, "child.viewed", view).await;
    assert_eq!(entry.seq, 5);
    assert_eq!(entry.at, T0 + 7);
    assert_eq!(entry.event.actor_user_id, Some(wirral_admin.id));
    assert_eq!(entry.event.actor_role.as_deref(), Some("agency_admin"));
    assert_eq!(entry.event.actor_agency_id, Some(wirral.id));
    assert_eq!(entry.event.agency_id, Some(sefton.id));
    assert_eq!(entry.event.record_type, "child");
    assert_eq!(entry.event.record_id.as_deref(), Some("42"));
    assert_eq!(entry.event.ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(detail(&entry), serde_json::json!({"section": "health"}));

    // 6: a register-wide change, which is no single agency's.
    let settings = RegisterSettings {
        max_open_links_per_household: 5,
        ..store.register_settings().await.unwrap()
    };
    let permit = Permit::for_operator(Action::ManageRegisterSettings);
    store
        .update_register_settings(&permit, &operator(), &settings)
        .await
        .unwrap();
    // 7: the operator changes the role of Sefton's administrator: Sefton's business only.
    let target = TargetUser {
        user_id: sefton_admin.id,
        role: sefton_admin.role,
        agency_id: sefton.id,
        agency_kind: sefton.kind,
    };
    let permit = Permit::for_operator(Action::ChangeRole {
        target,
        to: Role::TeamManager,
    });
    let who = operator();
    let change = store.set_user_role(&permit, &who, &sefton_admin, Role::TeamManager);
    let (_, entry) = audited(&store, "user.role_changed", change).await;
    assert_eq!(entry.seq, 7);

    let trail = |agency| {
        Permit::for_operator(Action::ViewAuditLog {
            scope: AuditScope::Agency(agency),
        })
    };
    let wirral_trail = store
        .audit_entries(&trail(wirral.id), None, 100)
        .await
        .unwrap();
    assert_eq!(seqs(&wirral_trail), vec![5, 3, 1]);
    let sefton_trail = store
        .audit_entries(&trail(sefton.id), None, 100)
        .await
        .unwrap();
    assert_eq!(seqs(&sefton_trail), vec![7, 5, 4, 2]);
    let unknown_trail = store
        .audit_entries(&trail(sefton.id + 1000), None, 100)
        .await
        .unwrap();
    assert_eq!(unknown_trail, vec![]);

    let everything = store.audit_entries(&whole_log(), None, 100).await.unwrap();
    assert_eq!(seqs(&everything), vec![7, 6, 5, 4, 3, 2, 1]);
    // An agency's trail holds the very entries of the whole log, not copies that differ.
    for entry in wirral_trail.iter().chain(&sefton_trail) {
        assert!(everything.contains(entry));
    }
    // Each entry links to the one before it.
    for pair in everything.windows(2) {
        assert_eq!(pair[0].prev_hash, pair[1].hash);
    }
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(7));

    let not_the_log = Permit::for_operator(Action::ListUsers { agency: wirral.id });
    let err = store
        .audit_entries(&not_the_log, None, 100)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::WrongPermit), "{err:?}");
}

async fn the_log_is_read_in_pages_newest_first(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    for id in 1..=6 {
        store
            .record(
                &operator(),
                "child.viewed",
                "child",
                id,
                Some(wirral.id),
                serde_json::json!({}),
            )
            .await
            .unwrap();
    }
    let whole_log = whole_log();
    let page = |before, limit| store.audit_entries(&whole_log, before, limit);
    assert_eq!(seqs(&page(None, 3).await.unwrap()), vec![7, 6, 5]);
    assert_eq!(seqs(&page(Some(5), 3).await.unwrap()), vec![4, 3, 2]);
    assert_eq!(seqs(&page(Some(2), 3).await.unwrap()), vec![1]);
    assert_eq!(seqs(&page(Some(1), 3).await.unwrap()), Vec::<i64>::new());

    let trail = Permit::for_operator(Action::ViewAuditLog {
        scope: AuditScope::Agency(wirral.id),
    });
    let page = store.audit_entries(&trail, Some(6), 2).await.unwrap();
    assert_eq!(seqs(&page), vec![5, 4]);
}

/// Someone has planted a row where the next audit entry must go: the entry cannot be written, so
/// the change it records must not be kept either.
async fn a_change_whose_audit_entry_cannot_be_written_is_undone(db: &TestDb) {
    let Fixture { store, .. } = fixture(db).await;
    let wirral = agency(&store, "Wirral Council").await;
    direct_sql(
        db,
        &[
            "INSERT INTO audit_entries (seq, at, action, record_type, detail, prev_hash, hash) \
           VALUES (2, 0, 'planted', 'none', '{}', 'x', 'x')",
        ],
    )
    .await;
    let head = store.audit_head().await.unwrap();

    let permit = Permit::for_operator(Action::ManageAgencies);
    let err = store
        .create_agency(&permit, &operator(), &new_agency("Sefton Council"))
        .await;
    assert!(matches!(err, Err(StoreError::Database(_))), "{err:?}");
    assert_eq!(store.agencies().await.unwrap(), vec![wirral.clone()]);

    let household = store
        .create_household(&operator(), wirral.id, "The Okafor household")
        .await;
    assert!(household.is_err());
    assert_eq!(store.households(wirral.id).await.unwrap(), vec![]);

    assert_eq!(store.audit_head().await.unwrap(), head);
}
