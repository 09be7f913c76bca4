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
        .route(
            "/children",
            get(crate::api_children::search).post(crate::api_children::create),
        )
        .route(
            "/children/{id}",
            get(crate::api_children::show).put(crate::api_children::update),
        )
        .route(
            "/children/{id}/children",
            axum::routing::post(crate::api_children::add_child),
        )
        .route(
            "/children/{id}/status",
            axum::routing::post(crate::api_children::change_status),
        )
        .route(
            "/households",
            get(crate::api_households::search).post(crate::api_households::create),
        )
        .route(
            "/links",
            get(crate::api_links::list).post(crate::api_links::create),
        )
        .route("/links/{id}", get(crate::api_links::show))
        .route(
            "/links/{id}/events",
            axum::routing::post(crate::api_links::change),
        )
        .route(
            "/links/{id}/messages",
            axum::routing::post(crate::api_links::message),
        )
        .route(
            "/links/{id}/documents",
            axum::routing::post(crate::api_links::upload).layer(
                axum::extract::DefaultBodyLimit::max(crate::DOCUMENT_BODY_BYTES),
            ),
        )
        .route(
            "/links/{id}/documents/{doc}",
            get(crate::api_links::download),
        )
        .route(
            "/links/{id}/documents/{doc}/share",
            axum::routing::post(crate::api_links::share),
        )
        .route(
            "/records-requests",
            get(crate::api_records::list).post(crate::api_records::create),
        )
        .route("/records-requests/{id}", get(crate::api_records::show))
        .route(
            "/records-requests/{id}/steps",
            axum::routing::post(crate::api_records::step),
        )
        .route(
            "/records-requests/{id}/identity",
            axum::routing::post(crate::api_records::identity),
        )
        .route(
            "/records-requests/{id}/appointments",
            axum::routing::post(crate::api_records::arrange),
        )
        .route(
            "/records-requests/{id}/appointments/{appointment}/cancel",
            axum::routing::post(crate::api_records::cancel_appointment),
        )
        .route(
            "/records-requests/{id}/appointments/{appointment}/invitation",
            axum::routing::post(crate::api_records::email_invitation),
        )
        .route(
            "/records-requests/{id}/appointments/{appointment}/invitation.ics",
            get(crate::api_records::invitation),
        )
        .route(
            "/records-requests/{id}/sessions",
            axum::routing::post(crate::api_records::session),
        )
        .route(
            "/records-requests/{id}/referrals",
            axum::routing::post(crate::api_records::referral),
        )
        .route(
            "/records-requests/{id}/referrals/{referral}/agreement",
            axum::routing::post(crate::api_records::agreement),
        )
        .route(
            "/records-requests/{id}/disclosures",
            axum::routing::post(crate::api_records::disclosure),
        )
        .route(
            "/records-requests/{id}/disclosures/{disclosure}/receipt",
            axum::routing::post(crate::api_records::receipt),
        )
        .route(
            "/records-requests/{id}/intermediary/checks",
            axum::routing::post(crate::api_records::intermediary_checks),
        )
        .route(
            "/records-requests/{id}/intermediary/tracing",
            axum::routing::post(crate::api_records::tracing),
        )
        .route(
            "/records-requests/{id}/grants/{grant}/renew",
            axum::routing::post(crate::api_records::renew),
        )
        .route(
            "/records-requests/{id}/grants/{grant}/revoke",
            axum::routing::post(crate::api_records::revoke),
        )
        .route(
            "/records-requests/{id}/locked-record",
            get(crate::api_records::locked_record).put(crate::api_records::record_locked_record),
        )
        .route(
            "/records-requests/{id}/view-log",
            get(crate::api_records::view_log),
        )
        .route(
            "/records-requests/{id}/archive-closed",
            axum::routing::post(crate::api_records::archive_closed),
        )
        .route("/records-inbox", get(crate::api_records::inbox))
        .route(
            "/households/{id}",
            get(crate::api_households::show).put(crate::api_households::update),
        )
        .route(
            "/households/{id}/status",
            axum::routing::post(crate::api_households::change_status),
        )
        .route(
            "/children/{id}/acknowledgements",
            axum::routing::post(crate::api_children::acknowledge),
        )
        .route(
            "/children/{id}/suggested-families",
            get(crate::api_matching::families),
        )
        .route(
            "/households/{id}/suggested-children",
            get(crate::api_matching::children),
        )
        .route("/matching/register", get(crate::api_matching::register))
        .route(
            "/events",
            get(crate::api_events::list).post(crate::api_events::create),
        )
        .route(
            "/events/{id}",
            get(crate::api_events::show).put(crate::api_events::update),
        )
        .route(
            "/events/{id}/status",
            axum::routing::post(crate::api_events::change_status),
        )
        .route(
            "/events/{id}/children",
            axum::routing::post(crate::api_events::feature),
        )
        .route(
            "/events/{id}/children/{feature}/withdraw",
            axum::routing::post(crate::api_events::withdraw),
        )
        .route(
            "/events/{id}/bookings",
            axum::routing::post(crate::api_events::book),
        )
        .route(
            "/events/{id}/bookings/{booking}/cancel",
            axum::routing::post(crate::api_events::cancel_booking),
        )
        .route(
            "/events/{id}/bookings/{booking}/attendance",
            axum::routing::post(crate::api_events::attendance),
        )
        .route(
            "/events/{id}/interest",
            axum::routing::post(crate::api_events::interest),
        )
        .route("/matching/channels", get(crate::api_events::channels))
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
    /// The request's content breaks rules; each problem names its field.
    #[error("invalid")]
    Invalid(Vec<kinlink_domain::child::Problem>),
    /// A rule of the record's life cycle, with its stable code.
    #[error("{1}")]
    Rule(&'static str, String),
    #[error("X-On-Behalf-Of must name an active member of staff of the token's agency")]
    UnknownPerson,
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
            ApiError::Invalid(problems) => {
                let fields: Vec<serde_json::Value> = problems
                    .iter()
                    .map(|p| serde_json::json!({"field": p.field, "message": p.message}))
                    .collect();
                let message = problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(serde_json::json!({"code": "invalid", "message": message, "fields": fields})),
                )
                    .into_response();
            }
            ApiError::Rule(code, message) => (StatusCode::CONFLICT, *code, message.clone()),
            ApiError::UnknownPerson => (StatusCode::FORBIDDEN, "unknown_person", self.to_string()),
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
            StoreError::Invalid(problems) => ApiError::Invalid(problems),
            StoreError::Rule(rule) => ApiError::Rule(rule.code(), rule.to_string()),
            StoreError::Forbidden(denied) => ApiError::Forbidden(denied),
            StoreError::Link(refusal) => {
                let code = refusal.code();
                // The same words the pages use, naming any open links that hold the places.
                let message = crate::pages::refusal_message(StoreError::Link(refusal))
                    .unwrap_or_else(|_| code.to_owned());
                ApiError::Rule(code, message)
            }
            // The records procedure's rules, like a link's: 409 with the rule's stable code.
            StoreError::Records(rule) => ApiError::Rule(rule.code(), rule.to_string()),
            // An event's rules (its life cycle, places, deadlines, the day), the same way.
            StoreError::Event(rule) => ApiError::Rule(rule.code(), rule.to_string()),
            StoreError::NotEditable(status) => ApiError::Rule(
                "not_editable",
                format!("only a draft can be changed; this profile is {status}"),
            ),
            StoreError::Conflict(code) => ApiError::Rule(
                code,
                "the record changed meanwhile, or this was already done".into(),
            ),
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

/// A member of staff acting through their agency's case system: the token proves the system,
/// `X-On-Behalf-Of: <their email>` names the person, whose role the policy then judges (so
/// that, for example, the person who sent a profile for sign-off cannot sign it off through
/// the API either). The person must belong to the token's agency and not be disabled.
pub struct ApiPerson {
    pub token: ApiToken,
    pub user: kinlink_store::User,
    pub agency: kinlink_store::Agency,
}

impl ApiPerson {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }
    pub fn who(&self) -> kinlink_store::Who {
        kinlink_store::Who::person(self.actor(), format!("api:{}", self.token.prefix))
    }
    /// Whose eyes the policy judges a profile with: this member of staff's, in their agency's
    /// region.
    pub fn viewer(&self) -> policy::Viewer<'_> {
        policy::Viewer {
            actor: self.actor(),
            region: &self.agency.region,
            household_active: false,
            household_area: None,
        }
    }
    /// The permit for `action`, or the refusal, which is audited as the pages audit theirs.
    pub async fn authorize_audited(
        &self,
        state: &AppState,
        action: Action,
    ) -> Result<policy::Permit, ApiError> {
        crate::auth::authorize_audited(state, self.actor(), &self.who(), action).await
    }
}

impl FromRequestParts<AppState> for ApiPerson {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = ApiClient::from_request_parts(parts, state).await?;
        let email = parts
            .headers
            .get("x-on-behalf-of")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .ok_or(ApiError::UnknownPerson)?;
        let user = state
            .store
            .user_by_email(&email.to_lowercase())
            .await?
            .filter(|u| {
                u.agency_id == client.token.agency_id && !u.is_disabled() && u.role.is_staff()
            })
            .ok_or(ApiError::UnknownPerson)?;
        let agency = state.store.agency(user.agency_id).await?;
        Ok(ApiPerson {
            token: client.token,
            user,
            agency,
        })
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
