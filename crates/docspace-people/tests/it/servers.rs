//! Every product and generation the client meets, against the fake portal playing it:
//! Workspace 12.7, DocSpace 2.6, 3.6 and 3.7. Detection, type names, sign-in, status, type and
//! quota changes, and what each server does not have.

use docspace_people::bulk::{Change, Outcome};
use docspace_people::{
    Client, Error, Product, Quota, Server, UserQuery, UserStatus, UserType, Version,
};
use docspace_people_fake::seed::{
    ADMIN_EMAIL, OWNER_EMAIL, OWNER_PASSWORD, USER_EMAIL, USER_PASSWORD,
};
use docspace_people_fake::{FakePortal, PortalConfig, ServerVersion};
use futures::TryStreamExt;

fn start(version: ServerVersion) -> FakePortal {
    FakePortal::start(PortalConfig::demo().with_version(version)).unwrap()
}

fn owner(portal: &FakePortal) -> Client {
    Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap()
}

#[tokio::test]
async fn each_server_is_detected_once() {
    for (version, product, major, minor) in [
        (ServerVersion::Workspace12_7, Product::Workspace, 12, 7),
        (ServerVersion::V2_6, Product::DocSpace, 2, 6),
        (ServerVersion::V3_6, Product::DocSpace, 3, 6),
        (ServerVersion::V3_7, Product::DocSpace, 3, 7),
    ] {
        let portal = start(version);
        let client = owner(&portal);
        let server = client.server().await.unwrap();
        assert_eq!(server.product, product, "{version}");
        assert_eq!((server.version.major, server.version.minor), (major, minor));
        client.server().await.unwrap();
        assert_eq!(portal.request_count(), 1, "asked once, then remembered");
        // Set on the builder: not asked at all.
        let preset = Client::builder(portal.base_url())
            .token(portal.owner_token())
            .server(server)
            .build()
            .unwrap();
        assert_eq!(preset.server().await.unwrap(), server);
        assert_eq!(portal.request_count(), 1);
    }
}

#[tokio::test]
async fn workspace_sign_in_answers_201_and_bad_passwords_are_unauthorized() {
    let portal = start(ServerVersion::Workspace12_7);
    let client = Client::login(portal.base_url(), OWNER_EMAIL, OWNER_PASSWORD)
        .await
        .unwrap();
    let me = client.me().await.unwrap();
    assert_eq!(me.email.as_deref(), Some(OWNER_EMAIL));
    assert_eq!(me.is_room_admin, None, "Workspace has no isRoomAdmin");
    let err = Client::login(portal.base_url(), USER_EMAIL, "wrong")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert!(!err.is_retryable());
    let user = Client::login(portal.base_url(), USER_EMAIL, USER_PASSWORD).await;
    assert!(user.is_ok());
}

#[tokio::test]
async fn api_keys_are_refused_on_workspace_before_anything_is_sent() {
    let portal = start(ServerVersion::Workspace12_7);
    let client = Client::builder(portal.base_url())
        .api_key("sk-anything")
        .build()
        .unwrap();
    let err = client.me().await.unwrap_err();
    assert!(
        matches!(err, Error::Unsupported(ref m) if m.contains("API keys")),
        "{err:?}"
    );
    let counters = portal.counters();
    assert_eq!(portal.request_count(), 1, "only the version: {counters:?}");
}

#[tokio::test]
async fn workspace_types_go_by_its_own_numbers() {
    let portal = start(ServerVersion::Workspace12_7);
    let client = owner(&portal);
    let server = client.server().await.unwrap();
    let visitor = server.user_type_named("visitor").unwrap();
    let user = server.user_type_named("user").unwrap();
    assert_eq!((user.number(), visitor.number()), (Some(1), Some(2)));
    let users: Vec<_> = portal.user_ids_where(|u| u.user_type == 4 && !u.is_admin && u.status == 1);
    let guests: Vec<_> = portal.user_ids_where(|u| u.user_type == 2 && u.status == 1);
    let admin = portal.id_of(ADMIN_EMAIL).unwrap();

    // Users to visitors (allowed on Workspace), with an administrator, whom it skips.
    let mut targets = users[..3].to_vec();
    targets.push(admin);
    let report = client
        .bulk(Change::Type(visitor))
        .run(&targets)
        .await
        .unwrap();
    let outcomes: Vec<Outcome> = report.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Changed,
            Outcome::Changed,
            Outcome::Changed,
            Outcome::Refused
        ],
        "{report:?}"
    );
    for id in &users[..3] {
        assert_eq!(portal.user(*id).unwrap().user_type, 2, "a visitor now");
    }
    // Visitors to users.
    let report = client.bulk(Change::Type(user)).run(&guests).await.unwrap();
    assert_eq!(report.counts.changed, guests.len(), "{report:?}");
    assert!(
        guests
            .iter()
            .all(|id| portal.user(*id).unwrap().user_type != 2)
    );
    // DocSpace's numbers are refused before sending.
    portal.reset_counters();
    let err = client
        .bulk(Change::Type(UserType::User))
        .run(&guests)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("user, visitor"), "{err}");
    let err = client
        .set_type(UserType::DocSpaceAdmin, &guests)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert_eq!(portal.request_count(), 0);
}

#[tokio::test]
async fn workspace_status_quota_and_what_it_lacks() {
    let portal = start(ServerVersion::Workspace12_7);
    let client = owner(&portal);
    let owner_id = portal.id_of(OWNER_EMAIL).unwrap();
    let active = portal.user_ids_where(|u| u.status == 1 && !u.is_owner && !u.is_ldap);
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&active[..5])
        .await
        .unwrap();
    assert_eq!(report.counts.changed, 5, "{report:?}");
    assert!(
        active[..5]
            .iter()
            .all(|id| portal.user(*id).unwrap().status == 2)
    );
    // Single calls too; the owner comes back unchanged.
    let users = client
        .set_status(UserStatus::Terminated, &[owner_id])
        .await
        .unwrap();
    assert_eq!(users[0].status, Some(UserStatus::Active));

    let quota: Quota = "2GiB".parse().unwrap();
    let users = client.set_quota(quota, &active[5..7]).await.unwrap();
    assert_eq!(users.len(), 2);
    assert!(
        active[5..7]
            .iter()
            .all(|id| portal.user(*id).unwrap().quota == 2 << 30)
    );

    portal.reset_counters();
    let err = client.reset_quota(&active[5..7]).await.unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
    let err = client
        .bulk(Change::ResetQuota)
        .run(&active[5..7])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
    assert_eq!(portal.request_count(), 0, "refused before sending");
}

#[tokio::test]
async fn workspace_permission_failures_are_refusals_with_the_servers_message() {
    let portal = start(ServerVersion::Workspace12_7);
    let client = Client::builder(portal.base_url())
        .token(portal.user_token())
        .build()
        .unwrap();
    let target = portal.user_ids_where(|u| u.status == 1 && !u.is_admin && !u.is_ldap)[3];
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&[target])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Refused, "{report:?}");
    assert_eq!(report.entries[0].detail.as_deref(), Some("Access denied"));
    assert_eq!(
        report.requests, 1,
        "a 500 with a message is an answer, not retried"
    );
    assert_eq!(portal.user(target).unwrap().status, 1);
}

#[tokio::test]
async fn docspace_26_names_and_rules() {
    let portal = start(ServerVersion::V2_6);
    let client = owner(&portal);
    let server = client.server().await.unwrap();
    assert_eq!(
        server,
        Server::docspace(Version {
            build: server.version.build,
            ..Version::new(2, 6, 1)
        })
    );
    // "user" is 2 on DocSpace 2.x, "collaborator" 4.
    assert_eq!(server.user_type_named("user").unwrap(), UserType::Guest);
    let collaborator = server.user_type_named("collaborator").unwrap();
    let guests = portal.user_ids_where(|u| u.user_type == 2 && u.status == 1);
    let report = client
        .bulk(Change::Type(collaborator))
        .run(&guests)
        .await
        .unwrap();
    assert_eq!(report.counts.changed, guests.len());
    // A forbidden change is skipped silently there (200, unchanged): predicted and not sent.
    let owner_id = portal.id_of(OWNER_EMAIL).unwrap();
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&[owner_id])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Refused);
    let users: Vec<_> = client
        .find_all_users(UserQuery::new().user_type(UserType::User))
        .try_collect()
        .await
        .unwrap();
    assert!(users.len() >= guests.len());
}

/// Every operation of the client, on every server the fake plays.
#[tokio::test]
async fn every_operation_on_every_server() {
    for version in [
        ServerVersion::Workspace12_7,
        ServerVersion::V2_6,
        ServerVersion::V3_6,
        ServerVersion::V3_7,
    ] {
        let portal = start(version);
        let client = Client::login(portal.base_url(), OWNER_EMAIL, OWNER_PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{version}: sign-in: {e}"));
        let server = client.server().await.unwrap();
        let me = client.me().await.unwrap();
        assert_eq!(client.user(me.id).await.unwrap().id, me.id, "{version}");
        let page = client
            .find_users(&UserQuery::new().page_size(10), 0)
            .await
            .unwrap();
        assert_eq!(page.users.len(), 10, "{version}");
        let everyone: Vec<_> = client
            .find_all_users(UserQuery::new())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(everyone.len(), portal.user_count(), "{version}");

        let targets = portal
            .user_ids_where(|u| u.status == 1 && !u.is_admin && !u.is_ldap && u.user_type == 2);
        let two = &targets[..2];
        let users = client
            .set_status(UserStatus::Terminated, two)
            .await
            .unwrap();
        assert!(
            users
                .iter()
                .all(|u| u.status == Some(UserStatus::Terminated)),
            "{version}"
        );
        let users = client.set_status(UserStatus::Active, two).await.unwrap();
        assert_eq!(users.len(), 2, "{version}");

        // Promote the two guests (visitors) with the server's own name for the next type up.
        let name = if server.is_workspace() {
            "user"
        } else if server.version.major < 3 {
            "collaborator"
        } else {
            "user"
        };
        let user_type = server.user_type_named(name).unwrap();
        let users = client.set_type(user_type.clone(), two).await.unwrap();
        assert!(
            users
                .iter()
                .all(|u| u.user_type_on(&server) == Some(user_type.clone())),
            "{version}: {users:?}"
        );
        assert!(
            two.iter()
                .all(|id| portal.user(*id).unwrap().user_type != 2),
            "{version}"
        );

        let quota: Quota = "3GiB".parse().unwrap();
        client.set_quota(quota, two).await.unwrap();
        assert!(
            two.iter()
                .all(|id| portal.user(*id).unwrap().quota == 3 << 30),
            "{version}"
        );
        let reset = client.reset_quota(two).await;
        if server.is_workspace() {
            assert!(
                matches!(reset, Err(Error::Unsupported(_))),
                "{version}: {reset:?}"
            );
        } else {
            reset.unwrap();
            assert!(
                two.iter()
                    .all(|id| portal.user(*id).unwrap().custom_quota.is_none())
            );
        }
    }
}

#[tokio::test]
async fn a_workspace_quota_below_a_users_usage_stops_its_request_part_way_and_is_settled() {
    let portal = start(ServerVersion::Workspace12_7);
    let client = owner(&portal);
    let mut users: Vec<_> = portal
        .snapshot()
        .into_iter()
        .filter(|u| u.status == 1 && !u.is_owner && !u.is_ldap && u.used_space > 0)
        .collect();
    users.sort_by_key(|u| u.used_space);
    let (small, large) = (&users[..2], &users[users.len() - 1]);
    // Below the biggest user's usage, above the two smallest.
    let quota = large.used_space - 1;
    assert!(small.iter().all(|u| u.used_space < quota));
    let ids = [small[0].id, large.id, small[1].id];
    let report = client
        .bulk(Change::Quota(Quota::Bytes(quota as u64)))
        .run(&ids)
        .await
        .unwrap();
    let outcome = |id| report.entries.iter().find(|e| e.id == id).unwrap();
    assert_eq!(outcome(small[0].id).outcome, Outcome::Changed, "{report:?}");
    assert_eq!(outcome(small[1].id).outcome, Outcome::Changed, "{report:?}");
    let refused = outcome(large.id);
    assert_eq!(refused.outcome, Outcome::Refused, "{report:?}");
    assert!(
        refused
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("less than used memory"),
        "{refused:?}"
    );
    // The report agrees with the portal.
    assert_eq!(portal.user(small[0].id).unwrap().custom_quota, Some(quota));
    assert_eq!(portal.user(small[1].id).unwrap().custom_quota, Some(quota));
    assert_ne!(portal.user(large.id).unwrap().custom_quota, Some(quota));
}
