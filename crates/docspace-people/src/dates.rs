//! The server's date strings.

use chrono::{DateTime, FixedOffset, NaiveDateTime};

/// Parses an `ApiDateTime` string: `2021-03-09T17:52:55.0000000+08:00` (any RFC 3339 form), or
/// the legacy Workspace form `2008-04-10T06-30-00.000Z`.
///
/// `0001-01-01T00:00:00.0000000Z`, .NET's minimum date, is what the server writes for "never"
/// and reads as `None`, like a string that is no date at all (logged at debug level).
pub(crate) fn parse(text: &str) -> Option<DateTime<FixedOffset>> {
    let parsed = DateTime::parse_from_rfc3339(text)
        .ok()
        // RFC 3339 stops at year 9999; what `User` writes for later years has a sign.
        .or_else(|| DateTime::parse_from_str(text, FORMAT).ok())
        .or_else(|| {
            NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%dT%H-%M-%S%.f")
                .ok()
                .map(|naive| naive.and_utc().fixed_offset())
        });
    match parsed {
        Some(date) if date.naive_utc() < first_real_day() => None,
        Some(date) => Some(date),
        None => {
            tracing::debug!(text, "ignoring a date the server wrote in an unknown form");
            None
        }
    }
}

/// How the wrapper writes dates: RFC 3339 with nine fraction digits, years past 9999 signed.
pub(crate) const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.9f%:z";

/// 0001-01-02: anything before it is .NET's `DateTime.MinValue` in some offset.
fn first_real_day() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(1, 1, 2)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_digit_form_keeps_the_offset() {
        let date = parse("2021-03-09T17:52:55.0000000+08:00").unwrap();
        assert_eq!(date.offset().local_minus_utc(), 8 * 3600);
        assert_eq!(date.to_rfc3339(), "2021-03-09T17:52:55+08:00");
        assert_eq!(
            parse("2024-01-02T03:04:05.1234567Z")
                .unwrap()
                .timestamp_subsec_nanos(),
            123_456_700
        );
    }

    #[test]
    fn legacy_and_minimum_and_garbage() {
        assert_eq!(
            parse("2008-04-10T06-30-00.000Z").unwrap().to_rfc3339(),
            "2008-04-10T06:30:00+00:00"
        );
        assert_eq!(parse("0001-01-01T00:00:00.0000000Z"), None);
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse(""), None);
    }
}
