//! Type-change jobs (`POST people/type`, progress, terminate) and the reassignment check, on
//! 3.7, 3.6, 3.0 and Workspace. Jobs take a few milliseconds here; tests wait for them with
//! `wait_jobs_idle` and hold them with `pause_jobs`, never with blind sleeps.

use std::time::{Duration, Instant};

use docspace_people_fake::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{Api, active_of_type, plain_user};

const NO_PERMISSION: &str = "You don't have enough permission to perform the operation";

fn fast() -> PortalConfig {
    PortalConfig::demo().with_job_duration(Duration::from_millis(6))
}

async fn fast_api(version: ServerVersion) -> Api {
    Api::start(fast().with_version(version)).await
}

fn progress_path(user: Uuid) -> String {
    format!("/api/2.0/people/type/progress/{user}")
}

fn start_body(user: Uuid, user_type: Value, receiver: Option<Uuid>) -> Value {
    match receiver {
        Some(receiver) => json!({"type": user_type, "userId": user, "reassignUserId": receiver}),
        None => json!({"type": user_type, "userId": user}),
    }
}

/// Starts a type job and checks the start answer.
async fn start(api: &Api, token: &str, body: Value) -> Value {
    let reply = api.post(token, "/api/2.0/people/type", body).await;
    let progress = reply.progress();
    assert_eq!(reply.json()["links"][0]["action"], "POST");
    progress
}

fn assert_fresh(progress: &Value, user: Uuid) {
    assert_eq!(
        progress,
        &json!({
            "id": format!("1_{user}_UpdateUserTypeProgressItem"),
            "error": "",
            "percentage": 0,
            "isCompleted": false,
            "status": 1,
        })
    );
}

async fn progress(api: &Api, user: Uuid) -> Value {
    api.get(&api.portal.owner_token(), &progress_path(user))
        .await
        .progress()
}

#[tokio::test]
async fn every_allowed_demotion_ends_with_the_new_type_and_the_rooms_moved() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let owner = api.id(OWNER_EMAIL);
    let admin = api.id(ADMIN_EMAIL);
    let room_admin = api.id(ROOM_ADMIN_EMAIL);
    for receiver in [owner, admin, room_admin] {
        assert!(api.portal.set_rooms_owned(receiver, 0));
    }
    let admins = api.pick(2, active_of_type(3));
    let room_admins = api.pick(2, active_of_type(1));
    let user = api.pick(1, active_of_type(4))[0];
    // (target, new type as sent, new type number, receiver, rooms)
    let cases = [
        (admins[0], json!(4), 4, None, 1),
        (admins[1], json!("Guest"), 2, Some(admin), 2),
        (room_admins[0], json!("user"), 4, Some(room_admin), 3),
        (room_admins[1], json!(2), 2, None, 4),
        (user, json!(2), 2, Some(admin), 5),
    ];
    for (target, sent, _, receiver, rooms) in &cases {
        assert!(api.portal.set_rooms_owned(*target, *rooms));
        let progress = start(
            &api,
            &owner_token,
            start_body(*target, sent.clone(), *receiver),
        )
        .await;
        assert_fresh(&progress, *target);
    }
    api.portal.wait_jobs_idle().await;
    for (target, _, new_type, _, _) in &cases {
        assert_eq!(
            progress(&api, *target).await,
            json!({
                "id": format!("1_{target}_UpdateUserTypeProgressItem"),
                "error": "",
                "percentage": 100,
                "isCompleted": true,
                "status": 2,
            })
        );
        let after = api.user(*target);
        assert_eq!(after.user_type, *new_type, "{target}");
        assert_eq!(after.rooms_owned, 0);
        if *new_type == 2 {
            assert!(after.departments.is_empty());
        }
        let wire = api
            .get(&owner_token, &format!("/api/2.0/people/{target}"))
            .await
            .ok();
        assert_eq!(wire["isVisitor"], *new_type == 2);
        assert_eq!(wire["isCollaborator"], *new_type == 4);
        assert_eq!(wire["isAdmin"], false);
        assert_eq!(wire["isRoomAdmin"], false);
    }
    assert_eq!(api.user(owner).rooms_owned, 1 + 4);
    assert_eq!(api.user(admin).rooms_owned, 2 + 5);
    assert_eq!(api.user(room_admin).rooms_owned, 3);
}

#[tokio::test]
async fn refused_starts_answer_400_or_403_and_start_nothing() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let admin_token = api.portal.admin_token();
    let owner = api.id(OWNER_EMAIL);
    let admin = api.id(ADMIN_EMAIL);
    let other_admin = api.pick(1, active_of_type(3))[0];
    let user = api.pick(1, active_of_type(4))[0];
    let plain = api.pick(2, plain_user)[1];
    let terminated = api.id(TERMINATED_USER_EMAIL);
    let terminated_admin = api.id("elena.popescu@example.com");
    let unknown = Uuid::new_v4();
    let cases = [
        (
            &owner_token,
            start_body(user, json!(1), None),
            "Can not update to RoomAdmin",
        ),
        (
            &owner_token,
            start_body(user, json!("DocSpaceAdmin"), None),
            "Can not update to DocSpaceAdmin",
        ),
        (
            &owner_token,
            start_body(user, json!(0), None),
            "Can not update to All",
        ),
        (
            &owner_token,
            json!({"userId": user}),
            "Can not update to All",
        ),
        // The type is checked before the caller's rights.
        (
            &api.portal.user_token(),
            start_body(user, json!(1), None),
            "Can not update to RoomAdmin",
        ),
        (
            &admin_token,
            start_body(other_admin, json!(4), None),
            "Can not update type for admin",
        ),
        (
            &admin_token,
            start_body(owner, json!(4), None),
            "Can not update type for admin",
        ),
        (
            &admin_token,
            start_body(admin, json!(4), None),
            "Can not update type",
        ),
        (
            &owner_token,
            start_body(owner, json!(4), None),
            "Can not update type",
        ),
        (
            &owner_token,
            start_body(terminated, json!(2), None),
            "Can not update type",
        ),
        (
            &owner_token,
            start_body(unknown, json!(2), None),
            "Can not update type",
        ),
        (
            &owner_token,
            start_body(Uuid::nil(), json!(2), None),
            "Can not update type",
        ),
        (
            &owner_token,
            start_body(user, json!(2), Some(user)),
            "Can not update type",
        ),
        (
            &owner_token,
            start_body(user, json!(2), Some(terminated_admin)),
            "Can not update type",
        ),
    ];
    for (token, body, message) in cases {
        let reply = api.post(token, "/api/2.0/people/type", body.clone()).await;
        assert_eq!(reply.thrown(400), message, "{body}");
    }
    for receiver in [plain, unknown] {
        let reply = api
            .post(
                &owner_token,
                "/api/2.0/people/type",
                start_body(user, json!(2), Some(receiver)),
            )
            .await;
        assert_eq!(
            reply.thrown(400),
            format!("Can not reassign to user - {receiver}")
        );
    }
    // Users and guests may not; nor may a read-only key.
    let guest = api.portal.token_for(GUEST_EMAIL).expect("guest token");
    for token in [api.portal.user_token(), guest] {
        let reply = api
            .post(
                &token,
                "/api/2.0/people/type",
                start_body(plain, json!(2), None),
            )
            .await;
        assert_eq!(reply.thrown(403), "Access denied");
    }
    api.post(
        READONLY_API_KEY,
        "/api/2.0/people/type",
        start_body(user, json!(2), None),
    )
    .await
    .empty(403);
    let bad = api
        .post(
            &owner_token,
            "/api/2.0/people/type",
            json!({"type": "Visitor", "userId": "x"}),
        )
        .await;
    assert_eq!(bad.problem(), ["$.type", "$.userId"]);
    for id in [user, plain, owner, other_admin] {
        assert!(api.portal.job(id, JobKind::UserType).is_none());
        api.get(&owner_token, &progress_path(id)).await.nothing();
    }
}

#[tokio::test]
async fn a_room_admin_can_start_but_only_a_guest_promotion_succeeds() {
    let api = fast_api(ServerVersion::V3_7).await;
    let room_admin = api.portal.token_for(ROOM_ADMIN_EMAIL).expect("token");
    let user = api.pick(1, active_of_type(4))[0];
    let guest = api.pick(1, active_of_type(2))[0];
    api.portal.set_rooms_owned(user, 2);
    assert_fresh(
        &start(&api, &room_admin, start_body(user, json!(2), None)).await,
        user,
    );
    assert_fresh(
        &start(&api, &room_admin, start_body(guest, json!(4), None)).await,
        guest,
    );
    // A room admin may not watch the jobs.
    let denied = api.get(&room_admin, &progress_path(user)).await;
    assert_eq!(denied.thrown(403), "Access denied");
    api.portal.wait_jobs_idle().await;
    assert_eq!(
        progress(&api, user).await,
        json!({
            "id": format!("1_{user}_UpdateUserTypeProgressItem"),
            "error": NO_PERMISSION,
            "percentage": 5,
            "isCompleted": true,
            "status": 4,
        })
    );
    assert_eq!(api.user(user).user_type, 4);
    assert_eq!(api.user(user).rooms_owned, 2);
    let promoted = progress(&api, guest).await;
    assert_eq!(
        (promoted["status"].clone(), promoted["percentage"].clone()),
        (json!(2), json!(100))
    );
    assert_eq!(api.user(guest).user_type, 4);
}

#[tokio::test]
async fn a_receiver_that_became_a_guest_fails_the_job_at_5() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let receiver = api.pick(1, active_of_type(1))[0];
    let target = api.pick(1, active_of_type(4))[0];
    api.portal.pause_jobs(true);
    // The receiver's own demotion is queued first, so it runs first.
    start(&api, &owner_token, start_body(receiver, json!(2), None)).await;
    start(
        &api,
        &owner_token,
        start_body(target, json!(2), Some(receiver)),
    )
    .await;
    api.portal.pause_jobs(false);
    api.portal.wait_jobs_idle().await;
    assert_eq!(api.user(receiver).user_type, 2);
    let failed = progress(&api, target).await;
    assert_eq!(failed["status"], 4);
    assert_eq!(failed["error"], NO_PERMISSION);
    assert_eq!(failed["percentage"], 5);
    assert_eq!(api.user(target).user_type, 4);
}

#[tokio::test]
async fn an_injected_failure_stops_the_job_at_40() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let owner = api.id(OWNER_EMAIL);
    let target = api.pick(1, active_of_type(1))[0];
    api.portal.set_rooms_owned(owner, 0);
    api.portal.set_rooms_owned(target, 3);
    api.portal.fail_job_for(target, "Disk full");
    start(&api, &owner_token, start_body(target, json!(4), None)).await;
    api.portal.wait_jobs_idle().await;
    let failed = progress(&api, target).await;
    assert_eq!(
        failed,
        json!({
            "id": format!("1_{target}_UpdateUserTypeProgressItem"),
            "error": "Disk full",
            "percentage": 40,
            "isCompleted": true,
            "status": 4,
        })
    );
    assert_eq!(
        api.portal.job(target, JobKind::UserType).map(|j| j.status),
        Some(JobStatus::Failed)
    );
    // The rooms had moved by 40 %; the type had not changed. Nothing is rolled back.
    assert_eq!(api.user(target).user_type, 1);
    assert_eq!(api.user(owner).rooms_owned, 3);
    // The knob is spent: a new job (the failed one is finished, so it is replaced) succeeds.
    assert_fresh(
        &start(&api, &owner_token, start_body(target, json!(4), None)).await,
        target,
    );
    api.portal.wait_jobs_idle().await;
    assert_eq!(progress(&api, target).await["status"], 2);
    assert_eq!(api.user(target).user_type, 4);
}

#[tokio::test]
async fn terminating_a_queued_job_cancels_it_before_any_change() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let admin_token = api.portal.admin_token();
    let target = api.pick(1, active_of_type(1))[0];
    api.portal.set_rooms_owned(target, 2);
    api.portal.pause_jobs(true);
    assert_fresh(
        &start(&api, &owner_token, start_body(target, json!(2), None)).await,
        target,
    );
    // Queued: still status 1 at 0 %.
    assert_fresh(&progress(&api, target).await, target);
    // Any administrator may terminate; the literal route wins over `type/{type}`.
    let reply = api
        .put(
            &admin_token,
            "/api/2.0/people/type/terminate",
            json!({"userId": target}),
        )
        .await;
    assert_eq!(reply.json()["links"][0]["action"], "PUT");
    assert_eq!(
        reply.progress(),
        json!({
            "id": format!("1_{target}_UpdateUserTypeProgressItem"),
            "error": "",
            "percentage": 0,
            "isCompleted": true,
            "status": 3,
        })
    );
    // The record is gone until the job ends itself.
    api.get(&owner_token, &progress_path(target))
        .await
        .nothing();
    api.put(
        &owner_token,
        "/api/2.0/people/type/terminate",
        json!({"userId": target}),
    )
    .await
    .nothing();
    api.portal.pause_jobs(false);
    api.portal.wait_jobs_idle().await;
    let ended = progress(&api, target).await;
    assert_eq!(
        (ended["status"].clone(), ended["isCompleted"].clone()),
        (json!(3), json!(true))
    );
    assert_eq!(api.user(target).user_type, 1);
    assert_eq!(api.user(target).rooms_owned, 2);
}

#[tokio::test]
async fn terminating_a_running_job_stops_it_at_its_next_step() {
    // Long enough that the terminate lands well before the type change at the end.
    let api = Api::start(PortalConfig::demo().with_job_duration(Duration::from_secs(3))).await;
    let owner_token = api.portal.owner_token();
    let target = api.pick(1, active_of_type(4))[0];
    start(&api, &owner_token, start_body(target, json!(2), None)).await;
    let deadline = Instant::now() + Duration::from_secs(2);
    while progress(&api, target).await["percentage"] == 0 {
        assert!(Instant::now() < deadline, "the job never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let terminated = api
        .put(
            &owner_token,
            "/api/2.0/people/type/terminate",
            json!({"userId": target}),
        )
        .await
        .progress();
    assert_eq!(terminated["status"], 3);
    api.portal.wait_jobs_idle().await;
    let ended = progress(&api, target).await;
    assert_eq!(ended["status"], 3);
    assert!(
        ended["percentage"]
            .as_u64()
            .is_some_and(|p| (5..100).contains(&p)),
        "{ended}"
    );
    assert_eq!(api.user(target).user_type, 4);
}

#[tokio::test]
async fn a_second_start_returns_the_unfinished_job_unchanged() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let target = api.pick(1, active_of_type(1))[0];
    api.portal.pause_jobs(true);
    start(&api, &owner_token, start_body(target, json!(4), None)).await;
    let admin = api.id(ADMIN_EMAIL);
    let again = start(
        &api,
        &owner_token,
        start_body(target, json!(2), Some(admin)),
    )
    .await;
    assert_fresh(&again, target);
    api.portal.pause_jobs(false);
    api.portal.wait_jobs_idle().await;
    // The first job's type wins.
    assert_eq!(api.user(target).user_type, 4);
}

#[tokio::test]
async fn jobs_of_one_kind_run_one_after_another() {
    let api = Api::start(PortalConfig::demo().with_job_duration(Duration::from_millis(300))).await;
    let owner_token = api.portal.owner_token();
    let targets = api.pick(2, active_of_type(4));
    api.portal.pause_jobs(true);
    for target in &targets {
        start(&api, &owner_token, start_body(*target, json!(2), None)).await;
    }
    api.portal.pause_jobs(false);
    let mut second_waited = false;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let first = progress(&api, targets[0]).await;
        let second = progress(&api, targets[1]).await;
        let running = |p: &Value| p["isCompleted"] == false && p["percentage"] != 0;
        assert!(!(running(&first) && running(&second)), "{first} {second}");
        if running(&first) && second["percentage"] == 0 {
            assert_eq!(second["status"], 1);
            second_waited = true;
        }
        if second["isCompleted"] == true {
            assert_eq!(first["status"], 2);
            break;
        }
        assert!(Instant::now() < deadline, "jobs did not finish");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(second_waited);
}

#[tokio::test]
async fn more_workers_run_jobs_side_by_side() {
    let api = Api::start(
        PortalConfig::demo()
            .with_job_duration(Duration::from_millis(400))
            .with_job_workers(2),
    )
    .await;
    let owner_token = api.portal.owner_token();
    let targets = api.pick(2, active_of_type(4));
    api.portal.pause_jobs(true);
    for target in &targets {
        start(&api, &owner_token, start_body(*target, json!(2), None)).await;
    }
    api.portal.pause_jobs(false);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let first = progress(&api, targets[0]).await;
        let second = progress(&api, targets[1]).await;
        if first["percentage"] != 0 && second["percentage"] != 0 {
            break;
        }
        assert!(
            first["isCompleted"] == false,
            "the first finished alone: {first}"
        );
        assert!(Instant::now() < deadline, "jobs did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    api.portal.wait_jobs_idle().await;
}

#[tokio::test]
async fn records_vanish_after_their_ttl() {
    let api = Api::start(fast().with_job_record_ttl(Duration::ZERO)).await;
    let owner_token = api.portal.owner_token();
    let target = api.pick(1, active_of_type(4))[0];
    start(&api, &owner_token, start_body(target, json!(2), None)).await;
    api.portal.wait_jobs_idle().await;
    assert_eq!(api.user(target).user_type, 2);
    let reply = api.get(&owner_token, &progress_path(target)).await;
    reply.nothing();
    assert_eq!(reply.json()["links"][0]["action"], "GET");
    assert!(api.portal.job(target, JobKind::UserType).is_none());

    // A short TTL: readable at first, gone after it.
    let api = Api::start(fast().with_job_record_ttl(Duration::from_millis(400))).await;
    let target = api.pick(1, active_of_type(4))[0];
    start(
        &api,
        &api.portal.owner_token(),
        start_body(target, json!(2), None),
    )
    .await;
    api.portal.wait_jobs_idle().await;
    assert!(api.portal.job(target, JobKind::UserType).is_some());
    let deadline = Instant::now() + Duration::from_secs(5);
    while api.portal.job(target, JobKind::UserType).is_some() {
        assert!(Instant::now() < deadline, "the record never expired");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    api.get(&api.portal.owner_token(), &progress_path(target))
        .await
        .nothing();
}

#[tokio::test]
async fn progress_and_terminate_validate_their_input() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    // `{userid}` must be a GUID: otherwise the route does not match.
    api.get(&owner_token, "/api/2.0/people/type/progress/someone")
        .await
        .empty(404);
    let reply = api
        .put(&owner_token, "/api/2.0/people/type/terminate", json!({}))
        .await;
    assert_eq!(reply.problem(), ["$"]);
    let message = &reply.json()["response"]["errors"]["$"][0];
    assert!(
        message
            .as_str()
            .is_some_and(|m| m.ends_with("including the following: userId"))
    );
    let user_token = api.portal.user_token();
    let target = api.pick(1, plain_user)[0];
    api.get(&user_token, &progress_path(target))
        .await
        .thrown(403);
    api.put(
        &user_token,
        "/api/2.0/people/type/terminate",
        json!({"userId": target}),
    )
    .await
    .thrown(403);
    api.send(api.client.get(api.url(&progress_path(target))))
        .await
        .empty(401);
}

#[tokio::test]
async fn reassignment_check_says_whether_the_user_owns_rooms() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let room_admin_token = api.portal.token_for(ROOM_ADMIN_EMAIL).expect("token");
    let target = api.pick(1, active_of_type(1))[0];
    let user = api.pick(1, active_of_type(4))[0];
    let other_admin = api.pick(1, active_of_type(3))[0];
    api.portal.set_rooms_owned(target, 2);
    let path =
        |id: Uuid, t: &str| format!("/api/2.0/people/reassign/necessary?userId={id}&type={t}");
    let reply = api.get(&owner_token, &path(target, "User")).await;
    assert_eq!(reply.ok(), json!(true));
    assert_eq!(reply.json()["count"], 1);
    api.portal.set_rooms_owned(target, 0);
    assert_eq!(
        api.get(&owner_token, &path(target, "4")).await.ok(),
        json!(false)
    );
    // Room admins may ask about users and guests only.
    assert_eq!(
        api.get(&room_admin_token, &path(user, "2")).await.ok(),
        json!(false)
    );
    let denied = api
        .get(
            &room_admin_token,
            &format!("/api/2.0/people/reassign/necessary?userId={user}"),
        )
        .await;
    assert_eq!(denied.thrown(403), "Access denied");
    api.get(&api.portal.user_token(), &path(user, "4"))
        .await
        .thrown(403);
    // Only the owner may ask about an administrator.
    api.get(&api.portal.admin_token(), &path(other_admin, "4"))
        .await
        .thrown(403);
    api.get(&owner_token, &path(other_admin, "4")).await.ok();
    let bad = api
        .get(&owner_token, "/api/2.0/people/reassign/necessary?userId=x")
        .await;
    assert_eq!(bad.problem(), ["userId"]);
}

#[tokio::test]
async fn server_36_accepts_all_and_always_demands_an_administrator() {
    let api = fast_api(ServerVersion::V3_6).await;
    let owner_token = api.portal.owner_token();
    let owner = api.id(OWNER_EMAIL);
    let room_admin_token = api.portal.token_for(ROOM_ADMIN_EMAIL).expect("token");
    let target = api.pick(1, active_of_type(1))[0];
    let guest = api.pick(1, active_of_type(2))[0];
    api.portal.set_rooms_owned(owner, 0);
    api.portal.set_rooms_owned(target, 2);
    // "All" starts a job that moves the rooms and changes no type.
    start(&api, &owner_token, start_body(target, json!(0), None)).await;
    // A room admin's guest promotion still needs an administrator.
    start(&api, &room_admin_token, start_body(guest, json!(4), None)).await;
    api.portal.wait_jobs_idle().await;
    assert_eq!(progress(&api, target).await["status"], 2);
    assert_eq!(api.user(target).user_type, 1);
    assert_eq!(api.user(owner).rooms_owned, 2);
    let failed = progress(&api, guest).await;
    assert_eq!(
        (failed["status"].clone(), failed["error"].clone()),
        (json!(4), json!(NO_PERMISSION))
    );
    assert_eq!(failed["percentage"], 5);
    assert_eq!(api.user(guest).user_type, 2);
    // The caller's rights come first, the type after the user checks.
    let reply = api
        .post(
            &room_admin_token,
            "/api/2.0/people/type",
            start_body(target, json!(1), None),
        )
        .await;
    assert_eq!(reply.thrown(403), "Access denied");
    let reply = api
        .post(
            &owner_token,
            "/api/2.0/people/type",
            start_body(owner, json!(1), None),
        )
        .await;
    assert_eq!(reply.thrown(400), "Can not update type");
    let reply = api
        .post(
            &owner_token,
            "/api/2.0/people/type",
            start_body(target, json!(1), None),
        )
        .await;
    assert_eq!(reply.thrown(400), "Can not update to RoomAdmin");
}

#[tokio::test]
async fn server_30_has_no_type_jobs() {
    let api = fast_api(ServerVersion::V3_0).await;
    let owner_token = api.portal.owner_token();
    let target = api.pick(1, active_of_type(4))[0];
    let build = api
        .send(api.client.get(api.url("/api/2.0/settings/version/build")))
        .await
        .ok();
    assert!(
        build["docSpace"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.0."))
    );
    assert_eq!(api.portal.version().to_string(), "DocSpace 3.0");
    assert_eq!("3.0.4".parse::<ServerVersion>(), Ok(ServerVersion::V3_0));
    // `people/type` is `people/{userid}` there, which takes no POST.
    api.post(
        &owner_token,
        "/api/2.0/people/type",
        start_body(target, json!(2), None),
    )
    .await
    .empty(405);
    api.get(&owner_token, &progress_path(target))
        .await
        .empty(404);
    // `type/terminate` is `type/{type}` with a type that does not bind.
    let reply = api
        .put(
            &owner_token,
            "/api/2.0/people/type/terminate",
            json!({"userId": target}),
        )
        .await;
    assert_eq!(reply.problem(), ["type"]);
    api.get(
        &owner_token,
        &format!("/api/2.0/people/reassign/necessary?userId={target}"),
    )
    .await
    .empty(404);
    // Reassignment exists.
    api.get(
        &owner_token,
        &format!("/api/2.0/people/reassign/progress/{target}"),
    )
    .await
    .nothing();
    // 3.0 still skips forbidden synchronous type changes silently.
    let users = api
        .put(
            &owner_token,
            "/api/2.0/people/type/2",
            json!({"userIds": [target]}),
        )
        .await
        .ok();
    assert_eq!(users[0]["isCollaborator"], true);
    // And its 404 has the old words.
    let reply = api
        .get(&owner_token, &format!("/api/2.0/people/{}", Uuid::new_v4()))
        .await;
    assert_eq!(reply.thrown(404), "The record could not be found");
}

#[tokio::test]
async fn workspace_has_no_type_jobs() {
    let api = fast_api(ServerVersion::Workspace12_7).await;
    let owner_token = api.portal.owner_token();
    let target = api.pick(1, active_of_type(4))[0];
    let status = api
        .post(
            &owner_token,
            "/api/2.0/people/type",
            start_body(target, json!(2), None),
        )
        .await
        .status;
    assert_eq!(status, 405);
    api.get(&owner_token, &progress_path(target))
        .await
        .empty(404);
    // Reassignment exists there, in Workspace's shapes (`delete.rs`); its progress has no path
    // segment.
    let reply = api
        .get(
            &owner_token,
            &format!("/api/2.0/people/reassign/progress/{target}"),
        )
        .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn counters_name_the_new_endpoints() {
    let api = fast_api(ServerVersion::V3_7).await;
    let owner_token = api.portal.owner_token();
    let target = api.pick(1, active_of_type(4))[0];
    start(&api, &owner_token, start_body(target, json!(2), None)).await;
    api.get(&owner_token, &progress_path(target))
        .await
        .progress();
    api.put(
        &owner_token,
        "/api/2.0/people/type/terminate",
        json!({"userId": target}),
    )
    .await;
    api.portal.wait_jobs_idle().await;
    let counters = api.portal.counters();
    for endpoint in [
        Endpoint::StartTypeJob,
        Endpoint::TypeJobProgress,
        Endpoint::TerminateTypeJob,
    ] {
        assert_eq!(
            counters.get(endpoint, Outcome::Status(200)),
            1,
            "{endpoint}"
        );
    }
    assert_eq!(counters.endpoint(Endpoint::UpdateType), 0);
}

#[tokio::test]
async fn a_queued_job_whose_record_expired_still_runs_and_its_record_reappears() {
    let api = Api::start(fast().with_job_record_ttl(Duration::from_millis(200))).await;
    let owner_token = api.portal.owner_token();
    let target = api.pick(1, active_of_type(4))[0];
    api.portal.pause_jobs(true);
    start(&api, &owner_token, start_body(target, json!(2), None)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while api.portal.job(target, JobKind::UserType).is_some() {
        assert!(Instant::now() < deadline, "the record never expired");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    api.get(&owner_token, &progress_path(target))
        .await
        .nothing();
    assert_eq!(api.user(target).user_type, 4, "not run yet");
    api.portal.pause_jobs(false);
    api.portal.wait_jobs_idle().await;
    assert_eq!(api.user(target).user_type, 2, "it ran after all");
    let done = progress(&api, target).await;
    assert_eq!(done["status"], 2, "its record is back: {done}");
}
