//! Links: asking to explore a possible match, moving it through its life cycle, the limits, the
//! timed jobs that chase an unanswered link, messages and notifications.
//!
//! Who takes part in a link is decided by [`link_party`] from the link's facts; this module
//! loads those facts, asks, and audits. Refusals to people outside a link are "not found", and
//! audited. Every change writes the link's history, the notifications it causes and the audit
//! entry in one transaction.
//!
//! Race safety: a new link locks the household's row, and a link entering exploration locks the
//! child's profile row (always profile first, then household, so two transactions never wait
//! for each other in opposite orders). On PostgreSQL that is `SELECT … FOR UPDATE`; on SQLite
//! every write transaction holds the database's write lock from `BEGIN IMMEDIATE`. Two requests
//! racing for a household's last place therefore count one after the other.

use crate::error::corrupt;
use crate::{Backend, Store, StoreError, Who};
use kinlink_domain::Timestamp;
use kinlink_domain::audit::{AuditEvent, entry_hash};
use kinlink_domain::calendar;
use kinlink_domain::child::names_list;
use kinlink_domain::link::{LinkEvent, LinkRuleBroken, LinkState, Side};
use kinlink_domain::policy::{
    Action, Actor, ChildFacts, LinkAct, LinkFacts, LinkParty, Viewer, authorize, child_sight,
    household_sight, link_party, may_on_link,
};
use kinlink_domain::profile::{ChildStatus, CivilDate, HouseholdStatus};
use std::collections::HashMap;

/// Queues the reminder (halfway to the deadline), the escalation (at the deadline) and the
/// expiry of a link that waits for an answer.
macro_rules! schedule_deadline_jobs {
    ($tx:ident, $link:expr, $from:expr, $deadline:expr, $expires:expr) => {{
        let reminder = calendar::halfway($from, $deadline);
        for (kind, due) in [
            ("link_reminder", reminder),
            ("link_escalation", $deadline),
            ("link_expiry", $expires),
        ] {
            sqlx::query(
                "INSERT INTO jobs (kind, link_id, deadline_at, due_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(kind)
            .bind($link)
            .bind($deadline)
            .bind(due)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Notifies the people of a link's sides (`$child`, `$family`: which sides) except `$except`,
/// in the app and by e-mail. On the family's side that is the household's worker (every social
/// worker of the agency while none is recorded) and, if `$adopters`, the adopters.
macro_rules! notify_sides {
    ($self:ident, $tx:ident, $link:expr, $facts:expr, $except:expr, $text:expr, child: $child:expr, family: $family:expr, adopters: $adopters:expr) => {{
        let facts: LinkFacts = $facts;
        let people: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, email FROM users WHERE disabled_at IS NULL AND ( \
               ($10 AND agency_id = $1 AND (id = $2 OR id = $3 OR id = $4 OR (role = 'family_finder' AND $5))) \
               OR ($11 AND agency_id = $6 AND role = 'social_worker' AND (id = $7 OR $7 = 0)) \
               OR ($11 AND household_id = $8 AND $9))")
            .bind(facts.child_agency)
            .bind(facts.child_worker)
            .bind(facts.assigned_to.unwrap_or(0))
            .bind(facts.requested_by)
            .bind(facts.team_follows_up)
            .bind(facts.household_agency)
            .bind(facts.household_worker.unwrap_or(0))
            .bind(facts.household)
            .bind($adopters)
            .bind($child)
            .bind($family)
            .fetch_all(&mut *$tx)
            .await?;
        let except: Option<i64> = $except;
        let text: &str = $text;
        for (user, email) in people.into_iter().filter(|p| Some(p.0) != except) {
            notify!($self, $tx, user, &email, $link, text);
        }
    }};
}

/// One notification in the app and its e-mail. E-mails never carry a child's or family's
/// details: the text says what happened, and the reader signs in to see the rest.
macro_rules! notify {
    ($self:ident, $tx:ident, $user:expr, $email:expr, $link:expr, $text:expr) => {{
        let now = $self.now();
        sqlx::query("INSERT INTO notifications (user_id, link_id, text, created_at) VALUES ($1, $2, $3, $4)")
            .bind($user).bind($link).bind($text).bind(now).execute(&mut *$tx).await?;
        sqlx::query("INSERT INTO mail_outbox (to_address, subject, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)")
            .bind($email)
            .bind("Kinlink: a link needs your attention")
            .bind(mail_body($text))
            .bind(now)
            .execute(&mut *$tx).await?;
    }};
}

/// Someone looking at links: the person, and the household they belong to if they are an
/// adopter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkViewer {
    pub actor: Actor,
    pub household: Option<i64>,
}

/// Where a link came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSource {
    /// Someone asked through the Register online.
    Register,
    /// Interest recorded at an Exchange or Activity Day: the event's id.
    Event(i64),
}

impl LinkSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkSource::Register => "register",
            LinkSource::Event(_) => "event",
        }
    }

    pub fn event(self) -> Option<i64> {
        match self {
            LinkSource::Register => None,
            LinkSource::Event(id) => Some(id),
        }
    }
}

/// A request to explore a link, after the person confirmed it is a genuine placement option.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub child_profile_id: i64,
    pub household_id: i64,
    /// The side asking.
    pub side: Side,
    /// Why the person asking thinks this could be right.
    pub note: String,
    /// The person ticked "this is a genuine placement option".
    pub confirmed: bool,
    pub source: LinkSource,
}

/// An open link named in a refusal, so the person knows which links hold the places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLinkRef {
    pub id: i64,
    pub children: String,
    pub household: String,
    pub state: LinkState,
}

/// Why a link could not be asked for or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefusal {
    #[error("{0}")]
    Rule(#[from] LinkRuleBroken),
    #[error("this family already has {limit} open links, the most the Register allows at once")]
    HouseholdLimit { limit: i64, open: Vec<OpenLinkRef> },
    #[error(
        "this child already has {limit} links being explored, the most the Register allows at once"
    )]
    ChildLimit { limit: i64, open: Vec<OpenLinkRef> },
    #[error("there is already an open link between this child and this family")]
    AlreadyLinked { id: i64 },
    #[error("only a published child's profile can be linked")]
    ChildNotPublished,
    #[error("only an active family can be linked")]
    FamilyNotActive,
    #[error("confirm that this is a genuine placement option")]
    NotConfirmed,
    #[error("say briefly why this could be a genuine placement option")]
    NoteMissing,
    #[error("that person cannot follow links up for the child's agency")]
    NotAFollowUpPerson,
}

impl LinkRefusal {
    /// A stable code for the JSON API.
    pub fn code(&self) -> &'static str {
        match self {
            LinkRefusal::Rule(rule) => rule.code(),
            LinkRefusal::HouseholdLimit { .. } => "household_link_limit",
            LinkRefusal::ChildLimit { .. } => "child_exploring_limit",
            LinkRefusal::AlreadyLinked { .. } => "already_linked",
            LinkRefusal::ChildNotPublished => "child_not_published",
            LinkRefusal::FamilyNotActive => "family_not_active",
            LinkRefusal::NotConfirmed => "not_confirmed",
            LinkRefusal::NoteMissing => "note_missing",
            LinkRefusal::NotAFollowUpPerson => "not_a_follow_up_person",
        }
    }

    /// The open links a limit refusal names.
    pub fn open_links(&self) -> &[OpenLinkRef] {
        match self {
            LinkRefusal::HouseholdLimit { open, .. } | LinkRefusal::ChildLimit { open, .. } => open,
            _ => &[],
        }
    }
}

/// A link as its parties see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub id: i64,
    pub child_profile_id: i64,
    pub household_id: i64,
    pub child_agency_id: i64,
    pub child_agency_name: String,
    pub household_agency_id: i64,
    pub household_agency_name: String,
    /// The children's aliases: "Mia" or "Mia, Leo and Ava".
    pub children: String,
    pub household: String,
    pub source: LinkSource,
    /// The title of the Exchange or Activity Day the link began at.
    pub event_title: Option<String>,
    pub started_by: Side,
    pub requested_by: i64,
    pub requested_by_name: String,
    pub request_note: String,
    pub state: LinkState,
    pub feedback: Option<String>,
    pub closed_by_name: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub assigned_to: Option<i64>,
    pub assigned_to_name: Option<String>,
    pub panel_date: Option<String>,
    pub deadline_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub escalated_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub facts: LinkFacts,
}

impl Link {
    /// The side the link waits for, if any.
    pub fn waiting_on(&self) -> Option<Side> {
        self.state.waiting_on(self.started_by)
    }

    /// Whether the answer is late at `now`.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.deadline_at.is_some_and(|d| d < now)
    }
}

/// A link, with how the person looking takes part in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenLink {
    pub link: Link,
    pub party: LinkParty,
}

/// One step in a link's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkHistoryEntry {
    pub event: String,
    pub to_state: String,
    pub note: String,
    pub user_name: Option<String>,
    pub at: Timestamp,
}

/// A message in a link.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkMessage {
    pub id: i64,
    pub reply_to: Option<i64>,
    pub author_id: i64,
    pub author_name: String,
    pub author_role: String,
    pub body: String,
    pub to_adopters: bool,
    pub created_at: Timestamp,
}

/// A change someone asks for on a link.
#[derive(Debug, Clone)]
pub struct LinkChange {
    pub event: LinkEvent,
    /// Required when closing: what the other side will read.
    pub feedback: String,
    /// Required when proceeding to match: the matching panel's date.
    pub panel_date: Option<CivilDate>,
    /// An optional note for the history (e.g. why the link is taken forward).
    pub note: String,
}

/// A notification in the app.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub link_id: Option<i64>,
    /// The Exchange or Activity Day it is about.
    pub event_id: Option<i64>,
    pub text: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: i64,
    child_profile_id: i64,
    household_id: i64,
    child_agency_id: i64,
    child_agency_name: String,
    household_agency_id: i64,
    household_agency_name: String,
    household_name: String,
    event_id: Option<i64>,
    event_title: Option<String>,
    started_by: String,
    requested_by: i64,
    requested_by_name: String,
    request_note: String,
    state: String,
    closure: Option<String>,
    close_reason: Option<String>,
    feedback: Option<String>,
    closed_by_name: Option<String>,
    closed_at: Option<i64>,
    assigned_to: Option<i64>,
    assigned_to_name: Option<String>,
    panel_date: Option<String>,
    deadline_at: Option<i64>,
    expires_at: Option<i64>,
    escalated_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    child_worker: i64,
    household_worker: Option<i64>,
    follow_up: String,
}

macro_rules! link_select {
    () => {
        "SELECT l.id, l.child_profile_id, l.household_id, l.child_agency_id, ca.name AS child_agency_name, \
         l.household_agency_id, ha.name AS household_agency_name, h.name AS household_name, l.event_id, ev.title AS event_title, \
         l.started_by, l.requested_by, ru.name AS requested_by_name, l.request_note, l.state, l.closure, \
         l.close_reason, l.feedback, cu.name AS closed_by_name, l.closed_at, l.assigned_to, \
         au.name AS assigned_to_name, l.panel_date, l.deadline_at, l.expires_at, l.escalated_at, \
         l.created_at, l.updated_at, cp.worker_id AS child_worker, h.worker_id AS household_worker, \
         ca.link_follow_up AS follow_up \
         FROM links l \
         JOIN child_profiles cp ON cp.id = l.child_profile_id \
         JOIN households h ON h.id = l.household_id \
         JOIN agencies ca ON ca.id = l.child_agency_id \
         JOIN agencies ha ON ha.id = l.household_agency_id \
         JOIN users ru ON ru.id = l.requested_by \
         LEFT JOIN users cu ON cu.id = l.closed_by \
         LEFT JOIN users au ON au.id = l.assigned_to \
         LEFT JOIN events ev ON ev.id = l.event_id"
    };
}

/// The e-mail sent for a notification.
pub fn mail_body(text: &str) -> String {
    format!(
        "{text}\n\nSign in to Kinlink to read more. For confidentiality, Kinlink's e-mails never \
         contain details of a child or a family."
    )
}

/// One problem with one field: the store's refusal of bad content.
pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![kinlink_domain::child::Problem::new(field, message)])
}

/// Refuses a text longer than `max` characters, naming it as people read it ("The note").
fn at_most(field: &'static str, name: &str, text: &str, max: usize) -> Result<(), StoreError> {
    if text.chars().count() > max {
        let max = if max >= 1_000 {
            format!("{},{:03}", max / 1_000, max % 1_000)
        } else {
            max.to_string()
        };
        return Err(invalid(
            field,
            format!("{name} must be {max} characters or fewer"),
        ));
    }
    Ok(())
}

impl LinkRow {
    fn into_link(self, children: String) -> Result<Link, StoreError> {
        let state = LinkState::from_stored(
            &self.state,
            self.closure.as_deref(),
            self.close_reason.as_deref(),
        )
        .ok_or_else(|| corrupt("link state", &self.state))?;
        let started_by =
            Side::parse(&self.started_by).ok_or_else(|| corrupt("side", &self.started_by))?;
        let source = match self.event_id {
            Some(event) => LinkSource::Event(event),
            None => LinkSource::Register,
        };
        let facts = LinkFacts {
            child_agency: self.child_agency_id,
            household_agency: self.household_agency_id,
            household: self.household_id,
            child_worker: self.child_worker,
            household_worker: self.household_worker,
            assigned_to: self.assigned_to,
            team_follows_up: self.follow_up == "family_finding_team",
            requested_by: self.requested_by,
        };
        Ok(Link {
            id: self.id,
            child_profile_id: self.child_profile_id,
            household_id: self.household_id,
            child_agency_id: self.child_agency_id,
            child_agency_name: self.child_agency_name,
            household_agency_id: self.household_agency_id,
            household_agency_name: self.household_agency_name,
            children,
            household: self.household_name,
            source,
            event_title: self.event_title,
            started_by,
            requested_by: self.requested_by,
            requested_by_name: self.requested_by_name,
            request_note: self.request_note,
            state,
            feedback: self.feedback,
            closed_by_name: self.closed_by_name,
            closed_at: self.closed_at,
            assigned_to: self.assigned_to,
            assigned_to_name: self.assigned_to_name,
            panel_date: self.panel_date,
            deadline_at: self.deadline_at,
            expires_at: self.expires_at,
            escalated_at: self.escalated_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            facts,
        })
    }
}

/// An open link named in a refusal: id, profile, household name, state, closure, reason.
type OpenRow = (i64, i64, String, String, Option<String>, Option<String>);
/// A child's profile locked for a link request: agency, region, status, visibility, excluded
/// areas, worker, the agency's follow-up setting and its named person (if still active; if
/// not, the child's worker follows the link up).
type ChildLockRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<i64>,
);

const OPEN_STATES: &str =
    "('interest_expressed', 'under_consideration', 'exploring', 'proceeding_to_match')";
const EXPLORING_STATES: &str = "('exploring', 'proceeding_to_match')";

/// Notification texts never name a child: they say what happened and where to look.
fn notification_text(event: LinkEvent, state: LinkState) -> String {
    match (event, state) {
        (LinkEvent::Consider, _) => "A link you asked for is being considered.".into(),
        (LinkEvent::Explore, _) => "A link is now being explored.".into(),
        (LinkEvent::ProceedToMatch, _) => "A link is going to matching panel.".into(),
        (LinkEvent::RecordMatch, _) => "A link has been matched.".into(),
        (_, LinkState::Closed(how, _)) => format!("A link has closed ({}).", how.label()),
        _ => "A link has changed.".into(),
    }
}

impl Store {
    // ---- reading -------------------------------------------------------------------------

    async fn aliases(&self, profile_ids: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        for chunk in profile_ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT profile_id, alias FROM children WHERE removed_at IS NULL AND profile_id IN ({}) ORDER BY id",
                marks.join(", ")
            );
            let rows: Vec<(i64, String)> = with_pool!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(pool).await?
            });
            for (profile, alias) in rows {
                out.entry(profile).or_default().push(alias);
            }
        }
        Ok(out
            .into_iter()
            .map(|(id, names)| (id, names_list(names.iter().map(String::as_str))))
            .collect())
    }

    async fn links_where(&self, condition: &str, binds: &[i64]) -> Result<Vec<Link>, StoreError> {
        let sql = format!(
            "{} WHERE {condition} ORDER BY l.updated_at DESC, l.id DESC",
            link_select!()
        );
        let rows: Vec<LinkRow> = with_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for b in binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        let ids: Vec<i64> = rows.iter().map(|r| r.child_profile_id).collect();
        let names = self.aliases(&ids).await?;
        rows.into_iter()
            .map(|r| {
                let children = names.get(&r.child_profile_id).cloned().unwrap_or_default();
                r.into_link(children)
            })
            .collect()
    }

    async fn link_unchecked(&self, id: i64) -> Result<Link, StoreError> {
        self.links_where("l.id = $1", &[id])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// A link, if `viewer` takes part in it. Anyone else is told it does not exist, and the
    /// refusal is audited; every view is audited.
    pub async fn link(
        &self,
        viewer: LinkViewer,
        who: &Who,
        id: i64,
    ) -> Result<SeenLink, StoreError> {
        let link = match self.link_unchecked(id).await {
            Ok(link) => link,
            Err(StoreError::NotFound) => {
                self.record(
                    who,
                    "link.view_refused",
                    "link",
                    id,
                    None,
                    serde_json::json!({}),
                )
                .await?;
                return Err(StoreError::NotFound);
            }
            Err(e) => return Err(e),
        };
        let Some(party) = link_party(viewer.actor, viewer.household, link.facts) else {
            self.record(
                who,
                "link.view_refused",
                "link",
                id,
                Some(link.child_agency_id),
                serde_json::json!({}),
            )
            .await?;
            return Err(StoreError::NotFound);
        };
        self.record(
            who,
            "link.viewed",
            "link",
            id,
            Some(link.child_agency_id),
            serde_json::json!({"side": party.side().as_str()}),
        )
        .await?;
        Ok(SeenLink { link, party })
    }

    /// Every link the viewer takes part in, most recently changed first.
    pub async fn links_for(&self, viewer: LinkViewer) -> Result<Vec<SeenLink>, StoreError> {
        let links = match viewer.household {
            Some(household) => {
                self.links_where("l.household_id = $1", &[household])
                    .await?
            }
            None => {
                let agency = viewer.actor.agency_id;
                self.links_where(
                    "(l.child_agency_id = $1 OR l.household_agency_id = $2)",
                    &[agency, agency],
                )
                .await?
            }
        };
        Ok(links
            .into_iter()
            .filter_map(|link| {
                link_party(viewer.actor, viewer.household, link.facts)
                    .map(|party| SeenLink { link, party })
            })
            .collect())
    }

    /// The open links of a child's profile and of a household, for showing beside a profile.
    pub async fn open_links_of_child(
        &self,
        viewer: LinkViewer,
        profile_id: i64,
    ) -> Result<Vec<SeenLink>, StoreError> {
        let links = self
            .links_where(
                &format!("l.child_profile_id = $1 AND l.state IN {OPEN_STATES}"),
                &[profile_id],
            )
            .await?;
        Ok(links
            .into_iter()
            .filter_map(|link| {
                link_party(viewer.actor, viewer.household, link.facts)
                    .map(|party| SeenLink { link, party })
            })
            .collect())
    }

    /// Whether a child's profile has a link in exploration: a profile its worker hides while
    /// a link is explored is then hidden from everyone outside its agency.
    /// The profiles with a link in exploration (hidden from other agencies if they ask).
    pub(crate) async fn profiles_in_exploration(
        &self,
    ) -> Result<std::collections::HashSet<i64>, StoreError> {
        let ids: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT child_profile_id FROM links WHERE state IN {EXPLORING_STATES}")))
            .fetch_all(pool).await?);
        Ok(ids.into_iter().collect())
    }

    /// How many open links each household has (households with none are left out).
    pub(crate) async fn open_links_per_household(
        &self,
    ) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
        let counts: Vec<(i64, i64)> = with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT household_id, COUNT(*) FROM links WHERE state IN {OPEN_STATES} GROUP BY household_id")))
            .fetch_all(pool).await?);
        Ok(counts.into_iter().collect())
    }

    pub async fn child_link_in_exploration(&self, profile_id: i64) -> Result<bool, StoreError> {
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM links WHERE child_profile_id = $1 AND state IN {EXPLORING_STATES}")))
            .bind(profile_id).fetch_one(pool).await?);
        Ok(n > 0)
    }

    /// The link's history, oldest first. The caller has already been shown the link.
    pub async fn link_history(&self, seen: &SeenLink) -> Result<Vec<LinkHistoryEntry>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT e.event, e.to_state, e.note, u.name AS user_name, e.at FROM link_events e \
             LEFT JOIN users u ON u.id = e.user_id WHERE e.link_id = $1 ORDER BY e.id")
            .bind(seen.link.id).fetch_all(pool).await?))
    }

    /// The link's messages that this party may read, oldest first.
    pub async fn link_messages(&self, seen: &SeenLink) -> Result<Vec<LinkMessage>, StoreError> {
        let all: Vec<LinkMessage> = with_pool!(self, pool => sqlx::query_as(
            "SELECT m.id, m.reply_to, m.author_id, u.name AS author_name, u.role AS author_role, m.body, \
             m.to_adopters, m.created_at FROM link_messages m JOIN users u ON u.id = m.author_id \
             WHERE m.link_id = $1 ORDER BY m.id")
            .bind(seen.link.id).fetch_all(pool).await?);
        Ok(all
            .into_iter()
            .filter(|m| {
                may_on_link(
                    seen.party,
                    LinkAct::ReadMessage {
                        to_adopters: m.to_adopters,
                    },
                )
                .is_ok()
            })
            .collect())
    }

    /// The people who may follow links up for an agency: its family finders, social workers
    /// and team managers, active accounts only.
    pub async fn link_follow_up_people(
        &self,
        agency_id: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, name FROM users WHERE agency_id = $1 AND disabled_at IS NULL \
             AND role IN ('team_manager', 'social_worker', 'family_finder') ORDER BY name")
            .bind(agency_id).fetch_all(pool).await?))
    }

    // ---- asking for a link ------------------------------------------------------------------

    /// Asks to explore a link. The person must be allowed to ask for their side, must see the
    /// other side's profile, the child must be published and the family active, there must be
    /// no open link between them already, and the family must have a free place.
    pub async fn request_link(
        &self,
        who: &Who,
        viewer: Viewer<'_>,
        household_of_viewer: Option<i64>,
        new: &NewLink,
    ) -> Result<i64, StoreError> {
        let actor = viewer.actor;
        let note = new.note.trim();
        if !new.confirmed {
            return Err(LinkRefusal::NotConfirmed.into());
        }
        if note.is_empty() {
            return Err(LinkRefusal::NoteMissing.into());
        }
        at_most("note", "The note", note, 4_000)?;
        let settings = self.register_settings().await?;
        let now = self.now();
        let deadline = calendar::deadline_after(
            now,
            settings.link_response_working_days.clamp(1, 250) as u32,
        );
        let expires = calendar::deadline_after(
            deadline,
            settings.link_expiry_working_days.clamp(1, 250) as u32,
        );
        let lock = self.row_lock();
        let today = self.today();
        write_tx!(self, tx => { 'body: {
            // Interest at an event: the event first (its row, then the profile, then the
            // household: the order event transactions lock in), the child must be at the event
            // and the family booked, and it is recorded from the day.
            let at_event = match new.source.event() {
                None => None,
                Some(event) => match event_for_interest!(self, tx, event, new.child_profile_id, new.household_id, today) {
                    None => break 'body Err(StoreError::NotFound),
                    Some(facts) => Some(facts),
                },
            };
            // Profile first, then household: the order every link transaction locks in.
            let child: Option<ChildLockRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT p.agency_id, a.region, p.status, p.visibility, p.excluded_areas, p.worker_id, a.link_follow_up, \
                 (SELECT u.id FROM users u WHERE u.id = a.link_follow_up_user_id AND u.disabled_at IS NULL) \
                 FROM child_profiles p JOIN agencies a ON a.id = p.agency_id WHERE p.id = $1{lock}")))
                .bind(new.child_profile_id).fetch_optional(&mut *tx).await?;
            let household: Option<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT agency_id, status, name FROM households WHERE id = $1{lock}")))
                .bind(new.household_id).fetch_optional(&mut *tx).await?;
            let (Some(child), Some(household)) = (child, household) else {
                break 'body Err(StoreError::NotFound);
            };
            let (child_agency, region, status, visibility, excluded, child_worker, follow_up, named) = child;
            let (household_agency, household_status, _) = household;
            let status = ChildStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?;
            let visibility = kinlink_domain::policy::ChildVisibility::parse(&visibility)
                .ok_or_else(|| corrupt("visibility", &visibility))?;
            let household_status = HouseholdStatus::parse(&household_status)
                .ok_or_else(|| corrupt("status", &household_status))?;
            let excluded: Vec<String> = excluded.split('|').filter(|a| !a.is_empty()).map(str::to_owned).collect();
            let exploring: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM links WHERE child_profile_id = $1 AND state IN {EXPLORING_STATES}")))
                .bind(new.child_profile_id).fetch_one(&mut *tx).await?;
            let facts = ChildFacts {
                agency: child_agency,
                region: &region,
                status,
                visibility,
                link_in_exploration: exploring > 0,
                excluded_areas: &excluded,
            };
            let own_household = household_of_viewer == Some(new.household_id);
            // Whoever asks must see both profiles; anything else is "not found".
            let sees_child = child_sight(viewer, facts).is_some();
            let sees_household = household_sight(viewer, household_agency, own_household, household_status);
            if !sees_child || !sees_household {
                audit!(self, tx, who.event("link.request_refused", "child_profile", new.child_profile_id,
                    Some(child_agency), serde_json::json!({"household": new.household_id})));
                break 'body Err(StoreError::NotFound);
            }
            let action = match (new.side, &at_event) {
                (Side::Family, Some((organiser, ..))) => Action::RecordEventInterest { organiser: *organiser, household_agency, own_household },
                (Side::Child, _) => Action::RequestLinkForChild { child_agency },
                (Side::Family, None) => Action::RequestLinkForFamily { household_agency, own_household },
            };
            if let Err(denied) = authorize(actor, action) {
                audit!(self, tx, who.event("link.request_refused", "child_profile", new.child_profile_id,
                    Some(child_agency), serde_json::json!({"household": new.household_id, "rule": denied.code()})));
                break 'body Err(StoreError::Forbidden(denied));
            }
            if let Some((organiser, draft, rule)) = at_event {
                // A draft is not there for those who do not run it; then the event's own rules.
                if draft && !kinlink_domain::policy::allows(actor, Action::ManageEvent { organiser }) {
                    break 'body Err(StoreError::NotFound);
                }
                if let Err(broken) = rule {
                    break 'body Err(broken.into());
                }
            }
            if status != ChildStatus::Published {
                break 'body Err(LinkRefusal::ChildNotPublished.into());
            }
            if household_status != HouseholdStatus::Active {
                break 'body Err(LinkRefusal::FamilyNotActive.into());
            }
            let existing: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM links WHERE child_profile_id = $1 AND household_id = $2 AND state IN {OPEN_STATES}")))
                .bind(new.child_profile_id).bind(new.household_id).fetch_optional(&mut *tx).await?;
            if let Some(id) = existing {
                break 'body Err(LinkRefusal::AlreadyLinked { id }.into());
            }
            let open: Vec<OpenRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT l.id, l.child_profile_id, h.name, l.state, l.closure, l.close_reason FROM links l \
                 JOIN households h ON h.id = l.household_id WHERE l.household_id = $1 AND l.state IN {OPEN_STATES} ORDER BY l.id")))
                .bind(new.household_id).fetch_all(&mut *tx).await?;
            if open.len() as i64 >= settings.max_open_links_per_household {
                let refs = self.open_refs(open).await?;
                break 'body Err(LinkRefusal::HouseholdLimit { limit: settings.max_open_links_per_household, open: refs }.into());
            }
            let assigned: Option<i64> = match follow_up.as_str() {
                "family_finding_team" => None,
                "named_person" => named.or(Some(child_worker)),
                _ => Some(child_worker),
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO links (child_profile_id, household_id, child_agency_id, household_agency_id, source, \
                 started_by, requested_by, request_note, state, assigned_to, deadline_at, expires_at, created_at, updated_at, event_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'interest_expressed', $9, $10, $11, $12, $12, $13) RETURNING id")
                .bind(new.child_profile_id).bind(new.household_id).bind(child_agency).bind(household_agency)
                .bind(new.source.as_str()).bind(new.side.as_str()).bind(actor.user_id).bind(note)
                .bind(assigned).bind(deadline).bind(expires).bind(now).bind(new.source.event())
                .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO link_events (link_id, event, from_state, to_state, note, user_id, at) VALUES ($1, 'request', NULL, 'interest_expressed', $2, $3, $4)")
                .bind(id).bind(note).bind(actor.user_id).bind(now).execute(&mut *tx).await?;
            schedule_deadline_jobs!(tx, id, now, deadline, expires);
            let facts = LinkFacts {
                child_agency,
                household_agency,
                household: new.household_id,
                child_worker,
                household_worker: None,
                assigned_to: assigned,
                team_follows_up: follow_up == "family_finding_team",
                requested_by: actor.user_id,
            };
            let text = "Someone has asked to explore a link with you. It is waiting for an answer.";
            notify_sides!(self, tx, id, facts, Some(actor.user_id), text, child: true, family: true, adopters: true);
            audit!(self, tx, who.event("link.requested", "link", id, Some(child_agency), serde_json::json!({
                "child_profile": new.child_profile_id, "household": new.household_id, "side": new.side.as_str(),
                "source": new.source.as_str(), "event": new.source.event(), "deadline_at": deadline, "expires_at": expires})));
            Ok(id)
        }})
    }

    async fn open_refs(&self, rows: Vec<OpenRow>) -> Result<Vec<OpenLinkRef>, StoreError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let names = self.aliases(&ids).await?;
        rows.into_iter()
            .map(|(id, profile, household, state, closure, reason)| {
                Ok(OpenLinkRef {
                    id,
                    children: names.get(&profile).cloned().unwrap_or_default(),
                    household,
                    state: LinkState::from_stored(&state, closure.as_deref(), reason.as_deref())
                        .ok_or_else(|| corrupt("link state", &state))?,
                })
            })
            .collect()
    }
}

/// A link read inside a transaction, its profile and household rows locked (in that order)
/// and then the link's own row.
struct LockedLink {
    id: i64,
    child_profile_id: i64,
    state: LinkState,
    started_by: Side,
    deadline_at: Option<Timestamp>,
    facts: LinkFacts,
}

#[derive(sqlx::FromRow)]
struct LockedRow {
    child_profile_id: i64,
    household_id: i64,
    child_agency_id: i64,
    household_agency_id: i64,
    started_by: String,
    requested_by: i64,
    state: String,
    closure: Option<String>,
    close_reason: Option<String>,
    assigned_to: Option<i64>,
    deadline_at: Option<i64>,
    child_worker: i64,
    household_worker: Option<i64>,
    follow_up: String,
}

macro_rules! lock_link {
    ($self:ident, $tx:ident, $id:expr) => {{
        let id: i64 = $id;
        let lock = $self.row_lock();
        let ends: Option<(i64, i64)> =
            sqlx::query_as("SELECT child_profile_id, household_id FROM links WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *$tx)
                .await?;
        match ends {
            None => None,
            Some((profile, household)) => {
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT id FROM child_profiles WHERE id = $1{lock}")))
                    .bind(profile).execute(&mut *$tx).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT id FROM households WHERE id = $1{lock}")))
                    .bind(household).execute(&mut *$tx).await?;
                let row: LockedRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT l.child_profile_id, l.household_id, l.child_agency_id, l.household_agency_id, l.started_by, \
                     l.requested_by, l.state, l.closure, l.close_reason, l.assigned_to, l.deadline_at, \
                     cp.worker_id AS child_worker, h.worker_id AS household_worker, ca.link_follow_up AS follow_up \
                     FROM links l JOIN child_profiles cp ON cp.id = l.child_profile_id \
                     JOIN households h ON h.id = l.household_id JOIN agencies ca ON ca.id = l.child_agency_id \
                     WHERE l.id = $1{}", if lock.is_empty() { "" } else { " FOR UPDATE OF l" })))
                    .bind(id).fetch_one(&mut *$tx).await?;
                Some(LockedLink::from_row(id, row)?)
            }
        }
    }};
}

/// Locks the link and finds how `$viewer` takes part in it; someone outside it (or a link that
/// does not exist) ends the transaction's body with "not found", the refusal audited.
macro_rules! party_to_link {
    ($self:ident, $tx:ident, $who:expr, $viewer:expr, $id:expr, $body:lifetime) => {{
        let viewer: LinkViewer = $viewer;
        let Some(link) = lock_link!($self, $tx, $id) else {
            break $body Err(StoreError::NotFound);
        };
        let Some(party) = link_party(viewer.actor, viewer.household, link.facts) else {
            audit!($self, $tx, $who.event("link.change_refused", "link", $id, Some(link.facts.child_agency), serde_json::json!({})));
            break $body Err(StoreError::NotFound);
        };
        (link, party)
    }};
}

impl LockedLink {
    fn from_row(id: i64, row: LockedRow) -> Result<Self, StoreError> {
        let state = LinkState::from_stored(
            &row.state,
            row.closure.as_deref(),
            row.close_reason.as_deref(),
        )
        .ok_or_else(|| corrupt("link state", &row.state))?;
        let started_by =
            Side::parse(&row.started_by).ok_or_else(|| corrupt("side", &row.started_by))?;
        Ok(LockedLink {
            id,
            child_profile_id: row.child_profile_id,
            state,
            started_by,
            deadline_at: row.deadline_at,
            facts: LinkFacts {
                child_agency: row.child_agency_id,
                household_agency: row.household_agency_id,
                household: row.household_id,
                child_worker: row.child_worker,
                household_worker: row.household_worker,
                assigned_to: row.assigned_to,
                team_follows_up: row.follow_up == "family_finding_team",
                requested_by: row.requested_by,
            },
        })
    }
}

/// Writes a link's new state and its history entry. A state that waits for nobody has no
/// deadline; the jobs made for the old deadline then find nothing to do.
macro_rules! write_state {
    ($self:ident, $tx:ident, $link:expr, $event:expr, $next:expr, $note:expr, $user:expr, $feedback:expr, $panel:expr) => {{
        let link: &LockedLink = $link;
        let next: LinkState = $next;
        let now = $self.now();
        let (closure, reason) = match next {
            LinkState::Closed(c, r) => (Some(c.as_str()), Some(r.as_str())),
            _ => (None, None),
        };
        let closed = closure.is_some();
        let still_waiting = next.waiting_on(link.started_by).is_some();
        let user: Option<i64> = $user;
        let feedback: Option<&str> = $feedback;
        let panel: Option<String> = $panel;
        sqlx::query(
            "UPDATE links SET state = $1, closure = $2, close_reason = $3, \
             feedback = COALESCE($4, feedback), closed_by = CASE WHEN $5 THEN $6 ELSE closed_by END, \
             closed_at = CASE WHEN $5 THEN $7 ELSE closed_at END, panel_date = COALESCE($8, panel_date), \
             deadline_at = CASE WHEN $9 THEN deadline_at ELSE NULL END, \
             expires_at = CASE WHEN $9 THEN expires_at ELSE NULL END, updated_at = $7 WHERE id = $10")
            .bind(next.code()).bind(closure).bind(reason).bind(feedback).bind(closed).bind(user)
            .bind(now).bind(panel).bind(still_waiting).bind(link.id)
            .execute(&mut *$tx).await?;
        let note: &str = $note;
        sqlx::query("INSERT INTO link_events (link_id, event, from_state, to_state, note, user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(link.id).bind($event.code()).bind(link.state.code()).bind(next.code()).bind(note).bind(user).bind(now)
            .execute(&mut *$tx).await?;
    }};
}

/// After a match: every other open link of the child and of the family closes as superseded,
/// and both profiles are marked matched, each change with its history and notifications.
macro_rules! supersede_others {
    ($self:ident, $tx:ident, $link:expr, $user:expr) => {{
        let link: &LockedLink = $link;
        let user: i64 = $user;
        let now = $self.now();
        let others: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM links WHERE (child_profile_id = $1 OR household_id = $2) AND id <> $3 AND state IN {OPEN_STATES} ORDER BY id")))
            .bind(link.child_profile_id).bind(link.facts.household).bind(link.id)
            .fetch_all(&mut *$tx).await?;
        for other in others {
            let row: LockedRow = sqlx::query_as(
                "SELECT l.child_profile_id, l.household_id, l.child_agency_id, l.household_agency_id, l.started_by, \
                 l.requested_by, l.state, l.closure, l.close_reason, l.assigned_to, l.deadline_at, \
                 cp.worker_id AS child_worker, h.worker_id AS household_worker, ca.link_follow_up AS follow_up \
                 FROM links l JOIN child_profiles cp ON cp.id = l.child_profile_id \
                 JOIN households h ON h.id = l.household_id JOIN agencies ca ON ca.id = l.child_agency_id \
                 WHERE l.id = $1")
                .bind(other).fetch_one(&mut *$tx).await?;
            let other_link = LockedLink::from_row(other, row)?;
            let next = other_link.state.apply(other_link.started_by, None, LinkEvent::Supersede)
                .map_err(LinkRefusal::from)?;
            let feedback = kinlink_domain::link::system_feedback(LinkEvent::Supersede, "");
            write_state!($self, $tx, &other_link, LinkEvent::Supersede, next, &feedback, None, Some(feedback.as_str()), None);
            notify_sides!($self, $tx, other, other_link.facts, None, "A link has closed because the child or the family was matched in another link.",
                child: true, family: true, adopters: true);
        }
        let reason = format!("Matched through link {}", link.id);
        for (kind, table, from) in [("child", "child_profiles", "('published', 'on_hold')"), ("household", "households", "('active', 'on_hold')")] {
            let id = if kind == "child" { link.child_profile_id } else { link.facts.household };
            let before: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT status FROM {table} WHERE id = $1 AND status IN {from}")))
                .bind(id).fetch_optional(&mut *$tx).await?;
            if let Some(before) = before {
                sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET status = 'matched', updated_at = $1 WHERE id = $2")))
                    .bind(now).bind(id).execute(&mut *$tx).await?;
                sqlx::query("INSERT INTO status_changes (profile_kind, profile_id, from_status, to_status, reason, user_id, at) VALUES ($1, $2, $3, 'matched', $4, $5, $6)")
                    .bind(kind).bind(id).bind(&before).bind(&reason).bind(user).bind(now)
                    .execute(&mut *$tx).await?;
            }
        }
    }};
}

impl Store {
    // ---- changing a link ------------------------------------------------------------------

    /// Moves a link on, or closes it, for the viewer's side. The life cycle decides what the
    /// side may do now; taking a link into exploration checks the child's limit; recording the
    /// match closes the child's and the family's other open links as superseded and marks
    /// both profiles matched.
    pub async fn change_link(
        &self,
        who: &Who,
        viewer: LinkViewer,
        id: i64,
        change: &LinkChange,
    ) -> Result<LinkState, StoreError> {
        let actor = viewer.actor;
        let feedback = match change.event {
            LinkEvent::Close(_) => {
                let text = kinlink_domain::link::check_feedback(&change.feedback)
                    .map_err(LinkRefusal::from)?;
                at_most("feedback", "The feedback", text, 4_000)?;
                Some(text.to_owned())
            }
            _ => None,
        };
        let panel = match (change.event, change.panel_date) {
            (LinkEvent::ProceedToMatch, None) => {
                return Err(LinkRefusal::Rule(LinkRuleBroken::PanelDateMissing).into());
            }
            (LinkEvent::ProceedToMatch, Some(date)) => Some(date.to_string()),
            _ => None,
        };
        let note = change.note.trim();
        let settings = self.register_settings().await?;
        write_tx!(self, tx => { 'body: {
            let (link, party) = party_to_link!(self, tx, who, viewer, id, 'body);
            if let Err(denied) = may_on_link(party, LinkAct::Respond) {
                break 'body Err(StoreError::Forbidden(denied));
            }
            let next = match link.state.apply(link.started_by, Some(party.side()), change.event) {
                Ok(next) => next,
                Err(rule) => break 'body Err(LinkRefusal::Rule(rule).into()),
            };
            if next == LinkState::Exploring {
                let exploring: Vec<OpenRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT l.id, l.child_profile_id, h.name, l.state, l.closure, l.close_reason FROM links l \
                     JOIN households h ON h.id = l.household_id WHERE l.child_profile_id = $1 AND l.state IN {EXPLORING_STATES} ORDER BY l.id")))
                    .bind(link.child_profile_id).fetch_all(&mut *tx).await?;
                if exploring.len() as i64 >= settings.max_exploring_links_per_child {
                    let open = self.open_refs(exploring).await?;
                    break 'body Err(LinkRefusal::ChildLimit { limit: settings.max_exploring_links_per_child, open }.into());
                }
            }
            let history_note = feedback.as_deref().unwrap_or(note);
            write_state!(self, tx, &link, change.event, next, history_note, Some(actor.user_id), feedback.as_deref(), panel.clone());
            let text = notification_text(change.event, next);
            notify_sides!(self, tx, id, link.facts, Some(actor.user_id), &text, child: true, family: true, adopters: true);
            if next == LinkState::Matched {
                supersede_others!(self, tx, &link, actor.user_id);
            }
            audit!(self, tx, who.event("link.changed", "link", id, Some(link.facts.child_agency), serde_json::json!({
                "event": change.event.code(), "from": link.state.code(), "to": next.code(),
                "side": party.side().as_str(),
                "closure": match next { LinkState::Closed(c, _) => Some(c.as_str()), _ => None },
                "reason": match next { LinkState::Closed(_, r) => Some(r.as_str()), _ => None },
                "panel_date": panel})));
            Ok(next)
        }})
    }
}

/// What a timed job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    pub kind: String,
    pub link_id: i64,
    /// `reminded`, `escalated`, `expired`, or `moot` when the link had moved on.
    pub outcome: &'static str,
}

/// An e-mail claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutgoingMail {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    /// How many times it was tried before this claim.
    pub attempts: i64,
    /// One attachment (a calendar invitation): its file name, content type and text.
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment: Option<String>,
}

/// A UK date as people write it: "7 December 2026".
fn uk_day(ts: Timestamp) -> String {
    let d = calendar::uk_date(ts);
    format!("{} {} {}", d.day(), d.month(), d.year())
}

impl Store {
    // ---- follow-up, messages ----------------------------------------------------------------

    /// A team manager of the child's agency names who follows the link up.
    pub async fn reassign_link(
        &self,
        who: &Who,
        viewer: LinkViewer,
        id: i64,
        to_user: i64,
    ) -> Result<(), StoreError> {
        let actor = viewer.actor;
        write_tx!(self, tx => { 'body: {
            let (link, party) = party_to_link!(self, tx, who, viewer, id, 'body);
            if let Err(denied) = may_on_link(party, LinkAct::Reassign) {
                break 'body Err(StoreError::Forbidden(denied));
            }
            if !link.state.is_open() {
                break 'body Err(LinkRefusal::Rule(LinkRuleBroken::AlreadyEnded).into());
            }
            let target: Option<(String, String)> = sqlx::query_as(
                "SELECT name, email FROM users WHERE id = $1 AND agency_id = $2 AND disabled_at IS NULL \
                 AND role IN ('team_manager', 'social_worker', 'family_finder')")
                .bind(to_user).bind(link.facts.child_agency).fetch_optional(&mut *tx).await?;
            let Some((name, email)) = target else {
                break 'body Err(LinkRefusal::NotAFollowUpPerson.into());
            };
            let now = self.now();
            sqlx::query("UPDATE links SET assigned_to = $1, updated_at = $2 WHERE id = $3")
                .bind(to_user).bind(now).bind(id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO link_events (link_id, event, from_state, to_state, note, user_id, at) VALUES ($1, 'reassign', $2, $2, $3, $4, $5)")
                .bind(id).bind(link.state.code()).bind(format!("Now followed up by {name}")).bind(actor.user_id).bind(now)
                .execute(&mut *tx).await?;
            if to_user != actor.user_id {
                notify!(self, tx, to_user, &email, id, "You now follow up a link for your agency.");
            }
            audit!(self, tx, who.event("link.reassigned", "link", id, Some(link.facts.child_agency),
                serde_json::json!({"from": link.facts.assigned_to, "to": to_user})));
            Ok(())
        }})
    }

    /// Writes a message in a link. Adopters' messages are read by everyone in the link; staff
    /// choose whether the adopters may read theirs. A closed link takes no more messages.
    pub async fn post_link_message(
        &self,
        who: &Who,
        viewer: LinkViewer,
        id: i64,
        body: &str,
        to_adopters: bool,
        reply_to: Option<i64>,
    ) -> Result<i64, StoreError> {
        let actor = viewer.actor;
        let body = body.trim();
        if body.is_empty() {
            return Err(invalid("body", "Enter a message"));
        }
        at_most("body", "The message", body, 5_000)?;
        write_tx!(self, tx => { 'body: {
            let (link, party) = party_to_link!(self, tx, who, viewer, id, 'body);
            let to_adopters = to_adopters || party == LinkParty::Adopter;
            if let Err(denied) = may_on_link(party, LinkAct::Message { to_adopters }) {
                break 'body Err(StoreError::Forbidden(denied));
            }
            if matches!(link.state, LinkState::Closed(..)) {
                break 'body Err(LinkRefusal::Rule(LinkRuleBroken::AlreadyEnded).into());
            }
            if let Some(parent) = reply_to {
                let found: Option<bool> = sqlx::query_scalar("SELECT to_adopters FROM link_messages WHERE id = $1 AND link_id = $2")
                    .bind(parent).bind(id).fetch_optional(&mut *tx).await?;
                let readable = found.is_some_and(|shared| may_on_link(party, LinkAct::ReadMessage { to_adopters: shared }).is_ok());
                if !readable {
                    break 'body Err(StoreError::NotFound);
                }
            }
            let now = self.now();
            let message: i64 = sqlx::query_scalar(
                "INSERT INTO link_messages (link_id, reply_to, author_id, body, to_adopters, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(id).bind(reply_to).bind(actor.user_id).bind(body).bind(to_adopters).bind(now)
                .fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE links SET updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
            notify_sides!(self, tx, id, link.facts, Some(actor.user_id), "There is a new message in a link.",
                child: true, family: true, adopters: to_adopters);
            audit!(self, tx, who.event("link.message_posted", "link", id, Some(link.facts.child_agency),
                serde_json::json!({"message": message, "to_adopters": to_adopters, "reply_to": reply_to})));
            Ok(message)
        }})
    }

    // ---- notifications ----------------------------------------------------------------------

    /// A person's notifications, newest first.
    pub async fn notifications(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, link_id, event_id, text, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(user_id).bind(limit).fetch_all(pool).await?))
    }

    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id).fetch_one(pool).await?))
    }

    /// Marks a person's notifications read, up to and including `up_to` (what they were shown).
    pub async fn mark_notifications_read(
        &self,
        user_id: i64,
        up_to: i64,
    ) -> Result<u64, StoreError> {
        let now = self.now();
        Ok(with_pool!(self, pool => sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id <= $3 AND read_at IS NULL")
            .bind(now).bind(user_id).bind(up_to).execute(pool).await?.rows_affected()))
    }

    // ---- timed jobs -------------------------------------------------------------------------

    /// Runs one due job, if there is one: claims it, does it and marks it done in one
    /// transaction. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several instances work the
    /// queue at once without taking the same job; on SQLite the write lock does the same.
    pub async fn run_next_job(&self) -> Result<Option<JobOutcome>, StoreError> {
        let now = self.now();
        let skip = match self.row_lock() {
            "" => "",
            _ => " FOR UPDATE SKIP LOCKED",
        };
        let out = write_tx!(self, tx => { 'body: {
            let job: Option<(i64, String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, kind, link_id, deadline_at FROM jobs WHERE done_at IS NULL AND due_at <= $1 ORDER BY due_at, id LIMIT 1{skip}")))
                .bind(now).fetch_optional(&mut *tx).await?;
            let Some((job, kind, link_id, deadline)) = job else {
                break 'body None;
            };
            let Some(link) = lock_link!(self, tx, link_id) else {
                break 'body None;
            };
            let waiting = link.state.waiting_on(link.started_by);
            let outcome: &'static str = match waiting {
                Some(side) if link.deadline_at == Some(deadline) => match kind.as_str() {
                    "link_reminder" => {
                        let text = format!("A link is waiting for your answer. Please answer by the end of {}.", uk_day(deadline));
                        notify_sides!(self, tx, link_id, link.facts, None, &text,
                            child: side == Side::Child, family: side == Side::Family, adopters: false);
                        sqlx::query("INSERT INTO link_events (link_id, event, from_state, to_state, note, user_id, at) VALUES ($1, 'remind', $2, $2, $3, NULL, $4)")
                            .bind(link_id).bind(link.state.code())
                            .bind(format!("Reminder sent to {}: the answer is due by the end of {}.", side.label(), uk_day(deadline)))
                            .bind(now).execute(&mut *tx).await?;
                        "reminded"
                    }
                    "link_escalation" => {
                        let agency = match side { Side::Child => link.facts.child_agency, Side::Family => link.facts.household_agency };
                        let managers: Vec<(i64, String)> = sqlx::query_as(
                            "SELECT id, email FROM users WHERE agency_id = $1 AND role = 'team_manager' AND disabled_at IS NULL")
                            .bind(agency).fetch_all(&mut *tx).await?;
                        for (user, email) in managers {
                            notify!(self, tx, user, &email, link_id, "A link in your agency has not been answered by its deadline. Please make sure someone answers it.");
                        }
                        sqlx::query("UPDATE links SET escalated_at = $1 WHERE id = $2").bind(now).bind(link_id).execute(&mut *tx).await?;
                        sqlx::query("INSERT INTO link_events (link_id, event, from_state, to_state, note, user_id, at) VALUES ($1, 'escalate', $2, $2, $3, NULL, $4)")
                            .bind(link_id).bind(link.state.code())
                            .bind(format!("Not answered by the end of {}: escalated to the team managers of {}.", uk_day(deadline), side.label()))
                            .bind(now).execute(&mut *tx).await?;
                        "escalated"
                    }
                    _ => {
                        let next = link.state.apply(link.started_by, None, LinkEvent::Expire).map_err(LinkRefusal::from)?;
                        let feedback = kinlink_domain::link::system_feedback(LinkEvent::Expire, &uk_day(deadline));
                        write_state!(self, tx, &link, LinkEvent::Expire, next, &feedback, None, Some(feedback.as_str()), None);
                        notify_sides!(self, tx, link_id, link.facts, None, "A link has expired because nobody answered it in time.",
                            child: true, family: true, adopters: true);
                        "expired"
                    }
                },
                _ => "moot",
            };
            sqlx::query("UPDATE jobs SET done_at = $1, outcome = $2, attempts = attempts + 1 WHERE id = $3")
                .bind(now).bind(outcome).bind(job).execute(&mut *tx).await?;
            if outcome != "moot" {
                audit!(self, tx, Who::system().event(&format!("link.{outcome}"), "link", link_id, Some(link.facts.child_agency),
                    serde_json::json!({"job": job, "deadline_at": deadline})));
            }
            Some(JobOutcome { kind, link_id, outcome })
        }});
        Ok(out)
    }

    /// Runs every job that is due now; returns what each did.
    pub async fn run_due_jobs(&self) -> Result<Vec<JobOutcome>, StoreError> {
        let mut done = Vec::new();
        while let Some(outcome) = self.run_next_job().await? {
            done.push(outcome);
        }
        Ok(done)
    }

    // ---- e-mail outbox ----------------------------------------------------------------------

    /// Claims up to `limit` e-mails due for sending, for `claim_seconds`: another instance will
    /// not take them meanwhile, and if this one dies they are tried again after the claim.
    pub async fn claim_mail(
        &self,
        limit: i64,
        claim_seconds: i64,
    ) -> Result<Vec<OutgoingMail>, StoreError> {
        let now = self.now();
        let skip = match self.row_lock() {
            "" => "",
            _ => " FOR UPDATE SKIP LOCKED",
        };
        let claimed = write_tx!(self, tx => {
            let due: Vec<OutgoingMail> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, to_address, subject, body, attempts, attachment_name, attachment_type, attachment FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL \
                 AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY id LIMIT $2{skip}")))
                .bind(now).bind(limit).fetch_all(&mut *tx).await?;
            for mail in &due {
                sqlx::query("UPDATE mail_outbox SET claimed_until = $1, attempts = attempts + 1 WHERE id = $2")
                    .bind(now + claim_seconds).bind(mail.id).execute(&mut *tx).await?;
            }
            due
        });
        Ok(claimed)
    }

    /// Records that an e-mail was sent.
    pub async fn mail_sent(&self, id: i64) -> Result<(), StoreError> {
        let now = self.now();
        with_pool!(self, pool => sqlx::query("UPDATE mail_outbox SET sent_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2")
            .bind(now).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Records a failed attempt: tried again at `retry_at`, or given up on if `None`.
    pub async fn mail_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let now = self.now();
        with_pool!(self, pool => sqlx::query(
            "UPDATE mail_outbox SET claimed_until = NULL, last_error = $1, next_attempt_at = COALESCE($2, next_attempt_at), \
             failed_at = CASE WHEN $2 IS NULL THEN $3 ELSE NULL END WHERE id = $4")
            .bind(error).bind(retry_at).bind(now).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }
}

/// A document uploaded to a link, already sealed and stored by the caller.
#[derive(Debug, Clone)]
pub struct NewLinkDocument {
    pub kind: kinlink_domain::link::DocumentKind,
    pub title: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub object_path: String,
}

/// A document in a link: what it is, and where its sealed bytes are.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkDocument {
    pub id: i64,
    pub link_id: i64,
    pub kind: String,
    pub title: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub object_path: String,
    pub uploaded_by_name: String,
    pub uploaded_at: Timestamp,
    pub shared_with_adopters: bool,
}

macro_rules! document_select {
    () => {
        "SELECT d.id, d.link_id, d.kind, d.title, d.file_name, d.media_type, d.size_bytes, d.sha256, \
         d.object_path, u.name AS uploaded_by_name, d.uploaded_at, d.shared_with_adopters \
         FROM link_documents d JOIN users u ON u.id = d.uploaded_by"
    };
}

impl Store {
    // ---- secure documents -------------------------------------------------------------------

    /// Records a document the caller has sealed and stored. The link must be in exploration
    /// (or matched) and the person a member of staff taking part; the adopters see it only once
    /// their worker shares it. Refused: the caller deletes the stored object.
    pub async fn add_link_document(
        &self,
        who: &Who,
        viewer: LinkViewer,
        id: i64,
        doc: &NewLinkDocument,
    ) -> Result<i64, StoreError> {
        let actor = viewer.actor;
        let title = doc.title.trim();
        if title.is_empty() {
            return Err(invalid("title", "Enter a title for the document"));
        }
        at_most("title", "The title", title, 200)?;
        write_tx!(self, tx => { 'body: {
            let (link, party) = party_to_link!(self, tx, who, viewer, id, 'body);
            let exploring = link.state.exchanges_documents();
            if let Err(denied) = may_on_link(party, LinkAct::UploadDocument { exploring }) {
                break 'body Err(StoreError::Forbidden(denied));
            }
            let now = self.now();
            let document: i64 = sqlx::query_scalar(
                "INSERT INTO link_documents (link_id, kind, title, file_name, media_type, size_bytes, sha256, object_path, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(id).bind(doc.kind.as_str()).bind(title).bind(&doc.file_name).bind(&doc.media_type)
                .bind(doc.size_bytes).bind(&doc.sha256).bind(&doc.object_path).bind(actor.user_id).bind(now)
                .fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE links SET updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
            notify_sides!(self, tx, id, link.facts, Some(actor.user_id), "A document has been added to a link.",
                child: true, family: true, adopters: false);
            audit!(self, tx, who.event("link.document_uploaded", "link", id, Some(link.facts.child_agency), serde_json::json!({
                "document": document, "kind": doc.kind.as_str(), "size_bytes": doc.size_bytes, "sha256": doc.sha256})));
            Ok(document)
        }})
    }

    /// The link's documents this party may see listed (adopters: only those shared with them).
    pub async fn link_documents(&self, seen: &SeenLink) -> Result<Vec<LinkDocument>, StoreError> {
        let all: Vec<LinkDocument> = with_pool!(self, pool => sqlx::query_as(concat!(document_select!(),
            " WHERE d.link_id = $1 AND d.removed_at IS NULL ORDER BY d.id"))
            .bind(seen.link.id).fetch_all(pool).await?);
        Ok(all
            .into_iter()
            .filter(|d| {
                may_on_link(
                    seen.party,
                    LinkAct::ReadDocument {
                        shared_with_adopters: d.shared_with_adopters,
                        link_closed: false,
                    },
                )
                .is_ok()
            })
            .collect())
    }

    /// A document for downloading, if the person may read it now: a party to the link, the
    /// link not closed, and for adopters only what their worker shared. Every download and
    /// every refusal is audited; someone outside the link is told it does not exist.
    pub async fn open_link_document(
        &self,
        who: &Who,
        viewer: LinkViewer,
        id: i64,
        document: i64,
    ) -> Result<LinkDocument, StoreError> {
        write_tx!(self, tx => { 'body: {
            let found: Option<LinkDocument> = sqlx::query_as(concat!(document_select!(),
                " WHERE d.id = $1 AND d.link_id = $2 AND d.removed_at IS NULL"))
                .bind(document).bind(id).fetch_optional(&mut *tx).await?;
            let Some(link) = lock_link!(self, tx, id) else {
                break 'body Err(StoreError::NotFound);
            };
            let agency = Some(link.facts.child_agency);
            let party = link_party(viewer.actor, viewer.household, link.facts);
            let (Some(party), Some(doc)) = (party, found) else {
                audit!(self, tx, who.event("link.document_refused", "link", id, agency, serde_json::json!({"document": document})));
                break 'body Err(StoreError::NotFound);
            };
            let act = LinkAct::ReadDocument {
                shared_with_adopters: doc.shared_with_adopters,
                link_closed: matches!(link.state, LinkState::Closed(..)),
            };
            if let Err(denied) = may_on_link(party, act) {
                audit!(self, tx, who.event("link.document_refused", "link", id, agency,
                    serde_json::json!({"document": document, "rule": denied.code()})));
                // An adopter is not told that an unshared document exists.
                break 'body Err(if denied == kinlink_domain::policy::Denied::NotShared {
                    StoreError::NotFound
                } else {
                    StoreError::Forbidden(denied)
                });
            }
            audit!(self, tx, who.event("link.document_downloaded", "link", id, agency,
                serde_json::json!({"document": document, "side": party.side().as_str()})));
            Ok(doc)
        }})
    }

    /// The adopters' worker lets the adopters read a document, or stops them.
    pub async fn share_link_document(
        &self,
        who: &Who,
        viewer: LinkViewer,
        id: i64,
        document: i64,
        shared: bool,
    ) -> Result<(), StoreError> {
        let actor = viewer.actor;
        write_tx!(self, tx => { 'body: {
            let (link, party) = party_to_link!(self, tx, who, viewer, id, 'body);
            if let Err(denied) = may_on_link(party, LinkAct::ShareDocument) {
                break 'body Err(StoreError::Forbidden(denied));
            }
            let done = sqlx::query("UPDATE link_documents SET shared_with_adopters = $1 WHERE id = $2 AND link_id = $3 AND removed_at IS NULL")
                .bind(shared).bind(document).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                break 'body Err(StoreError::NotFound);
            }
            if shared {
                notify_sides!(self, tx, id, link.facts, Some(actor.user_id), "Your social worker has shared a document with you in a link.",
                    child: false, family: true, adopters: true);
            }
            audit!(self, tx, who.event(if shared { "link.document_shared" } else { "link.document_unshared" }, "link", id,
                Some(link.facts.child_agency), serde_json::json!({"document": document})));
            Ok(())
        }})
    }
}
