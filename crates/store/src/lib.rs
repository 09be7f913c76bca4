//! Kinlink's persistence: one [`Store`] over SQLite (embedded, the default) or PostgreSQL
//! (production, several app instances), chosen once at start-up from the database URL.
//!
//! Every change is written together with its audit entry in one transaction; the audit entry is
//! always the last statement, so the chain head (one locked row) is held only until commit.
//! This crate knows nothing of HTTP. SQL is written once where both backends accept it
//! (`$1` placeholders, `RETURNING`); where they differ the branch says why.

#[macro_use]
mod records;
mod error;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::StoreError;
pub use records::*;

use kinlink_domain::audit::{
    AuditEntry, AuditEvent, AuditKey, ChainBreak, ChainHead, ChainWalk, entry_hash,
};
use kinlink_domain::policy::{Action, Actor, AuditScope, Permit};
use kinlink_domain::{Clock, Role, Timestamp};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool the store has; the body is the same code
/// for both backends.
macro_rules! with_pool {
    ($self:ident, $pool:ident => $body:expr) => {
        match &$self.backend {
            Backend::Sqlite($pool) => $body,
            Backend::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` in a write transaction bound to `$tx`, committing when it finishes without an
/// error. SQLite takes the write lock at `BEGIN IMMEDIATE`: a deferred transaction that read
/// first could fail to upgrade under WAL instead of waiting its turn.
macro_rules! write_tx {
    ($self:ident, $tx:ident => $body:block) => {
        match &$self.backend {
            Backend::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            Backend::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// Appends an audit entry inside the open transaction `$tx`. The `UPDATE … RETURNING` on the
/// chain head is what serialises concurrent writers: a row lock on PostgreSQL (across any
/// number of app instances), the database write lock on SQLite.
macro_rules! audit {
    ($self:ident, $tx:ident, $event:expr) => {{
        let event: AuditEvent = $event;
        let (seq, prev): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *$tx)
                .await?;
        let at = $self.clock.now();
        let hash = entry_hash(&$self.audit_key, seq, at, &prev, &event);
        sqlx::query(
            "INSERT INTO audit_entries (seq, at, actor_user_id, actor_role, actor_agency_id, action, \
             record_type, record_id, agency_id, ip, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(seq)
        .bind(at)
        .bind(event.actor_user_id)
        .bind(&event.actor_role)
        .bind(event.actor_agency_id)
        .bind(&event.action)
        .bind(&event.record_type)
        .bind(&event.record_id)
        .bind(event.agency_id)
        .bind(&event.ip)
        .bind(&event.detail)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(&mut *$tx)
            .await?;
        seq
    }};
}

mod adoption_records;
#[macro_use]
mod events;
mod households;
mod links;
mod matching;
mod profiles;
mod search;
pub use adoption_records::*;
pub use events::*;
pub use households::*;
pub use links::*;
pub use matching::*;
pub use profiles::*;
pub use search::*;

/// Who is acting and from where: what every audit entry records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub actor: Option<Actor>,
    /// The client's address, or `cli` for the command line.
    pub origin: String,
}

impl Who {
    pub fn person(actor: Actor, origin: impl Into<String>) -> Self {
        Self {
            actor: Some(actor),
            origin: origin.into(),
        }
    }
    /// Someone not (yet) signed in, e.g. a failed sign-in.
    pub fn anonymous(origin: impl Into<String>) -> Self {
        Self {
            actor: None,
            origin: origin.into(),
        }
    }
    /// Kinlink itself, e.g. a timed job expiring a link nobody answered.
    pub fn system() -> Self {
        Self {
            actor: None,
            origin: "job".into(),
        }
    }
    pub fn operator() -> Self {
        Self {
            actor: None,
            origin: "cli".into(),
        }
    }

    fn event(
        &self,
        action: &str,
        record_type: &str,
        record_id: impl RecordRef,
        agency_id: Option<i64>,
        detail: serde_json::Value,
    ) -> AuditEvent {
        AuditEvent {
            actor_user_id: self.actor.map(|a| a.user_id),
            actor_role: self.actor.map(|a| a.role.as_str().to_owned()),
            actor_agency_id: self.actor.map(|a| a.agency_id),
            action: action.to_owned(),
            record_type: record_type.to_owned(),
            record_id: record_id.record_ref(),
            agency_id,
            ip: Some(self.origin.clone()),
            detail: detail.to_string(),
        }
    }
}

/// What an audit entry names as its record: an id, or nothing (a failed sign-in for an
/// address that is nobody's, a housekeeping sweep).
pub trait RecordRef {
    fn record_ref(self) -> Option<String>;
}

impl RecordRef for i64 {
    fn record_ref(self) -> Option<String> {
        Some(self.to_string())
    }
}

impl RecordRef for Option<i64> {
    fn record_ref(self) -> Option<String> {
        self.map(|id| id.to_string())
    }
}

impl RecordRef for &str {
    fn record_ref(self) -> Option<String> {
        Some(self.to_owned())
    }
}

impl RecordRef for String {
    fn record_ref(self) -> Option<String> {
        Some(self)
    }
}

/// Pool and timing settings.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    /// How long a request waits for a connection before the database counts as unavailable.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Clone)]
pub struct Store {
    backend: Backend,
    clock: Arc<dyn Clock>,
    audit_key: AuditKey,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend_name())
            .finish_non_exhaustive()
    }
}

/// Where a schema stands relative to this binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    pub applied: Vec<i64>,
    pub known: Vec<i64>,
}

impl SchemaStatus {
    pub fn pending(&self) -> Vec<i64> {
        self.known
            .iter()
            .filter(|v| !self.applied.contains(v))
            .copied()
            .collect()
    }
    /// Versions applied to the database that this binary does not know: it is older than the
    /// schema, and must not touch it.
    pub fn unknown(&self) -> Vec<i64> {
        self.applied
            .iter()
            .filter(|v| !self.known.contains(v))
            .copied()
            .collect()
    }
}

impl Store {
    /// Connects without migrating. Accepts `sqlite://PATH` (created if missing) and
    /// `postgres://…` / `postgresql://…`; anything else is refused.
    pub async fn connect(
        url: &str,
        options: &StoreOptions,
        clock: Arc<dyn Clock>,
        audit_key: AuditKey,
    ) -> Result<Self, StoreError> {
        let backend = match DatabaseKind::of(url)? {
            DatabaseKind::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::BadUrl(format!("not a usable SQLite URL: {e}")))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(opts)
                    .await?;
                Backend::Sqlite(pool)
            }
            DatabaseKind::Postgres => {
                let opts = PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::BadUrl(format!("not a usable PostgreSQL URL: {e}")))?;
                // Lazy: the service starts (and /readyz answers 503) while the database is away,
                // and recovers by itself when it returns.
                let pool = PgPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_lazy_with(opts);
                Backend::Postgres(pool)
            }
        };
        Ok(Self {
            backend,
            clock,
            audit_key,
        })
    }

    /// The clause that locks a row read in a write transaction until commit. SQLite needs none:
    /// its write transaction already holds the database's only write lock.
    fn row_lock(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "",
            Backend::Postgres(_) => " FOR UPDATE",
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The same database seen through another clock: for replaying a history that happened
    /// earlier (the demo's past event), through the same calls people make.
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> Store {
        Store {
            clock,
            ..self.clone()
        }
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Connections open and idle, for `/metrics`.
    pub fn pool_state(&self) -> (u32, usize) {
        with_pool!(self, pool => (pool.size(), pool.num_idle()))
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite(_) => &SQLITE_MIGRATIONS,
            Backend::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    pub async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        let known: Vec<i64> = self.migrator().iter().map(|m| m.version).collect();
        let exists: bool = with_pool!(self, pool => {
            let q = match self.backend {
                Backend::Sqlite(_) => "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
                Backend::Postgres(_) => "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations')",
            };
            sqlx::query_scalar(q).fetch_one(pool).await?
        });
        let applied: Vec<i64> = if exists {
            with_pool!(self, pool => sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version").fetch_all(pool).await?)
        } else {
            Vec::new()
        };
        Ok(SchemaStatus { applied, known })
    }

    /// Applies the embedded migrations; refuses a schema newer than this binary.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let before = self.schema_status().await?;
        let unknown = before.unknown();
        if !unknown.is_empty() {
            return Err(StoreError::SchemaNewer { unknown });
        }
        with_pool!(self, pool => self.migrator().run(pool).await?);
        Ok(before.pending())
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Records a view of sensitive data (or any event that changes nothing else).
    pub async fn record(
        &self,
        who: &Who,
        action: &str,
        record_type: &str,
        record_id: impl RecordRef,
        agency_id: Option<i64>,
        detail: serde_json::Value,
    ) -> Result<(), StoreError> {
        let event = who.event(action, record_type, record_id, agency_id, detail);
        write_tx!(self, tx => { audit!(self, tx, event); });
        Ok(())
    }

    /// Records that the policy refused `who` an action, naming the rule: the one audit entry
    /// for a refusal, whether it came through a page or the API.
    pub async fn record_refusal(
        &self,
        who: &Who,
        agency_id: i64,
        action: Action,
        denied: kinlink_domain::policy::Denied,
    ) -> Result<(), StoreError> {
        self.record(
            who,
            "access.denied",
            "action",
            format!("{action:?}"),
            Some(agency_id),
            serde_json::json!({"rule": denied.code()}),
        )
        .await
    }

    // ---- agencies ----------------------------------------------------------------------

    pub async fn create_agency(
        &self,
        permit: &Permit,
        who: &Who,
        new: &NewAgency,
    ) -> Result<Agency, StoreError> {
        require(matches!(permit.action(), Action::ManageAgencies))?;
        let now = self.now();
        write_tx!(self, tx => {
            let agency: Agency = sqlx::query_as(
                "INSERT INTO agencies (name, kind, region, mfa_required, created_at) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id, name, kind, region, mfa_required, link_follow_up, link_follow_up_user_id, household_text_min_words, adopters_book_events, created_at",
            )
            .bind(&new.name)
            .bind(new.kind.as_str())
            .bind(&new.region)
            .bind(new.mfa_required)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::from(e).conflict_as("agency_name_taken"))?;
            audit!(self, tx, who.event("agency.created", "agency", agency.id, Some(agency.id),
                serde_json::json!({"name": new.name, "kind": new.kind.as_str(), "region": new.region})));
            Ok(agency)
        })
    }

    pub async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, name, kind, region, mfa_required, link_follow_up, link_follow_up_user_id, household_text_min_words, adopters_book_events, created_at FROM agencies ORDER BY name")
            .fetch_all(pool).await?))
    }

    pub async fn agency(&self, id: i64) -> Result<Agency, StoreError> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, name, kind, region, mfa_required, link_follow_up, link_follow_up_user_id, household_text_min_words, adopters_book_events, created_at FROM agencies WHERE id = $1")
            .bind(id).fetch_optional(pool).await?)
            .ok_or(StoreError::NotFound)
    }

    pub async fn update_agency_settings(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
        settings: &AgencySettings,
    ) -> Result<(), StoreError> {
        require(permit.action() == Action::ManageAgencySettings { agency: id })?;
        // Only with "a named person": someone of the agency who may follow links up.
        let named = match settings.link_follow_up {
            LinkFollowUp::NamedPerson => settings.link_follow_up_user,
            _ => None,
        };
        if settings.link_follow_up == LinkFollowUp::NamedPerson {
            let people = self.link_follow_up_people(id).await?;
            if !named.is_some_and(|n| people.iter().any(|(p, _)| *p == n)) {
                return Err(StoreError::Invalid(vec![
                    kinlink_domain::child::Problem::new(
                        "link_follow_up_user",
                        "Choose the person who follows up links: a social worker, family finder or team manager of the agency",
                    ),
                ]));
            }
        }
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE agencies SET mfa_required = $1, link_follow_up = $2, household_text_min_words = $3, link_follow_up_user_id = $5, adopters_book_events = $6 WHERE id = $4")
                .bind(settings.mfa_required)
                .bind(settings.link_follow_up.as_str())
                .bind(settings.household_text_min_words)
                .bind(id)
                .bind(named)
                .bind(settings.adopters_book_events)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(self, tx, who.event("agency.settings_changed", "agency", id, Some(id),
                serde_json::json!({"mfa_required": settings.mfa_required, "link_follow_up": settings.link_follow_up.as_str(), "link_follow_up_user": named,
                    "household_text_min_words": settings.household_text_min_words, "adopters_book_events": settings.adopters_book_events})));
        });
        Ok(())
    }

    // ---- households (the minimum an adopter's account needs; profiles come later) -------

    pub async fn create_household(
        &self,
        who: &Who,
        agency_id: i64,
        name: &str,
    ) -> Result<i64, StoreError> {
        let now = self.now();
        write_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar("INSERT INTO households (agency_id, name, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(agency_id).bind(name).bind(now)
                .fetch_one(&mut *tx).await?;
            audit!(self, tx, who.event("household.created", "household", id, Some(agency_id), serde_json::json!({})));
            Ok(id)
        })
    }

    pub async fn household(&self, id: i64) -> Result<Household, StoreError> {
        with_pool!(self, pool => sqlx::query_as("SELECT id, agency_id, name, status, area FROM households WHERE id = $1")
            .bind(id).fetch_optional(pool).await?).ok_or(StoreError::NotFound)
    }

    pub async fn households(&self, agency_id: i64) -> Result<Vec<Household>, StoreError> {
        Ok(
            with_pool!(self, pool => sqlx::query_as("SELECT id, agency_id, name, status, area FROM households WHERE agency_id = $1 ORDER BY name")
            .bind(agency_id).fetch_all(pool).await?),
        )
    }

    // ---- users -------------------------------------------------------------------------

    pub async fn create_user(
        &self,
        permit: &Permit,
        who: &Who,
        new: &NewUser,
    ) -> Result<User, StoreError> {
        require(
            matches!(permit.action(), Action::CreateUser { agency, role, .. } if agency == new.agency_id && role == new.role),
        )?;
        let now = self.now();
        write_tx!(self, tx => {
            let user: User = sqlx::query_as(concat!("INSERT INTO users (email, name, role, agency_id, household_id, password_hash, password_must_change, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ", user_columns!()))
                .bind(&new.email)
                .bind(&new.name)
                .bind(new.role.as_str())
                .bind(new.agency_id)
                .bind(new.household_id)
                .bind(new.password_hash.expose())
                .bind(new.password_must_change)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::from(e).conflict_as("email_taken"))?;
            audit!(self, tx, who.event("user.created", "user", user.id, Some(user.agency_id),
                serde_json::json!({"email": user.email, "role": user.role.as_str()})));
            Ok(user)
        })
    }

    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        with_pool!(self, pool => sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1")).bind(id).fetch_optional(pool).await?).ok_or(StoreError::NotFound)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        Ok(
            with_pool!(self, pool => sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE email = $1")).bind(email).fetch_optional(pool).await?),
        )
    }

    pub async fn users_of_agency(&self, permit: &Permit) -> Result<Vec<User>, StoreError> {
        let Action::ListUsers { agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        Ok(
            with_pool!(self, pool => sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE agency_id = $1 ORDER BY name")).bind(agency).fetch_all(pool).await?),
        )
    }

    /// Disables (or re-enables) an account; disabling ends every session it has.
    pub async fn set_user_disabled(
        &self,
        permit: &Permit,
        who: &Who,
        user: &User,
        disabled: bool,
    ) -> Result<(), StoreError> {
        require(
            matches!(permit.action(), Action::DisableUser { target } if target.user_id == user.id),
        )?;
        let now = self.now();
        write_tx!(self, tx => {
            sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                .bind(disabled.then_some(now)).bind(user.id).execute(&mut *tx).await?;
            let ended = if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.id).execute(&mut *tx).await?.rows_affected()
            } else { 0 };
            let action = if disabled { "user.disabled" } else { "user.enabled" };
            audit!(self, tx, who.event(action, "user", user.id, Some(user.agency_id), serde_json::json!({"sessions_ended": ended})));
        });
        Ok(())
    }

    pub async fn set_user_role(
        &self,
        permit: &Permit,
        who: &Who,
        user: &User,
        role: Role,
    ) -> Result<(), StoreError> {
        require(
            matches!(permit.action(), Action::ChangeRole { target, to } if target.user_id == user.id && to == role),
        )?;
        write_tx!(self, tx => {
            sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role.as_str()).bind(user.id).execute(&mut *tx).await?;
            audit!(self, tx, who.event("user.role_changed", "user", user.id, Some(user.agency_id),
                serde_json::json!({"from": user.role.as_str(), "to": role.as_str()})));
        });
        Ok(())
    }

    /// Removes a second factor so the person enrols again; their sessions end.
    pub async fn reset_second_factor(
        &self,
        permit: &Permit,
        who: &Who,
        user: &User,
    ) -> Result<(), StoreError> {
        require(
            matches!(permit.action(), Action::ResetSecondFactor { target } if target.user_id == user.id),
        )?;
        write_tx!(self, tx => {
            sqlx::query("UPDATE users SET totp_secret = NULL, totp_last_step = NULL WHERE id = $1").bind(user.id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.id).execute(&mut *tx).await?;
            audit!(self, tx, who.event("user.second_factor_reset", "user", user.id, Some(user.agency_id), serde_json::json!({})));
        });
        Ok(())
    }

    /// Gives someone a new password chosen for them (they forgot theirs): they must replace it
    /// at their next sign-in, and every session they have ends now.
    pub async fn reset_password(
        &self,
        permit: &Permit,
        who: &Who,
        user: &User,
        password_hash: &kinlink_domain::secret::Secret,
    ) -> Result<(), StoreError> {
        require(
            matches!(permit.action(), Action::ResetPassword { target } if target.user_id == user.id),
        )?;
        write_tx!(self, tx => {
            sqlx::query("UPDATE users SET password_hash = $1, password_must_change = $3 WHERE id = $2")
                .bind(password_hash.expose()).bind(user.id).bind(true).execute(&mut *tx).await?;
            let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.id).execute(&mut *tx).await?.rows_affected();
            audit!(self, tx, who.event("user.password_reset", "user", user.id, Some(user.agency_id), serde_json::json!({"sessions_ended": ended})));
        });
        Ok(())
    }

    /// Changes a password and ends every other session of that person.
    pub async fn set_password(
        &self,
        who: &Who,
        user: &User,
        password_hash: &kinlink_domain::secret::Secret,
        keep_session: Option<&str>,
    ) -> Result<(), StoreError> {
        write_tx!(self, tx => {
            // The person chose this password themselves, so nothing is left to change.
            sqlx::query("UPDATE users SET password_hash = $1, password_must_change = $3 WHERE id = $2").bind(password_hash.expose()).bind(user.id).bind(false).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user.id).bind(keep_session.unwrap_or("")).execute(&mut *tx).await?;
            audit!(self, tx, who.event("user.password_changed", "user", user.id, Some(user.agency_id), serde_json::json!({})));
        });
        Ok(())
    }

    /// Turns on a second factor whose first code was just checked (at `step`).
    pub async fn enable_second_factor(
        &self,
        who: &Who,
        user: &User,
        secret_base32: &str,
        step: i64,
        session_token_hash: &str,
    ) -> Result<(), StoreError> {
        write_tx!(self, tx => {
            sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
                .bind(secret_base32).bind(step).bind(user.id).execute(&mut *tx).await?;
            sqlx::query("UPDATE sessions SET second_factor_done = $1, pending_totp_secret = NULL WHERE token_hash = $2")
                .bind(true).bind(session_token_hash).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user.id).bind(session_token_hash).execute(&mut *tx).await?;
            audit!(self, tx, who.event("user.second_factor_enabled", "user", user.id, Some(user.agency_id), serde_json::json!({})));
        });
        Ok(())
    }

    // ---- sessions ----------------------------------------------------------------------

    pub async fn create_session(
        &self,
        who: &Who,
        user: &User,
        new: &NewSession,
    ) -> Result<(), StoreError> {
        let now = self.now();
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, second_factor_done, created_at, last_seen_at, ip) \
                         VALUES ($1, $2, $3, $4, $5, $5, $6)")
                .bind(&new.token_hash).bind(user.id).bind(&new.csrf_token).bind(new.second_factor_done).bind(now).bind(&who.origin)
                .execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sign_in_failures WHERE email = $1").bind(&user.email).execute(&mut *tx).await?;
            audit!(self, tx, who.event("session.signed_in", "user", user.id, Some(user.agency_id),
                serde_json::json!({"second_factor_done": new.second_factor_done})));
        });
        Ok(())
    }

    /// The session behind a cookie, with its user.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(Session, User)>, StoreError> {
        // One query on every request: the session and its person together.
        let row: Option<SessionRow> = with_pool!(self, pool => sqlx::query_as(
            "SELECT u.*, s.token_hash, s.csrf_token, s.second_factor_done, s.pending_totp_secret, \
                    s.created_at AS session_created_at, s.last_seen_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1")
            .bind(token_hash).fetch_optional(pool).await?);
        Ok(row.map(SessionRow::split))
    }

    /// Notes activity, for the idle timeout. Written at most once a minute per session.
    pub async fn touch_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let now = self.now();
        with_pool!(self, pool => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $3")
            .bind(now).bind(token_hash).bind(now - 60).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Ends a session: on sign-out (audited) or because it timed out.
    pub async fn end_session(
        &self,
        who: &Who,
        user: &User,
        token_hash: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        write_tx!(self, tx => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
            audit!(self, tx, who.event("session.ended", "user", user.id, Some(user.agency_id), serde_json::json!({"reason": reason})));
        });
        Ok(())
    }

    /// Completes sign-in with a code from the authenticator. `step` is recorded so that the same
    /// code cannot be used again, by this instance or any other: the update only succeeds if no
    /// later code was used first.
    pub async fn complete_second_factor(
        &self,
        who: &Who,
        user: &User,
        token_hash: &str,
        step: i64,
    ) -> Result<bool, StoreError> {
        write_tx!(self, tx => {
            let used = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)")
                .bind(step).bind(user.id).execute(&mut *tx).await?.rows_affected();
            if used == 0 {
                return Ok(false);
            }
            sqlx::query("UPDATE sessions SET second_factor_done = $1 WHERE token_hash = $2").bind(true).bind(token_hash).execute(&mut *tx).await?;
            audit!(self, tx, who.event("session.second_factor_passed", "user", user.id, Some(user.agency_id), serde_json::json!({})));
            Ok(true)
        })
    }

    pub async fn set_pending_totp_secret(
        &self,
        token_hash: &str,
        secret_base32: Option<&str>,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("UPDATE sessions SET pending_totp_secret = $1 WHERE token_hash = $2")
            .bind(secret_base32).bind(token_hash).execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Removes sessions past their idle or absolute limit and sign-in failures older than
    /// `failures_before`. Safe to run on several instances at once. Returns the sessions removed.
    pub async fn purge_expired(
        &self,
        idle_before: Timestamp,
        created_before: Timestamp,
        failures_before: Timestamp,
    ) -> Result<u64, StoreError> {
        let who = Who {
            actor: None,
            origin: "housekeeping".into(),
        };
        write_tx!(self, tx => {
            let sessions = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(idle_before).bind(created_before).execute(&mut *tx).await?.rows_affected();
            sqlx::query("DELETE FROM sign_in_failures WHERE at < $1").bind(failures_before).execute(&mut *tx).await?;
            if sessions > 0 {
                audit!(self, tx, who.event("sessions.expired", "session", None, None, serde_json::json!({"ended": sessions})));
            }
            Ok(sessions)
        })
    }

    // ---- sign-in throttling ------------------------------------------------------------

    pub async fn record_sign_in_failure(
        &self,
        who: &Who,
        email: &str,
        user: Option<&User>,
    ) -> Result<(), StoreError> {
        let now = self.now();
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO sign_in_failures (email, ip, at) VALUES ($1, $2, $3)")
                .bind(email).bind(&who.origin).bind(now).execute(&mut *tx).await?;
            // What was typed is kept in the log only when it is someone's address: people type
            // passwords into the email box, and administrators read this log.
            let detail = match user {
                Some(u) => serde_json::json!({"email": u.email}),
                None => serde_json::json!({"account": "none with that address"}),
            };
            // An address that is nobody's account names no record.
            audit!(self, tx, who.event("session.sign_in_failed", "user", user.map(|u| u.id), user.map(|u| u.agency_id), detail));
        });
        Ok(())
    }

    /// Failed sign-ins since `since`: (for this account, from this address).
    pub async fn sign_in_failures(
        &self,
        email: &str,
        origin: &str,
        since: Timestamp,
    ) -> Result<(i64, i64), StoreError> {
        Ok(with_pool!(self, pool => {
            let by_email: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures WHERE email = $1 AND at > $2")
                .bind(email).bind(since).fetch_one(pool).await?;
            let by_ip: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures WHERE ip = $1 AND at > $2")
                .bind(origin).bind(since).fetch_one(pool).await?;
            (by_email, by_ip)
        }))
    }

    // ---- API tokens --------------------------------------------------------------------

    pub async fn create_api_token(
        &self,
        permit: &Permit,
        who: &Who,
        new: &NewApiToken,
    ) -> Result<ApiToken, StoreError> {
        let Action::ManageApiTokens { agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        let now = self.now();
        write_tx!(self, tx => {
            let token: ApiToken = sqlx::query_as(
                "INSERT INTO api_tokens (agency_id, name, token_hash, prefix, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 RETURNING id, agency_id, name, prefix, created_by, created_at, last_used_at, revoked_at")
                .bind(agency).bind(&new.name).bind(&new.token_hash).bind(&new.prefix).bind(new.created_by).bind(now)
                .fetch_one(&mut *tx).await?;
            audit!(self, tx, who.event("api_token.created", "api_token", token.id, Some(agency), serde_json::json!({"name": new.name, "prefix": new.prefix})));
            Ok(token)
        })
    }

    pub async fn api_tokens(&self, permit: &Permit) -> Result<Vec<ApiToken>, StoreError> {
        let Action::ManageApiTokens { agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, agency_id, name, prefix, created_by, created_at, last_used_at, revoked_at FROM api_tokens WHERE agency_id = $1 ORDER BY id DESC")
            .bind(agency).fetch_all(pool).await?))
    }

    pub async fn revoke_api_token(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
    ) -> Result<(), StoreError> {
        let Action::ManageApiTokens { agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        let now = self.now();
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND agency_id = $3 AND revoked_at IS NULL")
                .bind(now).bind(id).bind(agency).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(self, tx, who.event("api_token.revoked", "api_token", id, Some(agency), serde_json::json!({})));
        });
        Ok(())
    }

    /// The live token with this hash, marking it used.
    pub async fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ApiToken>, StoreError> {
        let now = self.now();
        let token: Option<ApiToken> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, agency_id, name, prefix, created_by, created_at, last_used_at, revoked_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(token_hash).fetch_optional(pool).await?);
        // Noted at most once a minute, so busy integrations do not write on every call.
        if let Some(t) = token
            .as_ref()
            .filter(|t| t.last_used_at.is_none_or(|at| at < now - 60))
        {
            with_pool!(self, pool => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(t.id).execute(pool).await.map(drop)?);
        }
        Ok(token)
    }

    // ---- register settings -------------------------------------------------------------

    pub async fn register_settings(&self) -> Result<RegisterSettings, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT max_open_links_per_household, max_exploring_links_per_child, link_response_working_days, link_expiry_working_days, profile_review_days, records_grant_days, records_retention_years, records_escalation_working_days, updated_at FROM register_settings WHERE id = 1")
            .fetch_one(pool).await?))
    }

    pub async fn update_register_settings(
        &self,
        permit: &Permit,
        who: &Who,
        s: &RegisterSettings,
    ) -> Result<(), StoreError> {
        require(matches!(permit.action(), Action::ManageRegisterSettings))?;
        let now = self.now();
        write_tx!(self, tx => {
            sqlx::query("UPDATE register_settings SET max_open_links_per_household = $1, max_exploring_links_per_child = $2, link_response_working_days = $3, profile_review_days = $4, updated_at = $5, link_expiry_working_days = $6, \
                         records_grant_days = $7, records_retention_years = $8, records_escalation_working_days = $9 WHERE id = 1")
                .bind(s.max_open_links_per_household).bind(s.max_exploring_links_per_child).bind(s.link_response_working_days).bind(s.profile_review_days).bind(now).bind(s.link_expiry_working_days)
                .bind(s.records_grant_days).bind(s.records_retention_years).bind(s.records_escalation_working_days)
                .execute(&mut *tx).await?;
            audit!(self, tx, who.event("register.settings_changed", "register_settings", 1, None, serde_json::json!({
                "max_open_links_per_household": s.max_open_links_per_household,
                "max_exploring_links_per_child": s.max_exploring_links_per_child,
                "link_response_working_days": s.link_response_working_days,
                "link_expiry_working_days": s.link_expiry_working_days,
                "profile_review_days": s.profile_review_days,
                "records_grant_days": s.records_grant_days,
                "records_retention_years": s.records_retention_years,
                "records_escalation_working_days": s.records_escalation_working_days})));
        });
        Ok(())
    }

    // ---- audit -------------------------------------------------------------------------

    /// A page of the audit log, newest first, within what the permit allows.
    pub async fn audit_entries(
        &self,
        permit: &Permit,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let Action::ViewAuditLog { scope } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        let before = before_seq.unwrap_or(i64::MAX);
        let rows: Vec<AuditRow> = match scope {
            AuditScope::All => {
                with_pool!(self, pool => sqlx::query_as(concat!(audit_select!(), " WHERE seq < $1 ORDER BY seq DESC LIMIT $2"))
                .bind(before).bind(limit).fetch_all(pool).await?)
            }
            // An agency's trail: what happened to its records and what its people did.
            AuditScope::Agency(agency) => {
                with_pool!(self, pool => sqlx::query_as(concat!(audit_select!(),
                " WHERE seq < $1 AND (agency_id = $3 OR actor_agency_id = $3) ORDER BY seq DESC LIMIT $2"))
                .bind(before).bind(limit).bind(agency).fetch_all(pool).await?)
            }
        };
        Ok(rows.into_iter().map(AuditRow::into_entry).collect())
    }

    /// The permit holder's own recent sign-ins, newest first.
    pub async fn sign_in_history(
        &self,
        permit: &Permit,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let (Action::UseOwnAccount, Some(actor)) = (permit.action(), permit.actor()) else {
            return Err(StoreError::WrongPermit);
        };
        let rows: Vec<AuditRow> = with_pool!(self, pool => sqlx::query_as(concat!(audit_select!(),
            " WHERE record_type = 'user' AND record_id = $1 AND action = 'session.signed_in' ORDER BY seq DESC LIMIT $2"))
            .bind(actor.user_id.to_string()).bind(limit).fetch_all(pool).await?);
        Ok(rows.into_iter().map(AuditRow::into_entry).collect())
    }

    pub async fn audit_head(&self) -> Result<ChainHead, StoreError> {
        let (seq, hash): (i64, String) = with_pool!(self, pool => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?);
        Ok(ChainHead { seq, hash })
    }

    /// Walks the whole chain in pages; returns the number of entries, or the first break.
    pub async fn verify_audit_chain(&self) -> Result<Result<i64, ChainBreak>, StoreError> {
        self.verify_audit_chain_against(None).await
    }

    /// As [`Store::verify_audit_chain`], and also against a head recorded earlier outside the
    /// database, which catches entries removed from the end together with a rewound head.
    pub async fn verify_audit_chain_against(
        &self,
        anchor: Option<ChainHead>,
    ) -> Result<Result<i64, ChainBreak>, StoreError> {
        // Read the head first: entries appended while we walk come after it and are not judged.
        let head = self.audit_head().await?;
        let mut walk = match anchor {
            Some(anchor) => ChainWalk::with_anchor(&self.audit_key, anchor),
            None => ChainWalk::new(&self.audit_key),
        };
        let mut after = 0i64;
        loop {
            let rows: Vec<AuditRow> = with_pool!(self, pool => sqlx::query_as(concat!(audit_select!(), " WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT 1000"))
                .bind(after).bind(head.seq).fetch_all(pool).await?);
            let Some(last) = rows.last() else { break };
            after = last.seq;
            for row in rows {
                if let Err(broken) = walk.check(&row.into_entry()) {
                    return Ok(Err(broken));
                }
            }
        }
        // Entries past the head (forged at the end) show up here.
        let beyond: Option<i64> = with_pool!(self, pool => sqlx::query_scalar("SELECT MIN(seq) FROM audit_entries WHERE seq > $1")
            .bind(head.seq).fetch_one(pool).await?);
        let checked = walk.finish(&head);
        if let (Ok(_), Some(extra)) = (&checked, beyond) {
            // Only entries written after our read of the head are legitimate here; re-read it.
            let now_head = self.audit_head().await?;
            if extra > now_head.seq {
                return Ok(Err(ChainBreak::BeyondHead {
                    head: now_head.seq,
                    found: extra,
                }));
            }
        }
        Ok(checked)
    }
}

/// Refuses a permit that does not prove this very operation: a permit for another action,
/// agency or person is a programming error, and is refused rather than trusted.
fn require(proves: bool) -> Result<(), StoreError> {
    if proves {
        Ok(())
    } else {
        Err(StoreError::WrongPermit)
    }
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    pub fn of(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite://") || url.starts_with("sqlite:") {
            Ok(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseKind::Postgres)
        } else {
            Err(StoreError::BadUrl(
                "the database URL must start with sqlite:// (e.g. sqlite://data/kinlink.db) or postgres:// (e.g. postgres://user@host/kinlink)".into(),
            ))
        }
    }
}
