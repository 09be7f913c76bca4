//! Who takes part in a link, and what each party may do in it.
//!
//! A link has two sides. On the child's side, the person who follows it up (the agency's
//! setting decides who: the child's social worker, any family finder of the agency, or a named
//! person), the child's own worker, whoever asked for the link, and the agency's team managers.
//! On the family's side, the adopters and their agency's worker and team managers. Everything
//! shared by or with the adopters is visible to their worker: the family's agency sees every
//! message and document of the link. Nobody else sees the link at all.

use super::{Actor, AgencyId, Denied, UserId};
use crate::Role;
use crate::link::Side;

/// What the policy needs to know about a link to decide who takes part in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkFacts {
    pub child_agency: AgencyId,
    pub household_agency: AgencyId,
    pub household: i64,
    /// The child's social worker.
    pub child_worker: UserId,
    /// The household's social worker, once one is recorded.
    pub household_worker: Option<UserId>,
    /// Who follows the link up for the child's agency (`None` while the agency's
    /// family-finding team does, or if nobody is named).
    pub assigned_to: Option<UserId>,
    /// The child's agency has its family-finding team follow links up.
    pub team_follows_up: bool,
    /// The person who asked for the link.
    pub requested_by: UserId,
}

/// How someone takes part in a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkParty {
    /// Staff of the child's agency.
    ChildAgency { manager: bool },
    /// The adopters' agency's worker or team manager.
    FamilyAgency { manager: bool },
    /// One of the household's adopters.
    Adopter,
}

impl LinkParty {
    pub fn side(self) -> Side {
        match self {
            LinkParty::ChildAgency { .. } => Side::Child,
            LinkParty::FamilyAgency { .. } | LinkParty::Adopter => Side::Family,
        }
    }

    pub fn is_staff(self) -> bool {
        self != LinkParty::Adopter
    }
}

/// Whether `actor` takes part in the link, and how. `own_household` is the household an
/// adopter belongs to. Someone who works on both sides (child and family in one agency) acts
/// for the child if they follow the link up there, otherwise for the family.
pub fn link_party(actor: Actor, own_household: Option<i64>, link: LinkFacts) -> Option<LinkParty> {
    let me = actor.user_id;
    match actor.role {
        Role::Adopter => (own_household == Some(link.household)).then_some(LinkParty::Adopter),
        Role::TeamManager | Role::SocialWorker | Role::FamilyFinder => {
            let manager = actor.role == Role::TeamManager;
            let follows_child = actor.agency_id == link.child_agency
                && (manager
                    || link.assigned_to == Some(me)
                    || link.child_worker == me
                    || link.requested_by == me
                    || (link.team_follows_up && actor.role == Role::FamilyFinder));
            let works_for_family = actor.agency_id == link.household_agency
                && (manager
                    || (actor.role == Role::SocialWorker
                        && link.household_worker.is_none_or(|w| w == me))
                    || link.requested_by == me);
            if follows_child {
                Some(LinkParty::ChildAgency { manager })
            } else if works_for_family {
                Some(LinkParty::FamilyAgency { manager })
            } else {
                None
            }
        }
        Role::RegisterAdmin | Role::AgencyAdmin | Role::BusinessSupport => None,
    }
}

/// Whether a role takes part in links at all: the staff who work with children and families,
/// and adopters.
pub fn works_on_links(role: Role) -> bool {
    matches!(
        role,
        Role::TeamManager | Role::SocialWorker | Role::FamilyFinder | Role::Adopter
    )
}

/// What a party asks to do inside a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAct {
    View,
    /// Move the link on or close it, for the party's side (the life cycle decides which
    /// moves the side may make).
    Respond,
    /// Change who follows the link up for the child's agency.
    Reassign,
    /// Write a message; `to_adopters` if the adopters may read it.
    Message {
        to_adopters: bool,
    },
    /// Read a message; `to_adopters` if it was written for the adopters to read too.
    ReadMessage {
        to_adopters: bool,
    },
    /// Upload a document (only from exploring onward, while the link is open).
    UploadDocument {
        exploring: bool,
    },
    /// Let the adopters read a document, or stop them.
    ShareDocument,
    /// Download a document.
    ReadDocument {
        shared_with_adopters: bool,
        link_closed: bool,
    },
}

/// The one decision for everything done inside a link, once [`link_party`] has said how the
/// actor takes part. Refusals name the rule.
pub fn may_on_link(party: LinkParty, act: LinkAct) -> Result<(), Denied> {
    use LinkAct::*;
    use LinkParty::*;
    match (party, act) {
        (_, View | Respond) => Ok(()),
        (ChildAgency { manager: true }, Reassign) => Ok(()),
        (_, Reassign) => Err(Denied::NotTheManager),
        (Adopter, Message { to_adopters: false }) => Err(Denied::AdoptersReadEverything),
        (_, Message { .. }) => Ok(()),
        (Adopter, ReadMessage { to_adopters: false }) => Err(Denied::NotShared),
        (_, ReadMessage { .. }) => Ok(()),
        (_, UploadDocument { exploring: false }) => Err(Denied::NotYetExploring),
        (Adopter, UploadDocument { .. }) => Err(Denied::WorkersShareDocuments),
        (_, UploadDocument { .. }) => Ok(()),
        (FamilyAgency { .. }, ShareDocument) => Ok(()),
        (_, ShareDocument) => Err(Denied::AdoptersWorkerShares),
        (
            _,
            ReadDocument {
                link_closed: true, ..
            },
        ) => Err(Denied::LinkClosed),
        (
            Adopter,
            ReadDocument {
                shared_with_adopters: false,
                ..
            },
        ) => Err(Denied::NotShared),
        (_, ReadDocument { .. }) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    const CHILD_AGENCY: AgencyId = 1;
    const FAMILY_AGENCY: AgencyId = 2;
    const ELSEWHERE: AgencyId = 3;
    const HOUSEHOLD: i64 = 50;

    fn link() -> LinkFacts {
        LinkFacts {
            child_agency: CHILD_AGENCY,
            household_agency: FAMILY_AGENCY,
            household: HOUSEHOLD,
            child_worker: 20,
            household_worker: Some(30),
            assigned_to: Some(21),
            team_follows_up: false,
            requested_by: 22,
        }
    }

    fn who(user_id: UserId, role: Role, agency_id: AgencyId) -> Actor {
        Actor {
            user_id,
            role,
            agency_id,
        }
    }

    #[test]
    fn who_takes_part_in_a_link() {
        let child_side = Some(LinkParty::ChildAgency { manager: false });
        let family_side = Some(LinkParty::FamilyAgency { manager: false });
        #[rustfmt::skip]
        let table: &[(&str, Actor, Option<i64>, Option<LinkParty>)] = &[
            ("child's worker",               who(20, SocialWorker, CHILD_AGENCY), None, child_side),
            ("named follow-up person",       who(21, FamilyFinder, CHILD_AGENCY), None, child_side),
            ("whoever asked for the link",   who(22, FamilyFinder, CHILD_AGENCY), None, child_side),
            ("another family finder",        who(23, FamilyFinder, CHILD_AGENCY), None, None),
            ("another social worker",        who(24, SocialWorker, CHILD_AGENCY), None, None),
            ("child's team manager",         who(25, TeamManager, CHILD_AGENCY), None, Some(LinkParty::ChildAgency { manager: true })),
            ("child agency's administrator", who(26, AgencyAdmin, CHILD_AGENCY), None, None),
            ("child agency's support staff", who(27, BusinessSupport, CHILD_AGENCY), None, None),
            ("household's worker",           who(30, SocialWorker, FAMILY_AGENCY), None, family_side),
            ("another worker of the family's agency", who(31, SocialWorker, FAMILY_AGENCY), None, None),
            ("family agency's manager",      who(32, TeamManager, FAMILY_AGENCY), None, Some(LinkParty::FamilyAgency { manager: true })),
            ("family agency's family finder", who(33, FamilyFinder, FAMILY_AGENCY), None, None),
            ("the adopters",                 who(40, Adopter, FAMILY_AGENCY), Some(HOUSEHOLD), Some(LinkParty::Adopter)),
            ("other adopters",               who(41, Adopter, FAMILY_AGENCY), Some(HOUSEHOLD + 1), None),
            ("a manager elsewhere",          who(50, TeamManager, ELSEWHERE), None, None),
            ("a register administrator",     who(51, RegisterAdmin, ELSEWHERE), None, None),
        ];
        for (name, actor, household, expected) in table {
            assert_eq!(link_party(*actor, *household, link()), *expected, "{name}");
        }
    }

    #[test]
    fn the_family_finding_team_follows_up_when_the_agency_says_so() {
        let team = LinkFacts {
            assigned_to: None,
            team_follows_up: true,
            ..link()
        };
        let finder = who(23, FamilyFinder, CHILD_AGENCY);
        assert_eq!(
            link_party(finder, None, team),
            Some(LinkParty::ChildAgency { manager: false })
        );
        assert_eq!(
            link_party(who(24, SocialWorker, CHILD_AGENCY), None, team),
            None
        );
    }

    #[test]
    fn without_a_recorded_worker_any_worker_of_the_familys_agency_acts() {
        let unassigned = LinkFacts {
            household_worker: None,
            ..link()
        };
        assert_eq!(
            link_party(who(31, SocialWorker, FAMILY_AGENCY), None, unassigned),
            Some(LinkParty::FamilyAgency { manager: false })
        );
    }

    #[test]
    fn what_each_party_may_do() {
        use LinkAct::*;
        let child = LinkParty::ChildAgency { manager: false };
        let child_manager = LinkParty::ChildAgency { manager: true };
        let family = LinkParty::FamilyAgency { manager: false };
        let adopter = LinkParty::Adopter;
        let doc = |shared, closed| ReadDocument {
            shared_with_adopters: shared,
            link_closed: closed,
        };
        // Columns: child's agency, its manager, family's agency, adopters.
        #[rustfmt::skip]
        let table: &[(LinkAct, [bool; 4])] = &[
            (View,                                   [true, true, true, true]),
            (Respond,                                [true, true, true, true]),
            (Reassign,                               [false, true, false, false]),
            (Message { to_adopters: true },          [true, true, true, true]),
            (Message { to_adopters: false },         [true, true, true, false]),
            (ReadMessage { to_adopters: true },      [true, true, true, true]),
            (ReadMessage { to_adopters: false },     [true, true, true, false]),
            (UploadDocument { exploring: true },     [true, true, true, false]),
            (UploadDocument { exploring: false },    [false, false, false, false]),
            (ShareDocument,                          [false, false, true, false]),
            (doc(true, false),                       [true, true, true, true]),
            (doc(false, false),                      [true, true, true, false]),
            (doc(true, true),                        [false, false, false, false]),
            (doc(false, true),                       [false, false, false, false]),
        ];
        for (act, expected) in table {
            for (party, allowed) in [child, child_manager, family, adopter]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(
                    may_on_link(party, *act).is_ok(),
                    *allowed,
                    "{party:?} / {act:?}"
                );
            }
        }
    }
}
