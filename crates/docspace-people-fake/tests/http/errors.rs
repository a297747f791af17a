//! Error shapes and malformed requests; refused requests change nothing.

use docspace_people_fake::*;
use serde_json::json;

use crate::common::{Api, plain_user};

#[tokio::test]
async fn malformed_bodies_get_problem_details_and_change_nothing() {
    let api = Api::demo().await;
    let owner = format!("Bearer {}", api.portal.owner_token());
    let target = api.pick(1, plain_user)[0];
    let before = api.portal.snapshot();

    let bad_uuid = api
        .put_raw(
            &owner,
            "/api/2.0/people/status/2",
            &format!(r#"{{"userIds":["{target}","not-a-guid"]}}"#),
        )
        .await;
    assert_eq!(bad_uuid.problem(), ["$.userIds[1]"]);

    let bad_json = api
        .put_raw(&owner, "/api/2.0/people/type/4", r#"{"userIds": ["#)
        .await;
    assert!(bad_json.problem().contains(&"$".to_owned()));

    let not_object = api
        .put_raw(&owner, "/api/2.0/people/resetquota", "[1,2]")
        .await;
    assert!(!not_object.problem().is_empty());

    let empty = api.put_raw(&owner, "/api/2.0/people/status/2", "").await;
    assert!(!empty.problem().is_empty());

    let missing_ids = api.put_raw(&owner, "/api/2.0/people/status/2", "{}").await;
    assert_eq!(missing_ids.problem(), ["userIds"]);

    for quota in [r#""1024""#, "1.5", "1e3", "true", "99999999999999999999"] {
        let reply = api
            .put_raw(
                &owner,
                "/api/2.0/people/userquota",
                &format!(r#"{{"userIds":["{target}"],"quota":{quota}}}"#),
            )
            .await;
        assert_eq!(reply.problem(), ["$.quota"], "quota {quota}");
    }
    let no_quota = api
        .put_raw(
            &owner,
            "/api/2.0/people/userquota",
            &format!(r#"{{"userIds":["{target}"]}}"#),
        )
        .await;
    assert_eq!(no_quota.problem(), ["quota"]);

    let bad_resend = api
        .put_raw(
            &owner,
            "/api/2.0/people/status/2",
            &format!(r#"{{"userIds":["{target}"],"resendAll":"yes"}}"#),
        )
        .await;
    assert_eq!(bad_resend.problem(), ["$.resendAll"]);

    assert_eq!(api.portal.snapshot(), before);
}

#[tokio::test]
async fn path_parameters_take_names_or_numbers_only() {
    let api = Api::demo().await;
    let owner = api.portal.owner_token();
    let target = api.pick(1, plain_user)[0];
    let before = api.portal.snapshot();
    for bad in ["8", "Foo", "-1", "Disabled"] {
        let reply = api
            .put(
                &owner,
                &format!("/api/2.0/people/status/{bad}"),
                json!({"userIds": [target]}),
            )
            .await;
        assert_eq!(reply.problem(), ["status"], "status {bad}");
    }
    for bad in ["5", "Visitor", "Collaborator", "x"] {
        let reply = api
            .put(
                &owner,
                &format!("/api/2.0/people/type/{bad}"),
                json!({"userIds": [target]}),
            )
            .await;
        assert_eq!(reply.problem(), ["type"], "type {bad}");
    }
    assert_eq!(api.portal.snapshot(), before);

    // Names in any case, and numbers, are accepted.
    let reply = api
        .put(
            &owner,
            "/api/2.0/people/status/tErMiNaTeD",
            json!({"userIds": [target]}),
        )
        .await
        .ok();
    assert_eq!(reply[0]["status"], 2);
    let reply = api
        .put(
            &owner,
            "/api/2.0/people/status/ACTIVE",
            json!({"userIds": [target]}),
        )
        .await
        .ok();
    assert_eq!(reply[0]["status"], 1);
    let reply = api
        .put(
            &owner,
            "/api/2.0/people/type/roomadmin",
            json!({"userIds": [target]}),
        )
        .await
        .ok();
    assert_eq!(reply[0]["isRoomAdmin"], true);
}

#[tokio::test]
async fn valid_but_refused_status_is_a_thrown_400_on_3_7() {
    let api = Api::demo().await;
    let owner = api.portal.owner_token();
    let target = api.pick(1, plain_user)[0];
    for status in ["4", "Pending", "5", "7", "0"] {
        let reply = api
            .put(
                &owner,
                &format!("/api/2.0/people/status/{status}"),
                json!({"userIds": [target]}),
            )
            .await;
        reply.thrown(400);
    }
    assert_eq!(api.user(target).status, 1);
}

#[tokio::test]
async fn get_user_errors() {
    let api = Api::demo().await;
    let owner = api.portal.owner_token();
    let unknown = api
        .get(
            &owner,
            "/api/2.0/people/0b6a4b42-1d44-4a41-a0a5-6b8f2ab8a0f1",
        )
        .await;
    assert_eq!(unknown.thrown(404), "The user could not be found");
    let lost = api
        .get(&owner, &format!("/api/2.0/people/{LOST_USER_ID}"))
        .await;
    assert_eq!(lost.thrown(404), "The user could not be found");
    // `{userid}` is a string on the real server: a user name first, then a GUID, else 404.
    let unknown_name = api.get(&owner, "/api/2.0/people/not-a-guid").await;
    assert_eq!(unknown_name.thrown(404), "The user could not be found");
    // ASP.NET routes by method: GET on a PUT-only path is `{userid}`, not a 405.
    for path in ["/api/2.0/people/resetquota", "/api/2.0/people/userquota"] {
        assert_eq!(
            api.get(&owner, path).await.thrown(404),
            "The user could not be found"
        );
    }
    let by_name = api.get(&owner, "/api/2.0/people/OWNER").await.ok();
    assert_eq!(by_name["email"], OWNER_EMAIL);
    let found = api
        .get(
            &owner,
            &format!("/api/2.0/people/{}", api.id(LDAP_USER_EMAIL)),
        )
        .await;
    assert_eq!(found.json()["count"], 1);
    let user = found.ok();
    assert_eq!(user["isLDAP"], true);
}

#[tokio::test]
async fn no_plain_text_rejections_leak() {
    let api = Api::demo().await;
    let owner = api.portal.owner_token();
    let replies = [
        api.get(&owner, "/api/2.0/nowhere").await,
        api.get(&owner, "/api/2.0/people/filter?employeeStatus=bogus")
            .await,
        api.get(&owner, "/api/2.0/people/filter?groupId=nope").await,
        api.get(&owner, "/api/2.0/people/filter?isAdministrator=maybe")
            .await,
        api.put_raw(&owner, "/api/2.0/people/status/%FF", "{}")
            .await,
        api.send(api.client.delete(api.url("/api/2.0/people/status/2")))
            .await,
    ];
    for reply in &replies {
        let ct = reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(!ct.starts_with("text/plain"), "{reply:?}");
        assert!(reply.status < 500, "{reply:?}");
        assert!(
            reply.body.is_empty() || serde_json::from_str::<serde_json::Value>(&reply.body).is_ok()
        );
    }
    replies[0].empty(404);
    assert_eq!(replies[1].problem(), ["employeeStatus"]);
    assert_eq!(replies[2].problem(), ["groupId"]);
    assert_eq!(replies[3].problem(), ["isAdministrator"]);
    assert_eq!(replies[5].status, 405);
}
