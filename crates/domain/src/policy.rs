//! The policy: the one place that answers "may this actor do this to this thing?".
//!
//! Handlers never decide access. They describe what is asked as an [`Action`] and call
//! [`authorize`]; what they get back is a [`Permit`], which only this module can make and which
//! the store asks for before it changes anything on someone's behalf. The table test at the
//! bottom is the specification: every role × every action × own agency / other agency / self.

use crate::role::{AgencyKind, Role};
use std::fmt;

mod links;
mod records;
pub use links::{LinkAct, LinkFacts, LinkParty, link_party, may_on_link, works_on_links};
pub use records::{
    RequestAct, RequestFacts, Standing, may_on_request, may_read_locked, may_record_request,
    request_standing, works_on_records,
};

pub type AgencyId = i64;
pub type UserId = i64;

/// Who is asking: a signed-in user, or an API token acting for its agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub agency_id: AgencyId,
}

/// The user an administrative action is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetUser {
    pub user_id: UserId,
    pub role: Role,
    pub agency_id: AgencyId,
    pub agency_kind: AgencyKind,
}

/// Everything one can ask to do. Each variant carries what the decision depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See one's own dashboard, change one's own password, enrol a second factor.
    UseOwnAccount,
    ListUsers {
        agency: AgencyId,
    },
    CreateUser {
        agency: AgencyId,
        agency_kind: AgencyKind,
        role: Role,
    },
    ChangeRole {
        target: TargetUser,
        to: Role,
    },
    /// Disable or re-enable an account.
    DisableUser {
        target: TargetUser,
    },
    ResetSecondFactor {
        target: TargetUser,
    },
    /// Give someone a new first password (they forgot theirs); they must replace it.
    ResetPassword {
        target: TargetUser,
    },
    ViewAgencies,
    ManageAgencies,
    ManageAgencySettings {
        agency: AgencyId,
    },
    ManageRegisterSettings,
    ViewAuditLog {
        scope: AuditScope,
    },
    ManageApiTokens {
        agency: AgencyId,
    },
    /// Create or edit a child's profile, acknowledge its findings, add photos, change its status
    /// (the life cycle then decides which changes this person may make).
    EditChildProfile {
        agency: AgencyId,
    },
    /// Search published children: people who find families, and approved adopters.
    SearchChildren,
    /// Create or edit a household's profile, or change its status, as the household's agency.
    EditHousehold {
        agency: AgencyId,
    },
    /// An adopter edits their own household's profile (only once the agency has agreed it).
    EditOwnHousehold {
        own_household: bool,
        status: crate::profile::HouseholdStatus,
    },
    /// Search households: staff who find families, never adopters.
    SearchHouseholds,
    /// Ask to explore a link from the child's side: the child's agency's caseworkers.
    RequestLinkForChild {
        child_agency: AgencyId,
    },
    /// Ask to explore a link from the family's side: the adopters themselves, or their
    /// agency's workers and managers.
    RequestLinkForFamily {
        household_agency: AgencyId,
        own_household: bool,
    },
    /// See the families matching suggests for a child, with their scores: the child's
    /// agency's caseworkers, who find the child a family.
    SuggestFamilies {
        child_agency: AgencyId,
    },
    /// See the children matching suggests for a household: the household's agency's workers
    /// and managers. Adopters never see scores.
    SuggestChildren {
        household_agency: AgencyId,
    },
    /// See the register-wide spread recommendations and best overall assignment.
    ViewRegisterMatching,
    /// Set up and run an Exchange or Activity Day: the register's administrators for any
    /// event, an agency's team managers and family finders for their agency's own.
    ManageEvent {
        organiser: AgencyId,
    },
    /// See the events on the Register (a draft only by those who manage it).
    ViewEvents,
    /// Feature a child at an event, or withdraw them: the child's agency's caseworkers.
    FeatureChildAtEvent {
        child_agency: AgencyId,
    },
    /// Book a family a place at an event, or cancel it: their agency's workers and managers,
    /// or the adopters themselves where their agency lets them.
    BookFamilyAtEvent {
        household_agency: AgencyId,
        own_household: bool,
        adopters_may_book: bool,
    },
    /// Record on the day that a family is interested in a child: the event's organisers,
    /// the family's workers, or the adopters from their own account.
    RecordEventInterest {
        organiser: AgencyId,
        household_agency: AgencyId,
        own_household: bool,
    },
}

/// How much of the audit log a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    All,
    Agency(AgencyId),
}

/// Proof that [`authorize`] allowed an action. Only this module can make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    actor: Option<Actor>,
    action: Action,
}

impl Permit {
    /// The person allowed, or `None` for the operator at the command line.
    pub fn actor(&self) -> Option<Actor> {
        self.actor
    }
    pub fn action(&self) -> Action {
        self.action
    }

    /// Whoever runs `kinlink` on the server already holds the database's credentials, so the
    /// command line acts without a person's role; what it does is still audited.
    pub fn for_operator(action: Action) -> Permit {
        Permit {
            actor: None,
            action,
        }
    }
}

/// Why an action was refused: the rule that was broken, in words a user can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("only administrators can do this")]
    NotAnAdministrator,
    #[error("only register administrators can do this")]
    NotRegisterAdmin,
    #[error("you can only do this for your own agency")]
    OtherAgency,
    #[error("you cannot do this to your own account")]
    OwnAccount,
    #[error("this role cannot be given here")]
    RoleNotAssignable,
    #[error("adopter accounts are set up with their household, not here")]
    AdopterAccount,
    #[error("your role does not work on the Register's profiles")]
    NotOnTheRegister,
    #[error("you can edit your profile once your agency has agreed it")]
    NotYetAgreed,
    #[error("only a team manager of the child's agency can do this")]
    NotTheManager,
    #[error("messages from adopters are read by everyone in the link")]
    AdoptersReadEverything,
    #[error("this has not been shared with you")]
    NotShared,
    #[error("documents are exchanged once a link is being explored")]
    NotYetExploring,
    #[error("documents are shared through your social worker")]
    WorkersShareDocuments,
    #[error("only the adopters' social worker decides what the adopters read")]
    AdoptersWorkerShares,
    #[error("this link has closed, so its documents can no longer be read")]
    LinkClosed,
    #[error("business support does this step")]
    NotBusinessSupport,
    #[error("only a team manager of the agency can do this")]
    NotAManager,
    #[error("you recorded this request, so another team manager must approve or decline it")]
    OwnRequest,
    #[error("you are the allocated worker, so another team manager must authorise your access")]
    OwnAccess,
    #[error("only the allocated social worker can do this")]
    NotAllocated,
    #[error("you do not hold an active grant to this record")]
    NoActiveGrant,
    #[error(
        "suggested matches are for social workers; your social worker will talk to you about children who might suit your family"
    )]
    SuggestionsForWorkers,
    #[error("your social worker books your family's places at events")]
    WorkerBooksEvents,
}

impl Denied {
    /// A stable code for the JSON API.
    pub fn code(self) -> &'static str {
        match self {
            Denied::NotAnAdministrator => "not_an_administrator",
            Denied::NotRegisterAdmin => "not_register_admin",
            Denied::OtherAgency => "other_agency",
            Denied::OwnAccount => "own_account",
            Denied::RoleNotAssignable => "role_not_assignable",
            Denied::AdopterAccount => "adopter_account",
            Denied::NotOnTheRegister => "not_on_the_register",
            Denied::NotYetAgreed => "not_yet_agreed",
            Denied::NotTheManager => "not_the_manager",
            Denied::AdoptersReadEverything => "adopters_read_everything",
            Denied::NotShared => "not_shared",
            Denied::NotYetExploring => "not_yet_exploring",
            Denied::WorkersShareDocuments => "workers_share_documents",
            Denied::AdoptersWorkerShares => "adopters_worker_shares",
            Denied::LinkClosed => "link_closed",
            Denied::NotBusinessSupport => "not_business_support",
            Denied::NotAManager => "not_a_manager",
            Denied::OwnRequest => "own_request",
            Denied::OwnAccess => "own_access",
            Denied::NotAllocated => "not_allocated",
            Denied::NoActiveGrant => "no_active_grant",
            Denied::SuggestionsForWorkers => "suggestions_for_workers",
            Denied::WorkerBooksEvents => "worker_books_events",
        }
    }
}

/// The one decision function.
pub fn authorize(actor: Actor, action: Action) -> Result<Permit, Denied> {
    decide(actor, action).map(|()| Permit {
        actor: Some(actor),
        action,
    })
}

/// Whether an action would be allowed, for showing or hiding a link or button.
pub fn allows(actor: Actor, action: Action) -> bool {
    decide(actor, action).is_ok()
}

/// The widest audit scope this actor may read, if any.
pub fn audit_scope(actor: Actor) -> Option<AuditScope> {
    match actor.role {
        Role::RegisterAdmin => Some(AuditScope::All),
        Role::AgencyAdmin => Some(AuditScope::Agency(actor.agency_id)),
        _ => None,
    }
}

/// Whether the actor's own menu offers their agency's settings and API tokens. Agency
/// administrators run their own agency from there; register administrators belong to the
/// register's team, which has no case system or link follow-up of its own, and reach any
/// agency's settings from the list of agencies instead.
pub fn runs_own_agency(actor: Actor) -> bool {
    actor.role == Role::AgencyAdmin
}

/// The roles an administrator may give in an agency of this kind.
pub fn assignable_roles(actor: Actor, agency_kind: AgencyKind) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|&role| role_assignable(actor.role, agency_kind, role).is_ok())
        .collect()
}

fn decide(actor: Actor, action: Action) -> Result<(), Denied> {
    use Action::*;
    use Role::{Adopter, FamilyFinder, SocialWorker, TeamManager};
    match action {
        UseOwnAccount => Ok(()),
        ListUsers { agency } | ManageApiTokens { agency } | ManageAgencySettings { agency } => {
            admin_of(actor, agency)
        }
        CreateUser {
            agency,
            agency_kind,
            role,
        } => {
            admin_of(actor, agency)?;
            role_assignable(actor.role, agency_kind, role)
        }
        ChangeRole { target, to } => {
            manage_target(actor, target)?;
            if target.role == Role::Adopter || to == Role::Adopter {
                return Err(Denied::AdopterAccount);
            }
            role_assignable(actor.role, target.agency_kind, target.role)?;
            role_assignable(actor.role, target.agency_kind, to)
        }
        DisableUser { target } | ResetSecondFactor { target } | ResetPassword { target } => {
            manage_target(actor, target)?;
            if target.role == Role::Adopter {
                return Ok(());
            }
            role_assignable(actor.role, target.agency_kind, target.role)
        }
        ViewAgencies | ManageAgencies | ManageRegisterSettings | ViewRegisterMatching => {
            register_admin(actor)
        }
        ViewAuditLog { scope } => match (audit_scope(actor), scope) {
            (Some(AuditScope::All), _) => Ok(()),
            (Some(AuditScope::Agency(own)), AuditScope::Agency(asked)) if own == asked => Ok(()),
            (Some(AuditScope::Agency(_)), _) => Err(Denied::OtherAgency),
            (None, _) => Err(Denied::NotAnAdministrator),
        },
        EditChildProfile { agency } => {
            casework_of(actor, agency, &[TeamManager, SocialWorker, FamilyFinder])
        }
        EditHousehold { agency } => casework_of(actor, agency, &[TeamManager, SocialWorker]),
        EditOwnHousehold {
            own_household,
            status,
        } => {
            if actor.role != Adopter || !own_household {
                Err(Denied::NotOnTheRegister)
            } else if !status.adopters_may_edit() {
                Err(Denied::NotYetAgreed)
            } else {
                Ok(())
            }
        }
        SearchChildren if actor.role == Adopter || finds_families(actor.role) => Ok(()),
        SearchHouseholds if finds_families(actor.role) => Ok(()),
        SearchChildren | SearchHouseholds => Err(Denied::NotOnTheRegister),
        RequestLinkForChild { child_agency } => casework_of(
            actor,
            child_agency,
            &[TeamManager, SocialWorker, FamilyFinder],
        ),
        RequestLinkForFamily {
            household_agency,
            own_household,
        } => match actor.role {
            Adopter if own_household => Ok(()),
            _ => casework_of(actor, household_agency, &[TeamManager, SocialWorker]),
        },
        SuggestFamilies { .. } | SuggestChildren { .. } if actor.role == Adopter => {
            Err(Denied::SuggestionsForWorkers)
        }
        SuggestFamilies { child_agency } => casework_of(
            actor,
            child_agency,
            &[TeamManager, SocialWorker, FamilyFinder],
        ),
        SuggestChildren { household_agency } => {
            casework_of(actor, household_agency, &[TeamManager, SocialWorker])
        }
        ManageEvent { organiser } => manages_event(actor, organiser),
        ViewEvents if actor.role == Adopter || finds_families(actor.role) => Ok(()),
        ViewEvents => Err(Denied::NotOnTheRegister),
        FeatureChildAtEvent { child_agency } => casework_of(
            actor,
            child_agency,
            &[TeamManager, SocialWorker, FamilyFinder],
        ),
        BookFamilyAtEvent {
            household_agency,
            own_household,
            adopters_may_book,
        } => match actor.role {
            Adopter if own_household && adopters_may_book => Ok(()),
            Adopter if own_household => Err(Denied::WorkerBooksEvents),
            _ => casework_of(actor, household_agency, &[TeamManager, SocialWorker]),
        },
        RecordEventInterest {
            organiser,
            household_agency,
            own_household,
        } => match actor.role {
            Adopter if own_household => Ok(()),
            _ if manages_event(actor, organiser).is_ok() => Ok(()),
            _ => casework_of(actor, household_agency, &[TeamManager, SocialWorker]),
        },
    }
}

/// The register runs events for everyone; an agency's team managers and family finders run
/// their own agency's.
fn manages_event(actor: Actor, organiser: AgencyId) -> Result<(), Denied> {
    match actor.role {
        Role::RegisterAdmin => Ok(()),
        _ => casework_of(actor, organiser, &[Role::TeamManager, Role::FamilyFinder]),
    }
}

/// The roles that work on the Register's profiles: finding families for children and children
/// for families. Agency administrators and business support run the system and the records
/// service; they have no need to read children's profiles, so they do not (least sight).
fn finds_families(role: Role) -> bool {
    matches!(
        role,
        Role::TeamManager | Role::SocialWorker | Role::FamilyFinder | Role::RegisterAdmin
    )
}

/// Casework on a profile is done by the owning agency's staff in the given roles.
fn casework_of(actor: Actor, agency: AgencyId, roles: &[Role]) -> Result<(), Denied> {
    if !roles.contains(&actor.role) {
        Err(Denied::NotOnTheRegister)
    } else if actor.agency_id != agency {
        Err(Denied::OtherAgency)
    } else {
        Ok(())
    }
}

fn register_admin(actor: Actor) -> Result<(), Denied> {
    if actor.role == Role::RegisterAdmin {
        Ok(())
    } else {
        Err(Denied::NotRegisterAdmin)
    }
}

/// Register administrators administer every agency (someone has to create an agency's first
/// administrator); agency administrators only their own.
fn admin_of(actor: Actor, agency: AgencyId) -> Result<(), Denied> {
    match actor.role {
        Role::RegisterAdmin => Ok(()),
        Role::AgencyAdmin if actor.agency_id == agency => Ok(()),
        Role::AgencyAdmin => Err(Denied::OtherAgency),
        _ => Err(Denied::NotAnAdministrator),
    }
}

fn manage_target(actor: Actor, target: TargetUser) -> Result<(), Denied> {
    admin_of(actor, target.agency_id)?;
    // Nobody locks themselves out or lifts their own restrictions.
    if target.user_id == actor.user_id {
        return Err(Denied::OwnAccount);
    }
    Ok(())
}

fn role_assignable(admin: Role, agency_kind: AgencyKind, role: Role) -> Result<(), Denied> {
    match (agency_kind, role) {
        (_, Role::Adopter) => Err(Denied::AdopterAccount),
        // The register's own team holds register administrators only, made by one of them.
        (AgencyKind::Register, Role::RegisterAdmin) if admin == Role::RegisterAdmin => Ok(()),
        (AgencyKind::Register, _) | (_, Role::RegisterAdmin) => Err(Denied::RoleNotAssignable),
        _ => Ok(()),
    }
}

impl fmt::Display for AuditScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditScope::All => f.write_str("all agencies"),
            AuditScope::Agency(id) => write!(f, "agency {id}"),
        }
    }
}

/// How widely a child's worker lets a published profile be seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChildVisibility {
    /// Approved adopters and staff of every agency.
    All,
    /// Staff of every agency, not adopters.
    AgenciesOnly,
    /// Staff and approved adopters of agencies in the child's agency's region.
    OwnRegion,
    /// As `All`, but hidden from everyone outside the child's agency while a link is explored.
    HiddenWhileExploring,
}

impl ChildVisibility {
    pub const ALL: [ChildVisibility; 4] = [
        ChildVisibility::All,
        ChildVisibility::AgenciesOnly,
        ChildVisibility::OwnRegion,
        ChildVisibility::HiddenWhileExploring,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChildVisibility::All => "all",
            ChildVisibility::AgenciesOnly => "agencies_only",
            ChildVisibility::OwnRegion => "own_region",
            ChildVisibility::HiddenWhileExploring => "hidden_while_exploring",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChildVisibility::All => "Approved adopters and staff of every agency",
            ChildVisibility::AgenciesOnly => "Staff of every agency, not adopters",
            ChildVisibility::OwnRegion => "Staff and approved adopters in our region only",
            ChildVisibility::HiddenWhileExploring => {
                "Everyone, but hidden while a link is being explored"
            }
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == code)
    }
}

/// Someone looking at the Register: who they are, where their agency is, and (for adopters)
/// whether their household is approved and active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer<'a> {
    pub actor: Actor,
    pub region: &'a str,
    pub household_active: bool,
    /// The local authority area an adopter's household lives in, once recorded.
    pub household_area: Option<&'a str>,
}

/// What the policy needs to know about a child's (or sibling group's) profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildFacts<'a> {
    pub agency: AgencyId,
    pub region: &'a str,
    pub status: crate::profile::ChildStatus,
    pub visibility: ChildVisibility,
    pub link_in_exploration: bool,
    /// The areas the child's family must not live in.
    pub excluded_areas: &'a [String],
}

/// How much of a child's profile someone may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Everything, including what never leaves the child's agency: surname, exact date of
    /// birth, address, school, placement location.
    Full,
    /// The published profile: alias, age in years and months, needs, profile text, photos.
    Published,
}

/// Who may see a child's profile, and how much. The owning agency's caseworkers see everything,
/// whatever its status; everyone else on the Register sees only a published profile, within the
/// visibility the child's worker chose, and never the confidential details.
pub fn child_sight(viewer: Viewer<'_>, child: ChildFacts<'_>) -> Option<Sight> {
    let actor = viewer.actor;
    let adopter = actor.role == Role::Adopter;
    if !adopter && !finds_families(actor.role) {
        return None;
    }
    if !adopter && actor.agency_id == child.agency {
        return Some(Sight::Full);
    }
    if child.status != crate::profile::ChildStatus::Published {
        return None;
    }
    if adopter && !viewer.household_active {
        return None;
    }
    // A family living where the child must not be placed is not shown the child at all: the
    // exclusion protects the child from being found by people nearby.
    if adopter
        && viewer
            .household_area
            .is_some_and(|area| child.excluded_areas.iter().any(|a| a == area))
    {
        return None;
    }
    let allowed = match child.visibility {
        ChildVisibility::All => true,
        ChildVisibility::AgenciesOnly => !adopter,
        ChildVisibility::OwnRegion => viewer.region == child.region,
        ChildVisibility::HiddenWhileExploring => !child.link_in_exploration,
    };
    allowed.then_some(Sight::Published)
}

/// Households are seen by staff who find families (to find families for children), never by
/// other adopters; a household's own adopters see their own profile. Drafts and profiles
/// waiting for agreement only by the owning agency.
pub fn household_sight(
    viewer: Viewer<'_>,
    household_agency: AgencyId,
    own_household: bool,
    status: crate::profile::HouseholdStatus,
) -> bool {
    let actor = viewer.actor;
    if actor.role == Role::Adopter {
        return own_household;
    }
    finds_families(actor.role) && (actor.agency_id == household_agency || status.is_searchable())
}

/// Something the policy let a viewer see, already cut down to what they may see. Only this
/// module makes one, so a page or API answer built from a `Visible` cannot show more than the
/// policy allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visible<T> {
    item: T,
    sight: Sight,
}

impl<T> Visible<T> {
    pub fn sight(&self) -> Sight {
        self.sight
    }
}

impl<T> std::ops::Deref for Visible<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.item
    }
}

/// A child's profile as `viewer` may see it, or `None` if they may not see it at all.
pub fn reveal_child(
    viewer: Viewer<'_>,
    mut profile: crate::child::ChildProfile,
    link_in_exploration: bool,
) -> Option<Visible<crate::child::ChildProfile>> {
    let facts = ChildFacts {
        agency: profile.agency_id,
        region: &profile.region,
        status: profile.status,
        visibility: profile.visibility,
        link_in_exploration,
        excluded_areas: profile.excluded_areas.as_deref().unwrap_or_default(),
    };
    let sight = child_sight(viewer, facts)?;
    if sight != Sight::Full {
        profile.redact(viewer.actor.role == Role::Adopter);
    }
    Some(Visible {
        item: profile,
        sight,
    })
}

/// A household's profile if `viewer` may see it. `own_household`: the viewer is one of its
/// adopters.
pub fn reveal_household(
    viewer: Viewer<'_>,
    profile: crate::household::HouseholdProfile,
    own_household: bool,
) -> Option<Visible<crate::household::HouseholdProfile>> {
    household_sight(viewer, profile.agency_id, own_household, profile.status).then(|| {
        let sight = if viewer.actor.agency_id == profile.agency_id || own_household {
            Sight::Full
        } else {
            Sight::Published
        };
        Visible {
            item: profile,
            sight,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    const OWN: AgencyId = 1;
    const OTHER: AgencyId = 2;
    const ME: UserId = 10;
    const SOMEONE: UserId = 11;

    /// Which agency or account an action is aimed at, relative to the actor.
    #[derive(Debug, Clone, Copy)]
    enum Aim {
        Own,
        Other,
        /// One's own account (only meaningful for actions on a user).
        Me,
    }

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: ME,
            role,
            agency_id: OWN,
        }
    }

    fn target(aim: Aim, role: Role) -> TargetUser {
        let (user_id, agency_id) = match aim {
            Aim::Own => (SOMEONE, OWN),
            Aim::Other => (SOMEONE, OTHER),
            Aim::Me => (ME, OWN),
        };
        TargetUser {
            user_id,
            role,
            agency_id,
            agency_kind: AgencyKind::LocalAuthority,
        }
    }

    fn agency(aim: Aim) -> AgencyId {
        match aim {
            Aim::Other => OTHER,
            _ => OWN,
        }
    }

    fn action(name: &str, aim: Aim) -> Action {
        match name {
            "use own account" => Action::UseOwnAccount,
            "list users" => Action::ListUsers {
                agency: agency(aim),
            },
            "create social worker" => Action::CreateUser {
                agency: agency(aim),
                agency_kind: AgencyKind::LocalAuthority,
                role: SocialWorker,
            },
            "create register admin" => Action::CreateUser {
                agency: agency(aim),
                agency_kind: AgencyKind::Register,
                role: RegisterAdmin,
            },
            "create adopter" => Action::CreateUser {
                agency: agency(aim),
                agency_kind: AgencyKind::VoluntaryAdoptionAgency,
                role: Adopter,
            },
            "make worker a manager" => Action::ChangeRole {
                target: target(aim, SocialWorker),
                to: TeamManager,
            },
            "make worker a register admin" => Action::ChangeRole {
                target: target(aim, SocialWorker),
                to: RegisterAdmin,
            },
            "disable worker" => Action::DisableUser {
                target: target(aim, SocialWorker),
            },
            "disable adopter" => Action::DisableUser {
                target: target(aim, Adopter),
            },
            "reset worker 2FA" => Action::ResetSecondFactor {
                target: target(aim, SocialWorker),
            },
            "reset worker password" => Action::ResetPassword {
                target: target(aim, SocialWorker),
            },
            "reset adopter password" => Action::ResetPassword {
                target: target(aim, Adopter),
            },
            "view agencies" => Action::ViewAgencies,
            "manage agencies" => Action::ManageAgencies,
            "agency settings" => Action::ManageAgencySettings {
                agency: agency(aim),
            },
            "register settings" => Action::ManageRegisterSettings,
            "audit log of agency" => Action::ViewAuditLog {
                scope: AuditScope::Agency(agency(aim)),
            },
            "whole audit log" => Action::ViewAuditLog {
                scope: AuditScope::All,
            },
            "api tokens" => Action::ManageApiTokens {
                agency: agency(aim),
            },
            "edit child profile" => Action::EditChildProfile {
                agency: agency(aim),
            },
            "search children" => Action::SearchChildren,
            "edit household" => Action::EditHousehold {
                agency: agency(aim),
            },
            "edit own active household" => Action::EditOwnHousehold {
                own_household: !matches!(aim, Aim::Other),
                status: crate::profile::HouseholdStatus::Active,
            },
            "edit own draft household" => Action::EditOwnHousehold {
                own_household: !matches!(aim, Aim::Other),
                status: crate::profile::HouseholdStatus::Draft,
            },
            "search households" => Action::SearchHouseholds,
            "request link for child" => Action::RequestLinkForChild {
                child_agency: agency(aim),
            },
            "request link for family" => Action::RequestLinkForFamily {
                household_agency: agency(aim),
                own_household: !matches!(aim, Aim::Other),
            },
            "suggest families" => Action::SuggestFamilies {
                child_agency: agency(aim),
            },
            "suggest children" => Action::SuggestChildren {
                household_agency: agency(aim),
            },
            "register matching" => Action::ViewRegisterMatching,
            "manage event" => Action::ManageEvent {
                organiser: agency(aim),
            },
            "view events" => Action::ViewEvents,
            "feature child at event" => Action::FeatureChildAtEvent {
                child_agency: agency(aim),
            },
            "book family where adopters may" => Action::BookFamilyAtEvent {
                household_agency: agency(aim),
                own_household: !matches!(aim, Aim::Other),
                adopters_may_book: true,
            },
            "book family where workers book" => Action::BookFamilyAtEvent {
                household_agency: agency(aim),
                own_household: !matches!(aim, Aim::Other),
                adopters_may_book: false,
            },
            "record interest at event" => Action::RecordEventInterest {
                organiser: agency(aim),
                household_agency: agency(aim),
                own_household: !matches!(aim, Aim::Other),
            },
            other => panic!("no such action in the table: {other}"),
        }
    }

    // Y = allowed, n = refused. Columns: own agency, other agency, own account.
    // Roles, in order: register_admin, agency_admin, team_manager, social_worker,
    // family_finder, business_support, adopter.
    #[rustfmt::skip]
    const TABLE: &[(&str, [&str; 7])] = &[
        ("use own account",                ["YYY", "YYY", "YYY", "YYY", "YYY", "YYY", "YYY"]),
        ("list users",                     ["YYY", "YnY", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("create social worker",           ["YYY", "YnY", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("create register admin",          ["YYY", "nnn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("create adopter",                 ["nnn", "nnn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("make worker a manager",          ["YYn", "Ynn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("make worker a register admin",   ["nnn", "nnn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("disable worker",                 ["YYn", "Ynn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("disable adopter",                ["YYn", "Ynn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("reset worker 2FA",               ["YYn", "Ynn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("reset worker password",          ["YYn", "Ynn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("reset adopter password",         ["YYn", "Ynn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("view agencies",                  ["YYY", "nnn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("manage agencies",                ["YYY", "nnn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("agency settings",                ["YYY", "YnY", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("register settings",              ["YYY", "nnn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("audit log of agency",            ["YYY", "YnY", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("whole audit log",                ["YYY", "nnn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("api tokens",                     ["YYY", "YnY", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        // For households, "own agency" is the household's agency; for an adopter's own
        // household, "own" and "own account" are their household, "other" someone else's.
        ("edit child profile",             ["nnn", "nnn", "YnY", "YnY", "YnY", "nnn", "nnn"]),
        ("search children",                ["YYY", "nnn", "YYY", "YYY", "YYY", "nnn", "YYY"]),
        ("edit household",                 ["nnn", "nnn", "YnY", "YnY", "nnn", "nnn", "nnn"]),
        ("edit own active household",      ["nnn", "nnn", "nnn", "nnn", "nnn", "nnn", "YnY"]),
        ("edit own draft household",       ["nnn", "nnn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        ("search households",              ["YYY", "nnn", "YYY", "YYY", "YYY", "nnn", "nnn"]),
        // For an adopter, "own" is their own household, "other" someone else's.
        ("request link for child",         ["nnn", "nnn", "YnY", "YnY", "YnY", "nnn", "nnn"]),
        ("request link for family",        ["nnn", "nnn", "YnY", "YnY", "nnn", "nnn", "YnY"]),
        // Scores are for the people who decide: never adopters, never another agency's child.
        ("suggest families",               ["nnn", "nnn", "YnY", "YnY", "YnY", "nnn", "nnn"]),
        ("suggest children",               ["nnn", "nnn", "YnY", "YnY", "nnn", "nnn", "nnn"]),
        ("register matching",              ["YYY", "nnn", "nnn", "nnn", "nnn", "nnn", "nnn"]),
        // Events: "own" is the organising agency, the child's or the family's agency; for an
        // adopter, their own household.
        ("manage event",                   ["YYY", "nnn", "YnY", "nnn", "YnY", "nnn", "nnn"]),
        ("view events",                    ["YYY", "nnn", "YYY", "YYY", "YYY", "nnn", "YYY"]),
        ("feature child at event",         ["nnn", "nnn", "YnY", "YnY", "YnY", "nnn", "nnn"]),
        ("book family where adopters may", ["nnn", "nnn", "YnY", "YnY", "nnn", "nnn", "YnY"]),
        ("book family where workers book", ["nnn", "nnn", "YnY", "YnY", "nnn", "nnn", "nnn"]),
        ("record interest at event",       ["YYY", "nnn", "YnY", "YnY", "YnY", "nnn", "YnY"]),
    ];

    #[test]
    fn the_policy_table() {
        let mut failures = Vec::new();
        for (name, per_role) in TABLE {
            for (role, cells) in Role::ALL.into_iter().zip(per_role) {
                for (aim, cell) in [Aim::Own, Aim::Other, Aim::Me]
                    .into_iter()
                    .zip(cells.chars())
                {
                    let expected = cell == 'Y';
                    let got = authorize(actor(role), action(name, aim));
                    if got.is_ok() != expected {
                        failures.push(format!(
                            "{role} / {name} / {aim:?}: expected {cell}, got {got:?}"
                        ));
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "policy differs from its table:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn the_table_covers_every_action_kind() {
        // Adding an Action variant without a row here fails to compile at the match below.
        for (name, _) in TABLE {
            match action(name, Aim::Own) {
                Action::UseOwnAccount
                | Action::ListUsers { .. }
                | Action::CreateUser { .. }
                | Action::ChangeRole { .. }
                | Action::DisableUser { .. }
                | Action::ResetSecondFactor { .. }
                | Action::ResetPassword { .. }
                | Action::ViewAgencies
                | Action::ManageAgencies
                | Action::ManageAgencySettings { .. }
                | Action::ManageRegisterSettings
                | Action::ViewAuditLog { .. }
                | Action::ManageApiTokens { .. }
                | Action::EditChildProfile { .. }
                | Action::SearchChildren
                | Action::EditHousehold { .. }
                | Action::EditOwnHousehold { .. }
                | Action::SearchHouseholds
                | Action::RequestLinkForChild { .. }
                | Action::RequestLinkForFamily { .. }
                | Action::SuggestFamilies { .. }
                | Action::SuggestChildren { .. }
                | Action::ViewRegisterMatching
                | Action::ManageEvent { .. }
                | Action::ViewEvents
                | Action::FeatureChildAtEvent { .. }
                | Action::BookFamilyAtEvent { .. }
                | Action::RecordEventInterest { .. } => {}
            }
        }
        assert_eq!(TABLE.len(), 36);
    }

    #[test]
    fn refusals_name_the_rule() {
        let err = authorize(actor(AgencyAdmin), action("list users", Aim::Other));
        assert_eq!(err, Err(Denied::OtherAgency));
        let err = authorize(actor(AgencyAdmin), action("disable worker", Aim::Me));
        assert_eq!(err, Err(Denied::OwnAccount));
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("you cannot do this to your own account".to_owned())
        );
    }

    #[test]
    fn adopters_asking_for_suggestions_are_told_who_has_them() {
        for name in ["suggest families", "suggest children"] {
            for aim in [Aim::Own, Aim::Other, Aim::Me] {
                assert_eq!(
                    authorize(actor(Adopter), action(name, aim)),
                    Err(Denied::SuggestionsForWorkers),
                    "{name} / {aim:?}"
                );
            }
        }
    }

    #[test]
    fn assignable_roles_per_admin() {
        let la = AgencyKind::LocalAuthority;
        assert_eq!(
            assignable_roles(actor(AgencyAdmin), la),
            vec![
                AgencyAdmin,
                TeamManager,
                SocialWorker,
                FamilyFinder,
                BusinessSupport
            ]
        );
        assert_eq!(
            assignable_roles(actor(RegisterAdmin), AgencyKind::Register),
            vec![RegisterAdmin]
        );
        assert_eq!(
            assignable_roles(actor(AgencyAdmin), AgencyKind::Register),
            vec![]
        );
    }

    #[test]
    fn only_agency_administrators_run_their_own_agency_from_their_menu() {
        let runs: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| runs_own_agency(actor(*r)))
            .collect();
        assert_eq!(runs, vec![AgencyAdmin]);
    }

    #[test]
    fn audit_scopes() {
        assert_eq!(audit_scope(actor(RegisterAdmin)), Some(AuditScope::All));
        assert_eq!(
            audit_scope(actor(AgencyAdmin)),
            Some(AuditScope::Agency(OWN))
        );
        for role in [
            TeamManager,
            SocialWorker,
            FamilyFinder,
            BusinessSupport,
            Adopter,
        ] {
            assert_eq!(audit_scope(actor(role)), None);
        }
    }

    mod sight {
        use super::super::*;
        use crate::profile::{ChildStatus, HouseholdStatus};
        use Role::*;

        /// The viewers the table's columns stand for, looking at a child of agency 1 in "North".
        fn viewer(column: usize) -> Viewer<'static> {
            let (role, agency, region, household_active) = match column {
                0 => (SocialWorker, 1, "North", false), // the child's own agency
                1 => (TeamManager, 1, "North", false),  // also the own agency
                2 => (BusinessSupport, 1, "North", false), // own agency, not casework
                3 => (AgencyAdmin, 1, "North", false),  // own agency, not casework
                4 => (FamilyFinder, 2, "North", false), // another agency, same region
                5 => (SocialWorker, 3, "South", false), // another agency, other region
                6 => (RegisterAdmin, 4, "England", false), // the register's team
                7 => (BusinessSupport, 2, "North", false), // another agency, not casework
                8 => (Adopter, 2, "North", true),       // approved adopter, same region
                9 => (Adopter, 3, "South", true),       // approved adopter, other region
                10 => (Adopter, 1, "North", false),     // adopter not (yet) approved/active
                _ => unreachable!(),
            };
            Viewer {
                actor: Actor {
                    user_id: 10,
                    role,
                    agency_id: agency,
                },
                region,
                household_active,
                household_area: Some("Kent"),
            }
        }

        // F = full (with confidential details), P = published profile, . = nothing.
        // Columns: own social worker, own team manager, own business support, own agency admin,
        // other agency same region, other agency other region, register team, other agency's
        // business support, adopter same region, adopter other region, adopter not active.
        #[rustfmt::skip]
        const TABLE: &[(ChildVisibility, ChildStatus, bool, &str)] = &[
            (ChildVisibility::All,                  ChildStatus::Published,       false, "FF..PPP.PP."),
            (ChildVisibility::AgenciesOnly,         ChildStatus::Published,       false, "FF..PPP...."),
            (ChildVisibility::OwnRegion,            ChildStatus::Published,       false, "FF..P...P.."),
            (ChildVisibility::HiddenWhileExploring, ChildStatus::Published,       false, "FF..PPP.PP."),
            (ChildVisibility::HiddenWhileExploring, ChildStatus::Published,       true,  "FF........."),
            (ChildVisibility::All,                  ChildStatus::Draft,           false, "FF........."),
            (ChildVisibility::All,                  ChildStatus::AwaitingSignOff, false, "FF........."),
            (ChildVisibility::All,                  ChildStatus::OnHold,          false, "FF........."),
            (ChildVisibility::All,                  ChildStatus::Matched,         false, "FF........."),
            (ChildVisibility::All,                  ChildStatus::Placed,          false, "FF........."),
            (ChildVisibility::All,                  ChildStatus::Withdrawn,       false, "FF........."),
        ];

        #[test]
        fn the_child_sight_table() {
            let mut failures = Vec::new();
            for (visibility, status, exploring, cells) in TABLE {
                let child = ChildFacts {
                    agency: 1,
                    region: "North",
                    status: *status,
                    visibility: *visibility,
                    link_in_exploration: *exploring,
                    excluded_areas: &[],
                };
                for (column, cell) in cells.chars().enumerate() {
                    let expected = match cell {
                        'F' => Some(Sight::Full),
                        'P' => Some(Sight::Published),
                        _ => None,
                    };
                    let got = child_sight(viewer(column), child);
                    if got != expected {
                        failures.push(format!("{visibility:?} {status:?} exploring={exploring} column {column}: expected {expected:?}, got {got:?}"));
                    }
                }
            }
            assert!(failures.is_empty(), "{}", failures.join("\n"));
        }

        #[test]
        fn adopters_living_in_an_excluded_area_do_not_see_the_child() {
            let excluded = ["Cumbria".to_string(), "Kent".to_string()];
            let child = ChildFacts {
                agency: 1,
                region: "North",
                status: ChildStatus::Published,
                visibility: ChildVisibility::All,
                link_in_exploration: false,
                excluded_areas: &excluded,
            };
            // Columns 8 and 9 are adopters living in Kent; staff are not affected.
            assert_eq!(child_sight(viewer(8), child), None);
            assert_eq!(child_sight(viewer(9), child), None);
            assert_eq!(child_sight(viewer(4), child), Some(Sight::Published));
            let elsewhere = Viewer {
                household_area: Some("Devon"),
                ..viewer(9)
            };
            assert_eq!(child_sight(elsewhere, child), Some(Sight::Published));
        }

        #[test]
        fn households_are_never_seen_by_other_adopters() {
            let adopter = viewer(8);
            assert!(!household_sight(adopter, 2, false, HouseholdStatus::Active));
            assert!(
                household_sight(adopter, 2, true, HouseholdStatus::Draft),
                "their own"
            );
            assert!(
                household_sight(viewer(5), 2, false, HouseholdStatus::Active),
                "staff anywhere see active ones"
            );
            assert!(
                !household_sight(viewer(5), 2, false, HouseholdStatus::Draft),
                "drafts only in the owning agency"
            );
            assert!(household_sight(viewer(4), 2, false, HouseholdStatus::Draft));
            assert!(
                !household_sight(viewer(7), 2, false, HouseholdStatus::Active),
                "business support does not find families"
            );
        }
    }
}
