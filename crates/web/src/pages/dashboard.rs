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
use kinlink_domain::profile::ChildStatus;

pub struct Figure {
    pub label: &'static str,
    pub value: i64,
    pub href: String,
}

/// A profile waiting for this person, with what it waits for.
pub struct Waiting {
    pub href: String,
    pub title: String,
    pub detail: String,
}

/// A kept search and how many newly published children match it.
pub struct SavedView {
    pub id: i64,
    pub name: String,
    pub new_matches: i64,
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
    sign_off: Vec<Waiting>,
    due_for_review: Vec<Waiting>,
    saved: Vec<SavedView>,
    notice: Option<String>,
    /// Links waiting for this person's answer, and links waiting for the other side.
    links: Option<super::links::LinkGroups>,
    /// An adopter's coming events: the event's page, title, date and their place.
    events: Vec<Waiting>,
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, WebError> {
    let actor = s.actor();
    let mut figures = Vec::new();
    let mut warnings = Vec::new();
    let mut sign_off = Vec::new();
    let mut due_for_review = Vec::new();
    let now = state.store.now();

    if let Ok(permit) = policy::authorize(
        actor,
        Action::EditChildProfile {
            agency: actor.agency_id,
        },
    ) {
        // Team managers sign off; everyone sees what waits, so a worker knows where theirs is.
        for p in state
            .store
            .agency_child_profiles(&permit, Some(ChildStatus::AwaitingSignOff))
            .await?
        {
            let own = p.submitted_by == Some(s.user.id);
            sign_off.push(Waiting {
                href: format!("/children/{}", p.id),
                title: p.title(),
                detail: if own {
                    "Sent by you: another team manager signs it off".into()
                } else {
                    format!("Waiting since {}", uk_time(p.updated_at))
                },
            });
        }
        if s.user.role != kinlink_domain::Role::TeamManager {
            sign_off.retain(|w| w.detail.starts_with("Sent by you"));
        }
        let days = state.store.register_settings().await?.profile_review_days;
        let mine = (s.user.role != kinlink_domain::Role::TeamManager).then_some(s.user.id);
        for p in state
            .store
            .child_profiles_due_for_review(&permit, mine, days)
            .await?
        {
            due_for_review.push(Waiting {
                href: format!("/children/{}", p.id),
                title: p.title(),
                detail: format!(
                    "Last reviewed {} ago",
                    crate::format::days_between(p.reviewed_at, now)
                ),
            });
        }
    }
    if let Ok(permit) = policy::authorize(
        actor,
        Action::EditHousehold {
            agency: actor.agency_id,
        },
    ) {
        let days = state.store.register_settings().await?.profile_review_days;
        let mine = (s.user.role != kinlink_domain::Role::TeamManager).then_some(s.user.id);
        for h in state
            .store
            .households_due_for_review(&permit, mine, days)
            .await?
        {
            due_for_review.push(Waiting {
                href: format!("/households/{}", h.id),
                title: h.details.applicants.join(" and "),
                detail: format!(
                    "Family · last reviewed {} ago",
                    crate::format::days_between(h.reviewed_at, now)
                ),
            });
        }
    }
    let mut saved = Vec::new();
    if policy::allows(actor, Action::SearchChildren) {
        let household = super::children::viewer_household(&state, &s).await?;
        for kept in state.store.saved_searches(s.user.id).await? {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(&kept.query).unwrap_or_default();
            let Ok(search) = kinlink_store::ChildSearch::from_pairs(
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            ) else {
                continue;
            };
            let new_matches = state
                .store
                .count_new_children(
                    super::children::viewer(&s, &household),
                    household.area.as_deref(),
                    &search,
                    kept.seen_at,
                )
                .await?;
            saved.push(SavedView {
                id: kept.id,
                name: kept.name,
                new_matches,
            });
        }
    }

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
    if policy::works_on_records(actor.role) {
        // Records requests: the person's hand-over tasks and this week's counselling.
        let inbox = state.store.records_inbox(actor).await?;
        if !inbox.tasks.is_empty() || actor.role != kinlink_domain::Role::SocialWorker {
            figures.push(Figure {
                label: "Records-request tasks waiting for you",
                value: inbox.tasks.len() as i64,
                href: "/records#tasks".into(),
            });
        }
        if !inbox.appointments.is_empty() {
            figures.push(Figure {
                label: "Counselling appointments this week",
                value: inbox.appointments.len() as i64,
                href: "/records#appointments".into(),
            });
        }
    }
    let links = if policy::works_on_links(actor.role) {
        Some(super::links::link_groups(&state, &s).await?)
    } else {
        None
    };
    let mut events = Vec::new();
    if let Some(household) = s.user.household_id {
        let today = state.store.today();
        for (event, place) in state.store.household_bookings(household).await? {
            if event.is_upcoming(today) {
                events.push(Waiting {
                    href: format!("/events/{}", event.id),
                    title: event.details.title.clone(),
                    detail: format!(
                        "{}: {}",
                        crate::format::long_date(event.details.date),
                        place.label()
                    ),
                });
            }
        }
    }
    page(&DashboardPage {
        links,
        events,
        c: s.chrome("Dashboard", "/").with_notice(None),
        first_name,
        role_label: s.user.role.label(),
        agency_name: s.agency.name.clone(),
        figures,
        warnings,
        sign_ins,
        has_second_factor: s.user.has_second_factor(),
        is_staff: s.user.role.is_staff(),
        sign_off,
        due_for_review,
        saved,
        notice: q
            .done
            .filter(|d| d == "search_removed")
            .map(|_| "The saved search has been removed.".to_owned()),
    })
}
