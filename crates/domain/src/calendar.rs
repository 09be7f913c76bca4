//! Working days in England and Wales, and UK civil time: what a link's response deadline is
//! counted in.
//!
//! Bank holidays are computed by rule (Banking and Financial Dealings Act 1971 and the yearly
//! proclamations that keep to the same pattern), so no list has to be typed in each year. The
//! rule cannot know a one-off holiday before it is proclaimed: those that are known are in
//! [`ONE_OFF_CHANGES`], and a new one is added there when it is announced.
//!
//! Pure: no clock, no I/O. Callers pass the moment ("now") in, as everywhere in the domain.

use time::macros::{date, time};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Weekday};

use crate::Timestamp;

/// A bank holiday in England and Wales that the rule does not give: an extra day proclaimed for
/// one occasion, or a rule-based holiday moved to another date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneOffChange {
    /// The day that was a bank holiday.
    pub holiday: Date,
    /// The rule-based holiday it replaced, which was an ordinary working day that year; `None`
    /// for an extra day.
    pub instead_of: Option<Date>,
    pub occasion: &'static str,
}

/// Every one-off change to England and Wales's bank holidays from 2011 on, as published on
/// GOV.UK. Earlier ones (such as the millennium's 31 December 1999 or the 2002 Golden Jubilee)
/// are left out: no link's deadline falls that far back, and a date this table is not sure of
/// would be worse than none. A change proclaimed in future must be added here by hand.
pub const ONE_OFF_CHANGES: &[OneOffChange] = &[
    OneOffChange {
        holiday: date!(2011 - 04 - 29),
        instead_of: None,
        occasion: "Royal wedding of Prince William and Catherine Middleton",
    },
    OneOffChange {
        holiday: date!(2012 - 06 - 04),
        instead_of: Some(date!(2012 - 05 - 28)),
        occasion: "Spring bank holiday, moved for the Queen's Diamond Jubilee",
    },
    OneOffChange {
        holiday: date!(2012 - 06 - 05),
        instead_of: None,
        occasion: "Queen's Diamond Jubilee",
    },
    OneOffChange {
        holiday: date!(2020 - 05 - 08),
        instead_of: Some(date!(2020 - 05 - 04)),
        occasion: "Early May bank holiday, moved to the 75th anniversary of VE Day",
    },
    OneOffChange {
        holiday: date!(2022 - 06 - 02),
        instead_of: Some(date!(2022 - 05 - 30)),
        occasion: "Spring bank holiday, moved for the Queen's Platinum Jubilee",
    },
    OneOffChange {
        holiday: date!(2022 - 06 - 03),
        instead_of: None,
        occasion: "Queen's Platinum Jubilee",
    },
    OneOffChange {
        holiday: date!(2022 - 09 - 19),
        instead_of: None,
        occasion: "State Funeral of Queen Elizabeth II",
    },
    OneOffChange {
        holiday: date!(2023 - 05 - 08),
        instead_of: None,
        occasion: "Coronation of King Charles III",
    },
];

/// England and Wales's bank holidays in `year`, in date order: the rule's, with
/// [`ONE_OFF_CHANGES`] applied. Today's rule is applied to every year; it says nothing true
/// about years before it (1971–1978) and cannot foresee future one-off days. Empty for a year
/// outside the `time` crate's range.
pub fn bank_holidays(year: i32) -> Vec<Date> {
    let mut days = by_rule(year).unwrap_or_default();
    for change in ONE_OFF_CHANGES.iter().filter(|c| c.holiday.year() == year) {
        if let Some(moved) = change.instead_of {
            days.retain(|d| *d != moved);
        }
        days.push(change.holiday);
    }
    days.sort();
    days.dedup();
    days
}

fn by_rule(year: i32) -> Option<Vec<Date>> {
    let day = |month, day| Date::from_calendar_date(year, month, day).ok();
    let easter = easter_sunday(year)?;
    let mut days = vec![
        // New Year's Day, or the Monday after when it falls at a weekend.
        weekday_on_or_after(day(Month::January, 1)?)?,
        easter.checked_sub(Duration::days(2))?,
        easter.checked_add(Duration::days(1))?,
        // Early May: the first Monday in May.
        monday_on_or_after(day(Month::May, 1)?)?,
        // Spring: the last Monday in May. Summer: the last Monday in August.
        monday_on_or_before(day(Month::May, 31)?)?,
        monday_on_or_before(day(Month::August, 31)?)?,
    ];
    // Christmas Day and Boxing Day each get a substitute weekday when they fall at a weekend,
    // Christmas's taking the first free one.
    let (christmas, boxing_day) = match day(Month::December, 25)?.weekday() {
        Weekday::Saturday => (27, 28),
        Weekday::Sunday => (27, 26),
        Weekday::Friday => (25, 28),
        _ => (25, 26),
    };
    days.push(day(Month::December, christmas)?);
    days.push(day(Month::December, boxing_day)?);
    days.sort();
    Some(days)
}

/// Easter Sunday in the Gregorian calendar: the anonymous algorithm (Meeus/Jones/Butcher),
/// which the Church of England's tables agree with. Meaningful from 1583 on.
pub fn easter_sunday(year: i32) -> Option<Date> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn weekday_on_or_after(mut date: Date) -> Option<Date> {
    while is_weekend(date) {
        date = date.next_day()?;
    }
    Some(date)
}

fn monday_on_or_after(date: Date) -> Option<Date> {
    let ahead = (7 - date.weekday().number_days_from_monday()) % 7;
    date.checked_add(Duration::days(i64::from(ahead)))
}

fn monday_on_or_before(date: Date) -> Option<Date> {
    date.checked_sub(Duration::days(i64::from(
        date.weekday().number_days_from_monday(),
    )))
}

/// Whether `date` is a bank holiday in England and Wales (see [`bank_holidays`]).
pub fn is_bank_holiday(date: Date) -> bool {
    bank_holidays(date.year()).contains(&date)
}

/// Monday to Friday and not a bank holiday in England and Wales.
pub fn is_working_day(date: Date) -> bool {
    !is_weekend(date) && !is_bank_holiday(date)
}

/// The `n`-th working day after `from` (`from` itself does not count, whatever day it is);
/// `from` itself when `n` is 0. Saturates at the last date the `time` crate can represent
/// (31 December 9999), thousands of years past any deadline.
pub fn add_working_days(from: Date, n: u32) -> Date {
    let Some(steps) = n.checked_sub(1) else {
        return from;
    };
    working_days_after(from)
        .nth(steps as usize)
        .unwrap_or(Date::MAX)
}

/// How many working days come after `a` up to and including `b`: the `n` for which
/// `add_working_days(a, n) == b` when `b` is a working day. Zero when `a == b`; when `b` is
/// before `a`, minus the count the other way round, so that
/// `working_days_between(a, b) == -working_days_between(b, a)`.
pub fn working_days_between(a: Date, b: Date) -> i64 {
    if b < a {
        return -working_days_between(b, a);
    }
    working_days_after(a).take_while(|d| *d <= b).count() as i64
}

/// Every working day after `from`, in order. Keeps one year's holidays at a time rather than
/// recomputing them for each day.
fn working_days_after(from: Date) -> impl Iterator<Item = Date> {
    let mut year = from.year();
    let mut holidays = bank_holidays(year);
    std::iter::successors(from.next_day(), |d| d.next_day()).filter(move |d| {
        if d.year() != year {
            year = d.year();
            holidays = bank_holidays(year);
        }
        !is_weekend(*d) && !holidays.contains(d)
    })
}

/// The UK's offset from UTC at `ts`, in hours: 1 during British Summer Time, which runs from
/// 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October (Summer Time
/// Order 2002), otherwise 0 (GMT).
pub fn uk_offset_hours(ts: Timestamp) -> i8 {
    let Ok(utc) = OffsetDateTime::from_unix_timestamp(ts) else {
        return 0;
    };
    let year = utc.year();
    match (
        summer_time_change(year, Month::March),
        summer_time_change(year, Month::October),
    ) {
        (Some(start), Some(end)) if (start..end).contains(&ts) => 1,
        _ => 0,
    }
}

/// 01:00 UTC on the last Sunday of `month` (March and October both have 31 days).
fn summer_time_change(year: i32, month: Month) -> Option<Timestamp> {
    let last = Date::from_calendar_date(year, month, 31).ok()?;
    let sunday = last.checked_sub(Duration::days(i64::from(
        last.weekday().number_days_from_sunday(),
    )))?;
    Some(
        PrimitiveDateTime::new(sunday, time!(01:00))
            .assume_utc()
            .unix_timestamp(),
    )
}

/// The date on a UK calendar at `ts`. A moment past the `time` crate's range gives its first or
/// last date.
pub fn uk_date(ts: Timestamp) -> Date {
    let local = ts.saturating_add(i64::from(uk_offset_hours(ts)) * 3600);
    match OffsetDateTime::from_unix_timestamp(local) {
        Ok(t) => t.date(),
        Err(_) if local < 0 => Date::MIN,
        Err(_) => Date::MAX,
    }
}

/// The last second of `date` in UK time: 23:59:59 GMT or BST, whichever is in force that
/// evening.
pub fn end_of_uk_day(date: Date) -> Timestamp {
    uk_wall_clock(date, time!(23:59:59))
}

/// The moment a UK wall-clock time happens on `date`, to the minute.
pub fn uk_moment(date: Date, hour: u8, minute: u8) -> Timestamp {
    let clock = time::Time::from_hms(hour.min(23), minute.min(59), 0).unwrap_or(time!(00:00));
    uk_wall_clock(date, clock)
}

/// `clock` on `date` in GMT or BST, whichever is in force at noon that day. The clocks change
/// at 01:00 UTC, so the offset at noon is the one in force all evening, even on the two days a
/// year it changes; a time before the change on those days is an hour out, and nothing Kinlink
/// schedules happens in the small hours.
fn uk_wall_clock(date: Date, clock: time::Time) -> Timestamp {
    let as_if_utc = |clock| {
        PrimitiveDateTime::new(date, clock)
            .assume_utc()
            .unix_timestamp()
    };
    let offset = uk_offset_hours(as_if_utc(time!(12:00)));
    as_if_utc(clock) - i64::from(offset) * 3600
}

/// A response deadline: the end of the UK day that is `working_days` working days after the UK
/// date of `start` (a link started on Friday evening with 1 working day is due by the end of
/// Monday, bank holidays permitting). With 0 it is the end of the starting day.
pub fn deadline_after(start: Timestamp, working_days: u32) -> Timestamp {
    end_of_uk_day(add_working_days(uk_date(start), working_days))
}

/// When to remind about a deadline: halfway through the time between `start` and `deadline`,
/// counted in seconds, not working days, so it can fall on a weekend or at night; reminders
/// are e-mails that wait in the inbox, and a midpoint by the clock is simple to explain.
pub fn halfway(start: Timestamp, deadline: Timestamp) -> Timestamp {
    start.midpoint(deadline)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn ts(t: OffsetDateTime) -> Timestamp {
        t.unix_timestamp()
    }

    /// GOV.UK's published lists for England and Wales.
    #[test]
    fn published_years() {
        let cases: &[(i32, &[Date])] = &[
            (
                2011,
                &[
                    date!(2011 - 01 - 03),
                    date!(2011 - 04 - 22),
                    date!(2011 - 04 - 25),
                    date!(2011 - 04 - 29),
                    date!(2011 - 05 - 02),
                    date!(2011 - 05 - 30),
                    date!(2011 - 08 - 29),
                    date!(2011 - 12 - 26),
                    date!(2011 - 12 - 27),
                ],
            ),
            (
                2012,
                &[
                    date!(2012 - 01 - 02),
                    date!(2012 - 04 - 06),
                    date!(2012 - 04 - 09),
                    date!(2012 - 05 - 07),
                    date!(2012 - 06 - 04),
                    date!(2012 - 06 - 05),
                    date!(2012 - 08 - 27),
                    date!(2012 - 12 - 25),
                    date!(2012 - 12 - 26),
                ],
            ),
            (
                2020,
                &[
                    date!(2020 - 01 - 01),
                    date!(2020 - 04 - 10),
                    date!(2020 - 04 - 13),
                    date!(2020 - 05 - 08),
                    date!(2020 - 05 - 25),
                    date!(2020 - 08 - 31),
                    date!(2020 - 12 - 25),
                    date!(2020 - 12 - 28),
                ],
            ),
            (
                // Christmas on a Saturday, Boxing Day on a Sunday.
                2021,
                &[
                    date!(2021 - 01 - 01),
                    date!(2021 - 04 - 02),
                    date!(2021 - 04 - 05),
                    date!(2021 - 05 - 03),
                    date!(2021 - 05 - 31),
                    date!(2021 - 08 - 30),
                    date!(2021 - 12 - 27),
                    date!(2021 - 12 - 28),
                ],
            ),
            (
                // New Year's Day on a Saturday; Christmas on a Sunday.
                2022,
                &[
                    date!(2022 - 01 - 03),
                    date!(2022 - 04 - 15),
                    date!(2022 - 04 - 18),
                    date!(2022 - 05 - 02),
                    date!(2022 - 06 - 02),
                    date!(2022 - 06 - 03),
                    date!(2022 - 08 - 29),
                    date!(2022 - 09 - 19),
                    date!(2022 - 12 - 26),
                    date!(2022 - 12 - 27),
                ],
            ),
            (
                // New Year's Day on a Sunday.
                2023,
                &[
                    date!(2023 - 01 - 02),
                    date!(2023 - 04 - 07),
                    date!(2023 - 04 - 10),
                    date!(2023 - 05 - 01),
                    date!(2023 - 05 - 08),
                    date!(2023 - 05 - 29),
                    date!(2023 - 08 - 28),
                    date!(2023 - 12 - 25),
                    date!(2023 - 12 - 26),
                ],
            ),
            (
                2024,
                &[
                    date!(2024 - 01 - 01),
                    date!(2024 - 03 - 29),
                    date!(2024 - 04 - 01),
                    date!(2024 - 05 - 06),
                    date!(2024 - 05 - 27),
                    date!(2024 - 08 - 26),
                    date!(2024 - 12 - 25),
                    date!(2024 - 12 - 26),
                ],
            ),
            (
                2025,
                &[
                    date!(2025 - 01 - 01),
                    date!(2025 - 04 - 18),
                    date!(2025 - 04 - 21),
                    date!(2025 - 05 - 05),
                    date!(2025 - 05 - 26),
                    date!(2025 - 08 - 25),
                    date!(2025 - 12 - 25),
                    date!(2025 - 12 - 26),
                ],
            ),
            (
                // Christmas on a Friday, Boxing Day on a Saturday.
                2026,
                &[
                    date!(2026 - 01 - 01),
                    date!(2026 - 04 - 03),
                    date!(2026 - 04 - 06),
                    date!(2026 - 05 - 04),
                    date!(2026 - 05 - 25),
                    date!(2026 - 08 - 31),
                    date!(2026 - 12 - 25),
                    date!(2026 - 12 - 28),
                ],
            ),
            (
                2027,
                &[
                    date!(2027 - 01 - 01),
                    date!(2027 - 03 - 26),
                    date!(2027 - 03 - 29),
                    date!(2027 - 05 - 03),
                    date!(2027 - 05 - 31),
                    date!(2027 - 08 - 30),
                    date!(2027 - 12 - 27),
                    date!(2027 - 12 - 28),
                ],
            ),
        ];
        for (year, expected) in cases {
            assert_eq!(bank_holidays(*year), *expected, "{year}");
        }
    }

    /// Years not yet published, by the rule: 2028 starts on a Saturday; 2032's Christmas is a
    /// Saturday.
    #[test]
    fn substitute_days_by_rule() {
        assert_eq!(bank_holidays(2028)[0], date!(2028 - 01 - 03));
        let christmas_2032: Vec<Date> = bank_holidays(2032)
            .into_iter()
            .filter(|d| d.month() == Month::December)
            .collect();
        assert_eq!(
            christmas_2032,
            [date!(2032 - 12 - 27), date!(2032 - 12 - 28)]
        );
    }

    #[test]
    fn easter() {
        for (year, sunday) in [
            (1818, date!(1818 - 03 - 22)),
            (2000, date!(2000 - 04 - 23)),
            (2008, date!(2008 - 03 - 23)),
            (2011, date!(2011 - 04 - 24)),
            (2019, date!(2019 - 04 - 21)),
            (2024, date!(2024 - 03 - 31)),
            (2025, date!(2025 - 04 - 20)),
            (2026, date!(2026 - 04 - 05)),
            (2027, date!(2027 - 03 - 28)),
            (2038, date!(2038 - 04 - 25)),
        ] {
            assert_eq!(easter_sunday(year), Some(sunday), "{year}");
        }
    }

    #[test]
    fn one_off_changes_replace_only_rule_holidays() {
        for change in ONE_OFF_CHANGES {
            let rule = by_rule(change.holiday.year()).unwrap();
            assert!(!rule.contains(&change.holiday), "{change:?}");
            if let Some(moved) = change.instead_of {
                assert!(rule.contains(&moved), "{change:?}");
                assert!(!is_bank_holiday(moved), "{change:?}");
            }
            assert!(is_bank_holiday(change.holiday), "{change:?}");
            assert!(!is_weekend(change.holiday), "{change:?}");
        }
    }

    #[test]
    fn counting_working_days() {
        // Friday 6 March 2026 → Monday 9 is the first working day after it.
        let friday = date!(2026 - 03 - 06);
        assert_eq!(add_working_days(friday, 0), friday);
        assert_eq!(add_working_days(friday, 1), date!(2026 - 03 - 09));
        assert_eq!(add_working_days(friday, 3), date!(2026 - 03 - 11));
        // A Saturday start counts from Monday too.
        assert_eq!(
            add_working_days(date!(2026 - 03 - 07), 1),
            date!(2026 - 03 - 09)
        );
        assert_eq!(working_days_between(friday, date!(2026 - 03 - 09)), 1);
        assert_eq!(working_days_between(friday, date!(2026 - 03 - 08)), 0);
        assert_eq!(working_days_between(friday, friday), 0);
        assert_eq!(working_days_between(date!(2026 - 03 - 09), friday), -1);
        assert_eq!(
            working_days_between(date!(2026 - 03 - 11), date!(2026 - 03 - 04)),
            -5
        );
    }

    #[test]
    fn deadline_across_a_weekend() {
        // Friday 6 March 2026, 10:00 GMT, 3 working days: end of Wednesday 11 March (GMT).
        let start = ts(datetime!(2026-03-06 10:00 UTC));
        assert_eq!(
            deadline_after(start, 3),
            ts(datetime!(2026-03-11 23:59:59 UTC))
        );
        assert_eq!(
            deadline_after(start, 0),
            ts(datetime!(2026-03-06 23:59:59 UTC))
        );
    }

    #[test]
    fn deadline_across_christmas_and_new_year() {
        // Wednesday 23 December 2026: Christmas Day (Fri), Boxing Day's substitute (Mon 28) and
        // New Year's Day (Fri) are skipped as well as the weekends.
        let start = ts(datetime!(2026-12-23 15:00 UTC));
        assert_eq!(
            deadline_after(start, 5),
            ts(datetime!(2027-01-04 23:59:59 UTC))
        );
    }

    #[test]
    fn deadline_across_easter_in_summer_time() {
        // Thursday 2 April 2026: Good Friday and Easter Monday are skipped; the deadline is
        // 23:59:59 BST on Wednesday 8 April, which is 22:59:59 UTC.
        let start = ts(datetime!(2026-04-02 09:00 UTC));
        assert_eq!(
            deadline_after(start, 2),
            ts(datetime!(2026-04-08 22:59:59 UTC))
        );
    }

    #[test]
    fn late_night_start_counts_from_the_uk_date() {
        // 23:30 UTC on Thursday 2 July 2026 is 00:30 BST on Friday 3 July: one working day
        // after Friday is Monday 6 July (counting from the UTC date would give Friday).
        let start = ts(datetime!(2026-07-02 23:30 UTC));
        assert_eq!(uk_date(start), date!(2026 - 07 - 03));
        assert_eq!(
            deadline_after(start, 1),
            ts(datetime!(2026-07-06 22:59:59 UTC))
        );
    }

    #[test]
    fn summer_time_boundaries() {
        // 2026: BST from 01:00 UTC on Sunday 29 March to 01:00 UTC on Sunday 25 October.
        assert_eq!(uk_offset_hours(ts(datetime!(2026-03-29 00:59:59 UTC))), 0);
        assert_eq!(uk_offset_hours(ts(datetime!(2026-03-29 01:00 UTC))), 1);
        assert_eq!(uk_offset_hours(ts(datetime!(2026-10-25 00:59:59 UTC))), 1);
        assert_eq!(uk_offset_hours(ts(datetime!(2026-10-25 01:00 UTC))), 0);
        assert_eq!(uk_offset_hours(ts(datetime!(2026-01-15 12:00 UTC))), 0);
        // The end of the day the clocks change, and of the days either side.
        for (day, end) in [
            (date!(2026 - 03 - 28), datetime!(2026-03-28 23:59:59 UTC)),
            (date!(2026 - 03 - 29), datetime!(2026-03-29 22:59:59 UTC)),
            (date!(2026 - 10 - 24), datetime!(2026-10-24 22:59:59 UTC)),
            (date!(2026 - 10 - 25), datetime!(2026-10-25 23:59:59 UTC)),
        ] {
            assert_eq!(end_of_uk_day(day), ts(end), "{day}");
            assert_eq!(uk_date(ts(end)), day);
            assert_eq!(uk_date(ts(end) + 1), day.next_day().unwrap());
        }
    }

    #[test]
    fn halfway_is_the_midpoint() {
        let start = ts(datetime!(2026-03-06 10:00 UTC));
        let deadline = deadline_after(start, 10);
        let reminder = halfway(start, deadline);
        // The deadline is a second before midnight, so the span is odd: rounded down.
        assert_eq!(reminder - start, (deadline - start) / 2);
        assert_eq!(halfway(10, 15), 12);
        assert_eq!(halfway(10, 10), 10);
    }

    fn any_date() -> impl Strategy<Value = Date> {
        // 1990 to 2100: far either side of any link.
        (date!(1990 - 01 - 01).to_julian_day()..=date!(2100 - 12 - 31).to_julian_day())
            .prop_map(|d| Date::from_julian_day(d).unwrap())
    }

    proptest! {
        #[test]
        fn adding_working_days(from in any_date(), n in 1u32..400) {
            let due = add_working_days(from, n);
            prop_assert!(is_working_day(due));
            prop_assert!(add_working_days(from, n - 1) < due);
            prop_assert!(due < add_working_days(from, n + 1));
            prop_assert_eq!(working_days_between(from, due), i64::from(n));
            prop_assert_eq!(working_days_between(due, from), -i64::from(n));
        }

        #[test]
        fn holidays_are_distinct_weekdays_of_their_year(year in 1900i32..2200) {
            let days = bank_holidays(year);
            prop_assert!(days.len() >= 8);
            prop_assert!(days.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(days.iter().all(|d| d.year() == year && !is_weekend(*d)));
            let easter = easter_sunday(year).unwrap();
            prop_assert_eq!(easter.weekday(), Weekday::Sunday);
            prop_assert!(date!(2000 - 03 - 22).replace_year(year).unwrap() <= easter);
            prop_assert!(easter <= date!(2000 - 04 - 25).replace_year(year).unwrap());
        }

        #[test]
        fn uk_day_ends_where_the_next_begins(day in any_date()) {
            let end = end_of_uk_day(day);
            prop_assert_eq!(uk_date(end), day);
            prop_assert_eq!(uk_date(end + 1), day.next_day().unwrap());
        }
    }
}
