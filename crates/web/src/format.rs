//! How times read on pages: UK time (GMT or BST), e.g. "23 November 2026, 5:14pm GMT".

use kinlink_domain::Timestamp;
use kinlink_domain::calendar::uk_offset_hours;
use time::OffsetDateTime;

pub fn uk_time(ts: Timestamp) -> String {
    let Ok(utc) = OffsetDateTime::from_unix_timestamp(ts) else {
        return ts.to_string();
    };
    let offset = uk_offset_hours(ts);
    let local = utc + time::Duration::hours(i64::from(offset));
    let zone = if offset == 1 { "BST" } else { "GMT" };
    let (hour12, ampm) = match local.hour() {
        0 => (12, "am"),
        h @ 1..=11 => (h, "am"),
        12 => (12, "pm"),
        h => (h - 12, "pm"),
    };
    format!(
        "{} {} {}, {}:{:02}{} {}",
        local.day(),
        local.month(),
        local.year(),
        hour12,
        local.minute(),
        ampm,
        zone
    )
}

/// How long between two moments, in whole days: "1 day", "292 days".
pub fn days_between(from: Timestamp, to: Timestamp) -> String {
    let days = (to - from).max(0) / 86_400;
    if days == 1 {
        "1 day".into()
    } else {
        format!("{days} days")
    }
}

/// A calendar date as people read it: "Thursday 25 June 2026".
pub fn long_date(date: kinlink_domain::profile::CivilDate) -> String {
    match time::Month::try_from(date.month())
        .and_then(|m| time::Date::from_calendar_date(date.year(), m, date.day()))
    {
        Ok(d) => format!("{} {} {} {}", d.weekday(), d.day(), d.month(), d.year()),
        Err(_) => date.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::uk_time;

    #[test]
    fn winter_and_summer() {
        assert_eq!(uk_time(1_795_454_040), "23 November 2026, 5:14pm GMT");
        // 1 July 2026 11:00 UTC is noon in London.
        assert_eq!(uk_time(1_782_903_600), "1 July 2026, 12:00pm BST");
        // 29 March 2026 00:59 UTC is still GMT; 01:00 UTC is 2am BST.
        assert_eq!(uk_time(1_774_745_940), "29 March 2026, 12:59am GMT");
        assert_eq!(uk_time(1_774_746_000), "29 March 2026, 2:00am BST");
    }
}
