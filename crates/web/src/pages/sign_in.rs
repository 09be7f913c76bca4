//! Signing in and out: password, then (for staff who have one) the authenticator code.

use super::{done, page, render};
use crate::AppState;
use crate::auth::{
    PartlySignedIn, SessionLookup, cookie, load_session, origin, random_token, token_hash,
    verify_password,
};
use crate::error::WebError;
use crate::view::{Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use kinlink_domain::totp::TotpSecret;
use kinlink_store::{NewSession, Who};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    c: Chrome,
    errors: FormErrors,
    email: String,
    expired: bool,
}

#[derive(Deserialize, Default)]
pub struct SignInQuery {
    expired: Option<String>,
}

/// The sign-in form. Sets the pre-sign-in CSRF cookie if the browser has none.
pub async fn form(
    State(state): State<AppState>,
    Query(q): Query<SignInQuery>,
    parts: Parts,
) -> Result<Response, WebError> {
    // Already signed in (perhaps in another tab): nothing to do here.
    if let Ok(Some(_)) = load_session(&parts, &state).await {
        return Ok(done("/"));
    }
    let (token, set_cookie) = csrf_cookie(&state, &parts)?;
    let mut c = Chrome::bare("Sign in");
    c.csrf = token;
    let mut res = page(&SignInPage {
        c,
        errors: FormErrors::default(),
        email: String::new(),
        expired: q.expired.is_some(),
    })?;
    if let Some(v) = set_cookie {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

fn csrf_cookie(state: &AppState, parts: &Parts) -> Result<(String, Option<HeaderValue>), WebError> {
    if let Some(existing) = cookie(&parts.headers, state.config.csrf_cookie()) {
        return Ok((existing.to_owned(), None));
    }
    let token = random_token()?;
    let value = format!(
        "{}={token}{}",
        state.config.csrf_cookie(),
        state.config.cookie_attributes()
    );
    let header = HeaderValue::from_str(&value).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((token, Some(header)))
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

pub async fn submit(
    State(state): State<AppState>,
    parts: Parts,
    Form(f): Form<SignInForm>,
) -> Result<Response, WebError> {
    let origin = origin(&parts, state.config.trust_forwarded_for);
    let who = Who::anonymous(origin.clone());
    let email = f.email.trim().to_lowercase();
    let show = |errors: FormErrors, status: StatusCode| -> Result<Response, WebError> {
        let mut c = Chrome::bare("Sign in").with_errors(&errors);
        c.csrf = f.csrf_token.clone();
        render(
            status,
            &SignInPage {
                c,
                errors,
                email: f.email.trim().to_owned(),
                expired: false,
            },
        )
    };
    let mut errors = FormErrors::default();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    }
    if f.password.is_empty() {
        errors.add("password", "Enter your password");
    }
    if !errors.is_empty() {
        return show(errors, StatusCode::UNPROCESSABLE_ENTITY);
    }

    let throttle = state.config.throttle;
    let since = state.store.now() - throttle.window_seconds;
    let (by_account, by_address) = state.store.sign_in_failures(&email, &origin, since).await?;
    if !throttle.allows(by_account, by_address) {
        let mut errors = FormErrors::default();
        errors.add(
            "email",
            format!("There have been too many failed attempts to sign in. Wait {} minutes and try again, or ask your agency's Kinlink administrator for help", throttle.window_seconds / 60),
        );
        return show(errors, StatusCode::TOO_MANY_REQUESTS);
    }

    let user = state.store.user_by_email(&email).await?;
    let password_ok = verify_password(
        f.password.clone(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let user = match user {
        Some(u) if password_ok && !u.is_disabled() => u,
        Some(u) if password_ok => {
            state
                .store
                .record_sign_in_failure(&who, &email, Some(&u))
                .await?;
            let mut errors = FormErrors::default();
            errors.add("email", "This account has been disabled. Ask your agency's Kinlink administrator if you need it again");
            return show(errors, StatusCode::FORBIDDEN);
        }
        other => {
            state
                .store
                .record_sign_in_failure(&who, &email, other.as_ref())
                .await?;
            let mut errors = FormErrors::default();
            errors.add("email", "Enter a correct email address and password");
            return show(errors, StatusCode::UNAUTHORIZED);
        }
    };

    let agency = state.store.agency(user.agency_id).await?;
    // A session this browser already had ends: each sign-in starts a fresh one.
    if let Some(SessionLookup(Some(previous))) = parts.extensions.get::<SessionLookup>() {
        let who = Who::person(previous.user.actor(), origin.clone());
        state
            .store
            .end_session(
                &who,
                &previous.user,
                &previous.session.token_hash,
                "replaced by a new sign-in",
            )
            .await?;
    }
    let needs_code = user.has_second_factor();
    let token = random_token()?;
    let session = NewSession {
        token_hash: token_hash(&token),
        csrf_token: random_token()?,
        second_factor_done: !needs_code,
    };
    state
        .store
        .create_session(&Who::person(user.actor(), origin), &user, &session)
        .await?;
    let next = if needs_code {
        "/sign-in/code"
    } else if agency.mfa_required && user.role.is_staff() {
        "/account/second-factor"
    } else {
        "/"
    };
    let mut res = done(next);
    let cookie = format!(
        "{}={token}{}",
        state.config.session_cookie(),
        state.config.cookie_attributes()
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| WebError::Internal(e.to_string()))?,
    );
    Ok(res)
}

pub async fn sign_out(
    State(state): State<AppState>,
    who: Result<PartlySignedIn, WebError>,
) -> Result<Response, WebError> {
    if let Ok(s) = who {
        state
            .store
            .end_session(&s.who(), &s.user, &s.session.token_hash, "signed out")
            .await?;
    }
    let mut res = done("/sign-in");
    let clear = format!(
        "{}={}; Max-Age=0",
        state.config.session_cookie(),
        state.config.cookie_attributes()
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear).map_err(|e| WebError::Internal(e.to_string()))?,
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "sign_in_code.html")]
pub struct CodePage {
    c: Chrome,
    errors: FormErrors,
}

pub async fn code_form(s: PartlySignedIn) -> Result<Response, WebError> {
    if s.session.second_factor_done {
        return Ok(done("/"));
    }
    page(&CodePage {
        c: s.chrome("Enter the code from your authenticator app", "/"),
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn code_submit(
    State(state): State<AppState>,
    s: PartlySignedIn,
    Form(f): Form<CodeForm>,
) -> Result<Response, WebError> {
    if s.session.second_factor_done {
        return Ok(done("/"));
    }
    let show = |message: String, status: StatusCode| -> Result<Response, WebError> {
        let mut errors = FormErrors::default();
        errors.add("code", message);
        let c = s
            .chrome("Enter the code from your authenticator app", "/")
            .with_errors(&errors);
        render(status, &CodePage { c, errors })
    };
    let throttle = state.config.throttle;
    let since = state.store.now() - throttle.window_seconds;
    let (by_account, by_address) = state
        .store
        .sign_in_failures(&s.user.email, &s.origin, since)
        .await?;
    if !throttle.allows(by_account, by_address) {
        return show(
            format!(
                "There have been too many failed attempts. Wait {} minutes and try again",
                throttle.window_seconds / 60
            ),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    if f.code.trim().is_empty() {
        return show(
            "Enter the 6-digit code from your authenticator app".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let secret = s
        .user
        .totp_secret
        .as_deref()
        .and_then(TotpSecret::from_base32);
    let step =
        secret.and_then(|secret| secret.verify(&f.code, state.store.now(), s.user.totp_last_step));
    match step {
        Some(step)
            if state
                .store
                .complete_second_factor(&s.who(), &s.user, &s.session.token_hash, step)
                .await? =>
        {
            Ok(done("/"))
        }
        _ => {
            state
                .store
                .record_sign_in_failure(&s.who(), &s.user.email, Some(&s.user))
                .await?;
            show("The code is not correct or has already been used. Enter the code your app shows now".into(), StatusCode::UNAUTHORIZED)
        }
    }
}
