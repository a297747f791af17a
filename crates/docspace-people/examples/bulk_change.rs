//! A bulk status change with its report: terminate every user of one email domain, chunked and
//! concurrent, then print what happened to each id.
//!
//! ```sh
//! cargo run -p docspace-people --example bulk_change
//! ```
//!
//! It starts a local fake DocSpace portal in-process and signs in as its owner. The owner is
//! added to the targets to show a refusal; one of the domain's users is already terminated.

use docspace_people::bulk::{BulkOptions, Change};
use docspace_people::{Client, User, UserQuery, UserStatus, Uuid};
use docspace_people_fake::seed::{OWNER_EMAIL, OWNER_PASSWORD};
use docspace_people_fake::{FakePortal, PortalConfig};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let portal = FakePortal::start(PortalConfig::demo())?;
    let client = Client::login(portal.base_url(), OWNER_EMAIL, OWNER_PASSWORD).await?;

    // The targets: everyone at contoso.example, and the owner (who cannot be terminated).
    let mut targets: Vec<User> = client
        .find_all_users(UserQuery::new().text("@contoso.example"))
        .try_collect()
        .await?;
    targets.push(client.me().await?);
    let ids: Vec<Uuid> = targets.iter().map(|user| user.id).collect();
    println!("Terminating {} users", ids.len());

    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .options(BulkOptions::default().chunk_size(100).concurrency(4))
        .on_progress(|p| eprintln!("  {}/{} done", p.done, p.total))
        .run(&ids)
        .await?;

    // One entry per distinct id, in input order; `position` is its index in `ids`.
    for entry in &report.entries {
        println!(
            "  {:<30} {:<18} {}",
            targets[entry.position].email.as_deref().unwrap_or("-"),
            entry.outcome.as_str(),
            entry.detail.as_deref().unwrap_or("")
        );
    }
    println!(
        "{}; {} change request(s), {} read(s); complete success: {}",
        report.counts,
        report.requests,
        report.reads,
        report.is_complete_success()
    );

    portal.shutdown().await;
    Ok(())
}
