//! The wrapper against the fake portal over loopback: every operation, every error shape,
//! both server generations, and the fault knobs.

use std::time::Duration;

use docspace_people::{
    Client, Error, Quota, RetryPolicy, Theme, UserQuery, UserStatus, UserType, Uuid,
};
use docspace_people_fake::seed::{
    ADMIN_EMAIL, ADMIN_PASSWORD, GUEST_EMAIL, LDAP_USER_EMAIL, OWNER_EMAIL, OWNER_PASSWORD,
    READONLY_API_KEY, TERMINATED_USER_EMAIL, USER_EMAIL,
};
use docspace_people_fake::{DropMode, FakePortal, Faults, PortalConfig, ServerVersion, Trigger};
use futures::TryStreamExt;

fn owner(portal: &FakePortal) -> Client {
    Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap()
}

fn id(portal: &FakePortal, email: &str) -> Uuid {
    portal.id_of(email).unwrap()
}

/// Active users of type 4 who are neither admins nor LDAP: safe targets.
fn plain_users(portal: &FakePortal, n: usize) -> Vec<Uuid> {
    let ids = portal.user_ids_where(|u| {
        u.status == 1 && u.user_type == 4 && !u.is_admin && !u.is_ldap && u.email != USER_EMAIL
    });
    assert!(
        ids.len() >= n,
        "the demo portal has {} plain users",
        ids.len()
    );
    ids[..n].to_vec()
}

#[tokio::test]
async fn sign_in_who_am_i_and_sign_in_failures() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = Client::login(portal.base_url(), OWNER_EMAIL, OWNER_PASSWORD)
        .await
        .unwrap();
    let me = client.me().await.unwrap();
    assert_eq!(me.email.as_deref(), Some(OWNER_EMAIL));
    assert_eq!(me.is_owner, Some(true));
    assert!(me.theme.as_ref().is_some_and(Theme::is_known));
    assert!(me.registration_date.is_some());

    let wrong = Client::login(portal.base_url(), OWNER_EMAIL, "nope")
        .await
        .unwrap_err();
    assert!(matches!(wrong, Error::Unauthorized { .. }), "{wrong:?}");
    let unknown = Client::login(portal.base_url(), "nobody@example.com", "x")
        .await
        .unwrap_err();
    // The server does not tell an unknown user from a wrong password (401, not 404).
    assert!(matches!(unknown, Error::Unauthorized { .. }), "{unknown:?}");
    let disabled = Client::login(portal.base_url(), TERMINATED_USER_EMAIL, "Demo-Passw0rd!")
        .await
        .unwrap_err();
    assert!(matches!(disabled, Error::Forbidden { .. }), "{disabled:?}");

    let stale = Client::builder(portal.base_url())
        .token("not-a-token")
        .build()
        .unwrap();
    let err = stale.me().await.unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { message: None }),
        "{err:?}"
    );
}

#[tokio::test]
async fn api_keys_and_scopes() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let by_key = Client::builder(portal.base_url())
        .api_key(portal.api_key())
        .build()
        .unwrap();
    assert_eq!(by_key.me().await.unwrap().is_owner, Some(true));
    let read_only = Client::builder(portal.base_url())
        .api_key(READONLY_API_KEY)
        .build()
        .unwrap();
    assert!(read_only.me().await.is_ok());
    let target = plain_users(&portal, 1);
    let err = read_only
        .set_status(UserStatus::Terminated, &target)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Forbidden { message: None }),
        "scope 403 has an empty body: {err:?}"
    );
    assert_eq!(portal.user(target[0]).unwrap().status, 1);
}

#[tokio::test]
async fn one_user_and_search() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let guest = client.user(id(&portal, GUEST_EMAIL)).await.unwrap();
    assert_eq!(guest.user_type(), Some(UserType::Guest));
    let err = client.user(Uuid::from_u128(42)).await.unwrap_err();
    assert_eq!(err.server_message(), Some("The user could not be found"));

    let expected = portal
        .user_ids_where(|u| u.user_type == 2 && u.status == 1)
        .len();
    let query = UserQuery::new()
        .user_type(UserType::Guest)
        .status(UserStatus::Active)
        .page_size(2);
    let first = client.find_users(&query, 0).await.unwrap();
    assert_eq!(first.total, Some(expected as u64));
    let all: Vec<_> = client.find_all_users(query).try_collect().await.unwrap();
    assert_eq!(all.len(), expected);
    assert!(all.iter().all(|u| u.user_type() == Some(UserType::Guest)));
    let everyone: Vec<_> = client
        .find_all_users(UserQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(everyone.len(), portal.user_count());
}

#[tokio::test]
async fn status_type_and_quota_on_a_37_server() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let targets = plain_users(&portal, 2);

    let users = client
        .set_status(UserStatus::Terminated, &targets)
        .await
        .unwrap();
    assert_eq!(users.iter().map(|u| u.id).collect::<Vec<_>>(), targets);
    assert!(
        users
            .iter()
            .all(|u| u.status == Some(UserStatus::Terminated) && u.terminated.is_none())
    );
    assert!(targets.iter().all(|t| portal.user(*t).unwrap().status == 2));

    // All or nothing: the owner among the targets refuses the whole request.
    let with_owner = [targets[0], id(&portal, OWNER_EMAIL)];
    let err = client
        .set_status(UserStatus::Active, &with_owner)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Forbidden { message: Some(ref m) } if m == "Access denied"),
        "{err:?}"
    );
    assert_eq!(
        portal.user(targets[0]).unwrap().status,
        2,
        "nothing changed"
    );

    let guest = id(&portal, GUEST_EMAIL);
    let users = client.set_type(UserType::User, &[guest]).await.unwrap();
    assert_eq!(users[0].user_type(), Some(UserType::User));
    let err = client.set_type(UserType::User, &[guest]).await.unwrap_err();
    assert!(
        matches!(err, Error::Forbidden { .. }),
        "a no-op type change is refused: {err:?}"
    );

    let users = client
        .set_quota("5GiB".parse().unwrap(), &targets)
        .await
        .unwrap();
    assert!(
        users
            .iter()
            .all(|u| u.quota_limit == Some(Quota::Bytes(5 << 30)))
    );
    let users = client
        .set_quota(Quota::Unlimited, &targets[..1])
        .await
        .unwrap();
    assert_eq!(users[0].quota_limit, Some(Quota::Unlimited));
    let err = client
        .set_quota(Quota::Bytes(1 << 50), &targets)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::BadRequest { .. }),
        "above the portal's storage: {err:?}"
    );
    let users = client.reset_quota(&targets).await.unwrap();
    assert!(users.iter().all(|u| u.is_custom_quota == Some(false)));
}

#[tokio::test]
async fn non_admins_are_refused_and_server_validation_is_reported() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let user = Client::builder(portal.base_url())
        .token(portal.user_token())
        .build()
        .unwrap();
    let targets = plain_users(&portal, 1);
    let err = user
        .set_status(UserStatus::Terminated, &targets)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");

    let admin = Client::login(portal.base_url(), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .unwrap();
    // An admin may not terminate another admin on 3.7.
    let other_admin =
        portal.user_ids_where(|u| u.is_admin && !u.is_owner && u.email != ADMIN_EMAIL)[0];
    let err = admin
        .set_status(UserStatus::Terminated, &[other_admin])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");

    // The generated client sends what it is given; the server answers 400 in the ProblemDetails shape.
    let raw = owner(&portal)
        .generated()
        .update_user_status()
        .status(4)
        .body(docspace_people::generated::types::UpdateMembersRequest {
            user_ids: targets.clone(),
            resend_all: None,
        })
        .send()
        .await;
    let err = match raw {
        Err(docspace_people::generated::Error::ErrorResponse(r)) => r.status(),
        other => panic!("expected a 400, got {:?}", other.map(|r| r.status())),
    };
    assert_eq!(err.as_u16(), 400);
}

#[tokio::test]
async fn a_36_server_skips_silently() {
    let portal = FakePortal::start(PortalConfig::demo().with_version(ServerVersion::V3_6)).unwrap();
    let client = owner(&portal);
    let targets = plain_users(&portal, 1);
    let owner_id = id(&portal, OWNER_EMAIL);
    let ldap = id(&portal, LDAP_USER_EMAIL);
    let unknown = Uuid::from_u128(7);
    let users = client
        .set_status(
            UserStatus::Terminated,
            &[targets[0], owner_id, ldap, unknown],
        )
        .await
        .unwrap();
    let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    assert_eq!(
        ids,
        [targets[0], owner_id],
        "unknown and LDAP ids are dropped"
    );
    assert_eq!(users[0].status, Some(UserStatus::Terminated));
    assert_eq!(
        users[1].status,
        Some(UserStatus::Active),
        "the owner comes back unchanged"
    );
}

#[tokio::test]
async fn faults_become_typed_retryable_errors() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();

    portal.set_faults(Faults::none().with_too_many_requests(Trigger::Always, 3));
    let err = client.me().await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    assert!(err.is_retryable());

    portal.set_faults(Faults::none().with_bad_gateway(Trigger::Always));
    let err = client.me().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                status: 502,
                message: Some(_)
            }
        ),
        "{err:?}"
    );

    portal.set_faults(Faults::none().with_internal_server_error(Trigger::Always));
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");

    portal.set_faults(
        Faults::none().with_dropped_connection(Trigger::Always, DropMode::BeforeHandling),
    );
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());

    portal.set_faults(Faults::none().with_latency(Duration::from_millis(500), Trigger::Always));
    let impatient = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .timeout(Duration::from_millis(100))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = impatient.me().await.unwrap_err();
    assert!(
        matches!(err, Error::Transport(ref e) if e.is_timeout()),
        "{err:?}"
    );

    portal.set_faults(Faults::none());
    assert!(client.me().await.is_ok());
}

#[tokio::test]
async fn users_by_email() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let found = client
        .users_with_email(&GUEST_EMAIL.to_uppercase())
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|u| u.id).collect::<Vec<_>>(),
        [id(&portal, GUEST_EMAIL)]
    );
    assert!(
        client
            .users_with_email("nobody@example.com")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        client.users_with_email("bob").await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn users_by_id_pages_when_that_is_cheaper() {
    let portal = FakePortal::start(PortalConfig::demo().with_extra_users(450)).unwrap();
    let client = owner(&portal);
    let mut ids = portal.user_ids_where(|u| !u.is_owner);
    ids.push(Uuid::from_u128(77));
    portal.reset_counters();
    let users = client.users_by_id(&ids, 4).await.unwrap();
    assert_eq!(users.len(), ids.len() - 1, "all but the unknown id");
    assert!(users.values().all(|u| ids.contains(&u.id)));
    // Five pages, then the unknown id alone: not 500 single reads.
    assert!(
        portal.request_count() <= 8,
        "{} requests",
        portal.request_count()
    );
    let few = client.users_by_id(&ids[..3], 4).await.unwrap();
    assert_eq!(few.len(), 3);
}

#[tokio::test]
async fn an_address_whose_search_fails_is_reported_failed_and_the_others_are_settled() {
    // 550 users: three addresses are searched one by one rather than paged.
    let portal = FakePortal::start(
        PortalConfig::demo()
            .with_extra_users(500)
            .with_faults(Faults::none().with_failing_value("flaky.lookup@")),
    )
    .unwrap();
    let client = owner(&portal);
    let wanted = [
        GUEST_EMAIL,
        "Flaky.Lookup@example.com",
        "nobody@example.com",
    ];
    let lookup = client.look_up_emails(&wanted, 2).await.unwrap();
    assert_eq!(
        lookup.found.get(GUEST_EMAIL).map(|u| u[0].id),
        Some(id(&portal, GUEST_EMAIL))
    );
    assert!(!lookup.found.contains_key("nobody@example.com"));
    assert_eq!(
        lookup.failed.keys().collect::<Vec<_>>(),
        ["flaky.lookup@example.com"]
    );
    assert!(matches!(
        lookup.failed.get("flaky.lookup@example.com"),
        Some(Error::Server { .. } | Error::UnexpectedStatus { .. })
    ));
    // By place: the same account.
    let ids = client.look_up_email_ids(&wanted, 2).await.unwrap();
    assert_eq!(ids.ids(0), [id(&portal, GUEST_EMAIL)]);
    assert!(ids.failed(1).is_some() && ids.ids(1).is_empty());
    assert!(ids.failed(2).is_none() && ids.ids(2).is_empty());
    // The all-or-nothing form says the look-up is incomplete rather than "no such user".
    assert!(client.users_by_email(&wanted, 2).await.is_err());
}

#[tokio::test]
async fn a_page_that_fails_falls_back_to_searching_each_address() {
    // Five pages, ten addresses: paging is cheaper, but the third page always fails.
    let portal = FakePortal::start(
        PortalConfig::demo()
            .with_extra_users(450)
            .with_faults(Faults::none().with_failing_value("200")),
    )
    .unwrap();
    let client = owner(&portal);
    let emails: Vec<String> = portal
        .snapshot()
        .into_iter()
        .map(|u| u.email)
        .filter(|e| !e.contains("200"))
        .take(10)
        .collect();
    let lookup = client.look_up_emails(&emails, 2).await.unwrap();
    assert!(lookup.failed.is_empty(), "{:?}", lookup.failed);
    for email in &emails {
        assert_eq!(
            lookup.found.get(&email.to_lowercase()).map(Vec::len),
            Some(1),
            "{email}"
        );
    }
    // Ids only, by place: the same users, by the same way, whatever the case of the address,
    // an address asked twice included.
    let mut asked: Vec<String> = emails.iter().map(|e| e.to_uppercase()).collect();
    asked.push(emails[0].clone());
    let ids = client.look_up_email_ids(&asked, 2).await.unwrap();
    assert_eq!(ids.ids(10), ids.ids(0), "the repeat");
    for (place, email) in emails.iter().enumerate() {
        let key = email.to_lowercase();
        assert!(ids.failed(place).is_none(), "{email}");
        let whole: Vec<_> = lookup.found[&key].iter().map(|u| u.id).collect();
        assert_eq!(ids.ids(place), whole.as_slice(), "{email}");
        assert_eq!(portal.user_by_email(email).map(|u| vec![u.id]), Some(whole));
    }
}
