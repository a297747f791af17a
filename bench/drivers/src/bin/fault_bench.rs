//! Bulk changes under faults, checked against the portal: runs one change over N users of an
//! in-process fake portal that injects faults on reads and writes, then compares every line of
//! the report with the portal's state before and after.
//!
//! ```text
//! cargo run --release -p docspace-people-bench --bin fault_bench -- \
//!     --users 20000 --version 3.7 --change status --fault drop-after@rate=0.3 --fault 500@rate=0.05
//! ```
//!
//! Prints one `RESULT` line: change requests (PUTs) and reads (GETs) the engine sent, the
//! requests the portal served, wall time, outcomes, and `discrepancies`: report lines the
//! portal's state contradicts (a user reported changed who is not in the target state or was
//! already in it before, reported already-in-target who was not, reported refused or failed
//! who is in the target state). It must be 0.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use docspace_people::bulk::{BulkOptions, Change, Outcome};
use docspace_people::{Client, Quota, RetryPolicy, UserStatus, UserType};
use docspace_people_fake::{FakePortal, FakeUser, Faults, PortalConfig, ServerVersion};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// Terminate everyone.
    Status,
    /// Promote everyone to User (type 4).
    Type,
    /// Set a 5 GiB quota for everyone.
    Quota,
}

/// Run a bulk change under faults and check its report against the portal.
#[derive(Debug, Parser)]
struct Args {
    /// Generated users on top of the demo organisation; all are targeted (the owner too).
    #[arg(long, default_value_t = 20_000)]
    users: usize,
    /// Server generation: 3.6 or 3.7.
    #[arg(long, default_value = "3.7")]
    version: ServerVersion,
    /// Which change.
    #[arg(long, value_enum, default_value_t = Kind::Status)]
    change: Kind,
    /// Faults, as the fake portal's `--fault` takes them (repeatable).
    #[arg(long = "fault")]
    faults: Vec<String>,
    /// Ids per request.
    #[arg(long, default_value_t = 100)]
    chunk_size: usize,
    /// Requests in flight.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Attempts per request.
    #[arg(long, default_value_t = 8)]
    max_attempts: u32,
    /// Inject the faults on writes (PUTs) only.
    #[arg(long)]
    writes_only: bool,
}

const QUOTA: i64 = 5 << 30;

fn in_target(kind: Kind, user: &FakeUser) -> bool {
    match kind {
        Kind::Status => user.status == 2,
        Kind::Type => user.user_type == 4,
        Kind::Quota => user.quota == QUOTA,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut faults = Faults::none();
    for spec in &args.faults {
        faults = faults.add_spec(spec)?;
    }
    let portal = FakePortal::start(
        PortalConfig::demo()
            .with_version(args.version)
            .with_extra_users(args.users),
    )?;
    let before: HashMap<_, _> = portal.snapshot().into_iter().map(|u| (u.id, u)).collect();
    let ids: Vec<_> = portal.snapshot().into_iter().map(|u| u.id).collect();
    if args.writes_only {
        faults = faults.writes_only();
    }
    portal.set_faults(faults.with_rng_seed(42));
    portal.reset_counters();
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .retry(
            RetryPolicy::default()
                .max_attempts(args.max_attempts)
                .backoff(Duration::from_millis(5), Duration::from_millis(200)),
        )
        .build()?;
    let change = match args.change {
        Kind::Status => Change::Status(UserStatus::Terminated),
        Kind::Type => Change::Type(UserType::User),
        Kind::Quota => Change::Quota(Quota::Bytes(QUOTA as u64)),
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
    let wall = started.elapsed();
    let served = portal.request_count();
    portal.set_faults(Faults::none());
    let mut discrepancies = 0;
    for e in &report.entries {
        let was = before.get(&e.id).map(|u| in_target(args.change, u));
        let now = portal.user(e.id).map(|u| in_target(args.change, &u));
        let true_to_state = match e.outcome {
            Outcome::Changed => was == Some(false) && now == Some(true),
            Outcome::AlreadyInTarget => was == Some(true) && now == Some(true),
            Outcome::Refused | Outcome::Failed => now != Some(true),
            // Unknown claims nothing; a new outcome would need its own rule here.
            Outcome::Unknown => true,
            other => panic!("an outcome this check does not know: {other:?}"),
        };
        if !true_to_state {
            discrepancies += 1;
            if discrepancies <= 5 {
                eprintln!("discrepancy: {e:?}: before {was:?}, after {now:?}");
            }
        }
    }
    let c = report.counts;
    println!(
        "RESULT version={} change={:?} users={} faults={:?} writes={} reads={} served={} wall_s={:.2} changed={} already={} refused={} failed={} unknown={} discrepancies={discrepancies}",
        args.version,
        args.change,
        ids.len(),
        args.faults.join(","),
        report.requests,
        report.reads,
        served,
        wall.as_secs_f64(),
        c.changed,
        c.already_in_target,
        c.refused,
        c.failed,
        c.unknown,
    );
    portal.shutdown().await;
    if discrepancies > 0 {
        std::process::exit(1);
    }
    Ok(())
}
