//! One's own account: password and second factor.

use super::{done, invalid, page};
use crate::AppState;
use crate::auth::{
    ChangingPassword, PartlySignedIn, SignedIn, hash_password, random_bytes, verify_password,
};
use crate::error::WebError;
use crate::view::{Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use kinlink_domain::account::check_new_password;
use kinlink_domain::policy::{self, Action};
use kinlink_domain::totp::TotpSecret;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Notice {
    done: Option<String>,
}

fn notice_text(done: Option<&str>) -> Option<String> {
    match done? {
        "password" => {
            Some("Your password has been changed. Your other sessions have been signed out.".into())
        }
        "second-factor" => Some(
            "Your authenticator app is set up. You will be asked for a code each time you sign in."
                .into(),
        ),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    c: Chrome,
    name: String,
    email: String,
    role_label: &'static str,
    agency_name: String,
    has_second_factor: bool,
    is_staff: bool,
}

pub async fn show(s: SignedIn, Query(q): Query<Notice>) -> Result<Response, WebError> {
    policy::authorize(s.actor(), Action::UseOwnAccount)?;
    page(&AccountPage {
        c: s.chrome("Your account", "/account")
            .with_notice(notice_text(q.done.as_deref())),
        name: s.user.name.clone(),
        email: s.user.email.clone(),
        role_label: s.user.role.label(),
        agency_name: s.agency.name.clone(),
        has_second_factor: s.user.has_second_factor(),
        is_staff: s.user.role.is_staff(),
    })
}

#[derive(Template)]
#[template(path = "account_password.html")]
pub struct PasswordPage {
    c: Chrome,
    errors: FormErrors,
    /// The person is holding a password someone else chose, and must replace it first.
    required: bool,
}

pub async fn password_form(s: ChangingPassword) -> Result<Response, WebError> {
    page(&PasswordPage {
        c: s.chrome("Change your password", "/account"),
        errors: FormErrors::default(),
        required: s.user.password_must_change,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    s: ChangingPassword,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    policy::authorize(s.actor(), Action::UseOwnAccount)?;
    let mut errors = FormErrors::default();
    if f.current_password.is_empty() {
        errors.add("current_password", "Enter your current password");
    } else if !verify_password(
        f.current_password.clone(),
        Some(s.user.password_hash.clone()),
    )
    .await
    {
        errors.add("current_password", "Your current password is not correct");
    }
    if let Err(e) = check_new_password(&f.new_password) {
        errors.add("new_password", e.0);
    } else if f.new_password == f.current_password {
        errors.add(
            "new_password",
            "Your new password must be different from your current one",
        );
    } else if f.confirm_password != f.new_password {
        errors.add("confirm_password", "The passwords do not match");
    }
    if !errors.is_empty() {
        let c = s
            .chrome("Change your password", "/account")
            .with_errors(&errors);
        let required = s.user.password_must_change;
        return invalid(&PasswordPage {
            c,
            errors,
            required,
        });
    }
    let hash = hash_password(f.new_password).await?;
    state
        .store
        .set_password(&s.who(), &s.user, &hash, Some(&s.session.token_hash))
        .await?;
    Ok(done("/account?done=password"))
}

#[derive(Template)]
#[template(path = "account_second_factor.html")]
pub struct SecondFactorPage {
    c: Chrome,
    errors: FormErrors,
    already: bool,
    required: bool,
    qr_svg: String,
    secret: String,
}

/// Enrolment: a new secret is kept on the session until the person proves, with a code from
/// their app, that they have stored it.
pub async fn second_factor_form(
    State(state): State<AppState>,
    s: PartlySignedIn,
) -> Result<Response, WebError> {
    if !s.session.second_factor_done {
        return Err(WebError::SecondFactorNeeded);
    }
    if s.user.has_second_factor() {
        return enrol_page(&s, FormErrors::default(), None);
    }
    let secret = match s
        .session
        .pending_totp_secret
        .as_deref()
        .and_then(TotpSecret::from_base32)
    {
        Some(existing) => existing,
        None => {
            let fresh = TotpSecret::from_bytes(random_bytes(20)?);
            state
                .store
                .set_pending_totp_secret(&s.session.token_hash, Some(&fresh.to_base32()))
                .await?;
            fresh
        }
    };
    enrol_page(&s, FormErrors::default(), Some(&secret))
}

fn enrol_page(
    s: &PartlySignedIn,
    errors: FormErrors,
    secret: Option<&TotpSecret>,
) -> Result<Response, WebError> {
    let (qr_svg, text) = match secret {
        Some(secret) => {
            let uri = secret.provisioning_uri("Kinlink", &s.user.email);
            let svg = qrcode::QrCode::new(uri.as_bytes())
                .map_err(|e| WebError::Internal(format!("QR code: {e}")))?
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            // The SVG is generated here from our own data; strip its XML prolog to inline it.
            let svg = svg.find("<svg").map(|i| svg[i..].to_owned()).unwrap_or(svg);
            let svg = svg.replacen(
                "<svg",
                "<svg role=\"img\" aria-label=\"QR code for your authenticator app\"",
                1,
            );
            (svg, grouped(&secret.to_base32()))
        }
        None => (String::new(), String::new()),
    };
    let c = s
        .chrome("Set up an authenticator app", "/account")
        .with_errors(&errors);
    let status_page = SecondFactorPage {
        c,
        errors,
        already: s.user.has_second_factor(),
        required: s.must_enrol(),
        qr_svg,
        secret: text,
    };
    if status_page.errors.is_empty() {
        page(&status_page)
    } else {
        invalid(&status_page)
    }
}

#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    code: String,
}

pub async fn second_factor_submit(
    State(state): State<AppState>,
    s: PartlySignedIn,
    Form(f): Form<EnrolForm>,
) -> Result<Response, WebError> {
    if !s.session.second_factor_done {
        return Err(WebError::SecondFactorNeeded);
    }
    policy::authorize(s.actor(), Action::UseOwnAccount)?;
    if s.user.has_second_factor() {
        return Ok(done("/account"));
    }
    let Some(secret) = s
        .session
        .pending_totp_secret
        .as_deref()
        .and_then(TotpSecret::from_base32)
    else {
        return Ok(done("/account/second-factor"));
    };
    let mut errors = FormErrors::default();
    let step = secret.verify(&f.code, state.store.now(), None);
    match step {
        Some(step) => {
            state
                .store
                .enable_second_factor(
                    &s.who(),
                    &s.user,
                    &secret.to_base32(),
                    step,
                    &s.session.token_hash,
                )
                .await?;
            Ok(done("/account?done=second-factor"))
        }
        None => {
            if f.code.trim().is_empty() {
                errors.add("code", "Enter the 6-digit code from your authenticator app");
            } else {
                errors.add("code", "The code is not correct. Check the time on your phone is right and enter the code your app shows now");
            }
            enrol_page(&s, errors, Some(&secret))
        }
    }
}

/// The key in groups of four, as authenticator apps show it: easier to type correctly.
fn grouped(key: &str) -> String {
    key.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
