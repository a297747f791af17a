//! A bulk demotion through the type-change job, checked against the portal: lowers N users of
//! an in-process fake portal from User to Guest (each through its own job, which the fake runs
//! one after another, as the server does), then compares every report line with the portal.
//!
//! ```text
//! cargo run --release -p docspace-people-bench --bin demotion_bench -- \
//!     --users 1000 --job-ms 300 --jobs 2
//! ```
//!
//! Prints one `RESULT` line: wall time, the floor the server's one-job-at-a-time queue allows
//! (N x job duration), writes and reads sent, outcomes, and `discrepancies` (users reported
//! changed who are not guests, or guests not reported changed). It must be 0.

use std::time::{Duration, Instant};

use clap::Parser;
use docspace_people::bulk::{BulkOptions, Change, Outcome};
use docspace_people::lifecycle::JobOptions;
use docspace_people::{Client, UserType};
use docspace_people_fake::{FakePortal, PortalConfig};

/// Demote users through the type-change job and check the report against the portal.
#[derive(Debug, Parser)]
struct Args {
    /// Users to demote (User to Guest).
    #[arg(long, default_value_t = 1000)]
    users: usize,
    /// How long the fake's job takes, in milliseconds.
    #[arg(long, default_value_t = 300)]
    job_ms: u64,
    /// Jobs followed at once.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// First wait between two progress reads, in milliseconds.
    #[arg(long, default_value_t = 250)]
    poll_ms: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let portal = FakePortal::start(
        PortalConfig::demo()
            .with_extra_users(args.users * 3)
            .with_job_duration(Duration::from_millis(args.job_ms)),
    )?;
    let targets: Vec<_> = portal
        .user_ids_where(|u| u.user_type == 4 && u.status == 1 && !u.is_ldap && !u.is_owner)
        .into_iter()
        .take(args.users)
        .collect();
    if targets.len() < args.users {
        return Err(format!("only {} users of type User", targets.len()).into());
    }
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()?;
    let options = BulkOptions::default().job_concurrency(args.jobs).jobs(
        JobOptions::default()
            .poll_interval(Duration::from_millis(args.poll_ms))
            .max_poll_interval(Duration::from_millis(args.poll_ms.max(1) * 8)),
    );
    let started = Instant::now();
    let report = client
        .bulk(Change::Type(UserType::Guest))
        .options(options)
        .run(&targets)
        .await?;
    let wall = started.elapsed();
    let mut discrepancies = 0;
    for entry in &report.entries {
        let is_guest = portal.user(entry.id).is_some_and(|u| u.user_type == 2);
        let changed = entry.outcome == Outcome::Changed;
        if changed != is_guest {
            discrepancies += 1;
            eprintln!("discrepancy: {entry:?}");
        }
    }
    let floor = Duration::from_millis(args.job_ms) * u32::try_from(args.users)?;
    println!(
        "RESULT users={} job_ms={} jobs={} wall={:.1}s floor={:.1}s ratio={:.2} writes={} reads={} changed={} refused={} failed={} unknown={} discrepancies={discrepancies}",
        args.users,
        args.job_ms,
        args.jobs,
        wall.as_secs_f64(),
        floor.as_secs_f64(),
        wall.as_secs_f64() / floor.as_secs_f64().max(f64::EPSILON),
        report.requests,
        report.reads,
        report.counts.changed,
        report.counts.refused,
        report.counts.failed,
        report.counts.unknown,
    );
    portal.shutdown().await;
    if discrepancies > 0 {
        return Err(format!("{discrepancies} discrepancies").into());
    }
    Ok(())
}
