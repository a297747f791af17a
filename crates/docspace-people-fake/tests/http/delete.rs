//! Data reassignment (`people/reassign/...`) and deletion (`DELETE people/{userid}`,
//! `PUT people/delete`), on 3.7, 3.6, 3.0 and Workspace.

use std::time::Duration;

use docspace_people_fake::*;
use serde_json::json;
use uuid::Uuid;

use crate::common::{Api, active_of_type, ids, plain_user};

async fn fast_api(version: ServerVersion) -> Api {
    Api::start(
        PortalConfig::demo()
            .with_version(version)
            .with_job_duration(Duration::from_millis(6)),
    )
    .await
}

/// Terminates users as the owner.
async fn terminate(api: &Api, users: &[Uuid]) {
    api.put(
        &api.portal.owner_token(),
        "/api/2.0/people/status/2",
        json!({"userIds": users}),
    )
    .await
    .ok();
}

fn start_body(from: Uuid, to: Uuid, delete_profile: bool) -> serde_json::Value {
    json!({"fromUserId": from, "toUserId": to, "deleteProfile": delete_profile})
}

fn reassign_progress(user: Uuid) -> String {
    format!("/api/2.0/people/reassign/progress/{user}")
}

#[tokio::test]
async fn reassignment_then_deletion() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let admin = api.id(ADMIN_EMAIL);
    let leaver = api.pick(1, active_of_type(1))[0];
    api.portal.set_rooms_owned(admin, 1);
    api.portal.set_rooms_owned(leaver, 3);
    terminate(&api, &[leaver]).await;
    let name = api.user(leaver).display_name;

    api.portal.pause_jobs(true);
    let reply = api
        .post(
            &owner_token,
            "/api/2.0/people/reassign/start",
            start_body(leaver, admin, false),
        )
        .await;
    assert_eq!(
        reply.progress(),
        json!({
            "id": format!("1_{leaver}_ReassignProgressItem"),
            "error": "",
            "percentage": 0,
            "isCompleted": false,
            "status": 1,
        })
    );
    // While the reassignment is unfinished, the user cannot be deleted.
    let message = format!("Data reassign process for {name} is not complete.");
    let refused = api
        .delete(&owner_token, &format!("/api/2.0/people/{leaver}"))
        .await;
    assert_eq!(refused.thrown(500), message);
    let refused = api
        .put(
            &owner_token,
            "/api/2.0/people/delete",
            json!({"userIds": [leaver]}),
        )
        .await;
    assert_eq!(refused.thrown(500), message);
    api.portal.pause_jobs(false);
    api.portal.wait_jobs_idle().await;

    let done = api
        .get(&owner_token, &reassign_progress(leaver))
        .await
        .progress();
    assert_eq!(
        (&done["status"], &done["percentage"], &done["error"]),
        (&json!(2), &json!(100), &json!(""))
    );
    assert_eq!(api.user(leaver).rooms_owned, 0);
    assert_eq!(api.user(admin).rooms_owned, 4);

    let reply = api
        .delete(&owner_token, &format!("/api/2.0/people/{leaver}"))
        .await;
    assert_eq!(reply.json()["links"][0]["action"], "DELETE");
    assert_eq!(reply.json()["count"], 1);
    let user = reply.ok();
    assert_eq!(user["id"], leaver.to_string());
    assert_eq!(user["status"], 2);
    assert_eq!(user["isRoomAdmin"], true);

    assert!(api.portal.user(leaver).is_none());
    let gone = api
        .get(&owner_token, &format!("/api/2.0/people/{leaver}"))
        .await;
    assert_eq!(gone.thrown(404), "The user could not be found");
    let again = api
        .delete(&owner_token, &format!("/api/2.0/people/{leaver}"))
        .await;
    assert_eq!(again.thrown(404), "The user could not be found");
    let listed = api
        .get(&owner_token, "/api/2.0/people/filter?count=100")
        .await
        .ok();
    assert!(!ids(&listed).contains(&leaver));
    // The record of the reassignment outlives the user.
    api.get(&owner_token, &reassign_progress(leaver))
        .await
        .progress();
}

#[tokio::test]
async fn reassignment_can_delete_the_profile() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let owner = api.id(OWNER_EMAIL);
    let leaver = api.pick(1, plain_user)[0];
    let email = api.user(leaver).email;
    api.portal.set_rooms_owned(owner, 0);
    api.portal.set_rooms_owned(leaver, 2);
    terminate(&api, &[leaver]).await;
    let count = api.portal.user_count();
    api.post(
        &owner_token,
        "/api/2.0/people/reassign/start",
        start_body(leaver, owner, true),
    )
    .await
    .progress();
    api.portal.wait_jobs_idle().await;
    let done = api
        .get(&owner_token, &reassign_progress(leaver))
        .await
        .progress();
    assert_eq!(done["status"], 2);
    assert!(api.portal.user(leaver).is_none());
    assert!(api.portal.user_by_email(&email).is_none());
    assert_eq!(api.portal.user_count(), count - 1);
    assert_eq!(api.user(owner).rooms_owned, 2);
    let job = api.portal.job(leaver, JobKind::Reassign).expect("record");
    assert_eq!((job.status, job.percentage), (JobStatus::Completed, 100));
}

#[tokio::test]
async fn reassignment_refusals() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let admin_token = api.portal.admin_token();
    let owner = api.id(OWNER_EMAIL);
    let admin = api.id(ADMIN_EMAIL);
    let active = api.pick(1, plain_user)[0];
    let plain = api.pick(2, plain_user)[1];
    let leaver = api.id(TERMINATED_USER_EMAIL);
    let terminated_room_admin = api.id("elena.popescu@example.com");
    let other_admin = api.pick(1, active_of_type(3))[0];
    terminate(&api, &[other_admin]).await;
    let unknown = Uuid::new_v4();
    let start = "/api/2.0/people/reassign/start";
    let to = |id: Uuid| format!("Can not reassign data to user with id = {id}");
    let from = |id: Uuid| format!("Can not reassign data from user with id = {id}");
    let cases = [
        (&owner_token, start_body(leaver, plain, false), to(plain)),
        (
            &owner_token,
            start_body(leaver, terminated_room_admin, false),
            to(terminated_room_admin),
        ),
        (
            &owner_token,
            start_body(leaver, unknown, false),
            to(LOST_USER_ID),
        ),
        (&owner_token, start_body(active, admin, false), from(active)),
        (&owner_token, start_body(owner, admin, false), from(owner)),
        (&admin_token, start_body(admin, owner, false), from(admin)),
        (
            &owner_token,
            start_body(unknown, admin, false),
            from(LOST_USER_ID),
        ),
        // Only the owner may reassign an administrator's data.
        (
            &admin_token,
            start_body(other_admin, admin, false),
            from(other_admin),
        ),
    ];
    for (token, body, message) in cases {
        let reply = api.post(token, start, body.clone()).await;
        assert_eq!(reply.thrown(400), message, "{body}");
    }
    let room_admin = api.portal.token_for(ROOM_ADMIN_EMAIL).expect("token");
    let denied = api
        .post(&room_admin, start, start_body(leaver, owner, false))
        .await;
    assert_eq!(denied.thrown(403), "Access denied");
    let missing = api
        .post(&owner_token, start, json!({"fromUserId": leaver}))
        .await;
    assert_eq!(missing.problem(), ["$"]);
    assert!(api.portal.job(leaver, JobKind::Reassign).is_none());
    // 3.7: only the owner watches or stops an administrator's reassignment.
    api.post(&owner_token, start, start_body(other_admin, admin, false))
        .await
        .progress();
    api.get(&admin_token, &reassign_progress(other_admin))
        .await
        .thrown(403);
    api.put(
        &admin_token,
        "/api/2.0/people/reassign/terminate",
        json!({"userId": other_admin}),
    )
    .await
    .thrown(403);
    api.portal.wait_jobs_idle().await;
}

#[tokio::test]
async fn terminating_a_reassignment() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let admin = api.id(ADMIN_EMAIL);
    let leaver = api.id("elena.popescu@example.com");
    api.portal.set_rooms_owned(leaver, 2);
    let terminate_path = "/api/2.0/people/reassign/terminate";
    api.put(&owner_token, terminate_path, json!({"userId": leaver}))
        .await
        .nothing();
    api.portal.pause_jobs(true);
    api.post(
        &owner_token,
        "/api/2.0/people/reassign/start",
        start_body(leaver, admin, true),
    )
    .await
    .progress();
    let stopped = api
        .put(&owner_token, terminate_path, json!({"userId": leaver}))
        .await
        .progress();
    assert_eq!(
        stopped,
        json!({
            "id": format!("1_{leaver}_ReassignProgressItem"),
            "error": "",
            "percentage": 0,
            "isCompleted": true,
            "status": 3,
        })
    );
    // No longer unfinished: the user may be deleted (the job has not started).
    api.portal.pause_jobs(false);
    api.portal.wait_jobs_idle().await;
    assert_eq!(
        api.get(&owner_token, &reassign_progress(leaver))
            .await
            .progress()["status"],
        3
    );
    assert_eq!(api.user(leaver).rooms_owned, 2);
    api.delete(&owner_token, &format!("/api/2.0/people/{leaver}"))
        .await
        .ok();
}

#[tokio::test]
async fn deleting_an_active_user_is_refused() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let active = api.pick(1, plain_user)[0];
    let leaver = api.id(TERMINATED_USER_EMAIL);
    let before = api.portal.snapshot();
    let reply = api
        .delete(&owner_token, &format!("/api/2.0/people/{active}"))
        .await;
    assert_eq!(reply.thrown(403), "The user is not suspended");
    assert_eq!(
        reply.json()["error"]["type"],
        "System.InvalidOperationException"
    );
    let reply = api
        .put(
            &owner_token,
            "/api/2.0/people/delete",
            json!({"userIds": [leaver, active]}),
        )
        .await;
    assert_eq!(reply.thrown(403), "Users are not suspended");
    // Users may not delete anyone; LDAP users cannot be deleted.
    api.delete(
        &api.portal.user_token(),
        &format!("/api/2.0/people/{leaver}"),
    )
    .await
    .thrown(403);
    api.put(
        &api.portal.user_token(),
        "/api/2.0/people/delete",
        json!({"userIds": [leaver]}),
    )
    .await
    .thrown(403);
    let ldap = api.id(LDAP_USER_EMAIL);
    api.delete(&owner_token, &format!("/api/2.0/people/{ldap}"))
        .await
        .thrown(403);
    assert_eq!(api.portal.snapshot(), before);
}

#[tokio::test]
async fn server_36_and_30_refuse_active_users_with_500_and_skip_them_in_bulk() {
    for version in [ServerVersion::V3_6, ServerVersion::V3_0] {
        let api = fast_api(version).await;
        let owner_token = api.portal.owner_token();
        let active = api.pick(1, plain_user)[0];
        let leaver = api.id(TERMINATED_USER_EMAIL);
        let reply = api
            .delete(&owner_token, &format!("/api/2.0/people/{active}"))
            .await;
        assert_eq!(reply.thrown(500), "The user is not suspended", "{version}");
        let users = api
            .put(
                &owner_token,
                "/api/2.0/people/delete",
                json!({"userIds": [active, Uuid::new_v4(), leaver]}),
            )
            .await
            .ok();
        assert_eq!(ids(&users), [active, leaver]);
        assert_eq!(users[1]["status"], 2);
        assert!(api.portal.user(active).is_some());
        assert!(api.portal.user(leaver).is_none());
        let expected = if version == ServerVersion::V3_0 {
            "The record could not be found"
        } else {
            "The user could not be found"
        };
        let reply = api
            .delete(&owner_token, &format!("/api/2.0/people/{leaver}"))
            .await;
        assert_eq!(reply.thrown(404), expected);
    }
}

#[tokio::test]
async fn bulk_deletion_returns_users_as_they_were() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let admin_token = api.portal.admin_token();
    let admin = api.id(ADMIN_EMAIL);
    let room_admin = api.id("elena.popescu@example.com");
    let guest = api.id("brian.kelly@contoso.example");
    let ldap = api.pick(1, plain_user)[0];
    let other_admin = api.pick(1, active_of_type(3))[0];
    terminate(&api, &[other_admin, ldap]).await;
    // An LDAP user is dropped from the answer and kept.
    assert!(api.portal.set_ldap(ldap, true));
    api.portal.set_rooms_owned(admin, 0);
    api.portal.set_rooms_owned(room_admin, 2);
    let unknown = Uuid::new_v4();
    // An admin may not delete another admin: returned, kept.
    let reply = api
        .put(
            &admin_token,
            "/api/2.0/people/delete",
            json!({"userIds": [room_admin, unknown, other_admin, ldap, guest, guest]}),
        )
        .await;
    assert_eq!(reply.json()["count"], 1);
    assert_eq!(reply.json()["links"][0]["action"], "PUT");
    let users = reply.ok();
    assert_eq!(ids(&users), [room_admin, other_admin, guest, guest]);
    assert!(
        users
            .as_array()
            .expect("array")
            .iter()
            .all(|u| u["status"] == 2)
    );
    assert_eq!(users[0]["isRoomAdmin"], true);
    assert!(api.portal.user(room_admin).is_none());
    assert!(api.portal.user(guest).is_none());
    assert!(api.portal.user(other_admin).is_some());
    assert!(api.portal.user(ldap).is_some());
    // The deleted users' rooms go to the caller.
    assert_eq!(api.user(admin).rooms_owned, 2);
    let refused = api
        .delete(&admin_token, &format!("/api/2.0/people/{other_admin}"))
        .await;
    assert_eq!(refused.thrown(403), "Access denied");
    // By user name too; the owner may delete an admin.
    let user_name = api
        .get(&owner_token, &format!("/api/2.0/people/{other_admin}"))
        .await
        .ok()["userName"]
        .as_str()
        .expect("userName")
        .to_owned();
    api.delete(&owner_token, &format!("/api/2.0/people/{user_name}"))
        .await
        .ok();
    assert!(api.portal.user(other_admin).is_none());
    let counters = api.portal.counters();
    assert_eq!(counters.get(Endpoint::DeleteUsers, Outcome::Status(200)), 1);
    assert_eq!(counters.get(Endpoint::DeleteUser, Outcome::Status(200)), 1);
    assert_eq!(counters.get(Endpoint::DeleteUser, Outcome::Status(403)), 1);
}

#[tokio::test]
async fn literal_people_paths_are_user_names_for_get_and_delete() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    for name in [
        "delete",
        "type",
        "userquota",
        "resetquota",
        "filter",
        "@self",
    ] {
        let path = format!("/api/2.0/people/{name}");
        let reply = api.delete(&owner_token, &path).await;
        assert_eq!(reply.thrown(404), "The user could not be found", "{name}");
    }
    for name in ["delete", "type"] {
        let reply = api
            .get(&owner_token, &format!("/api/2.0/people/{name}"))
            .await;
        assert_eq!(reply.thrown(404), "The user could not be found", "{name}");
    }
}

#[tokio::test]
async fn workspace_deletes_with_its_own_wire() {
    let api = fast_api(ServerVersion::Workspace12_7).await;
    let owner_token = api.portal.owner_token();
    let active = api.pick(1, plain_user)[0];
    let leaver = api.id(TERMINATED_USER_EMAIL);
    let reply = api
        .delete(&owner_token, &format!("/api/2.0/people/{active}"))
        .await;
    assert_eq!(reply.status, 500);
    let body = reply.json();
    assert_eq!(body["error"]["message"], "The user is not suspended");
    assert_eq!(body["statusCode"], 500);
    let reply = api
        .delete(&owner_token, &format!("/api/2.0/people/{leaver}"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert!(body.get("links").is_none());
    assert_eq!(body["response"]["id"], leaver.to_string());
    assert!(body["response"].get("isCollaborator").is_none());
    assert!(api.portal.user(leaver).is_none());
}

/// Workspace's reassignment: progress read with `?userId=`, a float percentage, `{}` for no
/// job, a finished record read once, a terminate that stops nothing, any active non-visitor as
/// receiver; a deletion after it destroys none of the user's documents.
#[tokio::test]
async fn workspace_reassignment_has_its_own_shapes_and_saves_the_documents() {
    let api = fast_api(ServerVersion::Workspace12_7).await;
    let owner_token = api.portal.owner_token();
    let [leaver, receiver, other]: [Uuid; 3] = api
        .pick(3, active_of_type(4))
        .try_into()
        .expect("three users");
    for user in [leaver, other] {
        let reply = api
            .put(
                &owner_token,
                "/api/2.0/people/status/2",
                json!({"userIds": [user]}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let progress = |user: Uuid| format!("/api/2.0/people/reassign/progress?userId={user}");
    // No job yet: an empty object.
    let reply = api.get(&owner_token, &progress(leaver)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["response"], json!({}));

    api.portal.pause_jobs(true);
    // A plain Workspace user (type 1 there) may receive.
    let reply = api
        .post(
            &owner_token,
            "/api/2.0/people/reassign/start",
            start_body(leaver, receiver, false),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let started = reply.json()["response"].clone();
    assert_eq!(started["status"], 0, "queued: {started}");
    assert_eq!(started["percentage"], json!(0.0));
    assert!(started["percentage"].is_f64());
    assert_eq!(started["fromUser"], json!(leaver));
    assert_eq!(started["toUser"], json!(receiver));
    // Terminate does nothing and answers `{}`.
    let reply = api
        .put(
            &owner_token,
            "/api/2.0/people/reassign/terminate",
            json!({"userId": leaver}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["response"], json!({}));
    api.portal.pause_jobs(false);
    api.portal.wait_jobs_idle().await;
    // The finished record, once; then no job.
    let done = api.get(&owner_token, &progress(leaver)).await.json()["response"].clone();
    assert_eq!(done["status"], 2, "{done}");
    assert_eq!(done["isCompleted"], true);
    assert_eq!(done["percentage"], json!(100.0));
    let again = api.get(&owner_token, &progress(leaver)).await.json()["response"].clone();
    assert_eq!(again, json!({}), "read once");
    // DocSpace's path form is not there.
    api.get(&owner_token, &reassign_progress(leaver))
        .await
        .empty(404);

    // Deleting the reassigned user destroys nothing of theirs; deleting the other does.
    for user in [leaver, other] {
        let reply = api
            .delete(&owner_token, &format!("/api/2.0/people/{user}"))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    assert_eq!(api.portal.destroyed_documents(), [other]);

    // A failed job is status 3 there.
    let (failing, to) = {
        let picked = api.pick(2, active_of_type(4));
        (picked[0], picked[1])
    };
    api.put(
        &owner_token,
        "/api/2.0/people/status/2",
        json!({"userIds": [failing]}),
    )
    .await;
    api.portal.fail_job_for(failing, "Disk full");
    api.post(
        &owner_token,
        "/api/2.0/people/reassign/start",
        start_body(failing, to, false),
    )
    .await;
    api.portal.wait_jobs_idle().await;
    let failed = api.get(&owner_token, &progress(failing)).await.json()["response"].clone();
    assert_eq!(failed["status"], 3, "{failed}");
    assert_eq!(failed["error"], "Disk full");
}
