//! A child's profile on the Register: one child, or a sibling group of two or more children to be
//! placed together — the unit that is published, searched and later linked.
//!
//! What the child's worker enters is a [`ProfileDetails`] and one [`ChildDetails`] per child;
//! both are checked here, so every form and the API refuse the same things with the same words.
//! What a reader gets back is a [`ChildProfile`], whose confidential parts (surname, exact date
//! of birth, address, school, placement location, birth relatives, home area) are present only
//! until the policy redacts them for someone outside the child's agency.

use crate::Timestamp;
use crate::coded_enum;
use crate::policy::ChildVisibility;
use crate::profile::{Age, ChildStatus, CivilDate, NeedCategory, NeedLevel};

coded_enum! {
    pub enum Gender {
        Girl = "girl", "Girl";
        Boy = "boy", "Boy";
        Other = "other", "Another gender or not said";
    }
}

coded_enum! {
    /// Broad ethnic groups as the adoption statistics count them (ONS 2021 high-level groups,
    /// White split so that "from an ethnic minority" can be counted as the statistics do).
    pub enum Ethnicity {
        WhiteBritish = "white_british", "White British";
        WhiteOther = "white_other", "White (other)";
        Mixed = "mixed", "Mixed or multiple ethnic groups";
        Asian = "asian", "Asian or Asian British";
        Black = "black", "Black, Black British, Caribbean or African";
        Other = "other", "Another ethnic group";
    }
}

impl Ethnicity {
    /// Whether the adoption statistics count this group as an ethnic minority.
    pub fn is_minority(self) -> bool {
        self != Ethnicity::WhiteBritish
    }
}

coded_enum! {
    /// Where the court proceedings stand (a child can be matched only with a placement order or
    /// the parents' consent).
    pub enum LegalStatus {
        PlacementOrder = "placement_order", "Placement order granted";
        PlacementOrderApplied = "placement_order_applied", "Placement order applied for";
        ParentalConsent = "parental_consent", "Parents' consent to placement";
    }
}

coded_enum! {
    /// Things a child's family must (or must not) be.
    pub enum FamilyRequirement {
        OnlyChildInHome = "only_child", "The only child in the home";
        YoungestInHome = "youngest", "The youngest child in the home";
        NoPets = "no_pets", "No pets in the home";
        CarerAtHomeFullTime = "carer_at_home", "A carer at home full-time";
    }
}

/// The kinds of contact after adoption: what a child's plan includes, or what a family is open to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contact {
    /// Indirect contact through the agency's letterbox scheme.
    pub letterbox: bool,
    pub direct_birth_family: bool,
    pub sibling_contact: bool,
}

impl Contact {
    pub fn labels(self) -> Vec<&'static str> {
        [
            (self.letterbox, "Letterbox (indirect) contact"),
            (self.direct_birth_family, "Direct contact with birth family"),
            (self.sibling_contact, "Contact with brothers or sisters"),
        ]
        .into_iter()
        .filter_map(|(on, label)| on.then_some(label))
        .collect()
    }
}

/// One of a child's needs: its level and what the worker wrote about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub category: NeedCategory,
    pub level: NeedLevel,
    pub notes: String,
}

/// What never leaves the child's agency.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChildConfidential {
    pub surname: String,
    pub address: String,
    pub school: String,
    pub placement_location: String,
    /// Names of recorded birth relatives, one per entry: the scanner looks for them.
    pub birth_relatives: Vec<String>,
}

/// One child, as the worker enters them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildDetails {
    /// First name or alias only.
    pub alias: String,
    pub born: CivilDate,
    pub gender: Gender,
    pub ethnicity: Ethnicity,
    /// The worker's own words, e.g. "White British and Black Caribbean".
    pub ethnicity_detail: String,
    pub religion: String,
    pub languages: Vec<String>,
    pub legal_status: LegalStatus,
    /// One entry per category with a level above none, or with notes.
    pub needs: Vec<Need>,
    pub confidential: ChildConfidential,
}

/// What the worker enters for the profile as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileDetails {
    pub visibility: ChildVisibility,
    /// The local authority area the child comes from: confidential, and the default exclusion.
    pub home_area: String,
    pub excluded_areas: Vec<String>,
    pub contact: Contact,
    pub contact_notes: String,
    pub requirements: Vec<FamilyRequirement>,
    pub requirement_notes: String,
    pub text: String,
}

/// A field that was refused, and why — the same words on every form and in the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Problem {
            field,
            message: message.into(),
        }
    }
}

/// The most children a sibling group on the Register holds.
pub const MAX_SIBLINGS: usize = 6;
/// Children are on the Register until they turn 18.
const MAX_AGE_YEARS: u32 = 18;
const MAX_TEXT_CHARS: usize = 20_000;

impl ChildDetails {
    /// The problems that keep these details from being saved, checked on `today`.
    pub fn problems(&self, today: CivilDate) -> Vec<Problem> {
        let mut out = Vec::new();
        let alias = self.alias.trim();
        if alias.is_empty() {
            out.push(Problem::new(
                "alias",
                "Enter the child's first name or alias",
            ));
        } else if alias.chars().count() > 40 {
            out.push(Problem::new(
                "alias",
                "Alias must be 40 characters or fewer",
            ));
        } else if !self.confidential.surname.trim().is_empty()
            && alias
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == self.confidential.surname.trim().to_lowercase())
        {
            out.push(Problem::new(
                "alias",
                "Use the child's first name or an alias only, not their surname",
            ));
        }
        match Age::on(self.born, today) {
            None => out.push(Problem::new("born", "Date of birth must be in the past")),
            Some(age) if age.years >= MAX_AGE_YEARS => out.push(Problem::new(
                "born",
                "The child must be under 18 to be on the Register",
            )),
            Some(_) => {}
        }
        if self.confidential.surname.trim().is_empty() {
            out.push(Problem::new(
                "surname",
                "Enter the child's surname (it is never shown outside your agency; the confidentiality check looks for it)",
            ));
        }
        for (field, value, max) in [
            ("ethnicity_detail", &self.ethnicity_detail, 200),
            ("religion", &self.religion, 100),
            ("address", &self.confidential.address, 300),
            ("school", &self.confidential.school, 200),
            (
                "placement_location",
                &self.confidential.placement_location,
                200,
            ),
        ] {
            if value.chars().count() > max {
                out.push(Problem::new(
                    field,
                    format!("Must be {max} characters or fewer"),
                ));
            }
        }
        if self.languages.len() > 10 || self.languages.iter().any(|l| l.chars().count() > 40) {
            out.push(Problem::new(
                "languages",
                "List up to 10 languages, separated by commas",
            ));
        }
        if self.confidential.birth_relatives.len() > 30
            || self
                .confidential
                .birth_relatives
                .iter()
                .any(|n| n.chars().count() > 80)
        {
            out.push(Problem::new(
                "birth_relatives",
                "List up to 30 names, one per line, each 80 characters or fewer",
            ));
        }
        for need in &self.needs {
            if need.notes.chars().count() > 2_000 {
                out.push(Problem::new(
                    "needs",
                    format!(
                        "Notes on {} must be 2,000 characters or fewer",
                        need.category.label()
                    ),
                ));
            }
        }
        out
    }

    /// The child's level for a need category (none when not recorded).
    pub fn need_level(&self, category: NeedCategory) -> NeedLevel {
        self.needs
            .iter()
            .find(|n| n.category == category)
            .map_or(NeedLevel::None, |n| n.level)
    }
}

impl ProfileDetails {
    /// The problems that keep these details from being saved. `known_area` says whether an area
    /// name is one Kinlink knows.
    pub fn problems(&self, known_area: impl Fn(&str) -> bool) -> Vec<Problem> {
        let mut out = Vec::new();
        if !known_area(&self.home_area) {
            out.push(Problem::new(
                "home_area",
                "Choose the local authority area the child comes from",
            ));
        }
        if let Some(unknown) = self.excluded_areas.iter().find(|a| !known_area(a)) {
            out.push(Problem::new(
                "excluded_areas",
                format!("\"{unknown}\" is not a local authority area Kinlink knows: use the names from the list, one per line"),
            ));
        }
        if self.text.trim().is_empty() {
            out.push(Problem::new(
                "text",
                "Write the profile: what the child is like, what they enjoy and what they need",
            ));
        } else if self.text.chars().count() > MAX_TEXT_CHARS {
            out.push(Problem::new(
                "text",
                "The profile must be 20,000 characters or fewer",
            ));
        }
        for (field, value) in [
            ("contact_notes", &self.contact_notes),
            ("requirement_notes", &self.requirement_notes),
        ] {
            if value.chars().count() > 2_000 {
                out.push(Problem::new(field, "Must be 2,000 characters or fewer"));
            }
        }
        out
    }
}

/// One child as a reader sees them: the age, never the date of birth, and the confidential part
/// only for the child's own agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildView {
    pub id: i64,
    pub alias: String,
    pub age: Age,
    pub gender: Gender,
    pub ethnicity: Ethnicity,
    pub ethnicity_detail: String,
    pub religion: String,
    pub languages: Vec<String>,
    pub legal_status: LegalStatus,
    pub needs: Vec<Need>,
    pub confidential: Option<(CivilDate, ChildConfidential)>,
}

/// A photo on a profile: where to find it, and what it shows for people who cannot see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRef {
    pub id: i64,
    pub description: String,
}

/// A child's or sibling group's profile as stored, before the policy decides what a reader sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildProfile {
    pub id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub region: String,
    pub status: ChildStatus,
    pub visibility: ChildVisibility,
    pub children: Vec<ChildView>,
    /// `None` once redacted: the home area is near where the child is.
    pub home_area: Option<String>,
    /// `None` for adopters: the list would show roughly where the child comes from.
    pub excluded_areas: Option<Vec<String>>,
    pub contact: Contact,
    pub contact_notes: String,
    pub requirements: Vec<FamilyRequirement>,
    pub requirement_notes: String,
    pub text: String,
    pub photos: Vec<PhotoRef>,
    /// The worker responsible (the profile's author unless reassigned).
    pub worker_id: i64,
    pub worker_name: String,
    pub submitted_by: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When it was first published: time waiting counts from here.
    pub published_at: Option<Timestamp>,
    pub reviewed_at: Timestamp,
}

impl ChildProfile {
    /// "Mia" or "Mia, Leo and Ava".
    pub fn title(&self) -> String {
        names_list(self.children.iter().map(|c| c.alias.as_str()))
    }

    pub fn is_sibling_group(&self) -> bool {
        self.children.len() > 1
    }

    /// The highest level of a need across the children.
    pub fn need_level(&self, category: NeedCategory) -> NeedLevel {
        self.children
            .iter()
            .flat_map(|c| c.needs.iter())
            .filter(|n| n.category == category)
            .map(|n| n.level)
            .max()
            .unwrap_or(NeedLevel::None)
    }

    /// Removes everything that never leaves the child's agency; `adopter` also removes the
    /// excluded areas.
    pub(crate) fn redact(&mut self, adopter: bool) {
        for child in &mut self.children {
            child.confidential = None;
        }
        self.home_area = None;
        if adopter {
            self.excluded_areas = None;
        } else if let Some(areas) = &mut self.excluded_areas {
            // Staff need the list to match families, but its order would point at the home
            // area (always first by default).
            areas.sort();
        }
    }
}

/// Joins names the way people write them: "A", "A and B", "A, B and C".
pub fn names_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u8, d: u8) -> CivilDate {
        CivilDate::new(y, m, d).expect("valid date")
    }

    fn child() -> ChildDetails {
        ChildDetails {
            alias: "Mia".into(),
            born: date(2019, 5, 15),
            gender: Gender::Girl,
            ethnicity: Ethnicity::Mixed,
            ethnicity_detail: String::new(),
            religion: String::new(),
            languages: vec!["English".into()],
            legal_status: LegalStatus::PlacementOrder,
            needs: vec![],
            confidential: ChildConfidential {
                surname: "Brackenridge".into(),
                ..Default::default()
            },
        }
    }

    fn fields(problems: &[Problem]) -> Vec<&'static str> {
        problems.iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_complete_child_has_no_problems() {
        assert!(child().problems(date(2026, 11, 23)).is_empty());
    }

    #[test]
    fn alias_must_not_be_the_surname_and_age_must_be_under_18() {
        let mut c = child();
        c.alias = "Mia Brackenridge".into();
        c.born = date(2008, 11, 23);
        assert_eq!(fields(&c.problems(date(2026, 11, 23))), ["alias", "born"]);
        c.alias = " ".into();
        c.born = date(2027, 1, 1);
        c.confidential.surname = String::new();
        assert_eq!(
            fields(&c.problems(date(2026, 11, 23))),
            ["alias", "born", "surname"]
        );
    }

    #[test]
    fn profile_needs_a_known_home_area_and_text() {
        let details = ProfileDetails {
            visibility: ChildVisibility::All,
            home_area: "Nowhere".into(),
            excluded_areas: vec!["Cumbria".into(), "Atlantis".into()],
            contact: Contact::default(),
            contact_notes: String::new(),
            requirements: vec![],
            requirement_notes: String::new(),
            text: "  ".into(),
        };
        let problems = details.problems(|a| a == "Cumbria");
        assert_eq!(fields(&problems), ["home_area", "excluded_areas", "text"]);
        assert!(problems[1].message.contains("Atlantis"));
    }

    #[test]
    fn names_are_listed_as_people_write_them() {
        assert_eq!(names_list(["Mia"].into_iter()), "Mia");
        assert_eq!(names_list(["Mia", "Leo"].into_iter()), "Mia and Leo");
        assert_eq!(
            names_list(["Mia", "Leo", "Ava"].into_iter()),
            "Mia, Leo and Ava"
        );
    }

    #[test]
    fn coded_values_round_trip() {
        for g in Gender::ALL {
            assert_eq!(Gender::parse(g.as_str()), Some(*g));
        }
        for e in Ethnicity::ALL {
            assert_eq!(Ethnicity::parse(e.as_str()), Some(*e));
        }
        assert_eq!(LegalStatus::parse("nonsense"), None);
        assert!(!Ethnicity::WhiteBritish.is_minority());
        assert!(Ethnicity::Black.is_minority());
    }
}
