//! Agencies: register administrators add them; each agency's administrator (or a register
//! administrator) sets who follows up links and whether staff need a second factor.

use super::{done, invalid, page};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::view::{Choice, Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kinlink_domain::AgencyKind;
use kinlink_domain::policy::{self, Action};
use kinlink_store::{Agency, AgencySettings, LinkFollowUp, NewAgency, StoreError};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "agencies.html")]
pub struct AgenciesPage {
    c: Chrome,
    agencies: Vec<Agency>,
}

pub async fn list(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    policy::authorize(s.actor(), Action::ViewAgencies)?;
    let notice = match q.done.as_deref() {
        Some("created") => Some(
            "The agency has been added. Add its first administrator from its users page."
                .to_owned(),
        ),
        _ => None,
    };
    page(&AgenciesPage {
        c: s.chrome("Agencies", "/admin/agencies").with_notice(notice),
        agencies: state.store.agencies().await?,
    })
}

#[derive(Template)]
#[template(path = "agency_new.html")]
pub struct NewAgencyPage {
    c: Chrome,
    errors: FormErrors,
    kinds: Vec<Choice>,
    name: String,
    kind: String,
    region: String,
    mfa_required: bool,
}

fn kind_choices() -> Vec<Choice> {
    let mut v = vec![Choice::new("", "Choose a kind of agency")];
    v.extend(
        AgencyKind::ALL
            .into_iter()
            .filter(|k| *k != AgencyKind::Register)
            .map(|k| Choice::new(k.as_str(), k.label())),
    );
    v
}

pub async fn new_form(s: SignedIn) -> Result<Response, WebError> {
    policy::authorize(s.actor(), Action::ManageAgencies)?;
    page(&NewAgencyPage {
        c: s.chrome("Add an agency", "/admin/agencies"),
        errors: FormErrors::default(),
        kinds: kind_choices(),
        name: String::new(),
        kind: String::new(),
        region: String::new(),
        mfa_required: true,
    })
}

#[derive(Deserialize)]
pub struct NewAgencyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region: String,
    mfa_required: Option<String>,
}

pub async fn new_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Form(f): Form<NewAgencyForm>,
) -> Result<Response, WebError> {
    let permit = policy::authorize(s.actor(), Action::ManageAgencies)?;
    let mut errors = FormErrors::default();
    let name = f.name.trim().to_owned();
    if name.is_empty() {
        errors.add("name", "Enter the agency's name");
    } else if name.chars().count() > 120 {
        errors.add("name", "The name must be 120 characters or fewer");
    }
    let kind = f
        .kind
        .parse::<AgencyKind>()
        .ok()
        .filter(|k| *k != AgencyKind::Register);
    if kind.is_none() {
        errors.add("kind", "Choose what kind of agency this is");
    }
    let region = f.region.trim().to_owned();
    if region.is_empty() {
        errors.add(
            "region",
            "Enter the region the agency works in, like North West",
        );
    }
    if let (true, Some(kind)) = (errors.is_empty(), kind) {
        let new = NewAgency {
            name,
            kind,
            region,
            mfa_required: f.mfa_required.is_some(),
        };
        match state.store.create_agency(&permit, &s.who(), &new).await {
            Ok(_) => return Ok(done("/admin/agencies?done=created")),
            Err(StoreError::Conflict(_)) => errors.add(
                "name",
                "An agency with this name is already on the register",
            ),
            Err(e) => return Err(e.into()),
        }
    }
    let c = s
        .chrome("Add an agency", "/admin/agencies")
        .with_errors(&errors);
    invalid(&NewAgencyPage {
        c,
        errors,
        kinds: kind_choices(),
        name: f.name,
        kind: f.kind,
        region: f.region,
        mfa_required: f.mfa_required.is_some(),
    })
}

#[derive(Template)]
#[template(path = "agency_settings.html")]
pub struct SettingsPage {
    c: Chrome,
    errors: FormErrors,
    agency: Agency,
    follow_ups: Vec<Choice>,
    follow_up: String,
    people: Vec<Choice>,
    person: String,
    mfa_required: bool,
    adopters_book_events: bool,
    min_words: String,
}

/// The people of the agency who may be named to follow links up.
async fn people(state: &AppState, agency: i64) -> Result<Vec<Choice>, WebError> {
    let mut choices = vec![Choice::new("", "Choose a person")];
    choices.extend(
        state
            .store
            .link_follow_up_people(agency)
            .await?
            .into_iter()
            .map(|(id, name)| Choice::new(id.to_string(), name)),
    );
    Ok(choices)
}

fn follow_up_choices() -> Vec<Choice> {
    LinkFollowUp::ALL
        .into_iter()
        .map(|v| Choice::new(v.as_str(), v.label()))
        .collect()
}

pub async fn settings_form(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    policy::authorize(s.actor(), Action::ManageAgencySettings { agency: id })?;
    let agency = state.store.agency(id).await?;
    let notice = q
        .done
        .as_deref()
        .map(|_| "The agency's settings have been saved.".to_owned());
    page(&SettingsPage {
        c: s.chrome(
            &format!("Agency settings – {}", agency.name),
            &format!("/admin/agencies/{id}/settings"),
        )
        .with_notice(notice),
        errors: FormErrors::default(),
        follow_ups: follow_up_choices(),
        follow_up: agency.link_follow_up.as_str().to_owned(),
        people: people(&state, id).await?,
        person: agency
            .link_follow_up_user_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
        mfa_required: agency.mfa_required,
        adopters_book_events: agency.adopters_book_events,
        min_words: agency.household_text_min_words.to_string(),
        agency,
    })
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    link_follow_up: String,
    #[serde(default)]
    link_follow_up_user: String,
    mfa_required: Option<String>,
    adopters_book_events: Option<String>,
    #[serde(default)]
    household_text_min_words: String,
}

pub async fn settings_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let permit = policy::authorize(s.actor(), Action::ManageAgencySettings { agency: id })?;
    let agency = state.store.agency(id).await?;
    let follow_up = LinkFollowUp::try_from(f.link_follow_up.clone()).ok();
    let min_words = match f.household_text_min_words.trim() {
        "" => Some(0),
        n => n.parse::<i64>().ok().filter(|n| (0..=2_000).contains(n)),
    };
    let named = f.link_follow_up_user.parse::<i64>().ok();
    let mut errors = FormErrors::default();
    if let (Some(link_follow_up), Some(household_text_min_words)) = (follow_up, min_words) {
        let settings = AgencySettings {
            mfa_required: f.mfa_required.is_some(),
            link_follow_up,
            link_follow_up_user: named,
            household_text_min_words,
            adopters_book_events: f.adopters_book_events.is_some(),
        };
        match state
            .store
            .update_agency_settings(&permit, &s.who(), id, &settings)
            .await
        {
            Ok(()) => return Ok(done(&format!("/admin/agencies/{id}/settings?done=saved"))),
            Err(StoreError::Invalid(problems)) => {
                for p in problems {
                    errors.add(p.field, p.message);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    {
        if follow_up.is_none() {
            errors.add("link_follow_up", "Choose who follows up possible links");
        }
        if min_words.is_none() {
            errors.add(
                "household_text_min_words",
                "The minimum length must be a whole number of words from 0 to 2,000",
            );
        }
        let c = s
            .chrome(
                &format!("Agency settings – {}", agency.name),
                &format!("/admin/agencies/{id}/settings"),
            )
            .with_errors(&errors);
        return invalid(&SettingsPage {
            c,
            errors,
            follow_ups: follow_up_choices(),
            follow_up: f.link_follow_up,
            people: people(&state, id).await?,
            person: f.link_follow_up_user,
            mfa_required: f.mfa_required.is_some(),
            adopters_book_events: f.adopters_book_events.is_some(),
            min_words: f.household_text_min_words,
            agency,
        });
    };
}
