//! Writing values back in the server's form, so that what [`User`](crate::User) serializes,
//! its `Deserialize` reads back to the same user.

use chrono::{DateTime, FixedOffset};
use serde::Serializer;

/// A display name HTML-encoded, as the server writes it (the wrapper decodes it on reading).
pub(crate) fn html_encoded<S: Serializer>(
    value: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(text) => serializer.serialize_str(&html_escape::encode_quoted_attribute(text)),
        None => serializer.serialize_none(),
    }
}

/// A date with nine fraction digits and the offset: every instant chrono holds, years past
/// 9999 included (written `+10000-...`), reads back the same.
pub(crate) fn date<S: Serializer>(
    value: &Option<DateTime<FixedOffset>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(date) => serializer.collect_str(&date.format(crate::dates::FORMAT)),
        None => serializer.serialize_none(),
    }
}
