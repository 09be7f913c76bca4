//! Who takes part in a request for access to adoption records, and which steps each may take.
//!
//! The procedure names a role for every step: business support takes the request in and gives
//! archive access; the Permanence Team Manager approves, allocates and authorises; the
//! allocated social worker does the casework and closes the case. Everything stays inside the
//! agency that holds the record. Nobody approves a request they recorded, and nobody
//! authorises their own access to a locked record. Reading the locked record itself needs an
//! active grant ([`may_read_locked`]), whatever one's role.

use super::{Actor, AgencyId, Denied, UserId};
use crate::Role;
use crate::Timestamp;
use crate::records_request::{AccessGrant, GrantKind, RequestEvent, holds_grant};

/// What the policy needs to know about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFacts {
    pub agency: AgencyId,
    /// The business support officer (or manager) who recorded the request.
    pub recorded_by: UserId,
    pub worker: Option<UserId>,
}

/// How someone stands to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The agency's business support team: intake and archive access. They see the request's
    /// details and progress, not the casework notes.
    BusinessSupport,
    /// A team manager of the agency. `recorded_it`: they took the request in themselves;
    /// `allocated`: they are also the case's worker.
    Manager { recorded_it: bool, allocated: bool },
    /// The allocated social worker.
    Worker,
}

impl Standing {
    /// Whether the casework (counselling notes, referrals, the intermediary record) is shown.
    pub fn sees_casework(self) -> bool {
        !matches!(self, Standing::BusinessSupport)
    }
}

/// How `actor` stands to the request, if at all. Nobody outside the agency, and nobody in it
/// other than business support, its team managers and the allocated worker, sees a request.
pub fn request_standing(actor: Actor, request: RequestFacts) -> Option<Standing> {
    if actor.agency_id != request.agency {
        return None;
    }
    let allocated = request.worker == Some(actor.user_id);
    match actor.role {
        Role::BusinessSupport => Some(Standing::BusinessSupport),
        Role::TeamManager => Some(Standing::Manager {
            recorded_it: request.recorded_by == actor.user_id,
            allocated,
        }),
        Role::SocialWorker if allocated => Some(Standing::Worker),
        _ => None,
    }
}

/// Whether a role takes part in records requests at all (for the menu).
pub fn works_on_records(role: Role) -> bool {
    matches!(
        role,
        Role::BusinessSupport | Role::TeamManager | Role::SocialWorker
    )
}

/// Who records a new request: business support, or a team manager covering for them.
pub fn may_record_request(actor: Actor) -> Result<(), Denied> {
    match actor.role {
        Role::BusinessSupport | Role::TeamManager => Ok(()),
        _ => Err(Denied::NotBusinessSupport),
    }
}

/// What someone asks to do to a request besides moving it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestAct {
    /// Move the request on.
    Step(RequestEvent),
    /// Correct the applicant's details and identity check (while the case is open).
    EditIntake,
    /// Renew or revoke a grant.
    ManageGrants,
    /// Read who viewed the locked record, and when.
    ReadViewLog,
    /// Confirm archive access was closed in the archive system.
    ConfirmArchiveClosed,
    /// Arrange appointments, record sessions, referrals, disclosures, the intermediary record.
    Casework,
}

/// The one decision for every act on a request, once [`request_standing`] has said how the
/// actor stands. Refusals name the rule.
pub fn may_on_request(standing: Standing, act: RequestAct) -> Result<(), Denied> {
    use RequestAct::*;
    use RequestEvent as E;
    use Standing::*;
    let manager = matches!(standing, Manager { .. });
    let support = standing == BusinessSupport;
    let worker = matches!(
        standing,
        Worker
            | Manager {
                allocated: true,
                ..
            }
    );
    match act {
        Step(E::SendForApproval)
        | EditIntake
        | ConfirmArchiveClosed
        | Step(E::GrantArchiveAccess) => {
            if support {
                Ok(())
            } else {
                Err(Denied::NotBusinessSupport)
            }
        }
        Step(E::Approve | E::Decline) => match standing {
            Manager {
                recorded_it: true, ..
            } => Err(Denied::OwnRequest),
            Manager { .. } => Ok(()),
            _ => Err(Denied::NotAManager),
        },
        Step(E::AuthoriseAccess) => match standing {
            Manager {
                allocated: true, ..
            } => Err(Denied::OwnAccess),
            Manager { .. } => Ok(()),
            _ => Err(Denied::NotAManager),
        },
        Step(E::Allocate | E::Reopen) | ManageGrants | ReadViewLog => {
            if manager {
                Ok(())
            } else {
                Err(Denied::NotAManager)
            }
        }
        Step(
            E::Counsel
            | E::RecordReferral
            | E::OpenIntermediary
            | E::CompleteIntermediary
            | E::SupportExternalAccess
            | E::Close,
        )
        | Casework => {
            if worker {
                Ok(())
            } else {
                Err(Denied::NotAllocated)
            }
        }
        // The applicant can withdraw at any time: whoever hears it first records it.
        Step(E::Withdraw) => Ok(()),
    }
}

/// Reading the locked record needs an active grant of that kind held by the reader, whatever
/// their role: a manager who authorises access does not thereby read the file.
pub fn may_read_locked(
    actor: Actor,
    standing: Option<Standing>,
    grants: &[AccessGrant],
    kind: GrantKind,
    now: Timestamp,
) -> Result<(), Denied> {
    if standing.is_none() {
        return Err(Denied::NoActiveGrant);
    }
    if holds_grant(grants, actor.user_id, kind, now) {
        Ok(())
    } else {
        Err(Denied::NoActiveGrant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestEvent as E;
    use Role::*;

    const AGENCY: AgencyId = 1;
    const ELSEWHERE: AgencyId = 2;
    const RECORDER: UserId = 10;
    const WORKER: UserId = 20;

    fn request() -> RequestFacts {
        RequestFacts {
            agency: AGENCY,
            recorded_by: RECORDER,
            worker: Some(WORKER),
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
    fn who_stands_where() {
        #[rustfmt::skip]
        let table: &[(&str, Actor, Option<Standing>)] = &[
            ("business support",               who(11, BusinessSupport, AGENCY), Some(Standing::BusinessSupport)),
            ("business support elsewhere",     who(11, BusinessSupport, ELSEWHERE), None),
            ("a manager",                      who(12, TeamManager, AGENCY), Some(Standing::Manager { recorded_it: false, allocated: false })),
            ("the manager who recorded it",    who(RECORDER, TeamManager, AGENCY), Some(Standing::Manager { recorded_it: true, allocated: false })),
            ("a manager allocated to it",      who(WORKER, TeamManager, AGENCY), Some(Standing::Manager { recorded_it: false, allocated: true })),
            ("a manager elsewhere",            who(12, TeamManager, ELSEWHERE), None),
            ("the allocated worker",           who(WORKER, SocialWorker, AGENCY), Some(Standing::Worker)),
            ("another social worker",          who(21, SocialWorker, AGENCY), None),
            ("a family finder",                who(22, FamilyFinder, AGENCY), None),
            ("the agency's administrator",     who(23, AgencyAdmin, AGENCY), None),
            ("a register administrator",       who(24, RegisterAdmin, AGENCY), None),
            ("an adopter",                     who(25, Adopter, AGENCY), None),
        ];
        for (name, actor, expected) in table {
            assert_eq!(request_standing(*actor, request()), *expected, "{name}");
        }
    }

    #[test]
    fn who_records_requests() {
        for role in Role::ALL {
            let allowed = matches!(role, BusinessSupport | TeamManager);
            assert_eq!(
                may_record_request(who(1, role, AGENCY)).is_ok(),
                allowed,
                "{role}"
            );
        }
    }

    /// The procedure as a table: every step, for business support, a manager, the manager
    /// who recorded the request, a manager who is also the allocated worker, and the worker.
    #[test]
    fn each_step_is_done_by_the_role_the_procedure_names() {
        use RequestAct::*;
        let m = |recorded_it, allocated| Standing::Manager {
            recorded_it,
            allocated,
        };
        let columns = [
            Standing::BusinessSupport,
            m(false, false),
            m(true, false),
            m(false, true),
            Standing::Worker,
        ];
        #[rustfmt::skip]
        let table: &[(RequestAct, [bool; 5])] = &[
            //                                  support manager recorder mgr+worker worker
            (Step(E::SendForApproval),          [true,  false, false, false, false]),
            (Step(E::Approve),                  [false, true,  false, true,  false]),
            (Step(E::Decline),                  [false, true,  false, true,  false]),
            (Step(E::Allocate),                 [false, true,  true,  true,  false]),
            (Step(E::AuthoriseAccess),          [false, true,  true,  false, false]),
            (Step(E::GrantArchiveAccess),       [true,  false, false, false, false]),
            (Step(E::Counsel),                  [false, false, false, true,  true]),
            (Step(E::RecordReferral),           [false, false, false, true,  true]),
            (Step(E::OpenIntermediary),         [false, false, false, true,  true]),
            (Step(E::CompleteIntermediary),     [false, false, false, true,  true]),
            (Step(E::SupportExternalAccess),    [false, false, false, true,  true]),
            (Step(E::Close),                    [false, false, false, true,  true]),
            (Step(E::Withdraw),                 [true,  true,  true,  true,  true]),
            (Step(E::Reopen),                   [false, true,  true,  true,  false]),
            (EditIntake,                        [true,  false, false, false, false]),
            (ManageGrants,                      [false, true,  true,  true,  false]),
            (ReadViewLog,                       [false, true,  true,  true,  false]),
            (ConfirmArchiveClosed,              [true,  false, false, false, false]),
            (Casework,                          [false, false, false, true,  true]),
        ];
        assert_eq!(
            table.iter().filter(|(a, _)| matches!(a, Step(_))).count(),
            E::ALL.len()
        );
        for (act, expected) in table {
            for (standing, allowed) in columns.into_iter().zip(expected) {
                assert_eq!(
                    may_on_request(standing, *act).is_ok(),
                    *allowed,
                    "{standing:?} / {act:?}"
                );
            }
        }
        assert_eq!(
            may_on_request(m(true, false), Step(E::Approve)),
            Err(Denied::OwnRequest)
        );
        assert_eq!(
            may_on_request(m(false, true), Step(E::AuthoriseAccess)),
            Err(Denied::OwnAccess)
        );
    }

    #[test]
    fn the_locked_record_needs_the_readers_own_active_grant() {
        let grant = |kind, user_id, expires_at, revoked_at| AccessGrant {
            kind,
            user_id,
            starts_at: 100,
            expires_at,
            revoked_at,
        };
        let worker = who(WORKER, SocialWorker, AGENCY);
        let manager = who(12, TeamManager, AGENCY);
        let stranger = who(WORKER, SocialWorker, ELSEWHERE);
        let now = 150;
        let locked = GrantKind::LockedRecord;
        #[rustfmt::skip]
        let table: &[(&str, Actor, Vec<AccessGrant>, GrantKind, bool)] = &[
            ("active grant",                  worker, vec![grant(locked, WORKER, 200, None)], locked, true),
            ("expired grant",                 worker, vec![grant(locked, WORKER, 150, None)], locked, false),
            ("revoked grant",                 worker, vec![grant(locked, WORKER, 200, Some(120))], locked, false),
            ("grant of the other kind",       worker, vec![grant(GrantKind::Archive, WORKER, 200, None)], locked, false),
            ("archive grant for the archive", worker, vec![grant(GrantKind::Archive, WORKER, 200, None)], GrantKind::Archive, true),
            ("someone else's grant",          manager, vec![grant(locked, WORKER, 200, None)], locked, false),
            ("no grant at all",               worker, vec![], locked, false),
            ("another agency's worker",       stranger, vec![grant(locked, WORKER, 200, None)], locked, false),
        ];
        for (name, actor, grants, kind, allowed) in table {
            let standing = request_standing(*actor, request());
            assert_eq!(
                may_read_locked(*actor, standing, grants, *kind, now).is_ok(),
                *allowed,
                "{name}"
            );
        }
    }
}
