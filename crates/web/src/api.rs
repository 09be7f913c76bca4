//! The JSON API under `/api/v1`, for agencies' case systems. Callers authenticate with a
//! bearer token made by their agency's administrator; cookies are never accepted here, which
//! is why these routes need no CSRF token. Errors are `{"code": …, "message": …}` with a
//! stable code. The OpenAPI document is `/api/v1/openapi.json`.

use crate::AppState;
use crate::auth::token_hash;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kinlink_domain::Role;
use kinlink_domain::policy::{self, Action, Actor, Denied};
use kinlink_store::{ApiToken, StoreError};
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/agency", get(agency))
        .route("/users", get(users))
        .fallback(|| async { ApiError::NotFound })
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing or invalid bearer token")]
    Unauthenticated,
    #[error("forbidden: {0}")]
    Forbidden(Denied),
    #[error("not found")]
    NotFound,
    #[error("database unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            ApiError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Send a valid API token as `Authorization: Bearer <token>`.".to_owned(),
            ),
            ApiError::Forbidden(d) => (
                StatusCode::FORBIDDEN,
                d.code(),
                format!("Not allowed: {d}."),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "There is nothing at this address.".to_owned(),
            ),
            ApiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The database is unavailable; try again shortly.".to_owned(),
            ),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "API internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong; nothing was changed.".to_owned(),
                )
            }
        };
        let mut res = (status, Json(ErrorBody { code, message })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            e if e.is_unavailable() => ApiError::Unavailable,
            e => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        ApiError::Forbidden(d)
    }
}

/// A caller holding a live token. It acts for its agency with the authority of that agency's
/// administration (what the policy allows an agency administrator), read-only for now.
pub struct ApiClient {
    pub token: ApiToken,
}

impl ApiClient {
    fn actor(&self) -> Actor {
        Actor {
            user_id: self.token.created_by,
            role: Role::AgencyAdmin,
            agency_id: self.token.agency_id,
        }
    }
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthenticated)?;
        let token = state
            .store
            .api_token_by_hash(&token_hash(token))
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(ApiClient { token })
    }
}

#[derive(Serialize)]
struct AgencyBody {
    id: i64,
    name: String,
    kind: &'static str,
    region: String,
    mfa_required: bool,
    link_follow_up: &'static str,
}

async fn agency(
    State(state): State<AppState>,
    client: ApiClient,
) -> Result<Json<AgencyBody>, ApiError> {
    let a = state.store.agency(client.token.agency_id).await?;
    Ok(Json(AgencyBody {
        id: a.id,
        name: a.name,
        kind: a.kind.as_str(),
        region: a.region,
        mfa_required: a.mfa_required,
        link_follow_up: a.link_follow_up.as_str(),
    }))
}

#[derive(Serialize)]
struct UserBody {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    disabled: bool,
    second_factor: bool,
}

async fn users(
    State(state): State<AppState>,
    client: ApiClient,
) -> Result<Json<Vec<UserBody>>, ApiError> {
    let permit = policy::authorize(
        client.actor(),
        Action::ListUsers {
            agency: client.token.agency_id,
        },
    )?;
    let users = state.store.users_of_agency(&permit).await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| UserBody {
                id: u.id,
                disabled: u.is_disabled(),
                second_factor: u.has_second_factor(),
                role: u.role.as_str(),
                name: u.name,
                email: u.email,
            })
            .collect(),
    ))
}

const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
