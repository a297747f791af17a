//! The client, its builder, signing in, and the single-request operations.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use docspace_people_gen::types;
use reqwest::Url;
use secrecy::SecretString;
use uuid::Uuid;

use crate::auth::Credentials;
use crate::enums::{UserStatus, UserType};
use crate::envelope::{self, GenResult};
use crate::{Error, Quota, User};

/// The request timeout when none is set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Configures and builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use docspace_people::Client;
///
/// let client = Client::builder("https://portal.example.com")
///     .token("my-session-token")
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// // Debug output never shows the token.
/// assert!(!format!("{client:?}").contains("my-session-token"));
/// # Ok::<(), docspace_people::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    token: Option<SecretString>,
    api_key: Option<SecretString>,
    timeout: Duration,
    user_agent: String,
}

impl ClientBuilder {
    /// Authenticates with a session token (from [`Client::login`] or the portal), sent as the
    /// `asc_auth_key` cookie. Set a token or an API key, not both.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// Authenticates with an API key (`sk-...`), sent as `Authorization: Bearer sk-...`. The key
    /// needs the `accounts:write` scope for the change operations. Set a token or an API key,
    /// not both.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(api_key.into()));
        self
    }

    /// The timeout of each request, from connecting to reading the whole body
    /// ([`DEFAULT_TIMEOUT`] when not set).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header (`docspace-people/<version>` when not set).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Builds the client. Fails, sending nothing, on a base URL that is not an absolute
    /// `http`/`https` URL, on both a token and an API key, or on credentials that cannot be sent
    /// in a header.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = match (self.token, self.api_key) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_input(
                    "both a session token and an API key were given; set only one",
                ));
            }
            (Some(token), None) => Credentials::Token(token),
            (None, Some(key)) => Credentials::ApiKey(key),
            (None, None) => Credentials::None,
        };
        let base_url = normalize_base_url(&self.base_url)?;
        if self.timeout.is_zero() {
            return Err(Error::invalid_input("the timeout must be longer than zero"));
        }
        let http = reqwest::Client::builder()
            .default_headers(credentials.headers()?)
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(15)))
            .user_agent(self.user_agent.as_str())
            .build()
            .map_err(Error::Transport)?;
        Ok(Client {
            inner: Arc::new(Inner {
                generated: docspace_people_gen::Client::new_with_client(&base_url, http),
                base_url,
                credentials,
                timeout: self.timeout,
                user_agent: self.user_agent,
            }),
        })
    }

    /// Signs in with a user name (email) and password, and builds a client that uses the session
    /// token the portal issued. The builder's token or API key, if any, is not used.
    pub async fn login(self, user_name: &str, password: &str) -> Result<Client, Error> {
        if user_name.trim().is_empty() {
            return Err(Error::invalid_input("the user name is empty"));
        }
        if password.is_empty() {
            return Err(Error::invalid_input("the password is empty"));
        }
        let anonymous = ClientBuilder {
            token: None,
            api_key: None,
            ..self.clone()
        }
        .build()?;
        tracing::debug!(base_url = %anonymous.base_url(), "signing in");
        let body = types::AuthRequest {
            user_name: user_name.to_owned(),
            password: password.to_owned(),
            session: None,
        };
        let envelope =
            envelope::body(anonymous.generated().authenticate().body(body).send().await).await?;
        envelope::check(None, envelope.status, envelope.status_code)?;
        let token = envelope
            .response
            .and_then(|r| r.token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::UndecodableResponse {
                status: 200,
                reason: "the sign-in response has no token (is two-factor authentication on?)"
                    .into(),
                snippet: String::new(),
            })?;
        ClientBuilder {
            token: Some(SecretString::from(token)),
            api_key: None,
            ..self
        }
        .build()
    }
}

/// A DocSpace portal's People API.
///
/// Cheap to clone (the connection pool is shared). Every operation checks its input before
/// sending anything and returns typed [`User`]s or a typed [`Error`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    generated: docspace_people_gen::Client,
    base_url: String,
    credentials: Credentials,
    timeout: Duration,
    user_agent: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .field("timeout", &self.inner.timeout)
            .field("user_agent", &self.inner.user_agent)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client for the portal at `base_url` (e.g.
    /// `https://example.onlyoffice.io`; a path stem is kept).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            token: None,
            api_key: None,
            timeout: DEFAULT_TIMEOUT,
            user_agent: concat!("docspace-people/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// Signs in with a user name (email) and password and returns a client using the session
    /// token the portal issued. See [`ClientBuilder::login`] to set a timeout first.
    ///
    /// Errors: [`Error::NotFound`] for an unknown user, [`Error::Unauthorized`] for a wrong
    /// password, [`Error::Forbidden`] for a disabled user, [`Error::RateLimited`] or
    /// `Forbidden` after too many attempts.
    pub async fn login(
        base_url: impl Into<String>,
        user_name: &str,
        password: &str,
    ) -> Result<Client, Error> {
        Client::builder(base_url).login(user_name, password).await
    }

    /// The portal's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The session token this client sends, if it uses one (for example to store it after
    /// [`Client::login`]). Use [`secrecy::ExposeSecret`] to read it.
    pub fn session_token(&self) -> Option<&SecretString> {
        match &self.inner.credentials {
            Credentials::Token(token) => Some(token),
            _ => None,
        }
    }

    /// The generated low-level client, for operations this wrapper does not cover. It carries
    /// the same credentials and settings.
    pub fn generated(&self) -> &docspace_people_gen::Client {
        &self.inner.generated
    }

    /// The signed-in user (`GET /api/2.0/people/@self`), with their theme.
    pub async fn me(&self) -> Result<User, Error> {
        tracing::debug!("GET people/@self");
        single_user(self.generated().get_self_profile().send().await).await
    }

    /// One user by id (`GET /api/2.0/people/{userid}`); [`Error::NotFound`] if there is none.
    pub async fn user(&self, id: Uuid) -> Result<User, Error> {
        tracing::debug!(%id, "GET people/{{userid}}");
        single_user(
            self.generated()
                .get_profile_by_user_id()
                .userid(id.to_string())
                .send()
                .await,
        )
        .await
    }

    /// Sets the status of the listed users (`PUT /api/2.0/people/status/{status}`) and returns
    /// them as the server reports them, in request order.
    ///
    /// Only [`UserStatus::Active`] and [`UserStatus::Terminated`] can be set; anything else is
    /// refused before sending, as is an empty or duplicated id. Re-activating a user who never
    /// accepted their invitation leaves them [`UserStatus::Pending`].
    ///
    /// A 3.7 server refuses the whole request ([`Error::Forbidden`], nothing changed) when any
    /// target is the owner, the caller, an LDAP user, an unknown id or (unless the caller is the
    /// owner) an administrator; a 3.6 server skips them silently, so compare the returned users
    /// with what you asked for.
    pub async fn set_status(
        &self,
        status: UserStatus,
        user_ids: &[Uuid],
    ) -> Result<Vec<User>, Error> {
        if !matches!(status, UserStatus::Active | UserStatus::Terminated) {
            return Err(Error::invalid_input(format!(
                "status {status} cannot be set; only Active or Terminated"
            )));
        }
        check_user_ids(user_ids)?;
        let number = wire_number(status.number(), "status")?;
        tracing::debug!(status = %status, users = user_ids.len(), "PUT people/status");
        let body = types::UpdateMembersRequest {
            user_ids: user_ids.to_vec(),
            resend_all: None,
        };
        let result = self
            .generated()
            .update_user_status()
            .status(number)
            .body(body)
            .send()
            .await;
        user_list(result).await
    }

    /// Changes the type of the listed users (`PUT /api/2.0/people/type/{type}`) and returns them
    /// as the server reports them, in request order. The type travels as its number, which
    /// means the same on every server version.
    ///
    /// Only promotions work: to [`UserType::DocSpaceAdmin`] (by the owner), to
    /// [`UserType::RoomAdmin`], or from [`UserType::Guest`] to [`UserType::User`]. A 3.7 server
    /// answers [`Error::Forbidden`] to a forbidden or no-op change, possibly after changing the
    /// users listed before it; a 3.6 server returns such users unchanged.
    pub async fn set_type(
        &self,
        user_type: UserType,
        user_ids: &[Uuid],
    ) -> Result<Vec<User>, Error> {
        if !user_type.is_known() || user_type == UserType::All {
            return Err(Error::invalid_input(format!(
                "type {user_type} cannot be set; use RoomAdmin, Guest, DocSpaceAdmin or User"
            )));
        }
        check_user_ids(user_ids)?;
        let number = wire_number(user_type.number(), "type")?;
        tracing::debug!(user_type = %user_type, users = user_ids.len(), "PUT people/type");
        let body = types::UpdateMembersRequest {
            user_ids: user_ids.to_vec(),
            resend_all: None,
        };
        let result = self
            .generated()
            .update_user_type()
            .type_(number)
            .body(body)
            .send()
            .await;
        user_list(result).await
    }

    /// Sets the storage quota of the listed users (`PUT /api/2.0/people/userquota`) and returns
    /// them, in request order. Needs the owner or an administrator; a quota above the portal's
    /// storage is an [`Error::BadRequest`]. `quota_limit` shows in the returned users only when
    /// per-user quotas are enabled on the portal.
    pub async fn set_quota(&self, quota: Quota, user_ids: &[Uuid]) -> Result<Vec<User>, Error> {
        let wire = quota.to_wire().ok_or_else(|| {
            Error::invalid_input(format!("quota {quota} is larger than the server can store"))
        })?;
        check_user_ids(user_ids)?;
        tracing::debug!(quota = %quota, users = user_ids.len(), "PUT people/userquota");
        let body = types::UpdateMembersQuotaRequest {
            user_ids: user_ids.to_vec(),
            quota: wire,
        };
        let result = self.generated().update_user_quota().body(body).send().await;
        user_list(result).await
    }
}

impl Client {
    /// Removes the custom quota of the listed users (`PUT /api/2.0/people/resetquota`), so the
    /// portal's default applies again, and returns them in request order.
    pub async fn reset_quota(&self, user_ids: &[Uuid]) -> Result<Vec<User>, Error> {
        check_user_ids(user_ids)?;
        tracing::debug!(users = user_ids.len(), "PUT people/resetquota");
        let body = types::UpdateMembersRequest {
            user_ids: user_ids.to_vec(),
            resend_all: None,
        };
        let result = self.generated().reset_users_quota().body(body).send().await;
        user_list(result).await
    }
}

/// Parses user ids written as text, naming the first one that is not a UUID and its position
/// (counting from 1).
///
/// ```
/// let ids = docspace_people::parse_user_ids(["75a5f745-f697-4418-b38d-0fe0d277e258"]).unwrap();
/// assert_eq!(ids.len(), 1);
/// let err = docspace_people::parse_user_ids(["75a5f745-f697-4418-b38d-0fe0d277e258", "bob"]).unwrap_err();
/// assert_eq!(err.to_string(), "invalid input: user id #2 `bob` is not a UUID");
/// ```
pub fn parse_user_ids<I, S>(ids: I) -> Result<Vec<Uuid>, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    ids.into_iter()
        .enumerate()
        .map(|(index, text)| {
            let text = text.as_ref();
            Uuid::parse_str(text.trim()).map_err(|_| {
                let shown: String = text.chars().take(60).collect();
                Error::invalid_input(format!("user id #{} `{shown}` is not a UUID", index + 1))
            })
        })
        .collect()
}

/// Refuses an empty list and duplicated ids. Duplicates are refused rather than dropped, so
/// that the response lines up one to one with what the caller asked for.
fn check_user_ids(user_ids: &[Uuid]) -> Result<(), Error> {
    if user_ids.is_empty() {
        return Err(Error::invalid_input("no user ids given"));
    }
    let mut seen = HashMap::with_capacity(user_ids.len());
    for (index, id) in user_ids.iter().enumerate() {
        if let Some(first) = seen.insert(id, index) {
            return Err(Error::invalid_input(format!(
                "user id {id} is listed twice (#{} and #{})",
                first + 1,
                index + 1
            )));
        }
    }
    Ok(())
}

fn wire_number(number: Option<i64>, what: &str) -> Result<i32, Error> {
    number
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| Error::invalid_input(format!("the {what} has no number to send")))
}

fn normalize_base_url(text: &str) -> Result<String, Error> {
    let url = Url::parse(text.trim())
        .map_err(|e| Error::invalid_input(format!("base URL `{text}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid_input(format!(
            "base URL `{text}` must start with http:// or https://"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_input(format!(
            "base URL `{text}` must not have a query or fragment"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_input(
            "the base URL must not carry credentials; use token() or api_key()",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Unwraps a list envelope.
pub(crate) async fn user_list(
    result: GenResult<types::EmployeeFullListEnvelope>,
) -> Result<Vec<User>, Error> {
    let envelope = envelope::body(result).await?;
    envelope::check(envelope.error, envelope.status, envelope.status_code)?;
    Ok(envelope.response.into_iter().map(User::from).collect())
}

async fn single_user(result: GenResult<types::EmployeeFullEnvelope>) -> Result<User, Error> {
    let envelope = envelope::body(result).await?;
    envelope::check(envelope.error, envelope.status, envelope.status_code)?;
    envelope
        .response
        .map(User::from)
        .ok_or_else(|| Error::UndecodableResponse {
            status: 200,
            reason: "the envelope has no `response` user".into(),
            snippet: String::new(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalized() {
        assert_eq!(
            normalize_base_url("https://a.example/").unwrap(),
            "https://a.example"
        );
        assert_eq!(
            normalize_base_url("http://a.example/docspace/").unwrap(),
            "http://a.example/docspace"
        );
        assert!(normalize_base_url("ftp://a.example").is_err());
        assert!(normalize_base_url("a.example").is_err());
        assert!(normalize_base_url("https://u:p@a.example").is_err());
        assert!(normalize_base_url("https://a.example/?x=1").is_err());
    }

    #[test]
    fn id_lists_are_checked() {
        let id = Uuid::from_u128(1);
        assert!(check_user_ids(&[]).is_err());
        assert!(check_user_ids(&[id]).is_ok());
        let err = check_user_ids(&[id, Uuid::from_u128(2), id]).unwrap_err();
        assert!(err.to_string().contains("#1 and #3"), "{err}");
    }

    #[test]
    fn debug_of_builder_and_client_hides_secrets() {
        let builder = Client::builder("https://a.example").api_key("sk-topsecret");
        let shown = format!("{builder:?}");
        assert!(!shown.contains("topsecret"), "{shown}");
        let client = builder.build().unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(shown.contains("API key (redacted)"), "{shown}");
    }

    #[test]
    fn both_credentials_are_refused() {
        let err = Client::builder("https://a.example")
            .token("t")
            .api_key("sk-k")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)));
    }
}
