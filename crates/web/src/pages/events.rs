//! Adoption Exchange Days and Activity Days: the list of events, setting one up, an event's page
//! (children featured, families booked and waiting, the day itself, outcomes), the lists
//! printed for the day, and the calendar file. Every decision is the store's and the policy's;
//! a refused action shows the event's page again with the reason, and changes nothing.

use super::{done, invalid, page, refusal_message};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::format::long_date;
use crate::pages::children::{viewer, viewer_household};
use crate::view::{Choice, Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kinlink_domain::event::{
    BookingState, EventDetails, EventKind, EventStatus, EventStep, EventText,
};
use kinlink_domain::invitation::{Invitation, ics_download};
use kinlink_domain::link::Side;
use kinlink_domain::places::REGIONS;
use kinlink_domain::policy::{self, Action};
use kinlink_domain::profile::{ChildStatus, HouseholdStatus};
use kinlink_store::{
    ChannelMatches, Event, EventView, EventViewer, LinkSource, NewLink, PrintedLists, StoreError,
};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// An event in a list.
pub struct EventRow {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub when: String,
    pub region: String,
    pub status: &'static str,
    pub places: String,
}

fn when(e: &Event) -> String {
    format!(
        "{}, {} to {}",
        long_date(e.details.date),
        e.details.starts,
        e.details.ends
    )
}

fn places_text(e: &Event) -> String {
    let mut text = format!(
        "{} of {} family places taken",
        e.booked, e.details.household_places
    );
    if e.waiting > 0 {
        text.push_str(&format!(", {} waiting", e.waiting));
    }
    text
}

fn list_row(e: &Event) -> EventRow {
    EventRow {
        id: e.id,
        title: e.details.title.clone(),
        kind: e.details.kind.label(),
        when: when(e),
        region: e.details.region.clone(),
        status: e.status.label(),
        places: places_text(e),
    }
}

/// A channel's share of the matches made on the Register.
pub struct Share {
    pub channel: &'static str,
    pub matches: u32,
    pub percent: String,
}

fn shares(m: ChannelMatches) -> Vec<Share> {
    let total = m.total();
    [
        ("Online, through the Register", m.online),
        ("Adoption Exchange Days", m.exchange_days),
        ("Adoption Activity Days", m.activity_days),
    ]
    .into_iter()
    .map(|(channel, matches)| Share {
        channel,
        matches,
        percent: if total == 0 {
            "–".into()
        } else {
            format!("{:.0}%", f64::from(matches) * 100.0 / f64::from(total))
        },
    })
    .collect()
}

#[derive(Template)]
#[template(path = "events.html")]
pub struct ListPage {
    c: Chrome,
    /// "Coming up" and "Past events", each with its events.
    sections: Vec<(&'static str, Vec<EventRow>)>,
    may_create: bool,
    shares: Vec<Share>,
    total_matches: u32,
}

pub async fn list(State(state): State<AppState>, s: SignedIn) -> Result<Response, WebError> {
    let events = state.store.events(&s.who(), s.actor()).await?;
    let permit = policy::authorize(s.actor(), Action::ViewEvents)?;
    let today = state.store.today();
    let (upcoming, past): (Vec<&Event>, Vec<&Event>) =
        events.iter().partition(|e| e.details.date >= today);
    let matches = state.store.matches_by_channel(&permit).await?;
    page(&ListPage {
        c: s.chrome("Exchange and Activity Days", "/events"),
        sections: vec![
            ("Coming up", upcoming.into_iter().map(list_row).collect()),
            (
                "Past events",
                past.into_iter().rev().map(list_row).collect(),
            ),
        ],
        may_create: may_create(&s),
        shares: shares(matches),
        total_matches: matches.total(),
    })
}

fn may_create(s: &SignedIn) -> bool {
    policy::allows(
        s.actor(),
        Action::ManageEvent {
            organiser: s.actor().agency_id,
        },
    )
}

// ---- setting an event up ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "event_form.html")]
pub struct FormPage {
    c: Chrome,
    errors: FormErrors,
    /// `None` for a new event.
    id: Option<i64>,
    f: EventText,
    kinds: Vec<Choice>,
    regions: Vec<Choice>,
}

fn form_page(s: &SignedIn, id: Option<i64>, f: EventText, errors: FormErrors) -> FormPage {
    let title = if id.is_some() {
        "Change the event's details"
    } else {
        "Set up an event"
    };
    let mut regions = vec![Choice::new("", "Choose a region")];
    regions.extend(REGIONS.iter().map(|r| Choice::new(*r, *r)));
    FormPage {
        c: s.chrome(title, "/events").with_errors(&errors),
        errors,
        id,
        f,
        kinds: EventKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), k.label()))
            .collect(),
        regions,
    }
}

#[derive(Deserialize, Default)]
pub struct DetailsForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    online: Option<String>,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    household_places: String,
    #[serde(default)]
    child_places: String,
    #[serde(default)]
    booking_deadline: String,
    #[serde(default)]
    description: String,
}

impl DetailsForm {
    fn text(self) -> EventText {
        EventText {
            kind: self.kind,
            title: self.title,
            date: self.date,
            starts: self.starts,
            ends: self.ends,
            online: self.online.is_some(),
            venue: self.venue,
            region: self.region,
            household_places: self.household_places,
            child_places: self.child_places,
            booking_deadline: self.booking_deadline,
            description: self.description,
        }
    }
}

pub async fn new_form(State(state): State<AppState>, s: SignedIn) -> Result<Response, WebError> {
    let organiser = s.actor().agency_id;
    crate::pages::children::authorize_audited(&state, &s, Action::ManageEvent { organiser })
        .await?;
    let f = EventText {
        kind: EventKind::ExchangeDay.as_str().into(),
        starts: "10:00".into(),
        ends: "15:00".into(),
        region: s.agency.region.clone(),
        ..EventText::default()
    };
    page(&form_page(&s, None, f, FormErrors::default()))
}

/// Saves a new event or changes one; either way bad details show the form again with each
/// field's problem and nothing stored.
async fn save(
    state: &AppState,
    s: &SignedIn,
    id: Option<i64>,
    f: DetailsForm,
) -> Result<Response, WebError> {
    let text = f.text();
    let saved = match text.read() {
        Err(problems) => Err(StoreError::Invalid(problems)),
        Ok(details) => match id {
            None => {
                state
                    .store
                    .create_event(&s.who(), s.actor(), &details)
                    .await
            }
            Some(id) => state
                .store
                .edit_event(&s.who(), s.actor(), id, &details)
                .await
                .map(|()| id),
        },
    };
    match saved {
        Ok(id) => Ok(done(&format!("/events/{id}?done=saved"))),
        Err(StoreError::Invalid(problems)) => {
            let mut errors = FormErrors::default();
            for p in problems {
                errors.add(p.field, p.message);
            }
            invalid(&form_page(s, id, text, errors))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    s: SignedIn,
    Form(f): Form<DetailsForm>,
) -> Result<Response, WebError> {
    save(&state, &s, None, f).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let v = show_view(&state, &s, id).await?;
    // Those who see the event but do not run it are refused with the rule, logged.
    let organiser = v.event.organiser_agency_id;
    crate::pages::children::authorize_audited(&state, &s, Action::ManageEvent { organiser })
        .await?;
    let f = EventText::of(&v.event.details);
    page(&form_page(&s, Some(id), f, FormErrors::default()))
}

pub async fn update(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<DetailsForm>,
) -> Result<Response, WebError> {
    save(&state, &s, Some(id), f).await
}

// ---- an event's page --------------------------------------------------------------------

pub struct ChildLine {
    pub feature: i64,
    pub profile: i64,
    pub title: String,
    pub ages: String,
    pub places: u32,
    pub support_note: Option<String>,
    pub may_withdraw: bool,
}

pub struct BookingLine {
    pub id: i64,
    pub family: String,
    pub household: i64,
    pub profile_visible: bool,
    pub agency: String,
    pub state: String,
    pub booked: bool,
    pub attended: Option<bool>,
    pub may_cancel: bool,
}

#[derive(Template)]
#[template(path = "event.html")]
pub struct EventPage {
    c: Chrome,
    errors: FormErrors,
    v: EventView,
    kind: &'static str,
    status: &'static str,
    when: String,
    deadline: String,
    places: String,
    child_places: String,
    steps: Vec<(&'static str, &'static str)>,
    may_cancel_event: bool,
    children: Vec<ChildLine>,
    bookings: Vec<BookingLine>,
    /// The viewer's agency's published children not yet at the event, to feature.
    to_feature: Vec<Choice>,
    /// Families the viewer may book who are not booked yet.
    to_book: Vec<Choice>,
    /// The adopter's own family, when they may book it themselves.
    own_family: Option<i64>,
    on_the_day: bool,
    /// Booked families and featured children, for recording interest.
    interest_families: Vec<Choice>,
    interest_children: Vec<Choice>,
    note: String,
    reason: String,
    activity: bool,
}

async fn show_view(state: &AppState, s: &SignedIn, id: i64) -> Result<EventView, WebError> {
    let context = viewer_household(state, s).await?;
    let looking = EventViewer {
        viewer: viewer(s, &context),
        household: s.user.household_id,
    };
    Ok(state.store.event(&s.who(), looking, id).await?)
}

/// What the viewer typed in a form that was refused, to show again.
#[derive(Default)]
struct Typed {
    note: String,
    reason: String,
}

async fn event_page(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    errors: FormErrors,
    notice: Option<String>,
    typed: Typed,
) -> Result<EventPage, WebError> {
    let v = show_view(state, s, id).await?;
    let e = &v.event;
    let today = state.store.today();
    let actor = s.actor();
    let live = e.status.is_live();
    let on_the_day =
        today >= e.details.date && !matches!(e.status, EventStatus::Draft | EventStatus::Cancelled);

    let children: Vec<ChildLine> = v
        .children
        .iter()
        .map(|c| ChildLine {
            feature: c.id,
            profile: c.profile.id,
            title: c.profile.title(),
            ages: c
                .profile
                .children
                .iter()
                .map(|k| format!("{} ({})", k.alias, k.age))
                .collect::<Vec<_>>()
                .join(", "),
            places: c.places,
            support_note: c.support_note.clone(),
            may_withdraw: c.may_withdraw,
        })
        .collect();
    let bookings: Vec<BookingLine> = v
        .bookings
        .iter()
        .map(|b| BookingLine {
            id: b.id,
            family: b.family.clone(),
            household: b.household_id,
            profile_visible: b.profile_visible,
            agency: b.agency.clone(),
            state: match (b.state, b.position) {
                (BookingState::Waiting, Some(n)) => format!("Waiting list, number {n}"),
                (state, _) => state.label().to_owned(),
            },
            booked: b.state == BookingState::Booked,
            attended: b.attended,
            may_cancel: b.may_cancel,
        })
        .collect();

    // Children the viewer's agency could feature: published, not already there.
    let mut to_feature = Vec::new();
    if live
        && policy::allows(
            actor,
            Action::FeatureChildAtEvent {
                child_agency: actor.agency_id,
            },
        )
        && let Ok(permit) = policy::authorize(
            actor,
            Action::EditChildProfile {
                agency: actor.agency_id,
            },
        )
    {
        for p in state
            .store
            .agency_child_profiles(&permit, Some(ChildStatus::Published))
            .await?
        {
            if !children.iter().any(|c| c.profile == p.id) {
                to_feature.push(Choice::new(p.id.to_string(), p.title()));
            }
        }
    }
    // Families the viewer could book: their agency's active families, not already booked.
    let bookings_open = e.bookings_open(today);
    let mut to_book = Vec::new();
    if bookings_open
        && let Ok(permit) = policy::authorize(
            actor,
            Action::EditHousehold {
                agency: actor.agency_id,
            },
        )
    {
        for h in state.store.agency_households(&permit).await? {
            if h.status == HouseholdStatus::Active
                && !v.bookings.iter().any(|b| b.household_id == h.id)
            {
                to_book.push(Choice::new(
                    h.id.to_string(),
                    h.details.applicants.join(" and "),
                ));
            }
        }
    }
    let own_family = s.user.household_id.filter(|own| {
        bookings_open
            && !v.bookings.iter().any(|b| b.household_id == *own)
            && policy::allows(
                actor,
                Action::BookFamilyAtEvent {
                    household_agency: s.agency.id,
                    own_household: true,
                    adopters_may_book: s.agency.adopters_book_events,
                },
            )
    });
    let interest_families: Vec<Choice> = if on_the_day {
        v.bookings
            .iter()
            .filter(|b| b.may_record_interest)
            .map(|b| {
                Choice::new(
                    b.household_id.to_string(),
                    format!("{} ({})", b.family, b.agency),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let interest_children = if interest_families.is_empty() {
        Vec::new()
    } else {
        children
            .iter()
            .map(|c| Choice::new(c.profile.to_string(), c.title.clone()))
            .collect()
    };
    let steps = if v.manages {
        e.status
            .steps()
            .into_iter()
            .filter(|s| *s != EventStep::Cancel)
            .map(|s| (s.as_str(), s.label()))
            .collect()
    } else {
        Vec::new()
    };
    Ok(EventPage {
        c: s.chrome(&e.details.title, "/events")
            .with_errors(&errors)
            .with_notice(notice),
        errors,
        kind: e.details.kind.label(),
        status: e.status.label(),
        when: when(e),
        deadline: long_date(e.details.booking_deadline),
        places: places_text(e),
        child_places: format!(
            "{} of {} child places taken",
            e.child_places_taken, e.details.child_places
        ),
        steps,
        may_cancel_event: v.manages && live,
        activity: e.details.kind == EventKind::ActivityDay,
        children,
        bookings,
        to_feature,
        to_book,
        own_family,
        on_the_day,
        interest_families,
        interest_children,
        note: typed.note,
        reason: typed.reason,
        v,
    })
}

fn notice_for(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "saved" => "The event's details have been saved.",
            "status" => "The event's status has been changed.",
            "featured" => "The child is now at this event.",
            "withdrawn" => "The child has been taken off this event.",
            "booked" => "The family has a place at this event.",
            "waiting" => "The event is full, so the family is on the waiting list.",
            "cancelled" => "The booking has been cancelled.",
            "attendance" => "Attendance has been recorded.",
            _ => return None,
        }
        .to_owned(),
    )
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    let p = event_page(
        &state,
        &s,
        id,
        FormErrors::default(),
        notice_for(q.done.as_deref()),
        Typed::default(),
    )
    .await?;
    page(&p)
}

/// After an action on the event's page: on to the page with a notice, or the page again with
/// the reason it was refused (422), nothing changed.
async fn after(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    result: Result<&str, StoreError>,
    field: &'static str,
    typed: Typed,
) -> Result<Response, WebError> {
    match result {
        Ok(notice) => Ok(done(&format!("/events/{id}?done={notice}"))),
        Err(err) => {
            let field = match &err {
                StoreError::Invalid(problems) => problems.first().map_or(field, |p| p.field),
                _ => field,
            };
            let mut errors = FormErrors::default();
            errors.add(field, refusal_message(err)?);
            let p = event_page(state, s, id, errors, None, typed).await?;
            invalid(&p)
        }
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    reason: String,
}

pub async fn change_status(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response, WebError> {
    let step = EventStep::parse(&f.step).ok_or(WebError::NotFound)?;
    let result = state
        .store
        .change_event_status(&s.who(), s.actor(), id, step, &f.reason)
        .await
        .map(|_| "status");
    let typed = Typed {
        reason: f.reason,
        ..Typed::default()
    };
    after(&state, &s, id, result, "step", typed).await
}

#[derive(Deserialize)]
pub struct FeatureForm {
    #[serde(default)]
    child: String,
    #[serde(default)]
    support_note: String,
}

pub async fn feature(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<FeatureForm>,
) -> Result<Response, WebError> {
    let result = match f.child.parse::<i64>() {
        Err(_) => Err(StoreError::Invalid(vec![
            kinlink_domain::child::Problem::new("child", "Choose the child or children to bring"),
        ])),
        Ok(child) => {
            let context = viewer_household(&state, &s).await?;
            state
                .store
                .feature_child(&s.who(), viewer(&s, &context), id, child, &f.support_note)
                .await
                .map(|_| "featured")
        }
    };
    after(&state, &s, id, result, "child", Typed::default()).await
}

pub async fn withdraw(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, feature)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let result = state
        .store
        .withdraw_child(&s.who(), s.actor(), id, feature)
        .await
        .map(|()| "withdrawn");
    after(&state, &s, id, result, "children", Typed::default()).await
}

#[derive(Deserialize)]
pub struct BookForm {
    #[serde(default)]
    household: String,
}

pub async fn book(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<BookForm>,
) -> Result<Response, WebError> {
    let household = s.user.household_id.or(f.household.parse::<i64>().ok());
    let result = match household {
        None => Err(StoreError::Invalid(vec![
            kinlink_domain::child::Problem::new("household", "Choose the family to book"),
        ])),
        Some(household) => {
            let context = viewer_household(&state, &s).await?;
            let looking = EventViewer {
                viewer: viewer(&s, &context),
                household: s.user.household_id,
            };
            state
                .store
                .book_family(&s.who(), looking, id, household)
                .await
                .map(|(_, state)| match state {
                    BookingState::Waiting => "waiting",
                    _ => "booked",
                })
        }
    };
    after(&state, &s, id, result, "household", Typed::default()).await
}

pub async fn cancel(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, booking)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let context = viewer_household(&state, &s).await?;
    let looking = EventViewer {
        viewer: viewer(&s, &context),
        household: s.user.household_id,
    };
    let result = state
        .store
        .cancel_booking(&s.who(), looking, id, booking)
        .await
        .map(|()| "cancelled");
    after(&state, &s, id, result, "bookings", Typed::default()).await
}

#[derive(Deserialize)]
pub struct AttendanceForm {
    #[serde(default)]
    attended: String,
}

pub async fn attendance(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, booking)): Path<(i64, i64)>,
    Form(f): Form<AttendanceForm>,
) -> Result<Response, WebError> {
    let result = state
        .store
        .record_attendance(&s.who(), s.actor(), id, booking, f.attended == "yes")
        .await
        .map(|()| "attendance");
    after(&state, &s, id, result, "bookings", Typed::default()).await
}

#[derive(Deserialize)]
pub struct InterestForm {
    #[serde(default, rename = "interest_child")]
    child: String,
    #[serde(default, rename = "interest_household")]
    household: String,
    #[serde(default)]
    note: String,
    genuine: Option<String>,
}

/// "This family is interested in this child": a link with source = event, from the family's
/// side, under every link rule (the genuine-option step, the note, the family's limit).
pub async fn interest(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<InterestForm>,
) -> Result<Response, WebError> {
    let household = s.user.household_id.or(f.household.parse::<i64>().ok());
    let (Some(household), Ok(child)) = (household, f.child.parse::<i64>()) else {
        let mut errors = FormErrors::default();
        errors.add("interest", "Choose the family and the child");
        let typed = Typed {
            note: f.note,
            ..Typed::default()
        };
        let p = event_page(&state, &s, id, errors, None, typed).await?;
        return invalid(&p);
    };
    let context = viewer_household(&state, &s).await?;
    let new = NewLink {
        child_profile_id: child,
        household_id: household,
        side: Side::Family,
        note: f.note.clone(),
        confirmed: f.genuine.is_some(),
        source: LinkSource::Event(id),
    };
    match state
        .store
        .request_link(&s.who(), viewer(&s, &context), s.user.household_id, &new)
        .await
    {
        Ok(link) => Ok(done(&format!("/links/{link}?done=requested"))),
        Err(err) => {
            // The links' own rules point at their field: the confirmation, or the note.
            let field = match &err {
                StoreError::Link(kinlink_store::LinkRefusal::NotConfirmed) => "genuine",
                StoreError::Link(kinlink_store::LinkRefusal::NoteMissing) => "note",
                _ => "interest",
            };
            let typed = Typed {
                note: f.note,
                ..Typed::default()
            };
            after(&state, &s, id, Err(err), field, typed).await
        }
    }
}

// ---- the day's lists and the calendar ---------------------------------------------------

#[derive(Template)]
#[template(path = "event_print.html")]
pub struct PrintPage {
    c: Chrome,
    l: PrintedLists,
    when: String,
    activity: bool,
}

pub async fn print(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let l = state.store.printed_lists(&s.who(), s.actor(), id).await?;
    page(&PrintPage {
        c: s.chrome(
            &format!("Lists for the day – {}", l.event.details.title),
            "/events",
        ),
        when: when(&l.event),
        activity: l.event.details.kind == EventKind::ActivityDay,
        l,
    })
}

/// The event as an `.ics` file to add to a calendar: the title, times and venue, nothing about
/// any child or family.
pub async fn calendar(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let v = show_view(&state, &s, id).await?;
    let body = calendar_file(&v.event, state.store.now());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"kinlink-event.ics\""),
            ),
        ],
        body,
    )
        .into_response())
}

fn calendar_file(e: &Event, now: i64) -> String {
    let d: &EventDetails = &e.details;
    let (starts_at, ends_at) = d.moments();
    let uid = format!("event-{}@kinlink", e.id);
    let location = if d.online {
        format!("Online: {}", d.venue)
    } else {
        d.venue.clone()
    };
    let summary = format!("{}: {}", d.kind.label(), d.title);
    ics_download(&Invitation {
        uid: &uid,
        // A calendar replaces its copy with a newer one: the last change is the version.
        sequence: u32::try_from(e.updated_at.max(0) / 60).unwrap_or(0),
        stamp: now,
        starts_at,
        minutes: u32::try_from((ends_at - starts_at).max(0) / 60).unwrap_or(0),
        summary: &summary,
        location: &location,
        description: &d.description,
        organiser_name: &e.organiser,
        organiser_email: None,
        attendee_email: None,
        cancelled: e.status == EventStatus::Cancelled,
    })
}
