//! Sending invitations again, the first change that is an action: its outcome is what the
//! server answered, a lost answer is unknown and never sent again, and only Pending users get
//! mail.

use std::time::Duration;

use docspace_people::bulk::{BulkOptions, Change, Outcome, Planned};
use docspace_people::{Client, Error, Refusal, RetryPolicy, Server, Uuid};
use docspace_people_fake::seed::USER_EMAIL;
use docspace_people_fake::{DropMode, FakePortal, Faults, PortalConfig, ServerVersion, Trigger};

fn owner(portal: &FakePortal) -> Client {
    Client::builder(portal.base_url())
        .token(portal.owner_token())
        .retry(
            RetryPolicy::default()
                .max_attempts(5)
                .backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn only_pending_users_get_mail_once_and_the_plan_agrees() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let pending = portal.user_ids_where(|u| u.status == 4);
    assert!(pending.len() >= 2, "the demo has invitees");
    let active = portal.id_of(USER_EMAIL).unwrap();
    let unknown = Uuid::from_u128(5);
    let ids = [pending[0], active, unknown, pending[1], pending[0]];
    let client = owner(&portal);
    let job = || client.bulk(Change::ResendInvitation);
    let plan = job().plan(&ids).await.unwrap();
    let planned: Vec<&Planned> = plan.entries.iter().map(|e| &e.planned).collect();
    assert_eq!(
        planned,
        [
            &Planned::Send,
            &Planned::Refused(Refusal::NotPending),
            &Planned::Refused(Refusal::UnknownUser),
            &Planned::Send
        ]
    );
    assert!(
        portal.invitations_sent().is_empty(),
        "planning mails nobody"
    );
    let report = job().run(&ids).await.unwrap();
    let outcomes: Vec<Outcome> = report.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Changed,
            Outcome::Refused,
            Outcome::Refused,
            Outcome::Changed
        ]
    );
    assert_eq!(report.duplicates.len(), 1);
    assert_eq!(report.requests, 1, "one request for the two invitees");
    assert_eq!(portal.invitations_sent(), [pending[0], pending[1]]);
    // Nothing to undo: mail sent stays sent.
    let server = client.server().await.unwrap();
    let prior = report.entries[0].prior.clone();
    assert!(
        Change::ResendInvitation
            .undo(prior.as_ref(), &server)
            .is_err()
    );
}

#[tokio::test]
async fn a_lost_answer_is_unknown_and_never_sent_again() {
    let portal = FakePortal::start(
        PortalConfig::demo().with_faults(
            Faults::none()
                .with_dropped_connection(Trigger::Always, DropMode::AfterHandling)
                .writes_only(),
        ),
    )
    .unwrap();
    let pending = portal.user_ids_where(|u| u.status == 4);
    let report = owner(&portal)
        .bulk(Change::ResendInvitation)
        .options(BulkOptions::default())
        .run(&pending)
        .await
        .unwrap();
    assert!(
        report.entries.iter().all(|e| e.outcome == Outcome::Unknown),
        "{report:?}"
    );
    assert_eq!(report.requests, 1, "not resent");
    // The server did mail them, once each.
    assert_eq!(portal.invitations_sent(), pending);
}

#[tokio::test]
async fn workspace_has_no_invitations_to_resend() {
    let portal =
        FakePortal::start(PortalConfig::demo().with_version(ServerVersion::Workspace12_7)).unwrap();
    let client = Client::builder(portal.base_url())
        .server(Server::workspace(docspace_people::Version::new(12, 7, 1)))
        .token("unused")
        .build()
        .unwrap();
    let err = client
        .bulk(Change::ResendInvitation)
        .run(&[Uuid::from_u128(1)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
    assert_eq!(portal.request_count(), 0, "nothing sent");
}

#[test]
fn the_serialized_form_is_stable() {
    let json = serde_json::to_string(&Change::ResendInvitation).unwrap();
    assert_eq!(json, r#"{"resend_invitation":true}"#);
    assert!(!Change::ResendInvitation.is_safe_to_resend());
}

mod new_invitations {
    use docspace_people::bulk::Outcome;
    use docspace_people::{Error, Invitation, InviteOptions, Refusal, UserType};
    use docspace_people_fake::seed::{GUEST_EMAIL, PENDING_INVITEE_EMAIL, TERMINATED_USER_EMAIL};
    use docspace_people_fake::{DropMode, FakePortal, Faults, PortalConfig, Trigger};

    use super::owner;

    fn outcomes(report: &docspace_people::InviteReport) -> Vec<(String, Outcome)> {
        report
            .entries
            .iter()
            .map(|e| (e.email.clone(), e.outcome))
            .collect()
    }

    #[tokio::test]
    async fn new_addresses_are_invited_and_the_rest_are_settled_before_sending() {
        let portal = FakePortal::start(PortalConfig::demo()).unwrap();
        let invitations = [
            Invitation::new("new.one@example.com", UserType::User),
            Invitation::new(" New.Two@Example.com ", UserType::RoomAdmin),
            Invitation::new("not-an-address", UserType::User),
            Invitation::new("guest@example.com", UserType::Guest),
            Invitation::new(TERMINATED_USER_EMAIL, UserType::User),
            Invitation::new(PENDING_INVITEE_EMAIL, UserType::User),
            Invitation::new(GUEST_EMAIL, UserType::User),
            Invitation::new("new.one@example.com", UserType::User),
        ];
        let report = owner(&portal)
            .invite(&invitations, &InviteOptions::default())
            .await
            .unwrap();
        use Outcome::*;
        assert_eq!(
            outcomes(&report),
            [
                ("new.one@example.com".to_owned(), Changed),
                ("New.Two@Example.com".to_owned(), Changed),
                ("not-an-address".to_owned(), Refused),
                ("guest@example.com".to_owned(), Refused),
                (TERMINATED_USER_EMAIL.to_owned(), Refused),
                (PENDING_INVITEE_EMAIL.to_owned(), AlreadyInTarget),
                (GUEST_EMAIL.to_owned(), Refused),
            ]
        );
        let reasons: Vec<Option<&Refusal>> =
            report.entries.iter().map(|e| e.reason.as_ref()).collect();
        assert_eq!(reasons[2], Some(&Refusal::InvalidEmail));
        assert_eq!(reasons[3], Some(&Refusal::GuestsInvitedThroughRooms));
        assert_eq!(reasons[4], Some(&Refusal::DisabledAddress));
        assert_eq!(reasons[6], Some(&Refusal::AlreadyMember));
        assert_eq!(report.duplicates, [(7, 0)]);
        assert_eq!(report.requests, 1);
        let one = portal.user_by_email("new.one@example.com").unwrap();
        let two = portal.user_by_email("new.two@example.com").unwrap();
        assert_eq!((one.status, one.user_type), (4, 4));
        assert_eq!((two.status, two.user_type), (4, 1));
        assert_eq!(report.entries[0].id, Some(one.id));
        assert_eq!(portal.invitations_sent(), [one.id, two.id]);
        // The guest's type was not raised behind the administrator's back.
        assert_eq!(portal.user_by_email(GUEST_EMAIL).unwrap().user_type, 2);
    }

    #[tokio::test]
    async fn a_request_the_server_stops_part_way_is_settled_and_the_rest_sent_again() {
        let portal = FakePortal::start(PortalConfig::demo()).unwrap();
        // The server refuses non-ASCII addresses, which the client cannot tell apart from
        // addresses it takes: the request stops there, after the first one was handled.
        let invitations = [
            Invitation::new("first@example.com", UserType::User),
            Invitation::new("jürgen@example.com", UserType::User),
            Invitation::new("third@example.com", UserType::User),
            Invitation::new("fourth@example.com", UserType::User),
        ];
        let report = owner(&portal)
            .invite(&invitations, &InviteOptions::default().batch_size(3))
            .await
            .unwrap();
        use Outcome::*;
        let got: Vec<Outcome> = report.entries.iter().map(|e| e.outcome).collect();
        assert_eq!(got, [Changed, Refused, Changed, Changed]);
        assert_eq!(report.entries[1].detail.as_deref(), Some("Incorrect email"));
        assert_eq!(
            report.requests, 2,
            "the addresses after the bad one go in the next request"
        );
        for email in [
            "first@example.com",
            "third@example.com",
            "fourth@example.com",
        ] {
            assert!(portal.user_by_email(email).is_some(), "{email}");
        }
        assert_eq!(portal.invitations_sent().len(), 3);
    }

    #[tokio::test]
    async fn a_lost_answer_is_settled_by_reading_back_and_a_second_run_sends_nothing() {
        let portal = FakePortal::start(
            PortalConfig::demo().with_faults(
                Faults::none()
                    .with_dropped_connection(Trigger::Always, DropMode::AfterHandling)
                    .writes_only(),
            ),
        )
        .unwrap();
        let invitations = [
            Invitation::new("a@example.com", UserType::User),
            Invitation::new("b@example.com", UserType::User),
        ];
        let client = owner(&portal);
        let report = client
            .invite(&invitations, &InviteOptions::default())
            .await
            .unwrap();
        assert_eq!(report.count(Outcome::Changed), 2, "{report:?}");
        assert_eq!(report.requests, 1);
        assert_eq!(portal.invitations_sent().len(), 2, "mailed once each");
        let again = client
            .invite(&invitations, &InviteOptions::default())
            .await
            .unwrap();
        assert_eq!(again.count(Outcome::AlreadyInTarget), 2);
        assert_eq!(again.requests, 0);
        assert_eq!(portal.invitations_sent().len(), 2, "nobody mailed twice");
    }

    #[tokio::test]
    async fn bad_input_and_unsupported_servers_are_refused_before_sending() {
        let portal = FakePortal::start(PortalConfig::demo()).unwrap();
        let client = owner(&portal);
        let err = client
            .invite(&[], &InviteOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        let one = [Invitation::new("x@example.com", UserType::User)];
        let err = client
            .invite(&one, &InviteOptions::default().batch_size(0))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("batch size"), "{err}");
        assert!(portal.invitations_sent().is_empty());
    }

    #[tokio::test]
    async fn paid_seats_refuse_room_admin_invitations_with_the_servers_reason() {
        let portal = FakePortal::start(PortalConfig::demo().with_paid_seats(1)).unwrap();
        let invitations = [Invitation::new("boss@example.com", UserType::RoomAdmin)];
        let report = owner(&portal)
            .invite(&invitations, &InviteOptions::default())
            .await
            .unwrap();
        assert_eq!(report.entries[0].outcome, Outcome::Refused);
        assert!(
            report.entries[0]
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("paid"),
            "{report:?}"
        );
        assert!(portal.user_by_email("boss@example.com").is_none());
    }
}
