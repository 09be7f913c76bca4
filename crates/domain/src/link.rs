//! Links: a possible match between one child (or sibling group) and one household, being
//! explored. The life cycle is one state machine, [`LinkState::apply`]: every change names the
//! side that made it, and every way of closing a link carries a structured reason and written
//! feedback, so "why did this not go ahead?" always has an answer.
//!
//! ```text
//! interest expressed ─► under consideration ─► exploring ─► proceeding to match ─► matched
//!        │                      │                  │                 │
//!        └──────────────────────┴──────────────────┴─────────────────┴─► closed: declined,
//!                                                      withdrawn, expired or superseded
//! ```
//!
//! Who may act for a side is the policy's business ([`crate::policy::link_party`]); what a side
//! may do in each state is decided here.

use std::fmt;

crate::coded_enum! {
    /// The two sides of a link.
    pub enum Side {
        /// The child's agency: the child's social worker, its family finders, its managers.
        Child = "child", "the child's agency";
        /// The household: the adopters and their agency's worker and managers.
        Family = "family", "the family";
    }
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Child => Side::Family,
            Side::Family => Side::Child,
        }
    }
}

crate::coded_enum! {
    /// How a link ended without a match.
    pub enum Closure {
        /// The side that was asked said no.
        Declined = "declined", "declined";
        /// The side that asked stopped it.
        Withdrawn = "withdrawn", "withdrawn";
        /// Nobody answered in time.
        Expired = "expired", "expired (no response)";
        /// The child or the family was matched in another link.
        Superseded = "superseded", "superseded";
    }
}

crate::coded_enum! {
    /// Why a link closed: a short list so that reasons can be counted, always with written
    /// feedback beside it.
    pub enum CloseReason {
        Location = "location", "Location";
        Needs = "needs", "The child's needs";
        FamilyCircumstances = "family_circumstances", "The family's circumstances";
        ChildPlanChanged = "child_plan_changed", "The child's plan has changed";
        OtherLinkProgressing = "other_link_progressing", "Another link is progressing";
        NoResponse = "no_response", "No response";
        MatchedElsewhere = "matched_elsewhere", "Matched in another link";
        Other = "other", "Another reason";
    }
}

impl CloseReason {
    /// The reasons a person chooses from; "no response" and "matched in another link" are
    /// given by the system when a link expires or is superseded.
    pub fn chosen_by_people() -> impl Iterator<Item = CloseReason> {
        CloseReason::ALL
            .iter()
            .copied()
            .filter(|r| !matches!(r, CloseReason::NoResponse | CloseReason::MatchedElsewhere))
    }
}

crate::coded_enum! {
    /// The documents exchanged in a link.
    pub enum DocumentKind {
        ChildPermanenceReport = "child_permanence_report", "Child Permanence Report";
        ProspectiveAdoptersReport = "prospective_adopters_report", "Prospective Adopter's Report";
        MedicalReport = "medical_report", "Medical report";
        OtherReport = "other_report", "Other report";
    }
}

/// Where a link stands. A closed link always knows how and why it closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkState {
    InterestExpressed,
    UnderConsideration,
    Exploring,
    ProceedingToMatch,
    Matched,
    Closed(Closure, CloseReason),
}

impl LinkState {
    /// The stored code; a closed link stores its closure and reason beside it.
    pub fn code(self) -> &'static str {
        match self {
            LinkState::InterestExpressed => "interest_expressed",
            LinkState::UnderConsideration => "under_consideration",
            LinkState::Exploring => "exploring",
            LinkState::ProceedingToMatch => "proceeding_to_match",
            LinkState::Matched => "matched",
            LinkState::Closed(..) => "closed",
        }
    }

    /// Reads a stored state back: `closure` and `reason` are only present for a closed link.
    pub fn from_stored(code: &str, closure: Option<&str>, reason: Option<&str>) -> Option<Self> {
        Some(match code {
            "interest_expressed" => LinkState::InterestExpressed,
            "under_consideration" => LinkState::UnderConsideration,
            "exploring" => LinkState::Exploring,
            "proceeding_to_match" => LinkState::ProceedingToMatch,
            "matched" => LinkState::Matched,
            "closed" => LinkState::Closed(Closure::parse(closure?)?, CloseReason::parse(reason?)?),
            _ => return None,
        })
    }

    pub fn label(self) -> String {
        match self {
            LinkState::InterestExpressed => "Interest expressed".into(),
            LinkState::UnderConsideration => "Under consideration".into(),
            LinkState::Exploring => "Exploring".into(),
            LinkState::ProceedingToMatch => "Proceeding to match".into(),
            LinkState::Matched => "Matched".into(),
            LinkState::Closed(closure, _) => {
                let how = closure.label();
                let mut label = String::from("Closed: ");
                label.push_str(how);
                label
            }
        }
    }

    /// Open links count towards the limits and can still change.
    pub fn is_open(self) -> bool {
        !matches!(self, LinkState::Matched | LinkState::Closed(..))
    }

    /// Links in exploration count towards a child's limit, and may exchange documents.
    pub fn is_exploring(self) -> bool {
        matches!(self, LinkState::Exploring | LinkState::ProceedingToMatch)
    }

    /// Documents are exchanged from exploring onward, and stay with a matched link (the
    /// matching work goes on with them); a closed link's documents are out of reach.
    pub fn exchanges_documents(self) -> bool {
        self.is_exploring() || self == LinkState::Matched
    }

    /// Whose answer the link waits for, given who started it: the side that was asked owes
    /// a response until it takes the link forward or declines it. Nobody is timed after that.
    pub fn waiting_on(self, started_by: Side) -> Option<Side> {
        match self {
            LinkState::InterestExpressed | LinkState::UnderConsideration => {
                Some(started_by.other())
            }
            _ => None,
        }
    }

    /// The one way a link changes state. `by` is the side acting (`None`: the system, for
    /// expiry and supersession); `started_by` is the side that asked for the link.
    pub fn apply(
        self,
        started_by: Side,
        by: Option<Side>,
        event: LinkEvent,
    ) -> Result<LinkState, LinkRuleBroken> {
        use LinkEvent::*;
        use LinkState::*;
        if !self.is_open() {
            return Err(LinkRuleBroken::AlreadyEnded);
        }
        let asked = started_by.other();
        let waiting = self.waiting_on(started_by).is_some();
        match (event, by) {
            (Consider, Some(side)) if self == InterestExpressed && side == asked => {
                Ok(UnderConsideration)
            }
            (Explore, Some(side)) if waiting && side == asked => Ok(Exploring),
            (Consider | Explore, Some(_)) if waiting => Err(LinkRuleBroken::NotYourTurn),
            (ProceedToMatch, Some(Side::Child)) if self == Exploring => Ok(ProceedingToMatch),
            (RecordMatch, Some(Side::Child)) if self == ProceedingToMatch => Ok(Matched),
            (ProceedToMatch | RecordMatch, Some(Side::Family))
                if matches!(self, Exploring | ProceedingToMatch) =>
            {
                Err(LinkRuleBroken::ChildAgencyDecides)
            }
            (Close(reason), Some(side)) => {
                if matches!(
                    reason,
                    CloseReason::NoResponse | CloseReason::MatchedElsewhere
                ) {
                    return Err(LinkRuleBroken::SystemReason);
                }
                let how = if side == started_by {
                    Closure::Withdrawn
                } else {
                    Closure::Declined
                };
                Ok(Closed(how, reason))
            }
            (Expire, None) if waiting => Ok(Closed(Closure::Expired, CloseReason::NoResponse)),
            (Supersede, None) => Ok(Closed(Closure::Superseded, CloseReason::MatchedElsewhere)),
            (Expire | Supersede, Some(_)) => Err(LinkRuleBroken::SystemOnly),
            _ => Err(LinkRuleBroken::NotNow(self)),
        }
    }
}

impl fmt::Display for LinkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Everything that can happen to a link after it is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkEvent {
    /// The side that was asked says it is looking at the link.
    Consider,
    /// The side that was asked takes the link forward: both sides now explore it.
    Explore,
    /// The child's agency takes the link to its matching panel (the date is recorded with it).
    ProceedToMatch,
    /// The child's agency records the match.
    RecordMatch,
    /// Either side ends the link, with a reason (and written feedback, kept beside it).
    Close(CloseReason),
    /// The system: nobody answered before the second period ran out.
    Expire,
    /// The system: the child or family was matched in another link.
    Supersede,
}

impl LinkEvent {
    /// The stored and audited name of the event.
    pub fn code(self) -> &'static str {
        match self {
            LinkEvent::Consider => "consider",
            LinkEvent::Explore => "explore",
            LinkEvent::ProceedToMatch => "proceed_to_match",
            LinkEvent::RecordMatch => "record_match",
            LinkEvent::Close(_) => "close",
            LinkEvent::Expire => "expire",
            LinkEvent::Supersede => "supersede",
        }
    }

    /// The events a side may ask for in a state, for offering buttons.
    pub fn offered(state: LinkState, started_by: Side, side: Side) -> Vec<LinkEvent> {
        [
            LinkEvent::Consider,
            LinkEvent::Explore,
            LinkEvent::ProceedToMatch,
            LinkEvent::RecordMatch,
            LinkEvent::Close(CloseReason::Other),
        ]
        .into_iter()
        .filter(|&event| state.apply(started_by, Some(side), event).is_ok())
        .collect()
    }
}

/// Why a link change was refused, in words a user can read, with a stable code for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkRuleBroken {
    #[error("this link has ended and can no longer change")]
    AlreadyEnded,
    #[error("the other side has to answer this link first")]
    NotYourTurn,
    #[error("only the child's agency takes a link to matching panel and records the match")]
    ChildAgencyDecides,
    #[error("that reason is given by the system, not chosen")]
    SystemReason,
    #[error("only the system expires or supersedes a link")]
    SystemOnly,
    #[error("a link that is {0} cannot do that")]
    NotNow(LinkState),
    #[error("written feedback is needed when a link closes")]
    FeedbackMissing,
    #[error("the matching panel date is needed")]
    PanelDateMissing,
}

impl LinkRuleBroken {
    pub fn code(self) -> &'static str {
        match self {
            LinkRuleBroken::AlreadyEnded => "link_ended",
            LinkRuleBroken::NotYourTurn => "not_your_turn",
            LinkRuleBroken::ChildAgencyDecides => "child_agency_decides",
            LinkRuleBroken::SystemReason => "system_reason",
            LinkRuleBroken::SystemOnly => "system_only",
            LinkRuleBroken::NotNow(_) => "not_now",
            LinkRuleBroken::FeedbackMissing => "feedback_missing",
            LinkRuleBroken::PanelDateMissing => "panel_date_missing",
        }
    }
}

/// What a person writes when they close a link: the reason and the feedback the other side
/// (and the adopters' worker) reads. Feedback may not be blank.
pub fn check_feedback(feedback: &str) -> Result<&str, LinkRuleBroken> {
    let trimmed = feedback.trim();
    if trimmed.is_empty() {
        Err(LinkRuleBroken::FeedbackMissing)
    } else {
        Ok(trimmed)
    }
}

/// The feedback the system writes when it closes a link itself.
pub fn system_feedback(event: LinkEvent, deadline: &str) -> String {
    match event {
        LinkEvent::Expire => format!(
            "Nobody answered this link by {deadline}, after a reminder and an escalation to a \
             team manager, so it has expired. Either side can ask for a new link."
        ),
        _ => "The child or the family has been matched in another link, so this link has \
              closed."
            .into(),
    }
}

/// The limits the register sets on links, and what happens when one is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkLimits {
    /// The most open links a household may have at once.
    pub open_per_household: i64,
    /// The most links a child (or sibling group) may have in exploration at once.
    pub exploring_per_child: i64,
}

/// One line of the "think before asking" summary: the child's side against the family's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitLine {
    pub topic: String,
    pub child: String,
    pub family: String,
    /// Whether the family's approval covers the child here.
    pub fits: bool,
}

/// The child's (or sibling group's) profile held against a family's approval, line by line, for
/// the confirmation page before a link is asked for. It informs; people decide.
pub fn fit_summary(
    child: &crate::child::ChildProfile,
    family: &crate::household::HouseholdDetails,
    family_area: &str,
) -> Vec<FitLine> {
    use crate::profile::{NeedCategory, NeedLevel};
    let mut lines = Vec::new();
    let n = child.children.len() as i64;
    lines.push(FitLine {
        topic: "Number of children".into(),
        child: n.to_string(),
        family: format!("{} to {}", family.children_min, family.children_max),
        fits: (i64::from(family.children_min)..=i64::from(family.children_max)).contains(&n),
    });
    let ages: Vec<String> = child
        .children
        .iter()
        .map(|c| format!("{} ({})", c.alias, c.age))
        .collect();
    lines.push(FitLine {
        topic: "Ages".into(),
        child: ages.join(", "),
        family: format!("{} to {} years", family.age_min_years, family.age_max_years),
        fits: child.children.iter().all(|c| {
            (i64::from(family.age_min_years)..=i64::from(family.age_max_years))
                .contains(&i64::from(c.age.years))
        }),
    });
    if let Some(gender) = family.gender {
        lines.push(FitLine {
            topic: "Gender".into(),
            child: child
                .children
                .iter()
                .map(|c| c.gender.label())
                .collect::<Vec<_>>()
                .join(", "),
            family: gender.label().into(),
            fits: child.children.iter().all(|c| c.gender == gender),
        });
    }
    for category in NeedCategory::ALL {
        let level = child.need_level(category);
        if level == NeedLevel::None {
            continue;
        }
        let open = family.openness(category);
        lines.push(FitLine {
            topic: category.label().into(),
            child: level.label().into(),
            family: format!("up to {}", open.label().to_lowercase()),
            fits: open >= level,
        });
    }
    let plan = child.contact;
    let wants = |needed: bool, offered: bool| !needed || offered;
    lines.push(FitLine {
        topic: "Contact plan".into(),
        child: none_if_empty(plan.labels()),
        family: none_if_empty(family.contact.labels()),
        fits: wants(plan.letterbox, family.contact.letterbox)
            && wants(plan.direct_birth_family, family.contact.direct_birth_family)
            && wants(plan.sibling_contact, family.contact.sibling_contact),
    });
    if let Some(excluded) = &child.excluded_areas {
        lines.push(FitLine {
            topic: "Where the family lives".into(),
            child: format!("Not in: {}", excluded.join(", ")),
            family: family_area.into(),
            fits: !excluded.iter().any(|a| a == family_area),
        });
    }
    lines
}

fn none_if_empty(labels: Vec<&'static str>) -> String {
    if labels.is_empty() {
        "None".into()
    } else {
        labels.join(", ")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SIDES: [Side; 2] = [Side::Child, Side::Family];

    #[test]
    fn a_link_the_family_asks_for_is_answered_by_the_childs_agency() {
        let s = LinkState::InterestExpressed;
        assert_eq!(
            s.apply(Side::Family, Some(Side::Family), LinkEvent::Explore),
            Err(LinkRuleBroken::NotYourTurn)
        );
        let s = s
            .apply(Side::Family, Some(Side::Child), LinkEvent::Consider)
            .unwrap();
        assert_eq!(s, LinkState::UnderConsideration);
        assert_eq!(s.waiting_on(Side::Family), Some(Side::Child));
        let s = s
            .apply(Side::Family, Some(Side::Child), LinkEvent::Explore)
            .unwrap();
        assert_eq!(s.waiting_on(Side::Family), None);
        assert_eq!(
            s.apply(Side::Family, Some(Side::Family), LinkEvent::ProceedToMatch),
            Err(LinkRuleBroken::ChildAgencyDecides)
        );
        let s = s
            .apply(Side::Family, Some(Side::Child), LinkEvent::ProceedToMatch)
            .unwrap();
        let s = s
            .apply(Side::Family, Some(Side::Child), LinkEvent::RecordMatch)
            .unwrap();
        assert_eq!(s, LinkState::Matched);
        assert!(!s.is_open());
    }

    #[test]
    fn closing_is_declining_for_the_side_asked_and_withdrawing_for_the_side_asking() {
        let s = LinkState::InterestExpressed;
        let close = LinkEvent::Close(CloseReason::Location);
        assert_eq!(
            s.apply(Side::Child, Some(Side::Family), close),
            Ok(LinkState::Closed(Closure::Declined, CloseReason::Location))
        );
        assert_eq!(
            s.apply(Side::Child, Some(Side::Child), close),
            Ok(LinkState::Closed(Closure::Withdrawn, CloseReason::Location))
        );
        assert_eq!(
            s.apply(
                Side::Child,
                Some(Side::Child),
                LinkEvent::Close(CloseReason::NoResponse)
            ),
            Err(LinkRuleBroken::SystemReason)
        );
    }

    #[test]
    fn only_a_link_waiting_for_an_answer_expires() {
        assert_eq!(
            LinkState::UnderConsideration.apply(Side::Child, None, LinkEvent::Expire),
            Ok(LinkState::Closed(Closure::Expired, CloseReason::NoResponse))
        );
        assert!(matches!(
            LinkState::Exploring.apply(Side::Child, None, LinkEvent::Expire),
            Err(LinkRuleBroken::NotNow(_))
        ));
        assert_eq!(
            LinkState::Exploring.apply(Side::Child, Some(Side::Child), LinkEvent::Expire),
            Err(LinkRuleBroken::SystemOnly)
        );
    }

    #[test]
    fn stored_states_read_back() {
        let states = [
            LinkState::InterestExpressed,
            LinkState::UnderConsideration,
            LinkState::Exploring,
            LinkState::ProceedingToMatch,
            LinkState::Matched,
            LinkState::Closed(Closure::Expired, CloseReason::NoResponse),
        ];
        for s in states {
            let (closure, reason) = match s {
                LinkState::Closed(c, r) => (Some(c.as_str()), Some(r.as_str())),
                _ => (None, None),
            };
            assert_eq!(LinkState::from_stored(s.code(), closure, reason), Some(s));
        }
        assert_eq!(LinkState::from_stored("closed", None, None), None);
    }

    #[test]
    fn feedback_cannot_be_blank() {
        assert_eq!(
            check_feedback("  \n "),
            Err(LinkRuleBroken::FeedbackMissing)
        );
        assert_eq!(check_feedback(" Too far away. "), Ok("Too far away."));
    }

    fn any_event() -> impl Strategy<Value = LinkEvent> {
        prop_oneof![
            Just(LinkEvent::Consider),
            Just(LinkEvent::Explore),
            Just(LinkEvent::ProceedToMatch),
            Just(LinkEvent::RecordMatch),
            (0..CloseReason::ALL.len()).prop_map(|i| LinkEvent::Close(CloseReason::ALL[i])),
            Just(LinkEvent::Expire),
            Just(LinkEvent::Supersede),
        ]
    }

    fn any_by() -> impl Strategy<Value = Option<Side>> {
        prop_oneof![
            Just(None),
            Just(Some(Side::Child)),
            Just(Some(Side::Family))
        ]
    }

    proptest! {
        /// No sequence of events, by anyone, reaches a state the life cycle does not allow:
        /// a refused event changes nothing, an ended link never changes again, every closed
        /// link has a reason that fits how it closed, and a link never goes backwards.
        #[test]
        fn no_sequence_of_events_reaches_an_illegal_state(
            started in 0..2usize,
            events in proptest::collection::vec((any_event(), any_by()), 0..24),
        ) {
            let started_by = SIDES[started];
            let mut state = LinkState::InterestExpressed;
            for (event, by) in events {
                let before = state;
                match state.apply(started_by, by, event) {
                    Ok(next) => {
                        prop_assert!(before.is_open(), "an ended link changed: {before:?} → {next:?}");
                        prop_assert!(rank(next) > rank(before) || next == before,
                            "went backwards: {before:?} → {next:?}");
                        if let LinkState::Closed(how, reason) = next {
                            let system = by.is_none();
                            prop_assert_eq!(system, matches!(how, Closure::Expired | Closure::Superseded));
                            prop_assert_eq!(how == Closure::Expired, reason == CloseReason::NoResponse);
                            prop_assert_eq!(how == Closure::Superseded, reason == CloseReason::MatchedElsewhere);
                            if how == Closure::Expired {
                                prop_assert!(before.waiting_on(started_by).is_some());
                            }
                        }
                        if next == LinkState::Matched || next == LinkState::ProceedingToMatch {
                            prop_assert_eq!(by, Some(Side::Child));
                        }
                        if next == LinkState::Exploring {
                            prop_assert_eq!(by, Some(started_by.other()));
                        }
                        state = next;
                    }
                    Err(_) => prop_assert_eq!(state, before),
                }
            }
        }
    }

    fn rank(s: LinkState) -> u8 {
        match s {
            LinkState::InterestExpressed => 0,
            LinkState::UnderConsideration => 1,
            LinkState::Exploring => 2,
            LinkState::ProceedingToMatch => 3,
            LinkState::Matched | LinkState::Closed(..) => 4,
        }
    }

    #[test]
    fn the_offered_events_are_exactly_those_allowed() {
        let offered = LinkEvent::offered(LinkState::InterestExpressed, Side::Child, Side::Family);
        assert_eq!(
            offered,
            vec![
                LinkEvent::Consider,
                LinkEvent::Explore,
                LinkEvent::Close(CloseReason::Other)
            ]
        );
        let offered = LinkEvent::offered(LinkState::InterestExpressed, Side::Child, Side::Child);
        assert_eq!(offered, vec![LinkEvent::Close(CloseReason::Other)]);
    }
}
