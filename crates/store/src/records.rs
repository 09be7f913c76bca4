//! The records the store hands out and takes in.

use kinlink_domain::audit::{AuditEntry, AuditEvent};
use kinlink_domain::secret::Secret;
use kinlink_domain::{AgencyKind, Role, Timestamp};

macro_rules! user_columns {
    () => {
        "id, email, name, role, agency_id, household_id, password_hash, password_must_change, totp_secret, totp_last_step, disabled_at, created_at"
    };
}

macro_rules! audit_select {
    () => {
        "SELECT seq, at, actor_user_id, actor_role, actor_agency_id, action, record_type, record_id, agency_id, ip, detail, prev_hash, hash FROM audit_entries"
    };
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Agency {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: AgencyKind,
    pub region: String,
    pub mfa_required: bool,
    #[sqlx(try_from = "String")]
    pub link_follow_up: LinkFollowUp,
    /// The named person who follows links up, when `link_follow_up` is `NamedPerson`.
    pub link_follow_up_user_id: Option<i64>,
    /// The fewest words an approved household's profile text may have (0: no minimum).
    pub household_text_min_words: i64,
    /// Adopters book their own places at Exchange and Activity Days (otherwise their worker does).
    pub adopters_book_events: bool,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgency {
    pub name: String,
    pub kind: AgencyKind,
    pub region: String,
    pub mfa_required: bool,
}

/// Who follows up possible links for an agency's children (register-linking, point 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkFollowUp {
    ChildsSocialWorker,
    FamilyFindingTeam,
    NamedPerson,
}

impl LinkFollowUp {
    pub const ALL: [LinkFollowUp; 3] = [
        LinkFollowUp::ChildsSocialWorker,
        LinkFollowUp::FamilyFindingTeam,
        LinkFollowUp::NamedPerson,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkFollowUp::ChildsSocialWorker => "childs_social_worker",
            LinkFollowUp::FamilyFindingTeam => "family_finding_team",
            LinkFollowUp::NamedPerson => "named_person",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            LinkFollowUp::ChildsSocialWorker => "The child's social worker",
            LinkFollowUp::FamilyFindingTeam => "The family-finding team",
            LinkFollowUp::NamedPerson => "A named person",
        }
    }
}

impl TryFrom<String> for LinkFollowUp {
    type Error = UnknownValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        LinkFollowUp::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or(UnknownValue(s))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value in the database: {0}")]
pub struct UnknownValue(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgencySettings {
    pub mfa_required: bool,
    pub link_follow_up: LinkFollowUp,
    /// Who, when links are followed up by a named person.
    pub link_follow_up_user: Option<i64>,
    pub household_text_min_words: i64,
    /// Adopters book their own places at Exchange and Activity Days (otherwise their worker does).
    pub adopters_book_events: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Household {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub status: HouseholdStatusCode,
    /// The local authority area the family lives in ("" until their profile says).
    pub area: String,
}

/// A household's stored status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdStatusCode(pub kinlink_domain::profile::HouseholdStatus);

impl TryFrom<String> for HouseholdStatusCode {
    type Error = UnknownValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        kinlink_domain::profile::HouseholdStatus::parse(&s)
            .map(HouseholdStatusCode)
            .ok_or(UnknownValue(s))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub agency_id: i64,
    pub household_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub password_hash: Secret,
    /// Set when someone else chose the password: the person replaces it at first sign-in.
    pub password_must_change: bool,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub disabled_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl User {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
    pub fn has_second_factor(&self) -> bool {
        self.totp_secret.is_some()
    }
    pub fn actor(&self) -> kinlink_domain::policy::Actor {
        kinlink_domain::policy::Actor {
            user_id: self.id,
            role: self.role,
            agency_id: self.agency_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub agency_id: i64,
    pub household_id: Option<i64>,
    pub password_hash: Secret,
    /// True when the password was generated for the person rather than chosen by them.
    pub password_must_change: bool,
}

#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub second_factor_done: bool,
    pub pending_totp_secret: Option<String>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A session read together with its user.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    #[sqlx(flatten)]
    user: User,
    token_hash: String,
    csrf_token: String,
    second_factor_done: bool,
    pending_totp_secret: Option<String>,
    session_created_at: Timestamp,
    last_seen_at: Timestamp,
}

impl SessionRow {
    pub(crate) fn split(self) -> (Session, User) {
        let session = Session {
            token_hash: self.token_hash,
            user_id: self.user.id,
            csrf_token: self.csrf_token,
            second_factor_done: self.second_factor_done,
            pending_totp_secret: self.pending_totp_secret,
            created_at: self.session_created_at,
            last_seen_at: self.last_seen_at,
        };
        (session, self.user)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 of the cookie's token: the token itself is never stored.
    pub token_hash: String,
    pub csrf_token: String,
    pub second_factor_done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    /// The first characters of the token, so people can tell tokens apart.
    pub prefix: String,
    pub created_by: i64,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub name: String,
    pub token_hash: String,
    pub prefix: String,
    pub created_by: i64,
}

/// Register-wide settings. Link limits and deadlines are read by the link work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterSettings {
    pub max_open_links_per_household: i64,
    pub max_exploring_links_per_child: i64,
    pub link_response_working_days: i64,
    /// After the response deadline, working days more before an unanswered link expires.
    pub link_expiry_working_days: i64,
    /// Profiles not reviewed for this many days are due for review (default 60).
    pub profile_review_days: i64,
    /// How long a grant to a locked adoption record lasts unless renewed (default 90 days).
    pub records_grant_days: i64,
    /// How long adoption records are kept from the adoption date (at least 100 years).
    pub records_retention_years: i64,
    /// Working days after a records task's due date before it escalates to the manager.
    pub records_escalation_working_days: i64,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub seq: i64,
    at: i64,
    actor_user_id: Option<i64>,
    actor_role: Option<String>,
    actor_agency_id: Option<i64>,
    action: String,
    record_type: String,
    record_id: Option<String>,
    agency_id: Option<i64>,
    ip: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl AuditRow {
    pub(crate) fn into_entry(self) -> AuditEntry {
        AuditEntry {
            seq: self.seq,
            at: self.at,
            event: AuditEvent {
                actor_user_id: self.actor_user_id,
                actor_role: self.actor_role,
                actor_agency_id: self.actor_agency_id,
                action: self.action,
                record_type: self.record_type,
                record_id: self.record_id,
                agency_id: self.agency_id,
                ip: self.ip,
                detail: self.detail,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}
