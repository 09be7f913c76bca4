//! API tokens for agencies' case systems: made by the agency's administrator, shown once,
//! stored hashed, scoped to the agency, revocable.

use super::{done, invalid, page};
use crate::AppState;
use crate::auth::{SignedIn, random_token, token_hash};
use crate::error::WebError;
use crate::format::uk_time;
use crate::view::{Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kinlink_domain::policy::{self, Action};
use kinlink_store::NewApiToken;
use serde::Deserialize;

pub const TOKEN_PREFIX: &str = "klk_";

pub struct Row {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    pub revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    c: Chrome,
    errors: FormErrors,
    rows: Vec<Row>,
    name: String,
    new_token: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

async fn tokens_page(
    state: &AppState,
    s: &SignedIn,
    errors: FormErrors,
    name: String,
    new_token: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let permit = policy::authorize(
        s.actor(),
        Action::ManageApiTokens {
            agency: s.user.agency_id,
        },
    )?;
    let rows = state
        .store
        .api_tokens(&permit)
        .await?
        .into_iter()
        .map(|t| Row {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created: uk_time(t.created_at),
            last_used: t
                .last_used_at
                .map(uk_time)
                .unwrap_or_else(|| "Never".into()),
            revoked: t.revoked_at.map(uk_time),
        })
        .collect();
    let c = s
        .chrome("API tokens", "/admin/api-tokens")
        .with_errors(&errors)
        .with_notice(notice);
    let p = TokensPage {
        c,
        errors,
        rows,
        name,
        new_token,
    };
    if p.errors.is_empty() {
        page(&p)
    } else {
        invalid(&p)
    }
}

pub async fn list(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    let notice = q.done.map(|_| {
        "The token has been revoked. Requests using it are refused from now on.".to_owned()
    });
    tokens_page(
        &state,
        &s,
        FormErrors::default(),
        String::new(),
        None,
        notice,
    )
    .await
}

#[derive(Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create(
    State(state): State<AppState>,
    s: SignedIn,
    Form(f): Form<NewTokenForm>,
) -> Result<Response, WebError> {
    let permit = policy::authorize(
        s.actor(),
        Action::ManageApiTokens {
            agency: s.user.agency_id,
        },
    )?;
    let name = f.name.trim().to_owned();
    let mut errors = FormErrors::default();
    if name.is_empty() {
        errors.add(
            "name",
            "Enter a name for the token, like the system that will use it",
        );
    } else if name.chars().count() > 100 {
        errors.add("name", "The name must be 100 characters or fewer");
    }
    if !errors.is_empty() {
        return tokens_page(&state, &s, errors, f.name, None, None).await;
    }
    let token = format!("{TOKEN_PREFIX}{}", random_token()?);
    let new = NewApiToken {
        name,
        token_hash: token_hash(&token),
        prefix: token.chars().take(10).collect(),
        created_by: s.user.id,
    };
    state
        .store
        .create_api_token(&permit, &s.who(), &new)
        .await?;
    tokens_page(
        &state,
        &s,
        FormErrors::default(),
        String::new(),
        Some(token),
        None,
    )
    .await
}

pub async fn revoke(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let permit = policy::authorize(
        s.actor(),
        Action::ManageApiTokens {
            agency: s.user.agency_id,
        },
    )?;
    state.store.revoke_api_token(&permit, &s.who(), id).await?;
    Ok(done("/admin/api-tokens?done=revoked"))
}
