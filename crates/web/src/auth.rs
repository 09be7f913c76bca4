//! Who is making a request: the session behind the cookie (checked for idle and absolute
//! timeouts, a disabled account and a pending second factor), or an API token.
//! Secrets here — session tokens, API tokens, passwords — are stored only as hashes.

use crate::AppState;
use crate::error::WebError;
use crate::view::{Chrome, ChromeUser, nav_for};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use kinlink_domain::policy::{self, Action, Actor, Denied, Permit};
use kinlink_domain::secret::Secret;
use kinlink_store::{Agency, Session, StoreError, User, Who};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::OnceLock;

/// Asks the policy whether `actor` may do `action`; a refusal is audited (under `who`, in the
/// actor's agency) before it becomes the caller's 403, for the pages and the API alike.
pub async fn authorize_audited<E: From<Denied> + From<StoreError>>(
    state: &AppState,
    actor: Actor,
    who: &Who,
    action: Action,
) -> Result<Permit, E> {
    match policy::authorize(actor, action) {
        Ok(permit) => Ok(permit),
        Err(denied) => {
            state
                .store
                .record_refusal(who, actor.agency_id, action, denied)
                .await?;
            Err(denied.into())
        }
    }
}

/// 32 random bytes as URL-safe text: session tokens, CSRF tokens, API tokens.
pub fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
    Ok(data_encoding::BASE64URL_NOPAD.encode(&bytes))
}

pub fn random_bytes(n: usize) -> Result<Vec<u8>, WebError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
    Ok(bytes)
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

pub async fn hash_password(password: String) -> Result<Secret, WebError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&random_bytes(16)?)
            .map_err(|e| WebError::Internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| Secret::new(h.to_string()))
            .map_err(|e| WebError::Internal(format!("hashing: {e}")))
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
}

/// Checks a password. Without a user, still spends the same effort on a dummy hash, so the
/// time taken does not tell whether an account exists.
pub async fn verify_password(password: String, hash: Option<Secret>) -> bool {
    tokio::task::spawn_blocking(move || {
        let dummy = dummy_hash();
        let stored = hash.as_ref().map(|h| h.expose()).unwrap_or(dummy);
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && hash.is_some()
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::encode_b64(b"kinlink-dummy-salt").ok();
        salt.and_then(|s| {
            Argon2::default()
                .hash_password(b"not a password anyone has", &s)
                .ok()
                .map(|h| h.to_string())
        })
        .unwrap_or_default()
    })
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Where a request came from: the peer address, or the first `X-Forwarded-For` address when
/// the service is configured to trust its proxy.
pub fn origin(parts: &Parts, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(first) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        let first = first.trim();
        if !first.is_empty() {
            return first.to_owned();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The steps after the password, in the order a person goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The authenticator code, then (where the agency requires one) enrolling an authenticator.
    Enrolment,
    /// Replacing a password someone else chose.
    OwnPassword,
}

/// A live session whose second factor may still be pending.
pub struct PartlySignedIn {
    pub user: User,
    pub agency: Agency,
    pub session: Session,
    pub origin: String,
    pub unread: i64,
}

impl PartlySignedIn {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }
    pub fn who(&self) -> Who {
        Who::person(self.actor(), self.origin.clone())
    }
    /// Checks the steps of signing in, in order, up to `last`; the error sends the person to
    /// the first step they have not done.
    pub fn signed_in_up_to(&self, last: Step) -> Result<(), WebError> {
        if !self.session.second_factor_done {
            return Err(WebError::SecondFactorNeeded);
        }
        if self.must_enrol() {
            return Err(WebError::EnrolmentNeeded);
        }
        if last == Step::OwnPassword && self.user.password_must_change {
            return Err(WebError::PasswordChangeNeeded);
        }
        Ok(())
    }

    /// Staff of an agency that requires a second factor must enrol before anything else.
    pub fn must_enrol(&self) -> bool {
        self.agency.mfa_required && self.user.role.is_staff() && !self.user.has_second_factor()
    }
    pub fn chrome(&self, title: &str, current: &str) -> Chrome {
        let complete = self.session.second_factor_done
            && !self.must_enrol()
            && !self.user.password_must_change;
        Chrome {
            title: title.to_owned(),
            user: Some(ChromeUser {
                name: self.user.name.clone(),
                role_label: self.user.role.label(),
                agency_name: self.agency.name.clone(),
            }),
            nav: if complete {
                nav_for(self.actor(), current)
            } else {
                Vec::new()
            },
            csrf: self.session.csrf_token.clone(),
            notice: None,
            has_errors: false,
            unread: self.unread,
        }
    }
}

impl FromRequestParts<AppState> for PartlySignedIn {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(found) = parts.extensions.get::<SessionLookup>() {
            return found
                .0
                .clone()
                .map(|s| s.into_partly())
                .ok_or(WebError::NotSignedIn);
        }
        let found = load_session(parts, state).await?;
        parts.extensions.insert(SessionLookup(found.clone()));
        found.map(|s| s.into_partly()).ok_or(WebError::NotSignedIn)
    }
}

/// A fully signed-in person: live session, enabled account, second factor passed if needed.
pub struct SignedIn(pub PartlySignedIn);

impl std::ops::Deref for SignedIn {
    type Target = PartlySignedIn;
    fn deref(&self) -> &PartlySignedIn {
        &self.0
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let partly = PartlySignedIn::from_request_parts(parts, state).await?;
        partly.signed_in_up_to(Step::OwnPassword)?;
        Ok(SignedIn(partly))
    }
}

/// Signed in far enough to change one's password: second factor passed (and enrolled where
/// the agency requires it), but perhaps still holding a password someone else chose.
pub struct ChangingPassword(pub PartlySignedIn);

impl std::ops::Deref for ChangingPassword {
    type Target = PartlySignedIn;
    fn deref(&self) -> &PartlySignedIn {
        &self.0
    }
}

impl FromRequestParts<AppState> for ChangingPassword {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let partly = PartlySignedIn::from_request_parts(parts, state).await?;
        partly.signed_in_up_to(Step::Enrolment)?;
        Ok(ChangingPassword(partly))
    }
}

/// The session found for this request, cached in the request's extensions so that the CSRF
/// check and the handler look it up once.
#[derive(Clone)]
pub struct SessionLookup(pub Option<LoadedSession>);

#[derive(Clone)]
pub struct LoadedSession {
    pub user: User,
    pub agency: Agency,
    pub session: Session,
    pub origin: String,
    pub unread: i64,
}

impl LoadedSession {
    fn into_partly(self) -> PartlySignedIn {
        PartlySignedIn {
            user: self.user,
            agency: self.agency,
            session: self.session,
            origin: self.origin,
            unread: self.unread,
        }
    }
}

/// Finds and checks the session behind the request's cookie. An expired session is ended
/// (and audited) here; a disabled account's session too.
pub async fn load_session(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<LoadedSession>, WebError> {
    let Some(token) = cookie(&parts.headers, state.config.session_cookie()) else {
        return Ok(None);
    };
    let hash = token_hash(token);
    let Some((session, user)) = state.store.session(&hash).await? else {
        return Ok(None);
    };
    let origin = origin(parts, state.config.trust_forwarded_for);
    let now = state.store.now();
    let who = Who::person(user.actor(), origin.clone());
    if user.is_disabled() {
        state
            .store
            .end_session(&who, &user, &hash, "account disabled")
            .await?;
        return Ok(None);
    }
    if !state
        .config
        .sessions
        .is_live(session.created_at, session.last_seen_at, now)
    {
        state
            .store
            .end_session(&who, &user, &hash, "timed out")
            .await?;
        return Err(WebError::SessionExpired);
    }
    state.store.touch_session(&hash).await?;
    let agency = state.store.agency(user.agency_id).await?;
    let unread = state.store.unread_notifications(user.id).await?;
    Ok(Some(LoadedSession {
        user,
        agency,
        session,
        origin,
        unread,
    }))
}
