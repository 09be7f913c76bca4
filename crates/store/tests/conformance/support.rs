//! What the conformance tests share: the macro that runs a test on both backends, a store with a
//! clock the test controls, a few records to act on, and the audit checks every write goes
//! through. Nothing here asserts a rule of its own except "exactly one audit entry per write" and
//! "a refused write leaves no trace".

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kinlink_domain::audit::AuditEntry;
use kinlink_domain::clock::ManualClock;
use kinlink_domain::policy::{Action, AuditScope, Permit};
use kinlink_domain::secret::Secret;
use kinlink_domain::{AgencyKind, Role};
use kinlink_store::testing::TestDb;
use kinlink_store::{Agency, DatabaseKind, NewAgency, NewUser, Store, StoreError, User, Who};
use sqlx::Connection;
use std::fmt::Debug;
use std::sync::Arc;

/// For each `async fn name(db: &TestDb)` named, one test on SQLite (`sqlite::name`) and one on
/// PostgreSQL (`postgres::name`). Multi-threaded, so that concurrent writers really overlap.
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let db = kinlink_store::testing::TestDb::sqlite();
                    super::$test(&db).await;
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    // `TestDb::postgres` prints why it is skipping.
                    let Some(db) = kinlink_store::testing::TestDb::postgres().await else {
                        return;
                    };
                    super::$test(&db).await;
                }
            )+
        }
    };
}

/// A moment well after the epoch, so that "60 seconds ago" is never negative.
pub const T0: i64 = 1_750_000_000;

/// A migrated store on the test database, and the clock it reads.
pub struct Fixture {
    pub store: Store,
    pub clock: Arc<ManualClock>,
}

pub async fn fixture(db: &TestDb) -> Fixture {
    let clock = Arc::new(ManualClock::at(T0));
    let store = db.store(clock.clone()).await;
    Fixture { store, clock }
}

pub fn operator() -> Who {
    Who::operator()
}

/// `user` acting from a documentation address (RFC 5737).
pub fn person(user: &User) -> Who {
    Who::person(user.actor(), "203.0.113.7")
}

pub fn whole_log() -> Permit {
    Permit::for_operator(Action::ViewAuditLog {
        scope: AuditScope::All,
    })
}

pub fn new_agency(name: &str) -> NewAgency {
    NewAgency {
        name: name.into(),
        kind: AgencyKind::LocalAuthority,
        region: "North West".into(),
        mfa_required: false,
    }
}

pub async fn agency(store: &Store, name: &str) -> Agency {
    let permit = Permit::for_operator(Action::ManageAgencies);
    store
        .create_agency(&permit, &operator(), &new_agency(name))
        .await
        .unwrap()
}

pub fn new_user(email: &str, role: Role, agency_id: i64, household_id: Option<i64>) -> NewUser {
    NewUser {
        email: email.into(),
        name: email.split('@').next().unwrap_or(email).into(),
        role,
        agency_id,
        household_id,
        password_hash: Secret::new(format!("$argon2id$stand-in-for-{email}")),
        password_must_change: false,
    }
}

pub fn create_user_permit(agency: &Agency, new: &NewUser) -> Permit {
    Permit::for_operator(Action::CreateUser {
        agency: agency.id,
        agency_kind: agency.kind,
        role: new.role,
    })
}

pub async fn staff(store: &Store, agency: &Agency, email: &str, role: Role) -> User {
    let new = new_user(email, role, agency.id, None);
    let permit = create_user_permit(agency, &new);
    store.create_user(&permit, &operator(), &new).await.unwrap()
}

pub async fn adopter(store: &Store, agency: &Agency, email: &str) -> User {
    let household = store
        .create_household(&operator(), agency.id, "The Okafor household")
        .await;
    let new = new_user(email, Role::Adopter, agency.id, Some(household.unwrap()));
    let permit = create_user_permit(agency, &new);
    store.create_user(&permit, &operator(), &new).await.unwrap()
}

/// The whole audit log, oldest first.
pub async fn all_entries(store: &Store) -> Vec<AuditEntry> {
    let mut entries = store
        .audit_entries(&whole_log(), None, 100_000)
        .await
        .unwrap();
    entries.reverse();
    entries
}

/// Runs one write, checks that it added exactly one audit entry and that the entry is named
/// `action`; returns what the write returned and that entry.
pub async fn audited<T>(
    store: &Store,
    action: &str,
    write: impl Future<Output = Result<T, StoreError>>,
) -> (T, AuditEntry) {
    let before = store.audit_head().await.unwrap();
    let out = write
        .await
        .unwrap_or_else(|e| panic!("{action}: the write failed: {e:?}"));
    let after = store.audit_head().await.unwrap();
    assert_eq!(
        after.seq,
        before.seq + 1,
        "{action}: the head should move by exactly one entry"
    );
    let mut new: Vec<AuditEntry> = all_entries(store)
        .await
        .into_iter()
        .filter(|e| e.seq > before.seq)
        .collect();
    assert_eq!(
        new.len(),
        1,
        "{action}: exactly one new entry expected, got {new:?}"
    );
    let entry = new.remove(0);
    assert_eq!(entry.event.action, action);
    assert_eq!(
        entry.hash, after.hash,
        "{action}: the head should record the new entry"
    );
    (out, entry)
}

/// Runs a write that must be refused; checks that it left the audit log and its head exactly as
/// they were, and returns the error.
pub async fn refused<T: Debug>(
    store: &Store,
    write: impl Future<Output = Result<T, StoreError>>,
) -> StoreError {
    let head = store.audit_head().await.unwrap();
    let entries = all_entries(store).await;
    let err = write.await.expect_err("the write should have been refused");
    assert_eq!(
        store.audit_head().await.unwrap(),
        head,
        "a refused write moved the head: {err:?}"
    );
    assert_eq!(
        all_entries(store).await,
        entries,
        "a refused write left an audit entry: {err:?}"
    );
    err
}

/// The audit entry's `detail`, parsed.
pub fn detail(entry: &AuditEntry) -> serde_json::Value {
    serde_json::from_str(&entry.event.detail).unwrap()
}

/// Runs SQL straight on the test database, over a connection of its own: what someone with
/// write access to the database, but without the audit key, could do.
pub async fn direct_sql(db: &TestDb, statements: &[&'static str]) {
    match DatabaseKind::of(&db.url).unwrap() {
        DatabaseKind::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            for sql in statements {
                sqlx::query(*sql).execute(&mut conn).await.unwrap();
            }
            conn.close().await.unwrap();
        }
        DatabaseKind::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            for sql in statements {
                sqlx::query(*sql).execute(&mut conn).await.unwrap();
            }
            conn.close().await.unwrap();
        }
    }
}
