//! Approved households' profiles: the adopters' worker writes one and a team manager agrees it;
//! from then on the adopters keep it up to date themselves, and their worker sees every change.
//! Households are seen by staff who find families, never by other adopters.

use super::children::{
    AcknowledgeForm, Fields, HouseholdContext, Lists, StatusForm, authorize_audited, errors_of,
    level_label, viewer,
};
use super::{done, invalid, page};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::format::uk_time;
use crate::view::{Choice, Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kinlink_domain::Role;
use kinlink_domain::child::{Contact, Ethnicity, Gender, Problem};
use kinlink_domain::household::{Experience, HouseholdDetails, HouseholdProfile, Openness};
use kinlink_domain::places::REGIONS;
use kinlink_domain::policy::{self, Action, Permit, Sight, Visible};
use kinlink_domain::profile::{
    CivilDate, HouseholdActor, HouseholdEvent, HouseholdStatus, NeedCategory, NeedLevel,
    ProfileActor,
};
use kinlink_store::{HouseholdSearch, StoreError, household_findings};
use serde::Deserialize;

/// What the household form shows, as typed.
pub struct HouseholdValues {
    pub applicant_1: String,
    pub applicant_2: String,
    pub approved_day: String,
    pub approved_month: String,
    pub approved_year: String,
    pub children_min: String,
    pub children_max: String,
    pub age_min: String,
    pub age_max: String,
    pub gender: String,
    pub needs: Vec<(&'static str, &'static str, String, String)>,
    pub contact_letterbox: bool,
    pub contact_direct: bool,
    pub contact_siblings: bool,
    pub identity: String,
    /// (code, label, ticked) for each ethnic group.
    pub heritage: Vec<(&'static str, &'static str, bool)>,
    pub experience: Vec<(&'static str, &'static str, bool)>,
    /// "None of these" ticked.
    pub experience_none: bool,
    pub languages: String,
    pub children_at_home: String,
    pub youngest_at_home: String,
    pub children_at_home_notes: String,
    pub pets: String,
    /// "", "yes" or "no".
    pub carer_at_home: String,
    pub area: String,
    pub text: String,
    pub consent_to_referral: bool,
}

fn ticks<T: Copy + PartialEq>(
    all: &'static [T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    ticked: impl Fn(T) -> bool,
) -> Vec<(&'static str, &'static str, bool)> {
    all.iter()
        .map(|&x| (code(x), label(x), ticked(x)))
        .collect()
}

impl HouseholdValues {
    fn blank() -> Self {
        Self::of(&HouseholdDetails {
            applicants: vec![],
            approved_on: None,
            children_min: 1,
            children_max: 2,
            age_min_years: 0,
            age_max_years: 4,
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
            area: String::new(),
            text: String::new(),
            consent_to_referral: false,
        })
    }

    fn of(d: &HouseholdDetails) -> Self {
        let date = |f: fn(CivilDate) -> String| d.approved_on.map(f).unwrap_or_default();
        HouseholdValues {
            applicant_1: d.applicants.first().cloned().unwrap_or_default(),
            applicant_2: d.applicants.get(1).cloned().unwrap_or_default(),
            approved_day: date(|c| c.day().to_string()),
            approved_month: date(|c| c.month().to_string()),
            approved_year: date(|c| c.year().to_string()),
            children_min: d.children_min.to_string(),
            children_max: d.children_max.to_string(),
            age_min: d.age_min_years.to_string(),
            age_max: d.age_max_years.to_string(),
            gender: d.gender.map(|g| g.as_str().to_owned()).unwrap_or_default(),
            needs: NeedCategory::ALL
                .iter()
                .map(|c| {
                    let o = d.needs.iter().find(|n| n.category == *c);
                    (
                        c.as_str(),
                        c.label(),
                        o.map_or("none", |n| n.level.as_str()).to_owned(),
                        o.map(|n| n.reason.clone()).unwrap_or_default(),
                    )
                })
                .collect(),
            contact_letterbox: d.contact.letterbox,
            contact_direct: d.contact.direct_birth_family,
            contact_siblings: d.contact.sibling_contact,
            identity: d.identity.clone(),
            heritage: ticks(Ethnicity::ALL, Ethnicity::as_str, Ethnicity::label, |e| {
                d.heritage.contains(&e)
            }),
            experience: ticks(
                Experience::ALL,
                Experience::as_str,
                Experience::label,
                |e| d.experience.as_ref().is_some_and(|had| had.contains(&e)),
            ),
            experience_none: d.experience.as_ref().is_some_and(Vec::is_empty),
            languages: d.languages.join(", "),
            children_at_home: d.children_at_home.to_string(),
            youngest_at_home: d
                .youngest_at_home
                .map(|y| y.to_string())
                .unwrap_or_default(),
            children_at_home_notes: d.children_at_home_notes.clone(),
            pets: d.pets.clone(),
            carer_at_home: match d.carer_at_home {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            }
            .to_owned(),
            area: d.area.clone(),
            text: d.text.clone(),
            consent_to_referral: d.consent_to_referral,
        }
    }

    pub(crate) fn from_fields(f: &Fields) -> Self {
        HouseholdValues {
            applicant_1: f.get("applicant_1"),
            applicant_2: f.get("applicant_2"),
            approved_day: f.get("approved_day"),
            approved_month: f.get("approved_month"),
            approved_year: f.get("approved_year"),
            children_min: f.get("children_min"),
            children_max: f.get("children_max"),
            age_min: f.get("age_min"),
            age_max: f.get("age_max"),
            gender: f.get("gender"),
            needs: NeedCategory::ALL
                .iter()
                .map(|c| {
                    (
                        c.as_str(),
                        c.label(),
                        f.get(&format!("need_{}", c.as_str())),
                        f.get(&format!("need_{}_reason", c.as_str())),
                    )
                })
                .collect(),
            contact_letterbox: f.ticked("contact_letterbox"),
            contact_direct: f.ticked("contact_direct"),
            contact_siblings: f.ticked("contact_siblings"),
            identity: f.get("identity"),
            heritage: ticks(Ethnicity::ALL, Ethnicity::as_str, Ethnicity::label, |e| {
                f.ticked(&format!("heritage_{}", e.as_str()))
            }),
            experience: ticks(
                Experience::ALL,
                Experience::as_str,
                Experience::label,
                |e| f.ticked(&format!("experience_{}", e.as_str())),
            ),
            experience_none: f.ticked("experience_none"),
            languages: f.get("languages"),
            children_at_home: f.get("children_at_home"),
            youngest_at_home: f.get("youngest_at_home"),
            children_at_home_notes: f.get("children_at_home_notes"),
            pets: f.get("pets"),
            carer_at_home: f.get("carer_at_home"),
            area: f.get("area"),
            text: f.get("text"),
            consent_to_referral: f.ticked("consent_to_referral"),
        }
    }

    pub(crate) fn parse(&self, min_words: usize) -> Result<HouseholdDetails, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut number = |raw: &str, field: &'static str, what: &str| -> u8 {
            match raw.trim().parse::<u8>() {
                Ok(n) => n,
                Err(_) => {
                    problems.push(Problem::new(
                        field,
                        format!("{what} must be a whole number"),
                    ));
                    0
                }
            }
        };
        let children_min = number(&self.children_min, "children", "The number of children");
        let children_max = number(&self.children_max, "children", "The number of children");
        let age_min = number(&self.age_min, "ages", "Ages");
        let age_max = number(&self.age_max, "ages", "Ages");
        let at_home = number(
            &self.children_at_home,
            "children_at_home",
            "Children at home",
        );
        let youngest_at_home = match self.youngest_at_home.trim() {
            "" => None,
            raw => Some(number(raw, "youngest_at_home", "The youngest child's age")),
        };
        let carer_at_home = match self.carer_at_home.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        let had: Vec<Experience> = self
            .experience
            .iter()
            .filter(|(_, _, on)| *on)
            .filter_map(|(code, _, _)| Experience::parse(code))
            .collect();
        if self.experience_none && !had.is_empty() {
            problems.push(Problem::new(
                "experience",
                "Tick the kinds of experience the family has, or \"None of these\", not both",
            ));
        }
        let experience = (self.experience_none || !had.is_empty()).then_some(had);
        let approved_on = if [
            &self.approved_day,
            &self.approved_month,
            &self.approved_year,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
        {
            None
        } else {
            let parsed = match (
                self.approved_day.trim().parse::<u8>(),
                self.approved_month.trim().parse::<u8>(),
                self.approved_year.trim().parse::<i32>(),
            ) {
                (Ok(d), Ok(m), Ok(y)) => CivilDate::new(y, m, d),
                _ => None,
            };
            if parsed.is_none() {
                problems.push(Problem::new(
                    "approved",
                    "Enter the approval date as a real date, like 14 6 2025",
                ));
            }
            parsed
        };
        let gender = match self.gender.as_str() {
            "" => None,
            code => {
                let g = Gender::parse(code);
                if g.is_none() {
                    problems.push(Problem::new("gender", "Choose girls, boys or either"));
                }
                g
            }
        };
        let mut needs = Vec::new();
        for (code, _, level, reason) in &self.needs {
            match (
                NeedCategory::parse(code),
                NeedLevel::parse(if level.is_empty() { "none" } else { level }),
            ) {
                (Some(category), Some(level)) => {
                    if level != NeedLevel::None || !reason.trim().is_empty() {
                        needs.push(Openness {
                            category,
                            level,
                            reason: reason.trim().to_owned(),
                        });
                    }
                }
                _ => problems.push(Problem::new("needs", "Choose a level for each need")),
            }
        }
        let details = HouseholdDetails {
            applicants: [&self.applicant_1, &self.applicant_2]
                .iter()
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect(),
            approved_on,
            children_min,
            children_max,
            age_min_years: age_min,
            age_max_years: age_max,
            gender,
            needs,
            contact: Contact {
                letterbox: self.contact_letterbox,
                direct_birth_family: self.contact_direct,
                sibling_contact: self.contact_siblings,
            },
            identity: self.identity.trim().to_owned(),
            heritage: self
                .heritage
                .iter()
                .filter(|(_, _, on)| *on)
                .filter_map(|(code, _, _)| Ethnicity::parse(code))
                .collect(),
            experience,
            languages: self
                .languages
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            children_at_home: at_home,
            children_at_home_notes: self.children_at_home_notes.trim().to_owned(),
            pets: self.pets.trim().to_owned(),
            youngest_at_home,
            carer_at_home,
            area: self.area.trim().to_owned(),
            text: self.text.trim().to_owned(),
            consent_to_referral: self.consent_to_referral,
        };
        if problems.is_empty() {
            problems.extend(details.problems(min_words, kinlink_domain::places::is_known));
        }
        if problems.is_empty() {
            Ok(details)
        } else {
            problems.dedup_by_key(|p| p.field);
            Err(problems)
        }
    }
}

#[derive(Template)]
#[template(path = "household_form.html")]
pub struct FormPage {
    c: Chrome,
    errors: FormErrors,
    lists: Lists,
    genders: Vec<Choice>,
    household_id: Option<i64>,
    h: HouseholdValues,
    min_words: i64,
}

fn genders() -> Vec<Choice> {
    let mut v = vec![Choice::new("", "Girls or boys")];
    v.extend([
        Choice::new("girl", "Girls only"),
        Choice::new("boy", "Boys only"),
    ]);
    v
}

async fn edit_permit(state: &AppState, s: &SignedIn) -> Result<Permit, WebError> {
    authorize_audited(
        state,
        s,
        Action::EditHousehold {
            agency: s.user.agency_id,
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "households.html")]
pub struct ListPage {
    c: Chrome,
    rows: Vec<(i64, String, &'static str, String)>,
}

pub async fn list(State(state): State<AppState>, s: SignedIn) -> Result<Response, WebError> {
    let permit = edit_permit(&state, &s).await?;
    let rows = state
        .store
        .agency_households(&permit)
        .await?
        .into_iter()
        .map(|h| {
            (
                h.id,
                h.details.applicants.join(" and "),
                h.status.label(),
                uk_time(h.updated_at),
            )
        })
        .collect();
    page(&ListPage {
        c: s.chrome("Families", "/households"),
        rows,
    })
}

pub async fn new_form(State(state): State<AppState>, s: SignedIn) -> Result<Response, WebError> {
    edit_permit(&state, &s).await?;
    page(&FormPage {
        c: s.chrome("Add a family's profile", "/households"),
        errors: FormErrors::default(),
        lists: Lists::new(),
        genders: genders(),
        household_id: None,
        h: HouseholdValues::blank(),
        min_words: s.agency.household_text_min_words,
    })
}

fn min_words(s: &SignedIn) -> usize {
    usize::try_from(s.agency.household_text_min_words).unwrap_or(0)
}

pub async fn new_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let permit = edit_permit(&state, &s).await?;
    let h = HouseholdValues::from_fields(&Fields::new(pairs));
    let problems = match h.parse(min_words(&s)) {
        Ok(details) => match state
            .store
            .create_household_profile(&permit, &s.who(), &details)
            .await
        {
            Ok(id) => return Ok(done(&format!("/households/{id}?done=created"))),
            Err(StoreError::Invalid(p)) => p,
            Err(e) => return Err(e.into()),
        },
        Err(p) => p,
    };
    let errors = errors_of(problems);
    invalid(&FormPage {
        c: s.chrome("Add a family's profile", "/households")
            .with_errors(&errors),
        errors,
        lists: Lists::new(),
        genders: genders(),
        household_id: None,
        h,
        min_words: s.agency.household_text_min_words,
    })
}

/// The household and whether the viewer is one of its adopters.
async fn visible(
    state: &AppState,
    s: &SignedIn,
    id: i64,
) -> Result<(Visible<HouseholdProfile>, bool), WebError> {
    let own = s.user.household_id == Some(id);
    match state
        .store
        .household_profile(viewer(s, &HouseholdContext::NONE), &s.who(), own, id)
        .await
    {
        Err(StoreError::NotFound) => Err(WebError::NotFound),
        other => Ok((other?, own)),
    }
}

/// Who may write this household's profile now: its agency's workers, or its adopters once
/// agreed.
fn writer_permit(s: &SignedIn, h: &HouseholdProfile, own: bool) -> Option<Permit> {
    if own {
        policy::authorize(
            s.actor(),
            Action::EditOwnHousehold {
                own_household: true,
                status: h.status,
            },
        )
        .ok()
    } else {
        policy::authorize(
            s.actor(),
            Action::EditHousehold {
                agency: h.agency_id,
            },
        )
        .ok()
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (h, own) = visible(&state, &s, id).await?;
    if writer_permit(&s, &h, own).is_none() {
        return Err(WebError::NotFound);
    }
    page(&FormPage {
        c: s.chrome("Change the family's profile", "/households"),
        errors: FormErrors::default(),
        lists: Lists::new(),
        genders: genders(),
        household_id: Some(id),
        h: HouseholdValues::of(&h.details),
        min_words: s.agency.household_text_min_words,
    })
}

pub async fn edit_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (h, own) = visible(&state, &s, id).await?;
    let Some(permit) = writer_permit(&s, &h, own) else {
        return Err(WebError::NotFound);
    };
    let values = HouseholdValues::from_fields(&Fields::new(pairs));
    let problems = match values.parse(min_words(&s)) {
        Ok(details) => match state
            .store
            .update_household_profile(&permit, &s.who(), id, own, &details)
            .await
        {
            Ok(_) => return Ok(done(&format!("/households/{id}?done=saved"))),
            Err(StoreError::Invalid(p)) => p,
            Err(StoreError::NotEditable(status)) => vec![Problem::new(
                "text",
                format!("A family's profile cannot be changed while it is {status}"),
            )],
            Err(e) => return Err(e.into()),
        },
        Err(p) => p,
    };
    let errors = errors_of(problems);
    invalid(&FormPage {
        c: s.chrome("Change the family's profile", "/households")
            .with_errors(&errors),
        errors,
        lists: Lists::new(),
        genders: genders(),
        household_id: Some(id),
        h: values,
        min_words: s.agency.household_text_min_words,
    })
}

pub struct Step {
    pub event: &'static str,
    pub label: &'static str,
    pub needs_reason: bool,
}

const STEPS: &[(&str, &str, bool)] = &[
    ("submit", "Send for agency agreement", false),
    ("agree", "Agree the profile", false),
    ("return", "Return for changes", true),
    ("hold", "Put on hold", true),
    ("resume", "Make active again", false),
    ("revise", "Take back to draft", false),
    ("withdraw", "Withdraw", true),
];

pub(crate) fn household_event(code: &str) -> Option<HouseholdEvent> {
    Some(match code {
        "submit" => HouseholdEvent::SubmitForAgreement {
            unresolved_findings: 0,
        },
        "agree" => HouseholdEvent::Agree,
        "return" => HouseholdEvent::ReturnForChanges,
        "hold" => HouseholdEvent::PutOnHold,
        "resume" => HouseholdEvent::Resume,
        "revise" => HouseholdEvent::Revise,
        "withdraw" => HouseholdEvent::Withdraw,
        _ => return None,
    })
}

pub struct FindingRow {
    pub place: String,
    pub kind: &'static str,
    pub excerpt: String,
    pub advice: &'static str,
    pub fingerprint: String,
    pub acknowledged: bool,
}

#[derive(Template)]
#[template(path = "household.html")]
pub struct ShowPage {
    c: Chrome,
    h: Visible<HouseholdProfile>,
    own_agency: bool,
    can_edit: bool,
    steps: Vec<Step>,
    findings: Vec<FindingRow>,
    changes: Vec<(String, String, String)>,
    needs: Vec<(&'static str, &'static str, String)>,
    errors: FormErrors,
    reviewed: String,
    due_for_review: bool,
    /// The viewer's agency's published children they may ask a link for.
    link_children: Vec<Choice>,
    /// May see the children matching suggests.
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
    let notice = q.done.map(|d| {
        match d.as_str() {
            "created" => "The family's profile has been created as a draft.",
            "status" => "The profile's status has changed.",
            "acknowledged" => "The finding has been acknowledged.",
            "reviewed" => "The profile is marked as reviewed today.",
            "photo" => {
                "The photo has been added. Its metadata (including any location) was removed."
            }
            _ => "Your changes have been saved.",
        }
        .to_owned()
    });
    show_page(&state, &s, id, notice, FormErrors::default()).await
}

async fn show_page(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    notice: Option<String>,
    errors: FormErrors,
) -> Result<Response, WebError> {
    let (h, own) = visible(state, s, id).await?;
    let own_agency = h.sight() == Sight::Full && !own;
    let can_edit = writer_permit(s, &h, own).is_some()
        && matches!(
            h.status,
            HouseholdStatus::Draft | HouseholdStatus::Active | HouseholdStatus::OnHold
        );
    let mut steps = Vec::new();
    if own_agency || own {
        let actor = HouseholdActor {
            profile: ProfileActor {
                role: s.user.role,
                own_agency: own_agency && s.user.agency_id == h.agency_id,
                submitted_it: h.submitted_by == Some(s.user.id),
            },
            own_household: own,
        };
        for (code, label, needs_reason) in STEPS {
            if let Some(event) = household_event(code)
                && h.status.apply(actor, event).is_ok()
            {
                steps.push(Step {
                    event: code,
                    label,
                    needs_reason: *needs_reason,
                });
            }
        }
    }
    let mut findings = Vec::new();
    let mut changes = Vec::new();
    if own_agency
        && let Ok(permit) = policy::authorize(
            s.actor(),
            Action::EditHousehold {
                agency: h.agency_id,
            },
        )
    {
        let acks = state
            .store
            .acknowledgements(&permit, "household", id)
            .await?;
        for (place, f) in household_findings(&h.details) {
            findings.push(FindingRow {
                acknowledged: acks.iter().any(|a| a.fingerprint == f.fingerprint()),
                place,
                kind: f.kind.label(),
                excerpt: f.excerpt.clone(),
                advice: f.kind.advice(),
                fingerprint: f.fingerprint().to_owned(),
            });
        }
        for e in state.store.household_changes(&permit, id).await? {
            let detail: serde_json::Value =
                serde_json::from_str(&e.event.detail).unwrap_or_default();
            let what = match e.event.action.as_str() {
                "household.profile_updated" => {
                    let fields: Vec<String> = detail["changed"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str())
                                .map(|v| v.replace('_', " "))
                                .collect()
                        })
                        .unwrap_or_default();
                    let by = if detail["by_adopter"] == true {
                        " (by the adopters)"
                    } else {
                        ""
                    };
                    if fields.is_empty() {
                        format!("Saved without changes{by}")
                    } else {
                        format!("Changed {}{by}", fields.join(", "))
                    }
                }
                "household.status_changed" => format!(
                    "Status: {} → {}",
                    detail["from"]
                        .as_str()
                        .unwrap_or_default()
                        .replace('_', " "),
                    detail["to"].as_str().unwrap_or_default().replace('_', " ")
                ),
                "household.profile_created" => "Profile created".into(),
                _ => "Loaded".into(),
            };
            changes.push((
                uk_time(e.at),
                what,
                e.event.actor_role.unwrap_or_default().replace('_', " "),
            ));
        }
    }
    let needs = h
        .details
        .needs
        .iter()
        .map(|n| (n.category.label(), level_label(n.level), n.reason.clone()))
        .collect();
    let title = h.details.applicants.join(" and ");
    let review_days = state.store.register_settings().await?.profile_review_days;
    let due_for_review = matches!(h.status, HouseholdStatus::Active | HouseholdStatus::OnHold)
        && state.store.now() - h.reviewed_at > review_days * 86_400;
    let link_children = match policy::authorize(
        s.actor(),
        Action::EditChildProfile {
            agency: s.user.agency_id,
        },
    ) {
        Ok(permit) if h.status == HouseholdStatus::Active => state
            .store
            .agency_child_profiles(
                &permit,
                Some(kinlink_domain::profile::ChildStatus::Published),
            )
            .await?
            .into_iter()
            .map(|c| Choice::new(c.id.to_string(), c.title()))
            .collect(),
        _ => Vec::new(),
    };
    let suggest = !h.status.is_final()
        && policy::allows(
            s.actor(),
            Action::SuggestChildren {
                household_agency: h.agency_id,
            },
        );
    page(&ShowPage {
        suggest,
        link_children,
        reviewed: uk_time(h.reviewed_at),
        due_for_review,
        c: s.chrome(&title, if own { "/family" } else { "/households" })
            .with_notice(notice)
            .with_errors(&errors),
        h,
        own_agency,
        can_edit,
        steps,
        findings,
        changes,
        needs,
        errors,
    })
}

pub async fn mark_reviewed(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let permit = edit_permit(&state, &s).await?;
    state
        .store
        .mark_household_reviewed(&permit, &s.who(), id)
        .await?;
    Ok(done(&format!("/households/{id}?done=reviewed")))
}

pub async fn change_status(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response, WebError> {
    let (h, own) = visible(&state, &s, id).await?;
    let permit = if own {
        policy::authorize(
            s.actor(),
            Action::EditOwnHousehold {
                own_household: true,
                status: h.status,
            },
        )?
    } else {
        authorize_audited(
            &state,
            &s,
            Action::EditHousehold {
                agency: h.agency_id,
            },
        )
        .await?
    };
    let event = household_event(&f.event).ok_or(WebError::NotFound)?;
    let message = match state
        .store
        .change_household_status(&permit, &s.who(), id, own, event, &f.reason)
        .await
    {
        Ok(_) => return Ok(done(&format!("/households/{id}?done=status"))),
        Err(e) => super::refusal_message(e)?,
    };
    let mut errors = FormErrors::default();
    errors.add("status", message);
    Ok(super::unprocessable(
        show_page(&state, &s, id, None, errors).await?,
    ))
}

pub async fn acknowledge(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AcknowledgeForm>,
) -> Result<Response, WebError> {
    let permit = edit_permit(&state, &s).await?;
    match state
        .store
        .acknowledge_household_finding(&permit, &s.who(), id, &f.fingerprint, &f.reason)
        .await
    {
        Ok(()) | Err(StoreError::Conflict(_)) => {
            Ok(done(&format!("/households/{id}?done=acknowledged")))
        }
        Err(StoreError::Invalid(p)) => {
            let mut errors = FormErrors::default();
            for p in p {
                errors.add(p.field, p.message);
            }
            Ok(super::unprocessable(
                show_page(&state, &s, id, None, errors).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Adds a photo to a family's profile (its worker, or its adopters once agreed).
pub async fn photo_upload(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    multipart: axum::extract::Multipart,
) -> Result<Response, WebError> {
    let (h, own) = visible(&state, &s, id).await?;
    let permit = writer_permit(&s, &h, own).ok_or(WebError::NotFound)?;
    let mut errors = FormErrors::default();
    if let Some(new) = super::children::read_photo(multipart, &mut errors).await? {
        match state
            .store
            .add_household_photo(&permit, &s.who(), id, own, &new)
            .await
        {
            Ok(_) => return Ok(done(&format!("/households/{id}?done=photo"))),
            Err(StoreError::Invalid(problems)) => {
                for p in problems {
                    errors.add(p.field, p.message);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(super::unprocessable(
        show_page(&state, &s, id, None, errors).await?,
    ))
}

pub async fn photo(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, photo_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let own = s.user.household_id == Some(id);
    let photo = state
        .store
        .household_photo(viewer(&s, &HouseholdContext::NONE), own, id, photo_id)
        .await?;
    Ok(axum::response::IntoResponse::into_response((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("image/jpeg"),
        )],
        photo.jpeg,
    )))
}

/// An adopter's own family profile.
pub async fn own(State(state): State<AppState>, s: SignedIn) -> Result<Response, WebError> {
    match (s.user.role, s.user.household_id) {
        (Role::Adopter, Some(id)) => show_page(&state, &s, id, None, FormErrors::default()).await,
        _ => Err(WebError::NotFound),
    }
}

#[derive(Template)]
#[template(path = "search_households.html")]
pub struct SearchPage {
    c: Chrome,
    errors: FormErrors,
    regions: Vec<Choice>,
    region: String,
    children: String,
    age: String,
    text: String,
    rows: Vec<HouseholdProfile>,
    total: i64,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    region: String,
    #[serde(default)]
    children: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    page: Option<u32>,
}

pub async fn search(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let permit = authorize_audited(&state, &s, Action::SearchHouseholds).await?;
    let mut errors = FormErrors::default();
    let mut small = |raw: &str, field: &'static str, max: u8, message: &str| -> Option<u8> {
        if raw.trim().is_empty() {
            return None;
        }
        match raw.trim().parse::<u8>() {
            Ok(n) if n <= max => Some(n),
            _ => {
                errors.add(field, message);
                None
            }
        }
    };
    let children = small(
        &q.children,
        "children",
        6,
        "Enter a number of children from 1 to 6",
    );
    let age = small(&q.age, "age", 17, "Enter an age from 0 to 17");
    let region = (!q.region.is_empty()).then(|| q.region.clone());
    let (total, rows) = if errors.is_empty() {
        state
            .store
            .search_households(
                &permit,
                &s.who(),
                &HouseholdSearch {
                    region,
                    children,
                    age,
                    text: q.text.clone(),
                    page: q.page.unwrap_or(1),
                },
            )
            .await?
    } else {
        (0, Vec::new())
    };
    let mut regions = vec![Choice::new("", "Any region")];
    regions.extend(REGIONS.iter().map(|r| Choice::new(*r, *r)));
    let view = SearchPage {
        c: s.chrome("Search families", "/search/households")
            .with_errors(&errors),
        errors,
        regions,
        region: q.region,
        children: q.children,
        age: q.age,
        text: q.text,
        rows,
        total,
    };
    if view.errors.is_empty() {
        page(&view)
    } else {
        invalid(&view)
    }
}
