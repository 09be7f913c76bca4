//! Synthetic children, sibling groups and approved households for demos, tests and benchmarks —
//! never real people. The population is shaped by published figures (England, June 2025: 2,940
//! children waiting with a placement order and 1,420 approved adopter households; an average
//! wait of 292 days, 508 for children aged five and over, 444 for disabled children; of the
//! children waiting, 57% in sibling groups, 28% aged five or over, 20% from ethnic minorities,
//! 4% disabled), and every record passes the domain's own checks.
//!
//! Pure and deterministic: no I/O, no clock, no dependency but the domain. The same dataset,
//! seed and date give the same population, on any platform.
//!
//! Where people are: the generator picks each child's home area and each family's area from
//! [`places::AREAS`] and returns them in the details; a caller that seeds agencies groups the
//! profiles by region with [`GeneratedChildProfile::region`] and [`GeneratedHousehold::region`].

mod calendar;
mod children;
mod geography;
mod households;
mod names;
mod phrases;
pub mod random;

use kinlink_domain::child::{ChildDetails, ProfileDetails};
use kinlink_domain::confidentiality::FindingKind;
use kinlink_domain::household::HouseholdDetails;
use kinlink_domain::places;
use kinlink_domain::profile::CivilDate;

/// How many children and households to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dataset {
    /// Children, not profiles: a sibling group of three counts three.
    pub children: usize,
    pub households: usize,
}

impl Dataset {
    /// Small enough to read through in a demo.
    pub const DEMO: Dataset = Dataset {
        children: 24,
        households: 12,
    };
    /// England's register at national scale (June 2025).
    pub const ENGLAND: Dataset = Dataset {
        children: 2_940,
        households: 1_420,
    };
    /// The United States' scale (about 109,000 children waiting, FY2022, and some 60,000 families
    /// ready to adopt), for benchmarks.
    pub const US: Dataset = Dataset {
        children: 109_000,
        households: 60_000,
    };

    /// The data sets by name, as the command line takes them.
    pub const NAMES: [&str; 3] = ["demo", "england", "us"];

    pub fn parse(name: &str) -> Option<Dataset> {
        match name.trim().to_ascii_lowercase().as_str() {
            "demo" => Some(Dataset::DEMO),
            "england" => Some(Dataset::ENGLAND),
            "us" => Some(Dataset::US),
            _ => None,
        }
    }
}

/// One child's profile, or a sibling group's, as a worker would have entered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedChildProfile {
    pub profile: ProfileDetails,
    /// One child, or two to four brothers and sisters to be placed together, eldest last.
    pub children: Vec<ChildDetails>,
    /// How long it has been published (0 for drafts).
    pub waiting_days: u32,
    /// About one in ten profiles is still a draft; the rest are published.
    pub draft: bool,
    /// About one draft in four has an identifying detail left in its text on purpose, so that a
    /// demo shows the confidentiality check at work: the kind the check should find. Published
    /// profiles never have one.
    pub slip: Option<FindingKind>,
}

impl GeneratedChildProfile {
    /// The region of the children's home area.
    pub fn region(&self) -> &'static str {
        region_of(&self.profile.home_area)
    }
}

/// An approved household's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedHousehold {
    pub details: HouseholdDetails,
    /// How long the profile has been active on the register (at most the time since approval).
    pub active_days: u32,
}

impl GeneratedHousehold {
    /// The region the family lives in.
    pub fn region(&self) -> &'static str {
        region_of(&self.details.area)
    }
}

fn region_of(area: &str) -> &'static str {
    // Every generated area comes from the table, so the fallback is never used.
    places::area(area).map_or("London", |a| a.region)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Population {
    pub child_profiles: Vec<GeneratedChildProfile>,
    pub households: Vec<GeneratedHousehold>,
}

/// Makes a population of `dataset`'s size. `today` is the date ages, approval dates and
/// waiting times are reckoned from. Linear in the size; England takes a fraction of a second.
pub fn generate(dataset: Dataset, seed: u64, today: CivilDate) -> Population {
    // Separate streams, so that a change to how households are drawn leaves the children be.
    let mut for_children = random::Random::stream(seed, 1);
    let mut for_households = random::Random::stream(seed, 2);
    let mut for_household_extras = random::Random::stream(seed, 3);
    Population {
        child_profiles: children::generate(dataset.children, &mut for_children, today),
        households: households::generate(
            dataset.households,
            &mut for_households,
            &mut for_household_extras,
            today,
        ),
    }
}

#[cfg(test)]
mod tests;
