//! Offboard two leavers: disable them, move their rooms, folders and files to a receiver, then
//! delete them, with every step of every user in the report.
//!
//! ```sh
//! cargo run -p docspace-people --example offboarding
//! ```
//!
//! It starts a local fake DocSpace portal in-process and signs in as its owner. The data moves
//! through the server's background job, one user at a time, so this takes a few seconds.
//! **Deletion cannot be undone**: on a real portal, run it without `.delete(true)` first.

use docspace_people::lifecycle::OffboardOptions;
use docspace_people::{Client, Uuid};
use docspace_people_fake::seed::{ADMIN_EMAIL, OWNER_EMAIL, OWNER_PASSWORD};
use docspace_people_fake::{FakePortal, PortalConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let portal = FakePortal::start(PortalConfig::demo())?;
    let client = Client::login(portal.base_url(), OWNER_EMAIL, OWNER_PASSWORD).await?;

    // The receiver must be an active DocSpace admin or room admin.
    let receiver = one_id(&client, ADMIN_EMAIL).await?;
    let emails = ["lucas.moreau@example.com", "noah.fischer@example.com"];
    let leavers = [
        one_id(&client, emails[0]).await?,
        one_id(&client, emails[1]).await?,
    ];

    let report = client
        .offboard(OffboardOptions::default().receiver(receiver).delete(true))
        .confirm(|plan| {
            println!(
                "Plan: disable {}, move data: {}, delete {}",
                plan.to_disable, plan.reassign, plan.to_delete
            );
            plan.to_delete <= 2 // a guard: refuse to delete more than expected
        })
        .on_step(|id, step| println!("  {id}: {} {}", step.step.as_str(), step.outcome))
        .run(&leavers)
        .await?;

    for user in &report.users {
        let steps: Vec<String> = user
            .steps
            .iter()
            .map(|s| format!("{} {}", s.step.as_str(), s.outcome))
            .collect();
        println!("{}: {}", emails[user.position], steps.join(", "));
    }
    println!(
        "{} of {} offboarded; still on the portal: {}",
        report.completed(),
        report.users.len(),
        client.users_by_id(&leavers, 4).await?.len()
    );

    portal.shutdown().await;
    Ok(())
}

/// The id of the one user with this email address.
async fn one_id(client: &Client, email: &str) -> Result<Uuid, Box<dyn std::error::Error>> {
    match client.users_with_email(email).await?.as_slice() {
        [user] => Ok(user.id),
        _ => Err(format!("no single user with the address {email}").into()),
    }
}
