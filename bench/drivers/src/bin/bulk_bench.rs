//! Bulk throughput benchmark: terminate N users on a portal, through the wrapper's bulk engine or
//! through a hand-written raw reqwest loop sending the same chunks with the same concurrency.
//!
//! ```text
//! cargo run --release -p docspace-people-bench --bin bulk_bench -- \
//!     --portal http://127.0.0.1:8092 --api-key sk-... --users 10000 --mode wrapper|raw
//! ```
//!
//! Meant for the fake portal (`bench/bulk.sh` starts one); it changes users, so never point it
//! at a portal you care about. Steps:
//! 1. (not timed) list the ids of the first `--users` users matching `--filter` through
//!    `GET people/filter`, 100 per page, keeping only the ids;
//! 2. (timed) terminate them: `PUT people/status/2` in chunks of `--chunk-size` (100) with
//!    `--concurrency` (4) requests in flight, over one connection pool;
//! 3. print one `RESULT` line: wall time, requests and users per second, outcomes, and the
//!    process's peak resident memory (`VmHWM`, the same figure as `ru_maxrss`), after the listing
//!    and at the end.
//!
//! The raw loop does what a careful hand-written client does and no more: it checks the HTTP
//! status, reads the body and decodes the id and status of each returned user (serde ignores
//! the other fields) to count the users changed. The wrapper does its full job: typed users,
//! per-id accounting, refusal isolation, retries.

use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use docspace_people::bulk::{BulkOptions, Change};
use docspace_people::{Client, UserStatus};
use futures::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

/// The email domain of the fake portal's generated users (`--users N`).
const DEFAULT_FILTER: &str = "@scale.example";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// `docspace_people::bulk`.
    Wrapper,
    /// A hand-written reqwest loop.
    Raw,
}

/// Terminate N users through the wrapper's bulk engine or a raw reqwest loop, timed.
#[derive(Debug, Parser)]
struct Args {
    /// Base URL of the portal.
    #[arg(long, default_value = "http://127.0.0.1:8092")]
    portal: String,
    /// Session token (sent as the `asc_auth_key` cookie by the wrapper, `Authorization` by raw).
    #[arg(long, conflicts_with = "api_key")]
    token: Option<String>,
    /// API key (`Authorization: Bearer sk-...`).
    #[arg(long)]
    api_key: Option<String>,
    /// wrapper or raw.
    #[arg(long, value_enum, default_value_t = Mode::Wrapper)]
    mode: Mode,
    /// How many users to terminate.
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    /// `filterValue` selecting the target users (the fake's generated users by default).
    #[arg(long, default_value = DEFAULT_FILTER)]
    filter: String,
    /// Ids per request.
    #[arg(long, default_value_t = 100)]
    chunk_size: usize,
    /// Requests in flight.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
}

/// Just the ids of a `people/filter` page, or the ids and statuses of a bulk answer.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    response: Vec<Slim>,
}

#[derive(Deserialize)]
struct Slim {
    id: Uuid,
    status: Option<i32>,
}

/// Peak resident set size of this process in KiB (`VmHWM`, what `ru_maxrss` reports).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) this process has used so far, in seconds, from `/proc/self/stat`
/// (clock ticks of 1/100 s, the Linux default).
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses): utime and stime are the 12th and
    // 13th of them.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

fn auth_header(args: &Args) -> Result<String, String> {
    match (&args.api_key, &args.token) {
        (Some(key), _) => Ok(format!("Bearer {key}")),
        (None, Some(token)) => Ok(token.clone()),
        (None, None) => Err("give --api-key or --token".into()),
    }
}

/// Lists the first `--users` ids matching `--filter`, 100 per page (the server's largest page).
/// Not timed.
///
/// A portal sorts all matches for every page, so paging through 100,000 matches costs it
/// O(N log N) per page. For the fake's generated users (`first.last.INDEX@scale.example`, the
/// default filter) the listing is split into 110 disjoint filters by the index's last digits
/// (`.D@scale.example` for 0..9, `DD@scale.example` for the rest), each a thousandth as large.
async fn list_ids(http: &reqwest::Client, args: &Args, auth: &str) -> Result<Vec<Uuid>, String> {
    let filters: Vec<String> = if args.filter == DEFAULT_FILTER {
        (0..10)
            .map(|d| format!(".{d}{DEFAULT_FILTER}"))
            .chain((0..100).map(|d| format!("{d:02}{DEFAULT_FILTER}")))
            .collect()
    } else {
        vec![args.filter.clone()]
    };
    let mut ids = Vec::with_capacity(args.users);
    let url = format!(
        "{}/api/2.0/people/filter",
        args.portal.trim_end_matches('/')
    );
    for filter in &filters {
        let mut start = 0usize;
        while ids.len() < args.users {
            let start_index = start.to_string();
            let response = http
                .get(&url)
                .header("Authorization", auth)
                .query(&[
                    ("filterValue", filter.as_str()),
                    ("count", "100"),
                    ("startIndex", start_index.as_str()),
                ])
                .send()
                .await
                .map_err(|e| format!("listing: {e}"))?;
            if !response.status().is_success() {
                return Err(format!("listing: HTTP {}", response.status()));
            }
            let bytes = response.bytes().await.map_err(|e| e.to_string())?;
            let page: Envelope = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            if page.response.is_empty() {
                break;
            }
            start += page.response.len();
            let wanted = args.users - ids.len();
            ids.extend(page.response.into_iter().take(wanted).map(|u| u.id));
        }
    }
    if ids.len() < args.users {
        return Err(format!(
            "only {} users match {:?}; start the fake with --users {}",
            ids.len(),
            args.filter,
            args.users
        ));
    }
    Ok(ids)
}

#[derive(Debug, Default)]
struct Outcome {
    requests: usize,
    changed: usize,
    other: usize,
    failed: usize,
}

fn wrapper_client(args: &Args) -> Result<Client, String> {
    let builder = Client::builder(args.portal.clone());
    let builder = match (&args.api_key, &args.token) {
        (Some(key), _) => builder.api_key(key.clone()),
        (None, Some(token)) => builder.token(token.clone()),
        (None, None) => return Err("give --api-key or --token".into()),
    };
    builder.build().map_err(|e| e.to_string())
}

async fn run_wrapper(client: &Client, args: &Args, ids: &[Uuid]) -> Result<Outcome, String> {
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .options(
            BulkOptions::default()
                .chunk_size(args.chunk_size)
                .concurrency(args.concurrency),
        )
        .run(ids)
        .await
        .map_err(|e| e.to_string())?;
    let c = &report.counts;
    Ok(Outcome {
        // Every request the run needed: its reads (before sending, and reading back) too.
        requests: report.requests + report.reads,
        changed: c.changed,
        other: c.already_in_target + c.refused,
        failed: c.failed,
    })
}

async fn run_raw(
    http: &reqwest::Client,
    args: &Args,
    auth: &str,
    ids: &[Uuid],
) -> Result<Outcome, String> {
    let url = format!(
        "{}/api/2.0/people/status/2",
        args.portal.trim_end_matches('/')
    );
    let mut outcome = Outcome::default();
    let mut results = futures::stream::iter(ids.chunks(args.chunk_size))
        .map(|chunk| {
            let request = http
                .put(&url)
                .header("Authorization", auth)
                .json(&serde_json::json!({ "userIds": chunk }));
            async move {
                let response = request.send().await.map_err(|e| e.to_string())?;
                let status = response.status();
                let bytes = response.bytes().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(format!("HTTP {status}"));
                }
                let envelope: Envelope =
                    serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
                let changed = envelope
                    .response
                    .iter()
                    .filter(|u| u.status == Some(2))
                    .count();
                Ok::<_, String>((chunk.len(), changed))
            }
        })
        .buffer_unordered(args.concurrency);
    while let Some(result) = results.next().await {
        outcome.requests += 1;
        match result {
            Ok((sent, changed)) => {
                outcome.changed += changed;
                outcome.other += sent - changed;
            }
            Err(error) => {
                eprintln!("raw request failed: {error}");
                outcome.failed += args.chunk_size;
            }
        }
    }
    Ok(outcome)
}

/// The raw loop's client: reqwest with the wrapper's default timeout (60 s), nothing else.
fn raw_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let auth = auth_header(&args)?;
    let http = raw_client()?;

    let listed = Instant::now();
    let ids = list_ids(&http, &args, &auth).await?;
    let list_secs = listed.elapsed().as_secs_f64();
    let rss_after_listing = peak_rss_kib().unwrap_or(0);
    eprintln!(
        "listed {} ids in {list_secs:.1}s; terminating them ({:?}, chunk {}, concurrency {})",
        ids.len(),
        args.mode,
        args.chunk_size,
        args.concurrency
    );

    // Both clients are built before the clock starts and start with no open connection.
    drop(http);
    let cpu_before = cpu_secs().unwrap_or(0.0);
    let outcome = match args.mode {
        Mode::Wrapper => {
            let client = wrapper_client(&args)?;
            let started = Instant::now();
            (run_wrapper(&client, &args, &ids).await?, started.elapsed())
        }
        Mode::Raw => {
            let http = raw_client()?;
            let started = Instant::now();
            (run_raw(&http, &args, &auth, &ids).await?, started.elapsed())
        }
    };
    let (outcome, elapsed) = outcome;
    let secs = elapsed.as_secs_f64();
    let cpu = cpu_secs().unwrap_or(0.0) - cpu_before;
    let peak = peak_rss_kib().unwrap_or(0);
    println!(
        "RESULT mode={} users={} chunk={} concurrency={} requests={} wall_s={secs:.3} cpu_s={cpu:.2} req_per_s={:.1} users_per_s={:.0} changed={} other={} failed={} list_s={list_secs:.1} peak_rss_after_listing_kib={rss_after_listing} peak_rss_kib={peak}",
        match args.mode {
            Mode::Wrapper => "wrapper",
            Mode::Raw => "raw",
        },
        ids.len(),
        args.chunk_size,
        args.concurrency,
        outcome.requests,
        outcome.requests as f64 / secs,
        ids.len() as f64 / secs,
        outcome.changed,
        outcome.other,
        outcome.failed,
    );
    if outcome.failed > 0 || outcome.changed + outcome.other != ids.len() {
        return Err(format!("not every user was terminated: {outcome:?}"));
    }
    Ok(())
}
