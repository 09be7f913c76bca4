//! An approved household's profile: the prospective adopters, what they are approved for, what
//! they can consider. Made by their social worker; editable by the adopters once the agency has
//! agreed it. Seen by staff finding families, never by other adopters (see the policy).

use crate::Timestamp;
use crate::child::{Contact, Ethnicity, Gender, Problem};
use crate::coded_enum;
use crate::profile::{CivilDate, HouseholdStatus, NeedCategory, NeedLevel};

coded_enum! {
    /// What the adopters have done that helps them parent a child with more to manage: matching
    /// weighs it for sibling groups, older children and children with more than low needs.
    pub enum Experience {
        Parenting = "parenting", "Parenting their own or adopted children";
        Fostering = "fostering", "Fostering";
        WorkWithChildren = "work_with_children", "Work or volunteering with children";
        Disability = "disability", "Caring for someone with a disability";
    }
}

/// The most a household can consider of one kind of need, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Openness {
    pub category: NeedCategory,
    pub level: NeedLevel,
    pub reason: String,
}

/// What the adopters' worker (and later the adopters) enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdDetails {
    /// One or two applicants' names. Seen by staff only.
    pub applicants: Vec<String>,
    pub approved_on: Option<CivilDate>,
    pub children_min: u8,
    pub children_max: u8,
    pub age_min_years: u8,
    pub age_max_years: u8,
    /// `None`: either.
    pub gender: Option<Gender>,
    pub needs: Vec<Openness>,
    pub contact: Contact,
    /// Identity and cultural abilities: in the worker's or adopters' own words.
    pub identity: String,
    /// The adopters' own ethnic heritage, for matching's identity criterion (empty: not
    /// recorded).
    pub heritage: Vec<Ethnicity>,
    /// What they have done that helps parent a child with more to manage; `None`: not recorded
    /// (an empty list is "none of these").
    pub experience: Option<Vec<Experience>>,
    pub languages: Vec<String>,
    /// Children already in the home, and their ages.
    pub children_at_home: u8,
    pub children_at_home_notes: String,
    /// The youngest child at home's age in years; `None` when there are none or it is not
    /// recorded.
    pub youngest_at_home: Option<u8>,
    pub pets: String,
    /// Whether one of the adopters will be at home full-time; `None`: not recorded.
    pub carer_at_home: Option<bool>,
    /// The local authority area the family lives in.
    pub area: String,
    pub text: String,
    pub consent_to_referral: bool,
}

/// A household's profile as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdProfile {
    pub id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub region: String,
    pub status: HouseholdStatus,
    pub details: HouseholdDetails,
    pub photos: Vec<crate::child::PhotoRef>,
    pub worker_id: Option<i64>,
    pub worker_name: Option<String>,
    pub submitted_by: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub active_since: Option<Timestamp>,
    pub reviewed_at: Timestamp,
}

impl HouseholdDetails {
    /// The most a household can consider of one kind of need (none unless recorded).
    pub fn openness(&self, category: NeedCategory) -> NeedLevel {
        self.needs
            .iter()
            .find(|n| n.category == category)
            .map_or(NeedLevel::None, |n| n.level)
    }

    /// The problems that keep these details from being saved. `min_words` is the agency's
    /// minimum length for the profile text (England's register used 500 words).
    pub fn problems(&self, min_words: usize, known_area: impl Fn(&str) -> bool) -> Vec<Problem> {
        let mut out = Vec::new();
        let named = self
            .applicants
            .iter()
            .filter(|a| !a.trim().is_empty())
            .count();
        if named == 0 || named > 2 || named != self.applicants.len() {
            out.push(Problem::new(
                "applicants",
                "Enter the name of one or two applicants",
            ));
        }
        if self.children_min == 0 || self.children_min > self.children_max || self.children_max > 6
        {
            out.push(Problem::new(
                "children",
                "Approved number of children must be between 1 and 6, the smallest first",
            ));
        }
        if self.age_min_years > self.age_max_years || self.age_max_years > 17 {
            out.push(Problem::new(
                "ages",
                "Approved ages must be between 0 and 17 years, the youngest first",
            ));
        }
        match self.youngest_at_home {
            Some(_) if self.children_at_home == 0 => out.push(Problem::new(
                "youngest_at_home",
                "Leave the youngest child's age blank when there are no children at home",
            )),
            Some(age) if age > 17 => out.push(Problem::new(
                "youngest_at_home",
                "The youngest child at home must be 17 or younger",
            )),
            _ => {}
        }
        if !known_area(&self.area) {
            out.push(Problem::new(
                "area",
                "Choose the local authority area the family lives in",
            ));
        }
        let words = self.text.split_whitespace().count();
        if words == 0 {
            out.push(Problem::new("text", "Write the family's profile"));
        } else if words < min_words {
            out.push(Problem::new(
                "text",
                format!("Your agency asks for at least {min_words} words in the profile; this has {words}"),
            ));
        } else if self.text.chars().count() > 20_000 {
            out.push(Problem::new(
                "text",
                "The profile must be 20,000 characters or fewer",
            ));
        }
        for (field, value) in [
            ("identity", &self.identity),
            ("children_at_home_notes", &self.children_at_home_notes),
            ("pets", &self.pets),
        ] {
            if value.chars().count() > 2_000 {
                out.push(Problem::new(field, "Must be 2,000 characters or fewer"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn household() -> HouseholdDetails {
        HouseholdDetails {
            applicants: vec!["Robin Ashdown".into(), "Kit Ashdown".into()],
            approved_on: CivilDate::new(2026, 6, 1),
            children_min: 1,
            children_max: 2,
            age_min_years: 0,
            age_max_years: 6,
            gender: None,
            needs: vec![],
            contact: Contact::default(),
            identity: String::new(),
            heritage: vec![],
            experience: None,
            languages: vec!["English".into()],
            children_at_home: 0,
            children_at_home_notes: String::new(),
            pets: String::new(),
            youngest_at_home: None,
            carer_at_home: None,
            area: "Kent".into(),
            text: "We are a calm and playful family.".into(),
            consent_to_referral: true,
        }
    }

    #[test]
    fn the_agency_minimum_length_is_counted_in_words() {
        let h = household();
        assert!(h.problems(7, |_| true).is_empty());
        let problems = h.problems(8, |_| true);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("at least 8 words"));
        assert!(problems[0].message.contains("has 7"));
    }

    #[test]
    fn ranges_and_applicants_are_checked() {
        let mut h = household();
        h.applicants = vec!["A".into(), "B".into(), "C".into()];
        h.children_min = 3;
        h.age_min_years = 9;
        let fields: Vec<_> = h.problems(0, |_| false).iter().map(|p| p.field).collect();
        assert_eq!(fields, ["applicants", "children", "ages", "area"]);
    }
}
