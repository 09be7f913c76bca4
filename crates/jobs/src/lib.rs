//! Background work. Every job is idempotent and safe to run on several `serve` instances at
//! once, because all its state is in the database: housekeeping of expired sessions and old
//! sign-in failures, and the link reminders, escalations and expiries due from the job queue
//! (each claimed by one instance and done in the same transaction as what it does).

use kinlink_domain::account::{SessionLimits, Throttle};
use kinlink_mail::{Mail, Mailer};
use kinlink_store::{Store, StoreError};
use std::time::Duration;

/// How long a claimed e-mail is kept from other instances while this one sends it.
const MAIL_CLAIM_SECONDS: i64 = 300;
/// Waits before each retry of an e-mail that failed for a reason that may pass (server down,
/// busy, a login refused until the password is fixed); after the last, it is given up on.
const MAIL_RETRY_SECONDS: [i64; 6] = [60, 300, 1_800, 7_200, 21_600, 86_400];

/// What one round of sending did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MailRound {
    pub sent: usize,
    pub retrying: usize,
    pub given_up: usize,
}

/// Sends the e-mails due in the outbox, a batch at a time, until none is due. Each is claimed
/// first, so two instances never send the same one at once; a failure that may pass is tried
/// again later, a permanent one (an address the server refuses for good) is given up on, and
/// both are recorded with the error.
pub async fn send_mail(store: &Store, mailer: &Mailer) -> Result<MailRound, StoreError> {
    let mut round = MailRound::default();
    loop {
        let batch = store.claim_mail(20, MAIL_CLAIM_SECONDS).await?;
        if batch.is_empty() {
            return Ok(round);
        }
        for mail in batch {
            let mut message = Mail::new(&mail.to_address, &mail.subject, &mail.body)
                .with_key(format!("outbox-{}", mail.id));
            if let (Some(filename), Some(content_type), Some(body)) =
                (mail.attachment_name, mail.attachment_type, mail.attachment)
            {
                message = message.with_attachment(kinlink_mail::Attachment {
                    filename,
                    content_type,
                    body: body.into_bytes(),
                });
            }
            match mailer.send(&message).await {
                Ok(()) => {
                    store.mail_sent(mail.id).await?;
                    round.sent += 1;
                }
                Err(e) => {
                    // `attempts` counts the tries before this one.
                    let wait = usize::try_from(mail.attempts)
                        .ok()
                        .and_then(|n| MAIL_RETRY_SECONDS.get(n));
                    let retry_at = match wait {
                        Some(wait) if !e.is_permanent() => Some(store.now() + wait),
                        _ => None,
                    };
                    tracing::warn!(mail = mail.id, error = %e, retry = retry_at.is_some(), "an e-mail was not sent");
                    store.mail_failed(mail.id, &e.to_string(), retry_at).await?;
                    if retry_at.is_some() {
                        round.retrying += 1;
                    } else {
                        round.given_up += 1;
                    }
                }
            }
        }
    }
}

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
    mailer: Mailer,
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
        match store.escalate_records_tasks().await {
            Ok(0) => {}
            Ok(escalated) => tracing::info!(escalated, "overdue records tasks escalated"),
            Err(e) => tracing::warn!(error = %e, "records task escalation failed; will try again"),
        }
        match send_mail(&store, &mailer).await {
            Ok(round) if round == MailRound::default() => {}
            Ok(round) => tracing::info!(
                sent = round.sent,
                retrying = round.retrying,
                given_up = round.given_up,
                "e-mail sent"
            ),
            Err(e) => tracing::warn!(error = %e, "sending e-mail failed; will try again"),
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
