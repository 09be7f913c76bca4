//! The HTML pages, one module per area. Each handler: who is asking (an extractor), what the
//! policy says, what the store does, which template shows it.

pub mod account;
pub mod agencies;
pub mod audit;
pub mod children;
pub mod dashboard;
pub mod events;
pub mod households;
pub mod links;
pub mod matching;
pub mod ops;
pub mod records;
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

/// A page shown again after what the user asked was refused: 422, nothing changed.
pub fn unprocessable(mut page: Response) -> Response {
    *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    page
}

/// What to tell someone whose change to a profile's status was refused; errors that are not a
/// refusal pass on.
pub fn refusal_message(err: kinlink_store::StoreError) -> Result<String, WebError> {
    use kinlink_store::StoreError;
    match err {
        StoreError::Invalid(problems) => Ok(problems
            .into_iter()
            .next()
            .map(|p| p.message)
            .unwrap_or_default()),
        StoreError::Rule(rule) => Ok(capitalised(&rule.to_string())),
        StoreError::Link(refusal) => {
            let mut m = capitalised(&refusal.to_string());
            let open = refusal.open_links();
            if !open.is_empty() {
                let names: Vec<String> = open
                    .iter()
                    .map(|l| {
                        format!(
                            "{} with {} ({})",
                            l.children,
                            l.household,
                            l.state.label().to_lowercase()
                        )
                    })
                    .collect();
                m.push_str(". Open now: ");
                m.push_str(&names.join("; "));
            }
            Ok(m)
        }
        StoreError::Forbidden(denied) => Ok(capitalised(&denied.to_string())),
        StoreError::Records(rule) => Ok(capitalised(&rule.to_string())),
        StoreError::Event(rule) => Ok(capitalised(&rule.to_string())),
        StoreError::Conflict(_) => Ok(
            "Someone else changed this profile at the same time. Check it and try again.".into(),
        ),
        e => Err(e.into()),
    }
}

/// A rule's message as the start of a sentence.
pub fn capitalised(m: &str) -> String {
    m.get(..1).map_or(m.to_owned(), |f| {
        f.to_uppercase() + m.get(1..).unwrap_or_default()
    })
}
