//! Reports that are true under faults: the engine runs against the fake portal with faults on
//! writes and reads, and every entry of the report is checked against the portal's state read
//! before and after the run, on both server generations, for status, type and quota changes.

use std::collections::HashMap;
use std::time::Duration;

use docspace_people::bulk::{BulkOptions, BulkReport, Change, Outcome};
use docspace_people::{Client, Quota, RetryPolicy, UserStatus, UserType, Uuid};
use docspace_people_fake::seed::{ADMIN_EMAIL, LDAP_USER_EMAIL, OWNER_EMAIL};
use docspace_people_fake::{
    DropMode, FakePortal, FakeUser, Faults, PortalConfig, ServerVersion, Trigger,
};

const QUOTA: i64 = 5 << 30;

/// Whether the fake's user is as `change` would make them.
fn in_target(change: &Change, user: &FakeUser) -> bool {
    match change {
        Change::Status(UserStatus::Terminated) => user.status == 2,
        Change::Type(UserType::User) => user.user_type == 4,
        Change::Quota(_) => user.quota == QUOTA,
        other => unreachable!("not used here: {other:?}"),
    }
}

/// The fault settings of the suite: drop-after at 30%, 500s, 429s (faults on reads and writes),
/// and a lost answer on every write.
fn fault_settings() -> Vec<(&'static str, Faults)> {
    vec![
        (
            "drop-after 30%",
            Faults::none().with_dropped_connection(Trigger::Rate(0.3), DropMode::AfterHandling),
        ),
        (
            "500 at 30%",
            Faults::none().with_internal_server_error(Trigger::Rate(0.3)),
        ),
        (
            "429 at 30%",
            Faults::none().with_too_many_requests(Trigger::Rate(0.3), 0),
        ),
        (
            "every write's answer lost",
            Faults::none()
                .with_dropped_connection(Trigger::Always, DropMode::AfterHandling)
                .writes_only(),
        ),
    ]
}

/// A mixed target list: changeable users, some already in the target state, the owner, the
/// caller's fellow admin, an LDAP user, an unknown id and a repeat.
fn targets(portal: &FakePortal) -> Vec<Uuid> {
    let mut ids = portal.user_ids_where(|u| !u.is_owner);
    for email in [OWNER_EMAIL, ADMIN_EMAIL, LDAP_USER_EMAIL] {
        if let Some(id) = portal.id_of(email)
            && !ids.contains(&id)
        {
            ids.insert(ids.len() / 2, id);
        }
    }
    ids.push(Uuid::from_u128(0xdead));
    ids.push(ids[5]);
    ids
}

/// Checks every entry against the state before and after; returns the discrepancies.
fn discrepancies(
    change: &Change,
    report: &BulkReport,
    before: &HashMap<Uuid, FakeUser>,
    portal: &FakePortal,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for e in &report.entries {
        let was = before.get(&e.id).map(|u| in_target(change, u));
        let now = portal.user(e.id).map(|u| in_target(change, &u));
        let true_to_state = match e.outcome {
            Outcome::Changed => was == Some(false) && now == Some(true),
            Outcome::AlreadyInTarget => was == Some(true) && now == Some(true),
            Outcome::Refused | Outcome::Failed => now != Some(true),
            // Unknown claims nothing; a new outcome would need its own rule here.
            Outcome::Unknown => true,
            other => panic!("an outcome this check does not know: {other:?}"),
        };
        if !true_to_state {
            wrong.push(format!("{e:?}: before {was:?}, after {now:?}"));
        }
    }
    wrong
}

async fn check(version: ServerVersion, change: Change, name: &str, faults: Faults) {
    let portal = FakePortal::start(
        PortalConfig::demo()
            .with_version(version)
            .with_extra_users(150)
            .with_job_duration(Duration::from_millis(1)),
    )
    .unwrap();
    let ids = targets(&portal);
    let before: HashMap<Uuid, FakeUser> =
        portal.snapshot().into_iter().map(|u| (u.id, u)).collect();
    portal.set_faults(faults.with_rng_seed(11));
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap();
    let policy = RetryPolicy::default()
        .max_attempts(10)
        .backoff(Duration::from_millis(1), Duration::from_millis(4));
    let report = client
        .bulk(change.clone())
        .options(
            BulkOptions::default()
                .chunk_size(20)
                .concurrency(4)
                .retry(policy)
                .jobs(
                    docspace_people::lifecycle::JobOptions::default()
                        .poll_interval(Duration::from_millis(1))
                        .max_poll_interval(Duration::from_millis(5)),
                ),
        )
        .run(&ids)
        .await
        .unwrap();
    portal.set_faults(Faults::none());
    let context = format!("{version} {change} under {name}: {:?}", report.counts);
    assert_eq!(report.counts.total(), ids.len() - 1, "{context}");
    let wrong = discrepancies(&change, &report, &before, &portal);
    assert!(
        wrong.is_empty(),
        "{context}: {} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(
        report.counts.unknown, 0,
        "{context}: every user could be read back"
    );
    let sample: Vec<_> = report
        .entries
        .iter()
        .filter(|e| e.outcome == Outcome::Failed)
        .take(3)
        .collect();
    assert!(
        report.counts.changed > 20,
        "{context}: the run did its job; failed for example {sample:?}"
    );
}

async fn check_all(change: Change) {
    for version in [ServerVersion::V3_6, ServerVersion::V3_7] {
        for (name, faults) in fault_settings() {
            check(version, change.clone(), name, faults).await;
        }
    }
}

#[tokio::test]
async fn status_reports_match_the_portal_under_faults() {
    check_all(Change::Status(UserStatus::Terminated)).await;
}

#[tokio::test]
async fn type_reports_match_the_portal_under_faults() {
    check_all(Change::Type(UserType::User)).await;
}

#[tokio::test]
async fn quota_reports_match_the_portal_under_faults() {
    check_all(Change::Quota(Quota::Bytes(QUOTA as u64))).await;
}

/// The example: every write's answer lost and no retries. Everyone the portal changed
/// must be reported changed, found by reading them back.
#[tokio::test]
async fn lost_answers_without_retries_are_read_back() {
    let portal = FakePortal::start(PortalConfig::demo().with_extra_users(300)).unwrap();
    let ids = portal.user_ids_where(|u| !u.is_owner && !u.is_admin && !u.is_ldap && u.status == 1);
    portal.set_faults(
        Faults::none()
            .with_dropped_connection(Trigger::Always, DropMode::AfterHandling)
            .writes_only(),
    );
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&ids)
        .await
        .unwrap();
    let terminated = ids
        .iter()
        .filter(|id| portal.user(**id).unwrap().status == 2)
        .count();
    assert_eq!(terminated, ids.len());
    assert_eq!(report.counts.changed, ids.len(), "{:?}", report.counts);
    assert!(
        report.entries[0]
            .detail
            .as_deref()
            .unwrap()
            .starts_with("confirmed by reading the user back"),
        "{:?}",
        report.entries[0]
    );
}

/// Ids given as UUIDs are already-in-target when they are, without a known-users hint.
#[tokio::test]
async fn users_already_in_target_are_found_by_reading_them() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let terminated = portal.user_ids_where(|u| u.status == 2);
    let active =
        portal.user_ids_where(|u| u.status == 1 && !u.is_admin && !u.is_owner && !u.is_ldap);
    let mut ids = terminated.clone();
    ids.extend(&active[..3]);
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap();
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&ids)
        .await
        .unwrap();
    assert_eq!(report.counts.already_in_target, terminated.len());
    assert_eq!(report.counts.changed, 3);
    assert_eq!(report.requests, 1, "only the three active users were sent");
}

/// `type set room-admin <a room admin> <the owner>` on 3.7: the room admin is already one, the
/// owner is refused; nobody is "changed".
#[tokio::test]
async fn a_room_admin_and_the_owner_are_not_reported_changed() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let room_admin = portal.user_ids_where(|u| u.user_type == 1 && u.status == 1 && !u.is_admin)[0];
    let owner = portal.id_of(OWNER_EMAIL).unwrap();
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap();
    let report = client
        .bulk(Change::Type(UserType::RoomAdmin))
        .run(&[room_admin, owner])
        .await
        .unwrap();
    let outcomes: Vec<Outcome> = report.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::AlreadyInTarget, Outcome::Refused],
        "{report:?}"
    );
}
