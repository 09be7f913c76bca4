//! Profiles on the Register: a child's (or a sibling group's) and an approved household's.
//! Their life cycles are state machines — each changes state through one function that takes
//! the current state, who is acting and what they ask, and returns the new state or the rule
//! that was broken. Ages are computed from a stored date of birth, which is never shown.

use std::fmt;

/// A calendar date (proleptic Gregorian), checked when made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    year: i32,
    month: u8,
    day: u8,
}

impl CivilDate {
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Self { year, month, day })
    }
    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// The date of a Unix timestamp (UTC).
    pub fn from_unix(seconds: i64) -> Self {
        // Howard Hinnant's days-to-civil algorithm.
        let z = seconds.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse_iso(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        Self::new(year, month, day)
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// An age in whole years and months: how a child's age is shown (the date of birth never is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Age {
    pub years: u32,
    pub months: u32,
}

impl Age {
    /// The age on `today` of someone born on `born`; `None` if `born` is after `today`.
    pub fn on(born: CivilDate, today: CivilDate) -> Option<Age> {
        if born > today {
            return None;
        }
        let mut months =
            (today.year - born.year) * 12 + i32::from(today.month) - i32::from(born.month);
        // A month is complete on the same day-of-month, or on the month's last day when the
        // birthday's day does not exist in it (born 31 January: one month old on 28 February).
        let last_day = days_in_month(today.year, today.month);
        if today.day < born.day && today.day < last_day {
            months -= 1;
        }
        let months = u32::try_from(months).ok()?;
        Some(Age {
            years: months / 12,
            months: months % 12,
        })
    }

    pub fn total_months(self) -> u32 {
        self.years * 12 + self.months
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit =
            |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match (self.years, self.months) {
            (0, m) => f.write_str(&unit(m, "month", "months")),
            (y, 0) => f.write_str(&unit(y, "year", "years")),
            (y, m) => write!(
                f,
                "{} and {}",
                unit(y, "year", "years"),
                unit(m, "month", "months")
            ),
        }
    }
}

/// Kinds of need a child may have and a family may be able to consider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NeedCategory {
    PhysicalHealth,
    PhysicalDisability,
    LearningDisabilityOrDevelopmentalDelay,
    Fasd,
    EmotionalAndBehavioural,
    DevelopmentalUncertainty,
    TraumaHistory,
}

impl NeedCategory {
    pub const ALL: [NeedCategory; 7] = [
        NeedCategory::PhysicalHealth,
        NeedCategory::PhysicalDisability,
        NeedCategory::LearningDisabilityOrDevelopmentalDelay,
        NeedCategory::Fasd,
        NeedCategory::EmotionalAndBehavioural,
        NeedCategory::DevelopmentalUncertainty,
        NeedCategory::TraumaHistory,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NeedCategory::PhysicalHealth => "physical_health",
            NeedCategory::PhysicalDisability => "physical_disability",
            NeedCategory::LearningDisabilityOrDevelopmentalDelay => "learning_disability",
            NeedCategory::Fasd => "fasd",
            NeedCategory::EmotionalAndBehavioural => "emotional_behavioural",
            NeedCategory::DevelopmentalUncertainty => "developmental_uncertainty",
            NeedCategory::TraumaHistory => "trauma_history",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NeedCategory::PhysicalHealth => "Physical health",
            NeedCategory::PhysicalDisability => "Physical disability",
            NeedCategory::LearningDisabilityOrDevelopmentalDelay => {
                "Learning disability or developmental delay"
            }
            NeedCategory::Fasd => "Foetal alcohol spectrum disorder (FASD)",
            NeedCategory::EmotionalAndBehavioural => "Emotional and behavioural",
            NeedCategory::DevelopmentalUncertainty => "Developmental uncertainty",
            NeedCategory::TraumaHistory => "History of trauma",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

/// How much of a need: a child's level, or the most a family can consider. Ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NeedLevel {
    None,
    Low,
    Medium,
    High,
}

impl NeedLevel {
    pub const ALL: [NeedLevel; 4] = [
        NeedLevel::None,
        NeedLevel::Low,
        NeedLevel::Medium,
        NeedLevel::High,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NeedLevel::None => "none",
            NeedLevel::Low => "low",
            NeedLevel::Medium => "medium",
            NeedLevel::High => "high",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            NeedLevel::None => "None",
            NeedLevel::Low => "Low",
            NeedLevel::Medium => "Medium",
            NeedLevel::High => "High",
        }
    }
}

/// Who is acting on a profile, as far as its rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileActor {
    pub role: crate::Role,
    /// Works for the agency that owns the profile.
    pub own_agency: bool,
    /// The person who sent the profile for sign-off or agreement (if it is waiting).
    pub submitted_it: bool,
}

/// A rule of a profile's life cycle that an event would break, in words a user can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProfileRuleBroken {
    #[error("only the agency that owns this profile can change it")]
    OtherAgency,
    #[error("your role cannot do this to a profile")]
    WrongRole,
    #[error("someone other than the person who sent it must sign it off")]
    OwnSubmission,
    #[error("every confidentiality finding must be fixed or acknowledged first")]
    UnresolvedFindings,
    #[error("this cannot be done to a profile that is {0}")]
    NotNow(&'static str),
}

impl ProfileRuleBroken {
    /// A stable code for the JSON API.
    pub fn code(self) -> &'static str {
        match self {
            ProfileRuleBroken::OtherAgency => "other_agency",
            ProfileRuleBroken::WrongRole => "wrong_role",
            ProfileRuleBroken::OwnSubmission => "own_submission",
            ProfileRuleBroken::UnresolvedFindings => "unresolved_findings",
            ProfileRuleBroken::NotNow(_) => "not_now",
        }
    }
}

/// The life cycle both kinds of profile share: draft → awaiting approval → live → on hold →
/// matched → placed, or withdrawn. Its rules are written once, here; [`ChildStatus`] and
/// [`HouseholdStatus`] are its names in each kind's own words ("published", "active").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Draft,
    Awaiting,
    Live,
    OnHold,
    Matched,
    Placed,
    Withdrawn,
}

/// A step in the shared life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Submit {
        unresolved_findings: usize,
    },
    Approve,
    ReturnForChanges,
    PutOnHold,
    Resume,
    RecordMatch,
    MatchFellThrough,
    RecordPlacement,
    Withdraw,
    /// Take a live profile back to draft to change it; it leaves every search until it is
    /// approved again, so nothing reaches readers unchecked.
    Revise,
}

/// What the actor may do, as each kind of profile decides it.
struct Authority {
    /// Submit, place, withdraw.
    worker: bool,
    /// Approve (sign off / agree), return for changes, record or undo a match.
    manager: bool,
    /// Put on hold and resume.
    pauser: bool,
    submitted_it: bool,
}

/// The one transition table.
fn advance(
    stage: Stage,
    step: Step,
    who: Authority,
    label: &'static str,
) -> Result<Stage, ProfileRuleBroken> {
    use Stage::*;
    let require = |allowed: bool| {
        if allowed {
            Ok(())
        } else {
            Err(ProfileRuleBroken::WrongRole)
        }
    };
    let next = match (stage, step) {
        (
            Draft,
            Step::Submit {
                unresolved_findings,
            },
        ) => {
            require(who.worker)?;
            if unresolved_findings > 0 {
                return Err(ProfileRuleBroken::UnresolvedFindings);
            }
            Awaiting
        }
        (Awaiting, Step::Approve) => {
            require(who.manager)?;
            if who.submitted_it {
                return Err(ProfileRuleBroken::OwnSubmission);
            }
            Live
        }
        (Awaiting, Step::ReturnForChanges) => {
            require(who.manager)?;
            Draft
        }
        (Live, Step::PutOnHold) => {
            require(who.pauser)?;
            OnHold
        }
        (OnHold, Step::Resume) => {
            require(who.pauser)?;
            Live
        }
        // A match is a panel's decision, recorded by a manager.
        (Live | OnHold, Step::RecordMatch) => {
            require(who.manager)?;
            Matched
        }
        (Matched, Step::MatchFellThrough) => {
            require(who.manager)?;
            Live
        }
        (Matched, Step::RecordPlacement) => {
            require(who.worker)?;
            Placed
        }
        (Live | OnHold, Step::Revise) => {
            require(who.worker)?;
            Draft
        }
        (s, Step::Withdraw) if !matches!(s, Placed | Withdrawn) => {
            require(who.worker)?;
            Withdrawn
        }
        _ => return Err(ProfileRuleBroken::NotNow(label)),
    };
    Ok(next)
}

/// Declares a status type as the shared life cycle's names: each variant, its stage, its
/// stored code and its label.
macro_rules! lifecycle_names {
    ($name:ident { $($variant:ident = $stage:ident, $code:literal, $label:literal;)* }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)* }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)* }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)* _ => None }
            }

            fn stage(self) -> Stage {
                match self { $($name::$variant => Stage::$stage,)* }
            }

            fn from_stage(stage: Stage) -> Self {
                match stage { $(Stage::$stage => $name::$variant,)* }
            }

            /// Whether the profile appears in searches. Matched, placed and withdrawn profiles
            /// leave every search at once.
            pub fn is_searchable(self) -> bool {
                self.stage() == Stage::Live
            }

            pub fn is_final(self) -> bool {
                matches!(self.stage(), Stage::Placed | Stage::Withdrawn)
            }
        }
    };
}

lifecycle_names!(ChildStatus {
    Draft = Draft, "draft", "draft";
    AwaitingSignOff = Awaiting, "awaiting_sign_off", "awaiting sign-off";
    Published = Live, "published", "published";
    OnHold = OnHold, "on_hold", "on hold";
    Matched = Matched, "matched", "matched";
    Placed = Placed, "placed", "placed";
    Withdrawn = Withdrawn, "withdrawn", "withdrawn";
});

lifecycle_names!(HouseholdStatus {
    Draft = Draft, "draft", "draft";
    AwaitingAgreement = Awaiting, "awaiting_agreement", "awaiting agency agreement";
    Active = Live, "active", "active";
    OnHold = OnHold, "on_hold", "on hold";
    Matched = Matched, "matched", "matched";
    Placed = Placed, "placed", "placed";
    Withdrawn = Withdrawn, "withdrawn", "withdrawn";
});

/// What can happen to a child's or sibling group's profile. "Linked" is derived from open
/// links, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEvent {
    /// The child's worker sends the profile to a team manager.
    SubmitForSignOff {
        unresolved_findings: usize,
    },
    /// A team manager of the child's agency signs it off: it is published.
    SignOff,
    /// A team manager sends it back for changes.
    ReturnForChanges,
    PutOnHold,
    Resume,
    RecordMatch,
    /// A match that did not go ahead: back to published.
    MatchFellThrough,
    RecordPlacement,
    Withdraw,
    /// The child's worker takes a published or held profile back to draft to change it.
    Revise,
}

impl ChildStatus {
    /// The one way a child's profile changes state. Only its own agency's child workers,
    /// family finders and team managers act on it; team managers sign off and record matches.
    pub fn apply(
        self,
        actor: ProfileActor,
        event: ChildEvent,
    ) -> Result<ChildStatus, ProfileRuleBroken> {
        use crate::Role::{FamilyFinder, SocialWorker, TeamManager};
        if !actor.own_agency {
            return Err(ProfileRuleBroken::OtherAgency);
        }
        let worker = matches!(actor.role, SocialWorker | FamilyFinder | TeamManager);
        let who = Authority {
            worker,
            manager: actor.role == TeamManager,
            pauser: worker,
            submitted_it: actor.submitted_it,
        };
        let step = match event {
            ChildEvent::SubmitForSignOff {
                unresolved_findings,
            } => Step::Submit {
                unresolved_findings,
            },
            ChildEvent::SignOff => Step::Approve,
            ChildEvent::ReturnForChanges => Step::ReturnForChanges,
            ChildEvent::PutOnHold => Step::PutOnHold,
            ChildEvent::Resume => Step::Resume,
            ChildEvent::RecordMatch => Step::RecordMatch,
            ChildEvent::MatchFellThrough => Step::MatchFellThrough,
            ChildEvent::RecordPlacement => Step::RecordPlacement,
            ChildEvent::Withdraw => Step::Withdraw,
            ChildEvent::Revise => Step::Revise,
        };
        advance(self.stage(), step, who, self.label()).map(Self::from_stage)
    }
}

/// What can happen to an approved household's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseholdEvent {
    SubmitForAgreement {
        unresolved_findings: usize,
    },
    Agree,
    ReturnForChanges,
    PutOnHold,
    Resume,
    RecordMatch,
    MatchFellThrough,
    RecordPlacement,
    Withdraw,
    /// The adopters' worker takes the profile back to draft (adopters edit an agreed profile
    /// in place instead).
    Revise,
}

impl HouseholdStatus {
    /// Adopters edit their own profile only once their agency has agreed it.
    pub fn adopters_may_edit(self) -> bool {
        matches!(self, HouseholdStatus::Active | HouseholdStatus::OnHold)
    }

    /// The one way a household's profile changes state. Adopters can put their own profile on
    /// hold and resume it (a family's circumstances change), but not approve or match it.
    pub fn apply(
        self,
        actor: HouseholdActor,
        event: HouseholdEvent,
    ) -> Result<HouseholdStatus, ProfileRuleBroken> {
        use crate::Role::{Adopter, SocialWorker, TeamManager};
        let p = actor.profile;
        let adopter = p.role == Adopter && actor.own_household;
        if !p.own_agency && !adopter {
            return Err(ProfileRuleBroken::OtherAgency);
        }
        let worker = matches!(p.role, SocialWorker | TeamManager) && p.own_agency;
        let manager = p.role == TeamManager && p.own_agency;
        let who = Authority {
            worker,
            manager,
            pauser: worker || adopter,
            submitted_it: p.submitted_it,
        };
        let step = match event {
            HouseholdEvent::SubmitForAgreement {
                unresolved_findings,
            } => Step::Submit {
                unresolved_findings,
            },
            HouseholdEvent::Agree => Step::Approve,
            HouseholdEvent::ReturnForChanges => Step::ReturnForChanges,
            HouseholdEvent::PutOnHold => Step::PutOnHold,
            HouseholdEvent::Resume => Step::Resume,
            HouseholdEvent::RecordMatch => Step::RecordMatch,
            HouseholdEvent::MatchFellThrough => Step::MatchFellThrough,
            HouseholdEvent::RecordPlacement => Step::RecordPlacement,
            HouseholdEvent::Withdraw => Step::Withdraw,
            HouseholdEvent::Revise => Step::Revise,
        };
        advance(self.stage(), step, who, self.label()).map(Self::from_stage)
    }
}

/// Who is acting on a household's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdActor {
    pub profile: ProfileActor,
    /// An adopter acting on their own household's profile.
    pub own_household: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use proptest::prelude::*;

    fn d(y: i32, m: u8, day: u8) -> CivilDate {
        CivilDate::new(y, m, day).expect("valid date")
    }

    #[test]
    fn dates_are_checked_and_read_from_timestamps() {
        assert!(CivilDate::new(2024, 2, 29).is_some());
        assert!(CivilDate::new(2023, 2, 29).is_none());
        assert!(CivilDate::new(2026, 13, 1).is_none());
        assert!(CivilDate::new(2026, 4, 31).is_none());
        assert_eq!(CivilDate::from_unix(1_795_454_040), d(2026, 11, 23));
        assert_eq!(CivilDate::from_unix(0), d(1970, 1, 1));
        assert_eq!(CivilDate::from_unix(-1), d(1969, 12, 31));
        assert_eq!(CivilDate::parse_iso("2016-03-12"), Some(d(2016, 3, 12)));
        assert_eq!(CivilDate::parse_iso("2016-02-30"), None);
        assert_eq!(d(2016, 3, 2).to_string(), "2016-03-02");
    }

    #[test]
    fn ages_in_years_and_months() {
        let born = d(2019, 5, 15);
        assert_eq!(
            Age::on(born, d(2026, 11, 23)),
            Some(Age {
                years: 7,
                months: 6
            })
        );
        assert_eq!(
            Age::on(born, d(2026, 11, 14)),
            Some(Age {
                years: 7,
                months: 5
            })
        );
        assert_eq!(
            Age::on(born, d(2026, 5, 15)),
            Some(Age {
                years: 7,
                months: 0
            })
        );
        assert_eq!(
            Age::on(born, d(2019, 5, 15)),
            Some(Age {
                years: 0,
                months: 0
            })
        );
        assert_eq!(Age::on(born, d(2019, 5, 14)), None);
        // Born on the 31st: a month old on the last day of a shorter month.
        assert_eq!(
            Age::on(d(2026, 1, 31), d(2026, 2, 28)),
            Some(Age {
                years: 0,
                months: 1
            })
        );
        assert_eq!(
            Age::on(d(2024, 2, 29), d(2025, 2, 28)),
            Some(Age {
                years: 1,
                months: 0
            })
        );
        assert_eq!(
            Age {
                years: 7,
                months: 6
            }
            .to_string(),
            "7 years and 6 months"
        );
        assert_eq!(
            Age {
                years: 1,
                months: 0
            }
            .to_string(),
            "1 year"
        );
        assert_eq!(
            Age {
                years: 0,
                months: 1
            }
            .to_string(),
            "1 month"
        );
    }

    fn actor(role: Role) -> ProfileActor {
        ProfileActor {
            role,
            own_agency: true,
            submitted_it: false,
        }
    }

    #[test]
    fn a_child_profile_goes_from_draft_to_placed() {
        let worker = actor(Role::SocialWorker);
        let manager = actor(Role::TeamManager);
        let s = ChildStatus::Draft
            .apply(
                worker,
                ChildEvent::SubmitForSignOff {
                    unresolved_findings: 0,
                },
            )
            .expect("submit");
        let s = s.apply(manager, ChildEvent::SignOff).expect("sign off");
        assert_eq!(s, ChildStatus::Published);
        assert!(s.is_searchable());
        let s = s
            .apply(worker, ChildEvent::PutOnHold)
            .and_then(|s| s.apply(worker, ChildEvent::Resume))
            .expect("hold");
        let s = s.apply(manager, ChildEvent::RecordMatch).expect("match");
        assert!(!s.is_searchable(), "a matched child leaves every search");
        assert_eq!(
            s.apply(worker, ChildEvent::RecordPlacement),
            Ok(ChildStatus::Placed)
        );
    }

    #[test]
    fn a_published_profile_goes_back_to_draft_to_be_changed() {
        let worker = actor(Role::SocialWorker);
        assert_eq!(
            ChildStatus::Published.apply(worker, ChildEvent::Revise),
            Ok(ChildStatus::Draft)
        );
        assert_eq!(
            ChildStatus::OnHold.apply(worker, ChildEvent::Revise),
            Ok(ChildStatus::Draft)
        );
        assert_eq!(
            ChildStatus::Matched.apply(worker, ChildEvent::Revise),
            Err(ProfileRuleBroken::NotNow("matched"))
        );
    }

    #[test]
    fn child_profile_rules_name_what_was_broken() {
        let worker = actor(Role::SocialWorker);
        let manager = actor(Role::TeamManager);
        let draft = ChildStatus::Draft;
        assert_eq!(
            draft.apply(
                worker,
                ChildEvent::SubmitForSignOff {
                    unresolved_findings: 2
                }
            ),
            Err(ProfileRuleBroken::UnresolvedFindings)
        );
        assert_eq!(
            ChildStatus::AwaitingSignOff.apply(worker, ChildEvent::SignOff),
            Err(ProfileRuleBroken::WrongRole)
        );
        let submitter = ProfileActor {
            submitted_it: true,
            ..manager
        };
        assert_eq!(
            ChildStatus::AwaitingSignOff.apply(submitter, ChildEvent::SignOff),
            Err(ProfileRuleBroken::OwnSubmission)
        );
        let elsewhere = ProfileActor {
            own_agency: false,
            ..manager
        };
        assert_eq!(
            ChildStatus::AwaitingSignOff.apply(elsewhere, ChildEvent::SignOff),
            Err(ProfileRuleBroken::OtherAgency)
        );
        assert_eq!(
            draft.apply(manager, ChildEvent::SignOff),
            Err(ProfileRuleBroken::NotNow("draft"))
        );
        assert_eq!(
            ChildStatus::Placed.apply(manager, ChildEvent::Withdraw),
            Err(ProfileRuleBroken::NotNow("placed"))
        );
        for role in [
            Role::Adopter,
            Role::BusinessSupport,
            Role::AgencyAdmin,
            Role::RegisterAdmin,
        ] {
            assert_eq!(
                draft.apply(
                    actor(role),
                    ChildEvent::SubmitForSignOff {
                        unresolved_findings: 0
                    }
                ),
                Err(ProfileRuleBroken::WrongRole),
                "{role}"
            );
        }
        assert_eq!(
            ProfileRuleBroken::UnresolvedFindings.to_string(),
            "every confidentiality finding must be fixed or acknowledged first"
        );
    }

    #[test]
    fn households_are_agreed_by_their_agency_and_paused_by_their_adopters() {
        let worker = HouseholdActor {
            profile: actor(Role::SocialWorker),
            own_household: false,
        };
        let manager = HouseholdActor {
            profile: actor(Role::TeamManager),
            own_household: false,
        };
        let adopter = HouseholdActor {
            profile: ProfileActor {
                role: Role::Adopter,
                own_agency: false,
                submitted_it: false,
            },
            own_household: true,
        };
        let other_adopter = HouseholdActor {
            own_household: false,
            ..adopter
        };
        let s = HouseholdStatus::Draft
            .apply(
                worker,
                HouseholdEvent::SubmitForAgreement {
                    unresolved_findings: 0,
                },
            )
            .expect("submit");
        assert!(!s.adopters_may_edit());
        assert_eq!(
            s.apply(adopter, HouseholdEvent::Agree),
            Err(ProfileRuleBroken::WrongRole)
        );
        let s = s.apply(manager, HouseholdEvent::Agree).expect("agree");
        assert!(s.adopters_may_edit() && s.is_searchable());
        let s = s
            .apply(adopter, HouseholdEvent::PutOnHold)
            .expect("adopters pause");
        assert_eq!(
            s.apply(other_adopter, HouseholdEvent::Resume),
            Err(ProfileRuleBroken::OtherAgency)
        );
        let s = s
            .apply(adopter, HouseholdEvent::Resume)
            .expect("and resume");
        assert_eq!(
            s.apply(adopter, HouseholdEvent::RecordMatch),
            Err(ProfileRuleBroken::WrongRole)
        );
        assert_eq!(
            s.apply(adopter, HouseholdEvent::Withdraw),
            Err(ProfileRuleBroken::WrongRole)
        );
    }

    fn child_event() -> impl Strategy<Value = ChildEvent> {
        prop_oneof![
            4 => prop_oneof![3 => Just(0usize), 1 => 1usize..3].prop_map(|n| {
                ChildEvent::SubmitForSignOff {
                    unresolved_findings: n,
                }
            }),
            4 => Just(ChildEvent::SignOff),
            4 => Just(ChildEvent::ReturnForChanges),
            4 => Just(ChildEvent::PutOnHold),
            4 => Just(ChildEvent::Resume),
            4 => Just(ChildEvent::RecordMatch),
            4 => Just(ChildEvent::MatchFellThrough),
            4 => Just(ChildEvent::RecordPlacement),
            4 => Just(ChildEvent::Withdraw),
            1 => Just(ChildEvent::Revise),
        ]
    }

    /// Mostly the people who can act (so that long life cycles are explored), sometimes
    /// anyone at all.
    fn any_actor() -> impl Strategy<Value = ProfileActor> {
        let role = prop_oneof![
            4 => Just(Role::SocialWorker),
            4 => Just(Role::TeamManager),
            2 => proptest::sample::select(Role::ALL.to_vec()),
        ];
        (
            role,
            proptest::bool::weighted(0.9),
            proptest::bool::weighted(0.3),
        )
            .prop_map(|(role, own_agency, submitted_it)| ProfileActor {
                role,
                own_agency,
                submitted_it,
            })
    }

    /// The property below is only as good as the sequences it tries: they must reach every
    /// status, or it proves nothing about the later ones.
    #[test]
    fn the_generated_life_cycles_reach_every_status() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let steps = proptest::collection::vec((any_actor(), child_event()), 0..40);
        let mut reached = std::collections::HashSet::new();
        for _ in 0..256 {
            let mut status = ChildStatus::Draft;
            reached.insert(status);
            for (actor, event) in steps.new_tree(&mut runner).expect("a sequence").current() {
                if let Ok(next) = status.apply(actor, event) {
                    status = next;
                    reached.insert(status);
                }
            }
        }
        assert_eq!(reached.len(), 7, "reached only {reached:?}");
    }

    proptest! {
        /// Whatever happens, in any order, by anyone: a profile is only ever published after a
        /// sign-off by a manager of its own agency who did not send it; placed and withdrawn
        /// are final; nobody outside the agency changes anything; and a refused event changes
        /// nothing.
        #[test]
        fn child_profiles_never_reach_an_illegal_state(steps in proptest::collection::vec((any_actor(), child_event()), 0..40)) {
            let mut status = ChildStatus::Draft;
            let mut signed_off = false;

            for (actor, event) in steps {
                if let Ok(next) = status.apply(actor, event) {
                    prop_assert!(actor.own_agency);
                    prop_assert!(!status.is_final(), "{status:?} is final");
                    prop_assert!(matches!(actor.role, Role::SocialWorker | Role::FamilyFinder | Role::TeamManager));
                    if next == ChildStatus::AwaitingSignOff {
                        prop_assert_eq!(event, ChildEvent::SubmitForSignOff { unresolved_findings: 0 });
                    }
                    if status == ChildStatus::AwaitingSignOff && next == ChildStatus::Published {
                        prop_assert_eq!(actor.role, Role::TeamManager);
                        prop_assert!(!actor.submitted_it);
                        signed_off = true;
                    }
                    if next == ChildStatus::Published {
                        prop_assert!(signed_off, "published without a sign-off");
                    }
                    status = next;
                }
            }
        }
    }
}
