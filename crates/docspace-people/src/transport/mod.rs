//! The one request path: every operation of the wrapper, single calls and bulk alike, is sent
//! by [`Transport::execute`], which retries by the client's [`RetryPolicy`], follows only
//! same-origin redirects, caps what it reads, decodes error answers in one place, and asks the
//! server's rules ([`crate::server::answers`]) what a failed answer means before resending it.

pub(crate) mod auth;
mod body;
pub(crate) mod envelope;
pub(crate) mod origin;
mod pacing;
mod retry;

use std::time::Instant;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

pub(crate) use pacing::Pacer;
pub use retry::RetryPolicy;

use crate::error::snippet;
use crate::server::answers::{self, Meaning};
use crate::{Error, Server};

/// The largest success body read when none is set: 32 MiB, about 150 times a full page of 100
/// users as the server sends them.
pub const DEFAULT_MAX_BODY_SIZE: usize = 32 * 1024 * 1024;
/// At most this much of an error body is read; error envelopes are far smaller.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;
/// Redirects followed for one request.
const MAX_REDIRECTS: usize = 5;

/// When a failed request may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Reads and the PUTs that set a value: sending twice does no harm.
    Idempotent,
    /// Signing in: only after failures that show the server did not take the request.
    IfNotTaken,
}

/// One request of the API, before it is sent.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The method.
    pub(crate) method: Method,
    /// The path below the base URL, parameters filled in.
    pub(crate) path: String,
    /// Query parameters.
    pub(crate) query: Vec<(&'static str, String)>,
    /// The JSON body, serialized once.
    pub(crate) body: Option<Vec<u8>>,
    /// When it may be sent again.
    pub(crate) resend: Resend,
    /// Sent without credentials: the version endpoint, which a scoped API key is refused on
    /// although the endpoint needs no sign-in.
    pub(crate) anonymous: bool,
}

impl Request {
    /// A GET of `path`.
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Request {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            resend: Resend::Idempotent,
            anonymous: false,
        }
    }

    /// A PUT (or, with `resend`, another method) with a JSON body.
    pub(crate) fn with_json(
        method: Method,
        path: impl Into<String>,
        body: &impl serde::Serialize,
        resend: Resend,
    ) -> Result<Self, Error> {
        let body = serde_json::to_vec(body)
            .map_err(|e| Error::invalid_input(format!("cannot encode the request: {e}")))?;
        Ok(Request {
            method,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
            resend,
            anonymous: false,
        })
    }

    /// The same request, sent without credentials.
    pub(crate) fn anonymous(mut self) -> Self {
        self.anonymous = true;
        self
    }

    /// Adds a query parameter.
    pub(crate) fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }
}

/// Fills `{name}` in a path template from the spec.
pub(crate) fn fill(template: &str, name: &str, value: impl std::fmt::Display) -> String {
    template.replace(&format!("{{{name}}}"), &value.to_string())
}

/// Why [`Transport::execute`] returned no answer.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The last error: not retryable, or out of attempts or time.
    Error(Error),
    /// The caller's token was cancelled while waiting to retry.
    Cancelled,
}

/// How one call is retried and counted.
pub(crate) struct Attempts<'a> {
    /// The policy.
    pub(crate) policy: &'a RetryPolicy,
    /// Stops waiting to retry when cancelled.
    pub(crate) cancel: Option<&'a CancellationToken>,
    /// Called once per request sent.
    pub(crate) on_send: &'a (dyn Fn() + Send + Sync),
}

/// A successful answer: its status (any 2xx) and whole body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// Decodes the body as `T`, naming the status and the start of the body if it is not.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let undecodable = |reason: String| Error::UndecodableResponse {
            status: self.status.as_u16(),
            reason,
            snippet: snippet(&self.body),
        };
        // The whole body is checked as UTF-8 at once: from bytes, serde_json checks each string
        // apart, a tenth of the time of decoding a bulk answer (`benches/decode.rs`).
        let text = std::str::from_utf8(&self.body)
            .map_err(|e| undecodable(format!("the body is not UTF-8 text: {e}")))?;
        serde_json::from_str(text).map_err(|e| undecodable(e.to_string()))
    }
}

/// The connection to one portal: the HTTP client, the credentials, the retry policy, the pacer,
/// and what is known of the server. Held by [`Client`](crate::Client); everything that talks to
/// the portal goes through [`execute`](Self::execute).
pub(crate) struct Transport {
    /// The HTTP client, without credentials: they are added per request.
    pub(crate) http: reqwest::Client,
    /// The credential headers (marked sensitive), added to every request but anonymous ones.
    credentials: reqwest::header::HeaderMap,
    pub(crate) base_url: String,
    pub(crate) base: Url,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_body_size: usize,
    /// The server, once detected or set: the meaning of a failed answer depends on it.
    pub(crate) server: tokio::sync::OnceCell<Server>,
    pub(crate) pacer: Pacer,
    /// How many answers refused the credentials (401): a job that read with credentials the
    /// portal refuses says so rather than report every user failed.
    refused_credentials: std::sync::atomic::AtomicU64,
    /// Every request sent, retries and redirects included.
    sent: std::sync::atomic::AtomicU64,
}

impl Transport {
    /// A transport for the portal at `base_url` (already checked).
    pub(crate) fn new(
        http: reqwest::Client,
        credentials: reqwest::header::HeaderMap,
        base_url: String,
        base: Url,
        retry: RetryPolicy,
        max_body_size: usize,
        server: Option<Server>,
    ) -> Self {
        Transport {
            http,
            credentials,
            base_url,
            base,
            retry,
            max_body_size,
            server: tokio::sync::OnceCell::new_with(server),
            pacer: Pacer::default(),
            refused_credentials: std::sync::atomic::AtomicU64::new(0),
            sent: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Sends `request` with the client's retry policy.
    pub(crate) async fn send(&self, request: &Request) -> Result<Answer, Error> {
        let attempts = Attempts {
            policy: &self.retry,
            cancel: None,
            on_send: &|| {},
        };
        match self.execute(request, &attempts).await {
            Ok(answer) => Ok(answer),
            Err(Failure::Error(error)) => Err(error),
            // Without a token nothing cancels.
            Err(Failure::Cancelled) => Err(Error::Cancelled),
        }
    }

    /// Every request sent so far, retries and redirects included.
    pub(crate) fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many answers so far refused the credentials (401).
    pub(crate) fn refused_credentials(&self) -> u64 {
        self.refused_credentials
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sends `request`, retrying as `attempts` says, and returns the first 2xx answer or the
    /// last error.
    pub(crate) async fn execute(
        &self,
        request: &Request,
        attempts: &Attempts<'_>,
    ) -> Result<Answer, Failure> {
        let started = Instant::now();
        let mut retry = 1u32;
        loop {
            while let Some(wait) = self.pacer.acquire() {
                if wait > attempts.policy.max_retry_after {
                    // Hours, after a daily limit: say so instead of sleeping in silence.
                    return Err(Failure::Error(Error::RateLimited {
                        retry_after: Some(wait),
                        message: Some(
                            "the portal's rate limit is spent (X-RateLimit-Remaining: 0)".into(),
                        ),
                    }));
                }
                tracing::debug!(
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    "pacing: the rate-limit window is spent"
                );
                match attempts.cancel {
                    Some(cancel) => tokio::select! {
                        () = cancel.cancelled() => return Err(Failure::Cancelled),
                        () = tokio::time::sleep(wait) => {}
                    },
                    None => tokio::time::sleep(wait).await,
                }
            }
            let in_flight = self.pacer.in_flight();
            let result = self.attempt(request, attempts).await;
            drop(in_flight);
            let error = match result {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            let may_resend = match answers::meaning(&error) {
                Meaning::NotTaken => true,
                Meaning::MaybeTaken => request.resend == Resend::Idempotent,
                Meaning::Answer | Meaning::Unauthorized | Meaning::Final => false,
            };
            let delay = if may_resend {
                attempts.policy.delay(retry, &error, started.elapsed())
            } else {
                None
            };
            let Some(delay) = delay else {
                return Err(Failure::Error(error));
            };
            tracing::debug!(
                method = %request.method,
                path = %request.path,
                retry,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                %error,
                "retrying"
            );
            match attempts.cancel {
                Some(cancel) => tokio::select! {
                    () = cancel.cancelled() => return Err(Failure::Cancelled),
                    () = tokio::time::sleep(delay) => {}
                },
                None => tokio::time::sleep(delay).await,
            }
            retry += 1;
        }
    }

    /// One attempt, following same-origin redirects.
    async fn attempt(&self, request: &Request, attempts: &Attempts<'_>) -> Result<Answer, Error> {
        let base = &self.base;
        let mut url = self.url_for(request)?;
        let mut method = request.method.clone();
        let mut body = request.body.clone();
        for _ in 0..=MAX_REDIRECTS {
            (attempts.on_send)();
            self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut builder = self
                .http
                .request(method.clone(), url.clone())
                .header(ACCEPT, HeaderValue::from_static("application/json"));
            if !request.anonymous {
                builder = builder.headers(self.credentials.clone());
            }
            if let Some(body) = &body {
                builder = builder
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(body.clone());
            }
            let response = builder.send().await.map_err(Error::Transport)?;
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED {
                self.refused_credentials
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            if status.is_success() {
                // Only a success speaks of the window: a 429's headers may be those of another
                // policy (the daily write budget, say) that reads do not share.
                self.pacer.observe(response.headers());
            }
            if status.is_redirection() {
                let next = redirect_target(&response, &url)?;
                if !origin::same_origin(&next, base) {
                    return Err(Error::Redirected {
                        location: origin::shown(&next),
                    });
                }
                // 307 and 308 repeat the request; the others turn it into a GET, which is
                // only the same request when it was a GET.
                if !matches!(status.as_u16(), 307 | 308) && method != Method::GET {
                    return Err(Error::Redirected {
                        location: origin::shown(&next),
                    });
                }
                if !matches!(status.as_u16(), 307 | 308) {
                    method = Method::GET;
                    body = None;
                }
                tracing::debug!(to = %origin::shown(&next), "following a same-origin redirect");
                url = next;
                continue;
            }
            if status.is_success() {
                let body = body::read_capped(response, self.max_body_size).await?;
                return Ok(Answer { status, body });
            }
            let headers = response.headers().clone();
            let body = body::read_prefix(response, MAX_ERROR_BODY).await?;
            let error = Error::from_response(status, &headers, &body);
            return Err(answers::refine(self.server.get(), error, &body));
        }
        Err(Error::Redirected {
            location: format!(
                "more than {MAX_REDIRECTS} redirects from {}",
                origin::shown(&url)
            ),
        })
    }

    fn url_for(&self, request: &Request) -> Result<Url, Error> {
        let text = format!("{}{}", self.base_url, request.path);
        let mut url = Url::parse(&text).map_err(|e| {
            Error::invalid_input(format!("cannot build a URL for {}: {e}", request.path))
        })?;
        if !request.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(request.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }
}

fn redirect_target(response: &reqwest::Response, from: &Url) -> Result<Url, Error> {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(Error::UnexpectedStatus {
            status,
            message: Some("a redirect without a usable Location header".into()),
        })?;
    from.join(location).map_err(|_| Error::UnexpectedStatus {
        status,
        message: Some("a redirect to something that is not a URL".into()),
    })
}
