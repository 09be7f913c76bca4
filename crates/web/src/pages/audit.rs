//! The audit log, newest first, within the reader's scope: everything for register
//! administrators, their own agency's trail for agency administrators.

use super::page;
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::format::uk_time;
use crate::view::Chrome;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use kinlink_domain::policy::{self, Action, AuditScope};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

pub struct Row {
    pub seq: i64,
    pub when: String,
    pub who: String,
    pub action: String,
    pub record: String,
    pub from: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    c: Chrome,
    scope: String,
    rows: Vec<Row>,
    older: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    before: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let scope = policy::audit_scope(s.actor())
        .ok_or(WebError::Forbidden(policy::Denied::NotAnAdministrator))?;
    let permit = policy::authorize(s.actor(), Action::ViewAuditLog { scope })?;
    // Reading the log is itself recorded: it shows who did what, from where.
    let (record, agency) = match scope {
        AuditScope::All => ("all".to_owned(), None),
        AuditScope::Agency(id) => (id.to_string(), Some(id)),
    };
    state
        .store
        .record(
            &s.who(),
            "audit_log.viewed",
            "audit_log",
            record,
            agency,
            serde_json::json!({"before": q.before}),
        )
        .await?;
    let entries = state
        .store
        .audit_entries(&permit, q.before, PAGE_SIZE + 1)
        .await?;
    let older = (entries.len() as i64 > PAGE_SIZE)
        .then(|| entries.get(PAGE_SIZE as usize - 1).map(|e| e.seq))
        .flatten();
    let rows = entries
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|e| Row {
            seq: e.seq,
            when: uk_time(e.at),
            who: match (e.event.actor_user_id, e.event.actor_role) {
                (Some(id), Some(role)) => format!("user {id} ({})", role.replace('_', " ")),
                _ => "not signed in / command line".into(),
            },
            action: e.event.action,
            record: format!(
                "{} {}",
                e.event.record_type,
                e.event.record_id.unwrap_or_default()
            ),
            from: e.event.ip.unwrap_or_default(),
            detail: if e.event.detail == "{}" {
                String::new()
            } else {
                e.event.detail
            },
        })
        .collect();
    let scope = match scope {
        AuditScope::All => "Everything on the register".to_owned(),
        AuditScope::Agency(_) => format!("What happened in or to {}", s.agency.name),
    };
    page(&AuditPage {
        c: s.chrome("Audit log", "/admin/audit"),
        scope,
        rows,
        older,
    })
}
