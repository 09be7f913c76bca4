//! Register-wide settings, kept by register administrators: link limits, response times and
//! how often profiles are reviewed.

use super::{done, invalid, page};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::view::{Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use kinlink_domain::policy::{self, Action};
use kinlink_store::RegisterSettings;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "register_settings.html")]
pub struct SettingsPage {
    c: Chrome,
    errors: FormErrors,
    household: String,
    child: String,
    days: String,
    expiry: String,
    review: String,
    grant_days: String,
    retention_years: String,
    escalation_days: String,
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

pub async fn settings_form(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    policy::authorize(s.actor(), Action::ManageRegisterSettings)?;
    let r = state.store.register_settings().await?;
    let notice = q
        .done
        .map(|_| "The register settings have been saved.".to_owned());
    page(&SettingsPage {
        c: s.chrome("Register settings", "/admin/register-settings")
            .with_notice(notice),
        errors: FormErrors::default(),
        household: r.max_open_links_per_household.to_string(),
        child: r.max_exploring_links_per_child.to_string(),
        days: r.link_response_working_days.to_string(),
        expiry: r.link_expiry_working_days.to_string(),
        review: r.profile_review_days.to_string(),
        grant_days: r.records_grant_days.to_string(),
        retention_years: r.records_retention_years.to_string(),
        escalation_days: r.records_escalation_working_days.to_string(),
    })
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    max_open_links_per_household: String,
    #[serde(default)]
    max_exploring_links_per_child: String,
    #[serde(default)]
    link_response_working_days: String,
    #[serde(default)]
    link_expiry_working_days: String,
    #[serde(default)]
    profile_review_days: String,
    #[serde(default)]
    records_grant_days: String,
    #[serde(default)]
    records_retention_years: String,
    #[serde(default)]
    records_escalation_working_days: String,
}

fn whole_number(
    errors: &mut FormErrors,
    field: &'static str,
    raw: &str,
    what: &str,
    max: i64,
) -> Option<i64> {
    match raw.trim().parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Some(n),
        Ok(_) => {
            errors.add(field, format!("{what} must be between 1 and {max}"));
            None
        }
        Err(_) => {
            errors.add(field, format!("{what} must be a whole number, like 6"));
            None
        }
    }
}

pub async fn settings_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Form(f): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let permit = policy::authorize(s.actor(), Action::ManageRegisterSettings)?;
    let mut errors = FormErrors::default();
    let household = whole_number(
        &mut errors,
        "max_open_links_per_household",
        &f.max_open_links_per_household,
        "Open links per household",
        50,
    );
    let child = whole_number(
        &mut errors,
        "max_exploring_links_per_child",
        &f.max_exploring_links_per_child,
        "Links in exploration per child",
        50,
    );
    let days = whole_number(
        &mut errors,
        "link_response_working_days",
        &f.link_response_working_days,
        "Working days to respond",
        60,
    );
    let expiry = whole_number(
        &mut errors,
        "link_expiry_working_days",
        &f.link_expiry_working_days,
        "Working days more before an unanswered link expires",
        60,
    );
    let review = whole_number(
        &mut errors,
        "profile_review_days",
        &f.profile_review_days,
        "Days between profile reviews",
        365,
    );
    let grant_days = whole_number(
        &mut errors,
        "records_grant_days",
        &f.records_grant_days,
        "Days a grant to a locked record lasts",
        365,
    );
    let escalation = whole_number(
        &mut errors,
        "records_escalation_working_days",
        &f.records_escalation_working_days,
        "Working days before an overdue task escalates",
        60,
    );
    // Adoption Agencies Regulations 2005 reg 42: at least 100 years.
    let retention = match f.records_retention_years.trim().parse::<i64>() {
        Ok(n) if (100..=1_000).contains(&n) => Some(n),
        Ok(_) => {
            errors.add(
                "records_retention_years",
                "Adoption records are kept for at least 100 years: enter 100 or more (up to 1,000)",
            );
            None
        }
        Err(_) => {
            errors.add(
                "records_retention_years",
                "Years adoption records are kept must be a whole number, like 100",
            );
            None
        }
    };
    if let (
        Some(household),
        Some(child),
        Some(days),
        Some(expiry),
        Some(review),
        Some(grant_days),
        Some(retention),
        Some(escalation),
    ) = (
        household, child, days, expiry, review, grant_days, retention, escalation,
    ) {
        let settings = RegisterSettings {
            max_open_links_per_household: household,
            max_exploring_links_per_child: child,
            link_response_working_days: days,
            link_expiry_working_days: expiry,
            profile_review_days: review,
            records_grant_days: grant_days,
            records_retention_years: retention,
            records_escalation_working_days: escalation,
            updated_at: 0,
        };
        state
            .store
            .update_register_settings(&permit, &s.who(), &settings)
            .await?;
        return Ok(done("/admin/register-settings?done=saved"));
    }
    let c = s
        .chrome("Register settings", "/admin/register-settings")
        .with_errors(&errors);
    invalid(&SettingsPage {
        c,
        errors,
        household: f.max_open_links_per_household,
        child: f.max_exploring_links_per_child,
        days: f.link_response_working_days,
        expiry: f.link_expiry_working_days,
        review: f.profile_review_days,
        grant_days: f.records_grant_days,
        retention_years: f.records_retention_years,
        escalation_days: f.records_escalation_working_days,
    })
}
