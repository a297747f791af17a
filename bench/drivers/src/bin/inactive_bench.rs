//! How many requests and how much time selecting the inactive users of a big portal takes
//! (issue "Choose users by what the portal knows").
//!
//! ```text
//! cargo run --release -p docspace-people-bench --bin inactive_bench -- --users 100000
//! ```
//!
//! Starts the fake portal (DocSpace 3.7) in-process with the demo organisation plus `--users`
//! generated users and its seeded login history (about a year and a month: most users signed in
//! once or twice within 400 days, every seventh never did), then selects the users nobody signed
//! in as for `--days` days (`Client::users_inactive_since`) and prints one `RESULT` line: the
//! history's events and pages read, the user list's pages, all requests, the users selected (and
//! whether they are exactly the fake's own answer), and the wall time. The memory of the
//! command-line tool doing the same is measured by `bench/inactive.sh`.

use std::time::Instant;

use chrono::{Duration, Utc};
use clap::Parser;
use docspace_people::{Client, UserQuery};
use docspace_people_fake::{FakePortal, PortalConfig};

/// Count the requests of an inactivity selection on the fake portal.
#[derive(Debug, Parser)]
struct Args {
    /// Generated users on top of the demo organisation.
    #[arg(long, default_value_t = 100_000)]
    users: usize,
    /// Inactive for this many days.
    #[arg(long, default_value_t = 180)]
    days: i64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let portal = FakePortal::start(PortalConfig::demo().with_extra_users(args.users))?;
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()?;
    client.server().await?;
    let since = Utc::now() - Duration::days(args.days);
    let logins = portal.last_sign_ins();
    let expected: std::collections::HashSet<_> = portal
        .snapshot()
        .into_iter()
        .filter(|u| logins.get(&u.id).is_none_or(|at| *at < since) && u.registered < since)
        .map(|u| u.id)
        .collect();
    let users = portal.user_count();
    // The history alone first, for its size; then the selection, counted on its own.
    let signed_in = client.sign_ins_since(since).await?;
    portal.reset_counters();
    let started = Instant::now();
    let idle = client.users_inactive_since(since, UserQuery::new()).await?;
    let elapsed = started.elapsed();
    let requests = portal.request_count();
    let user_pages = users.div_ceil(100);
    let exact = idle.len() == expected.len() && idle.iter().all(|u| expected.contains(&u.user.id));
    println!(
        "RESULT users={users} days={} selected={} exact={exact} signed_in_in_window={} \
         requests={requests} (history: 1 check + {} pages; user list: {user_pages} pages) \
         wall_s={:.2}",
        args.days,
        idle.len(),
        signed_in.last.len(),
        signed_in.pages,
        elapsed.as_secs_f64(),
    );
    if !exact {
        return Err("the selection differs from the fake's own answer".into());
    }
    Ok(())
}
