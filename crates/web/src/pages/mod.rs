//! The HTML pages, one module per area. Each handler: who is asking (an extractor), what the
//! policy says, what the store does, which template shows it.

pub mod account;
pub mod agencies;
pub mod audit;
pub mod children;
pub mod dashboard;
pub mod households;
pub mod ops;
pub mod register;
pub mod search;
pub mod sign_in;
pub mod tokens;
pub mod users;

use crate::error::WebError;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Renders a page with a status.
pub fn render(status: StatusCode, page: &impl Template) -> Result<Response, WebError> {
    let html = page.render()?;
    Ok((
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response())
}

pub fn page(page: &impl Template) -> Result<Response, WebError> {
    render(StatusCode::OK, page)
}

/// A form that failed validation: shown again with its errors, and nothing stored.
pub fn invalid(page: &impl Template) -> Result<Response, WebError> {
    render(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// See-other redirect after a successful POST.
pub fn done(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}
