//! Sign in and search users with [`UserQuery`]: one page with the total, then every match as a
//! stream.
//!
//! ```sh
//! cargo run -p docspace-people --example search
//! ```
//!
//! It starts a local fake DocSpace portal in-process and signs in as its owner. Point it at a
//! real portal by changing the base URL and credentials.

use docspace_people::{Client, SortBy, User, UserQuery, UserStatus, UserType};
use docspace_people_fake::seed::{OWNER_EMAIL, OWNER_PASSWORD};
use docspace_people_fake::{FakePortal, PortalConfig};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let portal = FakePortal::start(PortalConfig::demo())?;
    let client = Client::login(portal.base_url(), OWNER_EMAIL, OWNER_PASSWORD).await?;

    // One page: active users of type User, by last name, five per page.
    let query = UserQuery::new()
        .status(UserStatus::Active)
        .user_type(UserType::User)
        .sort_by(SortBy::LastName)
        .page_size(5);
    let page = client.find_users(&query, 0).await?;
    println!(
        "Active users: {} of {:?} on the first page (next page at {:?})",
        page.users.len(),
        page.total,
        page.next_start_index
    );
    print_users(&page.users);

    // Every page: whoever has "contoso" in their name or email, whatever their status.
    let contoso: Vec<User> = client
        .find_all_users(UserQuery::new().text("contoso"))
        .try_collect()
        .await?;
    println!("\nMatching \"contoso\": {}", contoso.len());
    print_users(&contoso);

    // By exact email address.
    let found = client.users_with_email("lena.hoffmann@example.com").await?;
    println!("\nBy email: {} user(s)", found.len());
    print_users(&found);

    portal.shutdown().await;
    Ok(())
}

fn print_users(users: &[User]) {
    for user in users {
        println!(
            "  {:<24} {:<32} {:<12} {}",
            user.display_name.as_deref().unwrap_or("-"),
            user.email.as_deref().unwrap_or("-"),
            user.user_type().map_or("-".into(), |t| t.to_string()),
            user.status.as_ref().map_or("-".into(), ToString::to_string),
        );
    }
}
