//! Matching in the JSON API, for agencies' case systems acting for a named member of staff:
//! the families suggested for a child, the children suggested for a family, and for the
//! register's administrators the spread recommendations and the best overall assignment. The
//! same permits, the same audit entries and the same sentences as the pages. Suggestions,
//! never decisions: each answer says so.

use crate::AppState;
use crate::api::{ApiError, ApiPerson};
use axum::Json;
use axum::extract::{Path, Query, State};
use kinlink_domain::child::Problem;
use kinlink_domain::policy::Action;
use kinlink_matching::{Criterion, Explanation};
use kinlink_store::{ChildSuggestion, FamilySuggestion, Placement};
use serde::Deserialize;
use serde_json::{Value, json};

/// What every answer says of itself.
const NOTICE: &str = "These are suggestions, not decisions: read each profile and talk to the other worker before asking to explore a link.";

/// The most suggestions a caller may ask for; without `limit` it gets as many as a page shows.
const MOST: usize = 50;

#[derive(Deserialize, Default)]
pub struct Limit {
    limit: Option<String>,
}

impl Limit {
    /// The number asked for: a whole number from 1 to [`MOST`].
    fn parse(&self) -> Result<usize, ApiError> {
        let Some(text) = &self.limit else {
            return Ok(crate::pages::matching::SHOWN);
        };
        match text.trim().parse::<usize>() {
            Ok(n) if (1..=MOST).contains(&n) => Ok(n),
            _ => Err(ApiError::Invalid(vec![Problem::new(
                "limit",
                format!("limit must be a whole number from 1 to {MOST}"),
            )])),
        }
    }
}

/// A family held against a child: the score and each criterion's verdict in words, or the
/// rule that rules the family out.
fn explanation_json(e: &Explanation) -> Value {
    let (percent, blocked) = match &e.outcome {
        Ok(score) => (Some(score.percent()), Value::Null),
        Err(b) => (
            None,
            json!({"constraint": b.constraint.code(), "label": b.constraint.label(), "sentence": b.sentence}),
        ),
    };
    json!({
        "percent": percent,
        "blocked": blocked,
        "criteria": e.lines.iter().map(|l| json!({
            "criterion": l.criterion.code(),
            "label": l.criterion.label(),
            "verdict": l.verdict.code(),
            "weight": l.weight,
            "sentence": l.sentence,
        })).collect::<Vec<_>>(),
    })
}

fn family_json(s: &FamilySuggestion) -> Value {
    json!({
        "household": {"id": s.household_id, "name": s.name, "agency": s.agency_name, "region": s.region},
        "at_link_limit": s.at_link_limit,
        "explanation": explanation_json(&s.explanation),
    })
}

fn child_json(s: &ChildSuggestion) -> Value {
    json!({
        "child_profile": {"id": s.profile_id, "title": s.title, "agency": s.agency_name, "region": s.region, "ages": s.ages},
        "waited_days": s.waited_days,
        "explanation": explanation_json(&s.explanation),
    })
}

/// `GET /children/{id}/suggested-families`: the child's agency's caseworkers.
pub async fn families(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Query(q): Query<Limit>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.parse()?;
    let permit = p
        .authorize_audited(
            &state,
            Action::SuggestFamilies {
                child_agency: p.user.agency_id,
            },
        )
        .await?;
    let found = state
        .store
        .suggested_families(&permit, &p.who(), id, limit)
        .await?;
    Ok(Json(json!({
        "child_profile": {"id": id, "title": found.name},
        "notice": NOTICE,
        "cannot": found.cannot,
        "suggestions": found.items.iter().map(family_json).collect::<Vec<_>>(),
    })))
}

/// `GET /households/{id}/suggested-children`: the family's agency's workers and managers,
/// among the children they may see.
pub async fn children(
    State(state): State<AppState>,
    p: ApiPerson,
    Path(id): Path<i64>,
    Query(q): Query<Limit>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.parse()?;
    let permit = p
        .authorize_audited(
            &state,
            Action::SuggestChildren {
                household_agency: p.user.agency_id,
            },
        )
        .await?;
    let found = state
        .store
        .suggested_children(&permit, p.viewer(), &p.who(), id, limit)
        .await?;
    Ok(Json(json!({
        "household": {"id": id, "name": found.name},
        "notice": NOTICE,
        "cannot": found.cannot,
        "suggestions": found.items.iter().map(child_json).collect::<Vec<_>>(),
    })))
}

fn placement_json(p: &Placement) -> Value {
    json!({"household": {"id": p.household_id, "name": p.name}, "percent": p.score.percent()})
}

/// `GET /matching/register`: every child's spread list and family in the best overall
/// assignment, for the register's administrators.
pub async fn register(
    State(state): State<AppState>,
    p: ApiPerson,
) -> Result<Json<Value>, ApiError> {
    let permit = p
        .authorize_audited(&state, Action::ViewRegisterMatching)
        .await?;
    let m = state.store.register_matching(&permit, &p.who()).await?;
    let weights: serde_json::Map<String, Value> = Criterion::ALL
        .iter()
        .map(|&c| (c.code().to_owned(), json!(m.settings.weights.of(c))))
        .collect();
    Ok(Json(json!({
        "notice": "Decision support, not decisions: these show where each child's realistic options are across every agency; the children's and families' workers decide what to explore.",
        "settings": {
            "weights": weights,
            "per_child": m.settings.spread.per_child,
            "per_family": m.settings.spread.per_family,
            "wait_points_per_month": m.settings.spread.wait_points_per_month,
        },
        "families": m.families,
        "candidate_pairs": m.candidate_pairs,
        "assignment_total": m.assignment_total,
        "refused": m.refused,
        "children": m.rows.iter().map(|r| json!({
            "child_profile": {"id": r.profile_id, "title": r.title, "agency": r.agency_name},
            "waited_days": r.waited_days,
            "spread": r.spread.iter().map(placement_json).collect::<Vec<_>>(),
            "assigned": r.assigned.as_ref().map(placement_json),
        })).collect::<Vec<_>>(),
    })))
}
