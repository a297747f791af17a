//! The rules of server 3.6: silent skips and drops instead of 403.

use docspace_people_fake::*;
use serde_json::json;

use crate::common::{Api, active_guest, ids, plain_user};

async fn v36() -> Api {
    Api::start(PortalConfig::demo().with_version(ServerVersion::V3_6)).await
}

#[tokio::test]
async fn status_skips_and_drops_silently() {
    let api = v36().await;
    let admin_token = api.portal.admin_token();
    let owner = api.id(OWNER_EMAIL);
    let me = api.id(ADMIN_EMAIL);
    let other_admin = api.pick(1, |u| u.is_admin && !u.is_owner && u.email != ADMIN_EMAIL)[0];
    let ldap = api.id(LDAP_USER_EMAIL);
    let unknown = uuid::Uuid::new_v4();
    let victim = api.pick(1, plain_user)[0];

    let reply = api
        .put(
            &admin_token,
            "/api/2.0/people/status/2",
            json!({"userIds": [owner, unknown, me, ldap, other_admin, victim]}),
        )
        .await;
    assert_eq!(reply.json()["count"], 1);
    let users = reply.ok();
    // Unknown and LDAP ids are dropped; the rest come back in request order.
    assert_eq!(ids(&users), [owner, me, other_admin, victim]);
    assert_eq!(users[0]["status"], 1);
    assert_eq!(users[1]["status"], 1);
    assert_eq!(users[2]["status"], 1);
    assert_eq!(users[3]["status"], 2);
    assert_eq!(api.user(owner).status, 1);
    assert_eq!(api.user(me).status, 1);
    assert_eq!(api.user(other_admin).status, 1);
    assert_eq!(api.user(ldap).status, 1);
    assert_eq!(api.user(victim).status, 2);

    // Re-activating an unfinished invitation still yields Pending.
    let invitee = api.id(TERMINATED_INVITEE_EMAIL);
    let users = api
        .put(
            &admin_token,
            "/api/2.0/people/status/1",
            json!({"userIds": [invitee]}),
        )
        .await
        .ok();
    assert_eq!(users[0]["status"], 4);
}

#[tokio::test]
async fn status_is_not_validated() {
    let api = v36().await;
    let victim = api.pick(1, plain_user)[0];
    for status in ["4", "Pending", "7", "0"] {
        let users = api
            .put(
                &api.portal.owner_token(),
                &format!("/api/2.0/people/status/{status}"),
                json!({"userIds": [victim]}),
            )
            .await
            .ok();
        assert_eq!(ids(&users), [victim]);
        assert_eq!(users[0]["status"], 1);
    }
    // Values that are no EmployeeStatus at all are still binding errors.
    api.put(
        &api.portal.owner_token(),
        "/api/2.0/people/status/8",
        json!({"userIds": [victim]}),
    )
    .await
    .problem();
    // And non-admins are still refused.
    api.put(
        &api.portal.user_token(),
        "/api/2.0/people/status/2",
        json!({"userIds": [victim]}),
    )
    .await
    .thrown(403);
    assert_eq!(api.user(victim).status, 1);
}

#[tokio::test]
async fn forbidden_type_changes_answer_200_unchanged() {
    let api = v36().await;
    let admin = api.portal.admin_token();
    let guest = api.pick(1, active_guest)[0];
    let user = api.pick(1, plain_user)[0];
    let unknown = uuid::Uuid::new_v4();
    let users = api
        .put(
            &admin,
            "/api/2.0/people/type/4",
            json!({"userIds": [user, guest, unknown]}),
        )
        .await
        .ok();
    assert_eq!(ids(&users), [user, guest, LOST_USER_ID]);
    assert_eq!(users[1]["isCollaborator"], true);
    assert_eq!(api.user(guest).user_type, 4);
    // An admin may not make admins: 200, unchanged.
    let users = api
        .put(&admin, "/api/2.0/people/type/3", json!({"userIds": [user]}))
        .await
        .ok();
    assert_eq!(users[0]["isAdmin"], false);
    assert_eq!(api.user(user).user_type, 4);
}

#[tokio::test]
async fn version_switches_at_run_time() {
    let api = Api::demo().await;
    let owner = api.id(OWNER_EMAIL);
    let token = api.portal.admin_token();
    api.put(
        &token,
        "/api/2.0/people/status/2",
        json!({"userIds": [owner]}),
    )
    .await
    .thrown(403);
    api.portal.set_version(ServerVersion::V3_6);
    assert_eq!(api.portal.version(), ServerVersion::V3_6);
    let users = api
        .put(
            &token,
            "/api/2.0/people/status/2",
            json!({"userIds": [owner]}),
        )
        .await
        .ok();
    assert_eq!(users[0]["status"], 1);
    assert_eq!("3.6".parse::<ServerVersion>(), Ok(ServerVersion::V3_6));
    assert_eq!("3.7.1".parse::<ServerVersion>(), Ok(ServerVersion::V3_7));
    assert!("4.0".parse::<ServerVersion>().is_err());
}

#[tokio::test]
async fn a_terminated_user_is_dropped_from_a_type_change() {
    let api = v36().await;
    let token = api.portal.owner_token();
    let guest = api.pick(1, active_guest)[0];
    let gone = api.id(TERMINATED_USER_EMAIL);
    let before = api.user(gone).user_type;
    let users = api
        .put(
            &token,
            "/api/2.0/people/type/1",
            json!({"userIds": [guest, gone]}),
        )
        .await
        .ok();
    assert_eq!(ids(&users), [guest], "the terminated user is left out");
    assert_eq!(api.user(guest).user_type, 1);
    assert_eq!(api.user(gone).user_type, before, "never changed");
}
