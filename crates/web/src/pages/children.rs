//! Children's and sibling groups' profiles: the agency's list, writing a profile (with the
//! confidentiality check beside the text), sign-off and the rest of the life cycle, photos, and
//! reading a profile as the policy allows.

use super::{done, invalid, page};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::format::uk_time;
use crate::view::{Choice, Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kinlink_domain::child::{
    ChildConfidential, ChildDetails, ChildProfile, Contact, Ethnicity, FamilyRequirement, Gender,
    LegalStatus, Need, Problem, ProfileDetails,
};
use kinlink_domain::confidentiality::Finding;
use kinlink_domain::places;
use kinlink_domain::policy::{self, Action, ChildVisibility, Permit, Sight, Viewer, Visible};
use kinlink_domain::profile::{
    ChildEvent, ChildStatus, CivilDate, NeedCategory, NeedLevel, ProfileActor,
};
use kinlink_store::{
    Acknowledgement, NewPhoto, StatusChange, StatusRequest, StoreError, child_findings,
};
use serde::Deserialize;
use std::collections::HashMap;

/// The form's fields by name (a checkbox that is not ticked is simply absent).
pub struct Fields(HashMap<String, String>);

impl Fields {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Fields(pairs.into_iter().collect())
    }
    pub fn get(&self, name: &str) -> String {
        self.0.get(name).cloned().unwrap_or_default()
    }
    pub fn ticked(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
    /// Sets `name` unless it was given.
    pub fn default(&mut self, name: &str, value: &str) {
        self.0
            .entry(name.to_owned())
            .or_insert_with(|| value.to_owned());
    }
}

/// What the viewer's household contributes to what they see: whether it is active (adopters
/// see children only then) and its area (a child whose family must not live there is not shown
/// to them at all).
#[derive(Debug, Clone, Default)]
pub struct HouseholdContext {
    pub active: bool,
    pub area: Option<String>,
}

impl HouseholdContext {
    /// Staff: no household.
    pub const NONE: HouseholdContext = HouseholdContext {
        active: false,
        area: None,
    };
}

pub async fn viewer_household(
    state: &AppState,
    s: &SignedIn,
) -> Result<HouseholdContext, WebError> {
    match s.user.household_id {
        None => Ok(HouseholdContext::NONE),
        Some(id) => {
            let h = state.store.household(id).await?;
            Ok(HouseholdContext {
                active: h.status.0 == kinlink_domain::profile::HouseholdStatus::Active,
                area: (!h.area.is_empty()).then_some(h.area),
            })
        }
    }
}

pub fn viewer<'a>(s: &'a SignedIn, household: &'a HouseholdContext) -> Viewer<'a> {
    Viewer {
        actor: s.actor(),
        region: &s.agency.region,
        household_active: household.active,
        household_area: household.area.as_deref(),
    }
}

/// Asks the policy; a refusal is audited before it becomes a 403.
pub async fn authorize_audited(
    state: &AppState,
    s: &SignedIn,
    action: Action,
) -> Result<Permit, WebError> {
    crate::auth::authorize_audited(state, s.actor(), &s.who(), action).await
}

fn edit_permit_for(s: &SignedIn) -> Result<Permit, policy::Denied> {
    policy::authorize(
        s.actor(),
        Action::EditChildProfile {
            agency: s.user.agency_id,
        },
    )
}

// ---- form values -------------------------------------------------------------------------

/// A need's row on the form.
pub struct NeedValue {
    pub code: &'static str,
    pub label: &'static str,
    pub level: String,
    pub notes: String,
}

/// What the child form shows: what was typed, kept as typed.
pub struct ChildValues {
    pub alias: String,
    pub born_day: String,
    pub born_month: String,
    pub born_year: String,
    pub gender: String,
    pub ethnicity: String,
    pub ethnicity_detail: String,
    pub religion: String,
    pub languages: String,
    pub legal_status: String,
    pub needs: Vec<NeedValue>,
    pub surname: String,
    pub address: String,
    pub school: String,
    pub placement_location: String,
    pub birth_relatives: String,
}

impl ChildValues {
    pub fn blank() -> Self {
        ChildValues {
            alias: String::new(),
            born_day: String::new(),
            born_month: String::new(),
            born_year: String::new(),
            gender: String::new(),
            ethnicity: String::new(),
            ethnicity_detail: String::new(),
            religion: String::new(),
            languages: "English".into(),
            legal_status: LegalStatus::PlacementOrder.as_str().into(),
            needs: NeedCategory::ALL
                .iter()
                .map(|c| NeedValue {
                    code: c.as_str(),
                    label: c.label(),
                    level: "none".into(),
                    notes: String::new(),
                })
                .collect(),
            surname: String::new(),
            address: String::new(),
            school: String::new(),
            placement_location: String::new(),
            birth_relatives: String::new(),
        }
    }

    pub(crate) fn from_fields(f: &Fields) -> Self {
        ChildValues {
            alias: f.get("alias"),
            born_day: f.get("born_day"),
            born_month: f.get("born_month"),
            born_year: f.get("born_year"),
            gender: f.get("gender"),
            ethnicity: f.get("ethnicity"),
            ethnicity_detail: f.get("ethnicity_detail"),
            religion: f.get("religion"),
            languages: f.get("languages"),
            legal_status: f.get("legal_status"),
            needs: NeedCategory::ALL
                .iter()
                .map(|c| NeedValue {
                    code: c.as_str(),
                    label: c.label(),
                    level: f.get(&format!("need_{}", c.as_str())),
                    notes: f.get(&format!("need_{}_notes", c.as_str())),
                })
                .collect(),
            surname: f.get("surname"),
            address: f.get("address"),
            school: f.get("school"),
            placement_location: f.get("placement_location"),
            birth_relatives: f.get("birth_relatives"),
        }
    }

    fn of(child: &kinlink_domain::child::ChildView) -> Self {
        let (born, c) = child
            .confidential
            .clone()
            .unwrap_or((CivilDate::from_unix(0), ChildConfidential::default()));
        ChildValues {
            alias: child.alias.clone(),
            born_day: born.day().to_string(),
            born_month: born.month().to_string(),
            born_year: born.year().to_string(),
            gender: child.gender.as_str().into(),
            ethnicity: child.ethnicity.as_str().into(),
            ethnicity_detail: child.ethnicity_detail.clone(),
            religion: child.religion.clone(),
            languages: child.languages.join(", "),
            legal_status: child.legal_status.as_str().into(),
            needs: NeedCategory::ALL
                .iter()
                .map(|cat| {
                    let n = child.needs.iter().find(|n| n.category == *cat);
                    NeedValue {
                        code: cat.as_str(),
                        label: cat.label(),
                        level: n.map_or("none", |n| n.level.as_str()).into(),
                        notes: n.map(|n| n.notes.clone()).unwrap_or_default(),
                    }
                })
                .collect(),
            surname: c.surname,
            address: c.address,
            school: c.school,
            placement_location: c.placement_location,
            birth_relatives: c.birth_relatives.join("\n"),
        }
    }

    /// The child's details, or the problems with what was typed.
    pub(crate) fn parse(&self, today: CivilDate) -> Result<ChildDetails, Vec<Problem>> {
        let mut problems = Vec::new();
        let born = match (
            self.born_day.trim().parse::<u8>(),
            self.born_month.trim().parse::<u8>(),
            self.born_year.trim().parse::<i32>(),
        ) {
            (Ok(d), Ok(m), Ok(y)) => CivilDate::new(y, m, d),
            _ => None,
        };
        if born.is_none() {
            problems.push(Problem::new(
                "born",
                "Enter the date of birth as a real date, like 27 3 2019",
            ));
        }
        let gender = Gender::parse(&self.gender);
        if gender.is_none() {
            problems.push(Problem::new("gender", "Choose the child's gender"));
        }
        let ethnicity = Ethnicity::parse(&self.ethnicity);
        if ethnicity.is_none() {
            problems.push(Problem::new("ethnicity", "Choose the child's ethnic group"));
        }
        let legal_status = LegalStatus::parse(&self.legal_status);
        if legal_status.is_none() {
            problems.push(Problem::new("legal_status", "Choose the legal status"));
        }
        let mut needs = Vec::new();
        for n in &self.needs {
            let level = NeedLevel::parse(if n.level.is_empty() { "none" } else { &n.level });
            match (NeedCategory::parse(n.code), level) {
                (Some(category), Some(level)) => {
                    if level != NeedLevel::None || !n.notes.trim().is_empty() {
                        needs.push(Need {
                            category,
                            level,
                            notes: n.notes.trim().to_owned(),
                        });
                    }
                }
                _ => problems.push(Problem::new("needs", "Choose a level for each need")),
            }
        }
        let details = ChildDetails {
            alias: self.alias.trim().to_owned(),
            born: born.unwrap_or(today),
            gender: gender.unwrap_or(Gender::Other),
            ethnicity: ethnicity.unwrap_or(Ethnicity::Other),
            ethnicity_detail: self.ethnicity_detail.trim().to_owned(),
            religion: self.religion.trim().to_owned(),
            languages: self
                .languages
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            legal_status: legal_status.unwrap_or(LegalStatus::PlacementOrder),
            needs,
            confidential: ChildConfidential {
                surname: self.surname.trim().to_owned(),
                address: self.address.trim().to_owned(),
                school: self.school.trim().to_owned(),
                placement_location: self.placement_location.trim().to_owned(),
                birth_relatives: self
                    .birth_relatives
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
            },
        };
        // The domain's own checks, except the date's when it was not a date at all.
        problems.extend(
            details
                .problems(today)
                .into_iter()
                .filter(|p| !(p.field == "born" && born.is_none())),
        );
        if problems.is_empty() {
            Ok(details)
        } else {
            Err(order(problems, CHILD_FIELDS))
        }
    }
}

const CHILD_FIELDS: &[&str] = &[
    "alias",
    "born",
    "gender",
    "ethnicity",
    "ethnicity_detail",
    "religion",
    "languages",
    "legal_status",
    "needs",
    "surname",
    "address",
    "school",
    "placement_location",
    "birth_relatives",
];

const PROFILE_FIELDS: &[&str] = &[
    "visibility",
    "home_area",
    "excluded_areas",
    "contact_notes",
    "requirement_notes",
    "text",
];

/// Problems in the order of the form's fields, one per field.
fn order(mut problems: Vec<Problem>, fields: &[&str]) -> Vec<Problem> {
    problems.sort_by_key(|p| {
        fields
            .iter()
            .position(|f| *f == p.field)
            .unwrap_or(usize::MAX)
    });
    problems.dedup_by_key(|p| p.field);
    problems
}

/// What the profile form shows.
pub struct ProfileValues {
    pub visibility: String,
    pub home_area: String,
    pub excluded_areas: String,
    pub contact_letterbox: bool,
    pub contact_direct: bool,
    pub contact_siblings: bool,
    pub contact_notes: String,
    pub requirements: Vec<(&'static str, &'static str, bool)>,
    pub requirement_notes: String,
    pub text: String,
}

impl ProfileValues {
    pub fn blank() -> Self {
        ProfileValues {
            visibility: ChildVisibility::All.as_str().into(),
            home_area: String::new(),
            excluded_areas: String::new(),
            contact_letterbox: false,
            contact_direct: false,
            contact_siblings: false,
            contact_notes: String::new(),
            requirements: FamilyRequirement::ALL
                .iter()
                .map(|r| (r.as_str(), r.label(), false))
                .collect(),
            requirement_notes: String::new(),
            text: String::new(),
        }
    }

    pub(crate) fn from_fields(f: &Fields) -> Self {
        ProfileValues {
            visibility: f.get("visibility"),
            home_area: f.get("home_area"),
            excluded_areas: f.get("excluded_areas"),
            contact_letterbox: f.ticked("contact_letterbox"),
            contact_direct: f.ticked("contact_direct"),
            contact_siblings: f.ticked("contact_siblings"),
            contact_notes: f.get("contact_notes"),
            requirements: FamilyRequirement::ALL
                .iter()
                .map(|r| {
                    (
                        r.as_str(),
                        r.label(),
                        f.ticked(&format!("req_{}", r.as_str())),
                    )
                })
                .collect(),
            requirement_notes: f.get("requirement_notes"),
            text: f.get("text"),
        }
    }

    fn of(p: &ChildProfile) -> Self {
        ProfileValues {
            visibility: p.visibility.as_str().into(),
            home_area: p.home_area.clone().unwrap_or_default(),
            excluded_areas: p.excluded_areas.clone().unwrap_or_default().join("\n"),
            contact_letterbox: p.contact.letterbox,
            contact_direct: p.contact.direct_birth_family,
            contact_siblings: p.contact.sibling_contact,
            contact_notes: p.contact_notes.clone(),
            requirements: FamilyRequirement::ALL
                .iter()
                .map(|r| (r.as_str(), r.label(), p.requirements.contains(r)))
                .collect(),
            requirement_notes: p.requirement_notes.clone(),
            text: p.text.clone(),
        }
    }

    pub(crate) fn parse(&self) -> Result<ProfileDetails, Vec<Problem>> {
        let mut problems = Vec::new();
        let visibility = ChildVisibility::parse(&self.visibility);
        if visibility.is_none() {
            problems.push(Problem::new("visibility", "Choose who can see the profile"));
        }
        let mut excluded: Vec<String> = self
            .excluded_areas
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        // Left empty: the child's own area and its neighbours (the usual safe default).
        if excluded.is_empty() {
            excluded = places::default_exclusions(self.home_area.trim());
        }
        let details = ProfileDetails {
            visibility: visibility.unwrap_or(ChildVisibility::All),
            home_area: self.home_area.trim().to_owned(),
            excluded_areas: excluded,
            contact: Contact {
                letterbox: self.contact_letterbox,
                direct_birth_family: self.contact_direct,
                sibling_contact: self.contact_siblings,
            },
            contact_notes: self.contact_notes.trim().to_owned(),
            requirements: self
                .requirements
                .iter()
                .filter(|(_, _, on)| *on)
                .filter_map(|(code, _, _)| FamilyRequirement::parse(code))
                .collect(),
            requirement_notes: self.requirement_notes.trim().to_owned(),
            text: self.text.trim().to_owned(),
        };
        problems.extend(details.problems(places::is_known));
        if problems.is_empty() {
            Ok(details)
        } else {
            Err(order(problems, PROFILE_FIELDS))
        }
    }
}

/// The forms' fields in the order the pages show them: the child's (when on the form), then the
/// profile's, whose text comes first. The error summary lists problems in this order (GOV.UK:
/// the summary follows the page), whatever order they were found in.
const FORM_ORDER: &[&str] = &[
    "alias",
    "born",
    "gender",
    "ethnicity",
    "ethnicity_detail",
    "religion",
    "languages",
    "legal_status",
    "needs",
    "surname",
    "address",
    "school",
    "placement_location",
    "birth_relatives",
    "text",
    "visibility",
    "home_area",
    "excluded_areas",
    "contact_notes",
    "requirement_notes",
];

pub(crate) fn errors_of(problems: Vec<Problem>) -> FormErrors {
    let mut errors = FormErrors::default();
    for p in order(problems, FORM_ORDER) {
        errors.add(p.field, p.message);
    }
    errors
}

/// The lists every profile form chooses from.
pub struct Lists {
    pub areas: Vec<Choice>,
    pub visibilities: Vec<Choice>,
    pub genders: Vec<Choice>,
    pub ethnicities: Vec<Choice>,
    pub legal_statuses: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub yes_no_unsaid: Vec<Choice>,
}

impl Lists {
    pub fn new() -> Self {
        let mut areas = vec![Choice::new("", "Choose an area")];
        let mut sorted: Vec<&places::Area> = places::AREAS.iter().collect();
        sorted.sort_by_key(|a| a.name);
        areas.extend(sorted.into_iter().map(|a| Choice::new(a.name, a.name)));
        let with_blank = |blank: &str, items: Vec<Choice>| {
            let mut v = vec![Choice::new("", blank)];
            v.extend(items);
            v
        };
        Lists {
            areas,
            visibilities: ChildVisibility::ALL
                .iter()
                .map(|v| Choice::new(v.as_str(), v.label()))
                .collect(),
            genders: with_blank(
                "Choose a gender",
                Gender::ALL
                    .iter()
                    .map(|g| Choice::new(g.as_str(), g.label()))
                    .collect(),
            ),
            ethnicities: with_blank(
                "Choose an ethnic group",
                Ethnicity::ALL
                    .iter()
                    .map(|e| Choice::new(e.as_str(), e.label()))
                    .collect(),
            ),
            legal_statuses: LegalStatus::ALL
                .iter()
                .map(|l| Choice::new(l.as_str(), l.label()))
                .collect(),
            levels: NeedLevel::ALL
                .iter()
                .map(|l| Choice::new(l.as_str(), level_label(*l)))
                .collect(),
            yes_no_unsaid: vec![
                Choice::new("yes", "Yes"),
                Choice::new("no", "No"),
                Choice::new("", "Not recorded"),
            ],
        }
    }
}

impl Default for Lists {
    fn default() -> Self {
        Self::new()
    }
}

/// For templates, which hold values by reference.
pub fn level_text(level: &NeedLevel) -> &'static str {
    level_label(*level)
}

pub fn level_label(level: NeedLevel) -> &'static str {
    level.label()
}

// ---- the agency's list -------------------------------------------------------------------

pub struct ProfileRow {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
    pub status_tag: &'static str,
    pub ages: String,
    pub worker: String,
    pub updated: String,
    pub reviewed: String,
}

pub fn status_tag(status: &ChildStatus) -> &'static str {
    match *status {
        ChildStatus::Draft => "govuk-tag--grey",
        ChildStatus::AwaitingSignOff => "govuk-tag--yellow",
        ChildStatus::Published => "govuk-tag--green",
        ChildStatus::OnHold => "govuk-tag--orange",
        ChildStatus::Matched | ChildStatus::Placed => "govuk-tag--blue",
        ChildStatus::Withdrawn => "govuk-tag--red",
    }
}

pub fn ages(p: &ChildProfile) -> String {
    p.children
        .iter()
        .map(|c| format!("{} ({})", c.alias, c.age))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn row(p: &ChildProfile) -> ProfileRow {
    ProfileRow {
        id: p.id,
        title: p.title(),
        status: p.status.label(),
        status_tag: status_tag(&p.status),
        ages: ages(p),
        worker: p.worker_name.clone(),
        updated: uk_time(p.updated_at),
        reviewed: uk_time(p.reviewed_at),
    }
}

#[derive(Template)]
#[template(path = "children.html")]
pub struct ListPage {
    c: Chrome,
    rows: Vec<ProfileRow>,
    statuses: Vec<Choice>,
    status: String,
    no_errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
}

pub async fn list(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let permit = authorize_audited(
        &state,
        &s,
        Action::EditChildProfile {
            agency: s.user.agency_id,
        },
    )
    .await?;
    let status = ChildStatus::parse(&q.status);
    let profiles = state.store.agency_child_profiles(&permit, status).await?;
    let mut statuses = vec![Choice::new("", "All")];
    statuses.extend(
        [
            ChildStatus::Draft,
            ChildStatus::AwaitingSignOff,
            ChildStatus::Published,
            ChildStatus::OnHold,
            ChildStatus::Matched,
            ChildStatus::Placed,
            ChildStatus::Withdrawn,
        ]
        .iter()
        .map(|st| Choice::new(st.as_str(), st.label())),
    );
    page(&ListPage {
        c: s.chrome("Children's profiles", "/children"),
        rows: profiles.iter().map(row).collect(),
        statuses,
        status: status.map(|st| st.as_str().to_owned()).unwrap_or_default(),
        no_errors: FormErrors::default(),
    })
}

// ---- creating and editing ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "child_profile_form.html")]
pub struct ProfileFormPage {
    c: Chrome,
    errors: FormErrors,
    lists: Lists,
    /// `None` when creating.
    profile_id: Option<i64>,
    title: String,
    p: ProfileValues,
    /// The first child's fields, when creating.
    child: Option<ChildValues>,
}

pub async fn new_form(State(state): State<AppState>, s: SignedIn) -> Result<Response, WebError> {
    authorize_audited(
        &state,
        &s,
        Action::EditChildProfile {
            agency: s.user.agency_id,
        },
    )
    .await?;
    page(&ProfileFormPage {
        c: s.chrome("Create a child's profile", "/children"),
        errors: FormErrors::default(),
        lists: Lists::new(),
        profile_id: None,
        title: String::new(),
        p: ProfileValues::blank(),
        child: Some(ChildValues::blank()),
    })
}

pub async fn new_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let permit = authorize_audited(
        &state,
        &s,
        Action::EditChildProfile {
            agency: s.user.agency_id,
        },
    )
    .await?;
    let f = Fields::new(pairs);
    let p = ProfileValues::from_fields(&f);
    let child = ChildValues::from_fields(&f);
    let today = CivilDate::from_unix(state.store.now());
    let parsed = (child.parse(today), p.parse());
    let result = match parsed {
        (Ok(first), Ok(details)) => {
            match state
                .store
                .create_child_profile(&permit, &s.who(), &details, &first)
                .await
            {
                Ok(id) => return Ok(done(&format!("/children/{id}?done=created"))),
                Err(StoreError::Invalid(problems)) => problems,
                Err(e) => return Err(e.into()),
            }
        }
        (a, b) => {
            let mut problems = b.err().unwrap_or_default();
            problems.extend(a.err().unwrap_or_default());
            problems
        }
    };
    let errors = errors_of(result);
    invalid(&ProfileFormPage {
        c: s.chrome("Create a child's profile", "/children")
            .with_errors(&errors),
        errors,
        lists: Lists::new(),
        profile_id: None,
        title: String::new(),
        p,
        child: Some(child),
    })
}

/// The full profile for its own agency's caseworkers; anyone else gets 404 (audited).
async fn own_profile(
    state: &AppState,
    s: &SignedIn,
    id: i64,
) -> Result<(Permit, Visible<ChildProfile>), WebError> {
    let permit = authorize_audited(
        state,
        s,
        Action::EditChildProfile {
            agency: s.user.agency_id,
        },
    )
    .await?;
    let profile = state
        .store
        .child_profile(viewer(s, &HouseholdContext::NONE), &s.who(), id)
        .await?;
    if profile.sight() != Sight::Full || profile.agency_id != s.user.agency_id {
        return Err(WebError::NotFound);
    }
    Ok((permit, profile))
}

pub async fn edit_form(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (_, profile) = own_profile(&state, &s, id).await?;
    if profile.status != ChildStatus::Draft {
        return Err(WebError::NotFound);
    }
    page(&ProfileFormPage {
        c: s.chrome(
            &format!("Change {}'s profile", profile.title()),
            "/children",
        ),
        errors: FormErrors::default(),
        lists: Lists::new(),
        profile_id: Some(id),
        title: profile.title(),
        p: ProfileValues::of(&profile),
        child: None,
    })
}

pub async fn edit_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (permit, profile) = own_profile(&state, &s, id).await?;
    let f = Fields::new(pairs);
    let p = ProfileValues::from_fields(&f);
    let problems = match p.parse() {
        Ok(details) => match state
            .store
            .update_child_profile(&permit, &s.who(), id, &details)
            .await
        {
            Ok(()) => return Ok(done(&format!("/children/{id}?done=saved"))),
            Err(StoreError::Invalid(problems)) => problems,
            Err(StoreError::NotEditable(status)) => {
                vec![Problem::new("text", not_a_draft(status))]
            }
            Err(e) => return Err(e.into()),
        },
        Err(problems) => problems,
    };
    let errors = errors_of(problems);
    invalid(&ProfileFormPage {
        c: s.chrome(
            &format!("Change {}'s profile", profile.title()),
            "/children",
        )
        .with_errors(&errors),
        errors,
        lists: Lists::new(),
        profile_id: Some(id),
        title: profile.title(),
        p,
        child: None,
    })
}

#[derive(Template)]
#[template(path = "child_form.html")]
pub struct ChildFormPage {
    c: Chrome,
    errors: FormErrors,
    lists: Lists,
    profile_id: i64,
    title: String,
    /// `None` when adding.
    child_id: Option<i64>,
    child: ChildValues,
}

pub async fn child_new_form(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (_, profile) = own_profile(&state, &s, id).await?;
    if profile.status != ChildStatus::Draft {
        return Err(WebError::NotFound);
    }
    page(&ChildFormPage {
        c: s.chrome("Add a brother or sister", "/children"),
        errors: FormErrors::default(),
        lists: Lists::new(),
        profile_id: id,
        title: profile.title(),
        child_id: None,
        child: ChildValues::blank(),
    })
}

pub async fn child_edit_form(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, child_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let (_, profile) = own_profile(&state, &s, id).await?;
    let child = profile
        .children
        .iter()
        .find(|c| c.id == child_id)
        .filter(|_| profile.status == ChildStatus::Draft)
        .ok_or(WebError::NotFound)?;
    page(&ChildFormPage {
        c: s.chrome(&format!("Change {}'s details", child.alias), "/children"),
        errors: FormErrors::default(),
        lists: Lists::new(),
        profile_id: id,
        title: profile.title(),
        child_id: Some(child_id),
        child: ChildValues::of(child),
    })
}

async fn child_submit(
    state: AppState,
    s: SignedIn,
    id: i64,
    child_id: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Result<Response, WebError> {
    let (permit, profile) = own_profile(&state, &s, id).await?;
    let f = Fields::new(pairs);
    let values = ChildValues::from_fields(&f);
    let today = CivilDate::from_unix(state.store.now());
    let problems = match values.parse(today) {
        Ok(child) => {
            let result = match child_id {
                None => state
                    .store
                    .add_child(&permit, &s.who(), id, &child)
                    .await
                    .map(|_| ()),
                Some(child_id) => {
                    state
                        .store
                        .update_child(&permit, &s.who(), id, child_id, &child)
                        .await
                }
            };
            match result {
                Ok(()) => return Ok(done(&format!("/children/{id}?done=saved"))),
                Err(StoreError::Invalid(problems)) => problems,
                Err(StoreError::NotEditable(status)) => {
                    vec![Problem::new("alias", not_a_draft(status))]
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(problems) => problems,
    };
    let errors = errors_of(problems);
    invalid(&ChildFormPage {
        c: s.chrome("Child's details", "/children")
            .with_errors(&errors),
        errors,
        lists: Lists::new(),
        profile_id: id,
        title: profile.title(),
        child_id,
        child: values,
    })
}

pub async fn child_new_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    child_submit(state, s, id, None, pairs).await
}

pub async fn child_edit_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, child_id)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    child_submit(state, s, id, Some(child_id), pairs).await
}

pub async fn child_remove(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, child_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let (permit, _) = own_profile(&state, &s, id).await?;
    match state
        .store
        .remove_child(&permit, &s.who(), id, child_id)
        .await
    {
        Ok(()) => Ok(done(&format!("/children/{id}?done=removed"))),
        Err(StoreError::Invalid(problems)) => {
            let message = problems
                .into_iter()
                .next()
                .map(|p| p.message)
                .unwrap_or_default();
            refused(&state, &s, id, message).await
        }
        Err(StoreError::NotEditable(status)) => refused(&state, &s, id, not_a_draft(status)).await,
        Err(e) => Err(e.into()),
    }
}

/// Why a change was refused when the profile had left draft since its page was opened (another
/// tab, the back button): a stale form is an everyday event, not a fault.
fn not_a_draft(status: &str) -> String {
    format!(
        "This profile is {status} now: it can be changed only while it is a draft. Nothing was saved."
    )
}

/// The profile page again, saying why the button pressed changed nothing.
async fn refused(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    message: String,
) -> Result<Response, WebError> {
    let mut errors = FormErrors::default();
    errors.add("status", message);
    Ok(super::unprocessable(
        profile_page(state, s, id, None, errors, None).await?,
    ))
}

// ---- reading a profile -------------------------------------------------------------------

/// A finding as the profile page shows it, beside the text.
pub struct FindingView {
    pub place: String,
    pub kind: &'static str,
    pub excerpt: String,
    pub advice: &'static str,
    pub fingerprint: String,
    pub acknowledged: Option<Acknowledgement>,
}

/// A piece of the profile text, marked when a finding covers it.
pub struct TextPiece {
    pub text: String,
    pub flagged: Option<&'static str>,
}

/// Splits `text` into pieces, marking the findings' spans (the first of overlapping ones).
fn mark(text: &str, findings: &[&Finding]) -> Vec<TextPiece> {
    let mut pieces = Vec::new();
    let mut at = 0;
    let mut spans: Vec<&&Finding> = findings.iter().collect();
    spans.sort_by_key(|f| f.start);
    for f in spans {
        if f.start < at {
            continue;
        }
        if let (Some(before), Some(flagged)) = (text.get(at..f.start), text.get(f.start..f.end)) {
            pieces.push(TextPiece {
                text: before.to_owned(),
                flagged: None,
            });
            pieces.push(TextPiece {
                text: flagged.to_owned(),
                flagged: Some(f.kind.label()),
            });
            at = f.end;
        }
    }
    pieces.push(TextPiece {
        text: text.get(at..).unwrap_or_default().to_owned(),
        flagged: None,
    });
    pieces
}

/// A life-cycle step this person can take now, as a button.
pub struct StepButton {
    pub event: &'static str,
    pub label: &'static str,
    pub needs_reason: bool,
    pub warning: bool,
}

const STEPS: &[(&str, &str, bool, bool)] = &[
    ("submit", "Send for sign-off", false, false),
    ("sign_off", "Sign off and publish", false, false),
    ("return", "Return for changes", true, true),
    (
        "revise",
        "Make changes (takes it off the Register until signed off again)",
        false,
        false,
    ),
    ("hold", "Put on hold", true, false),
    ("resume", "Publish again", false, false),
    ("match", "Record a match", false, false),
    ("fell_through", "Match did not go ahead", true, true),
    ("placed", "Record placement", false, false),
    ("withdraw", "Withdraw profile", true, true),
];

pub(crate) fn event_of(code: &str, unresolved: usize) -> Option<ChildEvent> {
    Some(match code {
        "submit" => ChildEvent::SubmitForSignOff {
            unresolved_findings: unresolved,
        },
        "sign_off" => ChildEvent::SignOff,
        "return" => ChildEvent::ReturnForChanges,
        "revise" => ChildEvent::Revise,
        "hold" => ChildEvent::PutOnHold,
        "resume" => ChildEvent::Resume,
        "match" => ChildEvent::RecordMatch,
        "fell_through" => ChildEvent::MatchFellThrough,
        "placed" => ChildEvent::RecordPlacement,
        "withdraw" => ChildEvent::Withdraw,
        _ => return None,
    })
}

pub struct HistoryRow {
    pub when: String,
    pub change: String,
    pub by: String,
    pub reason: String,
}

fn history_rows(changes: Vec<StatusChange>) -> Vec<HistoryRow> {
    let label = |code: &str| ChildStatus::parse(code).map_or("unknown", ChildStatus::label);
    changes
        .into_iter()
        .rev()
        .map(|h| HistoryRow {
            when: uk_time(h.at),
            change: format!("{} → {}", label(&h.from_status), label(&h.to_status)),
            by: h.user_name.unwrap_or_default(),
            reason: h.reason,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "child_profile.html")]
pub struct ProfilePage {
    c: Chrome,
    p: Visible<ChildProfile>,
    full: bool,
    adopter: bool,
    draft: bool,
    pieces: Vec<TextPiece>,
    findings: Vec<FindingView>,
    unresolved: usize,
    steps: Vec<StepButton>,
    history: Vec<HistoryRow>,
    waiting: String,
    reviewed: String,
    due_for_review: bool,
    errors: FormErrors,
    ack_for: String,
    /// An adopter may ask to explore a link with this child.
    ask_link: bool,
    /// A family's worker may ask for one of their agency's active families.
    link_families: Vec<Choice>,
    /// May see the families matching suggests.
    suggest: bool,
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    let notice = match q.done.as_deref() {
        Some("created") => Some("The profile has been created as a draft."),
        Some("saved") => Some("Your changes have been saved."),
        Some("removed") => Some("The child has been taken out of the sibling group."),
        Some("last_child") => {
            Some("A profile needs at least one child: withdraw the profile instead.")
        }
        Some("acknowledged") => Some("The finding has been acknowledged."),
        Some("status") => Some("The profile's status has changed."),
        Some("reviewed") => Some("The profile is marked as reviewed today."),
        Some("photo") => {
            Some("The photo has been added. Its metadata (including any location) was removed.")
        }
        Some("photo_removed") => Some("The photo has been removed."),
        _ => None,
    }
    .map(str::to_owned);
    profile_page(&state, &s, id, notice, FormErrors::default(), None).await
}

async fn profile_page(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    notice: Option<String>,
    errors: FormErrors,
    // The finding whose acknowledgement was refused: its reason box carries the error.
    ack_for: Option<String>,
) -> Result<Response, WebError> {
    let household = viewer_household(state, s).await?;
    let p = match state
        .store
        .child_profile(viewer(s, &household), &s.who(), id)
        .await
    {
        Err(StoreError::NotFound) => return Err(WebError::NotFound),
        other => other?,
    };
    let full = p.sight() == Sight::Full;
    let mut findings = Vec::new();
    let mut pieces = vec![TextPiece {
        text: p.text.clone(),
        flagged: None,
    }];
    let mut steps = Vec::new();
    let mut history = Vec::new();
    let mut unresolved = 0;
    if full && let Ok(permit) = edit_permit_for(s) {
        let acks = state.store.acknowledgements(&permit, "child", id).await?;
        let found = child_findings(&p);
        let in_text: Vec<&Finding> = found
            .iter()
            .filter(|(place, _)| place == "Profile")
            .map(|(_, f)| f)
            .collect();
        pieces = mark(&p.text, &in_text);
        for (place, f) in &found {
            let acknowledged = acks
                .iter()
                .find(|a| a.fingerprint == f.fingerprint())
                .cloned();
            if acknowledged.is_none() {
                unresolved += 1;
            }
            findings.push(FindingView {
                place: place.clone(),
                kind: f.kind.label(),
                excerpt: f.excerpt.clone(),
                advice: f.kind.advice(),
                fingerprint: f.fingerprint().to_owned(),
                acknowledged,
            });
        }
        let actor = ProfileActor {
            role: s.user.role,
            own_agency: true,
            submitted_it: p.submitted_by == Some(s.user.id),
        };
        for (code, label, needs_reason, warning) in STEPS {
            // Offer "send for sign-off" even with findings open: pressing it says what to do.
            if let Some(event) = event_of(code, 0)
                && p.status.apply(actor, event).is_ok()
            {
                steps.push(StepButton {
                    event: code,
                    label,
                    needs_reason: *needs_reason,
                    warning: *warning,
                });
            }
        }
        history = history_rows(state.store.status_history("child", id).await?);
    }
    let now = state.store.now();
    let review_days = state.store.register_settings().await?.profile_review_days;
    let waiting = p
        .published_at
        .map(|at| crate::format::days_between(at, now))
        .unwrap_or_default();
    let due_for_review = matches!(p.status, ChildStatus::Published | ChildStatus::OnHold)
        && now - p.reviewed_at > review_days * 86_400;
    let title = p.title();
    let published = p.status == ChildStatus::Published;
    let ask_link = published && s.user.role == kinlink_domain::Role::Adopter && household.active;
    let link_families = match policy::authorize(
        s.actor(),
        Action::EditHousehold {
            agency: s.user.agency_id,
        },
    ) {
        Ok(permit) if published => state
            .store
            .agency_households(&permit)
            .await?
            .into_iter()
            .filter(|h| h.status == kinlink_domain::profile::HouseholdStatus::Active)
            .map(|h| Choice::new(h.id.to_string(), h.details.applicants.join(" and ")))
            .collect(),
        _ => Vec::new(),
    };
    let suggest = !p.status.is_final()
        && policy::allows(
            s.actor(),
            Action::SuggestFamilies {
                child_agency: p.agency_id,
            },
        );
    page(&ProfilePage {
        c: s.chrome(
            &title,
            if full {
                "/children"
            } else {
                "/search/children"
            },
        )
        .with_notice(notice)
        .with_errors(&errors),
        adopter: s.user.role == kinlink_domain::Role::Adopter,
        draft: p.status == ChildStatus::Draft,
        reviewed: uk_time(p.reviewed_at),
        p,
        full,
        pieces,
        findings,
        unresolved,
        steps,
        history,
        waiting,
        due_for_review,
        errors,
        ack_for: ack_for.unwrap_or_default(),
        ask_link,
        link_families,
        suggest,
    })
}

#[derive(Deserialize)]
pub struct AcknowledgeForm {
    #[serde(default)]
    pub(crate) fingerprint: String,
    #[serde(default)]
    pub(crate) reason: String,
}

pub async fn acknowledge(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AcknowledgeForm>,
) -> Result<Response, WebError> {
    let (permit, _) = own_profile(&state, &s, id).await?;
    match state
        .store
        .acknowledge_child_finding(&permit, &s.who(), id, &f.fingerprint, &f.reason)
        .await
    {
        Ok(()) => Ok(done(&format!("/children/{id}?done=acknowledged"))),
        Err(StoreError::Invalid(_)) => {
            let mut errors = FormErrors::default();
            errors.add(
                "reason",
                "Say why this finding is not identifying before acknowledging it",
            );
            Ok(super::unprocessable(
                profile_page(&state, &s, id, None, errors, Some(f.fingerprint)).await?,
            ))
        }
        Err(StoreError::Conflict(_)) => Ok(done(&format!("/children/{id}?done=acknowledged"))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    pub(crate) event: String,
    #[serde(default)]
    pub(crate) reason: String,
}

pub async fn change_status(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response, WebError> {
    let (permit, _) = own_profile(&state, &s, id).await?;
    let Some(event) = event_of(&f.event, 0) else {
        return Err(WebError::NotFound);
    };
    let request = StatusRequest {
        event,
        reason: f.reason,
    };
    let message = match state
        .store
        .change_child_status(&permit, &s.who(), id, &request)
        .await
    {
        Ok(_) => return Ok(done(&format!("/children/{id}?done=status"))),
        Err(e) => super::refusal_message(e)?,
    };
    let mut errors = FormErrors::default();
    errors.add("status", message);
    Ok(super::unprocessable(
        profile_page(&state, &s, id, None, errors, None).await?,
    ))
}

pub async fn mark_reviewed(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (permit, _) = own_profile(&state, &s, id).await?;
    state
        .store
        .mark_child_profile_reviewed(&permit, &s.who(), id)
        .await?;
    Ok(done(&format!("/children/{id}?done=reviewed")))
}

// ---- photos ------------------------------------------------------------------------------

/// Adds a photo: checked and re-encoded without metadata before anything is stored.
pub async fn photo_upload(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let (permit, _) = own_profile(&state, &s, id).await?;
    let mut errors = FormErrors::default();
    if let Some(new) = read_photo(multipart, &mut errors).await? {
        match state
            .store
            .add_child_photo(&permit, &s.who(), id, &new)
            .await
        {
            Ok(_) => return Ok(done(&format!("/children/{id}?done=photo"))),
            Err(StoreError::Invalid(problems)) => {
                for p in problems {
                    errors.add(p.field, p.message);
                }
            }
            Err(StoreError::NotEditable(_)) => errors.add(
                "photo",
                "Photos can be changed only while the profile is a draft",
            ),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(super::unprocessable(
        profile_page(&state, &s, id, None, errors, None).await?,
    ))
}

/// Reads an upload form (`photo`, `description`) and cleans the photo: decoded and re-encoded
/// without metadata off the async threads. `None`, with the reasons in `errors`, when refused.
pub async fn read_photo(
    mut multipart: Multipart,
    errors: &mut FormErrors,
) -> Result<Option<NewPhoto>, WebError> {
    let mut bytes = Vec::new();
    let mut description = String::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("photo") => {
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| WebError::PayloadTooLarge)?
                    .to_vec()
            }
            Some("description") => description = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    if bytes.is_empty() {
        errors.add("photo", "Choose a photo to upload");
        return Ok(None);
    }
    if description.trim().is_empty() {
        errors.add(
            "description",
            "Describe the photo for people who cannot see it",
        );
        return Ok(None);
    }
    let cleaned = tokio::task::spawn_blocking(move || {
        kinlink_photos::accept(&bytes, &kinlink_photos::Limits::default())
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?;
    match cleaned {
        Ok(photo) => Ok(Some(NewPhoto {
            jpeg: photo.jpeg,
            width: photo.width,
            height: photo.height,
            description,
        })),
        Err(rejected) => {
            errors.add("photo", rejected.to_string());
            Ok(None)
        }
    }
}

pub async fn photo_remove(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, photo_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let (permit, _) = own_profile(&state, &s, id).await?;
    match state
        .store
        .remove_child_photo(&permit, &s.who(), id, photo_id)
        .await
    {
        Ok(()) => Ok(done(&format!("/children/{id}?done=photo_removed"))),
        Err(StoreError::NotEditable(status)) => refused(&state, &s, id, not_a_draft(status)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn photo(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, photo_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let household = viewer_household(&state, &s).await?;
    let photo = state
        .store
        .child_photo(viewer(&s, &household), id, photo_id)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg")),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            ),
        ],
        photo.jpeg,
    )
        .into_response())
}
