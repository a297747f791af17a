//! The client, its builder, signing in, and the single-request operations.

use std::sync::Arc;
use std::time::Duration;

use docspace_people_gen::{paths, types};
use reqwest::{Method, Url};
use secrecy::SecretString;
use uuid::Uuid;

use crate::change::{Change, check_user_ids};
use crate::enums::{UserStatus, UserType};
use crate::transport::auth::Credentials;
use crate::transport::{
    DEFAULT_MAX_BODY_SIZE, Request, Resend, RetryPolicy, Transport, envelope, fill, origin,
};
use crate::{Error, Quota, Server, User};

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
#[must_use = "a builder does nothing until `build` or `login`"]
pub struct ClientBuilder {
    base_url: String,
    token: Option<SecretString>,
    api_key: Option<SecretString>,
    timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    max_body_size: usize,
    allow_insecure_http: bool,
    server: Option<Server>,
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

    /// How failed requests are retried ([`RetryPolicy::default`] when not set). Applies to
    /// every idempotent call, the bulk engine's included.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body read, in bytes ([`DEFAULT_MAX_BODY_SIZE`], 32 MiB, when not
    /// set). A larger answer fails with [`Error::ResponseTooLarge`] without being read whole.
    /// Error bodies are read up to their first 64 KiB whatever this says.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Tells the client which server it talks to, so it does not ask
    /// (`GET /api/2.0/settings/version/build`) when it first needs to know.
    pub fn server(mut self, server: Server) -> Self {
        self.server = Some(server);
        self
    }

    /// Allows a plain `http://` base URL to a host other than this machine. Off by default:
    /// tokens and passwords would cross the network unencrypted, so such a URL fails
    /// [`build`](Self::build) with [`Error::InsecureHttp`]. `http://localhost` and loopback
    /// addresses are always allowed.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Builds the client. Fails, sending nothing, on a base URL that is not an absolute
    /// `http`/`https` URL, on plain `http://` to another machine unless
    /// [allowed](Self::allow_insecure_http), on both a token and an API key, or on credentials
    /// that cannot be sent in a header.
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
        let base = Url::parse(&base_url)
            .map_err(|e| Error::invalid_input(format!("base URL `{base_url}`: {e}")))?;
        origin::check_scheme(&base, self.allow_insecure_http)?;
        if self.timeout.is_zero() {
            return Err(Error::invalid_input("the timeout must be longer than zero"));
        }
        if self.max_body_size == 0 {
            return Err(Error::invalid_input(
                "the maximum body size must be larger than zero",
            ));
        }
        let headers = credentials.headers()?;
        let http = |defaults: reqwest::header::HeaderMap| {
            reqwest::Client::builder()
                .default_headers(defaults)
                .timeout(self.timeout)
                .connect_timeout(self.timeout.min(Duration::from_secs(15)))
                .user_agent(self.user_agent.as_str())
                // Redirects are followed by the request path itself, within the portal's origin.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(Error::Transport)
        };
        // The generated client carries the credentials on every request; this crate's own
        // path adds them per request, so that it can ask some things anonymously.
        let generated =
            docspace_people_gen::Client::new_with_client(&base_url, http(headers.clone())?);
        let transport = Transport::new(
            http(reqwest::header::HeaderMap::new())?,
            headers,
            base_url,
            base,
            self.retry,
            self.max_body_size,
            self.server,
        );
        Ok(Client {
            inner: Arc::new(Inner {
                generated,
                transport,
                credentials,
                timeout: self.timeout,
                user_agent: self.user_agent,
                caller: std::sync::OnceLock::new(),
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
        let request =
            Request::with_json(Method::POST, paths::AUTHENTICATE, &body, Resend::IfNotTaken)?;
        let answer = anonymous
            .transport()
            .send(&request)
            .await
            .map_err(sign_in_error)?;
        let envelope: types::AuthenticationEnvelope = answer.json()?;
        envelope::check(None, envelope.status, envelope.status_code)?;
        let token = envelope
            .response
            .and_then(|r| r.token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::UndecodableResponse {
                status: answer.status.as_u16(),
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
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    generated: docspace_people_gen::Client,
    transport: Transport,
    credentials: Credentials,
    timeout: Duration,
    user_agent: String,
    /// Who the client signs in as, once told ([`Client::assume_caller`]).
    pub(crate) caller: std::sync::OnceLock<crate::state::UserState>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.transport.base_url)
            .field("credentials", &self.inner.credentials)
            .field("timeout", &self.inner.timeout)
            .field("user_agent", &self.inner.user_agent)
            .field("retry", &self.inner.transport.retry)
            .field("max_body_size", &self.inner.transport.max_body_size)
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
            retry: RetryPolicy::default(),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            allow_insecure_http: false,
            server: None,
        }
    }

    /// Signs in with a user name (email) and password and returns a client using the session
    /// token the portal issued. See [`ClientBuilder::login`] to set a timeout first.
    ///
    /// Errors, the same on DocSpace and Workspace: [`Error::Unauthorized`] for an unknown user
    /// or a wrong password, [`Error::Forbidden`] for a disabled or Pending user ("User
    /// disabled") and after too many failed attempts ("Too many login attempts": the portal
    /// blocks that login for a while; each new attempt extends the block, so none is retried).
    pub async fn login(
        base_url: impl Into<String>,
        user_name: &str,
        password: &str,
    ) -> Result<Client, Error> {
        Client::builder(base_url).login(user_name, password).await
    }

    /// The portal's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.transport.base_url
    }

    /// The request path every operation goes through.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The session token this client sends, if it uses one (for example to store it after
    /// [`Client::login`]). Use [`secrecy::ExposeSecret`] to read it.
    pub fn session_token(&self) -> Option<&SecretString> {
        match &self.inner.credentials {
            Credentials::Token(token) => Some(token),
            _ => None,
        }
    }

    /// The server when the caller needs it (`needed`), or when the credentials are an API key,
    /// which Workspace does not have: refused there before anything else is sent.
    pub(crate) async fn server_if(&self, needed: bool) -> Result<Option<Server>, Error> {
        let api_key = matches!(self.inner.credentials, Credentials::ApiKey(_));
        if !needed && !api_key {
            return Ok(self.inner.transport.server.get().copied());
        }
        let server = self.server().await?;
        if api_key && !server.has_api_keys() {
            return Err(Error::Unsupported(format!(
                "{server} has no API keys; sign in with a user name and password \
                 (Client::login) or use a session token"
            )));
        }
        Ok(Some(server))
    }

    /// Every request this client (and its clones) sent so far: reads, changes, retries and
    /// redirects, through any call. For saying what a task cost in requests:
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// let before = client.requests_sent();
    /// let me = client.me().await?;
    /// println!("reading {:?} took {} requests", me.email, client.requests_sent() - before);
    /// # Ok(()) }
    /// ```
    pub fn requests_sent(&self) -> u64 {
        self.inner.transport.sent()
    }

    /// The retry policy the client uses.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.transport.retry
    }

    /// The generated low-level client, for operations this wrapper does not cover. It carries
    /// the same credentials, timeout and redirect rule (none followed), but not the retries
    /// or the body limit, which live in this wrapper's own request path.
    pub fn generated(&self) -> &docspace_people_gen::Client {
        &self.inner.generated
    }

    /// The signed-in user (`GET /api/2.0/people/@self`), with their theme.
    pub async fn me(&self) -> Result<User, Error> {
        tracing::debug!("GET people/@self");
        self.server_if(false).await?;
        let answer = self
            .transport()
            .send(&Request::get(paths::GET_SELF_PROFILE))
            .await?;
        envelope::user(&answer)
    }

    /// Tells the client who it signs in as, from an answer of [`Client::me`]: the operations
    /// that predict refusals from the caller's rights (bulk changes, offboarding, invitations,
    /// sync plans) then take them from it and do not read `people/@self` again. The first
    /// user told stays for the client and its clones. The server still enforces the rights as
    /// they are when each request arrives.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// let me = client.me().await?;
    /// println!("signed in as {}", me.display_name.as_deref().unwrap_or("?"));
    /// client.assume_caller(&me);
    /// # Ok(()) }
    /// ```
    pub fn assume_caller(&self, me: &User) {
        let _ = self.inner.caller.set(crate::state::UserState::from(me));
    }

    /// One user by id (`GET /api/2.0/people/{userid}`); [`Error::NotFound`] if there is none.
    pub async fn user(&self, id: Uuid) -> Result<User, Error> {
        tracing::debug!(%id, "GET people/{{userid}}");
        self.server_if(false).await?;
        let path = fill(paths::GET_PROFILE_BY_USER_ID, "userid", id);
        let answer = self.transport().send(&Request::get(path)).await?;
        envelope::user(&answer)
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
        self.apply(&Change::Status(status), user_ids).await
    }

    /// Changes the type of the listed users (`PUT /api/2.0/people/type/{type}`) and returns them
    /// as the server reports them, in request order. The type travels as its number, which
    /// means the same on every server version.
    ///
    /// Only promotions work here: to [`UserType::DocSpaceAdmin`] (by the owner), to
    /// [`UserType::RoomAdmin`], or from [`UserType::Guest`] to [`UserType::User`]. To lower
    /// types, use [`Client::bulk`] with [`Change::Type`], which sends each demotion through the
    /// server's type-change job and reports every user. A 3.7 server
    /// answers [`Error::Forbidden`] to a forbidden or no-op change, possibly after changing the
    /// users listed before it; a 3.6 server returns such users unchanged.
    pub async fn set_type(
        &self,
        user_type: UserType,
        user_ids: &[Uuid],
    ) -> Result<Vec<User>, Error> {
        self.apply(&Change::Type(user_type), user_ids).await
    }

    /// Sets the storage quota of the listed users (`PUT /api/2.0/people/userquota`) and returns
    /// them, in request order. Needs the owner or an administrator; a quota above the portal's
    /// storage is an [`Error::BadRequest`]. `quota_limit` shows in the returned users only when
    /// per-user quotas are enabled on the portal.
    pub async fn set_quota(&self, quota: Quota, user_ids: &[Uuid]) -> Result<Vec<User>, Error> {
        self.apply(&Change::Quota(quota), user_ids).await
    }
}

impl Client {
    /// Removes the custom quota of the listed users (`PUT /api/2.0/people/resetquota`), so the
    /// portal's default applies again, and returns them in request order.
    pub async fn reset_quota(&self, user_ids: &[Uuid]) -> Result<Vec<User>, Error> {
        self.apply(&Change::ResetQuota, user_ids).await
    }
}

impl Client {
    /// The server this client talks to: asked once (`GET /api/2.0/settings/version/build`,
    /// which needs no sign-in) and remembered, unless it was set on the builder.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// let server = client.server().await?;
    /// println!("{server}: types {}", server.type_names_listed());
    /// # Ok(()) }
    /// ```
    pub async fn server(&self) -> Result<Server, Error> {
        let transport = self.transport();
        transport
            .server
            .get_or_try_init(|| async {
                // Always anonymous: the endpoint needs no sign-in, and a scoped API key is
                // refused there (403) although it works everywhere it is meant to.
                let request = Request::get(paths::GET_VERSION_BUILD).anonymous();
                let answer = transport.send(&request).await?;
                let envelope: types::VersionBuildEnvelope = answer.json()?;
                envelope::check(envelope.error, envelope.status, envelope.status_code)?;
                let versions = envelope.response.unwrap_or_default();
                let server = Server::from_versions(
                    versions.doc_space.as_deref(),
                    versions.community_server.as_deref(),
                )?;
                tracing::info!(%server, "detected the server");
                Ok(server)
            })
            .await
            .copied()
    }
}

impl Client {
    /// Applies `change` to `user_ids` in one request and returns the users as the server
    /// reports them. The one path of [`set_status`](Client::set_status),
    /// [`set_type`](Client::set_type), [`set_quota`](Client::set_quota) and
    /// [`reset_quota`](Client::reset_quota).
    pub async fn apply(&self, change: &Change, user_ids: &[Uuid]) -> Result<Vec<User>, Error> {
        change.check()?;
        check_user_ids(user_ids)?;
        // A status change is the same everywhere; types and quotas depend on the server.
        let server = self.server_if(!matches!(change, Change::Status(_))).await?;
        if let Some(server) = &server {
            change.check_on(server)?;
        }
        tracing::debug!(%change, users = user_ids.len(), "bulk PUT");
        let answer = self
            .transport()
            .send(&change.request(user_ids, server.as_ref())?)
            .await?;
        envelope::users(&answer)
    }
}

/// A sign-in failure, the same on every product: a wrong password or an unknown user is
/// [`Error::Unauthorized`] (Workspace answers a 500 "User authentication failed"), and the
/// brute-force block is [`Error::Forbidden`] "Too many login attempts" on DocSpace (for 60 s)
/// or a 500 "Login Fail. Too many attempts" on Workspace. Neither is retried: retrying a
/// blocked sign-in extends the block.
fn sign_in_error(error: Error) -> Error {
    match error {
        Error::ServerRefused { message, .. } if message.contains("authentication failed") => {
            Error::Unauthorized {
                message: Some(message),
            }
        }
        Error::ServerRefused { message, .. } if message.contains("Too many") => Error::Forbidden {
            message: Some(message),
        },
        other => other,
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

fn normalize_base_url(text: &str) -> Result<String, Error> {
    // Messages show the URL without its query and fragment: they may carry a token.
    let shown = text.split(['?', '#']).next().unwrap_or_default().trim();
    let url = Url::parse(text.trim()).map_err(|e| {
        let hint = if matches!(e, url::ParseError::RelativeUrlWithoutBase) {
            format!("; did you mean https://{shown}?")
        } else {
            String::new()
        };
        Error::invalid_input(format!("base URL `{shown}` is not a URL: {e}{hint}"))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid_input(format!(
            "base URL `{}` must start with http:// or https://",
            origin::shown(&url)
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_input(format!(
            "base URL `{}` must not have a query or fragment (not shown: it may hold a secret); \
             pass credentials with token() or api_key()",
            origin::shown(&url)
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_input(
            "the base URL must not carry credentials; use token() or api_key()",
        ));
    }
    // A page of the portal pasted from the browser, or the API's own path: every request
    // would then be a bare 404.
    let path = url.path().trim_end_matches('/');
    let root = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if path.ends_with("/api/2.0") || path.contains("/api/2.0/") {
        return Err(Error::invalid_input(format!(
            "base URL `{}` includes the API's path: use the portal's root URL ({root}); the \
             client adds /api/2.0 itself",
            origin::shown(&url)
        )));
    }
    if ["/products/", "/rooms/", "/accounts/"]
        .iter()
        .any(|page| format!("{path}/").contains(page))
    {
        return Err(Error::invalid_input(format!(
            "base URL `{}` is a page of the portal: use the portal's root URL ({root})",
            origin::shown(&url)
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
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
        let err = normalize_base_url("portal.example.com")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("did you mean https://portal.example.com?"),
            "{err}"
        );
        let err = normalize_base_url("https://p.example/products/people/")
            .unwrap_err()
            .to_string();
        assert!(err.contains("root URL (https://p.example)"), "{err}");
        let err = normalize_base_url("https://p.example/api/2.0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("adds /api/2.0 itself"), "{err}");
        assert!(normalize_base_url("a.example").is_err());
        assert!(normalize_base_url("https://u:p@a.example").is_err());
        assert!(normalize_base_url("https://a.example/?x=1").is_err());
        let err = normalize_base_url("https://a.example/x?token=s3cret#frag").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        let err = normalize_base_url("not a url?token=s3cret").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
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
