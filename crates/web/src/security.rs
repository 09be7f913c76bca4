//! Request-wide protections: security headers on every response, and the CSRF check on every
//! state-changing request — done here once, so no handler can forget it.

use crate::AppState;
use crate::auth::{SessionLookup, cookie, load_session};
use crate::error::WebError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/assets/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    // `same-origin`, not `no-referrer`: with `no-referrer` browsers send `Origin: null` on
    // same-site form posts, which the CSRF check must refuse. Nothing leaks to other sites.
    set(h, header::REFERRER_POLICY, "same-origin");
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if state.config.behind_tls {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    if is_asset {
        set(h, header::CACHE_CONTROL, "public, max-age=3600");
    } else {
        // Pages hold confidential information: never kept in a shared or browser cache.
        set(h, header::CACHE_CONTROL, "no-store");
    }
    res
}

/// Refuses a state-changing request unless its `csrf_token` (form field or `X-CSRF-Token`
/// header) matches the session's token — or, before signing in, the token in the CSRF cookie.
/// A request from another site's page (by its `Origin` header) is refused outright.
/// The JSON API is exempt: it authenticates by bearer token only, never by cookie.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || req.uri().path().starts_with("/api/")
    {
        return next.run(req).await;
    }
    if !same_origin(&req) {
        return WebError::Csrf.into_response();
    }
    let (mut parts, body) = req.into_parts();
    // A photo upload is larger than any form, and multipart: its token comes in the query string
    // (the upload form's action), and the body passes through for the handler to read.
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let limit = if multipart {
        crate::PHOTO_BODY_BYTES
    } else {
        state.config.max_body_bytes
    };
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return WebError::PayloadTooLarge.into_response();
    };
    let lookup = match load_session(&parts, &state).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    // Signed in: the session's token. Not signed in: the CSRF cookie's. The sign-in form takes
    // the cookie's token even when a session exists (signed in meanwhile in another tab).
    let cookie_token = cookie(&parts.headers, state.config.csrf_cookie()).map(str::to_owned);
    let session_token = lookup.as_ref().map(|s| s.session.csrf_token.clone());
    let expected: Vec<String> = match session_token {
        Some(t) if parts.uri.path() == "/sign-in" => {
            [Some(t), cookie_token].into_iter().flatten().collect()
        }
        Some(t) => vec![t],
        None => cookie_token.into_iter().collect(),
    };
    parts.extensions.insert(SessionLookup(lookup));
    let sent = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            if multipart {
                query_field(parts.uri.query().unwrap_or_default(), "csrf_token")
            } else {
                form_field(&parts.headers, &bytes, "csrf_token")
            }
        });
    let valid = sent.is_some_and(|sent| {
        expected
            .iter()
            .any(|e| !e.is_empty() && constant_time_eq(e.as_bytes(), sent.as_bytes()))
    });
    if valid {
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    } else {
        tracing::info!(path = %parts.uri.path(), "refused a request without a valid CSRF token");
        WebError::Csrf.into_response()
    }
}

fn same_origin(req: &Request) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

fn form_field(headers: &axum::http::HeaderMap, body: &[u8], name: &str) -> Option<String> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn query_field(query: &str, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
