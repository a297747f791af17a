//! How many requests a bulk change sends, and how long it takes under the hosted rate limiter
//! (issue "Bulk runs an administrator can trust").
//!
//! ```text
//! cargo run --release -p docspace-people-bench --bin request_bench -- status --users 100000 --protected 0.05
//! cargo run --release -p docspace-people-bench --bin request_bench -- type --users 16420
//! cargo run --release -p docspace-people-bench --bin request_bench -- status --users 100000 --protected 0.05 --real-limiter --latency-ms 50
//! cargo run --release -p docspace-people-bench --bin request_bench -- status --users 1000000 --targets 10000 --real-limiter --latency-ms 50
//! ```
//!
//! `--targets N` changes N users spread over the portal (a department of a big portal) instead of
//! everyone. The line also gives the run's request floor: the writes its changes need
//! (`ceil(changed / chunk)`) plus, for a termination, one page per 100 users of each group whose
//! state decides an outcome (terminated, pending, administrators, LDAP), which no run that
//! reports facts can skip; and every request counted, reads included.
//!
//! Starts the fake portal (DocSpace 3.7) in-process with the demo organisation plus `--users`
//! generated users; marks a share of them as LDAP-managed (protected: their status cannot be
//! changed); runs the change over every user but the owner, chunk 100, concurrency 4; and prints
//! one `RESULT` line: writes, the target `1.2 x ceil(N/chunk)`, reads, 429s, wall time, and, with
//! the real limiter, the floor it allows. With at most 1500 requests in any minute, request
//! number k > 1500 cannot leave before request k - 1500 plus a minute, and no request leaves
//! faster than `concurrency` per latency: for R requests the floor is
//! `60 s x floor((R-1)/1500) + ((R-1) mod 1500 + 1) x latency / concurrency`.

use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use docspace_people::bulk::{BulkOptions, Change};
use docspace_people::{Client, RetryPolicy, UserStatus, UserType};
use docspace_people_fake::{FakePortal, Faults, PortalConfig, RateLimit, Trigger};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// Terminate everyone.
    Status,
    /// Promote everyone to User (type 4): a mix of no-ops, promotions and forbidden demotions.
    Type,
}

/// Count the requests of one bulk change on the fake portal.
#[derive(Debug, Parser)]
struct Args {
    /// Which change.
    #[arg(value_enum)]
    change: Kind,
    /// Generated users on top of the demo organisation.
    #[arg(long, default_value_t = 100_000)]
    users: usize,
    /// Share of users marked LDAP-managed (protected from status changes).
    #[arg(long, default_value_t = 0.0)]
    protected: f64,
    /// Run the hosted portal's rate limiter (1500 requests a minute, 15 writes in flight).
    #[arg(long)]
    real_limiter: bool,
    /// Latency the portal adds to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Ids per request.
    #[arg(long, default_value_t = 100)]
    chunk_size: usize,
    /// Requests in flight.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Change only this many users, spread evenly over the portal (default: everyone).
    #[arg(long)]
    targets: Option<usize>,
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut config = PortalConfig::demo().with_extra_users(args.users);
    if args.real_limiter {
        config = config.with_rate_limit(RateLimit::real());
    }
    if args.latency_ms > 0 {
        config = config.with_faults(
            Faults::none().with_latency(Duration::from_millis(args.latency_ms), Trigger::Always),
        );
    }
    let portal = FakePortal::start(config)?;
    let mut ids = portal.user_ids_where(|u| !u.is_owner);
    if let Some(targets) = args.targets {
        let step = (ids.len() / targets.max(1)).max(1);
        ids = ids.into_iter().step_by(step).take(targets).collect();
    }
    let every = if args.protected > 0.0 {
        (1.0 / args.protected).round().max(1.0) as usize
    } else {
        usize::MAX
    };
    let mut protected = 0;
    for (i, id) in ids.iter().enumerate() {
        if i % every == every / 2 && portal.set_ldap(*id, true) {
            protected += 1;
        }
    }
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .retry(RetryPolicy::default().max_retry_after(Duration::from_secs(120)))
        .build()?;
    let change = match args.change {
        Kind::Status => Change::Status(UserStatus::Terminated),
        Kind::Type => Change::Type(UserType::User),
    };
    // Before the run: the groups as the run finds them.
    let pages = |n: usize| n.div_ceil(100);
    let deciding = match args.change {
        Kind::Status => {
            pages(portal.user_ids_where(|u| u.status == 2).len())
                + pages(portal.user_ids_where(|u| u.status == 4).len())
                + pages(portal.user_ids_where(|u| u.is_admin || u.is_owner).len())
                + pages(portal.user_ids_where(|u| u.is_ldap).len())
        }
        Kind::Type => 0,
    };
    let started = Instant::now();
    let report = client
        .bulk(change)
        .options(
            BulkOptions::default()
                .chunk_size(args.chunk_size)
                .concurrency(args.concurrency),
        )
        .run(&ids)
        .await?;
    let wall = started.elapsed().as_secs_f64();
    let target = 1.2 * ids.len().div_ceil(args.chunk_size) as f64;
    let requests = report.requests + report.reads;
    let floor = if args.real_limiter && requests > 0 {
        let windows = ((requests - 1) / 1500) as f64;
        let rest = ((requests - 1) % 1500 + 1) as f64;
        let per_request = args.latency_ms as f64 / 1000.0 / args.concurrency as f64;
        let floor = 60.0 * windows + rest * per_request;
        format!("{floor:.1} ratio={:.3}", wall / floor)
    } else {
        "-".to_owned()
    };
    let c = report.counts;
    let request_floor = c.changed.div_ceil(args.chunk_size) + deciding;
    println!(
        "RESULT change={:?} users={} portal={} protected={protected} requests={requests} request_floor={request_floor} of_floor={:.2} per_user={:.4} writes={} target_writes={target:.0} reads={} rate_limited={} wall_s={wall:.1} floor_s={floor} users_per_s={:.0} changed={} already={} refused={} failed={} unknown={} peak_rss_mib={}",
        args.change,
        ids.len(),
        args.users,
        requests as f64 / request_floor.max(1) as f64,
        requests as f64 / ids.len().max(1) as f64,
        report.requests,
        report.reads,
        portal.rate_limited(),
        ids.len() as f64 / wall,
        c.changed,
        c.already_in_target,
        c.refused,
        c.failed,
        c.unknown,
        peak_rss_kib() / 1024,
    );
    portal.shutdown().await;
    Ok(())
}
