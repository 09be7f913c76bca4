//! Searching the Register's children, and the searches people keep (with an in-app alert when
//! a newly published profile matches).

use super::children::{authorize_audited, level_label, viewer, viewer_household};
use super::{done, invalid, page};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::format::days_between;
use crate::view::{Choice, Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use kinlink_domain::child::{Gender, LegalStatus};
use kinlink_domain::places::REGIONS;
use kinlink_domain::policy::Action;
use kinlink_domain::profile::{NeedCategory, NeedLevel};
use kinlink_store::{ChildSearch, SearchSort, StoreError};
use serde::Deserialize;

/// A result as the list shows it.
pub struct ResultCard {
    pub id: i64,
    pub title: String,
    pub ages: String,
    pub agency: String,
    pub region: String,
    pub waiting: String,
    pub excerpt: String,
    pub photo: Option<(i64, String)>,
}

/// One need filter on the form.
pub struct NeedFilter {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: String,
}

#[derive(Template)]
#[template(path = "search_children.html")]
pub struct SearchPageView {
    c: Chrome,
    errors: FormErrors,
    values: std::collections::HashMap<String, String>,
    needs: Vec<NeedFilter>,
    needs_open: bool,
    genders: Vec<Choice>,
    regions: Vec<Choice>,
    legal_statuses: Vec<Choice>,
    sorts: Vec<Choice>,
    levels: Vec<Choice>,
    results: Vec<ResultCard>,
    total: i64,
    page: u32,
    pages: u32,
    query: String,
    searched: bool,
    /// The filters were understood (so the search can be saved).
    filters_ok: bool,
    save_error: String,
}

fn pairs_of(raw: &Option<String>) -> Vec<(String, String)> {
    raw.as_deref()
        .map(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default())
        .unwrap_or_default()
}

fn with_blank(blank: &str, items: impl Iterator<Item = Choice>) -> Vec<Choice> {
    let mut v = vec![Choice::new("", blank)];
    v.extend(items);
    v
}

pub async fn search(
    State(state): State<AppState>,
    s: SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    search_page(&state, &s, raw, None).await
}

/// The search page for `raw` (a query string); `save_error` when saving it was refused.
async fn search_page(
    state: &AppState,
    s: &SignedIn,
    raw: Option<String>,
    save_error: Option<String>,
) -> Result<Response, WebError> {
    let permit = authorize_audited(state, s, Action::SearchChildren).await?;
    let pairs = pairs_of(&raw);
    let values: std::collections::HashMap<String, String> = pairs.iter().cloned().collect();
    let mut errors = FormErrors::default();
    let household = viewer_household(state, s).await?;
    let parsed = ChildSearch::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (results, total, page_no, pages, query) = match parsed {
        Ok(search) => {
            let found = state
                .store
                .search_children(
                    &permit,
                    viewer(s, &household),
                    &s.who(),
                    household.area.as_deref(),
                    &search,
                )
                .await?;
            let now = state.store.now();
            let results = found
                .items
                .iter()
                .map(|p| ResultCard {
                    id: p.id,
                    title: p.title(),
                    ages: super::children::ages(p),
                    agency: p.agency_name.clone(),
                    region: p.region.clone(),
                    waiting: p
                        .published_at
                        .map(|at| days_between(at, now))
                        .unwrap_or_default(),
                    excerpt: excerpt(&p.text, 240),
                    photo: p.photos.first().map(|ph| (ph.id, ph.description.clone())),
                })
                .collect();
            (
                results,
                found.total,
                found.page,
                found.pages(),
                search.to_query(),
            )
        }
        Err(bad) => {
            for b in bad {
                errors.add(b.field, b.message);
            }
            (Vec::new(), 0, 1, 1, String::new())
        }
    };
    let needs: Vec<NeedFilter> = NeedCategory::ALL
        .iter()
        .map(|c| NeedFilter {
            code: c.as_str(),
            label: c.label(),
            selected: values
                .get(&format!("need_{}", c.as_str()))
                .cloned()
                .unwrap_or_default(),
        })
        .collect();
    let filters_ok = errors.is_empty();
    if let Some(message) = &save_error {
        errors.add("save-name", message.clone());
    }
    let view = SearchPageView {
        filters_ok,
        save_error: save_error.unwrap_or_default(),
        needs_open: needs.iter().any(|n| !n.selected.is_empty()),
        needs,
        c: s.chrome("Search children", "/search/children")
            .with_errors(&errors),
        values,
        genders: with_blank(
            "Any",
            Gender::ALL
                .iter()
                .map(|g| Choice::new(g.as_str(), g.label())),
        ),
        regions: with_blank("Any region", REGIONS.iter().map(|r| Choice::new(*r, *r))),
        legal_statuses: with_blank(
            "Any",
            LegalStatus::ALL
                .iter()
                .map(|l| Choice::new(l.as_str(), l.label())),
        ),
        sorts: SearchSort::ALL
            .iter()
            .map(|o| Choice::new(o.as_str(), o.label()))
            .collect(),
        levels: with_blank(
            "Any level",
            NeedLevel::ALL.iter().map(|l| {
                Choice::new(
                    l.as_str(),
                    format!("Up to {}", level_label(*l).to_lowercase()),
                )
            }),
        ),
        results,
        total,
        page: page_no,
        pages,
        query,
        searched: raw.is_some(),
        errors,
    };
    if view.errors.is_empty() {
        page(&view)
    } else {
        invalid(&view)
    }
}

/// The first `max` characters of `text`, cut at a word.
fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

pub async fn save(
    State(state): State<AppState>,
    s: SignedIn,
    Form(f): Form<SaveForm>,
) -> Result<Response, WebError> {
    let permit = authorize_audited(&state, &s, Action::SearchChildren).await?;
    // Keep only a search that parses: a saved search is re-run later.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&f.query).unwrap_or_default();
    let query = ChildSearch::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map(|s| s.to_query())
        .unwrap_or_default();
    match state
        .store
        .save_search(&permit, &s.who(), "children", &f.name, &query)
        .await
    {
        Ok(_) => Ok(done(&format!("/search/children?{query}&saved=1"))),
        Err(StoreError::Invalid(problems)) => {
            let message = problems
                .into_iter()
                .next()
                .map(|p| p.message)
                .unwrap_or_default();
            search_page(&state, &s, Some(query), Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Opens a saved search: its new results count as seen from now.
pub async fn open_saved(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let saved = state.store.saved_search_seen(s.user.id, id).await?;
    Ok(done(&format!("/search/children?{}", saved.query)))
}

pub async fn remove_saved(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    state
        .store
        .remove_saved_search(&s.who(), s.user.id, id)
        .await?;
    Ok(done("/?done=search_removed"))
}
