//! Kinlink's web service: HTML pages (askama, styled with GOV.UK Frontend), the JSON API under
//! `/api/v1`, sessions, CSRF protection, security headers and the operational endpoints.
//!
//! Handlers never decide who may do what: they ask `kinlink_domain::policy` and hand its
//! `Permit` to the store. Every page works without JavaScript.

mod api;
mod api_children;
mod api_events;
mod api_households;
mod api_links;
mod api_matching;
mod api_records;
mod assets;
mod auth;
mod config;
mod error;
mod format;
mod metrics;
mod pages;
mod security;
mod view;

pub use auth::{hash_password, random_token};
pub use config::WebConfig;
pub use error::WebError;
pub use metrics::Metrics;
pub use pages::users::generated_password;

use axum::Router;
use axum::routing::{get, post};
use kinlink_store::Store;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<Metrics>,
    /// Where links' documents are sealed and kept; without it, uploads are refused.
    pub documents: Option<Arc<Documents>>,
}

/// Links' secure documents: the encrypted store, the virus scanner and the size limit.
pub struct Documents {
    pub store: kinlink_documents::DocumentStore,
    pub scanner: kinlink_documents::Scanner,
    pub limits: kinlink_documents::Limits,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Self {
        Self {
            store,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            documents: None,
        }
    }

    pub fn with_documents(mut self, documents: Documents) -> Self {
        self.documents = Some(Arc::new(documents));
        self
    }
}

/// The whole service as one router.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(pages::dashboard::show))
        .route(
            "/sign-in",
            get(pages::sign_in::form).post(pages::sign_in::submit),
        )
        .route(
            "/sign-in/code",
            get(pages::sign_in::code_form).post(pages::sign_in::code_submit),
        )
        .route("/sign-out", post(pages::sign_in::sign_out))
        .route("/account", get(pages::account::show))
        .route(
            "/account/password",
            get(pages::account::password_form).post(pages::account::password_submit),
        )
        .route(
            "/account/second-factor",
            get(pages::account::second_factor_form).post(pages::account::second_factor_submit),
        )
        .route("/admin/users", get(pages::users::list))
        .route(
            "/admin/users/new",
            get(pages::users::new_form).post(pages::users::new_submit),
        )
        .route("/admin/users/{id}", get(pages::users::show))
        .route("/admin/users/{id}/role", post(pages::users::change_role))
        .route("/admin/users/{id}/disable", post(pages::users::disable))
        .route("/admin/users/{id}/enable", post(pages::users::enable))
        .route(
            "/admin/users/{id}/reset-second-factor",
            post(pages::users::reset_second_factor),
        )
        .route(
            "/admin/users/{id}/reset-password",
            post(pages::users::reset_password),
        )
        .route("/admin/agencies", get(pages::agencies::list))
        .route(
            "/admin/agencies/new",
            get(pages::agencies::new_form).post(pages::agencies::new_submit),
        )
        .route(
            "/admin/agencies/{id}/settings",
            get(pages::agencies::settings_form).post(pages::agencies::settings_submit),
        )
        .route(
            "/admin/register-settings",
            get(pages::register::settings_form).post(pages::register::settings_submit),
        )
        .route("/admin/audit", get(pages::audit::list))
        .route(
            "/admin/api-tokens",
            get(pages::tokens::list).post(pages::tokens::create),
        )
        .route("/admin/api-tokens/{id}/revoke", post(pages::tokens::revoke))
        .route("/children", get(pages::children::list))
        .route(
            "/children/new",
            get(pages::children::new_form).post(pages::children::new_submit),
        )
        .route("/children/{id}", get(pages::children::show))
        .route("/children/{id}/suggestions", get(pages::matching::families))
        .route(
            "/children/{id}/edit",
            get(pages::children::edit_form).post(pages::children::edit_submit),
        )
        .route(
            "/children/{id}/children/new",
            get(pages::children::child_new_form).post(pages::children::child_new_submit),
        )
        .route(
            "/children/{id}/children/{child}/edit",
            get(pages::children::child_edit_form).post(pages::children::child_edit_submit),
        )
        .route(
            "/children/{id}/children/{child}/remove",
            post(pages::children::child_remove),
        )
        .route(
            "/children/{id}/acknowledge",
            post(pages::children::acknowledge),
        )
        .route(
            "/children/{id}/status",
            post(pages::children::change_status),
        )
        .route(
            "/children/{id}/reviewed",
            post(pages::children::mark_reviewed),
        )
        .route(
            "/children/{id}/photos",
            post(pages::children::photo_upload)
                .layer(axum::extract::DefaultBodyLimit::max(PHOTO_BODY_BYTES)),
        )
        .route("/children/{id}/photos/{photo}", get(pages::children::photo))
        .route(
            "/children/{id}/photos/{photo}/remove",
            post(pages::children::photo_remove),
        )
        .route("/households", get(pages::households::list))
        .route(
            "/households/new",
            get(pages::households::new_form).post(pages::households::new_submit),
        )
        .route("/households/{id}", get(pages::households::show))
        .route(
            "/households/{id}/suggestions",
            get(pages::matching::children),
        )
        .route("/admin/matching", get(pages::matching::register))
        .route(
            "/admin/matching/settings",
            get(pages::matching::settings_form).post(pages::matching::settings_submit),
        )
        .route(
            "/households/{id}/edit",
            get(pages::households::edit_form).post(pages::households::edit_submit),
        )
        .route(
            "/households/{id}/status",
            post(pages::households::change_status),
        )
        .route(
            "/households/{id}/reviewed",
            post(pages::households::mark_reviewed),
        )
        .route(
            "/households/{id}/acknowledge",
            post(pages::households::acknowledge),
        )
        .route(
            "/households/{id}/photos",
            post(pages::households::photo_upload)
                .layer(axum::extract::DefaultBodyLimit::max(PHOTO_BODY_BYTES)),
        )
        .route(
            "/households/{id}/photos/{photo}",
            get(pages::households::photo),
        )
        .route("/family", get(pages::households::own))
        .route("/search/households", get(pages::households::search))
        .route(
            "/links",
            get(pages::links::list).post(pages::links::new_submit),
        )
        .route("/links/new", get(pages::links::new_form))
        .route("/links/{id}", get(pages::links::show))
        .route("/links/{id}/change", post(pages::links::change))
        .route("/links/{id}/messages", post(pages::links::message))
        .route("/links/{id}/assign", post(pages::links::assign))
        .route(
            "/links/{id}/documents",
            post(pages::links::upload)
                .layer(axum::extract::DefaultBodyLimit::max(DOCUMENT_BODY_BYTES)),
        )
        .route("/links/{id}/documents/{doc}", get(pages::links::download))
        .route(
            "/links/{id}/documents/{doc}/share",
            post(pages::links::share),
        )
        .route("/notifications", get(pages::links::notifications))
        .route(
            "/events",
            get(pages::events::list).post(pages::events::create),
        )
        .route("/events/new", get(pages::events::new_form))
        .route("/events/{id}", get(pages::events::show))
        .route(
            "/events/{id}/edit",
            get(pages::events::edit_form).post(pages::events::update),
        )
        .route("/events/{id}/status", post(pages::events::change_status))
        .route("/events/{id}/children", post(pages::events::feature))
        .route(
            "/events/{id}/children/{feature}/withdraw",
            post(pages::events::withdraw),
        )
        .route("/events/{id}/bookings", post(pages::events::book))
        .route(
            "/events/{id}/bookings/{booking}/cancel",
            post(pages::events::cancel),
        )
        .route(
            "/events/{id}/bookings/{booking}/attendance",
            post(pages::events::attendance),
        )
        .route("/events/{id}/interest", post(pages::events::interest))
        .route("/events/{id}/print", get(pages::events::print))
        .route("/events/{id}/calendar.ics", get(pages::events::calendar))
        .route(
            "/records",
            get(pages::records::list).post(pages::records::new_submit),
        )
        .route("/records/new", get(pages::records::new_form))
        .route("/records/{id}", get(pages::records::show))
        .route(
            "/records/{id}/locked-record",
            get(pages::records::locked_record).post(pages::records::locked_record_submit),
        )
        .route("/records/{id}/view-log", get(pages::records::view_log))
        .route(
            "/records/{id}/appointments/{appointment}/invitation.ics",
            get(pages::records::invitation_file),
        )
        .route("/records/{id}/{what}", post(pages::records::act))
        .route(
            "/records/{id}/{what}/{item}/{action}",
            post(pages::records::act_on_item),
        )
        .route("/search/children", get(pages::search::search))
        .route("/search/children/save", post(pages::search::save))
        .route("/saved-searches/{id}", get(pages::search::open_saved))
        .route(
            "/saved-searches/{id}/remove",
            post(pages::search::remove_saved),
        );

    let routes = Router::new()
        .merge(pages)
        .nest("/api/v1", api::router())
        .route("/assets/{file}", get(assets::serve))
        .route("/healthz", get(pages::ops::healthz))
        .route("/readyz", get(pages::ops::readyz))
        .route("/metrics", get(pages::ops::metrics))
        .fallback(pages::ops::not_found);
    layered(routes, state)
}

/// Wraps routes in the request-wide protections (CSRF, body limit, metrics, security headers,
/// panic catching). Public so that tests can wrap a route of their own the same way.
pub fn layered(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.max_body_bytes,
        ))
        // Inside metrics and headers, so a panic is counted and its 500 page is protected too.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
}

/// The largest photo upload accepted: the photo limit plus room for the form around it.
pub const PHOTO_BODY_BYTES: usize = 10 * 1024 * 1024 + 64 * 1024;

/// The largest document upload accepted: the document limit plus room for the form around it.
pub const DOCUMENT_BODY_BYTES: usize = 20 * 1024 * 1024 + 64 * 1024;

/// The routes that change something, with a sample path, for tests that try each one.
pub const STATE_CHANGING_ROUTES: &[&str] = &[
    "/records",
    "/records/1/step",
    "/records/1/locked-record",
    "/records/1/identity",
    "/records/1/appointments",
    "/records/1/sessions",
    "/records/1/referrals",
    "/records/1/disclosures",
    "/records/1/intermediary-checks",
    "/records/1/tracing",
    "/records/1/archive-closed",
    "/records/1/appointments/1/cancel",
    "/records/1/appointments/1/email",
    "/records/1/referrals/1/agreement",
    "/records/1/disclosures/1/receipt",
    "/records/1/grants/1/renew",
    "/records/1/grants/1/revoke",
    "/links",
    "/links/1/change",
    "/links/1/messages",
    "/links/1/assign",
    "/links/1/documents",
    "/links/1/documents/1/share",
    "/sign-in",
    "/sign-in/code",
    "/sign-out",
    "/account/password",
    "/account/second-factor",
    "/admin/users/new",
    "/admin/users/1/role",
    "/admin/users/1/disable",
    "/admin/users/1/enable",
    "/admin/users/1/reset-second-factor",
    "/admin/users/1/reset-password",
    "/admin/agencies/new",
    "/admin/agencies/1/settings",
    "/admin/register-settings",
    "/admin/matching/settings",
    "/admin/api-tokens",
    "/admin/api-tokens/1/revoke",
    "/children/new",
    "/children/1/edit",
    "/children/1/children/new",
    "/children/1/children/1/edit",
    "/children/1/children/1/remove",
    "/children/1/acknowledge",
    "/children/1/status",
    "/children/1/reviewed",
    "/children/1/photos",
    "/children/1/photos/1/remove",
    "/search/children/save",
    "/households/new",
    "/households/1/edit",
    "/households/1/status",
    "/households/1/reviewed",
    "/households/1/acknowledge",
    "/households/1/photos",
    "/saved-searches/1/remove",
    "/events",
    "/events/1/edit",
    "/events/1/status",
    "/events/1/children",
    "/events/1/children/1/withdraw",
    "/events/1/bookings",
    "/events/1/bookings/1/cancel",
    "/events/1/bookings/1/attendance",
    "/events/1/interest",
];

/// Every page a signed-in person can ask for, with a sample path.
pub const PAGES: &[&str] = &[
    "/",
    "/records",
    "/records/new",
    "/records/1",
    "/records/1/locked-record",
    "/records/1/view-log",
    "/records/1/appointments/1/invitation.ics",
    "/links",
    "/links/new",
    "/links/1",
    "/links/1/documents/1",
    "/notifications",
    "/account",
    "/account/password",
    "/account/second-factor",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/1",
    "/admin/agencies",
    "/admin/agencies/new",
    "/admin/agencies/1/settings",
    "/admin/register-settings",
    "/admin/matching",
    "/admin/matching/settings",
    "/admin/audit",
    "/admin/api-tokens",
    "/children",
    "/children/new",
    "/children/1",
    "/children/1/edit",
    "/children/1/suggestions",
    "/children/1/children/new",
    "/children/1/children/1/edit",
    "/children/1/photos/1",
    "/search/children",
    "/saved-searches/1",
    "/households",
    "/households/new",
    "/households/1",
    "/households/1/edit",
    "/households/1/suggestions",
    "/households/1/photos/1",
    "/family",
    "/search/households",
    "/events",
    "/events/new",
    "/events/1",
    "/events/1/edit",
    "/events/1/print",
    "/events/1/calendar.ics",
];
