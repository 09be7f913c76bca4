//! The web layer's one error type, turned into a response in one place: people get a page in
//! the service's style with a clear message; logs get the cause; nobody gets a stack trace.

use crate::view::{Chrome, MessagePage};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kinlink_domain::policy::Denied;
use kinlink_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not signed in")]
    NotSignedIn,
    #[error("session expired")]
    SessionExpired,
    #[error("second factor needed")]
    SecondFactorNeeded,
    #[error("second factor enrolment needed")]
    EnrolmentNeeded,
    #[error("the password must be changed first")]
    PasswordChangeNeeded,
    #[error("forbidden: {0}")]
    Forbidden(Denied),
    #[error("not found")]
    NotFound,
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("database unavailable")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Forbidden(denied) => WebError::Forbidden(denied),
            e if e.is_unavailable() => {
                tracing::warn!(error = %e, "database unavailable");
                WebError::Unavailable
            }
            e => WebError::Internal(e.to_string()),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(format!("template: {e}"))
    }
}

impl From<Denied> for WebError {
    fn from(d: Denied) -> Self {
        WebError::Forbidden(d)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, paragraphs): (StatusCode, &str, Vec<String>) = match &self {
            WebError::NotSignedIn => return Redirect::to("/sign-in").into_response(),
            WebError::SessionExpired => return Redirect::to("/sign-in?expired=1").into_response(),
            WebError::SecondFactorNeeded => return Redirect::to("/sign-in/code").into_response(),
            WebError::EnrolmentNeeded => return Redirect::to("/account/second-factor").into_response(),
            WebError::PasswordChangeNeeded => return Redirect::to("/account/password").into_response(),
            WebError::Forbidden(denied) => (
                StatusCode::FORBIDDEN,
                "You do not have permission to do this",
                vec![format!("Kinlink did not allow this: {denied}."), "If you think you should be able to, ask your agency's Kinlink administrator.".into()],
            ),
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                vec!["If you typed the web address, check it is correct.".into(), "If you followed a link, the page may have moved or you may not have access to it.".into()],
            ),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form could not be accepted",
                vec!["The form had expired or did not come from Kinlink, so nothing was changed.".into(), "Go back, reload the page and try again.".into()],
            ),
            WebError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "What you sent is too large",
                vec!["Nothing was changed. Send less and try again.".into()],
            ),
            WebError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, Kinlink is unavailable",
                vec!["Kinlink cannot reach its database at the moment. Nothing you were doing has been half-saved.".into(), "Try again in a few minutes.".into()],
            ),
            WebError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, there is a problem with Kinlink",
                    vec!["Nothing was changed. Try again later.".into(), "If it keeps happening, tell your agency's Kinlink administrator the time it happened.".into()],
                )
            }
        };
        message_response(status, title, paragraphs)
    }
}

pub fn message_response(status: StatusCode, title: &str, paragraphs: Vec<String>) -> Response {
    let page = MessagePage {
        c: Chrome::bare(title),
        heading: title.to_owned(),
        paragraphs,
        link: Some(("/".to_owned(), "Go to the start page".to_owned())),
    };
    match askama::Template::render(&page) {
        Ok(html) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            html,
        )
            .into_response(),
        Err(_) => (status, title.to_owned()).into_response(),
    }
}

/// A panic in a handler becomes the 500 page; the panic itself goes to the log only.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "handler panicked");
    WebError::Internal("panic".into()).into_response()
}
