//! `GET /people/filter`: paging, filters, sorting, and a portal of 100,000 users.

use std::collections::HashSet;

use docspace_people_fake::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{Api, ids};

async fn page(api: &Api, query: &str) -> (Value, u64, u64) {
    let reply = api
        .get(
            &api.portal.owner_token(),
            &format!("/api/2.0/people/filter?{query}"),
        )
        .await;
    let envelope = reply.json();
    let users = reply.ok();
    let count = envelope["count"].as_u64().expect("count");
    let total = envelope["total"].as_u64().expect("total");
    assert_eq!(count as usize, users.as_array().expect("array").len());
    (users, count, total)
}

#[tokio::test]
async fn pages_cover_every_user_once() {
    let api = Api::demo().await;
    let all = api.portal.user_count() as u64;
    let (first, count, total) = page(&api, "").await;
    assert_eq!((count, total), (all, all));
    let (_, count, _) = page(&api, "count=0").await;
    assert_eq!(count, all);
    let (_, count, _) = page(&api, "count=1000").await;
    assert_eq!(count, all);

    let mut seen = Vec::new();
    let mut start = 0;
    loop {
        let (users, count, total) = page(&api, &format!("count=7&startIndex={start}")).await;
        assert_eq!(total, all);
        if count == 0 {
            break;
        }
        seen.extend(ids(&users));
        start += 7;
    }
    assert_eq!(seen, ids(&first));
    assert_eq!(seen.iter().collect::<HashSet<_>>().len() as u64, all);
    let (beyond, count, total) = page(&api, "startIndex=10000").await;
    assert_eq!((count, total), (0, all));
    assert_eq!(beyond, Value::Array(Vec::new()));
}

#[tokio::test]
async fn filters() {
    let api = Api::demo().await;
    let snapshot = api.portal.snapshot();
    let expect = |f: &dyn Fn(&FakeUser) -> bool| snapshot.iter().filter(|u| f(u)).count() as u64;

    let (users, _, total) = page(&api, "filterValue=O%27BRIEN").await;
    assert_eq!(total, 1);
    assert_eq!(users[0]["email"], USER_EMAIL);
    let (_, _, total) = page(&api, "filterValue=contoso").await;
    assert_eq!(total, expect(&|u| u.email.contains("contoso")));

    let (users, _, total) = page(&api, "employeeStatus=2").await;
    assert_eq!(total, expect(&|u| u.status == 2));
    assert!(
        users
            .as_array()
            .expect("array")
            .iter()
            .all(|u| u["status"] == 2)
    );
    let (_, _, total) = page(&api, "employeeStatus=Terminated").await;
    assert_eq!(total, expect(&|u| u.status == 2));
    let (_, _, total) = page(&api, "activationStatus=2").await;
    assert_eq!(total, expect(&|u| u.activation_status == 2));

    let (users, _, total) = page(&api, "employeeType=2").await;
    assert_eq!(total, expect(&|u| u.user_type == 2));
    assert!(
        users
            .as_array()
            .expect("array")
            .iter()
            .all(|u| u["isVisitor"] == true)
    );
    let (_, _, total) = page(&api, "isAdministrator=true").await;
    assert_eq!(total, expect(&|u| u.is_admin));
    let (_, _, total) = page(&api, "isAdministrator=false&employeeStatus=1").await;
    assert_eq!(total, expect(&|u| !u.is_admin && u.status == 1));

    let rnd = api
        .portal
        .groups()
        .into_iter()
        .find(|g| g.name == "Research & Development")
        .expect("group");
    let (users, _, total) = page(&api, &format!("groupId={}", rnd.id)).await;
    assert_eq!(total, expect(&|u| u.departments.contains(&rnd.name)));
    assert!(total > 0);
    assert!(users.as_array().expect("array").iter().all(|u| {
        u["department"]
            .as_str()
            .is_some_and(|d| d.contains("Research &amp; Development"))
    }));
    let (_, _, total) = page(&api, &format!("groupId={}", uuid::Uuid::new_v4())).await;
    assert_eq!(total, 0);
}

#[tokio::test]
async fn sorting() {
    let api = Api::demo().await;
    let names = |users: &Value, field: &str| -> Vec<String> {
        users
            .as_array()
            .expect("array")
            .iter()
            .map(|u| u[field].as_str().unwrap_or_default().to_lowercase())
            .collect()
    };
    let (users, _, _) = page(&api, "sortBy=lastname&sortOrder=ascending").await;
    let last = names(&users, "lastName");
    assert!(last.is_sorted(), "{last:?}");
    let (users, _, _) = page(&api, "sortBy=email&sortOrder=descending").await;
    let mut emails = names(&users, "email");
    emails.reverse();
    assert!(emails.is_sorted());
    let (users, _, _) = page(&api, "sortBy=type&count=1").await;
    assert_eq!(users[0]["isOwner"], true);
    let (users, _, _) = page(&api, "sortBy=firstname&count=3").await;
    let first = names(&users, "firstName");
    assert!(first.is_sorted());
}

#[tokio::test]
async fn hundred_thousand_users() {
    let api = Api::start(PortalConfig::demo().with_extra_users(100_000)).await;
    let expected = 100_000
        + api
            .portal
            .snapshot()
            .iter()
            .filter(|u| !u.email.ends_with("@scale.example"))
            .count();
    assert_eq!(api.portal.user_count(), expected);
    let (users, count, total) = page(&api, "count=25&startIndex=99990&sortBy=email").await;
    assert_eq!(total as usize, expected);
    assert_eq!(count, 25);
    let emails: Vec<_> = users
        .as_array()
        .expect("array")
        .iter()
        .map(|u| u["email"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(emails.is_sorted());
    let (_, _, total) = page(&api, "filterValue=james&employeeType=1").await;
    assert!(total > 0 && (total as usize) < expected);
}

/// Every page of a query, `count` at a time, with `between(pages_read)` awaited after each
/// page; the users in order and the `total` each page reported.
async fn page_through(
    api: &Api,
    query: &str,
    count: usize,
    mut between: impl AsyncFnMut(usize),
) -> (Vec<Value>, Vec<u64>) {
    let (mut users, mut totals) = (Vec::new(), Vec::new());
    for pages_read in 0.. {
        let start = pages_read * count;
        let (page, n, total) =
            page(api, &format!("{query}&count={count}&startIndex={start}")).await;
        totals.push(total);
        if n == 0 {
            break;
        }
        users.extend(page.as_array().expect("array").iter().cloned());
        between(pages_read + 1).await;
    }
    (users, totals)
}

/// The ids of `users` (sorted by email, so in a fixed order) that are generated, active and
/// at `from` or later.
fn active_generated_from(users: &[FakeUser], from: usize) -> Vec<Uuid> {
    users[from..]
        .iter()
        .filter(|u| u.status == 1 && u.email.ends_with("@scale.example"))
        .map(|u| u.id)
        .collect()
}

fn by_email(mut users: Vec<FakeUser>, descending: bool) -> Vec<FakeUser> {
    users.sort_by_key(|u| u.email.to_lowercase());
    if descending {
        users.reverse();
    }
    users
}

fn user_ids(users: &[Value]) -> Vec<Uuid> {
    ids(&Value::Array(users.to_vec()))
}

/// `seen == expected`, failing with the first difference rather than thousands of ids.
fn assert_same_ids(seen: &[Uuid], expected: &[Uuid]) {
    let first_difference = seen.iter().zip(expected).position(|(s, e)| s != e);
    assert!(
        first_difference.is_none() && seen.len() == expected.len(),
        "{} ids seen, {} expected, first difference at {first_difference:?}",
        seen.len(),
        expected.len()
    );
}

/// Paging through a few thousand users (the server keeps the sorted matches between pages)
/// while statuses change between two pages: the pages after the change show it, nothing is
/// repeated or left out, and every page is what sorting afresh would give.
#[tokio::test]
async fn paging_sees_changes_made_between_pages() {
    let api = Api::start(PortalConfig::demo().with_extra_users(3_000)).await;
    let owner = api.portal.owner_token();
    let set_status = async |status: i32, id: Uuid| {
        let reply = api
            .put(
                &owner,
                &format!("/api/2.0/people/status/{status}"),
                json!({ "userIds": [id] }),
            )
            .await;
        assert_eq!(ids(&reply.ok()), [id]);
    };

    let snapshot = api.portal.snapshot();
    let generated = api.portal.generated_user_ids();
    assert_eq!(generated.len(), 3_000);
    assert!(
        snapshot[snapshot.len() - 3_000..]
            .iter()
            .map(|u| u.id)
            .eq(generated)
    );

    // Everyone by email (unique, so the order is fixed); one user terminated after ten pages.
    let before = by_email(snapshot, false);
    let all = before.len();
    let victim = active_generated_from(&before, 1_500)[0];
    let (users, totals) = page_through(&api, "sortBy=email", 100, async |read| {
        if read == 10 {
            set_status(2, victim).await;
        }
    })
    .await;
    assert_eq!(totals.len(), all.div_ceil(100) + 1);
    assert!(totals.iter().all(|t| *t as usize == all), "{totals:?}");
    let expected: Vec<Uuid> = before.iter().map(|u| u.id).collect();
    assert_same_ids(&user_ids(&users), &expected);
    for (user, old) in users.iter().zip(&before) {
        let status = if old.id == victim { 2 } else { old.status };
        assert_eq!(user["status"], status, "{}", old.email);
    }

    // Active users by email, descending: after five pages another one is terminated, after
    // ten the first victim comes back, both further down the list.
    let active_before = by_email(api.portal.snapshot(), true)
        .into_iter()
        .filter(|u| u.status == 1)
        .collect::<Vec<_>>();
    let victim2 = active_generated_from(&active_before, 1_000)[0];
    let (users, totals) = page_through(
        &api,
        "employeeStatus=1&sortBy=email&sortOrder=descending",
        100,
        async |read| match read {
            5 => set_status(2, victim2).await,
            10 => set_status(1, victim).await,
            _ => {}
        },
    )
    .await;
    let after: Vec<FakeUser> = by_email(api.portal.snapshot(), true)
        .into_iter()
        .filter(|u| u.status == 1)
        .collect();
    let expected: Vec<Uuid> = after.iter().map(|u| u.id).collect();
    let position = |id: Uuid| expected.iter().position(|e| *e == id);
    assert!(
        position(victim).is_some_and(|p| p >= 1_100),
        "the change is ahead"
    );
    assert!(position(victim2).is_none());
    let seen = user_ids(&users);
    assert_eq!(seen.len(), seen.iter().collect::<HashSet<_>>().len());
    assert_same_ids(&seen, &expected);
    assert!(users.iter().all(|u| u["status"] == 1));
    // Each change shows in the total of the very next page.
    let n = active_before.len() as u64;
    assert_eq!(after.len() as u64, n);
    assert!(totals[..5].iter().all(|t| *t == n), "{totals:?}");
    assert!(totals[5..10].iter().all(|t| *t == n - 1), "{totals:?}");
    assert!(totals[10..].iter().all(|t| *t == n), "{totals:?}");
}
