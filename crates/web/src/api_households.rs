//! Households' profiles in the JSON API, for the adopters' agency's case system acting for a
//! named member of staff. Fields and checks are the form's; adopters use the pages.

use crate::AppState;
use crate::api::{ApiError, ApiPerson};
use crate::pages::children::Fields;
use crate::pages::households::{HouseholdValues, household_event};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kinlink_domain::child::{Ethnicity, Problem};
use kinlink_domain::household::{Experience, HouseholdDetails, HouseholdProfile};
use kinlink_domain::policy::{self, Action, Visible};
use kinlink_domain::profile::{CivilDate, NeedCategory};
use kinlink_store::HouseholdSearch;
use serde::Deserialize;
use serde_json::{Value, json};

fn household_json(h: &HouseholdProfile) -> Value {
    let d = &h.details;
    json!({
        "id": h.id,
        "agency": {"id": h.agency_id, "name": h.agency_name, "region": h.region},
        "status": h.status.as_str(),
        "applicants": d.applicants,
        "approved_on": d.approved_on.map(|a| a.to_string()),
        "children": {"min": d.children_min, "max": d.children_max},
        "ages": {"min": d.age_min_years, "max": d.age_max_years},
        "gender": d.gender.map(|g| g.as_str()),
        "needs": d.needs.iter().map(|n| json!({"category": n.category.as_str(), "level": n.level.as_str(), "reason": n.reason})).collect::<Vec<_>>(),
        "contact": {"letterbox": d.contact.letterbox, "direct_birth_family": d.contact.direct_birth_family, "sibling_contact": d.contact.sibling_contact},
        "identity": d.identity,
        "heritage": d.heritage.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        "experience": d.experience.as_ref().map(|had| had.iter().map(|e| e.as_str()).collect::<Vec<_>>()),
        "languages": d.languages,
        "children_at_home": d.children_at_home,
        "youngest_at_home": d.youngest_at_home,
        "children_at_home_notes": d.children_at_home_notes,
        "pets": d.pets,
        "carer_at_home": d.carer_at_home,
        "area": d.area,
        "text": d.text,
        "consent_to_referral": d.consent_to_referral,
        "active_since": h.active_since,
        "updated_at": h.updated_at,
    })
}

fn visible_json(h: &Visible<HouseholdProfile>) -> Value {
    household_json(h)
}

/// The form's field pairs from a JSON body (same names as the form; dates `YYYY-MM-DD`).
fn fields_of(body: &Value) -> Fields {
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(obj) = body.as_object() {
        for (key, value) in obj {
            match (key.as_str(), value) {
                ("applicants", Value::Array(names)) => {
                    for (i, name) in names.iter().filter_map(Value::as_str).enumerate() {
                        pairs.push((format!("applicant_{}", i + 1), name.into()));
                    }
                }
                ("approved_on", Value::String(date)) => match CivilDate::parse_iso(date) {
                    Some(d) => {
                        pairs.push(("approved_day".into(), d.day().to_string()));
                        pairs.push(("approved_month".into(), d.month().to_string()));
                        pairs.push(("approved_year".into(), d.year().to_string()));
                    }
                    None => pairs.push(("approved_day".into(), "not a date".into())),
                },
                ("languages", Value::Array(items)) => {
                    let list: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                    pairs.push((key.clone(), list.join(", ")));
                }
                ("contact", Value::Object(c)) => {
                    for (name, field) in [
                        ("letterbox", "contact_letterbox"),
                        ("direct_birth_family", "contact_direct"),
                        ("sibling_contact", "contact_siblings"),
                    ] {
                        if c.get(name).and_then(Value::as_bool) == Some(true) {
                            pairs.push((field.into(), "yes".into()));
                        }
                    }
                }
                ("needs", Value::Object(needs)) => {
                    for (code, need) in needs {
                        if let Some(level) = need.get("level").and_then(Value::as_str) {
                            pairs.push((format!("need_{code}"), level.into()));
                        }
                        if let Some(reason) = need.get("reason").and_then(Value::as_str) {
                            pairs.push((format!("need_{code}_reason"), reason.into()));
                        }
                    }
                }
                ("consent_to_referral", Value::Bool(true)) => {
                    pairs.push((key.clone(), "yes".into()));
                }
                ("carer_at_home", Value::Bool(at_home)) => {
                    pairs.push((key.clone(), if *at_home { "yes" } else { "no" }.into()));
                }
                // A list of codes; an empty list for "none of these" (omit it: not recorded).
                ("heritage" | "experience", Value::Array(codes)) => {
                    if key == "experience" && codes.is_empty() {
                        pairs.push(("experience_none".into(), "yes".into()));
                    }
                    for code in codes.iter().filter_map(Value::as_str) {
                        pairs.push((format!("{key}_{code}"), "yes".into()));
                    }
                }
                (_, Value::String(s)) => pairs.push((key.clone(), s.clone())),
                (_, Value::Number(n)) => pairs.push((key.clone(), n.to_string())),
                _ => {}
            }
        }
    }
    let mut f = Fields::new(pairs);
    for c in NeedCategory::ALL {
        f.default(&format!("need_{}", c.as_str()), "none");
    }
    for (name, value) in [
        ("children_min", "1"),
        ("children_max", "1"),
        ("age_min", "0"),
        ("age_max", "17"),
        ("children_at_home", "0"),
    ] {
        f.default(name, value);
    }
    f
}

/// The household's details from a JSON body, checked as the form checks them, and its lists of
/// codes checked first (the form's checkboxes cannot send an unknown one; a body can).
fn details_of(body: &Value, min_words: usize) -> Result<HouseholdDetails, ApiError> {
    let unknown = |key: &'static str, known: fn(&str) -> bool, what: &str| {
        body.get(key).and_then(Value::as_array).and_then(|codes| {
            codes
                .iter()
                .find(|c| !c.as_str().is_some_and(known))
                .map(|c| Problem::new(key, format!("{c} is not {what}")))
        })
    };
    let problems: Vec<Problem> = [
        unknown(
            "heritage",
            |c| Ethnicity::parse(c).is_some(),
            "an ethnic group code",
        ),
        unknown(
            "experience",
            |c| Experience::parse(c).is_some(),
            "an experience code",
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    HouseholdValues::from_fields(&fields_of(body))
        .parse(min_words)
        .map_err(ApiError::Invalid)
}

/// The permit to work on the person's agency's families' profiles; a refusal is audited.
async fn edit(state: &AppState, p: &ApiPerson) -> Result<policy::Permit, ApiError> {
    p.authorize_audited(
        state,
        Action::EditHousehold {
            agency: p.user.agency_id,
        },
    )
    .await
}

fn min_words(p: &ApiPerson) -> usize {
    usize::try_from(p.agency.household_text_min_words).unwrap_or(0)
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    region: Option<String>,
    children: Option<u8>,
    age: Option<u8>,
    #[serde(default)]
    text: String,
    page: Option<u32>,
}

pub async fn search(
    State(state): State<AppState>,
    p: ApiPerson,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    let permit = p
        .authorize_audited(&state, Action::SearchHouseholds)
        .await?;
    let (total, items) = state
        .store
        .search_households(
            &permit,
            &p.who(),
            &HouseholdSearch {
                region: q.region.filter(|r| !r.is_empty()),
                children: q.children,
                age: q.age,
                text: q.text,
                page: q.page.unwrap_or(1),
            },
        )
        .await?;
    Ok(Json(json!({
        "total": total,
        "items": items.iter().map(household_json).collect::<Vec<_>>(),
    })))
}

pub async fn show(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let h = state
        .store
        .household_profile(p.viewer(), &p.who(), false, id)
        .await?;
    Ok(Json(visible_json(&h)))
}

pub async fn create(
    State(state): State<AppState>,
    p: ApiPerson,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let permit = edit(&state, &p).await?;
    let details = details_of(&body, min_words(&p))?;
    let id = state
        .store
        .create_household_profile(&permit, &p.who(), &details)
        .await?;
    let h = state
        .store
        .household_profile(p.viewer(), &p.who(), false, id)
        .await?;
    Ok((StatusCode::CREATED, Json(visible_json(&h))).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let permit = edit(&state, &p).await?;
    let details = details_of(&body, min_words(&p))?;
    state
        .store
        .update_household_profile(&permit, &p.who(), id, false, &details)
        .await?;
    let h = state
        .store
        .household_profile(p.viewer(), &p.who(), false, id)
        .await?;
    Ok(Json(visible_json(&h)))
}

pub async fn change_status(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let permit = edit(&state, &p).await?;
    let code = body
        .get("event")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let event = household_event(code).ok_or_else(|| {
        ApiError::Invalid(vec![kinlink_domain::child::Problem::new(
            "event",
            "event must be one of submit, agree, return, hold, resume, revise, withdraw",
        )])
    })?;
    let reason = body
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let status = state
        .store
        .change_household_status(&permit, &p.who(), id, false, event, reason)
        .await?;
    Ok(Json(json!({"id": id, "status": status.as_str()})))
}
