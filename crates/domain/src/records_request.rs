//! Requests for access to adoption records: an adopted adult (or a relative, through an
//! intermediary) asks to see the adoption case record an agency keeps. The case runs through
//! one state machine, [`RequestState::apply`], from intake to closure:
//!
//! ```text
//! received ─► awaiting approval ─► approved ─► worker allocated ─► access authorised
//!                   │                                                     │
//!                   └─► declined                          archive access granted
//!                                                                         │
//!   closed ◄─ supporting external access ◄─ referral recorded ◄─ counselling
//!                          ▲                  │        ▲
//!                          └─ intermediary completed ◄─ intermediary open
//! ```
//!
//! Any open case can be withdrawn by the applicant; a team manager can reopen a closed one.
//! Who may ask for each step is the policy's business ([`crate::policy::may_step`]); this module
//! decides whether the step can happen now, and which records it needs first. Pure: the caller
//! passes in what has been recorded and the moment ("now").

use crate::Timestamp;
use crate::profile::{Age, CivilDate};

crate::coded_enum! {
    /// Who is asking (Adoption and Children Act 2002 s60, and the pre-commencement regulations).
    pub enum ApplicantType {
        AdoptedAdult = "adopted_adult", "An adopted adult";
        BirthRelative = "birth_relative", "A birth relative, through an intermediary";
        Descendant = "descendant", "A descendant or other prescribed relative";
    }
}

crate::coded_enum! {
    pub enum ContactMethod {
        Email = "email", "E-mail";
        Phone = "phone", "Telephone";
        Letter = "letter", "Letter";
    }
}

crate::coded_enum! {
    /// How the applicant's identity was checked.
    pub enum IdentityMethod {
        PhotoId = "photo_id", "Passport or photo driving licence, seen";
        CertifiedCopies = "certified_copies", "Certified copies of documents";
        InPerson = "in_person", "Met in person with documents";
    }
}

crate::coded_enum! {
    /// How the request reached the agency.
    pub enum Arrival {
        Letter = "letter", "Letter";
        Email = "email", "E-mail";
        Phone = "phone", "Telephone";
        InPerson = "in_person", "In person";
        Referral = "referral", "Referred by another agency";
    }
}

/// Which rules apply, decided by the adoption date alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Regime {
    /// Adopted before 12 November 1975: Schedule 2 counselling must be attended before any
    /// birth-record information is given (ACA 2002 Sch 2 para 4).
    Before1975,
    /// Adopted before 30 December 2005: the pre-commencement intermediary rules apply
    /// (Adoption Information and Intermediary Services (Pre-Commencement Adoptions)
    /// Regulations 2005); adoption support agencies may act.
    PreCommencement,
    /// Adopted on or after 30 December 2005: the adoption agency is the only route (Disclosure
    /// of Adoption Information (Post-Commencement Adoptions) Regulations 2005).
    AgencyOnly,
}

impl Regime {
    pub fn for_adoption(adopted_on: CivilDate) -> Regime {
        let nov_1975 = CivilDate::new(1975, 11, 12);
        let dec_2005 = CivilDate::new(2005, 12, 30);
        if nov_1975.is_some_and(|d| adopted_on < d) {
            Regime::Before1975
        } else if dec_2005.is_some_and(|d| adopted_on < d) {
            Regime::PreCommencement
        } else {
            Regime::AgencyOnly
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Regime::Before1975 => "before_1975",
            Regime::PreCommencement => "pre_commencement",
            Regime::AgencyOnly => "agency_only",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Regime::Before1975 => "Adopted before 12 November 1975",
            Regime::PreCommencement => "Adopted before 30 December 2005",
            Regime::AgencyOnly => "Adopted on or after 30 December 2005",
        }
    }

    /// What the worker must keep in mind, in a sentence.
    pub fn rule(self) -> &'static str {
        match self {
            Regime::Before1975 => {
                "A Schedule 2 counselling interview must be attended before any birth-record \
                 information is given."
            }
            Regime::PreCommencement => {
                "The pre-commencement intermediary rules apply; an adoption support agency may \
                 act for the applicant."
            }
            Regime::AgencyOnly => {
                "The adoption agency is the only route: information is not given to an \
                 external adoption service."
            }
        }
    }
}

/// Applicants must be adults: a request from someone under 18 is refused, and the reason is
/// recorded (ACA 2002 s60(2): the right to birth-record information starts at 18).
pub fn check_applicant_age(born: CivilDate, today: CivilDate) -> Result<(), RecordsRuleBroken> {
    match Age::on(born, today) {
        Some(age) if age.years >= 18 => Ok(()),
        _ => Err(RecordsRuleBroken::UnderEighteen),
    }
}

crate::coded_enum! {
    /// Where a request stands.
    pub enum RequestState {
        Received = "received", "Received";
        AwaitingApproval = "awaiting_approval", "Awaiting manager approval";
        Approved = "approved", "Approved";
        Declined = "declined", "Declined";
        Allocated = "allocated", "Social worker allocated";
        AccessAuthorised = "access_authorised", "Locked-record access authorised";
        ArchiveAccessGranted = "archive_access_granted", "Archive access granted";
        Counselling = "counselling", "Counselling";
        ReferralRecorded = "referral_recorded", "Referral recorded";
        IntermediaryOpen = "intermediary_open", "Intermediary record open";
        IntermediaryCompleted = "intermediary_completed", "Intermediary record completed";
        SupportingExternalAccess = "supporting_external_access", "Supporting external access";
        Closed = "closed", "Closed";
        Withdrawn = "withdrawn", "Withdrawn";
    }
}

crate::coded_enum! {
    /// Everything that moves a request on.
    pub enum RequestEvent {
        SendForApproval = "send_for_approval", "Send to the team manager for approval";
        Approve = "approve", "Approve";
        Decline = "decline", "Decline";
        Allocate = "allocate", "Allocate a social worker";
        AuthoriseAccess = "authorise_access", "Authorise access to the locked record";
        GrantArchiveAccess = "grant_archive_access", "Give archive access";
        /// Arranging an appointment or recording a session.
        Counsel = "counsel", "Record counselling";
        RecordReferral = "record_referral", "Record a referral to an external adoption service";
        OpenIntermediary = "open_intermediary", "Open an intermediary record";
        CompleteIntermediary = "complete_intermediary", "Complete the intermediary record";
        SupportExternalAccess = "support_external_access", "Support the external service's access";
        Close = "close", "Close the case";
        Withdraw = "withdraw", "Record that the applicant withdrew";
        Reopen = "reopen", "Reopen the case";
    }
}

/// What has been recorded on the case that a step may depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaseRecords {
    pub regime: Option<Regime>,
    pub identity_verified: bool,
    /// Someone acts for the applicant, and proof of their authority is not recorded.
    pub authority_missing: bool,
    pub worker_allocated: bool,
    /// A counselling session was recorded as attended.
    pub interview_attended: bool,
    pub intermediary_required: bool,
    pub intermediary_completed: bool,
    /// A referral to an external adoption service was recorded.
    pub referral_recorded: bool,
    /// The external service's confidentiality agreement was received.
    pub agreement_received: bool,
}

impl RequestState {
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            RequestState::Declined | RequestState::Closed | RequestState::Withdrawn
        )
    }

    /// Closed, declined and withdrawn cases are read-only until a manager reopens them.
    pub fn is_read_only(self) -> bool {
        !self.is_open()
    }

    /// The locked record's access has been authorised and the case still runs: the stage in
    /// which counselling, referral and intermediary work happen.
    pub fn has_access(self) -> bool {
        use RequestState::*;
        matches!(
            self,
            ArchiveAccessGranted
                | Counselling
                | ReferralRecorded
                | IntermediaryOpen
                | IntermediaryCompleted
                | SupportingExternalAccess
        )
    }

    pub fn allocated_or_later(self) -> bool {
        self == RequestState::Allocated
            || self == RequestState::AccessAuthorised
            || self.has_access()
    }

    /// The one way a request changes state. Refusals name the rule and change nothing.
    pub fn apply(
        self,
        records: CaseRecords,
        event: RequestEvent,
    ) -> Result<RequestState, RecordsRuleBroken> {
        use RequestEvent as E;
        use RequestState::*;
        if self.is_read_only() && event != E::Reopen {
            return Err(RecordsRuleBroken::ReadOnly);
        }
        let before_1975 = records.regime == Some(Regime::Before1975);
        let agency_only = records.regime == Some(Regime::AgencyOnly);
        match (self, event) {
            (Received, E::SendForApproval) => {
                if !records.identity_verified {
                    Err(RecordsRuleBroken::IdentityNotVerified)
                } else if records.authority_missing {
                    Err(RecordsRuleBroken::AuthorityMissing)
                } else {
                    Ok(AwaitingApproval)
                }
            }
            (AwaitingApproval, E::Approve) => Ok(Approved),
            (AwaitingApproval, E::Decline) => Ok(Declined),
            // Another worker can take the case over until access is authorised; after that the
            // grants are the allocated worker's own, so a change of worker is a new request.
            (Approved | Allocated, E::Allocate) => Ok(Allocated),
            (Allocated, E::AuthoriseAccess) => Ok(AccessAuthorised),
            (AccessAuthorised, E::GrantArchiveAccess) => Ok(ArchiveAccessGranted),
            (Approved | Received | AwaitingApproval, E::GrantArchiveAccess) => {
                Err(RecordsRuleBroken::NotYetAuthorised)
            }
            (Allocated, E::GrantArchiveAccess) => Err(RecordsRuleBroken::NotYetAuthorised),
            // "Meanwhile, the social worker arranges Schedule 2 counselling appointments":
            // counselling can start as soon as the case is allocated.
            (ArchiveAccessGranted, E::Counsel) => Ok(Counselling),
            (s, E::Counsel) if s.allocated_or_later() => Ok(s),
            (ArchiveAccessGranted | Counselling, E::RecordReferral) if agency_only => {
                Err(RecordsRuleBroken::AgencyOnlyRoute)
            }
            (ArchiveAccessGranted | Counselling, E::RecordReferral) => Ok(ReferralRecorded),
            // Further referrals (another service, a second attempt) leave the stage as it is.
            (
                ReferralRecorded
                | IntermediaryOpen
                | IntermediaryCompleted
                | SupportingExternalAccess,
                E::RecordReferral,
            ) if !agency_only => Ok(self),
            (ArchiveAccessGranted | Counselling | ReferralRecorded, E::OpenIntermediary) => {
                Ok(IntermediaryOpen)
            }
            (IntermediaryOpen, E::CompleteIntermediary) => Ok(IntermediaryCompleted),
            (ReferralRecorded | IntermediaryCompleted, E::SupportExternalAccess) => {
                if agency_only {
                    Err(RecordsRuleBroken::AgencyOnlyRoute)
                } else if !records.referral_recorded {
                    Err(RecordsRuleBroken::NoReferral)
                } else if !records.agreement_received {
                    Err(RecordsRuleBroken::AgreementMissing)
                } else if before_1975 && !records.interview_attended {
                    Err(RecordsRuleBroken::InterviewFirst)
                } else {
                    Ok(SupportingExternalAccess)
                }
            }
            (IntermediaryOpen, E::Close | E::SupportExternalAccess) => {
                Err(RecordsRuleBroken::IntermediaryOpen)
            }
            (s, E::Close) if s.has_access() => {
                if records.intermediary_required && !records.intermediary_completed {
                    Err(RecordsRuleBroken::IntermediaryNeeded)
                } else {
                    Ok(Closed)
                }
            }
            (_, E::Withdraw) => Ok(Withdrawn),
            (Closed | Withdrawn, E::Reopen) => Ok(if records.worker_allocated {
                Allocated
            } else {
                AwaitingApproval
            }),
            (_, E::Reopen) => Err(RecordsRuleBroken::NotClosed),
            (s, _) => Err(RecordsRuleBroken::NotNow(s)),
        }
    }

    /// The task this state waits for, if it waits for one of the procedure's hand-overs.
    pub fn waits_for(self) -> Option<TaskKind> {
        match self {
            RequestState::Received => Some(TaskKind::SendForApproval),
            RequestState::AwaitingApproval => Some(TaskKind::Approve),
            RequestState::Approved => Some(TaskKind::Allocate),
            RequestState::Allocated => Some(TaskKind::Authorise),
            RequestState::AccessAuthorised => Some(TaskKind::GrantArchiveAccess),
            _ => None,
        }
    }
}

/// Whether birth-record information may be given now (to the applicant or, with the
/// applicant's consent, to an external service).
pub fn may_release_birth_records(records: CaseRecords) -> Result<(), RecordsRuleBroken> {
    if records.regime == Some(Regime::Before1975) && !records.interview_attended {
        return Err(RecordsRuleBroken::InterviewFirst);
    }
    Ok(())
}

/// Whether a disclosure can be recorded now: only while the case runs with access to the
/// record, and birth-record information only once it may be released.
pub fn may_disclose(
    state: RequestState,
    records: CaseRecords,
    birth_record_information: bool,
) -> Result<(), RecordsRuleBroken> {
    if state.is_read_only() {
        return Err(RecordsRuleBroken::ReadOnly);
    }
    if !state.has_access() {
        return Err(RecordsRuleBroken::NotNow(state));
    }
    if birth_record_information {
        may_release_birth_records(records)?;
    }
    Ok(())
}

/// Why a step was refused, in words a user can read, with a stable code for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecordsRuleBroken {
    #[error("this case is closed and read-only; a team manager can reopen it with a reason")]
    ReadOnly,
    #[error("only a closed or withdrawn case can be reopened")]
    NotClosed,
    #[error(
        "record how the applicant's identity was verified before sending the request for approval"
    )]
    IdentityNotVerified,
    #[error("someone acts for the applicant: record the proof of their authority first")]
    AuthorityMissing,
    #[error(
        "archive access can only be given after the team manager authorises the social worker's access"
    )]
    NotYetAuthorised,
    #[error(
        "Schedule 2: for an adoption before 12 November 1975, a counselling interview must be recorded as attended before birth-record information is given"
    )]
    InterviewFirst,
    #[error(
        "for an adoption on or after 30 December 2005 the adoption agency is the only route: information is not given to an external adoption service"
    )]
    AgencyOnlyRoute,
    #[error("record the referral to the external adoption service first")]
    NoReferral,
    #[error(
        "the external service's confidentiality agreement must be received before they access the records"
    )]
    AgreementMissing,
    #[error("complete the intermediary record first")]
    IntermediaryOpen,
    #[error(
        "this applicant applies through an intermediary: complete the intermediary record before closing"
    )]
    IntermediaryNeeded,
    #[error("the applicant must be 18 or over to apply for access to their adoption records")]
    UnderEighteen,
    #[error(
        "record the veto or no-contact check, the Adoption Contact Register check and the subject's views before any tracing"
    )]
    ChecksBeforeTracing,
    #[error("an absolute veto is recorded: the intermediary work stops here")]
    AbsoluteVeto,
    #[error("a reason is needed")]
    ReasonMissing,
    #[error("a case that is {} cannot do that", .0.label().to_lowercase())]
    NotNow(RequestState),
}

impl RecordsRuleBroken {
    pub fn code(self) -> &'static str {
        match self {
            RecordsRuleBroken::ReadOnly => "case_read_only",
            RecordsRuleBroken::NotClosed => "case_not_closed",
            RecordsRuleBroken::IdentityNotVerified => "identity_not_verified",
            RecordsRuleBroken::AuthorityMissing => "authority_missing",
            RecordsRuleBroken::NotYetAuthorised => "access_not_yet_authorised",
            RecordsRuleBroken::InterviewFirst => "schedule_2_interview_first",
            RecordsRuleBroken::AgencyOnlyRoute => "agency_only_route",
            RecordsRuleBroken::NoReferral => "referral_missing",
            RecordsRuleBroken::AgreementMissing => "agreement_missing",
            RecordsRuleBroken::IntermediaryOpen => "intermediary_open",
            RecordsRuleBroken::IntermediaryNeeded => "intermediary_needed",
            RecordsRuleBroken::UnderEighteen => "applicant_under_18",
            RecordsRuleBroken::ChecksBeforeTracing => "checks_before_tracing",
            RecordsRuleBroken::AbsoluteVeto => "absolute_veto",
            RecordsRuleBroken::ReasonMissing => "reason_missing",
            RecordsRuleBroken::NotNow(_) => "step_not_now",
        }
    }
}

/// A reason someone writes (declining, reopening, revoking): never blank.
pub fn check_reason(reason: &str) -> Result<&str, RecordsRuleBroken> {
    match reason.trim() {
        "" => Err(RecordsRuleBroken::ReasonMissing),
        text => Ok(text),
    }
}

crate::coded_enum! {
    /// The two kinds of access to a locked adoption case record.
    pub enum GrantKind {
        /// Given by the team manager: the locked client record in Kinlink.
        LockedRecord = "locked_record", "Locked record";
        /// Given by business support, after the manager's authorisation: the archived file.
        Archive = "archive", "Archive";
    }
}

/// How long a grant lasts unless renewed (a register setting can change it).
pub const DEFAULT_GRANT_DAYS: i64 = 90;
/// How long adoption records are kept, from the adoption date (Adoption Agencies Regulations
/// 2005 reg 42: at least 100 years).
pub const DEFAULT_RETENTION_YEARS: i64 = 100;

/// A grant as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessGrant {
    pub kind: GrantKind,
    pub user_id: i64,
    pub starts_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl AccessGrant {
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.starts_at <= now && now < self.expires_at
    }
}

/// Whether `user` holds an active grant of `kind` among `grants` at `now`.
pub fn holds_grant(grants: &[AccessGrant], user: i64, kind: GrantKind, now: Timestamp) -> bool {
    grants
        .iter()
        .any(|g| g.user_id == user && g.kind == kind && g.is_active(now))
}

/// The date until which the case is kept: `years` after the adoption date (29 February
/// becomes 28 February in a year that has none).
pub fn retained_until(adopted_on: CivilDate, years: i64) -> Option<CivilDate> {
    let year = adopted_on.year().checked_add(i32::try_from(years).ok()?)?;
    CivilDate::new(year, adopted_on.month(), adopted_on.day())
        .or_else(|| CivilDate::new(year, adopted_on.month(), 28))
}

crate::coded_enum! {
    /// The hand-overs the procedure names, each someone's task until it is done.
    pub enum TaskKind {
        SendForApproval = "send_for_approval", "Check identity and send for approval";
        Approve = "approve", "Approve or decline the request";
        Allocate = "allocate", "Allocate a social worker";
        Authorise = "authorise", "Authorise the worker's access to the locked record";
        GrantArchiveAccess = "grant_archive_access", "Give the worker archive access";
        CloseArchiveAccess = "close_archive_access", "Close archive access and confirm";
    }
}

impl TaskKind {
    /// Whose inbox the task is in.
    pub fn role(self) -> crate::Role {
        match self {
            TaskKind::Approve | TaskKind::Allocate | TaskKind::Authorise => {
                crate::Role::TeamManager
            }
            TaskKind::SendForApproval
            | TaskKind::GrantArchiveAccess
            | TaskKind::CloseArchiveAccess => crate::Role::BusinessSupport,
        }
    }
}

/// A task is due this many working days after it is created.
pub const TASK_WORKING_DAYS: u32 = 5;

crate::coded_enum! {
    /// What the veto / no-contact check found (pre-commencement regulations reg 8).
    pub enum VetoCheck {
        NoneFound = "none_found", "No veto or no-contact wish recorded";
        NoContactWish = "no_contact_wish", "A no-contact wish is recorded";
        QualifiedVeto = "qualified_veto", "A qualified veto is recorded";
        AbsoluteVeto = "absolute_veto", "An absolute veto is recorded";
    }
}

crate::coded_enum! {
    /// What the Adoption Contact Register check found.
    pub enum RegisterCheck {
        NotRegistered = "not_registered", "Not on the Adoption Contact Register";
        WishesContact = "wishes_contact", "Registered, wishes contact";
        NoContact = "no_contact", "Registered, does not wish contact";
    }
}

/// The checks an intermediary record needs before any tracing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IntermediaryChecks {
    pub veto: Option<VetoCheck>,
    pub register: Option<RegisterCheck>,
    pub views_recorded: bool,
}

impl IntermediaryChecks {
    /// Whether tracing may start: all three checks recorded, and no absolute veto.
    pub fn may_trace(self) -> Result<(), RecordsRuleBroken> {
        if self.veto == Some(VetoCheck::AbsoluteVeto) {
            return Err(RecordsRuleBroken::AbsoluteVeto);
        }
        if self.veto.is_none() || self.register.is_none() || !self.views_recorded {
            return Err(RecordsRuleBroken::ChecksBeforeTracing);
        }
        Ok(())
    }
}

crate::coded_enum! {
    /// How a counselling appointment is held.
    pub enum Venue {
        InPerson = "in_person", "In person";
        Video = "video", "Video call";
        Phone = "phone", "Telephone";
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u8, d: u8) -> CivilDate {
        CivilDate::new(y, m, d).unwrap()
    }

    #[test]
    fn the_regime_follows_from_the_adoption_date() {
        assert_eq!(Regime::for_adoption(date(1975, 11, 11)), Regime::Before1975);
        assert_eq!(
            Regime::for_adoption(date(1975, 11, 12)),
            Regime::PreCommencement
        );
        assert_eq!(
            Regime::for_adoption(date(2005, 12, 29)),
            Regime::PreCommencement
        );
        assert_eq!(Regime::for_adoption(date(2005, 12, 30)), Regime::AgencyOnly);
        assert_eq!(Regime::for_adoption(date(1962, 3, 1)), Regime::Before1975);
    }

    #[test]
    fn applicants_under_18_are_refused() {
        let today = date(2026, 11, 24);
        assert_eq!(
            check_applicant_age(date(2008, 11, 25), today),
            Err(RecordsRuleBroken::UnderEighteen)
        );
        assert_eq!(check_applicant_age(date(2008, 11, 24), today), Ok(()));
        assert_eq!(
            check_applicant_age(date(2030, 1, 1), today),
            Err(RecordsRuleBroken::UnderEighteen)
        );
    }

    fn pre_1975(attended: bool) -> CaseRecords {
        CaseRecords {
            regime: Some(Regime::Before1975),
            identity_verified: true,
            worker_allocated: true,
            referral_recorded: true,
            agreement_received: true,
            interview_attended: attended,
            ..CaseRecords::default()
        }
    }

    #[test]
    fn before_1975_nothing_is_released_before_the_interview_is_attended() {
        assert_eq!(
            RequestState::ReferralRecorded
                .apply(pre_1975(false), RequestEvent::SupportExternalAccess),
            Err(RecordsRuleBroken::InterviewFirst)
        );
        assert_eq!(
            may_release_birth_records(pre_1975(false)),
            Err(RecordsRuleBroken::InterviewFirst)
        );
        assert_eq!(
            RequestState::ReferralRecorded
                .apply(pre_1975(true), RequestEvent::SupportExternalAccess),
            Ok(RequestState::SupportingExternalAccess)
        );
        assert_eq!(may_release_birth_records(pre_1975(true)), Ok(()));
        let later = CaseRecords {
            regime: Some(Regime::PreCommencement),
            ..pre_1975(false)
        };
        assert_eq!(may_release_birth_records(later), Ok(()));
    }

    #[test]
    fn after_2005_there_is_no_external_route() {
        let records = CaseRecords {
            regime: Some(Regime::AgencyOnly),
            ..CaseRecords::default()
        };
        assert_eq!(
            RequestState::Counselling.apply(records, RequestEvent::RecordReferral),
            Err(RecordsRuleBroken::AgencyOnlyRoute)
        );
        assert_eq!(
            RequestState::Counselling.apply(records, RequestEvent::Close),
            Ok(RequestState::Closed)
        );
    }

    #[test]
    fn archive_access_waits_for_the_managers_authorisation() {
        let records = CaseRecords::default();
        for state in [RequestState::Approved, RequestState::Allocated] {
            assert_eq!(
                state.apply(records, RequestEvent::GrantArchiveAccess),
                Err(RecordsRuleBroken::NotYetAuthorised)
            );
        }
        assert_eq!(
            RequestState::AccessAuthorised.apply(records, RequestEvent::GrantArchiveAccess),
            Ok(RequestState::ArchiveAccessGranted)
        );
    }

    #[test]
    fn identity_and_authority_come_before_approval() {
        let mut records = CaseRecords::default();
        assert_eq!(
            RequestState::Received.apply(records, RequestEvent::SendForApproval),
            Err(RecordsRuleBroken::IdentityNotVerified)
        );
        records.identity_verified = true;
        records.authority_missing = true;
        assert_eq!(
            RequestState::Received.apply(records, RequestEvent::SendForApproval),
            Err(RecordsRuleBroken::AuthorityMissing)
        );
    }

    #[test]
    fn tracing_needs_every_check_and_stops_at_an_absolute_veto() {
        let mut checks = IntermediaryChecks::default();
        assert_eq!(
            checks.may_trace(),
            Err(RecordsRuleBroken::ChecksBeforeTracing)
        );
        checks.veto = Some(VetoCheck::NoneFound);
        checks.register = Some(RegisterCheck::NotRegistered);
        assert_eq!(
            checks.may_trace(),
            Err(RecordsRuleBroken::ChecksBeforeTracing)
        );
        checks.views_recorded = true;
        assert_eq!(checks.may_trace(), Ok(()));
        checks.veto = Some(VetoCheck::AbsoluteVeto);
        assert_eq!(checks.may_trace(), Err(RecordsRuleBroken::AbsoluteVeto));
    }

    #[test]
    fn grants_are_active_from_start_to_expiry_unless_revoked() {
        let grant = AccessGrant {
            kind: GrantKind::LockedRecord,
            user_id: 7,
            starts_at: 100,
            expires_at: 200,
            revoked_at: None,
        };
        assert!(!grant.is_active(99));
        assert!(grant.is_active(100));
        assert!(grant.is_active(199));
        assert!(!grant.is_active(200));
        let revoked = AccessGrant {
            revoked_at: Some(150),
            ..grant
        };
        assert!(!revoked.is_active(120));
        assert!(holds_grant(&[grant], 7, GrantKind::LockedRecord, 150));
        assert!(!holds_grant(&[grant], 7, GrantKind::Archive, 150));
        assert!(!holds_grant(&[grant], 8, GrantKind::LockedRecord, 150));
    }

    #[test]
    fn records_are_kept_a_hundred_years_from_the_adoption() {
        assert_eq!(
            retained_until(date(1968, 2, 29), 100),
            Some(date(2068, 2, 29))
        );
        assert_eq!(
            retained_until(date(1972, 2, 29), 100),
            Some(date(2072, 2, 29))
        );
        assert_eq!(
            retained_until(date(1971, 2, 28), 101),
            Some(date(2072, 2, 28))
        );
        assert_eq!(
            retained_until(date(1968, 2, 29), 101),
            Some(date(2069, 2, 28))
        );
    }

    fn any_records() -> impl Strategy<Value = CaseRecords> {
        (
            prop_oneof![
                Just(Regime::Before1975),
                Just(Regime::PreCommencement),
                Just(Regime::AgencyOnly)
            ],
            any::<[bool; 8]>(),
        )
            .prop_map(|(regime, b)| CaseRecords {
                regime: Some(regime),
                identity_verified: b[0],
                authority_missing: b[1],
                worker_allocated: b[2],
                interview_attended: b[3],
                intermediary_required: b[4],
                intermediary_completed: b[5],
                referral_recorded: b[6],
                agreement_received: b[7],
            })
    }

    fn stage(s: RequestState) -> u8 {
        use RequestState::*;
        match s {
            Received => 0,
            AwaitingApproval => 1,
            Approved => 2,
            Allocated => 3,
            AccessAuthorised => 4,
            ArchiveAccessGranted => 5,
            Counselling => 6,
            ReferralRecorded => 7,
            IntermediaryOpen => 8,
            IntermediaryCompleted => 9,
            SupportingExternalAccess => 10,
            Declined | Closed | Withdrawn => 11,
        }
    }

    proptest! {
        /// Whatever is asked, in whatever order: refusals change nothing; a read-only case
        /// only ever reopens; a case only moves forward, except by reopening; no one reaches
        /// archive access without the manager's authorisation; before 1975 nobody supports
        /// external access without an attended interview; after 2005 never; and nobody closes
        /// with an intermediary record open.
        #[test]
        fn no_sequence_of_steps_breaks_the_procedure(
            records in any_records(),
            events in proptest::collection::vec(proptest::sample::select(RequestEvent::ALL), 0..30),
        ) {
            let mut state = RequestState::Received;
            let mut authorised = false;
            for event in events {
                let before = state;
                match state.apply(records, event) {
                    Ok(next) => {
                        if before.is_read_only() {
                            prop_assert_eq!(event, RequestEvent::Reopen);
                        }
                        if event == RequestEvent::Reopen {
                            prop_assert!(next == RequestState::Allocated || next == RequestState::AwaitingApproval);
                            authorised = false;
                        } else {
                            prop_assert!(stage(next) >= stage(before), "went back: {before:?} → {next:?}");
                        }
                        if next == RequestState::AccessAuthorised { authorised = true; }
                        if next == RequestState::ArchiveAccessGranted && before != next {
                            prop_assert!(authorised);
                        }
                        if next == RequestState::SupportingExternalAccess && before != next {
                            prop_assert!(records.regime != Some(Regime::AgencyOnly));
                            prop_assert!(records.referral_recorded && records.agreement_received);
                            if records.regime == Some(Regime::Before1975) {
                                prop_assert!(records.interview_attended);
                            }
                        }
                        if next == RequestState::Closed {
                            prop_assert!(before != RequestState::IntermediaryOpen);
                            prop_assert!(!records.intermediary_required || records.intermediary_completed);
                        }
                        if next == RequestState::AwaitingApproval && before == RequestState::Received {
                            prop_assert!(records.identity_verified && !records.authority_missing);
                        }
                        state = next;
                    }
                    Err(_) => prop_assert_eq!(state, before),
                }
            }
        }
    }
}
