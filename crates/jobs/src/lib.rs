//! Background work. Every job is idempotent and safe to run on several `serve` instances at
//! once, because all its state is in the database: housekeeping of expired sessions and old
//! sign-in failures, and the link reminders, escalations and expiries due from the job queue
//! (each claimed by one instance and done in the same transaction as what it does).

use kinlink_domain::account::{SessionLimits, Throttle};
use kinlink_store::{Store, StoreError};
use std::time::Duration;

/// Ends expired sessions and forgets failed sign-ins that no longer count. Returns the number
/// of sessions ended.
pub async fn housekeeping(
    store: &Store,
    sessions: SessionLimits,
    throttle: Throttle,
) -> Result<u64, StoreError> {
    let now = store.now();
    store
        .purge_expired(
            now - sessions.idle_seconds,
            now - sessions.absolute_seconds,
            now - throttle.window_seconds,
        )
        .await
}

/// Runs housekeeping every `period` until the task is dropped. A failure (e.g. the database is
/// away) is logged and tried again next period.
pub async fn run_periodically(
    store: Store,
    sessions: SessionLimits,
    throttle: Throttle,
    period: Duration,
) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match housekeeping(&store, sessions, throttle).await {
            Ok(0) => {}
            Ok(ended) => tracing::info!(ended, "housekeeping ended expired sessions"),
            Err(e) => tracing::warn!(error = %e, "housekeeping failed; will try again"),
        }
        match store.run_due_jobs().await {
            Ok(done) => {
                for job in done {
                    tracing::info!(kind = %job.kind, link = job.link_id, outcome = job.outcome, "link job done");
                }
            }
            Err(e) => tracing::warn!(error = %e, "link jobs failed; will try again"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinlink_domain::clock::ManualClock;
    use kinlink_domain::policy::{Action, AuditScope, Permit};
    use kinlink_store::testing::TestDb;
    use kinlink_store::{NewAgency, NewSession, NewUser, Who};
    use std::sync::Arc;

    async fn housekeeping_ends_only_expired_sessions(db: TestDb) {
        let clock = Arc::new(ManualClock::at(1_000_000));
        let store = db.store(clock.clone()).await;
        let op = Who::operator();
        let agency = store
            .create_agency(
                &Permit::for_operator(Action::ManageAgencies),
                &op,
                &NewAgency {
                    name: "A".into(),
                    kind: kinlink_domain::AgencyKind::LocalAuthority,
                    region: "R".into(),
                    mfa_required: false,
                },
            )
            .await
            .unwrap();
        let permit = Permit::for_operator(Action::CreateUser {
            agency: agency.id,
            agency_kind: agency.kind,
            role: kinlink_domain::Role::SocialWorker,
        });
        let new = NewUser {
            email: "a@b.example".into(),
            name: "A".into(),
            role: kinlink_domain::Role::SocialWorker,
            agency_id: agency.id,
            household_id: None,
            password_hash: "x".to_owned().into(),
            password_must_change: false,
        };
        let user = store.create_user(&permit, &op, &new).await.unwrap();
        let session = |n: &str| NewSession {
            token_hash: n.into(),
            csrf_token: "c".into(),
            second_factor_done: true,
        };
        store
            .create_session(&op, &user, &session("old"))
            .await
            .unwrap();
        clock.advance(20 * 60);
        store
            .create_session(&op, &user, &session("fresh"))
            .await
            .unwrap();
        clock.advance(15 * 60);
        let ended = housekeeping(&store, SessionLimits::default(), Throttle::default())
            .await
            .unwrap();
        assert_eq!(ended, 1);
        assert!(store.session("old").await.unwrap().is_none());
        assert!(store.session("fresh").await.unwrap().is_some());
        let all = Permit::for_operator(Action::ViewAuditLog {
            scope: AuditScope::All,
        });
        assert_eq!(
            store.audit_entries(&all, None, 1).await.unwrap()[0]
                .event
                .action,
            "sessions.expired"
        );
        assert_eq!(
            housekeeping(&store, SessionLimits::default(), Throttle::default())
                .await
                .unwrap(),
            0
        );
    }

    #[tokio::test]
    async fn housekeeping_sqlite() {
        housekeeping_ends_only_expired_sessions(TestDb::sqlite()).await;
    }

    #[tokio::test]
    async fn housekeeping_postgres() {
        if let Some(db) = TestDb::postgres().await {
            housekeeping_ends_only_expired_sessions(db).await;
        }
    }
}
