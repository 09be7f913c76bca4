//! What every page shares: the layout's data (who is signed in, the navigation for their role,
//! the CSRF token) and form errors in the GOV.UK error-summary pattern.

use askama::Template;
use kinlink_domain::policy::{self, Action, Actor};

pub struct ChromeUser {
    pub name: String,
    pub role_label: &'static str,
    pub agency_name: String,
}

pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// The layout's data.
pub struct Chrome {
    pub title: String,
    pub user: Option<ChromeUser>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub notice: Option<String>,
    pub has_errors: bool,
    /// Unread notifications, shown in the header.
    pub unread: i64,
}

impl Chrome {
    /// For pages seen before signing in, and error pages.
    pub fn bare(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            user: None,
            nav: Vec::new(),
            csrf: String::new(),
            notice: None,
            has_errors: false,
            unread: 0,
        }
    }

    pub fn with_errors(mut self, errors: &FormErrors) -> Self {
        self.has_errors = !errors.is_empty();
        self
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }
}

/// The navigation for a role: only what that person can use.
pub fn nav_for(actor: Actor, current: &str) -> Vec<NavItem> {
    let mut items: Vec<(String, &'static str)> = vec![("/".into(), "Dashboard")];
    if policy::allows(
        actor,
        Action::EditChildProfile {
            agency: actor.agency_id,
        },
    ) {
        items.push(("/children".into(), "Children's profiles"));
    }
    if policy::allows(
        actor,
        Action::EditHousehold {
            agency: actor.agency_id,
        },
    ) {
        items.push(("/households".into(), "Families"));
    }
    if policy::allows(actor, Action::SearchChildren) {
        items.push(("/search/children".into(), "Search children"));
    }
    if policy::allows(actor, Action::SearchHouseholds) {
        items.push(("/search/households".into(), "Search families"));
    }
    if actor.role == kinlink_domain::Role::Adopter {
        items.push(("/family".into(), "Your family's profile"));
    }
    if policy::works_on_links(actor.role) {
        items.push(("/links".into(), "Links"));
    }
    if policy::allows(actor, Action::ViewEvents) {
        items.push(("/events".into(), "Events"));
    }
    if policy::works_on_records(actor.role) {
        items.push(("/records".into(), "Records requests"));
    }
    if policy::allows(
        actor,
        Action::ListUsers {
            agency: actor.agency_id,
        },
    ) {
        items.push(("/admin/users".into(), "Users"));
    }
    if policy::allows(actor, Action::ViewAgencies) {
        items.push(("/admin/agencies".into(), "Agencies"));
    }
    if policy::runs_own_agency(actor) {
        items.push((
            format!("/admin/agencies/{}/settings", actor.agency_id),
            "Agency settings",
        ));
    }
    if policy::allows(actor, Action::ManageRegisterSettings) {
        items.push(("/admin/register-settings".into(), "Register settings"));
    }
    if policy::allows(actor, Action::ViewRegisterMatching) {
        items.push(("/admin/matching".into(), "Matching"));
    }
    if policy::audit_scope(actor).is_some() {
        items.push(("/admin/audit".into(), "Audit log"));
    }
    if policy::allows(
        actor,
        Action::ManageApiTokens {
            agency: actor.agency_id,
        },
    ) && policy::runs_own_agency(actor)
    {
        items.push(("/admin/api-tokens".into(), "API tokens"));
    }
    items
        .into_iter()
        .map(|(href, label)| NavItem {
            current: current == href || (href != "/" && current.starts_with(href.as_str())),
            href,
            label,
        })
        .collect()
}

pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// Errors on a form, in the order of its fields.
#[derive(Default)]
pub struct FormErrors(Vec<FieldError>);

impl FormErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// An option in a select.
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub c: Chrome,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub link: Option<(String, String)>,
}
