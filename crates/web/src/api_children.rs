//! Children's profiles in the JSON API, for agencies' case systems acting for a named member
//! of staff (see [`crate::api::ApiPerson`]). The same rules as the pages: the policy decides
//! what is seen, the store refuses what breaks a rule, and the fields are checked by the same
//! code as the forms, so a case system gets the same messages a social worker would.

use crate::AppState;
use crate::api::{ApiError, ApiPerson};
use crate::pages::children::{ChildValues, Fields, ProfileValues, event_of};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kinlink_domain::child::ChildProfile;
use kinlink_domain::policy::{self, Action, Sight, Visible};
use kinlink_domain::profile::{CivilDate, NeedCategory};
use kinlink_store::{ChildSearch, StatusRequest, child_findings};
use serde_json::{Value, json};

/// The permit to work on the person's agency's children's profiles; a refusal is audited.
async fn edit(state: &AppState, p: &ApiPerson) -> Result<policy::Permit, ApiError> {
    p.authorize_audited(
        state,
        Action::EditChildProfile {
            agency: p.user.agency_id,
        },
    )
    .await
}

/// A profile as JSON: what the caller may see, nothing more. Confidential details and the
/// confidentiality findings only for the child's own agency.
fn profile_json(p: &Visible<ChildProfile>) -> Value {
    let full = p.sight() == Sight::Full;
    let children: Vec<Value> = p
        .children
        .iter()
        .map(|c| {
            let mut child = json!({
                "id": c.id,
                "alias": c.alias,
                "age": {"years": c.age.years, "months": c.age.months},
                "gender": c.gender.as_str(),
                "ethnicity": c.ethnicity.as_str(),
                "ethnicity_detail": c.ethnicity_detail,
                "religion": c.religion,
                "languages": c.languages,
                "legal_status": c.legal_status.as_str(),
                "needs": c.needs.iter().map(|n| json!({"category": n.category.as_str(), "level": n.level.as_str(), "notes": n.notes})).collect::<Vec<_>>(),
            });
            if let (Some((born, conf)), Some(obj)) = (&c.confidential, child.as_object_mut()) {
                obj.insert(
                    "confidential".into(),
                    json!({
                        "date_of_birth": born.to_string(),
                        "surname": conf.surname,
                        "address": conf.address,
                        "school": conf.school,
                        "placement_location": conf.placement_location,
                        "birth_relatives": conf.birth_relatives,
                    }),
                );
            }
            child
        })
        .collect();
    let mut body = json!({
        "id": p.id,
        "agency": {"id": p.agency_id, "name": p.agency_name, "region": p.region},
        "status": p.status.as_str(),
        "title": p.title(),
        "children": children,
        "text": p.text,
        "contact": {"letterbox": p.contact.letterbox, "direct_birth_family": p.contact.direct_birth_family, "sibling_contact": p.contact.sibling_contact, "notes": p.contact_notes},
        "requirements": p.requirements.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "requirement_notes": p.requirement_notes,
        "photos": p.photos.iter().map(|ph| json!({"id": ph.id, "description": ph.description})).collect::<Vec<_>>(),
        "published_at": p.published_at,
        "reviewed_at": p.reviewed_at,
        "updated_at": p.updated_at,
    });
    if let Some(obj) = body.as_object_mut() {
        if let Some(areas) = &p.excluded_areas {
            obj.insert("excluded_areas".into(), json!(areas));
        }
        if full {
            obj.insert("visibility".into(), json!(p.visibility.as_str()));
            obj.insert("home_area".into(), json!(p.home_area));
            let findings: Vec<Value> = child_findings(p)
                .iter()
                .map(|(place, f)| json!({"in": place, "kind": f.kind.as_str(), "excerpt": f.excerpt, "fingerprint": f.fingerprint()}))
                .collect();
            obj.insert("findings".into(), json!(findings));
        }
    }
    body
}

/// The form's field pairs from a JSON body: the same names as the form (so one parser checks
/// both), with dates as `YYYY-MM-DD`, lists as arrays and needs as an object.
fn fields_of(body: &Value) -> Fields {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let Some(obj) = body.as_object() else {
        return Fields::new(pairs);
    };
    for (key, value) in obj {
        match (key.as_str(), value) {
            ("born", Value::String(date)) => {
                if let Some(d) = CivilDate::parse_iso(date) {
                    pairs.push(("born_day".into(), d.day().to_string()));
                    pairs.push(("born_month".into(), d.month().to_string()));
                    pairs.push(("born_year".into(), d.year().to_string()));
                }
            }
            ("languages" | "excluded_areas" | "birth_relatives", Value::Array(items)) => {
                let sep = if key == "languages" { ", " } else { "\n" };
                let list: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                pairs.push((key.clone(), list.join(sep)));
            }
            ("requirements", Value::Array(items)) => {
                for code in items.iter().filter_map(Value::as_str) {
                    pairs.push((format!("req_{code}"), "yes".into()));
                }
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
                if let Some(notes) = c.get("notes").and_then(Value::as_str) {
                    pairs.push(("contact_notes".into(), notes.into()));
                }
            }
            ("needs", Value::Object(needs)) => {
                for (code, need) in needs {
                    if let Some(level) = need.get("level").and_then(Value::as_str) {
                        pairs.push((format!("need_{code}"), level.into()));
                    }
                    if let Some(notes) = need.get("notes").and_then(Value::as_str) {
                        pairs.push((format!("need_{code}_notes"), notes.into()));
                    }
                }
            }
            (_, Value::String(s)) => pairs.push((key.clone(), s.clone())),
            _ => {}
        }
    }
    let mut f = Fields::new(pairs);
    // Needs not given are none, as on the form.
    for c in NeedCategory::ALL {
        f.default(&format!("need_{}", c.as_str()), "none");
    }
    f
}

/// A need category the API does not know is refused rather than dropped.
fn unknown_needs(body: &Value) -> Result<(), ApiError> {
    let unknown: Vec<&String> = body
        .get("needs")
        .and_then(Value::as_object)
        .map(|needs| {
            needs
                .keys()
                .filter(|k| NeedCategory::parse(k).is_none())
                .collect()
        })
        .unwrap_or_default();
    match unknown.first() {
        None => Ok(()),
        Some(code) => Err(ApiError::Invalid(vec![
            kinlink_domain::child::Problem::new(
                "needs",
                format!(
                    "\"{code}\" is not a need category; use {}",
                    NeedCategory::ALL.map(|c| c.as_str()).join(", ")
                ),
            ),
        ])),
    }
}

fn today(state: &AppState) -> CivilDate {
    CivilDate::from_unix(state.store.now())
}

pub async fn search(
    State(state): State<AppState>,
    p: ApiPerson,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let permit = p.authorize_audited(&state, Action::SearchChildren).await?;
    let pairs: Vec<(String, String)> = raw
        .as_deref()
        .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
        .unwrap_or_default();
    let search = ChildSearch::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|bad| {
            ApiError::Invalid(
                bad.into_iter()
                    .map(|b| kinlink_domain::child::Problem::new(b.field, b.message))
                    .collect(),
            )
        })?;
    let found = state
        .store
        .search_children(&permit, p.viewer(), &p.who(), None, &search)
        .await?;
    Ok(Json(json!({
        "total": found.total,
        "page": found.page,
        "pages": found.pages(),
        "items": found.items.iter().map(profile_json).collect::<Vec<_>>(),
    })))
}

pub async fn show(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let profile = state.store.child_profile(p.viewer(), &p.who(), id).await?;
    Ok(Json(profile_json(&profile)))
}

pub async fn create(
    State(state): State<AppState>,
    p: ApiPerson,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let permit = edit(&state, &p).await?;
    unknown_needs(&body)?;
    let f = fields_of(&body);
    let child = ChildValues::from_fields(&f).parse(today(&state));
    let details = ProfileValues::from_fields(&f).parse();
    let (child, details) = match (child, details) {
        (Ok(c), Ok(d)) => (c, d),
        (c, d) => {
            let mut problems = d.err().unwrap_or_default();
            problems.extend(c.err().unwrap_or_default());
            return Err(ApiError::Invalid(problems));
        }
    };
    let id = state
        .store
        .create_child_profile(&permit, &p.who(), &details, &child)
        .await?;
    let profile = state.store.child_profile(p.viewer(), &p.who(), id).await?;
    Ok((StatusCode::CREATED, Json(profile_json(&profile))).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let permit = edit(&state, &p).await?;
    let details = ProfileValues::from_fields(&fields_of(&body))
        .parse()
        .map_err(ApiError::Invalid)?;
    state
        .store
        .update_child_profile(&permit, &p.who(), id, &details)
        .await?;
    let profile = state.store.child_profile(p.viewer(), &p.who(), id).await?;
    Ok(Json(profile_json(&profile)))
}

pub async fn add_child(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let permit = edit(&state, &p).await?;
    unknown_needs(&body)?;
    let child = ChildValues::from_fields(&fields_of(&body))
        .parse(today(&state))
        .map_err(ApiError::Invalid)?;
    state.store.add_child(&permit, &p.who(), id, &child).await?;
    let profile = state.store.child_profile(p.viewer(), &p.who(), id).await?;
    Ok((StatusCode::CREATED, Json(profile_json(&profile))).into_response())
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
    let event = event_of(code, 0).ok_or_else(|| {
        ApiError::Invalid(vec![kinlink_domain::child::Problem::new(
            "event",
            "event must be one of submit, sign_off, return, revise, hold, resume, match, fell_through, placed, withdraw",
        )])
    })?;
    let reason = body
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let status = state
        .store
        .change_child_status(&permit, &p.who(), id, &StatusRequest { event, reason })
        .await?;
    Ok(Json(json!({"id": id, "status": status.as_str()})))
}

pub async fn acknowledge(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let permit = edit(&state, &p).await?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
    state
        .store
        .acknowledge_child_finding(&permit, &p.who(), id, text("fingerprint"), text("reason"))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "fingerprint": text("fingerprint")})),
    )
        .into_response())
}
