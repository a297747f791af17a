//! What small runs cost when the client is told what it would otherwise ask: the server
//! (`ClientBuilder::server`) and who signs in (`BulkJob::caller_id`). And what a job does with
//! credentials the portal refuses when nothing before it asked.

use docspace_people::bulk::{Change, Outcome};
use docspace_people::{Client, Error, UserStatus};
use docspace_people_fake::seed::{ADMIN_EMAIL, USER_EMAIL};
use docspace_people_fake::{Endpoint, FakePortal, PortalConfig};

async fn told(portal: &FakePortal, token: &str) -> Client {
    let probe = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap();
    let server = probe.server().await.unwrap();
    Client::builder(portal.base_url())
        .token(token)
        .server(server)
        .build()
        .unwrap()
}

#[tokio::test]
async fn one_user_takes_its_read_and_its_write_when_the_server_and_the_caller_are_known() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = told(&portal, &portal.owner_token()).await;
    let me = client.me().await.unwrap();
    let terminate = Change::Status(UserStatus::Terminated);

    portal.reset_counters();
    let user = portal.id_of(USER_EMAIL).unwrap();
    let report = client
        .bulk(terminate.clone())
        .caller_id(me.id)
        .run(&[user])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Changed);
    let counters = portal.counters();
    assert_eq!(portal.request_count(), 2, "{counters:?}");
    assert_eq!(counters.endpoint(Endpoint::GetUser), 1, "{counters:?}");
    assert_eq!(counters.endpoint(Endpoint::UpdateStatus), 1, "{counters:?}");

    // An administrator's status only the owner changes: the caller's rights are read.
    portal.reset_counters();
    let admin = portal.id_of(ADMIN_EMAIL).unwrap();
    let report = client
        .bulk(terminate.clone())
        .caller_id(me.id)
        .run(&[admin])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Changed, "{report:?}");
    assert_eq!(portal.counters().endpoint(Endpoint::GetSelf), 1);

    // Told the caller whole, the job reads nothing about them.
    portal.reset_counters();
    let report = client
        .bulk(Change::Status(UserStatus::Active))
        .caller(&me)
        .run(&[admin, user])
        .await
        .unwrap();
    assert_eq!(report.counts.changed, 2, "{report:?}");
    assert_eq!(portal.counters().endpoint(Endpoint::GetSelf), 0);
}

#[tokio::test]
async fn credentials_the_portal_refuses_fail_the_job_before_anything_is_sent() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = told(&portal, "an-expired-token").await;
    let user = portal.id_of(USER_EMAIL).unwrap();
    for dry in [false, true] {
        let job = client.bulk(Change::Status(UserStatus::Terminated));
        let error = if dry {
            job.plan(&[user]).await.unwrap_err()
        } else {
            job.run(&[user]).await.unwrap_err()
        };
        assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
        assert!(error.to_string().contains("nothing was sent"), "{error}");
    }
    assert_eq!(portal.counters().endpoint(Endpoint::UpdateStatus), 0);
    assert_eq!(portal.user(user).unwrap().status, 1);
}
