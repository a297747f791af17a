//! The bulk engine against the fake portal: per-id accounting under every fault knob, isolation
//! of refused ids on 3.7, detection of skipped ids on 3.6, duplicates, cancellation, progress.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use docspace_people::bulk::{BulkOptions, BulkReport, Change, Outcome};
use docspace_people::{Client, Quota, RetryPolicy, UserQuery, UserStatus, UserType, Uuid};
use docspace_people_fake::seed::{GUEST_EMAIL, LDAP_USER_EMAIL, OWNER_EMAIL};
use docspace_people_fake::{DropMode, FakePortal, Faults, PortalConfig, ServerVersion, Trigger};
use futures::TryStreamExt;

fn owner(portal: &FakePortal) -> Client {
    Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap()
}

fn fast() -> BulkOptions {
    BulkOptions::default().chunk_size(50).concurrency(4).retry(
        RetryPolicy::default()
            .max_attempts(30)
            .backoff(Duration::from_millis(1), Duration::from_millis(5)),
    )
}

/// Active, non-admin, non-LDAP users: changeable by the owner.
fn changeable(portal: &FakePortal) -> Vec<Uuid> {
    portal
        .user_ids_where(|u| u.status == 1 && !u.is_admin && !u.is_ldap && u.activation_status == 1)
}

/// Every distinct input id exactly once, in input order.
fn assert_accounted(report: &BulkReport, input: &[Uuid]) {
    let mut seen = HashSet::new();
    let distinct: Vec<Uuid> = input
        .iter()
        .copied()
        .filter(|id| seen.insert(*id))
        .collect();
    let reported: Vec<Uuid> = report.entries.iter().map(|e| e.id).collect();
    assert_eq!(reported, distinct, "every id exactly once, in input order");
    assert_eq!(report.counts.total(), distinct.len());
    assert_eq!(report.duplicates.len(), input.len() - distinct.len());
}

#[tokio::test]
async fn terminates_everyone_except_the_protected_on_37() {
    let portal = FakePortal::start(PortalConfig::demo().with_extra_users(1000)).unwrap();
    let mut targets = changeable(&portal);
    let owner_id = portal.id_of(OWNER_EMAIL).unwrap();
    let ldap = portal.id_of(LDAP_USER_EMAIL).unwrap();
    let unknown = Uuid::from_u128(99);
    targets.insert(10, owner_id);
    targets.insert(500, ldap);
    targets.push(unknown);
    let report = owner(&portal)
        .bulk(Change::Status(UserStatus::Terminated))
        .options(fast())
        .run(&targets)
        .await
        .unwrap();
    assert_accounted(&report, &targets);
    let refused: HashSet<Uuid> = report
        .with_outcome(Outcome::Refused)
        .map(|e| e.id)
        .collect();
    assert_eq!(refused, HashSet::from([owner_id, ldap, unknown]));
    for e in report.with_outcome(Outcome::Refused) {
        let detail = e.detail.as_deref().unwrap();
        let expected = match e.id {
            id if id == unknown => "no user has this id",
            id if id == owner_id => "the portal owner",
            _ => "an LDAP user",
        };
        assert!(detail.starts_with(expected), "{detail}");
        // The owner and the LDAP user are among the deciding users, read before sending; an id
        // no user has cannot be told from an active member until the server refuses it.
        let when = if e.id == unknown {
            "after sending"
        } else {
            "not sent"
        };
        assert!(detail.ends_with(when), "{detail}");
        if e.id == unknown {
            assert_eq!(e.prior, None, "nothing was recorded of an id no user has");
        }
    }
    // The chunk with the unknown id is refused whole (3.7) and halved down to it.
    let chunks = (targets.len() - 2).div_ceil(50);
    let halvings = 2 * 50usize.ilog2() as usize + 2;
    assert!(
        (chunks..=chunks + halvings).contains(&report.requests),
        "{} writes for {chunks} chunks",
        report.requests
    );
    // The first page of the list, the four deciding groups (one page each here), the caller,
    // and the unknown id read once it is isolated: not the 1,000-user list, nor each target.
    assert!(report.reads <= 8, "{} reads", report.reads);
    assert_eq!(report.counts.changed, targets.len() - 3);
    for entry in report.with_outcome(Outcome::Changed) {
        assert_eq!(
            portal.user(entry.id).unwrap().status,
            2,
            "{} terminated",
            entry.id
        );
    }
    assert_eq!(portal.user(owner_id).unwrap().status, 1);
}

/// The LDAP user as the caller believes them to be, but not as they are: without the flag.
/// The engine trusts what it is given, so the server's own refusal has to be found: what the
/// prediction misses.
async fn stale_ldap(client: &Client, portal: &FakePortal) -> docspace_people::User {
    let mut ldap = client
        .user(portal.id_of(LDAP_USER_EMAIL).unwrap())
        .await
        .unwrap();
    ldap.is_ldap = Some(false);
    ldap
}

#[tokio::test]
async fn isolates_refusals_the_prediction_missed_on_37() {
    let portal = FakePortal::start(PortalConfig::demo().with_extra_users(300)).unwrap();
    let client = owner(&portal);
    let mut targets = changeable(&portal);
    let owner_id = portal.id_of(OWNER_EMAIL).unwrap();
    let ldap = portal.id_of(LDAP_USER_EMAIL).unwrap();
    targets.insert(10, owner_id);
    targets.insert(200, ldap);
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .options(fast())
        .known_users([stale_ldap(&client, &portal).await])
        .run(&targets)
        .await
        .unwrap();
    assert_accounted(&report, &targets);
    let refused: HashSet<Uuid> = report
        .with_outcome(Outcome::Refused)
        .map(|e| e.id)
        .collect();
    assert_eq!(refused, HashSet::from([owner_id, ldap]));
    let detail_of = |id| {
        let e = report.entries.iter().find(|e| e.id == id).unwrap();
        e.detail.clone().unwrap_or_default()
    };
    assert_eq!(detail_of(ldap), "Access denied");
    assert!(detail_of(owner_id).starts_with("the portal owner"));
    assert_eq!(report.counts.changed, targets.len() - 2);
    assert!(
        report.requests > targets.len().div_ceil(50),
        "chunks were split: {}",
        report.requests
    );
    assert_eq!(portal.user(owner_id).unwrap().status, 1);
    assert_eq!(portal.user(ldap).unwrap().status, 1);
}

#[tokio::test]
async fn detects_skipped_and_dropped_ids_on_36() {
    let portal = FakePortal::start(PortalConfig::demo().with_version(ServerVersion::V3_6)).unwrap();
    let client = owner(&portal);
    let mut targets = changeable(&portal);
    let owner_id = portal.id_of(OWNER_EMAIL).unwrap();
    let ldap = portal.id_of(LDAP_USER_EMAIL).unwrap();
    targets.extend([owner_id, ldap, Uuid::from_u128(5)]);
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .options(fast())
        .known_users([stale_ldap(&client, &portal).await])
        .run(&targets)
        .await
        .unwrap();
    assert_accounted(&report, &targets);
    let refused: Vec<Uuid> = report
        .with_outcome(Outcome::Refused)
        .map(|e| e.id)
        .collect();
    assert_eq!(refused, [owner_id, ldap, Uuid::from_u128(5)]);
    let owner_entry = report.entries.iter().find(|e| e.id == owner_id).unwrap();
    assert!(owner_entry.detail.as_deref().unwrap().ends_with("not sent"));
    let ldap_entry = report.entries.iter().find(|e| e.id == ldap).unwrap();
    assert!(
        ldap_entry
            .detail
            .as_deref()
            .unwrap()
            .contains("left this user out"),
        "{ldap_entry:?}"
    );
    assert!(
        report.requests <= 2,
        "no splitting needed on 3.6: {}",
        report.requests
    );
}

#[tokio::test]
async fn a_36_server_returning_a_user_unchanged_is_a_refusal() {
    let portal = FakePortal::start(PortalConfig::demo().with_version(ServerVersion::V3_6)).unwrap();
    let client = owner(&portal);
    let room_admin = portal.user_ids_where(|u| u.user_type == 1 && !u.is_admin)[0];
    // Believed a guest, so a promotion to User looks possible; it is a demotion.
    let mut stale = client.user(room_admin).await.unwrap();
    stale.is_room_admin = Some(false);
    stale.is_visitor = Some(true);
    let report = client
        .bulk(Change::Type(UserType::User))
        .known_users([stale])
        .run(&[room_admin])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Refused);
    assert!(
        report.entries[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("unchanged")
    );
    assert_eq!(portal.user(room_admin).unwrap().user_type, 1);
}

#[tokio::test]
async fn type_changes_isolate_the_forbidden_user_and_keep_earlier_changes() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let guests = portal.user_ids_where(|u| u.user_type == 2 && u.status == 1);
    let already_user =
        portal.user_ids_where(|u| u.user_type == 4 && u.status == 1 && !u.is_ldap)[0];
    assert!(guests.len() >= 2);
    // A guest, a user already of type 4 (a no-op: 403 on 3.7), then more guests.
    let mut targets = vec![guests[0], already_user];
    targets.extend(&guests[1..]);
    let report = owner(&portal)
        .bulk(Change::Type(UserType::User))
        .options(fast())
        .run(&targets)
        .await
        .unwrap();
    assert_accounted(&report, &targets);
    for guest in &guests {
        assert_eq!(portal.user(*guest).unwrap().user_type, 4);
        let e = report.entries.iter().find(|e| e.id == *guest).unwrap();
        assert_eq!(e.outcome, Outcome::Changed, "{e:?}");
    }
    let e = report
        .entries
        .iter()
        .find(|e| e.id == already_user)
        .unwrap();
    assert_eq!(e.outcome, Outcome::AlreadyInTarget, "{e:?}");
}

#[tokio::test]
async fn known_users_already_in_target_are_not_sent() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let terminated: Vec<_> = client
        .find_all_users(UserQuery::new().status(UserStatus::Terminated))
        .try_collect()
        .await
        .unwrap();
    assert!(!terminated.is_empty());
    let ids: Vec<Uuid> = terminated.iter().map(|u| u.id).collect();
    portal.reset_counters();
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .known_users(terminated)
        .run(&ids)
        .await
        .unwrap();
    assert_eq!(report.counts.already_in_target, ids.len());
    assert_eq!(report.requests, 0);
    assert_eq!(report.reads, 0);
    assert_eq!(
        portal.request_count(),
        1,
        "only the server's version was asked"
    );
}

async fn run_under(faults: Faults, change: Change) -> (FakePortal, Vec<Uuid>, BulkReport) {
    let portal = FakePortal::start(PortalConfig::demo().with_extra_users(600)).unwrap();
    let mut targets = changeable(&portal);
    let dup = targets[3];
    targets.push(dup);
    portal.set_faults(faults.writes_only().with_rng_seed(7));
    let report = owner(&portal)
        .bulk(change)
        .options(fast())
        .run(&targets)
        .await
        .unwrap();
    assert_accounted(&report, &targets);
    assert_eq!(report.duplicates[0].id, dup);
    (portal, targets, report)
}

#[tokio::test]
async fn nothing_is_lost_or_counted_twice_under_any_fault() {
    let knobs = [
        Faults::none().with_too_many_requests(Trigger::Rate(0.3), 0),
        Faults::none().with_internal_server_error(Trigger::Rate(0.3)),
        Faults::none().with_bad_gateway(Trigger::EveryNth(2)),
        Faults::none().with_dropped_connection(Trigger::Rate(0.3), DropMode::BeforeHandling),
        Faults::none().with_dropped_connection(Trigger::Rate(0.3), DropMode::AfterHandling),
        Faults::none().with_latency(Duration::from_millis(5), Trigger::Rate(0.5)),
    ];
    for faults in knobs {
        let shown = format!("{faults:?}");
        let (portal, _, report) = run_under(faults, Change::Quota(Quota::Bytes(3 << 30))).await;
        assert_eq!(report.counts.failed, 0, "{shown}: {:?}", report.counts);
        assert_eq!(report.counts.changed, report.entries.len(), "{shown}");
        assert!(
            report
                .entries
                .iter()
                .all(|e| portal.user(e.id).unwrap().quota == 3 << 30)
        );
    }
}

#[tokio::test]
async fn persistent_failures_are_reported_per_id() {
    let (portal, _, report) = run_under(
        Faults::none().with_internal_server_error(Trigger::Always),
        Change::Status(UserStatus::Terminated),
    )
    .await;
    assert_eq!(report.counts.failed, report.entries.len());
    assert!(
        report
            .entries
            .iter()
            .all(|e| e.detail.as_deref().unwrap().contains("server error (500)"))
    );
    assert!(
        report
            .entries
            .iter()
            .all(|e| portal.user(e.id).unwrap().status == 1)
    );
}

#[tokio::test]
async fn cancelling_stops_sending_and_still_accounts() {
    let portal = FakePortal::start(PortalConfig::demo().with_extra_users(300)).unwrap();
    let targets = changeable(&portal);
    let progress_calls = Arc::new(AtomicUsize::new(0));
    let calls = Arc::clone(&progress_calls);
    let job = owner(&portal)
        .bulk(Change::Status(UserStatus::Terminated))
        .options(fast().chunk_size(10).concurrency(1));
    let cancel = job.cancel_token();
    // Cancel as soon as the first chunk is settled: deterministic, no timing involved.
    let job = job.on_progress(move |p| {
        assert!(p.done <= p.total);
        calls.fetch_add(1, Ordering::Relaxed);
        if p.requests > 0 {
            cancel.cancel();
        }
    });
    let report = job.run(&targets).await.unwrap();
    assert!(report.cancelled);
    assert_accounted(&report, &targets);
    assert_eq!(report.requests, 1, "one chunk sent, then none");
    assert_eq!(report.counts.changed, 10, "{:?}", report.counts);
    assert_eq!(report.counts.failed, targets.len() - 10);
    for e in &report.entries {
        let status = portal.user(e.id).unwrap().status;
        match e.outcome {
            Outcome::Changed => assert_eq!(status, 2),
            Outcome::Failed => {
                assert_eq!(status, 1);
                assert!(e.detail.as_deref().unwrap().contains("cancelled"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(progress_calls.load(Ordering::Relaxed) >= 2);
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let id = portal.id_of(GUEST_EMAIL).unwrap();
    portal.reset_counters();
    let active = Change::Status(UserStatus::Active);
    let cases = [
        (active.clone(), BulkOptions::default(), vec![]),
        (
            Change::Status(UserStatus::All),
            BulkOptions::default(),
            vec![id],
        ),
        (
            Change::Type(UserType::All),
            BulkOptions::default(),
            vec![id],
        ),
        (
            Change::Quota(Quota::Bytes(u64::MAX)),
            BulkOptions::default(),
            vec![id],
        ),
        (active, BulkOptions::default().chunk_size(0), vec![id]),
    ];
    for (change, options, ids) in cases {
        let shown = format!("{change:?} {options:?} {ids:?}");
        let result = client.bulk(change).options(options).run(&ids).await;
        assert!(
            matches!(result, Err(docspace_people::Error::InvalidInput(_))),
            "{shown}"
        );
    }
    assert_eq!(portal.request_count(), 0);
}

#[tokio::test]
async fn failures_keep_the_whole_cause_in_the_report() {
    let (_portal, _, report) = run_under(
        Faults::none().with_dropped_connection(Trigger::Always, DropMode::BeforeHandling),
        Change::Status(UserStatus::Terminated),
    )
    .await;
    assert_eq!(report.counts.failed, report.entries.len());
    let detail = report.entries[0].detail.as_deref().unwrap();
    assert!(
        detail.starts_with("not changed (read back): transport error ("),
        "{detail}"
    );
    assert!(
        detail.matches(": ").count() >= 1,
        "the causes follow: {detail}"
    );
}

/// A run that keeps no entries (`keep_entries(false)`, for runs of millions) passes the hook the
/// same entries, priors included, as a run that keeps them, each distinct id once.
#[tokio::test]
async fn entries_passed_only_to_the_hook_are_those_a_kept_report_has() {
    let run = |keep: bool| async move {
        let portal = FakePortal::start(PortalConfig::demo().with_extra_users(700)).unwrap();
        let mut targets = portal.user_ids_where(|_| true);
        let first = targets[3];
        targets.insert(9, first);
        targets.push(Uuid::from_u128(42));
        targets.push(first);
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let hook = Arc::clone(&seen);
        let report = owner(&portal)
            .bulk(Change::Status(UserStatus::Terminated))
            .options(fast().keep_entries(keep))
            .on_entries(move |entries| hook.lock().unwrap().extend_from_slice(entries))
            .run(&targets)
            .await
            .unwrap();
        let mut passed = std::mem::take(&mut *seen.lock().unwrap());
        passed.sort_by_key(|e| e.position);
        for entry in passed.iter().filter(|e| e.outcome == Outcome::Changed) {
            assert_eq!(portal.user(entry.id).unwrap().status, 2, "{entry:?}");
            assert_ne!(
                entry.prior.as_ref().and_then(|p| p.status.clone()),
                Some(UserStatus::Terminated)
            );
        }
        (targets, report, passed)
    };
    let (targets, kept, passed_kept) = run(true).await;
    let (_, streamed, passed) = run(false).await;
    assert_accounted(&kept, &targets);
    assert!(streamed.entries.is_empty());
    assert_eq!(passed, kept.entries, "the hook sees what the report keeps");
    assert_eq!(passed_kept, kept.entries);
    assert_eq!(streamed.counts, kept.counts);
    assert_eq!(streamed.duplicates, kept.duplicates);
    assert_eq!(streamed.duplicates.len(), 2);
    assert!(kept.counts.changed > 700 && kept.counts.already_in_target > 0);
    assert!(
        passed
            .iter()
            .all(|e| e.prior.is_some() || e.outcome == Outcome::Refused),
        "every user read has a prior"
    );
}

#[tokio::test]
async fn the_write_ahead_hook_runs_before_each_request_with_the_priors() {
    let portal = Arc::new(FakePortal::start(PortalConfig::demo()).unwrap());
    let targets = changeable(&portal);
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (hook_portal, hook_seen) = (Arc::clone(&portal), Arc::clone(&seen));
    let report = owner(&portal)
        .bulk(Change::Status(UserStatus::Terminated))
        .options(fast().chunk_size(7))
        .on_sending(move |users| {
            for (id, prior) in users {
                // Announced before the request: the portal has not changed them yet.
                let now = hook_portal.user(*id).unwrap().status;
                let before = prior.as_ref().and_then(|p| p.status.clone());
                hook_seen.lock().unwrap().push((*id, now, before));
            }
        })
        .run(&targets)
        .await
        .unwrap();
    assert_eq!(report.counts.changed, targets.len());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), targets.len(), "every sent user announced once");
    assert!(
        seen.iter()
            .all(|(_, now, before)| *now == 1 && *before == Some(UserStatus::Active)),
        "{seen:?}"
    );
}

#[tokio::test]
async fn entries_are_named_on_request() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let mut ids = changeable(&portal)[..3].to_vec();
    ids.push(Uuid::from_u128(5));
    let mut report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .options(fast())
        .run(&ids)
        .await
        .unwrap();
    assert!(
        report.entries.iter().all(|e| e.email.is_none()),
        "not named by the run"
    );
    client.name_entries(&mut report.entries, 2).await.unwrap();
    for entry in &report.entries {
        match portal.user(entry.id) {
            Some(user) => {
                assert_eq!(
                    entry.email.as_deref(),
                    Some(user.email.as_str()),
                    "{entry:?}"
                );
                assert!(entry.display_name.is_some(), "{entry:?}");
            }
            None => assert_eq!(entry.email, None, "an unknown id has no name"),
        }
    }
}
