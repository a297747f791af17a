//! The bulk engine against the fake portal's rate limiter, tuned to small numbers so the tests
//! run in seconds: it lives within the window and the in-flight limits, and the daily limit
//! stops it cleanly, to be finished the next "day".

use std::time::Duration;

use docspace_people::bulk::{BulkOptions, Change, Outcome};
use docspace_people::{Client, RetryPolicy, UserStatus, Uuid};
use docspace_people_fake::{DropMode, FakePortal, Faults, PortalConfig, RateLimit, Trigger};

fn limited(limit: RateLimit, extra_users: usize) -> FakePortal {
    FakePortal::start(
        PortalConfig::demo()
            .with_extra_users(extra_users)
            .with_rate_limit(limit),
    )
    .unwrap()
}

fn targets(portal: &FakePortal) -> Vec<Uuid> {
    portal.user_ids_where(|u| u.status == 1 && !u.is_owner && !u.is_admin && !u.is_ldap)
}

fn owner(portal: &FakePortal) -> Client {
    Client::builder(portal.base_url())
        .token(portal.owner_token())
        .retry(RetryPolicy::default().backoff(Duration::from_millis(20), Duration::from_secs(1)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_run_paces_itself_within_the_window_and_the_in_flight_limit() {
    let limit = RateLimit {
        per_window: 25,
        window: Duration::from_secs(2),
        writes_in_flight: 4,
        ..RateLimit::real()
    };
    let portal = limited(limit, 200);
    let ids = targets(&portal);
    let report = owner(&portal)
        .bulk(Change::Status(UserStatus::Terminated))
        .options(BulkOptions::default().chunk_size(10).concurrency(4))
        .run(&ids)
        .await
        .unwrap();
    assert_eq!(report.counts.changed, ids.len(), "{:?}", report.counts);
    assert!(ids.iter().all(|id| portal.user(*id).unwrap().status == 2));
    // Over two windows' worth of requests, paced on X-RateLimit-*: 429s stay rare.
    assert!(
        report.requests + report.reads > 25,
        "{} + {}",
        report.requests,
        report.reads
    );
    assert!(
        portal.rate_limited() <= 4,
        "{} 429s, {} + {}",
        portal.rate_limited(),
        report.requests,
        report.reads
    );
}

#[tokio::test]
async fn more_concurrency_than_the_server_takes_is_lowered() {
    let portal = FakePortal::start(
        PortalConfig::demo()
            .with_extra_users(400)
            .with_rate_limit(RateLimit::real())
            .with_faults(
                Faults::none()
                    .with_latency(Duration::from_millis(30), Trigger::Always)
                    .writes_only(),
            ),
    )
    .unwrap();
    let ids = targets(&portal);
    let report = owner(&portal)
        .bulk(Change::Status(UserStatus::Terminated))
        .options(BulkOptions::default().chunk_size(10).concurrency(32))
        .run(&ids)
        .await
        .unwrap();
    assert_eq!(report.counts.changed, ids.len());
    assert_eq!(portal.rate_limited(), 0, "never a 16th write in flight");
}

#[tokio::test]
async fn the_daily_limit_stops_the_run_and_the_next_day_finishes_it() {
    let limit = RateLimit {
        // 273 targets in chunks of 10 take 28 writes: 16 today, 12 tomorrow.
        writes_per_day: 16,
        ..RateLimit::real()
    };
    let portal = limited(limit, 250);
    let ids = targets(&portal);
    let job = || {
        owner(&portal)
            .bulk(Change::Status(UserStatus::Terminated))
            .options(BulkOptions::default().chunk_size(10).concurrency(2))
    };
    let first = job().run(&ids).await.unwrap();
    let stop = first.stopped_by_limit.expect("stopped by the daily limit");
    assert!(stop.wait >= Duration::from_secs(3600), "{stop:?}");
    // 16 accepted, and one refused per chunk in flight when the budget ran out.
    assert!(first.requests <= 18, "{} writes", first.requests);
    // The report is true: changed users are terminated, the rest were not sent and are not.
    for e in &first.entries {
        let status = portal.user(e.id).unwrap().status;
        match e.outcome {
            Outcome::Changed => assert_eq!(status, 2),
            Outcome::Failed => assert_eq!(status, 1, "{e:?}"),
            other => panic!("{other:?}: {e:?}"),
        }
    }
    assert!(first.counts.changed >= 100, "{:?}", first.counts);
    assert!(first.counts.failed > 0);
    assert!(first.with_outcome(Outcome::Failed).any(|e| {
        e.detail
            .as_deref()
            .is_some_and(|d| d.starts_with("not sent: the portal's rate limit"))
    }));

    portal.next_day();
    let second = job().run(&ids).await.unwrap();
    assert_eq!(second.stopped_by_limit, None);
    assert_eq!(second.counts.already_in_target, first.counts.changed);
    assert_eq!(second.counts.changed, first.counts.failed);
    assert!(ids.iter().all(|id| portal.user(*id).unwrap().status == 2));
}

#[tokio::test]
async fn lost_answers_under_the_limiter_are_still_read_back() {
    let portal = FakePortal::start(
        PortalConfig::demo()
            .with_extra_users(100)
            .with_rate_limit(RateLimit {
                per_window: 60,
                window: Duration::from_secs(1),
                ..RateLimit::real()
            })
            .with_faults(
                Faults::none()
                    .with_dropped_connection(Trigger::Rate(0.3), DropMode::AfterHandling)
                    .with_rng_seed(5),
            ),
    )
    .unwrap();
    let ids = targets(&portal);
    let report = owner(&portal)
        .bulk(Change::Status(UserStatus::Terminated))
        .options(BulkOptions::default().chunk_size(10))
        .run(&ids)
        .await
        .unwrap();
    assert_eq!(
        report.counts.changed + report.counts.unknown,
        ids.len(),
        "{:?}",
        report.counts
    );
    for e in report.with_outcome(Outcome::Changed) {
        assert_eq!(portal.user(e.id).unwrap().status, 2);
    }
}
