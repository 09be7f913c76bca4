//! Matching's pages: "Suggested families" for a child's workers, "Suggested children" for a
//! household's workers, and for register administrators the spread recommendations, the best
//! overall assignment and the matching settings. Suggestions, never decisions: every page says
//! so, and every suggestion says why. Adopters see none of it.

use super::children::{authorize_audited, viewer, viewer_household};
use super::{done, invalid, page};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::view::{Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kinlink_domain::policy::{self, Action};
use kinlink_matching::spread::SpreadSettings;
use kinlink_matching::{Criterion, Explanation, Verdict, Weights};
use kinlink_store::{ChildSuggestion, FamilySuggestion, MatchingSettings, RegisterMatching};
use serde::Deserialize;

/// How many suggestions a page lists.
pub(crate) const SHOWN: usize = 10;

/// The GOV.UK tag colour for a verdict.
pub fn verdict_tag(v: &Verdict) -> &'static str {
    match v {
        Verdict::Meets => "govuk-tag--green",
        Verdict::Partly => "govuk-tag--yellow",
        Verdict::DoesNotMeet => "govuk-tag--red",
    }
}

/// "82% fit", or the rule that rules the pair out.
pub fn score_text(e: &Explanation) -> String {
    match &e.outcome {
        Ok(score) => format!("{}% fit", score.percent()),
        Err(blocked) => blocked.constraint.label().to_owned(),
    }
}

#[derive(Template)]
#[template(path = "suggested_families.html")]
pub struct FamiliesPage {
    c: Chrome,
    profile_id: i64,
    title: String,
    suggestions: Vec<FamilySuggestion>,
    cannot: Option<String>,
}

pub async fn families(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let permit = authorize_audited(
        &state,
        &s,
        Action::SuggestFamilies {
            child_agency: s.user.agency_id,
        },
    )
    .await?;
    let found = state
        .store
        .suggested_families(&permit, &s.who(), id, SHOWN)
        .await?;
    page(&FamiliesPage {
        c: s.chrome(
            &format!("Suggested families for {}", found.name),
            "/children",
        ),
        profile_id: id,
        title: found.name,
        suggestions: found.items,
        cannot: found.cannot,
    })
}

#[derive(Template)]
#[template(path = "suggested_children.html")]
pub struct ChildrenPage {
    c: Chrome,
    household_id: i64,
    name: String,
    suggestions: Vec<ChildSuggestion>,
    cannot: Option<String>,
}

pub async fn children(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let permit = authorize_audited(
        &state,
        &s,
        Action::SuggestChildren {
            household_agency: s.user.agency_id,
        },
    )
    .await?;
    let household = viewer_household(&state, &s).await?;
    let viewer = viewer(&s, &household);
    let found = state
        .store
        .suggested_children(&permit, viewer, &s.who(), id, SHOWN)
        .await?;
    page(&ChildrenPage {
        c: s.chrome(
            &format!("Suggested children for {}", found.name),
            "/households",
        ),
        household_id: id,
        name: found.name,
        suggestions: found.items,
        cannot: found.cannot,
    })
}

#[derive(Template)]
#[template(path = "register_matching.html")]
pub struct RegisterPage {
    c: Chrome,
    m: RegisterMatching,
}

pub async fn register(State(state): State<AppState>, s: SignedIn) -> Result<Response, WebError> {
    let permit = authorize_audited(&state, &s, Action::ViewRegisterMatching).await?;
    let m = state.store.register_matching(&permit, &s.who()).await?;
    page(&RegisterPage {
        c: s.chrome("Matching across the register", "/admin/matching"),
        m,
    })
}

#[derive(Template)]
#[template(path = "matching_settings.html")]
pub struct SettingsPage {
    c: Chrome,
    errors: FormErrors,
    /// (field, label, value as typed) for each criterion.
    weights: Vec<(&'static str, &'static str, String)>,
    per_child: String,
    per_family: String,
    wait_points: String,
}

impl SettingsPage {
    fn of(c: Chrome, s: &MatchingSettings) -> SettingsPage {
        SettingsPage {
            c,
            errors: FormErrors::default(),
            weights: Criterion::ALL
                .iter()
                .map(|&cr| (cr.code(), cr.label(), s.weights.of(cr).to_string()))
                .collect(),
            per_child: s.spread.per_child.to_string(),
            per_family: s.spread.per_family.to_string(),
            wait_points: s.spread.wait_points_per_month.to_string(),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct Saved {
    done: Option<String>,
}

pub async fn settings_form(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<Saved>,
) -> Result<Response, WebError> {
    policy::authorize(s.actor(), Action::ManageRegisterSettings)?;
    let settings = state.store.matching_settings().await?;
    let notice = q
        .done
        .map(|_| "The matching settings have been saved.".to_owned());
    page(&SettingsPage::of(
        s.chrome("Matching settings", "/admin/matching")
            .with_notice(notice),
        &settings,
    ))
}

pub async fn settings_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let permit = policy::authorize(s.actor(), Action::ManageRegisterSettings)?;
    let get = |name: &str| {
        f.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut errors = FormErrors::default();
    let mut number = |field: &'static str, what: &str, min: u32, max: u32| -> u32 {
        match get(field).parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                errors.add(
                    field,
                    format!("{what} must be a whole number from {min} to {max}"),
                );
                0
            }
        }
    };
    let mut weights = [0u8; 7];
    for (i, c) in Criterion::ALL.iter().enumerate() {
        let field = weight_field(*c);
        weights[i] = u8::try_from(number(
            field,
            &format!("The weight for {}", c.label().to_lowercase()),
            0,
            10,
        ))
        .unwrap_or(0);
    }
    let per_child = number("per_child", "Families on each child's list", 1, 20);
    let per_family = number("per_family", "The most lists a family is on", 1, 100);
    let wait_points = number("wait_points", "Extra weight per month waited", 0, 100);
    let weights = if errors.is_empty() {
        match Weights::new(weights) {
            Ok(w) => Some(w),
            Err(e) => {
                errors.add(
                    weight_field(Criterion::ALL[0]),
                    super::capitalised(&e.to_string()),
                );
                None
            }
        }
    } else {
        None
    };
    let settings = weights.map(|weights| MatchingSettings {
        weights,
        spread: SpreadSettings {
            per_child,
            per_family,
            wait_points_per_month: wait_points,
            ..SpreadSettings::default()
        },
    });
    match settings {
        Some(settings) if errors.is_empty() => {
            state
                .store
                .update_matching_settings(&permit, &s.who(), &settings)
                .await?;
            Ok(done("/admin/matching/settings?done=1"))
        }
        _ => {
            let mut form = SettingsPage::of(
                s.chrome("Matching settings", "/admin/matching"),
                &state.store.matching_settings().await?,
            );
            for (field, _, value) in &mut form.weights {
                *value = get(&format!("weight_{field}"));
            }
            form.per_child = get("per_child");
            form.per_family = get("per_family");
            form.wait_points = get("wait_points");
            form.errors = errors;
            invalid(&form)
        }
    }
}

/// The form field of a criterion's weight.
fn weight_field(c: Criterion) -> &'static str {
    match c {
        Criterion::NeedsFit => "weight_needs",
        Criterion::ContactPlan => "weight_contact",
        Criterion::IdentityAndCulture => "weight_identity",
        Criterion::Languages => "weight_languages",
        Criterion::Experience => "weight_experience",
        Criterion::ChildrenAtHome => "weight_children_at_home",
        Criterion::Distance => "weight_distance",
    }
}
