//! Compatibility: whether a family could be a child's family at all (the hard constraints), and
//! how well they fit (the weighted criteria), with a sentence for each that a social worker can
//! read. It ranks and explains; people decide.
//!
//! [`score`] is the fast path the solvers call millions of times: no allocation, no text.
//! [`explain`] says the same thing in words for the few pairs a page shows. Both read each
//! criterion's verdict from one function per criterion, so they cannot disagree (a property
//! test holds them to it).

use crate::facts::{Family, Mask, Unit};
use crate::geography::boundaries_apart;
use kinlink_domain::child::{Ethnicity, FamilyRequirement, Gender};
use kinlink_domain::household::Experience;
use kinlink_domain::profile::{NeedCategory, NeedLevel};

/// A rule a family must meet before it is suggested at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Constraint {
    HouseholdStatus,
    NumberOfChildren,
    Ages,
    Gender,
    Needs,
    ExcludedArea,
    FamilyRequirements,
}

impl Constraint {
    /// A stable code for the JSON API.
    pub fn code(self) -> &'static str {
        match self {
            Constraint::HouseholdStatus => "household_status",
            Constraint::NumberOfChildren => "number_of_children",
            Constraint::Ages => "ages",
            Constraint::Gender => "gender",
            Constraint::Needs => "needs",
            Constraint::ExcludedArea => "excluded_area",
            Constraint::FamilyRequirements => "family_requirements",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Constraint::HouseholdStatus => "Family's status",
            Constraint::NumberOfChildren => "Number of children",
            Constraint::Ages => "Ages",
            Constraint::Gender => "Gender",
            Constraint::Needs => "Needs",
            Constraint::ExcludedArea => "Where the family lives",
            Constraint::FamilyRequirements => "What the child's family must be",
        }
    }
}

/// A weighted criterion: how well a family fits, once it could be the child's family at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Criterion {
    NeedsFit,
    ContactPlan,
    IdentityAndCulture,
    Languages,
    Experience,
    ChildrenAtHome,
    Distance,
}

impl Criterion {
    pub const ALL: [Criterion; 7] = [
        Criterion::NeedsFit,
        Criterion::ContactPlan,
        Criterion::IdentityAndCulture,
        Criterion::Languages,
        Criterion::Experience,
        Criterion::ChildrenAtHome,
        Criterion::Distance,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Criterion::NeedsFit => "needs",
            Criterion::ContactPlan => "contact",
            Criterion::IdentityAndCulture => "identity",
            Criterion::Languages => "languages",
            Criterion::Experience => "experience",
            Criterion::ChildrenAtHome => "children_at_home",
            Criterion::Distance => "distance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Criterion::NeedsFit => "Needs",
            Criterion::ContactPlan => "Contact plan",
            Criterion::IdentityAndCulture => "Identity and culture",
            Criterion::Languages => "Languages",
            Criterion::Experience => "Experience",
            Criterion::ChildrenAtHome => "Children at home",
            Criterion::Distance => "Distance",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How far a family meets one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    DoesNotMeet,
    Partly,
    Meets,
}

impl Verdict {
    /// A stable code for the JSON API.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Meets => "meets",
            Verdict::Partly => "partly",
            Verdict::DoesNotMeet => "does_not_meet",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Meets => "Meets",
            Verdict::Partly => "Partly meets",
            Verdict::DoesNotMeet => "Does not meet",
        }
    }

    fn points(self) -> u32 {
        self as u32
    }
}

/// How much each criterion counts, 0 to 10: a register setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weights([u8; 7]);

/// The most any one weight may be.
pub const MAX_WEIGHT: u8 = 10;

impl Default for Weights {
    /// Needs first, then identity; the rest matter but less.
    fn default() -> Self {
        Weights([5, 3, 4, 2, 3, 2, 2])
    }
}

impl Weights {
    /// Each weight 0 to [`MAX_WEIGHT`], in [`Criterion::ALL`]'s order, and at least one above 0.
    pub fn new(weights: [u8; 7]) -> Result<Weights, WeightsInvalid> {
        if weights.iter().any(|&w| w > MAX_WEIGHT) {
            return Err(WeightsInvalid::TooHigh);
        }
        if weights.iter().all(|&w| w == 0) {
            return Err(WeightsInvalid::AllZero);
        }
        Ok(Weights(weights))
    }

    pub fn of(self, criterion: Criterion) -> u8 {
        self.0[criterion.index()]
    }

    pub fn as_array(self) -> [u8; 7] {
        self.0
    }

    fn total(self) -> u32 {
        self.0.iter().map(|&w| u32::from(w)).sum()
    }

    /// The criteria, heaviest first (in [`Criterion::ALL`]'s order among equal weights).
    pub fn heaviest_first(self) -> [Criterion; 7] {
        let mut order = Criterion::ALL;
        order.sort_by_key(|&c| std::cmp::Reverse(self.of(c)));
        order
    }
}

/// Why a set of weights was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeightsInvalid {
    #[error("each weight must be between 0 and 10")]
    TooHigh,
    #[error("at least one weight must be above 0")]
    AllZero,
}

/// How well a family fits a child: 0 (meets nothing) to 1000 (meets every weighted criterion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(pub u16);

impl Score {
    pub const MAX: Score = Score(1000);

    fn of(weights: Weights, verdicts: impl Iterator<Item = (Criterion, Verdict)>) -> Score {
        let earned: u32 = verdicts
            .map(|(c, v)| u32::from(weights.of(c)) * v.points())
            .sum();
        Score::earned(earned, weights)
    }

    /// The score for `earned` points of the most the weights allow (twice their total).
    fn earned(earned: u32, weights: Weights) -> Score {
        // Weights::new refuses all zeros, so the most is never 0; the guard keeps it so.
        Score(u16::try_from(earned * 1000 / most_points(weights)).unwrap_or(1000))
    }

    /// As people read it: "78%".
    pub fn percent(self) -> u16 {
        (self.0 + 5) / 10
    }
}

/// The points a family meeting every criterion earns: twice the weights' total.
fn most_points(weights: Weights) -> u32 {
    (2 * weights.total()).max(1)
}

/// The first hard constraint the family does not meet, if any.
pub fn check(unit: &Unit, family: &Family) -> Result<(), Constraint> {
    if !family.active {
        return Err(Constraint::HouseholdStatus);
    }
    if unit.size < family.children_min || unit.size > family.children_max {
        return Err(Constraint::NumberOfChildren);
    }
    if unit.youngest_years < family.age_min_years || unit.oldest_years > family.age_max_years {
        return Err(Constraint::Ages);
    }
    if let Some(gender) = family.gender
        && !Mask::of(Gender::ALL, [&gender]).covers(unit.genders)
    {
        return Err(Constraint::Gender);
    }
    if !unit.needs.within(family.openness) {
        return Err(Constraint::Needs);
    }
    if unit.excluded.contains(family.area) {
        return Err(Constraint::ExcludedArea);
    }
    if !unit.requirements.is_empty() && requirement_broken(unit, family).is_some() {
        return Err(Constraint::FamilyRequirements);
    }
    Ok(())
}

/// The first of the child's requirements the family does not meet (or cannot be shown to).
fn requirement_broken(unit: &Unit, family: &Family) -> Option<FamilyRequirement> {
    FamilyRequirement::ALL.iter().copied().find(|&r| {
        unit.requires(r)
            && match r {
                FamilyRequirement::OnlyChildInHome => family.children_at_home > 0,
                // Unknown ages cannot show the child would be the youngest.
                FamilyRequirement::YoungestInHome => {
                    family.children_at_home > 0
                        && family
                            .youngest_at_home
                            .is_none_or(|y| y <= unit.oldest_years)
                }
                FamilyRequirement::NoPets => family.pets,
                FamilyRequirement::CarerAtHomeFullTime => family.carer_at_home != Some(true),
            }
    })
}

/// The score of a family for a child, or the hard constraint that rules them out.
pub fn score(unit: &Unit, family: &Family, weights: Weights) -> Result<Score, Constraint> {
    check(unit, family)?;
    Ok(Score::of(
        weights,
        Criterion::ALL
            .into_iter()
            .map(|c| (c, verdict(c, unit, family))),
    ))
}

/// [`score`], when it is above `floor`; `None` when it is not, or a hard constraint rules the
/// family out. For keeping a child's best few among many families: once a short list is full,
/// most families cannot beat its last, and reading the heaviest criteria first shows that
/// after one or two of them. `order` is [`Weights::heaviest_first`], worked out once.
pub fn score_above(
    unit: &Unit,
    family: &Family,
    weights: Weights,
    order: &[Criterion; 7],
    floor: Score,
) -> Option<Score> {
    let most = most_points(weights);
    // The fewest points whose score is above `floor` (a score is rounded down).
    let needed = (u32::from(floor.0) + 1) * most;
    let needed = needed.div_ceil(1000);
    let mut earned = 0;
    let mut unread = 2 * weights.total();
    for &criterion in order {
        let weight = u32::from(weights.of(criterion));
        unread -= 2 * weight;
        earned += weight * verdict(criterion, unit, family).points();
        if earned + unread < needed {
            return None;
        }
    }
    check(unit, family).ok()?;
    Some(Score::earned(earned, weights))
}

/// One criterion's verdict: the single source both [`score`] and [`explain`] read.
fn verdict(criterion: Criterion, unit: &Unit, family: &Family) -> Verdict {
    match criterion {
        Criterion::NeedsFit => needs_fit(unit, family).0,
        Criterion::ContactPlan => contact_plan(unit, family).0,
        Criterion::IdentityAndCulture => identity(unit, family),
        Criterion::Languages => languages(unit, family).0,
        Criterion::Experience => experience(unit, family).0,
        Criterion::ChildrenAtHome => children_at_home(unit, family),
        Criterion::Distance => distance(unit, family),
    }
}

/// Needs at the very top of what the family can consider stretch them: one is worth talking
/// through; two or more at medium or high is a family asked to give all they have.
fn needs_fit(unit: &Unit, family: &Family) -> (Verdict, u8) {
    let (at_limit, heavy_at_limit) = unit.needs.at_limit(family.openness);
    let at_limit = u8::try_from(at_limit).unwrap_or(u8::MAX);
    let v = match (at_limit, heavy_at_limit) {
        (0, _) => Verdict::Meets,
        (_, 0 | 1) => Verdict::Partly,
        _ => Verdict::DoesNotMeet,
    };
    (v, at_limit)
}

fn contact_bits(c: kinlink_domain::child::Contact) -> u8 {
    u8::from(c.letterbox) | u8::from(c.direct_birth_family) << 1 | u8::from(c.sibling_contact) << 2
}

fn contact_plan(unit: &Unit, family: &Family) -> (Verdict, u8) {
    let plan = contact_bits(unit.contact);
    let missing = plan & !contact_bits(family.contact);
    let v = if missing == 0 {
        Verdict::Meets
    } else if missing != plan {
        Verdict::Partly
    } else {
        Verdict::DoesNotMeet
    };
    (v, missing)
}

fn identity(unit: &Unit, family: &Family) -> Verdict {
    match family.heritage {
        None => Verdict::Partly,
        Some(h) if h.covers(unit.ethnicities) => Verdict::Meets,
        Some(h) if h.meets(unit.ethnicities) => Verdict::Partly,
        Some(_) => Verdict::DoesNotMeet,
    }
}

fn languages(unit: &Unit, family: &Family) -> (Verdict, usize) {
    if unit.other_languages.is_empty() {
        return (Verdict::Meets, 0);
    }
    let shared = unit
        .other_languages
        .iter()
        .filter(|l| family.languages.contains(l))
        .count();
    let v = if shared == unit.other_languages.len() {
        Verdict::Meets
    } else if shared > 0 {
        Verdict::Partly
    } else {
        Verdict::DoesNotMeet
    };
    (v, shared)
}

/// What kind of experience the child most calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Calls {
    Nothing,
    Parenting,
    Disability,
}

fn calls_for(unit: &Unit) -> Calls {
    if unit.has_disability() {
        Calls::Disability
    } else if unit.is_sibling_group()
        || unit.oldest_years >= 5
        || unit.needs.highest() >= NeedLevel::Medium
    {
        Calls::Parenting
    } else {
        Calls::Nothing
    }
}

fn experience(unit: &Unit, family: &Family) -> (Verdict, Calls) {
    let calls = calls_for(unit);
    let v = match (calls, family.experience) {
        (Calls::Nothing, _) => Verdict::Meets,
        (_, None) => Verdict::Partly,
        (_, Some(had)) => {
            let has = |e: Experience| had.covers(Mask::of(Experience::ALL, [&e]));
            let fits = match calls {
                Calls::Disability => has(Experience::Disability) || has(Experience::Fostering),
                _ => has(Experience::Parenting) || has(Experience::Fostering),
            };
            if fits {
                Verdict::Meets
            } else if !had.is_empty() {
                Verdict::Partly
            } else {
                Verdict::DoesNotMeet
            }
        }
    };
    (v, calls)
}

/// A child with high emotional needs or a history of trauma often needs the adults' full
/// attention: other children at home are a question to talk through.
fn children_at_home(unit: &Unit, family: &Family) -> Verdict {
    if family.children_at_home == 0 {
        return Verdict::Meets;
    }
    let level = unit
        .needs
        .level(NeedCategory::EmotionalAndBehavioural)
        .max(unit.needs.level(NeedCategory::TraumaHistory));
    match level {
        NeedLevel::High => Verdict::DoesNotMeet,
        NeedLevel::Medium => Verdict::Partly,
        _ => Verdict::Meets,
    }
}

/// Introductions and contact mean travel: a few boundaries away is practical, across the
/// country is hard. (The excluded areas, which keep a child safe, are a hard constraint.)
const NEAR: u8 = 4;
const FAR_ENOUGH: u8 = 8;

fn distance(unit: &Unit, family: &Family) -> Verdict {
    distance_verdict(boundaries_apart(unit.home, family.area))
}

fn distance_verdict(boundaries: u8) -> Verdict {
    match boundaries {
        d if d <= NEAR => Verdict::Meets,
        d if d <= FAR_ENOUGH => Verdict::Partly,
        _ => Verdict::DoesNotMeet,
    }
}

/// The highest score a family `boundaries` apart from a child can have (every other criterion
/// met): no family farther away scores more.
pub fn best_possible_at(weights: Weights, boundaries: u8) -> Score {
    let weight = u32::from(weights.of(Criterion::Distance));
    let lost = weight * (Verdict::Meets.points() - distance_verdict(boundaries).points());
    Score::earned(most_points(weights) - lost, weights)
}

/// One criterion in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub criterion: Criterion,
    pub verdict: Verdict,
    pub weight: u8,
    pub sentence: String,
}

/// Why a family cannot be suggested for a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub constraint: Constraint,
    pub sentence: String,
}

/// A family held against a child, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The score, or the hard constraint that rules the family out.
    pub outcome: Result<Score, Blocked>,
    /// Every weighted criterion, in [`Criterion::ALL`]'s order (empty when ruled out).
    pub lines: Vec<Line>,
}

impl Explanation {
    /// The score the lines add up to: always the same as [`Explanation::outcome`]'s.
    pub fn score_of_lines(&self, weights: Weights) -> Score {
        Score::of(weights, self.lines.iter().map(|l| (l.criterion, l.verdict)))
    }
}

/// A family held against a child, criterion by criterion. The sentences never name where the
/// child lives, so the family's worker at another agency may read them.
pub fn explain(unit: &Unit, family: &Family, weights: Weights) -> Explanation {
    if let Err(constraint) = check(unit, family) {
        return Explanation {
            outcome: Err(Blocked {
                constraint,
                sentence: blocked(constraint, unit, family),
            }),
            lines: Vec::new(),
        };
    }
    let lines: Vec<Line> = Criterion::ALL
        .into_iter()
        .map(|criterion| {
            let verdict = verdict(criterion, unit, family);
            Line {
                criterion,
                verdict,
                weight: weights.of(criterion),
                sentence: sentence(criterion, verdict, unit, family),
            }
        })
        .collect();
    let score = Score::of(weights, lines.iter().map(|l| (l.criterion, l.verdict)));
    Explanation {
        outcome: Ok(score),
        lines,
    }
}

fn children_word(unit: &Unit) -> &'static str {
    if unit.is_sibling_group() {
        "the children"
    } else {
        "the child"
    }
}

fn blocked(constraint: Constraint, unit: &Unit, family: &Family) -> String {
    match constraint {
        Constraint::HouseholdStatus => {
            "The family's profile is not active, so they are not being matched now.".into()
        }
        Constraint::NumberOfChildren => format!(
            "The family is approved for {} to {} children; this is {}.",
            family.children_min,
            family.children_max,
            match unit.size {
                1 => "one child".to_owned(),
                n => format!("a group of {n}"),
            }
        ),
        Constraint::Ages => format!(
            "The family is approved for ages {} to {}; {} {}.",
            family.age_min_years,
            family.age_max_years,
            children_word(unit),
            if unit.size == 1 {
                format!("is {}", unit.youngest_years)
            } else {
                format!("are {} to {}", unit.youngest_years, unit.oldest_years)
            }
        ),
        Constraint::Gender => format!(
            "The family is approved for a {} only.",
            family.gender.map_or("child", |g| g.label()).to_lowercase()
        ),
        Constraint::Needs => {
            let over: Vec<String> = unit
                .needs
                .recorded()
                .filter(|&(c, l)| family.openness.level(c) < l)
                .map(|(c, l)| {
                    format!(
                        "{} ({}; the family can consider up to {})",
                        c.label(),
                        l.label().to_lowercase(),
                        family.openness.level(c).label().to_lowercase()
                    )
                })
                .collect();
            format!("Beyond what the family can consider: {}.", over.join("; "))
        }
        Constraint::ExcludedArea => {
            "The family lives in an area the child must not live in.".into()
        }
        Constraint::FamilyRequirements => match requirement_broken(unit, family) {
            Some(FamilyRequirement::YoungestInHome) if family.youngest_at_home.is_none() => {
                "The child must be the youngest in the home, and the ages of the children at \
                 home are not recorded."
                    .into()
            }
            Some(FamilyRequirement::CarerAtHomeFullTime) if family.carer_at_home.is_none() => {
                "The child needs a carer at home full-time, and the family's profile does not \
                 say whether they have one."
                    .into()
            }
            Some(r) => format!("The child's family must be: {}.", r.label().to_lowercase()),
            None => String::new(),
        },
    }
}

fn sentence(criterion: Criterion, verdict: Verdict, unit: &Unit, family: &Family) -> String {
    let who = children_word(unit);
    match criterion {
        Criterion::NeedsFit => {
            let at_limit: Vec<&str> = unit
                .needs
                .recorded()
                .filter(|&(c, l)| family.openness.level(c) == l)
                .map(|(c, _)| c.label())
                .collect();
            match verdict {
                Verdict::Meets if unit.needs.highest() == NeedLevel::None => {
                    format!("No needs are recorded for {who}.")
                }
                Verdict::Meets => "Every need is within what the family can consider, with room \
                                   to spare."
                    .into(),
                _ => format!(
                    "At the top of what the family can consider: {}.",
                    at_limit.join(", ")
                ),
            }
        }
        Criterion::ContactPlan => {
            let (_, missing) = contact_plan(unit, family);
            let names: Vec<&str> = [
                (1, "letterbox contact"),
                (2, "direct contact with birth family"),
                (4, "contact with brothers or sisters"),
            ]
            .into_iter()
            .filter(|(bit, _)| missing & bit != 0)
            .map(|(_, n)| n)
            .collect();
            if contact_bits(unit.contact) == 0 {
                "There is no plan for contact after adoption.".into()
            } else if missing == 0 {
                "The family is open to all the contact the plan includes.".into()
            } else {
                format!("The family is not open to {}.", names.join(" or "))
            }
        }
        Criterion::IdentityAndCulture => {
            let groups: Vec<&str> = unit
                .ethnicities
                .members(Ethnicity::ALL)
                .map(Ethnicity::label)
                .collect();
            match (verdict, family.heritage) {
                (_, None) => "The family's heritage is not recorded: ask their worker how they \
                              would support the child's identity."
                    .into(),
                (Verdict::Meets, _) => {
                    format!(
                        "The family shares {who}'s heritage ({}).",
                        groups.join(", ")
                    )
                }
                (Verdict::Partly, _) => {
                    format!(
                        "The family shares some of {who}'s heritage ({}).",
                        groups.join(", ")
                    )
                }
                _ => format!(
                    "The family does not share {who}'s heritage ({}): talk through how they would \
                     support it.",
                    groups.join(", ")
                ),
            }
        }
        Criterion::Languages => {
            let (_, shared) = languages(unit, family);
            let spoken = unit
                .other_languages
                .iter()
                .map(|l| capitalise(l))
                .collect::<Vec<_>>()
                .join(", ");
            match verdict {
                Verdict::Meets if unit.other_languages.is_empty() => {
                    let verb = if unit.is_sibling_group() {
                        "speak"
                    } else {
                        "speaks"
                    };
                    format!("{} {verb} English, as the family does.", capitalise(who))
                }
                Verdict::Meets => format!("The family speaks {who}'s languages ({spoken})."),
                _ if shared > 0 => {
                    format!("The family speaks some of {who}'s languages ({spoken}).")
                }
                _ => format!("The family does not speak {who}'s languages ({spoken})."),
            }
        }
        Criterion::Experience => {
            let (_, calls) = experience(unit, family);
            let need = match calls {
                Calls::Nothing => {
                    return format!("Nothing about {who} calls for particular experience.");
                }
                Calls::Disability => "caring for a disabled child",
                Calls::Parenting => "parenting",
            };
            match (verdict, family.experience) {
                (_, None) => format!(
                    "The family's experience is not recorded; {who} would benefit from \
                     experience of {need}."
                ),
                (Verdict::Meets, _) => format!("The family has experience of {need}."),
                (Verdict::Partly, _) => {
                    format!("The family has some experience with children, though not of {need}.")
                }
                _ => format!("The family has no recorded experience of {need}."),
            }
        }
        Criterion::ChildrenAtHome => match (verdict, family.children_at_home) {
            (_, 0) => "There are no other children at home.".into(),
            (Verdict::Meets, n) => format!("{n} other {} at home.", plural(n, "child", "children")),
            (Verdict::Partly, n) => format!(
                "{n} other {} at home, and {who} may need a lot of the adults' attention.",
                plural(n, "child", "children")
            ),
            (_, n) => format!(
                "{n} other {} at home, and {who}'s emotional needs or history of trauma are \
                 high: talk through whether {who} should be the only child.",
                plural(n, "child", "children")
            ),
        },
        Criterion::Distance => match verdict {
            Verdict::Meets => "Close enough for introductions and contact visits.".into(),
            Verdict::Partly => "Some distance away: introductions will mean travel.".into(),
            _ => "A long way away: introductions and contact will need a plan for travel.".into(),
        },
    }
}

fn plural(n: u8, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
