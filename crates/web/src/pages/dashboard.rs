//! The start page after signing in: what is real for this person now.

use super::page;
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::format::uk_time;
use crate::view::Chrome;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kinlink_domain::policy::{self, Action};

pub struct Figure {
    pub label: &'static str,
    pub value: i64,
    pub href: String,
}

pub struct SignInRecord {
    pub when: String,
    pub from: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    c: Chrome,
    first_name: String,
    role_label: &'static str,
    agency_name: String,
    figures: Vec<Figure>,
    warnings: Vec<String>,
    sign_ins: Vec<SignInRecord>,
    has_second_factor: bool,
    is_staff: bool,
}

pub async fn show(State(state): State<AppState>, s: SignedIn) -> Result<Response, WebError> {
    let actor = s.actor();
    let mut figures = Vec::new();
    let mut warnings = Vec::new();

    if let Ok(permit) = policy::authorize(
        actor,
        Action::ListUsers {
            agency: actor.agency_id,
        },
    ) {
        let users = state.store.users_of_agency(&permit).await?;
        let active = users.iter().filter(|u| !u.is_disabled()).count() as i64;
        figures.push(Figure {
            label: "Active users in your agency",
            value: active,
            href: "/admin/users".into(),
        });
        let without = users
            .iter()
            .filter(|u| !u.is_disabled() && u.role.is_staff() && !u.has_second_factor())
            .count() as i64;
        if without > 0 && s.agency.mfa_required {
            warnings.push(format!("{without} staff in your agency have not yet set up an authenticator app; they will be asked to when they next sign in."));
        } else if without > 0 {
            warnings.push(format!("{without} staff in your agency sign in without a second factor. You can require one in your agency settings."));
        }
    }
    if policy::allows(actor, Action::ViewAgencies) {
        figures.push(Figure {
            label: "Agencies on the register",
            value: state.store.agencies().await?.len() as i64,
            href: "/admin/agencies".into(),
        });
    }
    if let Ok(permit) = policy::authorize(
        actor,
        Action::ManageApiTokens {
            agency: actor.agency_id,
        },
    ) && policy::runs_own_agency(actor)
    {
        let live = state
            .store
            .api_tokens(&permit)
            .await?
            .iter()
            .filter(|t| t.revoked_at.is_none())
            .count() as i64;
        figures.push(Figure {
            label: "API tokens in use",
            value: live,
            href: "/admin/api-tokens".into(),
        });
    }

    // Your own recent sign-ins, from the audit log: a way to notice someone else using your account.
    let own = policy::authorize(actor, Action::UseOwnAccount)?;
    let sign_ins = state
        .store
        .sign_in_history(&own, 5)
        .await?
        .into_iter()
        .map(|e| SignInRecord {
            when: uk_time(e.at),
            from: e.event.ip.unwrap_or_default(),
        })
        .collect();

    let first_name = s
        .user
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&s.user.name)
        .to_owned();
    page(&DashboardPage {
        c: s.chrome("Dashboard", "/"),
        first_name,
        role_label: s.user.role.label(),
        agency_name: s.agency.name.clone(),
        figures,
        warnings,
        sign_ins,
        has_second_factor: s.user.has_second_factor(),
        is_staff: s.user.role.is_staff(),
    })
}
