//! `GET /people/filter`: paging, filters, sorting, and a portal of 100,000 users.

use std::collections::HashSet;

use docspace_people_fake::*;
use serde_json::Value;

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
