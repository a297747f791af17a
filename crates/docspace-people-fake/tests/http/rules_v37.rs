//! The rules of server 3.7.1 (the default).

use docspace_people_fake::*;
use serde_json::json;

use crate::common::{Api, active_guest, ids, plain_user};

#[tokio::test]
async fn terminate_and_reactivate_in_request_order() {
    let api = Api::demo().await;
    let owner = api.portal.owner_token();
    let mut targets = api.pick(2, plain_user);
    targets.reverse();
    let reply = api
        .put(
            &owner,
            "/api/2.0/people/status/2",
            json!({"userIds": targets, "resendAll": true}),
        )
        .await;
    assert_eq!(reply.json()["count"], 1);
    assert!(reply.json().get("total").is_none());
    let users = reply.ok();
    assert_eq!(ids(&users), targets);
    for user in users.as_array().expect("array") {
        assert_eq!(user["status"], 2);
        // A status change dates nothing: only a profile update that disables sets `terminated`.
        assert!(user.get("terminated").is_none(), "{user}");
    }
    assert!(targets.iter().all(|id| api.user(*id).status == 2));

    let back = api
        .put(
            &owner,
            "/api/2.0/people/status/1",
            json!({"userIds": targets}),
        )
        .await
        .ok();
    for user in back.as_array().expect("array") {
        assert_eq!(user["status"], 1);
        assert!(user.get("terminated").is_none());
    }
}

#[tokio::test]
async fn unfinished_invitations_come_back_pending() {
    let api = Api::demo().await;
    let owner = api.portal.owner_token();
    let invitee = api.id(TERMINATED_INVITEE_EMAIL);
    let pending = api.id(PENDING_INVITEE_EMAIL);
    let finished = api.id(TERMINATED_USER_EMAIL);
    assert_eq!(api.user(invitee).status, 2);
    let users = api
        .put(
            &owner,
            "/api/2.0/people/status/1",
            json!({"userIds": [invitee, pending, finished]}),
        )
        .await
        .ok();
    assert_eq!(users[0]["status"], 4);
    assert_eq!(users[0]["activationStatus"], 2);
    assert_eq!(users[1]["status"], 4);
    assert_eq!(users[2]["status"], 1);
    assert_eq!(api.user(invitee).status, 4);
}

#[tokio::test]
async fn status_is_all_or_nothing() {
    let api = Api::demo().await;
    let owner_token = api.portal.owner_token();
    let admin_token = api.portal.admin_token();
    let victim = api.pick(1, plain_user)[0];
    let owner = api.id(OWNER_EMAIL);
    let admin = api.id(ADMIN_EMAIL);
    let other_admin = api.pick(1, |u| u.is_admin && !u.is_owner && u.email != ADMIN_EMAIL)[0];
    let ldap = api.id(LDAP_USER_EMAIL);
    let unknown = uuid::Uuid::new_v4();
    let before = api.portal.snapshot();

    let refusals = [
        (&owner_token, owner),
        (&owner_token, ldap),
        (&owner_token, unknown),
        (&admin_token, admin),
        (&admin_token, other_admin),
        (&admin_token, owner),
    ];
    for (token, bad) in refusals {
        for status in [1, 2] {
            let reply = api
                .put(
                    token,
                    &format!("/api/2.0/people/status/{status}"),
                    json!({"userIds": [victim, bad]}),
                )
                .await;
            assert_eq!(reply.thrown(403), "Access denied", "target {bad}");
        }
    }
    // Callers who are not admins may not change anyone.
    let room_admin = api.portal.token_for(ROOM_ADMIN_EMAIL).expect("token");
    for token in [api.portal.user_token(), room_admin] {
        let reply = api
            .put(
                &token,
                "/api/2.0/people/status/2",
                json!({"userIds": [victim]}),
            )
            .await;
        assert_eq!(reply.thrown(403), "Access denied");
    }
    assert_eq!(api.portal.snapshot(), before);

    // The owner may terminate an admin.
    let users = api
        .put(
            &owner_token,
            "/api/2.0/people/status/2",
            json!({"userIds": [other_admin, victim]}),
        )
        .await
        .ok();
    assert_eq!(ids(&users), [other_admin, victim]);
    assert_eq!(api.user(other_admin).status, 2);
}

#[tokio::test]
async fn duplicates_are_returned_per_occurrence() {
    let api = Api::demo().await;
    let victim = api.pick(1, plain_user)[0];
    let users = api
        .put(
            &api.portal.admin_token(),
            "/api/2.0/people/status/2",
            json!({"userIds": [victim, victim]}),
        )
        .await
        .ok();
    assert_eq!(ids(&users), [victim, victim]);
    let empty = api
        .put(
            &api.portal.admin_token(),
            "/api/2.0/people/status/2",
            json!({"userIds": []}),
        )
        .await
        .ok();
    assert_eq!(empty, json!([]));
}

#[tokio::test]
async fn type_promotions() {
    let api = Api::demo().await;
    let owner = api.portal.owner_token();
    let admin = api.portal.admin_token();
    let guests = api.pick(3, active_guest);
    let users = api.pick(2, plain_user);

    let reply = api
        .put(
            &admin,
            "/api/2.0/people/type/4",
            json!({"userIds": [guests[0]]}),
        )
        .await
        .ok();
    assert_eq!(reply[0]["isCollaborator"], true);
    assert_eq!(reply[0]["isVisitor"], false);
    assert_eq!(api.user(guests[0]).user_type, 4);

    let reply = api
        .put(
            &admin,
            "/api/2.0/people/type/1",
            json!({"userIds": [users[0], guests[1]]}),
        )
        .await
        .ok();
    assert!(
        reply
            .as_array()
            .expect("array")
            .iter()
            .all(|u| u["isRoomAdmin"] == true)
    );

    // Only the owner makes DocSpace admins.
    let refused = api
        .put(
            &admin,
            "/api/2.0/people/type/DocSpaceAdmin",
            json!({"userIds": [users[1]]}),
        )
        .await;
    assert_eq!(refused.thrown(403), "Access denied");
    assert_eq!(api.user(users[1]).user_type, 4);
    let reply = api
        .put(
            &owner,
            "/api/2.0/people/type/3",
            json!({"userIds": [users[1]]}),
        )
        .await
        .ok();
    assert_eq!(reply[0]["isAdmin"], true);

    // One by one: the first is changed before the demotion is refused.
    let refused = api
        .put(
            &owner,
            "/api/2.0/people/type/4",
            json!({"userIds": [guests[2], users[0]]}),
        )
        .await;
    assert_eq!(refused.thrown(403), "Access denied");
    assert_eq!(api.user(guests[2]).user_type, 4);
    assert_eq!(api.user(users[0]).user_type, 1);

    // A duplicate is a no-op the second time.
    let guest = api.pick(1, active_guest)[0];
    api.put(
        &owner,
        "/api/2.0/people/type/4",
        json!({"userIds": [guest, guest]}),
    )
    .await
    .thrown(403);
    assert_eq!(api.user(guest).user_type, 4);

    // Guest is never a promotion; neither is changing oneself or the owner; users may not.
    let before = api.portal.snapshot();
    let some_user = api.pick(1, plain_user)[0];
    for (token, path, target) in [
        (&owner, "/api/2.0/people/type/2", some_user),
        (&owner, "/api/2.0/people/type/1", api.id(OWNER_EMAIL)),
        (&admin, "/api/2.0/people/type/1", api.id(ADMIN_EMAIL)),
        (
            &api.portal.user_token(),
            "/api/2.0/people/type/1",
            some_user,
        ),
    ] {
        api.put(token, path, json!({"userIds": [target]}))
            .await
            .thrown(403);
    }
    assert_eq!(api.portal.snapshot(), before);
}

#[tokio::test]
async fn unknown_ids_become_the_placeholder_for_type_and_quota() {
    let api = Api::demo().await;
    let owner = api.portal.owner_token();
    let guest = api.pick(1, active_guest)[0];
    let unknown = uuid::Uuid::new_v4();
    let users = api
        .put(
            &owner,
            "/api/2.0/people/type/4",
            json!({"userIds": [unknown, guest]}),
        )
        .await
        .ok();
    assert_eq!(ids(&users), [LOST_USER_ID, guest]);
    assert_eq!(users[0]["displayName"], "Unknown Unknown");
    let users = api
        .put(
            &owner,
            "/api/2.0/people/userquota",
            json!({"userIds": [guest, unknown], "quota": 1024}),
        )
        .await
        .ok();
    assert_eq!(ids(&users), [guest, LOST_USER_ID]);
    // Resetting looks each user up in turn: an unknown id is 403 "Access denied", after the
    // users before it were reset.
    assert_eq!(api.user(guest).custom_quota, Some(1024));
    let reply = api
        .put(
            &owner,
            "/api/2.0/people/resetquota",
            json!({"userIds": [guest, unknown]}),
        )
        .await;
    assert_eq!(reply.thrown(403), "Access denied");
    assert_eq!(
        api.user(guest).custom_quota,
        None,
        "the user before it was reset"
    );
}

#[tokio::test]
async fn quotas() {
    let api = Api::demo().await;
    let admin = api.portal.admin_token();
    let targets = api.pick(2, |u| plain_user(u) && u.custom_quota.is_none());
    let default_quota = api.user(targets[0]).quota;
    assert_eq!(default_quota, 10 * GIB);

    let users = api
        .put(
            &admin,
            "/api/2.0/people/userquota",
            json!({"userIds": targets, "quota": 5 * GIB}),
        )
        .await
        .ok();
    for user in users.as_array().expect("array") {
        assert_eq!(user["quotaLimit"], 5 * GIB);
        assert_eq!(user["isCustomQuota"], true);
    }
    let users = api
        .put(
            &admin,
            "/api/2.0/people/userquota",
            json!({"userIds": [targets[0]], "quota": -1}),
        )
        .await
        .ok();
    assert_eq!(users[0]["quotaLimit"], -1);
    assert_eq!(api.user(targets[0]).custom_quota, Some(-1));

    let before = api.portal.snapshot();
    for quota in [-2, 100 * GIB + 1] {
        api.put(
            &admin,
            "/api/2.0/people/userquota",
            json!({"userIds": targets, "quota": quota}),
        )
        .await
        .thrown(400);
    }
    let denied = api
        .put(
            &api.portal.user_token(),
            "/api/2.0/people/userquota",
            json!({"userIds": targets, "quota": 1}),
        )
        .await;
    assert_eq!(denied.thrown(403), "Access denied");
    api.put(
        &api.portal.user_token(),
        "/api/2.0/people/resetquota",
        json!({"userIds": targets}),
    )
    .await
    .thrown(403);
    assert_eq!(api.portal.snapshot(), before);

    // The whole storage is allowed.
    api.put(
        &admin,
        "/api/2.0/people/userquota",
        json!({"userIds": [targets[1]], "quota": 100 * GIB}),
    )
    .await
    .ok();

    let users = api
        .put(
            &admin,
            "/api/2.0/people/resetquota",
            json!({"userIds": targets}),
        )
        .await
        .ok();
    for user in users.as_array().expect("array") {
        assert_eq!(user["quotaLimit"], 10 * GIB);
        assert_eq!(user["isCustomQuota"], false);
    }
    assert_eq!(api.user(targets[0]).custom_quota, None);
}

#[tokio::test]
async fn quota_fields_hidden_when_per_user_quota_is_off() {
    let api = Api::start(PortalConfig::demo().with_per_user_quota(false)).await;
    let target = api.pick(1, plain_user)[0];
    let users = api
        .put(
            &api.portal.owner_token(),
            "/api/2.0/people/userquota",
            json!({"userIds": [target], "quota": GIB}),
        )
        .await
        .ok();
    assert!(users[0].get("quotaLimit").is_none());
    assert!(users[0].get("isCustomQuota").is_none());
    assert!(users[0]["usedSpace"].is_number());
    let me = api
        .get(&api.portal.owner_token(), "/api/2.0/people/@self")
        .await
        .ok();
    assert!(me.get("quotaLimit").is_none());
}

#[tokio::test]
async fn seeded_organisation_covers_every_role() {
    let api = Api::demo().await;
    let users = api.portal.snapshot();
    assert!((45..=60).contains(&users.len()));
    let count = |f: &dyn Fn(&FakeUser) -> bool| users.iter().filter(|u| f(u)).count();
    assert_eq!(count(&|u| u.is_owner), 1);
    assert!(count(&|u| u.is_admin && !u.is_owner) >= 2);
    assert!(count(&|u| u.user_type == 1) >= 3);
    assert!(count(&|u| u.user_type == 2) >= 3);
    assert!(count(&|u| u.user_type == 4) >= 10);
    assert_eq!(count(&|u| u.is_ldap), 1);
    assert!(count(&|u| u.status == 2) >= 2);
    assert!(count(&|u| u.status == 4 && u.activation_status == 2) >= 1);
    assert!(count(&|u| u.custom_quota.is_some()) >= 3);
    assert!(
        users
            .iter()
            .any(|u| u.departments.iter().any(|d| d.contains('&')))
    );
    // Deterministic: same seed, same ids.
    let again = Api::demo().await;
    assert_eq!(again.portal.snapshot(), users);
    assert_eq!(api.portal.groups(), again.portal.groups());
}

#[tokio::test]
async fn a_terminated_user_stops_a_type_change_with_403() {
    let api = Api::demo().await;
    let token = api.portal.owner_token();
    let guest = api.pick(1, active_guest)[0];
    let gone = api.id(TERMINATED_USER_EMAIL);
    let before = api.user(gone).user_type;
    let reply = api
        .put(
            &token,
            "/api/2.0/people/type/1",
            json!({"userIds": [guest, gone]}),
        )
        .await;
    assert_eq!(reply.thrown(403), "Access denied");
    assert_eq!(
        api.user(guest).user_type,
        1,
        "the user before it stays changed"
    );
    assert_eq!(api.user(gone).user_type, before, "never changed");
}
