//! Adoption Exchange Days and Activity Days: setting an event up and running it through its
//! life cycle, featuring children, booking families with a waiting list, attendance on the day,
//! outcomes, and the lists printed for the day. Interest recorded at an event becomes a link
//! through [`Store::request_link`] with [`crate::LinkSource::Event`], so it obeys every link rule.
//!
//! Race safety: everything that counts places locks the event's row first (`SELECT … FOR
//! UPDATE` on PostgreSQL; SQLite's write transaction holds the database's write lock), then the
//! child's profile, then the household: the same order everywhere, so two transactions never
//! wait for each other in opposite orders. Two families racing for the last place therefore
//! count one after the other, and the second joins the waiting list.

use crate::error::corrupt;
use crate::{Backend, Store, StoreError, Who};
use kinlink_domain::Timestamp;
use kinlink_domain::audit::{AuditEvent, entry_hash};
use kinlink_domain::child::{ChildProfile, Problem};
use kinlink_domain::event::{
    BookingState, EventDetails, EventKind, EventRuleBroken, EventStatus, EventStep, TimeOfDay,
    check_booking_open, check_child_places, check_on_the_day, first_names, place_for_booking,
};
use kinlink_domain::policy::{
    Action, Actor, Permit, Viewer, Visible, allows, authorize, household_sight, reveal_child,
};
use kinlink_domain::profile::{CivilDate, HouseholdStatus};

/// Reads, inside a link's transaction, what interest at event `$event` for child `$child` and
/// household `$household` depends on; the event's row is locked first. Gives `None` for an
/// event that does not exist, else the organising agency, whether it is a draft, and whether
/// the event's rules allow the interest today (the child at the event, the family booked).
/// The caller applies the rule only after the policy, so nobody learns about an event's
/// families by asking.
macro_rules! event_for_interest {
    ($self:ident, $tx:ident, $event:expr, $child:expr, $household:expr, $today:expr) => {{
        let lock = $self.row_lock();
        let row: Option<(String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT status, event_date, organiser_agency_id FROM events WHERE id = $1{lock}"
        )))
        .bind($event)
        .fetch_optional(&mut *$tx)
        .await?;
        match row {
            None => None,
            Some((status, date, organiser)) => {
                let status = kinlink_domain::event::EventStatus::parse(&status)
                    .ok_or_else(|| crate::error::corrupt("event status", &status))?;
                let date = CivilDate::parse_iso(&date)
                    .ok_or_else(|| crate::error::corrupt("event date", &date))?;
                let featured: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM event_children WHERE event_id = $1 AND child_profile_id = $2 AND withdrawn_at IS NULL",
                )
                .bind($event)
                .bind($child)
                .fetch_optional(&mut *$tx)
                .await?;
                let booked: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM event_bookings WHERE event_id = $1 AND household_id = $2 AND state = 'booked'",
                )
                .bind($event)
                .bind($household)
                .fetch_optional(&mut *$tx)
                .await?;
                use kinlink_domain::event::EventRuleBroken;
                let rule = kinlink_domain::event::check_on_the_day(status, date, $today).and_then(|()| {
                    if featured.is_none() {
                        Err(EventRuleBroken::ChildNotFeatured)
                    } else if booked.is_none() {
                        Err(EventRuleBroken::FamilyNotBooked)
                    } else {
                        Ok(())
                    }
                });
                Some((organiser, status == kinlink_domain::event::EventStatus::Draft, rule))
            }
        }
    }};
}

/// Tells a household's social worker and its adopters about their booking, in the app and by
/// e-mail, except `$except` (who did it). E-mails never carry the event's venue or a child's
/// details: the reader signs in to see them.
macro_rules! notify_family {
    ($self:ident, $tx:ident, $event:expr, $household:expr, $except:expr, $text:expr) => {{
        let now = $self.now();
        let text: &str = $text;
        let except: i64 = $except;
        let people: Vec<(i64, String)> = sqlx::query_as(
            "SELECT u.id, u.email FROM users u WHERE u.disabled_at IS NULL AND u.id <> $2 AND \
             (u.household_id = $1 OR u.id = (SELECT h.worker_id FROM households h WHERE h.id = $1)) ORDER BY u.id",
        )
        .bind($household)
        .bind(except)
        .fetch_all(&mut *$tx)
        .await?;
        for (user, email) in people {
            sqlx::query("INSERT INTO notifications (user_id, event_id, text, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user).bind($event).bind(text).bind(now).execute(&mut *$tx).await?;
            sqlx::query("INSERT INTO mail_outbox (to_address, subject, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)")
                .bind(&email)
                .bind("Kinlink: an event booking")
                .bind(crate::links::mail_body(text))
                .bind(now)
                .execute(&mut *$tx).await?;
        }
    }};
}

/// Gives the first family waiting the place that came free, if there is one and a place is
/// free, and tells them.
macro_rules! promote_waiting {
    ($self:ident, $tx:ident, $event:expr, $places:expr, $title:expr) => {{
        let event: i64 = $event;
        let places: i64 = $places;
        let now = $self.now();
        loop {
            let booked: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM event_bookings WHERE event_id = $1 AND state = 'booked'",
            )
            .bind(event)
            .fetch_one(&mut *$tx)
            .await?;
            if booked >= places {
                break;
            }
            let next: Option<(i64, i64)> = sqlx::query_as(
                "SELECT id, household_id FROM event_bookings WHERE event_id = $1 AND state = 'waiting' ORDER BY id LIMIT 1",
            )
            .bind(event)
            .fetch_optional(&mut *$tx)
            .await?;
            let Some((booking, household)) = next else {
                break;
            };
            sqlx::query("UPDATE event_bookings SET state = 'booked', placed_at = $1 WHERE id = $2")
                .bind(now)
                .bind(booking)
                .execute(&mut *$tx)
                .await?;
            let text = format!("A place came free at {} and the family now has it.", $title);
            notify_family!($self, $tx, event, household, 0, &text);
        }
    }};
}

/// An event as everyone who may see it sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub details: EventDetails,
    pub status: EventStatus,
    pub cancel_reason: Option<String>,
    pub organiser_agency_id: i64,
    pub organiser: String,
    /// Families with a place.
    pub booked: u32,
    pub waiting: u32,
    /// Child places taken by the children at the event.
    pub child_places_taken: u32,
    pub updated_at: Timestamp,
}

impl Event {
    /// Whether a family could book today.
    pub fn bookings_open(&self, today: CivilDate) -> bool {
        check_booking_open(self.status, self.details.booking_deadline, today).is_ok()
    }
    /// Whether a new booking would take a place (otherwise it joins the waiting list).
    pub fn places_left(&self) -> u32 {
        self.details.household_places.saturating_sub(self.booked)
    }
    pub fn is_upcoming(&self, today: CivilDate) -> bool {
        self.details.date >= today && self.status != EventStatus::Cancelled
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    title: String,
    event_date: String,
    starts_at: String,
    ends_at: String,
    online: bool,
    venue: String,
    region: String,
    household_places: i64,
    child_places: i64,
    booking_deadline: String,
    description: String,
    organiser_agency_id: i64,
    organiser: String,
    status: String,
    cancel_reason: Option<String>,
    booked: i64,
    waiting: i64,
    child_places_taken: i64,
    updated_at: i64,
}

const EVENT_SELECT: &str = "SELECT e.id, e.kind, e.title, e.event_date, e.starts_at, e.ends_at, e.online, e.venue, \
     e.region, e.household_places, e.child_places, e.booking_deadline, e.description, e.organiser_agency_id, \
     a.name AS organiser, e.status, e.cancel_reason, \
     (SELECT COUNT(*) FROM event_bookings b WHERE b.event_id = e.id AND b.state = 'booked') AS booked, \
     (SELECT COUNT(*) FROM event_bookings b WHERE b.event_id = e.id AND b.state = 'waiting') AS waiting, \
     CAST((SELECT COALESCE(SUM(c.places), 0) FROM event_children c WHERE c.event_id = e.id AND c.withdrawn_at IS NULL) AS BIGINT) AS child_places_taken, \
     e.updated_at \
     FROM events e JOIN agencies a ON a.id = e.organiser_agency_id";

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

impl EventRow {
    fn into_event(self) -> Result<Event, StoreError> {
        let date = |text: &str| CivilDate::parse_iso(text).ok_or_else(|| corrupt("date", text));
        let time = |text: &str| TimeOfDay::parse(text).ok_or_else(|| corrupt("time", text));
        Ok(Event {
            id: self.id,
            details: EventDetails {
                kind: EventKind::parse(&self.kind).ok_or_else(|| corrupt("kind", &self.kind))?,
                title: self.title,
                date: date(&self.event_date)?,
                starts: time(&self.starts_at)?,
                ends: time(&self.ends_at)?,
                online: self.online,
                venue: self.venue,
                region: self.region,
                household_places: count(self.household_places),
                child_places: count(self.child_places),
                booking_deadline: date(&self.booking_deadline)?,
                description: self.description,
            },
            status: EventStatus::parse(&self.status)
                .ok_or_else(|| corrupt("event status", &self.status))?,
            cancel_reason: self.cancel_reason,
            organiser_agency_id: self.organiser_agency_id,
            organiser: self.organiser,
            booked: count(self.booked),
            waiting: count(self.waiting),
            child_places_taken: count(self.child_places_taken),
            updated_at: self.updated_at,
        })
    }
}

/// A child (or sibling group) at an event, as the viewer may see the profile.
#[derive(Debug, Clone)]
pub struct FeaturedChild {
    pub id: i64,
    pub profile: Visible<ChildProfile>,
    pub places: u32,
    /// What the children need to take part: for the organisers and the child's agency only.
    pub support_note: Option<String>,
    /// The viewer may withdraw the child (the child's agency, or the organisers).
    pub may_withdraw: bool,
}

/// A family's booking as the viewer may see it. Families appear by the adopters' first names
/// and their agency: enough to run the day, without surnames or where they live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: i64,
    pub household_id: i64,
    pub family: String,
    pub agency: String,
    pub state: BookingState,
    /// Place on the waiting list, from 1.
    pub position: Option<u32>,
    pub attended: Option<bool>,
    /// The viewer may open the family's profile.
    pub profile_visible: bool,
    /// The viewer may cancel this booking.
    pub may_cancel: bool,
    /// The viewer may record this family's interest in a child, on the day (a family with a
    /// place; the organisers, the family's workers or the adopters themselves).
    pub may_record_interest: bool,
    /// This is the viewer's own family's booking (adopters), or one of their agency's.
    pub theirs: bool,
}

/// What came of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventOutcomes {
    pub children_featured: u32,
    pub families_booked: u32,
    pub families_attended: u32,
    pub links_started: u32,
    pub links_matched: u32,
}

/// An event's page: the event, what the viewer may do, and who is there.
#[derive(Debug, Clone)]
pub struct EventView {
    pub event: Event,
    /// The viewer runs this event (organiser or register administrator).
    pub manages: bool,
    pub children: Vec<FeaturedChild>,
    pub bookings: Vec<Booking>,
    pub outcomes: EventOutcomes,
}

/// Matches made on the Register, by the channel the link came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelMatches {
    pub online: u32,
    pub exchange_days: u32,
    pub activity_days: u32,
}

impl ChannelMatches {
    pub fn total(&self) -> u32 {
        self.online + self.exchange_days + self.activity_days
    }
}

/// One line of a list printed for the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedLine {
    /// The reference staff use on the day (the booking's or the child's number at the event).
    pub reference: i64,
    pub name: String,
    pub detail: String,
}

/// The lists printed for the day: first names and ages only, no surnames, no places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedLists {
    pub event: Event,
    pub children: Vec<PrintedLine>,
    pub families: Vec<PrintedLine>,
}

/// Someone looking at events: who they are, and their household if they are an adopter.
#[derive(Debug, Clone, Copy)]
pub struct EventViewer<'a> {
    pub viewer: Viewer<'a>,
    pub household: Option<i64>,
}

fn manages(actor: Actor, organiser: i64) -> bool {
    allows(actor, Action::ManageEvent { organiser })
}

/// How to join an online event is for staff and for families with a place: a link to a video
/// call shared with every approved adopter would let anyone in.
fn hide_joining_details(event: &mut Event) {
    if event.details.online {
        event.details.venue =
            "Online: how to join is shown to families with a place, on the event's page".into();
    }
}

/// A refusal to someone who may not run the event: "not found" if they may not even see it (a
/// draft, or someone off the Register), otherwise the rule.
fn hidden_or(event: &Event, actor: Actor, denied: kinlink_domain::policy::Denied) -> StoreError {
    if event.status == EventStatus::Draft || authorize(actor, Action::ViewEvents).is_err() {
        StoreError::NotFound
    } else {
        StoreError::Forbidden(denied)
    }
}

fn invalid(problems: Vec<Problem>) -> Result<(), StoreError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(problems))
    }
}

/// Binds an event's details as `$1` to `$12` of `$query`, in the columns' order.
macro_rules! bind_details {
    ($query:expr, $details:expr) => {{
        let d: &EventDetails = $details;
        $query
            .bind(d.kind.as_str())
            .bind(d.title.trim())
            .bind(d.date.to_string())
            .bind(d.starts.to_string())
            .bind(d.ends.to_string())
            .bind(d.online)
            .bind(d.venue.trim())
            .bind(d.region.as_str())
            .bind(i64::from(d.household_places))
            .bind(i64::from(d.child_places))
            .bind(d.booking_deadline.to_string())
            .bind(d.description.trim())
    }};
}

/// The event in a transaction, its row locked until commit. The lock is taken first, on its
/// own: on PostgreSQL a statement sees the data as it was when the statement began, so counts
/// read by the statement that waited for the lock would miss the bookings of the transaction
/// it waited for.
macro_rules! lock_event {
    ($self:ident, $tx:ident, $id:expr) => {{
        let lock = $self.row_lock();
        let exists: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM events WHERE id = $1{lock}"
        )))
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?;
        match exists {
            None => None,
            Some(_) => {
                let row: EventRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{EVENT_SELECT} WHERE e.id = $1"
                )))
                .bind($id)
                .fetch_one(&mut *$tx)
                .await?;
                Some(row.into_event()?)
            }
        }
    }};
}

/// Locks the event and checks that `$actor` runs it; otherwise ends the transaction's body
/// with "not found" (no such event, or a draft they may not see) or the rule, the refusal
/// audited.
macro_rules! managed_event {
    ($self:ident, $tx:ident, $who:expr, $actor:expr, $id:expr, $body:lifetime) => {{
        let Some(event) = lock_event!($self, $tx, $id) else {
            break $body Err(StoreError::NotFound);
        };
        if let Err(denied) = authorize($actor, Action::ManageEvent { organiser: event.organiser_agency_id }) {
            audit!($self, $tx, $who.event("access.denied", "event", $id, Some(event.organiser_agency_id),
                serde_json::json!({"rule": denied.code()})));
            break $body Err(hidden_or(&event, $actor, denied));
        }
        event
    }};
}

impl Store {
    // ---- setting an event up --------------------------------------------------------------

    /// Sets up a draft event organised by the actor's agency (the register's own team, for
    /// register administrators).
    pub async fn create_event(
        &self,
        who: &Who,
        actor: Actor,
        details: &EventDetails,
    ) -> Result<i64, StoreError> {
        let organiser = actor.agency_id;
        let action = Action::ManageEvent { organiser };
        if let Err(denied) = authorize(actor, action) {
            self.record_refusal(who, organiser, action, denied).await?;
            return Err(StoreError::Forbidden(denied));
        }
        invalid(details.problems(self.today(), None))?;
        let now = self.now();
        write_tx!(self, tx => {
            let id: i64 = bind_details!(sqlx::query_scalar(
                "INSERT INTO events (kind, title, event_date, starts_at, ends_at, online, venue, region, \
                 household_places, child_places, booking_deadline, description, organiser_agency_id, created_by, \
                 status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', $15, $15) RETURNING id"), details)
                .bind(organiser).bind(actor.user_id).bind(now)
                .fetch_one(&mut *tx).await?;
            audit!(self, tx, who.event("event.created", "event", id, Some(organiser),
                serde_json::json!({"kind": details.kind.as_str(), "date": details.date.to_string()})));
            Ok(id)
        })
    }

    /// Changes an event's details while it is live. Fewer places than families already booked
    /// is refused; more places go to the families waiting, in order. Families booked are told
    /// when the date, times or venue change.
    pub async fn edit_event(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        details: &EventDetails,
    ) -> Result<(), StoreError> {
        let today = self.today();
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let event = managed_event!(self, tx, who, actor, id, 'body);
            if let Err(broken) = event.status.check_live() {
                break 'body Err(broken.into());
            }
            let mut problems = details.problems(today, Some(event.details.date));
            if details.household_places < event.booked {
                problems.push(Problem::new("household_places", format!(
                    "{} families already have places: cancel bookings before offering fewer places", event.booked)));
            }
            if details.child_places < event.child_places_taken {
                problems.push(Problem::new("child_places", format!(
                    "{} child places are already taken: withdraw children before offering fewer places", event.child_places_taken)));
            }
            if !problems.is_empty() {
                break 'body Err(StoreError::Invalid(problems));
            }
            bind_details!(sqlx::query(
                "UPDATE events SET kind = $1, title = $2, event_date = $3, starts_at = $4, ends_at = $5, online = $6, \
                 venue = $7, region = $8, household_places = $9, child_places = $10, booking_deadline = $11, \
                 description = $12, updated_at = $13 WHERE id = $14"), details)
                .bind(now).bind(id).execute(&mut *tx).await?;
            promote_waiting!(self, tx, id, i64::from(details.household_places), &details.title);
            let moved = event.details.date != details.date || event.details.starts != details.starts
                || event.details.ends != details.ends || event.details.venue != details.venue
                || event.details.online != details.online;
            if moved {
                let families: Vec<i64> = sqlx::query_scalar(
                    "SELECT household_id FROM event_bookings WHERE event_id = $1 AND state <> 'cancelled' ORDER BY id")
                    .bind(id).fetch_all(&mut *tx).await?;
                let text = format!("The date, time or place of {} has changed. Sign in to see the new details.", details.title);
                for household in families {
                    notify_family!(self, tx, id, household, actor.user_id, &text);
                }
            }
            audit!(self, tx, who.event("event.updated", "event", id, Some(event.organiser_agency_id),
                serde_json::json!({"moved": moved})));
            Ok(())
        }})
    }

    /// Moves an event through its life cycle. Cancelling needs a reason, which the families
    /// booked or waiting are told.
    pub async fn change_event_status(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
        step: EventStep,
        reason: &str,
    ) -> Result<EventStatus, StoreError> {
        let today = self.today();
        let now = self.now();
        let reason = reason.trim();
        write_tx!(self, tx => { 'body: {
            let event = managed_event!(self, tx, who, actor, id, 'body);
            let next = match event.status.apply(step, today, event.details.date) {
                Ok(next) => next,
                Err(broken) => break 'body Err(broken.into()),
            };
            if step == EventStep::Cancel {
                if reason.is_empty() {
                    break 'body Err(StoreError::Invalid(vec![Problem::new("reason", "Say why the event is cancelled: the families booked are told")]));
                }
                if reason.chars().count() > 1_000 {
                    break 'body Err(StoreError::Invalid(vec![Problem::new("reason", "The reason must be 1,000 characters or fewer")]));
                }
            }
            let cancel_reason = (step == EventStep::Cancel).then_some(reason);
            sqlx::query("UPDATE events SET status = $1, cancel_reason = $2, updated_at = $3 WHERE id = $4")
                .bind(next.as_str()).bind(cancel_reason).bind(now).bind(id)
                .execute(&mut *tx).await?;
            if step == EventStep::Cancel {
                let families: Vec<i64> = sqlx::query_scalar(
                    "SELECT household_id FROM event_bookings WHERE event_id = $1 AND state <> 'cancelled' ORDER BY id")
                    .bind(id).fetch_all(&mut *tx).await?;
                let text = format!("{} has been cancelled: {reason}", event.details.title);
                for household in families {
                    notify_family!(self, tx, id, household, actor.user_id, &text);
                }
            }
            audit!(self, tx, who.event("event.status_changed", "event", id, Some(event.organiser_agency_id),
                serde_json::json!({"from": event.status.as_str(), "to": next.as_str(), "step": step.as_str()})));
            Ok(next)
        }})
    }

    // ---- seeing events --------------------------------------------------------------------

    /// The events the viewer may see (the newest thousand), soonest first: drafts only for those who
    /// run them.
    pub async fn events(&self, who: &Who, actor: Actor) -> Result<Vec<Event>, StoreError> {
        if let Err(denied) = authorize(actor, Action::ViewEvents) {
            self.record_refusal(who, actor.agency_id, Action::ViewEvents, denied)
                .await?;
            return Err(StoreError::Forbidden(denied));
        }
        let rows: Vec<EventRow> = with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{EVENT_SELECT} ORDER BY e.event_date DESC, e.starts_at DESC, e.id DESC LIMIT 1000")))
            .fetch_all(pool).await?);
        // The newest thousand (so the years never push coming events off), soonest first.
        let mut out = Vec::new();
        for row in rows.into_iter().rev() {
            let mut event = row.into_event()?;
            if event.status != EventStatus::Draft || manages(actor, event.organiser_agency_id) {
                if actor.role == kinlink_domain::Role::Adopter {
                    hide_joining_details(&mut event);
                }
                out.push(event);
            }
        }
        Ok(out)
    }

    /// One event, with the children and families the viewer may see. Seeing it is audited;
    /// someone who may not see it (a draft, someone off the Register) gets "not found".
    pub async fn event(
        &self,
        who: &Who,
        looking: EventViewer<'_>,
        id: i64,
    ) -> Result<EventView, StoreError> {
        let actor = looking.viewer.actor;
        let mut event = self.event_unchecked(id).await?;
        let manages = manages(actor, event.organiser_agency_id);
        let visible = authorize(actor, Action::ViewEvents).is_ok()
            && (event.status != EventStatus::Draft || manages);
        if !visible {
            self.record(
                who,
                "event.view_refused",
                "event",
                id,
                Some(event.organiser_agency_id),
                serde_json::json!({}),
            )
            .await?;
            return Err(StoreError::NotFound);
        }
        let features: Vec<(i64, i64, i64, i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, child_profile_id, child_agency_id, places, support_note FROM event_children \
             WHERE event_id = $1 AND withdrawn_at IS NULL ORDER BY id")
            .bind(id).fetch_all(pool).await?);
        let mut children = Vec::new();
        for (feature, profile_id, child_agency, places, note) in features {
            let profile = self.child_profile_unchecked(profile_id).await?;
            let exploring = self.child_link_in_exploration(profile_id).await?;
            // The same visibility as everywhere: a child the viewer may not see is not listed.
            let Some(profile) = reveal_child(looking.viewer, profile, exploring) else {
                continue;
            };
            let child_side = allows(actor, Action::FeatureChildAtEvent { child_agency });
            children.push(FeaturedChild {
                id: feature,
                profile,
                places: count(places),
                support_note: (manages || child_side).then_some(note),
                may_withdraw: (manages || child_side) && event.status.is_live(),
            });
        }
        let rows: Vec<BookingRow> = with_pool!(self, pool => sqlx::query_as(
            "SELECT b.id, b.household_id, b.household_agency_id, a.name AS agency, h.applicants, h.status, \
             b.state, b.attended, a.adopters_book_events FROM event_bookings b \
             JOIN households h ON h.id = b.household_id JOIN agencies a ON a.id = b.household_agency_id \
             WHERE b.event_id = $1 AND b.state <> 'cancelled' ORDER BY b.id")
            .bind(id).fetch_all(pool).await?);
        let mut bookings = Vec::new();
        let mut waiting = 0;
        for row in rows {
            let state = BookingState::parse(&row.state)
                .ok_or_else(|| corrupt("booking state", &row.state))?;
            let status = HouseholdStatus::parse(&row.status)
                .ok_or_else(|| corrupt("status", &row.status))?;
            let own = looking.household == Some(row.household_id);
            let family_side = allows(
                actor,
                Action::BookFamilyAtEvent {
                    household_agency: row.household_agency_id,
                    own_household: own,
                    adopters_may_book: row.adopters_book_events,
                },
            );
            let theirs = own
                || (actor.role != kinlink_domain::Role::Adopter
                    && actor.agency_id == row.household_agency_id);
            // Counted before anything is left out, so an adopter sees their true place in line.
            if state == BookingState::Waiting {
                waiting += 1;
            }
            // Adopters see their own booking only; staff see everyone who is coming.
            if actor.role == kinlink_domain::Role::Adopter && !own {
                continue;
            }
            bookings.push(Booking {
                id: row.id,
                household_id: row.household_id,
                family: first_names(&split_lines(&row.applicants)),
                agency: row.agency,
                state,
                position: (state == BookingState::Waiting).then_some(waiting),
                attended: row.attended,
                profile_visible: household_sight(
                    looking.viewer,
                    row.household_agency_id,
                    own,
                    status,
                ),
                may_cancel: (manages || family_side) && event.status.is_live(),
                may_record_interest: state == BookingState::Booked
                    && allows(
                        actor,
                        Action::RecordEventInterest {
                            organiser: event.organiser_agency_id,
                            household_agency: row.household_agency_id,
                            own_household: own,
                        },
                    ),
                theirs,
            });
        }
        let has_place = bookings
            .iter()
            .any(|b| b.theirs && b.state == BookingState::Booked);
        if actor.role == kinlink_domain::Role::Adopter && !has_place {
            hide_joining_details(&mut event);
        }
        let outcomes = self.event_outcomes(id).await?;
        self.record(
            who,
            "event.viewed",
            "event",
            id,
            Some(event.organiser_agency_id),
            serde_json::json!({"children": children.len(), "families": bookings.len()}),
        )
        .await?;
        Ok(EventView {
            event,
            manages,
            children,
            bookings,
            outcomes,
        })
    }

    async fn event_unchecked(&self, id: i64) -> Result<Event, StoreError> {
        let row: Option<EventRow> = with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{EVENT_SELECT} WHERE e.id = $1")))
            .bind(id).fetch_optional(pool).await?);
        row.ok_or(StoreError::NotFound)?.into_event()
    }

    async fn event_outcomes(&self, id: i64) -> Result<EventOutcomes, StoreError> {
        let (children, booked, attended, started, matched): (i64, i64, i64, i64, i64) = with_pool!(self, pool => sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM event_children WHERE event_id = $1 AND withdrawn_at IS NULL), \
                 (SELECT COUNT(*) FROM event_bookings WHERE event_id = $1 AND state = 'booked'), \
                 (SELECT COUNT(*) FROM event_bookings WHERE event_id = $1 AND state = 'booked' AND attended = $2), \
                 (SELECT COUNT(*) FROM links WHERE event_id = $1), \
                 (SELECT COUNT(*) FROM links WHERE event_id = $1 AND state = 'matched')")
                .bind(id).bind(true).fetch_one(pool).await?);
        Ok(EventOutcomes {
            children_featured: count(children),
            families_booked: count(booked),
            families_attended: count(attended),
            links_started: count(started),
            links_matched: count(matched),
        })
    }

    /// Matches across the Register by where their link began: online, at an Exchange Day or at
    /// an Activity Day.
    pub async fn matches_by_channel(&self, permit: &Permit) -> Result<ChannelMatches, StoreError> {
        if permit.action() != Action::ViewEvents {
            return Err(StoreError::WrongPermit);
        }
        let rows: Vec<(Option<String>, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT e.kind, COUNT(*) FROM links l LEFT JOIN events e ON e.id = l.event_id \
             WHERE l.state = 'matched' GROUP BY e.kind")
            .fetch_all(pool).await?);
        let mut out = ChannelMatches {
            online: 0,
            exchange_days: 0,
            activity_days: 0,
        };
        for (kind, n) in rows {
            match kind.as_deref().map(EventKind::parse) {
                None => out.online += count(n),
                Some(Some(EventKind::ExchangeDay)) => out.exchange_days += count(n),
                Some(Some(EventKind::ActivityDay)) => out.activity_days += count(n),
                Some(None) => {
                    return Err(corrupt("event kind", kind.as_deref().unwrap_or_default()));
                }
            }
        }
        Ok(out)
    }

    /// The lists printed for the day, for those who run the event: children by first name and
    /// age (with their support notes at an Activity Day), families by first names. Printing is
    /// audited.
    pub async fn printed_lists(
        &self,
        who: &Who,
        actor: Actor,
        id: i64,
    ) -> Result<PrintedLists, StoreError> {
        let event = self.event_unchecked(id).await?;
        let action = Action::ManageEvent {
            organiser: event.organiser_agency_id,
        };
        if let Err(denied) = authorize(actor, action) {
            self.record_refusal(who, event.organiser_agency_id, action, denied)
                .await?;
            return Err(hidden_or(&event, actor, denied));
        }
        let features: Vec<(i64, i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, child_profile_id, support_note FROM event_children WHERE event_id = $1 AND withdrawn_at IS NULL ORDER BY id")
            .bind(id).fetch_all(pool).await?);
        let mut children = Vec::new();
        for (feature, profile_id, note) in features {
            let profile = self.child_profile_unchecked(profile_id).await?;
            let ages: Vec<String> = profile
                .children
                .iter()
                .map(|c| format!("{} ({})", c.alias, c.age))
                .collect();
            let detail = match event.details.kind {
                EventKind::ActivityDay if !note.trim().is_empty() => note,
                _ => String::new(),
            };
            children.push(PrintedLine {
                reference: feature,
                name: kinlink_domain::child::names_list(ages.iter().map(String::as_str)),
                detail,
            });
        }
        let rows: Vec<(i64, String, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT b.id, h.applicants, b.state FROM event_bookings b JOIN households h ON h.id = b.household_id \
             WHERE b.event_id = $1 AND b.state = 'booked' ORDER BY b.id")
            .bind(id).fetch_all(pool).await?);
        let families = rows
            .into_iter()
            .map(|(booking, applicants, _)| PrintedLine {
                reference: booking,
                name: first_names(&split_lines(&applicants)),
                detail: String::new(),
            })
            .collect();
        self.record(
            who,
            "event.lists_printed",
            "event",
            id,
            Some(event.organiser_agency_id),
            serde_json::json!({}),
        )
        .await?;
        Ok(PrintedLists {
            event,
            children,
            families,
        })
    }

    // ---- children at an event ------------------------------------------------------------

    /// Features a published child (or sibling group) at an event, or books them to attend an
    /// Activity Day with a note on what they need. The children take as many child places as
    /// there are children in the group.
    pub async fn feature_child(
        &self,
        who: &Who,
        viewer: Viewer<'_>,
        event_id: i64,
        child_profile_id: i64,
        support_note: &str,
    ) -> Result<i64, StoreError> {
        let actor = viewer.actor;
        let note = support_note.trim();
        if note.chars().count() > 2_000 {
            return Err(StoreError::Invalid(vec![Problem::new(
                "support_note",
                "The note must be 2,000 characters or fewer",
            )]));
        }
        let profile = self.child_profile_unchecked(child_profile_id).await?;
        let child_agency = profile.agency_id;
        let places = u32::try_from(profile.children.len())
            .unwrap_or(u32::MAX)
            .max(1);
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let Some(event) = lock_event!(self, tx, event_id) else { break 'body Err(StoreError::NotFound) };
            let lock = self.row_lock();
            // The status as it is now, the profile locked: it may have changed since it was read.
            let status: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT status FROM child_profiles WHERE id = $1{lock}")))
                .bind(child_profile_id).fetch_one(&mut *tx).await?;
            let published = status == kinlink_domain::profile::ChildStatus::Published.as_str();
            if let Err(denied) = authorize(actor, Action::FeatureChildAtEvent { child_agency }) {
                audit!(self, tx, who.event("access.denied", "child_profile", child_profile_id, Some(child_agency),
                    serde_json::json!({"rule": denied.code(), "event": event_id})));
                // Someone who cannot see the event or the child learns nothing about either.
                break 'body Err(if actor.agency_id != child_agency { StoreError::NotFound } else { StoreError::Forbidden(denied) });
            }
            if event.status == EventStatus::Draft && !manages(actor, event.organiser_agency_id) {
                break 'body Err(StoreError::NotFound);
            }
            if let Err(broken) = event.status.check_live() {
                break 'body Err(broken.into());
            }
            if !published {
                break 'body Err(EventRuleBroken::ChildNotPublished.into());
            }
            let already: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM event_children WHERE event_id = $1 AND child_profile_id = $2 AND withdrawn_at IS NULL")
                .bind(event_id).bind(child_profile_id).fetch_optional(&mut *tx).await?;
            if already.is_some() {
                break 'body Err(EventRuleBroken::AlreadyFeatured.into());
            }
            if let Err(broken) = check_child_places(event.details.child_places, event.child_places_taken, places) {
                break 'body Err(broken.into());
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO event_children (event_id, child_profile_id, child_agency_id, places, support_note, featured_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(event_id).bind(child_profile_id).bind(child_agency).bind(i64::from(places)).bind(note)
                .bind(actor.user_id).bind(now).fetch_one(&mut *tx).await?;
            audit!(self, tx, who.event("event.child_featured", "event", event_id, Some(child_agency),
                serde_json::json!({"child_profile": child_profile_id, "places": places})));
            Ok(id)
        }})
    }

    /// Takes a child off an event: the child's agency, or the organisers.
    pub async fn withdraw_child(
        &self,
        who: &Who,
        actor: Actor,
        event_id: i64,
        feature_id: i64,
    ) -> Result<(), StoreError> {
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let Some(event) = lock_event!(self, tx, event_id) else { break 'body Err(StoreError::NotFound) };
            let row: Option<(i64, i64)> = sqlx::query_as(
                "SELECT child_profile_id, child_agency_id FROM event_children WHERE id = $1 AND event_id = $2 AND withdrawn_at IS NULL")
                .bind(feature_id).bind(event_id).fetch_optional(&mut *tx).await?;
            let Some((profile, child_agency)) = row else { break 'body Err(StoreError::NotFound) };
            if !manages(actor, event.organiser_agency_id)
                && let Err(denied) = authorize(actor, Action::FeatureChildAtEvent { child_agency })
            {
                audit!(self, tx, who.event("access.denied", "event", event_id, Some(child_agency),
                    serde_json::json!({"rule": denied.code(), "child_profile": profile})));
                break 'body Err(StoreError::NotFound);
            }
            if let Err(broken) = event.status.check_live() {
                break 'body Err(broken.into());
            }
            sqlx::query("UPDATE event_children SET withdrawn_at = $1, withdrawn_by = $2 WHERE id = $3")
                .bind(now).bind(actor.user_id).bind(feature_id).execute(&mut *tx).await?;
            audit!(self, tx, who.event("event.child_withdrawn", "event", event_id, Some(child_agency),
                serde_json::json!({"child_profile": profile})));
            Ok(())
        }})
    }

    // ---- families' places -----------------------------------------------------------------

    /// Books a family a place, or a place on the waiting list when the places are taken. Only
    /// while bookings are open and until the end of the deadline's day.
    pub async fn book_family(
        &self,
        who: &Who,
        looking: EventViewer<'_>,
        event_id: i64,
        household_id: i64,
    ) -> Result<(i64, BookingState), StoreError> {
        let actor = looking.viewer.actor;
        let today = self.today();
        let now = self.now();
        let own = looking.household == Some(household_id);
        write_tx!(self, tx => { 'body: {
            let Some(event) = lock_event!(self, tx, event_id) else { break 'body Err(StoreError::NotFound) };
            let lock = self.row_lock();
            let family: Option<(i64, String, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT h.agency_id, h.status, a.adopters_book_events FROM households h JOIN agencies a ON a.id = h.agency_id \
                 WHERE h.id = $1{}", if lock.is_empty() { "" } else { " FOR UPDATE OF h" })))
                .bind(household_id).fetch_optional(&mut *tx).await?;
            let Some((household_agency, status, adopters_may_book)) = family else { break 'body Err(StoreError::NotFound) };
            if event.status == EventStatus::Draft && !manages(actor, event.organiser_agency_id) {
                break 'body Err(StoreError::NotFound);
            }
            if let Err(denied) = authorize(actor, Action::BookFamilyAtEvent { household_agency, own_household: own, adopters_may_book }) {
                audit!(self, tx, who.event("access.denied", "household", household_id, Some(household_agency),
                    serde_json::json!({"rule": denied.code(), "event": event_id})));
                // Adopters learn nothing about other families; staff of another agency neither.
                let theirs = own || (actor.role != kinlink_domain::Role::Adopter && actor.agency_id == household_agency);
                break 'body Err(if theirs { StoreError::Forbidden(denied) } else { StoreError::NotFound });
            }
            if let Err(broken) = check_booking_open(event.status, event.details.booking_deadline, today) {
                break 'body Err(broken.into());
            }
            if status != HouseholdStatus::Active.as_str() {
                break 'body Err(EventRuleBroken::FamilyNotActive.into());
            }
            let already: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM event_bookings WHERE event_id = $1 AND household_id = $2 AND state <> 'cancelled'")
                .bind(event_id).bind(household_id).fetch_optional(&mut *tx).await?;
            if already.is_some() {
                break 'body Err(EventRuleBroken::AlreadyBooked.into());
            }
            let state = place_for_booking(event.booked, event.details.household_places);
            let placed = (state == BookingState::Booked).then_some(now);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO event_bookings (event_id, household_id, household_agency_id, state, booked_by, created_at, placed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(event_id).bind(household_id).bind(household_agency).bind(state.as_str())
                .bind(actor.user_id).bind(now).bind(placed).fetch_one(&mut *tx).await?;
            let text = match state {
                BookingState::Booked => format!("The family has a place at {}.", event.details.title),
                _ => format!("{} is full, so the family is on its waiting list. They will get a place if one comes free.", event.details.title),
            };
            notify_family!(self, tx, event_id, household_id, actor.user_id, &text);
            audit!(self, tx, who.event("event.family_booked", "event", event_id, Some(household_agency),
                serde_json::json!({"household": household_id, "state": state.as_str()})));
            Ok((id, state))
        }})
    }

    /// Cancels a family's booking (or their place on the waiting list). A place that comes
    /// free goes to the first family waiting.
    pub async fn cancel_booking(
        &self,
        who: &Who,
        looking: EventViewer<'_>,
        event_id: i64,
        booking_id: i64,
    ) -> Result<(), StoreError> {
        let actor = looking.viewer.actor;
        let now = self.now();
        write_tx!(self, tx => { 'body: {
            let Some(event) = lock_event!(self, tx, event_id) else { break 'body Err(StoreError::NotFound) };
            let row: Option<(i64, i64, String, bool)> = sqlx::query_as(
                "SELECT b.household_id, b.household_agency_id, b.state, a.adopters_book_events FROM event_bookings b \
                 JOIN agencies a ON a.id = b.household_agency_id WHERE b.id = $1 AND b.event_id = $2")
                .bind(booking_id).bind(event_id).fetch_optional(&mut *tx).await?;
            let Some((household, household_agency, state, adopters_may_book)) = row else { break 'body Err(StoreError::NotFound) };
            let own = looking.household == Some(household);
            let allowed = manages(actor, event.organiser_agency_id)
                || allows(actor, Action::BookFamilyAtEvent { household_agency, own_household: own, adopters_may_book });
            if !allowed {
                audit!(self, tx, who.event("access.denied", "event", event_id, Some(household_agency),
                    serde_json::json!({"booking": booking_id})));
                break 'body Err(StoreError::NotFound);
            }
            if let Err(broken) = event.status.check_live() {
                break 'body Err(broken.into());
            }
            if state == BookingState::Cancelled.as_str() {
                break 'body Err(EventRuleBroken::AlreadyCancelled.into());
            }
            sqlx::query("UPDATE event_bookings SET state = 'cancelled', cancelled_at = $1, cancelled_by = $2 WHERE id = $3")
                .bind(now).bind(actor.user_id).bind(booking_id).execute(&mut *tx).await?;
            let text = format!("The family's booking for {} has been cancelled.", event.details.title);
            notify_family!(self, tx, event_id, household, actor.user_id, &text);
            promote_waiting!(self, tx, event_id, i64::from(event.details.household_places), &event.details.title);
            audit!(self, tx, who.event("event.booking_cancelled", "event", event_id, Some(household_agency),
                serde_json::json!({"household": household, "was": state})));
            Ok(())
        }})
    }

    /// Records on the day whether a booked family came.
    pub async fn record_attendance(
        &self,
        who: &Who,
        actor: Actor,
        event_id: i64,
        booking_id: i64,
        attended: bool,
    ) -> Result<(), StoreError> {
        let today = self.today();
        write_tx!(self, tx => { 'body: {
            let event = managed_event!(self, tx, who, actor, event_id, 'body);
            if let Err(broken) = check_on_the_day(event.status, event.details.date, today) {
                let broken = match broken {
                    EventRuleBroken::NotYetTheDay { date } => EventRuleBroken::AttendanceNotYet { date },
                    other => other,
                };
                break 'body Err(broken.into());
            }
            let done = sqlx::query("UPDATE event_bookings SET attended = $1 WHERE id = $2 AND event_id = $3 AND state = 'booked'")
                .bind(attended).bind(booking_id).bind(event_id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                break 'body Err(EventRuleBroken::FamilyNotBooked.into());
            }
            audit!(self, tx, who.event("event.attendance_recorded", "event", event_id, Some(event.organiser_agency_id),
                serde_json::json!({"booking": booking_id, "attended": attended})));
            Ok(())
        }})
    }

    /// The events a household is booked into or waiting for, soonest first.
    pub async fn household_bookings(
        &self,
        household_id: i64,
    ) -> Result<Vec<(Event, BookingState)>, StoreError> {
        let rows: Vec<(i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT event_id, state FROM event_bookings WHERE household_id = $1 AND state <> 'cancelled' ORDER BY id")
            .bind(household_id).fetch_all(pool).await?);
        let mut out = Vec::new();
        for (event, state) in rows {
            let state =
                BookingState::parse(&state).ok_or_else(|| corrupt("booking state", &state))?;
            out.push((self.event_unchecked(event).await?, state));
        }
        out.sort_by_key(|(e, _)| (e.details.date, e.details.starts));
        Ok(out)
    }
}

#[derive(sqlx::FromRow)]
struct BookingRow {
    id: i64,
    household_id: i64,
    household_agency_id: i64,
    agency: String,
    applicants: String,
    status: String,
    state: String,
    attended: Option<bool>,
    adopters_book_events: bool,
}

fn split_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}
