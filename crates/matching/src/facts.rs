//! What matching knows of a child (or sibling group) and of a family: the facts the criteria
//! read, checked once at the boundary and packed so that one child can be held against tens of
//! thousands of families in well under a millisecond.
//!
//! Everything that could make the solvers misbehave (a family approved for no children, an age
//! range upside down, an area Kinlink does not know) is refused here with an [`Invalid`] that
//! names the record and the problem; past this point nothing panics.

use crate::geography::{AreaId, AreaSet};
use kinlink_domain::child::{
    ChildDetails, ChildProfile, Contact, Ethnicity, FamilyRequirement, Gender, ProfileDetails,
    names_list,
};
use kinlink_domain::household::{Experience, HouseholdDetails};
use kinlink_domain::profile::{Age, CivilDate, NeedCategory, NeedLevel};

/// Why a record cannot be matched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("family {0}: approved for no children")]
    NoChildrenApproved(i64),
    #[error("family {0}: the approved number of children is upside down ({1} to {2})")]
    ChildrenUpsideDown(i64, u8, u8),
    #[error("family {0}: the approved age range is upside down ({1} to {2} years)")]
    AgesUpsideDown(i64, u8, u8),
    #[error("family {0}: approved ages go past 17 years ({1})")]
    AgeTooHigh(i64, u8),
    #[error("family {0}: \"{1}\" is not a local authority area Kinlink knows")]
    FamilyArea(i64, String),
    #[error("child profile {0} has no children")]
    NoChildren(i64),
    #[error("child profile {0} has more than {max} children", max = MAX_UNIT)]
    TooManyChildren(i64),
    #[error("child profile {0}: the home area is not known to matching")]
    HomeArea(i64),
    #[error("child profile {0}: a child's date of birth is after today")]
    BornInFuture(i64),
}

/// The largest sibling group matching takes (the Register's own limit).
pub const MAX_UNIT: usize = kinlink_domain::child::MAX_SIBLINGS;

/// Need levels for the seven categories, three bits a category (the top bit of each spare), so
/// that "is every level of the child's within the family's" is one subtraction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs(u32);

const GUARD: u32 = 0b100_100_100_100_100_100_100;

impl Needs {
    pub fn from_levels(level: impl Fn(NeedCategory) -> NeedLevel) -> Needs {
        let mut packed = 0;
        for (i, category) in NeedCategory::ALL.into_iter().enumerate() {
            packed |= (level(category) as u32) << (3 * i);
        }
        Needs(packed)
    }

    pub fn level(self, category: NeedCategory) -> NeedLevel {
        let i = NeedCategory::ALL
            .iter()
            .position(|&c| c == category)
            .unwrap_or(0);
        NeedLevel::ALL[((self.0 >> (3 * i)) & 0b11) as usize]
    }

    /// Whether every level here is at most the level in `limit`.
    pub fn within(self, limit: Needs) -> bool {
        // Each lane is (limit + 4) - level, between 1 and 7, so no lane borrows from the next
        // and the lane's top bit stays set exactly when limit >= level.
        ((limit.0 | GUARD) - self.0) & GUARD == GUARD
    }

    /// The levels as packed: 3 bits a category, in [`NeedCategory::ALL`]'s order.
    pub(crate) fn packed(self) -> u32 {
        self.0
    }

    /// How many of these needs are exactly at `limit`'s level for their category (leaving none
    /// recorded aside), and how many of those are at medium or high.
    pub fn at_limit(self, limit: Needs) -> (u32, u32) {
        // In each 3-bit lane, (x | 4) - 1 keeps the lane's top bit exactly when x is above 0.
        let above_zero = |x: u32| ((x | GUARD) - (GUARD >> 2)) & GUARD;
        let differ = above_zero(self.0 ^ limit.0);
        let at = !differ & above_zero(self.0) & GUARD;
        // A level's second bit, moved to the lane's top: medium (2) or high (3).
        let heavy = at & (self.0 << 1);
        (at.count_ones(), heavy.count_ones())
    }

    /// The categories with a level above none, and their levels.
    pub fn recorded(self) -> impl Iterator<Item = (NeedCategory, NeedLevel)> {
        NeedCategory::ALL
            .into_iter()
            .map(move |c| (c, self.level(c)))
            .filter(|&(_, l)| l != NeedLevel::None)
    }

    pub fn highest(self) -> NeedLevel {
        self.recorded()
            .map(|(_, l)| l)
            .max()
            .unwrap_or(NeedLevel::None)
    }
}

/// A small set of coded values (genders, ethnic groups, experience), one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mask(u8);

impl Mask {
    fn bit<T: PartialEq>(all: &[T], value: &T) -> u8 {
        all.iter().position(|v| v == value).map_or(0, |i| 1 << i)
    }

    pub fn of<'a, T: PartialEq + 'a>(all: &[T], values: impl IntoIterator<Item = &'a T>) -> Mask {
        Mask(values.into_iter().fold(0, |m, v| m | Self::bit(all, v)))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// One bit each.
    pub(crate) fn bits(self) -> u8 {
        self.0
    }

    pub fn covers(self, other: Mask) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn meets(self, other: Mask) -> bool {
        self.0 & other.0 != 0
    }

    /// The values of `all` in the set.
    pub fn members<T: Copy>(self, all: &[T]) -> impl Iterator<Item = T> + '_ {
        all.iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, v)| *v)
    }
}

/// A child, or a sibling group placed together: what matching holds against families.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: i64,
    pub agency_id: i64,
    /// "Mia" or "Mia, Leo and Ava", for pages and reports.
    pub title: String,
    pub size: u8,
    pub youngest_years: u8,
    pub oldest_years: u8,
    pub genders: Mask,
    /// The highest level of each need across the children.
    pub needs: Needs,
    pub contact: Contact,
    pub requirements: Mask,
    pub home: AreaId,
    pub excluded: AreaSet,
    pub ethnicities: Mask,
    /// Languages the children speak other than English, in lower case.
    pub other_languages: Vec<String>,
    /// Days since the profile was first published.
    pub waited_days: u32,
}

impl Unit {
    /// A published profile as the store holds it, before any redaction (matching needs the
    /// home area and the excluded areas).
    pub fn from_profile(profile: &ChildProfile, waited_days: u32) -> Result<Unit, Invalid> {
        let id = profile.id;
        let home = profile
            .home_area
            .as_deref()
            .and_then(AreaId::of)
            .ok_or(Invalid::HomeArea(id))?;
        let children = profile.children.iter().map(|c| Child {
            age: c.age,
            gender: c.gender,
            ethnicity: c.ethnicity,
            languages: &c.languages,
        });
        let excluded = profile.excluded_areas.as_deref().unwrap_or_default();
        Unit::build(Whole {
            id,
            title: profile.title(),
            agency_id: profile.agency_id,
            children: children.collect(),
            needs: Needs::from_levels(|c| profile.need_level(c)),
            contact: profile.contact,
            requirements: &profile.requirements,
            home,
            excluded,
            waited_days,
        })
    }

    /// A profile as a worker enters it (or the data generator makes it), aged on `today`.
    pub fn from_details(
        id: i64,
        agency_id: i64,
        profile: &ProfileDetails,
        children: &[ChildDetails],
        today: CivilDate,
        waited_days: u32,
    ) -> Result<Unit, Invalid> {
        let home = AreaId::of(&profile.home_area).ok_or(Invalid::HomeArea(id))?;
        let mut aged = Vec::with_capacity(children.len());
        for c in children {
            aged.push(Child {
                age: Age::on(c.born, today).ok_or(Invalid::BornInFuture(id))?,
                gender: c.gender,
                ethnicity: c.ethnicity,
                languages: &c.languages,
            });
        }
        let needs = Needs::from_levels(|category| {
            children
                .iter()
                .map(|c| c.need_level(category))
                .max()
                .unwrap_or(NeedLevel::None)
        });
        Unit::build(Whole {
            id,
            title: names_list(children.iter().map(|c| c.alias.as_str())),
            agency_id,
            children: aged,
            needs,
            contact: profile.contact,
            requirements: &profile.requirements,
            home,
            excluded: &profile.excluded_areas,
            waited_days,
        })
    }

    fn build(whole: Whole<'_>) -> Result<Unit, Invalid> {
        let id = whole.id;
        if whole.children.is_empty() {
            return Err(Invalid::NoChildren(id));
        }
        if whole.children.len() > MAX_UNIT {
            return Err(Invalid::TooManyChildren(id));
        }
        let years = |c: &Child<'_>| u8::try_from(c.age.years).unwrap_or(u8::MAX);
        let mut excluded = AreaSet::default();
        // An area the table no longer knows cannot be where a family lives, so skipping it
        // excludes nobody wrongly.
        for area in whole.excluded.iter().filter_map(|a| AreaId::of(a)) {
            excluded.insert(area);
        }
        let mut other_languages: Vec<String> = whole
            .children
            .iter()
            .flat_map(|c| c.languages.iter())
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty() && l != "english")
            .collect();
        other_languages.sort();
        other_languages.dedup();
        Ok(Unit {
            id,
            agency_id: whole.agency_id,
            title: whole.title,
            size: whole.children.len() as u8,
            youngest_years: whole.children.iter().map(years).min().unwrap_or(0),
            oldest_years: whole.children.iter().map(years).max().unwrap_or(0),
            genders: Mask::of(Gender::ALL, whole.children.iter().map(|c| &c.gender)),
            needs: whole.needs,
            contact: whole.contact,
            requirements: Mask::of(FamilyRequirement::ALL, whole.requirements),
            home: whole.home,
            excluded,
            ethnicities: Mask::of(Ethnicity::ALL, whole.children.iter().map(|c| &c.ethnicity)),
            other_languages,
            waited_days: whole.waited_days,
        })
    }

    pub fn requires(&self, requirement: FamilyRequirement) -> bool {
        self.requirements
            .covers(Mask::of(FamilyRequirement::ALL, [&requirement]))
    }

    pub fn is_sibling_group(&self) -> bool {
        self.size > 1
    }

    /// A disabled child, as the adoption statistics count them: a physical disability, or a
    /// learning disability or developmental delay, at a medium level or above.
    pub fn has_disability(&self) -> bool {
        self.needs.level(NeedCategory::PhysicalDisability) >= NeedLevel::Medium
            || self
                .needs
                .level(NeedCategory::LearningDisabilityOrDevelopmentalDelay)
                >= NeedLevel::Medium
    }

    pub fn from_ethnic_minority(&self) -> bool {
        self.ethnicities
            .members(Ethnicity::ALL)
            .any(Ethnicity::is_minority)
    }
}

struct Child<'a> {
    age: Age,
    gender: Gender,
    ethnicity: Ethnicity,
    languages: &'a [String],
}

struct Whole<'a> {
    id: i64,
    title: String,
    agency_id: i64,
    children: Vec<Child<'a>>,
    needs: Needs,
    contact: Contact,
    requirements: &'a [FamilyRequirement],
    home: AreaId,
    excluded: &'a [String],
    waited_days: u32,
}

/// An approved family: what matching holds against children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub id: i64,
    pub agency_id: i64,
    /// Only active profiles are suggested; one on hold or matched is not.
    pub active: bool,
    pub children_min: u8,
    pub children_max: u8,
    pub age_min_years: u8,
    pub age_max_years: u8,
    pub gender: Option<Gender>,
    /// The most of each need the family can consider.
    pub openness: Needs,
    pub contact: Contact,
    pub area: AreaId,
    pub languages: Vec<String>,
    /// The family's own ethnic heritage; `None` where it is not recorded.
    pub heritage: Option<Mask>,
    /// `None` where it is not recorded.
    pub experience: Option<Mask>,
    pub children_at_home: u8,
    /// The age of the youngest child at home, where there are children and it is recorded.
    pub youngest_at_home: Option<u8>,
    pub pets: bool,
    /// Whether a carer is at home full-time; `None` where it is not recorded.
    pub carer_at_home: Option<bool>,
    /// At the register's limit of open links: suggested, but marked as unable to take a link.
    pub at_link_limit: bool,
}

impl Family {
    /// A household's details, as the store or the data generator holds them. What the profile
    /// leaves unrecorded (heritage, experience, the youngest child's age, a carer at home) stays
    /// unknown here, and the criteria say so rather than guess.
    pub fn from_details(
        id: i64,
        agency_id: i64,
        details: &HouseholdDetails,
        active: bool,
    ) -> Result<Family, Invalid> {
        let area = AreaId::of(&details.area)
            .ok_or_else(|| Invalid::FamilyArea(id, details.area.clone()))?;
        let family = Family {
            id,
            agency_id,
            active,
            children_min: details.children_min,
            children_max: details.children_max,
            age_min_years: details.age_min_years,
            age_max_years: details.age_max_years,
            gender: details.gender,
            openness: Needs::from_levels(|c| details.openness(c)),
            contact: details.contact,
            area,
            languages: details
                .languages
                .iter()
                .map(|l| l.trim().to_lowercase())
                .filter(|l| !l.is_empty())
                .collect(),
            heritage: (!details.heritage.is_empty())
                .then(|| Mask::of(Ethnicity::ALL, &details.heritage)),
            experience: details
                .experience
                .as_ref()
                .map(|e| Mask::of(Experience::ALL, e)),
            children_at_home: details.children_at_home,
            youngest_at_home: details.youngest_at_home,
            pets: !details.pets.trim().is_empty(),
            carer_at_home: details.carer_at_home,
            at_link_limit: false,
        };
        family.validate()
    }

    /// Refuses what the solvers must never see; every constructor passes through here.
    pub fn validate(self) -> Result<Family, Invalid> {
        let id = self.id;
        if self.children_max == 0 {
            return Err(Invalid::NoChildrenApproved(id));
        }
        if self.children_min > self.children_max {
            return Err(Invalid::ChildrenUpsideDown(
                id,
                self.children_min,
                self.children_max,
            ));
        }
        if self.age_min_years > self.age_max_years {
            return Err(Invalid::AgesUpsideDown(
                id,
                self.age_min_years,
                self.age_max_years,
            ));
        }
        if self.age_max_years > 17 {
            return Err(Invalid::AgeTooHigh(id, self.age_max_years));
        }
        Ok(self)
    }

    pub fn has_experience(&self, experience: Experience) -> Option<bool> {
        self.experience
            .map(|m| m.covers(Mask::of(Experience::ALL, [&experience])))
    }
}
