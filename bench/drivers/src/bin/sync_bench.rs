//! How many requests and how much time `sync` takes on a big portal (issue "`sync`").
//!
//! ```text
//! cargo run --release -p docspace-people-bench --bin sync_bench -- --users 100000
//! ```
//!
//! Starts the fake portal (DocSpace 3.7) in-process with the demo organisation plus `--users`
//! generated users, and builds a desired state of every active account but 1% (the leavers),
//! with a new quota for another 1% (the movers) and `--joiners` new addresses: as many rows as
//! users. Then plans (`Client::plan_sync`) and applies (`Client::apply_sync`), and prints one
//! `RESULT` line: the portal's requests for each step (reads and writes), the pages of the user
//! list for comparison, the actions, the outcomes, and the wall time of each step. The memory of
//! the command-line tool on the same plan is measured by `bench/sync.sh`.

use std::time::{Duration, Instant};

use clap::Parser;
use docspace_people::bulk::Outcome;
use docspace_people::sync::{DesiredUser, Joiners, LeaverLimit, QuotaWish, Source, SyncOptions};
use docspace_people::{Client, Quota, RetryPolicy};
use docspace_people_fake::{FakePortal, PortalConfig};

/// Count the requests of a sync on the fake portal.
#[derive(Debug, Parser)]
struct Args {
    /// Generated users on top of the demo organisation.
    #[arg(long, default_value_t = 100_000)]
    users: usize,
    /// New addresses in the desired state (invited).
    #[arg(long, default_value_t = 100)]
    joiners: usize,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let portal = FakePortal::start(PortalConfig::demo().with_extra_users(args.users))?;
    let users = portal.snapshot();
    let total = users.len();
    let mut desired = Vec::with_capacity(total + args.joiners);
    let (mut leavers, mut movers) = (0usize, 0usize);
    for (i, user) in users.iter().enumerate() {
        if user.status != 1 || user.is_owner || user.is_admin || user.is_ldap {
            continue;
        }
        if i % 100 == 7 {
            leavers += 1;
            continue;
        }
        let mut row = DesiredUser::email(&user.email);
        if i % 100 == 42 {
            movers += 1;
            row = row.with_quota(QuotaWish::Set(Quota::Bytes(7 << 30)));
        }
        desired.push(row);
    }
    for j in 0..args.joiners {
        desired.push(DesiredUser::email(format!("joiner.{j}@new.example")));
    }
    drop(users);
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .retry(RetryPolicy::default().max_retry_after(Duration::from_secs(120)))
        .build()?;
    client.server().await?;
    let options = SyncOptions::default()
        .joiners(Joiners::Invite)
        .max_leavers(LeaverLimit::Percent(5));

    portal.reset_counters();
    let started = Instant::now();
    let plan = client
        .plan_sync(&desired, &options, Source::named("bench", &desired))
        .await?;
    let plan_s = started.elapsed().as_secs_f64();
    let plan_requests = portal.request_count();
    assert!(!plan.verdict.held, "{:?}", plan.verdict);

    portal.reset_counters();
    let started = Instant::now();
    let report = client.apply_sync(&plan, Default::default()).await?;
    let apply_s = started.elapsed().as_secs_f64();
    let apply_requests = portal.request_count();
    let (mut changed, mut other) = (0usize, 0usize);
    for (_, bulk) in &report.phases {
        changed += bulk.counts.changed;
        other += bulk.counts.total() - bulk.counts.changed;
    }
    let invited = report
        .invitations
        .as_ref()
        .map_or(0, |r| r.count(Outcome::Changed));
    let writes: usize = report.phases.iter().map(|(_, b)| b.requests).sum::<usize>()
        + report
            .invitations
            .as_ref()
            .map_or(0, |r| r.requests as usize);
    println!(
        "RESULT users={total} rows={} leavers={leavers} movers={movers} joiners={} pages={} \
         plan_requests={plan_requests} plan_s={plan_s:.2} actions={} apply_requests={apply_requests} \
         apply_writes={writes} apply_s={apply_s:.2} changed={changed} invited={invited} other={other} drifted={}",
        desired.len(),
        args.joiners,
        total.div_ceil(100),
        plan.actions.len(),
        report.drifted.len(),
    );
    Ok(())
}
