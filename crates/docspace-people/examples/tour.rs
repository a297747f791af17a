//! A tour of the client against a local fake DocSpace portal started in-process: sign in, list
//! users, terminate two, promote one, set and lift a quota, and one refused change with the
//! typed error it produced.
//!
//! ```sh
//! cargo run -p docspace-people --example tour
//! ```
//!
//! Point it at a real portal by changing the base URL and credentials; everything else is the
//! same code.

use docspace_people::{Client, Error, Quota, User, UserQuery, UserStatus, UserType, Uuid};
use docspace_people_fake::seed::{GUEST_EMAIL, OWNER_EMAIL, OWNER_PASSWORD};
use docspace_people_fake::{FakePortal, PortalConfig};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let portal = FakePortal::start(PortalConfig::demo())?;
    println!(
        "Fake DocSpace portal (3.7.1 rules) at {}\n",
        portal.base_url()
    );

    println!("1. Sign in as {OWNER_EMAIL}");
    let client = Client::login(portal.base_url(), OWNER_EMAIL, OWNER_PASSWORD).await?;
    let me = client.me().await?;
    let server = client.server().await?;
    println!(
        "   signed in as {} ({}) on {server}; its user types: {}\n",
        name(&me),
        me.user_type_on(&server)
            .and_then(|t| server.type_name(&t))
            .unwrap_or("?"),
        server.type_names_listed()
    );

    println!("2. List users (every page of people/filter, as a stream)");
    let everyone: Vec<User> = client
        .find_all_users(UserQuery::new())
        .try_collect()
        .await?;
    println!("   {} users on the portal; the first ten:", everyone.len());
    print_table(everyone.iter().take(10));

    let plain: Vec<&User> = everyone
        .iter()
        .filter(|u| {
            u.status == Some(UserStatus::Active)
                && u.user_type() == Some(UserType::User)
                && u.is_ldap != Some(true)
                && u.id != me.id
        })
        .collect();
    let leavers: Vec<Uuid> = plain.iter().take(2).map(|u| u.id).collect();
    println!("\n3. Terminate two users");
    show_before(&client, &leavers).await?;
    let after = client.set_status(UserStatus::Terminated, &leavers).await?;
    println!("   after:");
    print_table(after.iter());

    println!("\n4. Promote a guest to User");
    let guest = portal
        .id_of(GUEST_EMAIL)
        .ok_or("the demo portal has no guest")?;
    show_before(&client, &[guest]).await?;
    let after = client.set_type(UserType::User, &[guest]).await?;
    println!("   after:");
    print_table(after.iter());

    println!("\n5. Set a 25GiB quota on a user (the portal default is 10GiB), then lift it");
    let target = [plain.get(2).ok_or("not enough users")?.id];
    show_before(&client, &target).await?;
    let quota: Quota = "25GiB".parse()?;
    print_table(client.set_quota(quota, &target).await?.iter());
    print_table(client.set_quota(Quota::Unlimited, &target).await?.iter());

    println!("\n6. A refused change: terminate the portal owner together with another user");
    match client
        .set_status(UserStatus::Terminated, &[me.id, plain[3].id])
        .await
    {
        Err(error @ Error::Forbidden { .. }) => {
            println!("   refused as a whole, nothing changed: {error}");
            println!(
                "   (matched as Error::Forbidden, is_retryable() = {})",
                error.is_retryable()
            );
            println!(
                "   {} is still {:?}",
                name(plain[3]),
                client.user(plain[3].id).await?.status
            );
        }
        other => println!("   unexpected: {other:?}"),
    }

    println!("\n7. Bad input is refused before anything is sent");
    let error = client
        .set_status(UserStatus::Pending, &leavers)
        .await
        .unwrap_err();
    println!("   {error}");
    let error = docspace_people::parse_user_ids(["not-a-uuid"]).unwrap_err();
    println!("   {error}");

    portal.shutdown().await;
    Ok(())
}

fn name(user: &User) -> String {
    user.display_name
        .clone()
        .unwrap_or_else(|| user.id.to_string())
}

async fn show_before(client: &Client, ids: &[Uuid]) -> Result<(), Error> {
    println!("   before:");
    let mut users = Vec::with_capacity(ids.len());
    for id in ids {
        users.push(client.user(*id).await?);
    }
    print_table(users.iter());
    Ok(())
}

fn print_table<'a>(users: impl Iterator<Item = &'a User>) {
    println!(
        "   {:<26} {:<34} {:<14} {:<11} quota",
        "name", "email", "type", "status"
    );
    for user in users {
        println!(
            "   {:<26} {:<34} {:<14} {:<11} {}",
            name(user),
            user.email.as_deref().unwrap_or("-"),
            user.user_type().map_or("-".into(), |t| t.to_string()),
            user.status.as_ref().map_or("-".into(), ToString::to_string),
            user.quota_limit.map_or("-".into(), |q| q.to_string()),
        );
    }
}
