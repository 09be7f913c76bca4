//! Adoption Exchange Days and Activity Days: another way, beside the online Register, for a
//! child to meet the families who might adopt them (seeds: "featuring the child at an Adoption
//! Exchange Day or attending an Adoption Activity Day").
//!
//! An event's life cycle is one state machine, [`EventStatus::apply`]:
//!
//! ```text
//! draft ─► open for bookings ◄─► bookings closed ─► held
//!   │              │                    │
//!   └──────────────┴────────────────────┴─► cancelled
//! ```
//!
//! Families book places; when the places are taken they join a waiting list, and a cancelled
//! place goes to the first family waiting ([`place_for_booking`]). What a person may do at an
//! event is the policy's business; the rules about the event itself are here. Pure: callers
//! pass today's date in.

use crate::child::Problem;
use crate::coded_enum;
use crate::profile::CivilDate;
use std::fmt;

coded_enum! {
    /// The two kinds of event.
    pub enum EventKind {
        /// Children's agencies feature children's profiles; approved adopters attend.
        ExchangeDay = "exchange_day", "Adoption Exchange Day";
        /// Children and adopters meet at an activity, with their workers there.
        ActivityDay = "activity_day", "Adoption Activity Day";
    }
}

coded_enum! {
    /// Where an event stands.
    pub enum EventStatus {
        /// Being prepared: only its organisers see it.
        Draft = "draft", "Draft";
        Open = "open", "Open for bookings";
        /// No new bookings; children can still be featured until the day.
        Closed = "closed", "Bookings closed";
        Held = "held", "Held";
        Cancelled = "cancelled", "Cancelled";
    }
}

coded_enum! {
    /// What organisers do to an event.
    pub enum EventStep {
        Open = "open", "Open for bookings";
        CloseBookings = "close_bookings", "Close bookings";
        Reopen = "reopen", "Reopen bookings";
        RecordHeld = "record_held", "Record that it was held";
        Cancel = "cancel", "Cancel the event";
    }
}

coded_enum! {
    /// A family's place at an event.
    pub enum BookingState {
        Booked = "booked", "Booked";
        Waiting = "waiting", "On the waiting list";
        Cancelled = "cancelled", "Cancelled";
    }
}

/// A rule about an event that was broken, in words the person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventRuleBroken {
    #[error("an event that is {from} cannot be changed that way ({step})")]
    StepNotAllowed {
        from: &'static str,
        step: &'static str,
    },
    #[error("an event whose date has passed cannot be opened for bookings")]
    DateHasPassed,
    #[error("an event can only be recorded as held on or after its date, {date}")]
    NotYetHeld { date: CivilDate },
    #[error("bookings for this event are not open")]
    NotOpen,
    #[error("bookings for this event closed on {deadline}")]
    DeadlinePassed { deadline: CivilDate },
    #[error("this event has been {0}, so nothing more can be added to it")]
    Finished(&'static str),
    #[error("only a published profile can be featured at an event")]
    ChildNotPublished,
    #[error("this child is already at this event")]
    AlreadyFeatured,
    #[error(
        "the event has places for {places} children and {taken} are taken, so these {wanted} cannot be added"
    )]
    ChildPlacesTaken {
        places: u32,
        taken: u32,
        wanted: u32,
    },
    #[error("only an approved family whose profile is active can be booked")]
    FamilyNotActive,
    #[error("this family already has a place or is on the waiting list")]
    AlreadyBooked,
    #[error("this booking has already been cancelled")]
    AlreadyCancelled,
    #[error("this family does not have a place at this event")]
    FamilyNotBooked,
    #[error("this child is not at this event")]
    ChildNotFeatured,
    #[error("interest is recorded on the day of the event, {date}, or after it")]
    NotYetTheDay { date: CivilDate },
    #[error("attendance is recorded on the day of the event, {date}, or after it")]
    AttendanceNotYet { date: CivilDate },
}

impl EventRuleBroken {
    /// A stable code for the JSON API.
    pub fn code(&self) -> &'static str {
        match self {
            EventRuleBroken::StepNotAllowed { .. } => "event_step_not_allowed",
            EventRuleBroken::DateHasPassed => "event_date_passed",
            EventRuleBroken::NotYetHeld { .. } => "event_not_yet_held",
            EventRuleBroken::NotOpen => "bookings_not_open",
            EventRuleBroken::DeadlinePassed { .. } => "booking_deadline_passed",
            EventRuleBroken::Finished(_) => "event_finished",
            EventRuleBroken::ChildNotPublished => "child_not_published",
            EventRuleBroken::AlreadyFeatured => "already_featured",
            EventRuleBroken::ChildPlacesTaken { .. } => "child_places_taken",
            EventRuleBroken::FamilyNotActive => "family_not_active",
            EventRuleBroken::AlreadyBooked => "already_booked",
            EventRuleBroken::AlreadyCancelled => "already_cancelled",
            EventRuleBroken::FamilyNotBooked => "family_not_booked",
            EventRuleBroken::ChildNotFeatured => "child_not_featured",
            EventRuleBroken::NotYetTheDay { .. } => "not_yet_the_day",
            EventRuleBroken::AttendanceNotYet { .. } => "attendance_not_yet",
        }
    }
}

impl EventStatus {
    /// The one place an event changes status. `today` is the UK date now; `date` the event's.
    pub fn apply(
        self,
        step: EventStep,
        today: CivilDate,
        date: CivilDate,
    ) -> Result<EventStatus, EventRuleBroken> {
        use EventStatus::*;
        let next = match (self, step) {
            (Draft, EventStep::Open) | (Closed, EventStep::Reopen) if date < today => {
                return Err(EventRuleBroken::DateHasPassed);
            }
            (Draft, EventStep::Open) | (Closed, EventStep::Reopen) => Open,
            (Open, EventStep::CloseBookings) => Closed,
            (Open | Closed, EventStep::RecordHeld) if today < date => {
                return Err(EventRuleBroken::NotYetHeld { date });
            }
            (Open | Closed, EventStep::RecordHeld) => Held,
            (Draft | Open | Closed, EventStep::Cancel) => Cancelled,
            _ => {
                return Err(EventRuleBroken::StepNotAllowed {
                    from: self.sentence(),
                    step: step.as_str(),
                });
            }
        };
        Ok(next)
    }

    /// The steps an organiser could take now (the date may still refuse some).
    pub fn steps(self) -> Vec<EventStep> {
        EventStep::ALL
            .iter()
            .copied()
            .filter(|&step| {
                matches!(
                    (self, step),
                    (EventStatus::Draft, EventStep::Open)
                        | (EventStatus::Closed, EventStep::Reopen)
                        | (EventStatus::Open, EventStep::CloseBookings)
                        | (
                            EventStatus::Open | EventStatus::Closed,
                            EventStep::RecordHeld
                        )
                        | (
                            EventStatus::Draft | EventStatus::Open | EventStatus::Closed,
                            EventStep::Cancel
                        )
                )
            })
            .collect()
    }

    /// How the status reads inside a sentence.
    fn sentence(self) -> &'static str {
        match self {
            EventStatus::Draft => "a draft",
            EventStatus::Open => "open for bookings",
            EventStatus::Closed => "closed to bookings",
            EventStatus::Held => "held",
            EventStatus::Cancelled => "cancelled",
        }
    }

    /// Whether children can still be featured and families' bookings changed: until the day
    /// is over or the event is called off.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            EventStatus::Draft | EventStatus::Open | EventStatus::Closed
        )
    }

    /// Refuses additions to an event that is over.
    pub fn check_live(self) -> Result<(), EventRuleBroken> {
        if self.is_live() {
            Ok(())
        } else {
            Err(EventRuleBroken::Finished(self.sentence()))
        }
    }
}

/// Whether a family may book now: bookings open, and the deadline (the end of its day) not
/// passed.
pub fn check_booking_open(
    status: EventStatus,
    deadline: CivilDate,
    today: CivilDate,
) -> Result<(), EventRuleBroken> {
    status.check_live()?;
    if status != EventStatus::Open {
        return Err(EventRuleBroken::NotOpen);
    }
    if today > deadline {
        return Err(EventRuleBroken::DeadlinePassed { deadline });
    }
    Ok(())
}

/// A new booking takes a place while places are free, otherwise it waits.
pub fn place_for_booking(booked: u32, places: u32) -> BookingState {
    if booked < places {
        BookingState::Booked
    } else {
        BookingState::Waiting
    }
}

/// Whether `wanted` more children fit in the event's child places.
pub fn check_child_places(places: u32, taken: u32, wanted: u32) -> Result<(), EventRuleBroken> {
    if taken.saturating_add(wanted) > places {
        Err(EventRuleBroken::ChildPlacesTaken {
            places,
            taken,
            wanted,
        })
    } else {
        Ok(())
    }
}

/// Interest and attendance are recorded on the day or after, never before.
pub fn check_on_the_day(
    status: EventStatus,
    date: CivilDate,
    today: CivilDate,
) -> Result<(), EventRuleBroken> {
    match status {
        EventStatus::Cancelled | EventStatus::Draft => {
            Err(EventRuleBroken::Finished(status.sentence()))
        }
        _ if today < date => Err(EventRuleBroken::NotYetTheDay { date }),
        _ => Ok(()),
    }
}

/// A time of day, to the minute, in UK time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    hour: u8,
    minute: u8,
}

impl TimeOfDay {
    pub fn new(hour: u8, minute: u8) -> Option<Self> {
        (hour < 24 && minute < 60).then_some(TimeOfDay { hour, minute })
    }
    pub fn hour(self) -> u8 {
        self.hour
    }
    pub fn minute(self) -> u8 {
        self.minute
    }

    /// Parses `HH:MM` (or `H:MM`, or `HH.MM` as people often type it).
    pub fn parse(text: &str) -> Option<Self> {
        let (h, m) = text.trim().split_once([':', '.'])?;
        if m.len() != 2 {
            return None;
        }
        Self::new(h.parse().ok()?, m.parse().ok()?)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// The most places of either kind an event offers: the largest Exchange Days in England
/// have had a few hundred families.
pub const MAX_PLACES: u32 = 1_000;

/// What an organiser enters about an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDetails {
    pub kind: EventKind,
    pub title: String,
    pub date: CivilDate,
    pub starts: TimeOfDay,
    pub ends: TimeOfDay,
    /// Held online: the venue then says how to join (sent to those booked, never on lists).
    pub online: bool,
    pub venue: String,
    /// The region it is for (one of [`crate::places::REGIONS`]).
    pub region: String,
    pub household_places: u32,
    pub child_places: u32,
    /// The last day families can book.
    pub booking_deadline: CivilDate,
    pub description: String,
}

impl EventDetails {
    /// When the event starts and ends, as moments (its times are UK time on its date).
    pub fn moments(&self) -> (crate::Timestamp, crate::Timestamp) {
        let day = time::Month::try_from(self.date.month())
            .and_then(|m| time::Date::from_calendar_date(self.date.year(), m, self.date.day()))
            .unwrap_or(time::Date::MIN);
        let at = |t: TimeOfDay| crate::calendar::uk_moment(day, t.hour(), t.minute());
        (at(self.starts), at(self.ends))
    }

    /// Everything wrong with the details, each naming its field. A new event must be in the
    /// future; an existing one keeps a past date it already had (`date_was`).
    pub fn problems(&self, today: CivilDate, date_was: Option<CivilDate>) -> Vec<Problem> {
        let mut out = Vec::new();
        let title = self.title.trim();
        if title.is_empty() {
            out.push(Problem::new("title", "Enter the event's title"));
        } else if title.chars().count() > 120 {
            out.push(Problem::new(
                "title",
                "Title must be 120 characters or fewer",
            ));
        }
        if self.date < today && date_was != Some(self.date) {
            out.push(Problem::new(
                "date",
                "The event's date must be today or later",
            ));
        }
        if self.ends <= self.starts {
            out.push(Problem::new(
                "ends",
                "The end time must be after the start time",
            ));
        }
        let venue = self.venue.trim();
        if venue.is_empty() {
            out.push(Problem::new(
                "venue",
                if self.online {
                    "Say how people join the event online"
                } else {
                    "Enter the venue"
                },
            ));
        } else if venue.chars().count() > 500 {
            out.push(Problem::new(
                "venue",
                "Venue must be 500 characters or fewer",
            ));
        }
        if !crate::places::REGIONS.contains(&self.region.as_str()) {
            out.push(Problem::new("region", "Choose the region the event is for"));
        }
        for (field, places, what) in [
            ("household_places", self.household_places, "families"),
            ("child_places", self.child_places, "children"),
        ] {
            if places == 0 || places > MAX_PLACES {
                out.push(Problem::new(
                    field,
                    format!("Places for {what} must be between 1 and {MAX_PLACES}"),
                ));
            }
        }
        if self.booking_deadline > self.date {
            out.push(Problem::new(
                "booking_deadline",
                "The booking deadline must be on or before the event's date",
            ));
        }
        if self.description.chars().count() > 4_000 {
            out.push(Problem::new(
                "description",
                "Description must be 4,000 characters or fewer",
            ));
        }
        out
    }
}

/// An event's details as typed into a form or sent to the API: text, read into
/// [`EventDetails`] with a problem for each field that cannot be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventText {
    pub kind: String,
    pub title: String,
    pub date: String,
    pub starts: String,
    pub ends: String,
    pub online: bool,
    pub venue: String,
    pub region: String,
    pub household_places: String,
    pub child_places: String,
    pub booking_deadline: String,
    pub description: String,
}

impl EventText {
    /// The details, or what could not be read; the rules about the details themselves are
    /// [`EventDetails::problems`].
    pub fn read(&self) -> Result<EventDetails, Vec<Problem>> {
        let mut problems = Vec::new();
        let kind = EventKind::parse(self.kind.trim());
        if kind.is_none() {
            problems.push(Problem::new("kind", "Choose the kind of event"));
        }
        let mut date = |field: &'static str, text: &str, what: &str| {
            let read = CivilDate::parse_iso(text);
            if read.is_none() {
                problems.push(Problem::new(
                    field,
                    format!("Enter {what} as a date, for example 2027-03-14"),
                ));
            }
            read
        };
        let on = date("date", &self.date, "the event's date");
        let deadline = date(
            "booking_deadline",
            &self.booking_deadline,
            "the booking deadline",
        );
        let mut time = |field: &'static str, text: &str, what: &str| {
            let read = TimeOfDay::parse(text);
            if read.is_none() {
                problems.push(Problem::new(
                    field,
                    format!("Enter {what} as a time on the 24-hour clock, for example 10:00"),
                ));
            }
            read
        };
        let starts = time("starts", &self.starts, "the start time");
        let ends = time("ends", &self.ends, "the end time");
        let mut places = |field: &'static str, text: &str, what: &str| {
            let read = text.trim().parse::<u32>().ok();
            if read.is_none() {
                problems.push(Problem::new(
                    field,
                    format!("Enter the places for {what} as a whole number"),
                ));
            }
            read
        };
        let household_places = places("household_places", &self.household_places, "families");
        let child_places = places("child_places", &self.child_places, "children");
        match (
            kind,
            on,
            starts,
            ends,
            household_places,
            child_places,
            deadline,
        ) {
            (
                Some(kind),
                Some(date),
                Some(starts),
                Some(ends),
                Some(household_places),
                Some(child_places),
                Some(booking_deadline),
            ) if problems.is_empty() => Ok(EventDetails {
                kind,
                title: self.title.trim().to_owned(),
                date,
                starts,
                ends,
                online: self.online,
                venue: self.venue.trim().to_owned(),
                region: self.region.trim().to_owned(),
                household_places,
                child_places,
                booking_deadline,
                description: self.description.trim().to_owned(),
            }),
            _ => Err(problems),
        }
    }

    /// The details as text again, to fill a form.
    pub fn of(d: &EventDetails) -> Self {
        EventText {
            kind: d.kind.as_str().to_owned(),
            title: d.title.clone(),
            date: d.date.to_string(),
            starts: d.starts.to_string(),
            ends: d.ends.to_string(),
            online: d.online,
            venue: d.venue.clone(),
            region: d.region.clone(),
            household_places: d.household_places.to_string(),
            child_places: d.child_places.to_string(),
            booking_deadline: d.booking_deadline.to_string(),
            description: d.description.clone(),
        }
    }
}

/// The adopters' first names only ("Robin and Kit"), for lists printed for the day: no
/// surnames and no places leave the building on paper.
pub fn first_names(applicants: &[String]) -> String {
    let names: Vec<&str> = applicants
        .iter()
        .filter_map(|a| a.split_whitespace().next())
        .collect();
    match names.as_slice() {
        [] => "Unnamed family".into(),
        [one] => (*one).into(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(d: u8) -> CivilDate {
        CivilDate::new(2026, 12, d).unwrap()
    }

    #[test]
    fn the_life_cycle() {
        use EventStatus::*;
        use EventStep as S;
        let (before, on, after) = (day(1), day(5), day(9));
        let date = on;
        assert_eq!(Draft.apply(S::Open, before, date), Ok(Open));
        assert_eq!(Open.apply(S::CloseBookings, before, date), Ok(Closed));
        assert_eq!(Closed.apply(S::Reopen, before, date), Ok(Open));
        assert_eq!(
            Closed.apply(S::Reopen, after, date),
            Err(EventRuleBroken::DateHasPassed)
        );
        assert_eq!(
            Draft.apply(S::Open, after, date),
            Err(EventRuleBroken::DateHasPassed)
        );
        assert_eq!(
            Open.apply(S::RecordHeld, before, date),
            Err(EventRuleBroken::NotYetHeld { date })
        );
        assert_eq!(Closed.apply(S::RecordHeld, on, date), Ok(Held));
        assert_eq!(Open.apply(S::RecordHeld, after, date), Ok(Held));
        for from in [Draft, Open, Closed] {
            assert_eq!(from.apply(S::Cancel, before, date), Ok(Cancelled));
        }
        // Nothing leaves a finished event, and a draft is never "held".
        for from in [Held, Cancelled] {
            for &step in EventStep::ALL {
                assert!(from.apply(step, on, date).is_err(), "{from:?} {step:?}");
            }
        }
        assert!(Draft.apply(S::RecordHeld, after, date).is_err());
        assert!(Open.apply(S::Open, before, date).is_err());
    }

    #[test]
    fn the_offered_steps_are_the_ones_the_machine_takes() {
        let (today, date) = (day(5), day(5));
        for &status in EventStatus::ALL {
            for &step in EventStep::ALL {
                let offered = status.steps().contains(&step);
                let taken = status.apply(step, today, date).is_ok();
                assert_eq!(offered, taken, "{status:?} {step:?}");
            }
        }
    }

    #[test]
    fn bookings_open_until_the_end_of_the_deadline_day() {
        let deadline = day(3);
        assert_eq!(
            check_booking_open(EventStatus::Open, deadline, day(3)),
            Ok(())
        );
        assert_eq!(
            check_booking_open(EventStatus::Open, deadline, day(4)),
            Err(EventRuleBroken::DeadlinePassed { deadline })
        );
        assert_eq!(
            check_booking_open(EventStatus::Draft, deadline, day(1)),
            Err(EventRuleBroken::NotOpen)
        );
        assert_eq!(
            check_booking_open(EventStatus::Closed, deadline, day(1)),
            Err(EventRuleBroken::NotOpen)
        );
        assert!(matches!(
            check_booking_open(EventStatus::Held, deadline, day(1)),
            Err(EventRuleBroken::Finished(_))
        ));
    }

    #[test]
    fn places_then_the_waiting_list() {
        assert_eq!(place_for_booking(0, 2), BookingState::Booked);
        assert_eq!(place_for_booking(1, 2), BookingState::Booked);
        assert_eq!(place_for_booking(2, 2), BookingState::Waiting);
        assert_eq!(check_child_places(10, 8, 2), Ok(()));
        assert_eq!(
            check_child_places(10, 8, 3),
            Err(EventRuleBroken::ChildPlacesTaken {
                places: 10,
                taken: 8,
                wanted: 3
            })
        );
    }

    #[test]
    fn interest_is_recorded_from_the_day() {
        let date = day(5);
        assert_eq!(
            check_on_the_day(EventStatus::Closed, date, day(4)),
            Err(EventRuleBroken::NotYetTheDay { date })
        );
        assert_eq!(check_on_the_day(EventStatus::Closed, date, day(5)), Ok(()));
        assert_eq!(check_on_the_day(EventStatus::Held, date, day(20)), Ok(()));
        assert!(check_on_the_day(EventStatus::Cancelled, date, day(5)).is_err());
    }

    fn details() -> EventDetails {
        EventDetails {
            kind: EventKind::ExchangeDay,
            title: "Winter Exchange Day".into(),
            date: day(10),
            starts: TimeOfDay::new(10, 0).unwrap(),
            ends: TimeOfDay::new(15, 30).unwrap(),
            online: false,
            venue: "Town Hall".into(),
            region: "North West".into(),
            household_places: 40,
            child_places: 30,
            booking_deadline: day(3),
            description: String::new(),
        }
    }

    #[test]
    fn details_are_checked_field_by_field() {
        assert_eq!(details().problems(day(1), None), vec![]);
        let mut bad = details();
        bad.title = "  ".into();
        bad.ends = TimeOfDay::new(9, 0).unwrap();
        bad.venue = String::new();
        bad.online = true;
        bad.region = "Atlantis".into();
        bad.household_places = 0;
        bad.child_places = MAX_PLACES + 1;
        bad.booking_deadline = day(11);
        let fields: Vec<&str> = bad.problems(day(1), None).iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "title",
                "ends",
                "venue",
                "region",
                "household_places",
                "child_places",
                "booking_deadline"
            ]
        );
        // A new event cannot be in the past; an old one keeps its date when edited.
        assert_eq!(details().problems(day(11), None)[0].field, "date");
        assert_eq!(details().problems(day(11), Some(day(10))), vec![]);
    }

    #[test]
    fn text_is_read_field_by_field_and_round_trips() {
        assert_eq!(EventText::of(&details()).read(), Ok(details()));
        let bad = EventText {
            kind: "party".into(),
            date: "14/03/2027".into(),
            starts: "10am".into(),
            ends: "15:00".into(),
            household_places: "lots".into(),
            child_places: "-1".into(),
            booking_deadline: "2027-02-30".into(),
            ..EventText::default()
        };
        let fields: Vec<&str> = bad.read().unwrap_err().iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "kind",
                "date",
                "booking_deadline",
                "starts",
                "household_places",
                "child_places"
            ]
        );
    }

    #[test]
    fn an_event_happens_in_uk_time() {
        // 10:00 on 10 December is GMT; 10:00 on 25 June 2025 is BST, 09:00 UTC.
        let (starts, ends) = details().moments();
        assert_eq!(starts, 1_796_896_800);
        assert_eq!(ends - starts, 5 * 3600 + 1800);
        let mut summer = details();
        summer.date = CivilDate::new(2025, 6, 25).unwrap();
        assert_eq!(summer.moments().0, 1_750_842_000);
    }

    #[test]
    fn times_of_day() {
        assert_eq!(TimeOfDay::parse("9:05"), TimeOfDay::new(9, 5));
        assert_eq!(TimeOfDay::parse("17.30"), TimeOfDay::new(17, 30));
        assert_eq!(TimeOfDay::parse("24:00"), None);
        assert_eq!(TimeOfDay::parse("10:5"), None);
        assert_eq!(TimeOfDay::parse("noon"), None);
        assert_eq!(TimeOfDay::new(9, 5).unwrap().to_string(), "09:05");
    }

    #[test]
    fn printed_lists_carry_first_names_only() {
        let two = ["Robin Ashdown".to_owned(), "Kit Ashdown".to_owned()];
        assert_eq!(first_names(&two), "Robin and Kit");
        assert_eq!(first_names(&["Sam Lee".to_owned()]), "Sam");
        assert_eq!(first_names(&[]), "Unnamed family");
    }
}
