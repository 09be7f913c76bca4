//! The store's one error type.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    BadUrl(String),
    /// The database cannot be reached (or no connection came free in time).
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; the code names which (e.g. `email_taken`).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error(
        "the database schema is newer than this version of Kinlink (it has migrations {unknown:?} this binary does not know); upgrade Kinlink before using this database"
    )]
    SchemaNewer { unknown: Vec<i64> },
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A permit for another action was passed: a programming error, refused rather than trusted.
    #[error("the permit given does not allow this operation")]
    WrongPermit,
    /// What was given breaks a rule about its content: each problem names its field.
    #[error("{}", .0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<kinlink_domain::child::Problem>),
    /// A rule of a profile's life cycle.
    #[error("{0}")]
    Rule(#[from] kinlink_domain::profile::ProfileRuleBroken),
    /// The policy refused: the rule that was broken.
    #[error("{0}")]
    Forbidden(kinlink_domain::policy::Denied),
    /// A link could not be asked for or changed.
    #[error("{0}")]
    Link(#[from] crate::links::LinkRefusal),
    /// A rule about an Exchange or Activity Day.
    #[error("{0}")]
    Event(#[from] kinlink_domain::event::EventRuleBroken),
    /// A rule of the records-access procedure.
    #[error("{0}")]
    Records(#[from] kinlink_domain::records_request::RecordsRuleBroken),
    /// Only a draft can be changed; this profile is not one.
    #[error("only a draft can be changed; this profile is {0}")]
    NotEditable(&'static str),
    /// A stored value this version does not understand.
    #[error("unexpected value in the database ({0})")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e),
            other => StoreError::Database(other),
        }
    }
}

impl StoreError {
    /// Turns a unique-constraint violation into [`StoreError::Conflict`] with `code`.
    pub(crate) fn conflict_as(self, code: &'static str) -> Self {
        match &self {
            StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                StoreError::Conflict(code)
            }
            _ => self,
        }
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// A stored value this version does not understand, named with what it was meant to be.
pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value}"))
}
