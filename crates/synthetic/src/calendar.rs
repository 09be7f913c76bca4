//! Day arithmetic on [`CivilDate`], which the domain keeps deliberately small.

use kinlink_domain::profile::CivilDate;

/// Days since 1970-01-01 (Howard Hinnant's days-from-civil).
pub(crate) fn days(date: CivilDate) -> i64 {
    let (m, d) = (i64::from(date.month()), i64::from(date.day()));
    let y = i64::from(date.year()) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `n` days before `date`.
pub(crate) fn days_before(date: CivilDate, n: u32) -> CivilDate {
    CivilDate::from_unix((days(date) - i64::from(n)) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_domains_conversion() {
        let start = CivilDate::new(2025, 6, 30).expect("valid");
        assert_eq!(days(CivilDate::new(1970, 1, 1).expect("valid")), 0);
        assert_eq!(days_before(start, 0), start);
        assert_eq!(
            days_before(start, 365),
            CivilDate::new(2024, 6, 30).expect("valid")
        );
        assert_eq!(
            days_before(CivilDate::new(2024, 3, 1).expect("valid"), 1),
            CivilDate::new(2024, 2, 29).expect("valid")
        );
        for n in [1, 59, 60, 400, 6000] {
            assert_eq!(days(start) - days(days_before(start, n)), i64::from(n));
        }
    }
}
