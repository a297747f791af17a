//! Choosing users by what the portal knows: every selector of the user search, groups by name,
//! inactivity from the login history (and its refusal on a plan without one), the paid seats.

use std::collections::HashSet;

use chrono::{Duration, Utc};
use docspace_people::{
    Client, Error, LoginKind, QuotaKind, TryStreamExt, UserQuery, UserType, Uuid,
};
use docspace_people_fake::{FakePortal, FakeUser, PortalConfig, ServerVersion};

fn owner(portal: &FakePortal) -> Client {
    Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap()
}

async fn selected(client: &Client, query: UserQuery) -> HashSet<Uuid> {
    client
        .find_all_users(query)
        .map_ok(|u| u.id)
        .try_collect()
        .await
        .unwrap()
}

fn expected(portal: &FakePortal, keep: impl Fn(&FakeUser) -> bool) -> HashSet<Uuid> {
    portal
        .snapshot()
        .iter()
        .filter(|u| keep(u))
        .map(|u| u.id)
        .collect()
}

#[tokio::test]
async fn every_selector_matches_the_portal() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let paid = |u: &FakeUser| u.is_owner || matches!(u.user_type, 1 | 3);
    let cases: Vec<(UserQuery, HashSet<Uuid>)> = vec![
        (UserQuery::new().paid(true), expected(&portal, paid)),
        (
            UserQuery::new().paid(false),
            expected(&portal, |u| !paid(u)),
        ),
        (
            UserQuery::new().quota_kind(QuotaKind::Custom),
            expected(&portal, |u| u.custom_quota.is_some()),
        ),
        (
            UserQuery::new().quota_kind(QuotaKind::Default),
            expected(&portal, |u| u.custom_quota.is_none()),
        ),
        (
            UserQuery::new().without_group(),
            expected(&portal, |u| u.departments.is_empty()),
        ),
        (
            UserQuery::new().login_kind(LoginKind::Ldap),
            expected(&portal, |u| u.is_ldap),
        ),
        (
            UserQuery::new().login_kind(LoginKind::Sso),
            expected(&portal, |u| u.is_sso),
        ),
    ];
    for (query, want) in cases {
        assert!(!want.is_empty(), "{query:?} selects someone in the seed");
        assert_eq!(selected(&client, query.clone()).await, want, "{query:?}");
    }
    let inviter = portal.snapshot().iter().find_map(|u| u.invited_by).unwrap();
    assert_eq!(
        selected(&client, UserQuery::new().invited_by(inviter)).await,
        expected(&portal, |u| u.invited_by == Some(inviter))
    );
    let group = &portal.groups()[0];
    let found = client
        .group_named(&group.name.to_uppercase())
        .await
        .unwrap();
    assert_eq!(found.id, group.id);
    assert_eq!(
        selected(&client, UserQuery::new().group(found.id)).await,
        expected(&portal, |u| u.departments.contains(&group.name))
    );
    let err = client.group_named("No Such Group").await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains(&group.name)),
        "names the groups there are: {err}"
    );
}

#[tokio::test]
async fn workspace_refuses_selectors_it_would_ignore() {
    let portal =
        FakePortal::start(PortalConfig::demo().with_version(ServerVersion::Workspace12_7)).unwrap();
    let client = owner(&portal);
    client.server().await.unwrap();
    portal.reset_counters();
    let err = client
        .find_users(&UserQuery::new().paid(true), 0)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
    assert_eq!(portal.request_count(), 0, "refused before sending");
}

#[tokio::test]
async fn inactive_users_come_from_the_login_history() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let since = Utc::now() - Duration::days(180);
    let logins = portal.last_sign_ins();
    let idle: HashSet<Uuid> = client
        .users_inactive_since(since, UserQuery::new())
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.user.id)
        .collect();
    let want = expected(&portal, |u| {
        logins.get(&u.id).is_none_or(|at| *at < since) && u.registered < since
    });
    assert!(!want.is_empty());
    assert_eq!(idle, want);
    let never = portal
        .snapshot()
        .into_iter()
        .filter(|u| !logins.contains_key(&u.id) && u.registered < since)
        .count();
    assert!(never > 0, "the seed has users who never signed in");

    let guests = client
        .users_inactive_since(since, UserQuery::new().user_type(UserType::Guest))
        .await
        .unwrap();
    assert!(guests.iter().all(|u| want.contains(&u.user.id)));
}

#[tokio::test]
async fn a_plan_without_login_history_is_refused_not_guessed() {
    let portal = FakePortal::start(PortalConfig::demo().without_login_history()).unwrap();
    let client = owner(&portal);
    let err = client
        .users_inactive_since(Utc::now() - Duration::days(180), UserQuery::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("keeps no login history")),
        "{err:?}"
    );
}

#[tokio::test]
async fn paid_seats_are_read_from_the_plan() {
    let portal = FakePortal::start(PortalConfig::demo().with_paid_seats(40)).unwrap();
    let client = owner(&portal);
    let seats = client.paid_seats().await.unwrap().expect("seats");
    let used = expected(&portal, |u| {
        u.status == 1 && (u.is_owner || matches!(u.user_type, 1 | 3))
    })
    .len() as u64;
    assert_eq!(seats.limit, Some(40));
    assert_eq!(seats.used, Some(used));
    assert_eq!(seats.free(), Some(40 - used));
}

#[tokio::test]
async fn consequences_are_foreseen_from_the_users_and_the_seats() {
    use docspace_people::Quota;
    use docspace_people::bulk::{Change, Consequence};

    let probe = FakePortal::start(PortalConfig::demo()).unwrap();
    let used = expected(&probe, |u| {
        u.status == 1 && (u.is_owner || matches!(u.user_type, 1 | 3))
    })
    .len();
    drop(probe);
    let portal = FakePortal::start(PortalConfig::demo().with_paid_seats(used + 1)).unwrap();
    let client = owner(&portal);
    let plain: Vec<Uuid> = portal
        .user_ids_where(|u| u.status == 1 && u.user_type == 4 && !u.is_admin && !u.is_ldap)[..3]
        .to_vec();
    let users: Vec<_> = client
        .users_by_id(&plain, 2)
        .await
        .unwrap()
        .into_values()
        .collect();
    let foreseen = client
        .consequences(&Change::Type(UserType::RoomAdmin), &users)
        .await
        .unwrap();
    assert_eq!(foreseen.seats_free, Some(1));
    assert_eq!(foreseen.count(&Consequence::TakesSeat), 1);
    assert_eq!(foreseen.count(&Consequence::NoSeatLeft), 2);

    let heavy: Vec<_> = client
        .find_all_users(UserQuery::new())
        .try_filter(|u| {
            futures::future::ready(u.used_space.is_some_and(|s| s > (1u64 << 30) as f64))
        })
        .try_collect()
        .await
        .unwrap();
    assert!(!heavy.is_empty());
    let foreseen = client
        .consequences(&Change::Quota(Quota::Bytes(1 << 30)), &heavy)
        .await
        .unwrap();
    assert_eq!(
        foreseen.count(&Consequence::ReadOnly { used: 0, quota: 0 }),
        heavy.len()
    );
}

#[tokio::test]
async fn a_login_history_that_repeats_its_page_is_an_error_not_an_endless_loop() {
    use wiremock::matchers::{method, path, query_param_is_missing};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    let path_ = "/api/2.0/security/audit/login/filter";
    // The check's window in the far future is empty: the plan keeps a history ...
    Mock::given(method("GET"))
        .and(path(path_))
        .and(wiremock::matchers::query_param(
            "from",
            "2999-01-01T00:00:00.0000000Z",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"response": [], "count": 0, "status": 0, "statusCode": 200}),
        ))
        .mount(&server)
        .await;
    // ... but every page is the same hundred recent sign-ins.
    let now = Utc::now().to_rfc3339();
    let events: Vec<serde_json::Value> = (0..100)
        .map(|i| {
            serde_json::json!({"id": 7, "date": now, "userId": Uuid::from_u128(i).to_string(), "actionId": 1000})
        })
        .collect();
    Mock::given(method("GET"))
        .and(path(path_))
        .and(query_param_is_missing("from"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"response": events, "count": 100, "status": 0, "statusCode": 200}),
        ))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri()).token("t").build().unwrap();
    let err = client
        .sign_ins_since(Utc::now() - Duration::days(180))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UndecodableResponse { reason, .. } if reason.contains("same page")),
        "{err:?}"
    );
}
