//! The people who use Kinlink, in their own words, and the kinds of agency they work for.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Staff running the register: agencies, register-wide settings, reports across agencies.
    RegisterAdmin,
    /// An agency's system lead: its users, its settings, its API tokens.
    AgencyAdmin,
    /// e.g. a Permanence Team Manager: approves, allocates, authorises, signs off.
    TeamManager,
    SocialWorker,
    FamilyFinder,
    /// The admin team: records-access intake, archive access grants.
    BusinessSupport,
    /// An approved prospective adopter, a member of one household.
    Adopter,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::RegisterAdmin,
        Role::AgencyAdmin,
        Role::TeamManager,
        Role::SocialWorker,
        Role::FamilyFinder,
        Role::BusinessSupport,
        Role::Adopter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::RegisterAdmin => "register_admin",
            Role::AgencyAdmin => "agency_admin",
            Role::TeamManager => "team_manager",
            Role::SocialWorker => "social_worker",
            Role::FamilyFinder => "family_finder",
            Role::BusinessSupport => "business_support",
            Role::Adopter => "adopter",
        }
    }

    /// How the role is named on pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::RegisterAdmin => "Register administrator",
            Role::AgencyAdmin => "Agency administrator",
            Role::TeamManager => "Team manager",
            Role::SocialWorker => "Social worker",
            Role::FamilyFinder => "Family finder",
            Role::BusinessSupport => "Business support",
            Role::Adopter => "Adopter",
        }
    }

    pub fn is_staff(self) -> bool {
        self != Role::Adopter
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role \"{0}\"; expected one of: register_admin, agency_admin, team_manager, social_worker, family_finder, business_support, adopter"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    LocalAuthority,
    RegionalAdoptionAgency,
    VoluntaryAdoptionAgency,
    /// The register's own team: not an adoption agency, but where register staff belong.
    Register,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 4] = [
        AgencyKind::LocalAuthority,
        AgencyKind::RegionalAdoptionAgency,
        AgencyKind::VoluntaryAdoptionAgency,
        AgencyKind::Register,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::LocalAuthority => "local_authority",
            AgencyKind::RegionalAdoptionAgency => "regional_adoption_agency",
            AgencyKind::VoluntaryAdoptionAgency => "voluntary_adoption_agency",
            AgencyKind::Register => "register",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgencyKind::LocalAuthority => "Local authority",
            AgencyKind::RegionalAdoptionAgency => "Regional adoption agency",
            AgencyKind::VoluntaryAdoptionAgency => "Voluntary adoption agency",
            AgencyKind::Register => "The register",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown agency kind \"{0}\"; expected local_authority, regional_adoption_agency, voluntary_adoption_agency or register"
)]
pub struct UnknownAgencyKind(pub String);

impl FromStr for AgencyKind {
    type Err = UnknownAgencyKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgencyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownAgencyKind(s.to_owned()))
    }
}

impl TryFrom<String> for Role {
    type Error = UnknownRole;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl TryFrom<String> for AgencyKind {
    type Error = UnknownAgencyKind;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("admin".parse::<Role>().is_err());
    }

    #[test]
    fn agency_kinds_round_trip_through_their_names() {
        for kind in AgencyKind::ALL {
            assert_eq!(kind.as_str().parse::<AgencyKind>(), Ok(kind));
        }
    }
}
