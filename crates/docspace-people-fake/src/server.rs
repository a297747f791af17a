//! The running portal's shared state and the layer that injects faults and counts requests.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::FixedOffset;
use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::counters::{Counters, Endpoint, Outcome};
use crate::faults::{DropMode, FaultKind, FaultState};
use crate::filter::FilterCache;
use crate::job_runner::JobSignals;
use crate::jobs::JobStore;
use crate::model::PortalState;

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Users, sessions and settings.
    pub(crate) state: StateLock,
    /// The sorted matches of the last `people/filter` query, so paging through it is cheap.
    pub(crate) filter_cache: FilterCache,
    /// The live fault configuration.
    pub(crate) faults: Mutex<FaultState>,
    /// The rate limiter (off unless configured).
    pub(crate) limiter: Mutex<crate::limiter::Limiter>,
    /// Requests served.
    pub(crate) counters: Mutex<Counters>,
    /// `http://host:port`, for links and profile URLs.
    pub(crate) base_url: String,
    /// The portal's time zone.
    pub(crate) offset: FixedOffset,
    /// Background jobs. Lock order: `state` before `jobs`.
    pub(crate) jobs: Mutex<JobStore>,
    /// Wakes the job workers.
    pub(crate) job_signals: JobSignals,
    /// How long one job takes.
    pub(crate) job_duration: Duration,
}

/// The portal state behind a read-write lock that counts its write locks.
///
/// Every write guard bumps [`StateLock::generation`] when it is taken, and the raw lock is not
/// reachable from outside, so no change to the state can leave the generation as it was. While
/// a read guard is held the generation cannot move, so a value computed under one read guard
/// stays valid for as long as the generation it was read with is current (the filter cache
/// relies on this).
#[derive(Debug)]
pub(crate) struct StateLock {
    lock: RwLock<PortalState>,
    generation: AtomicU64,
}

impl StateLock {
    pub(crate) fn new(state: PortalState) -> Self {
        Self {
            lock: RwLock::new(state),
            generation: AtomicU64::new(0),
        }
    }

    /// Shared access.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, PortalState> {
        self.lock.read()
    }

    /// Shared access, with the generation of the state it shows.
    pub(crate) fn read_with_generation(&self) -> (RwLockReadGuard<'_, PortalState>, u64) {
        let guard = self.lock.read();
        // Only write-guard holders bump the counter, and the lock orders them before us.
        let generation = self.generation.load(Ordering::Relaxed);
        (guard, generation)
    }

    /// Exclusive access: starts a new generation, whether or not the caller changes anything.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, PortalState> {
        let guard = self.lock.write();
        // Bumped while the write lock is held, so readers see it as soon as they get in.
        self.generation.fetch_add(1, Ordering::Relaxed);
        guard
    }

    /// How many write guards have been taken so far.
    #[cfg(test)]
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }
}

/// Whether a request changes data, for [`crate::Faults::writes_only`]: every PUT, POST and
/// DELETE except signing in.
pub(crate) fn changes_data(method: &Method, path: &str) -> bool {
    match *method {
        Method::PUT | Method::DELETE => true,
        Method::POST => !path.trim_end_matches('/').ends_with("/authentication"),
        _ => false,
    }
}

/// Injects the configured faults, then counts the request by endpoint and outcome.
pub(crate) async fn fault_layer(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let endpoint = Endpoint::classify(request.method(), request.uri().path());
    let is_write = changes_data(request.method(), request.uri().path());
    let (decision, drop_mode, retry_after) = {
        let mut faults = shared.faults.lock();
        let fails = faults.faults().fails_query(request.uri().query());
        let mut decision = faults.decide(is_write);
        if fails {
            decision.fault = Some(FaultKind::InternalServerError);
        }
        (decision, faults.drop_mode(), faults.retry_after_secs())
    };
    if let Some(delay) = decision.delay {
        tokio::time::sleep(delay).await;
    }
    let (response, outcome) = match decision.fault {
        None => {
            let response = next.run(request).await;
            let status = response.status().as_u16();
            (response, Outcome::Status(status))
        }
        Some(kind) => {
            tracing::info!(%endpoint, fault = %kind, "injecting fault");
            let response = match kind {
                FaultKind::TooManyRequests => too_many_requests(retry_after),
                FaultKind::InternalServerError => html_error(StatusCode::INTERNAL_SERVER_ERROR),
                FaultKind::BadGateway => html_error(StatusCode::BAD_GATEWAY),
                FaultKind::DroppedConnection => match drop_mode {
                    DropMode::BeforeHandling => cut_off(unhandled_ok()).await,
                    DropMode::AfterHandling => cut_off(next.run(request).await).await,
                },
            };
            (response, Outcome::Fault(kind))
        }
    };
    tracing::debug!(%endpoint, ?outcome, "request served");
    shared.counters.lock().record(endpoint, outcome);
    response
}

fn too_many_requests(retry_after_secs: u64) -> Response {
    let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

fn html_error(status: StatusCode) -> Response {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The start of a success response for a request that was never handled.
fn unhandled_ok() -> Response {
    let body =
        r#"{"response":[{"id":"00000000-0000-0000-0000-000000000000","displayName":"#.repeat(20);
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// Sends the headers and the first half of the body, then fails the body so the connection
/// is closed before the response is complete.
async fn cut_off(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    // Announce the whole length, so the truncation is unmistakable.
    parts.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(bytes.len().max(2)),
    );
    let half = bytes.slice(..bytes.len() / 2);
    let stream = futures::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, io::Error>(half), 1)),
                1 => {
                    // Let the headers and the first half go out before the failure.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Some((
                        Err(io::Error::new(
                            io::ErrorKind::ConnectionAborted,
                            "injected fault: connection dropped mid-response",
                        )),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::StateLock;
    use crate::config::PortalConfig;
    use crate::seed;

    #[test]
    fn every_write_guard_starts_a_generation() {
        let lock = StateLock::new(seed::build(&PortalConfig::default()));
        assert_eq!(lock.generation(), 0);
        drop(lock.read());
        assert_eq!(lock.read_with_generation().1, 0);
        drop(lock.write());
        lock.write().version = crate::config::ServerVersion::default();
        assert_eq!(lock.read_with_generation().1, 2);
        assert_eq!(lock.generation(), 2);
    }
}
