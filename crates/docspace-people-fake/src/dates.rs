//! Dates as the DocSpace server writes them (`ApiDateTime`).
//!
//! The portal's local time, exactly seven fractional digits, and the offset (`Z` at zero):
//! `2021-03-09T17:52:55.0000000+08:00`.

use chrono::{DateTime, FixedOffset, Timelike, Utc};

/// Formats `at` in the portal's time zone the way the server does.
pub fn api_date(at: DateTime<Utc>, offset: FixedOffset) -> String {
    let local = at.with_timezone(&offset);
    let ticks = local.nanosecond() % 1_000_000_000 / 100;
    let zone = if offset.local_minus_utc() == 0 {
        "Z".to_owned()
    } else {
        local.format("%:z").to_string()
    };
    format!("{}.{ticks:07}{zone}", local.format("%Y-%m-%dT%H:%M:%S"))
}

/// A UTC time from its parts (the Unix epoch if they name no valid time; seeds only use valid ones).
pub(crate) fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_seven_digits_and_offset() {
        let at = utc(2021, 3, 9, 9, 52) + chrono::Duration::nanoseconds(123_456_789);
        let plus8 = FixedOffset::east_opt(8 * 3600).unwrap();
        assert_eq!(api_date(at, plus8), "2021-03-09T17:52:00.1234567+08:00");
        let zero = FixedOffset::east_opt(0).unwrap();
        assert_eq!(api_date(at, zero), "2021-03-09T09:52:00.1234567Z");
        let minus = FixedOffset::west_opt(5 * 3600 + 1800).unwrap();
        assert_eq!(
            api_date(utc(2021, 3, 9, 9, 52), minus),
            "2021-03-09T04:22:00.0000000-05:30"
        );
    }
}
