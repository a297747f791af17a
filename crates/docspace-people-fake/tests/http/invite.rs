//! `POST people/invite` (new invitations) and the `accountLoginType` filter.

use docspace_people_fake::{
    PENDING_INVITEE_EMAIL, PortalConfig, ServerVersion, TERMINATED_USER_EMAIL, USER_EMAIL,
};
use serde_json::json;

use crate::common::{Api, ids};

const INVITE: &str = "/api/2.0/people/invite";

#[tokio::test]
async fn a_new_address_becomes_a_pending_user_and_is_mailed() {
    let api = Api::demo().await;
    let before = api.portal.user_count();
    let reply = api
        .post(
            &api.portal.admin_token(),
            INVITE,
            json!({"invitations": [{"type": 4, "email": "new.hire@example.com"}], "culture": "en-US"}),
        )
        .await;
    let pending = ids(&reply.ok());
    let hire = api
        .portal
        .user_by_email("new.hire@example.com")
        .expect("created");
    assert_eq!(
        (hire.status, hire.activation_status, hire.user_type),
        (4, 2, 4)
    );
    assert_eq!(api.portal.user_count(), before + 1);
    assert_eq!(api.portal.invitations_sent(), vec![hire.id]);
    // The answer is every Pending user, not only the invited one.
    let invitee = api.portal.id_of(PENDING_INVITEE_EMAIL).expect("seeded");
    assert!(
        pending.contains(&hire.id) && pending.contains(&invitee),
        "{pending:?}"
    );
}

#[tokio::test]
async fn a_bad_address_stops_the_request_after_the_earlier_ones() {
    let api = Api::demo().await;
    let reply = api
        .post(
            &api.portal.admin_token(),
            INVITE,
            json!({"invitations": [
                {"type": 4, "email": "first@example.com"},
                {"type": 4, "email": "not an address"},
                {"type": 4, "email": "third@example.com"},
            ]}),
        )
        .await;
    assert_eq!(reply.thrown(400), "Incorrect email");
    assert!(api.portal.user_by_email("first@example.com").is_some());
    assert!(api.portal.user_by_email("third@example.com").is_none());

    let reply = api
        .post(
            &api.portal.admin_token(),
            INVITE,
            json!({"invitations": [{"type": 4, "email": TERMINATED_USER_EMAIL}]}),
        )
        .await;
    assert_eq!(
        reply.thrown(400),
        format!("User disabled: {TERMINATED_USER_EMAIL}")
    );
}

#[tokio::test]
async fn guests_and_types_above_the_caller_are_refused_before_anything() {
    let api = Api::demo().await;
    for (token, user_type) in [
        (api.portal.admin_token(), 2),
        (api.portal.admin_token(), 3),
        (api.portal.user_token(), 4),
    ] {
        let reply = api
            .post(
                &token,
                INVITE,
                json!({"invitations": [
                    {"type": 4, "email": "early@example.com"},
                    {"type": user_type, "email": "late@example.com"},
                ]}),
            )
            .await;
        assert_eq!(reply.thrown(403), "Access denied", "type {user_type}");
        assert!(api.portal.user_by_email("early@example.com").is_none());
    }
    assert!(api.portal.invitations_sent().is_empty());
}

#[tokio::test]
async fn a_known_address_is_raised_not_mailed_and_paid_seats_are_checked_first() {
    let api = Api::start(PortalConfig::default().with_paid_seats(1)).await;
    let reply = api
        .post(
            &api.portal.owner_token(),
            INVITE,
            json!({"invitations": [{"type": 1, "email": "boss@example.com"}]}),
        )
        .await;
    reply.thrown(402);
    assert!(api.portal.user_by_email("boss@example.com").is_none());

    let api = Api::demo().await;
    let reply = api
        .post(
            &api.portal.admin_token(),
            INVITE,
            json!({"invitations": [{"type": 1, "email": USER_EMAIL}]}),
        )
        .await;
    reply.ok();
    assert_eq!(
        api.portal
            .user_by_email(USER_EMAIL)
            .expect("seeded")
            .user_type,
        1
    );
    assert!(api.portal.invitations_sent().is_empty());
}

#[tokio::test]
async fn workspace_has_no_invitations() {
    let api = Api::start(PortalConfig::default().with_version(ServerVersion::Workspace12_7)).await;
    let reply = api
        .post(
            &api.portal.admin_token(),
            INVITE,
            json!({"invitations": [{"type": 4, "email": "x@example.com"}]}),
        )
        .await;
    reply.empty(404);
}

#[tokio::test]
async fn account_login_type_selects_sso_ldap_or_standard_accounts() {
    let api = Api::demo().await;
    let token = api.portal.admin_token();
    let everyone = api.portal.snapshot();
    for (kind, keep) in [
        (
            0,
            &(|u: &docspace_people_fake::FakeUser| u.is_sso) as &dyn Fn(&_) -> bool,
        ),
        (1, &|u: &docspace_people_fake::FakeUser| u.is_ldap),
        (2, &|u: &docspace_people_fake::FakeUser| {
            !u.is_sso && !u.is_ldap
        }),
    ] {
        let reply = api
            .get(
                &token,
                &format!("/api/2.0/people/filter?accountLoginType={kind}"),
            )
            .await;
        let mut got = ids(&reply.ok());
        let mut want: Vec<_> = everyone.iter().filter(|u| keep(u)).map(|u| u.id).collect();
        got.sort();
        want.sort();
        assert!(!want.is_empty(), "the demo has accounts of kind {kind}");
        assert_eq!(got, want, "accountLoginType={kind}");
    }
    api.get(&token, "/api/2.0/people/filter?accountLoginType=7")
        .await
        .problem();
}
