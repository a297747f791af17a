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
