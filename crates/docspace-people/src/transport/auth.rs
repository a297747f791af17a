//! Credentials and the headers that carry them.

use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// How the client proves who it is. Never printed: `Debug` shows only the kind.
#[derive(Clone, Default)]
pub(crate) enum Credentials {
    /// No credentials: only signing in works.
    #[default]
    None,
    /// A session token, sent as the `asc_auth_key` cookie (the form the published pages
    /// document, and the one the server reads first).
    Token(SecretString),
    /// An API key, sent as `Authorization: Bearer sk-...`.
    ApiKey(SecretString),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind())
    }
}

impl Credentials {
    /// What kind of credentials these are, for `Debug` and logs.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Credentials::None => "none",
            Credentials::Token(_) => "session token (redacted)",
            Credentials::ApiKey(_) => "API key (redacted)",
        }
    }

    /// The default headers for every request, marked sensitive so that reqwest and its logs
    /// never show them.
    pub(crate) fn headers(&self) -> Result<HeaderMap, Error> {
        let mut headers = HeaderMap::new();
        match self {
            Credentials::None => {}
            Credentials::Token(token) => {
                let token = token.expose_secret().trim();
                check_token_text(token, "session token")?;
                headers.insert(COOKIE, sensitive(&format!("asc_auth_key={token}"))?);
            }
            Credentials::ApiKey(key) => {
                let key = key.expose_secret().trim();
                let key = key.strip_prefix("Bearer ").unwrap_or(key).trim();
                check_token_text(key, "API key")?;
                headers.insert(AUTHORIZATION, sensitive(&format!("Bearer {key}"))?);
            }
        }
        Ok(headers)
    }
}

/// Refuses text that cannot travel in a cookie or header, without echoing the secret itself.
fn check_token_text(text: &str, what: &str) -> Result<(), Error> {
    if text.is_empty() {
        return Err(Error::invalid_input(format!("the {what} is empty")));
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !c.is_ascii_graphic() || matches!(c, ';' | ',' | '"' | '\\'))
    {
        let shown = if bad.is_ascii_graphic() {
            format!("`{bad}`")
        } else {
            format!("U+{:04X}", u32::from(bad))
        };
        return Err(Error::invalid_input(format!(
            "the {what} contains {shown}, which cannot be sent in a header"
        )));
    }
    Ok(())
}

fn sensitive(text: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(text).map_err(|_| {
        Error::invalid_input("credentials contain characters not allowed in a header")
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_goes_in_the_cookie_and_key_in_the_header() {
        let headers = Credentials::Token("abc".into()).headers().unwrap();
        assert_eq!(headers[COOKIE], "asc_auth_key=abc");
        assert!(headers[COOKIE].is_sensitive());
        assert!(!headers.contains_key(AUTHORIZATION));
        let headers = Credentials::ApiKey("sk-123".into()).headers().unwrap();
        assert_eq!(headers[AUTHORIZATION], "Bearer sk-123");
        let headers = Credentials::ApiKey("Bearer sk-123".into())
            .headers()
            .unwrap();
        assert_eq!(headers[AUTHORIZATION], "Bearer sk-123");
    }

    #[test]
    fn bad_tokens_are_refused_without_showing_them() {
        let err = Credentials::Token("secret;part\n".into())
            .headers()
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`;`"), "{text}");
        assert!(!text.contains("secret"), "{text}");
        assert!(Credentials::Token("  ".into()).headers().is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let shown = format!("{:?}", Credentials::ApiKey("sk-verysecret".into()));
        assert!(!shown.contains("verysecret"));
    }
}
