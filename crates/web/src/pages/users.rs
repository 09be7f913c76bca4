//! User administration: agency administrators for their own agency, register administrators
//! for any (someone must create an agency's first administrator).

use super::{done, invalid, page};
use crate::AppState;
use crate::auth::{SignedIn, hash_password, random_bytes};
use crate::error::WebError;
use crate::view::{Choice, Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kinlink_domain::Role;
use kinlink_domain::account::{Email, check_display_name};
use kinlink_domain::policy::{self, Action, Permit, TargetUser};
use kinlink_store::{Agency, NewUser, StoreError, User};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct AgencyQuery {
    agency: Option<i64>,
    done: Option<String>,
}

pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub status: &'static str,
    pub second_factor: &'static str,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    c: Chrome,
    agency: Agency,
    agencies: Vec<Choice>,
    rows: Vec<UserRow>,
    can_create: bool,
}

/// The agency a page is about: the one asked for, or one's own.
async fn agency_in_question(
    state: &AppState,
    s: &SignedIn,
    asked: Option<i64>,
) -> Result<Agency, WebError> {
    let id = asked.unwrap_or(s.user.agency_id);
    match state.store.agency(id).await {
        Err(StoreError::NotFound) => Err(WebError::NotFound),
        other => Ok(other?),
    }
}

pub async fn list(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, WebError> {
    let agency = agency_in_question(&state, &s, q.agency).await?;
    let permit = policy::authorize(s.actor(), Action::ListUsers { agency: agency.id })?;
    let users = state.store.users_of_agency(&permit).await?;
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            status: if u.is_disabled() {
                "Disabled"
            } else {
                "Active"
            },
            second_factor: if !u.role.is_staff() {
                "Not needed"
            } else if u.has_second_factor() {
                "Set up"
            } else {
                "Not set up"
            },
            role: u.role.label(),
            name: u.name,
            email: u.email,
        })
        .collect();
    let agencies = if policy::allows(s.actor(), Action::ViewAgencies) {
        state
            .store
            .agencies()
            .await?
            .into_iter()
            .map(|a| Choice::new(a.id.to_string(), a.name))
            .collect()
    } else {
        Vec::new()
    };
    let notice = match q.done.as_deref() {
        Some("disabled") => {
            Some("The account has been disabled and its sessions ended.".to_owned())
        }
        _ => None,
    };
    let can_create = !policy::assignable_roles(s.actor(), agency.kind).is_empty();
    page(&UsersPage {
        c: s.chrome(&format!("Users – {}", agency.name), "/admin/users")
            .with_notice(notice),
        agency,
        agencies,
        rows,
        can_create,
    })
}

#[derive(Template)]
#[template(path = "user_new.html")]
pub struct NewUserPage {
    c: Chrome,
    errors: FormErrors,
    agency: Agency,
    roles: Vec<Choice>,
    name: String,
    email: String,
    role: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, WebError> {
    let agency = agency_in_question(&state, &s, q.agency).await?;
    policy::authorize(s.actor(), Action::ListUsers { agency: agency.id })?;
    let roles = role_choices(&s, &agency);
    page(&NewUserPage {
        c: s.chrome("Add a user", "/admin/users"),
        errors: FormErrors::default(),
        agency,
        roles,
        name: String::new(),
        email: String::new(),
        role: String::new(),
    })
}

fn role_choices(s: &SignedIn, agency: &Agency) -> Vec<Choice> {
    let mut choices = vec![Choice::new("", "Choose a role")];
    choices.extend(
        policy::assignable_roles(s.actor(), agency.kind)
            .into_iter()
            .map(|r| Choice::new(r.as_str(), r.label())),
    );
    choices
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    agency: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

#[derive(Template)]
#[template(path = "user_created.html")]
pub struct CreatedPage {
    c: Chrome,
    user: User,
    password: String,
    /// A new password for an existing account, rather than a new account.
    reset: bool,
}

pub async fn new_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Form(f): Form<NewUserForm>,
) -> Result<Response, WebError> {
    let agency = agency_in_question(&state, &s, Some(f.agency)).await?;
    policy::authorize(s.actor(), Action::ListUsers { agency: agency.id })?;
    let mut errors = FormErrors::default();
    let name = check_display_name(&f.name)
        .map_err(|e| errors.add("name", e.0))
        .ok();
    let email = Email::parse(&f.email)
        .map_err(|e| errors.add("email", e.0))
        .ok();
    let role = f
        .role
        .parse::<Role>()
        .ok()
        .filter(|r| policy::assignable_roles(s.actor(), agency.kind).contains(r));
    if role.is_none() {
        errors.add("role", "Choose a role");
    }
    let permit = match role {
        Some(role) => Some(policy::authorize(
            s.actor(),
            Action::CreateUser {
                agency: agency.id,
                agency_kind: agency.kind,
                role,
            },
        )?),
        None => None,
    };
    let (Some(name), Some(email), Some(role), Some(permit)) = (name, email, role, permit) else {
        return show_new_form(&s, errors, agency, f);
    };
    let password = generated_password()?;
    let new = NewUser {
        email: email.as_str().to_owned(),
        name,
        role,
        agency_id: agency.id,
        household_id: None,
        password_hash: hash_password(password.clone()).await?,
        password_must_change: true,
    };
    match state.store.create_user(&permit, &s.who(), &new).await {
        Ok(user) => page(&CreatedPage {
            c: s.chrome("User added", "/admin/users"),
            user,
            password,
            reset: false,
        }),
        Err(StoreError::Conflict(_)) => {
            errors.add(
                "email",
                "Someone already uses this email address on Kinlink",
            );
            show_new_form(&s, errors, agency, f)
        }
        Err(e) => Err(e.into()),
    }
}

fn show_new_form(
    s: &SignedIn,
    errors: FormErrors,
    agency: Agency,
    f: NewUserForm,
) -> Result<Response, WebError> {
    let roles = role_choices(s, &agency);
    let c = s.chrome("Add a user", "/admin/users").with_errors(&errors);
    invalid(&NewUserPage {
        c,
        errors,
        agency,
        roles,
        name: f.name,
        email: f.email,
        role: f.role,
    })
}

/// A first password, shown once to the administrator to pass on: four groups of letters and
/// digits (about 95 bits), easy to read out and type.
pub fn generated_password() -> Result<String, WebError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes = random_bytes(20)?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    Ok(chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

#[derive(Template)]
#[template(path = "user.html")]
pub struct UserPage {
    c: Chrome,
    user: User,
    agency: Agency,
    roles: Vec<Choice>,
    can_change_role: bool,
    can_disable: bool,
    can_reset: bool,
    can_reset_password: bool,
    errors: FormErrors,
}

async fn target(
    state: &AppState,
    s: &SignedIn,
    id: i64,
) -> Result<(User, Agency, TargetUser), WebError> {
    let user = state.store.user(id).await?;
    let agency = state.store.agency(user.agency_id).await?;
    // Someone outside the user's agency is not told the account exists.
    if !policy::allows(s.actor(), Action::ListUsers { agency: agency.id }) {
        return Err(WebError::NotFound);
    }
    let t = TargetUser {
        user_id: user.id,
        role: user.role,
        agency_id: agency.id,
        agency_kind: agency.kind,
    };
    Ok((user, agency, t))
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, WebError> {
    let (user, agency, t) = target(&state, &s, id).await?;
    let notice = match q.done.as_deref() {
        Some("role") => Some("The role has been changed.".to_owned()),
        Some("enabled") => Some("The account has been enabled again.".to_owned()),
        Some("disabled") => Some("The account has been disabled and its sessions ended.".to_owned()),
        Some("reset") => Some("The authenticator app has been reset. They will set it up again when they next sign in.".to_owned()),
        _ => None,
    };
    user_page(&s, user, agency, t, FormErrors::default(), notice)
}

fn user_page(
    s: &SignedIn,
    user: User,
    agency: Agency,
    t: TargetUser,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let actor = s.actor();
    let roles = policy::assignable_roles(actor, agency.kind)
        .into_iter()
        .map(|r| Choice::new(r.as_str(), r.label()))
        .collect();
    let can_change_role = user.role != Role::Adopter
        && policy::allows(
            actor,
            Action::ChangeRole {
                target: t,
                to: user.role,
            },
        );
    let can_disable = policy::allows(actor, Action::DisableUser { target: t });
    let can_reset =
        user.has_second_factor() && policy::allows(actor, Action::ResetSecondFactor { target: t });
    let can_reset_password = policy::allows(actor, Action::ResetPassword { target: t });
    let c = s
        .chrome(&user.name, "/admin/users")
        .with_notice(notice)
        .with_errors(&errors);
    let p = UserPage {
        c,
        user,
        agency,
        roles,
        can_change_role,
        can_disable,
        can_reset,
        can_reset_password,
        errors,
    };
    if p.errors.is_empty() {
        page(&p)
    } else {
        invalid(&p)
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Result<Response, WebError> {
    let (user, agency, t) = target(&state, &s, id).await?;
    let Ok(to) = f.role.parse::<Role>() else {
        let mut errors = FormErrors::default();
        errors.add("role", "Choose a role");
        return user_page(&s, user, agency, t, errors, None);
    };
    let permit = policy::authorize(s.actor(), Action::ChangeRole { target: t, to })?;
    if to != user.role {
        state
            .store
            .set_user_role(&permit, &s.who(), &user, to)
            .await?;
    }
    Ok(done(&format!("/admin/users/{id}?done=role")))
}

async fn act(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    make: fn(TargetUser) -> Action,
) -> Result<(User, Permit), WebError> {
    let (user, _, t) = target(state, s, id).await?;
    let permit = policy::authorize(s.actor(), make(t))?;
    Ok((user, permit))
}

pub async fn disable(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (user, permit) = act(&state, &s, id, |target| Action::DisableUser { target }).await?;
    if !user.is_disabled() {
        state
            .store
            .set_user_disabled(&permit, &s.who(), &user, true)
            .await?;
    }
    Ok(done(&format!("/admin/users/{id}?done=disabled")))
}

pub async fn enable(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (user, permit) = act(&state, &s, id, |target| Action::DisableUser { target }).await?;
    if user.is_disabled() {
        state
            .store
            .set_user_disabled(&permit, &s.who(), &user, false)
            .await?;
    }
    Ok(done(&format!("/admin/users/{id}?done=enabled")))
}

/// A new first password for someone who forgot theirs, shown once like a new user's.
pub async fn reset_password(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (user, permit) = act(&state, &s, id, |target| Action::ResetPassword { target }).await?;
    let password = generated_password()?;
    let hash = hash_password(password.clone()).await?;
    state
        .store
        .reset_password(&permit, &s.who(), &user, &hash)
        .await?;
    page(&CreatedPage {
        c: s.chrome("Password reset", "/admin/users"),
        user,
        password,
        reset: true,
    })
}

pub async fn reset_second_factor(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (user, permit) = act(&state, &s, id, |target| Action::ResetSecondFactor {
        target,
    })
    .await?;
    state
        .store
        .reset_second_factor(&permit, &s.who(), &user)
        .await?;
    Ok(done(&format!("/admin/users/{id}?done=reset")))
}
