//! Storage quotas: unlimited, or a number of bytes.

use std::fmt;
use std::str::FromStr;

/// A per-user storage quota.
///
/// On the wire a quota is a JSON integer: a byte count, or `-1` for no limit.
///
/// [`FromStr`] reads `unlimited`, a plain byte count (`1073741824`), or a count with a unit:
/// `KB`, `MB`, `GB`, `TB` are powers of 1000, `KiB`, `MiB`, `GiB`, `TiB` powers of 1024, `B` is
/// bytes (units in any case, a space before the unit allowed). Decimals are taken when they
/// make a whole number of bytes (`1.5GiB`, `2.5GB`; not `1.1KiB`). [`Display`](fmt::Display)
/// writes the largest unit, decimal or binary, in which the size is exact, a form that parses
/// back to the same quota. (The portal's own pages say "GB" for powers of 1024.)
///
/// ```
/// use docspace_people::Quota;
///
/// assert_eq!("10GiB".parse::<Quota>().unwrap(), Quota::Bytes(10 * 1024 * 1024 * 1024));
/// assert_eq!("500MB".parse::<Quota>().unwrap(), Quota::Bytes(500_000_000));
/// assert_eq!("unlimited".parse::<Quota>().unwrap(), Quota::Unlimited);
/// assert_eq!(Quota::Bytes(10 << 30).to_string(), "10GiB");
/// assert_eq!("10GB".parse::<Quota>().unwrap().to_string(), "10GB");
/// assert_eq!("1.5GiB".parse::<Quota>().unwrap(), Quota::Bytes(3 << 29));
/// assert!("1.1KiB".parse::<Quota>().is_err());
/// assert!("-5".parse::<Quota>().is_err());
/// assert!("lots".parse::<Quota>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quota {
    /// No limit (`-1` on the wire).
    Unlimited,
    /// At most this many bytes. The server takes values up to `i64::MAX` and refuses values
    /// above the portal's total storage.
    Bytes(u64),
}

/// Text that is not a quota.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid quota `{input}`: {reason}")]
pub struct ParseQuotaError {
    /// The text that was refused.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

const UNITS: &[(&str, u64)] = &[
    ("b", 1),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
];

impl Quota {
    /// The wire value: `-1` for unlimited, else the byte count. `None` if the count does not
    /// fit the server's 64-bit signed integer.
    pub fn to_wire(self) -> Option<i64> {
        match self {
            Quota::Unlimited => Some(-1),
            Quota::Bytes(bytes) => i64::try_from(bytes).ok(),
        }
    }

    /// Reads a wire value: `-1` is unlimited, other negative values are not quotas.
    pub fn from_wire(value: i64) -> Option<Self> {
        match value {
            -1 => Some(Quota::Unlimited),
            bytes => u64::try_from(bytes).ok().map(Quota::Bytes),
        }
    }
}

impl FromStr for Quota {
    type Err = ParseQuotaError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = |reason| ParseQuotaError {
            input: input.to_owned(),
            reason,
        };
        let text = input.trim();
        if text.eq_ignore_ascii_case("unlimited") {
            return Ok(Quota::Unlimited);
        }
        if text.starts_with('-') {
            return Err(error(
                "a quota cannot be negative; use `unlimited` for no limit",
            ));
        }
        let split = text
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() || fraction.contains('.') || number.ends_with('.') {
            return Err(error(
                "expected `unlimited` or a size such as 1073741824, 10GiB, 1.5GiB or 500MB",
            ));
        }
        let unit = unit.trim().to_ascii_lowercase();
        let multiplier = if unit.is_empty() {
            1
        } else {
            UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, multiplier)| *multiplier)
                .ok_or_else(|| {
                    error(
                        "unknown unit; use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, \
                         TiB (powers of 1024)",
                    )
                })?
        };
        let too_large = || error("too large: at most 9223372036854775807 bytes");
        // Exact arithmetic: a decimal size is taken only when it is a whole number of bytes.
        if fraction.len() > 18 {
            return Err(error("too many decimals"));
        }
        let scale = 10u128.pow(fraction.len() as u32);
        let parse = |digits: &str| -> Result<u128, ParseQuotaError> {
            if digits.is_empty() {
                Ok(0)
            } else {
                digits.parse::<u128>().map_err(|_| too_large())
            }
        };
        let scaled = parse(whole)?
            .checked_mul(scale)
            .and_then(|w| w.checked_add(parse(fraction).ok()?))
            .and_then(|n| n.checked_mul(u128::from(multiplier)))
            .ok_or_else(too_large)?;
        if scaled % scale != 0 {
            return Err(error("not a whole number of bytes"));
        }
        let bytes = u64::try_from(scaled / scale)
            .ok()
            .filter(|n| i64::try_from(*n).is_ok())
            .ok_or_else(too_large)?;
        Ok(Quota::Bytes(bytes))
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = match self {
            Quota::Unlimited => return f.write_str("unlimited"),
            Quota::Bytes(bytes) => *bytes,
        };
        // The largest unit, decimal or binary, in which the size is exact: `10GB` stays `10GB`
        // (not `9765625KiB`), `5GiB` stays `5GiB`. It reads back to the same number of bytes.
        let best = [
            ("TiB", 1u64 << 40),
            ("TB", 1_000_000_000_000),
            ("GiB", 1 << 30),
            ("GB", 1_000_000_000),
            ("MiB", 1 << 20),
            ("MB", 1_000_000),
            ("KiB", 1 << 10),
            ("KB", 1_000),
        ]
        .into_iter()
        .filter(|(_, size)| bytes >= *size && bytes % size == 0)
        .min_by_key(|(_, size)| bytes / size);
        match best {
            Some((unit, size)) => write!(f, "{}{unit}", bytes / size),
            None => write!(f, "{bytes}"),
        }
    }
}

impl serde::Serialize for Quota {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.to_wire() {
            Some(value) => serializer.serialize_i64(value),
            None => Err(serde::ser::Error::custom("quota too large for the wire")),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Quota {
    /// Reads the wire form: bytes, or `-1` for no limit.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = i64::deserialize(deserializer)?;
        Quota::from_wire(value)
            .ok_or_else(|| serde::de::Error::custom(format!("{value} is not a quota")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_form() {
        assert_eq!("1073741824".parse(), Ok(Quota::Bytes(1 << 30)));
        assert_eq!(" 2 KiB ".parse(), Ok(Quota::Bytes(2048)));
        assert_eq!("3kb".parse(), Ok(Quota::Bytes(3000)));
        assert_eq!("0".parse(), Ok(Quota::Bytes(0)));
        assert_eq!("UNLIMITED".parse(), Ok(Quota::Unlimited));
    }

    #[test]
    fn refuses_garbage_with_a_reason() {
        for bad in [
            "",
            "GiB",
            "1.1KiB",
            "1.",
            ".5GiB",
            "1.2.3GiB",
            "0.5",
            "10 parsecs",
            "-1",
            "99999999999TiB",
            "18446744073709551615",
        ] {
            assert!(bad.parse::<Quota>().is_err(), "{bad}");
        }
        let err = "10 parsecs".parse::<Quota>().unwrap_err();
        assert!(err.to_string().contains("unknown unit"), "{err}");
    }

    #[test]
    fn decimals_that_make_whole_bytes_and_the_largest_exact_unit() {
        assert_eq!("1.5GiB".parse(), Ok(Quota::Bytes(1_610_612_736)));
        assert_eq!("2.5GB".parse(), Ok(Quota::Bytes(2_500_000_000)));
        assert_eq!("0.5KiB".parse(), Ok(Quota::Bytes(512)));
        assert_eq!("7.0".parse(), Ok(Quota::Bytes(7)));
        let err = "1.1KiB".parse::<Quota>().unwrap_err();
        assert!(err.to_string().contains("whole number of bytes"), "{err}");
        for (bytes, shown) in [
            (10_000_000_000u64, "10GB"),
            (10 << 30, "10GiB"),
            (1_610_612_736, "1536MiB"),
            (1_000_000_000_000, "1TB"),
            (1_024_000, "1000KiB"),
            (1_500, "1500"),
            (0, "0"),
        ] {
            assert_eq!(Quota::Bytes(bytes).to_string(), shown);
            assert_eq!(shown.parse(), Ok(Quota::Bytes(bytes)), "{shown} reads back");
        }
    }

    #[test]
    fn wire_form() {
        assert_eq!(Quota::Unlimited.to_wire(), Some(-1));
        assert_eq!(Quota::from_wire(-1), Some(Quota::Unlimited));
        assert_eq!(Quota::from_wire(-2), None);
        assert_eq!(Quota::Bytes(u64::MAX).to_wire(), None);
    }
}
