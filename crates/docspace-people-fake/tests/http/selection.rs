//! What selecting users needs: the rest of people/filter's selectors, the groups, the login
//! history (with and without the plan's audit feature) and the paid seats.

use docspace_people_fake::*;
use serde_json::Value;

use crate::common::Api;

async fn ids(api: &Api, query: &str) -> Vec<String> {
    let reply = api
        .get(
            &api.portal.owner_token(),
            &format!("/api/2.0/people/filter?{query}"),
        )
        .await;
    reply
        .ok()
        .as_array()
        .expect("an array")
        .iter()
        .map(|u| u["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn the_selectors_of_people_filter() {
    let api = Api::demo().await;
    let users = api.portal.snapshot();
    let expect = |keep: &dyn Fn(&FakeUser) -> bool| {
        let mut ids: Vec<String> = users
            .iter()
            .filter(|u| keep(u))
            .map(|u| u.id.to_string())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let paid = |u: &FakeUser| u.is_owner || matches!(u.user_type, 1 | 3);
    assert_eq!(sorted(ids(&api, "payments=0").await), expect(&|u| paid(u)));
    assert_eq!(sorted(ids(&api, "payments=1").await), expect(&|u| !paid(u)));
    assert_eq!(
        sorted(ids(&api, "quotaFilter=2").await),
        expect(&|u| u.custom_quota.is_some())
    );
    assert_eq!(
        sorted(ids(&api, "withoutGroup=true").await),
        expect(&|u| u.departments.is_empty())
    );
    let inviter = users
        .iter()
        .find_map(|u| u.invited_by)
        .expect("the seed has an inviter");
    let invited = sorted(ids(&api, &format!("inviterId={inviter}")).await);
    assert!(!invited.is_empty());
    assert_eq!(invited, expect(&|u| u.invited_by == Some(inviter)));
}

#[tokio::test]
async fn groups_are_listed_by_name() {
    let api = Api::demo().await;
    let groups = api.portal.groups();
    let first = &groups[0];
    let reply = api
        .get(
            &api.portal.owner_token(),
            &format!("/api/2.0/group?filterValue={}", first.name.to_uppercase()),
        )
        .await;
    let found: Vec<Value> = reply.ok().as_array().expect("array").clone();
    assert!(
        found
            .iter()
            .any(|g| g["id"] == first.id.to_string() && g["name"] == first.name.as_str()),
        "{found:?}"
    );
}

async fn login_events(api: &Api, query: &str) -> Vec<Value> {
    api.get(
        &api.portal.owner_token(),
        &format!("/api/2.0/security/audit/login/filter?{query}"),
    )
    .await
    .ok()
    .as_array()
    .expect("array")
    .clone()
}

#[tokio::test]
async fn the_login_history_pages_newest_first_and_a_plan_without_it_ignores_filters() {
    let api = Api::demo().await;
    let all = login_events(&api, "count=100").await;
    assert!(all.len() > 20, "{} events", all.len());
    let dates: Vec<&str> = all.iter().map(|e| e["date"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");
    let future = "from=2999-01-01T00:00:00Z";
    assert!(login_events(&api, future).await.is_empty(), "a real filter");

    let api = Api::start(PortalConfig::demo().without_login_history()).await;
    let ignored = login_events(&api, future).await;
    assert_eq!(ignored.len(), 20, "the last 20, whatever was asked");
    let reply = api
        .get(&api.portal.owner_token(), "/api/2.0/portal/payment/quota")
        .await;
    let features = reply.ok()["features"].clone();
    assert!(
        features
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "audit" && f["value"] == false),
        "{features}"
    );
}

#[tokio::test]
async fn the_paid_seats_and_their_use() {
    let api = Api::start(PortalConfig::demo().with_paid_seats(40)).await;
    let reply = api
        .get(&api.portal.owner_token(), "/api/2.0/portal/payment/quota")
        .await;
    let manager = reply.ok()["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "manager")
        .cloned()
        .expect("the paid seats");
    assert_eq!(manager["value"], 40);
    let used = api
        .portal
        .snapshot()
        .iter()
        .filter(|u| u.status == 1 && (u.is_owner || matches!(u.user_type, 1 | 3)))
        .count();
    assert_eq!(manager["used"]["value"], used as u64);
}
