//! Demotions through the type-change job, data reassignment, deletion and offboarding, against
//! the fake portal's jobs (with short durations, so each test runs in well under a second).

use std::time::Duration;

use docspace_people::bulk::{BulkOptions, Change, Outcome};
use docspace_people::lifecycle::{JobEnd, JobOptions, OffboardOptions, Step};
use docspace_people::{Client, Error, RetryPolicy, UserStatus, UserType, Uuid};
use docspace_people_fake::seed::OWNER_EMAIL;
use docspace_people_fake::{FakePortal, PortalConfig, ServerVersion};

const ROOM_ADMIN: i32 = 1;
const GUEST: i32 = 2;
const ADMIN: i32 = 3;
const USER: i32 = 4;

fn portal(version: ServerVersion) -> FakePortal {
    FakePortal::start(
        PortalConfig::demo()
            .with_version(version)
            .with_job_duration(Duration::from_millis(20)),
    )
    .unwrap()
}

fn owner(portal: &FakePortal) -> Client {
    Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap()
}

fn quick_jobs() -> JobOptions {
    JobOptions::default()
        .poll_interval(Duration::from_millis(5))
        .max_poll_interval(Duration::from_millis(20))
}

fn options() -> BulkOptions {
    BulkOptions::default()
        .jobs(quick_jobs())
        .job_concurrency(3)
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(5)))
}

/// Active users of this type who are not the owner, LDAP or pending.
fn active_of_type(portal: &FakePortal, user_type: i32) -> Vec<Uuid> {
    portal.user_ids_where(|u| {
        u.user_type == user_type
            && u.status == 1
            && !u.is_owner
            && !u.is_ldap
            && u.activation_status == 1
    })
}

fn type_of(portal: &FakePortal, id: Uuid) -> i32 {
    portal.user(id).unwrap().user_type
}

#[tokio::test]
async fn every_allowed_demotion_completes_and_moves_rooms_to_the_receiver() {
    let portal = portal(ServerVersion::V3_7);
    let admins = active_of_type(&portal, ADMIN);
    let room_admins = active_of_type(&portal, ROOM_ADMIN);
    let users = active_of_type(&portal, USER);
    assert!(admins.len() >= 3 && room_admins.len() >= 2 && !users.is_empty());
    let receiver = admins[2];
    // (who, to): DocSpace admin and room admin to User and to Guest, User to Guest.
    let to_user = [admins[0], room_admins[0]];
    let to_guest = [admins[1], room_admins[1], users[0]];
    for id in to_user.iter().chain(&to_guest) {
        assert!(portal.set_rooms_owned(*id, 2));
    }
    let before = portal.user(receiver).unwrap().rooms_owned;
    let client = owner(&portal);
    for (to, ids) in [
        (UserType::User, &to_user[..]),
        (UserType::Guest, &to_guest[..]),
    ] {
        let report = client
            .bulk(Change::Type(to.clone()))
            .options(options())
            .reassign_to(receiver)
            .run(ids)
            .await
            .unwrap();
        for entry in &report.entries {
            assert_eq!(entry.outcome, Outcome::Changed, "{entry:?}");
            assert!(entry.prior.is_some());
        }
        assert_eq!(report.requests, ids.len(), "one job start each, no PUT");
    }
    for id in to_user {
        assert_eq!(type_of(&portal, id), USER);
        assert_eq!(portal.user(id).unwrap().rooms_owned, 0);
    }
    for id in to_guest {
        assert_eq!(type_of(&portal, id), GUEST);
    }
    // Users own no rooms in the seed; the five set above moved.
    assert_eq!(portal.user(receiver).unwrap().rooms_owned, before + 10);
}

#[tokio::test]
async fn promotions_and_demotions_mixed_go_their_own_ways() {
    let portal = portal(ServerVersion::V3_7);
    let room_admin = active_of_type(&portal, ROOM_ADMIN)[0];
    let guest = active_of_type(&portal, GUEST)[0];
    let user = active_of_type(&portal, USER)[0];
    let report = owner(&portal)
        .bulk(Change::Type(UserType::User))
        .options(options())
        .run(&[room_admin, guest, user])
        .await
        .unwrap();
    let outcomes: Vec<Outcome> = report.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Changed, Outcome::Changed, Outcome::AlreadyInTarget]
    );
    assert_eq!(
        report.requests, 2,
        "one PUT for the guest, one job for the room admin"
    );
    assert_eq!(type_of(&portal, room_admin), USER);
    assert_eq!(type_of(&portal, guest), USER);
}

#[tokio::test]
async fn forbidden_demotions_are_refused_before_or_by_the_server() {
    let portal = portal(ServerVersion::V3_7);
    let client = owner(&portal);
    let user = active_of_type(&portal, USER)[0];
    let guest = active_of_type(&portal, GUEST)[0];
    let owner_id = portal.id_of(OWNER_EMAIL).unwrap();

    // Predicted: the owner and yourself; nothing is sent for them.
    let report = client
        .bulk(Change::Type(UserType::Guest))
        .options(options())
        .run(&[owner_id])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Refused);
    assert_eq!(report.requests, 0);

    // The job only sets Guest or User: refused before sending.
    let err = client
        .start_type_change(user, UserType::RoomAdmin, None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");

    // A guest cannot receive rooms: the server's 400, with its message.
    let err = client
        .start_type_change(user, UserType::Guest, Some(guest))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::BadRequest { message: Some(m), .. } if m.contains("Can not reassign")),
        "{err:?}"
    );
    // ... and the engine checks a receiver before anything is sent.
    let err = client
        .bulk(Change::Type(UserType::Guest))
        .options(options())
        .reassign_to(guest)
        .run(&[user])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Precondition { user: u, .. } if u == guest),
        "{err:?}"
    );
    // ... and one who is among the users to change.
    let admin = active_of_type(&portal, ADMIN)[0];
    let err = client
        .bulk(Change::Type(UserType::Guest))
        .options(options())
        .reassign_to(admin)
        .run(&[user, admin])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Precondition { user: u, .. } if u == admin),
        "{err:?}"
    );
    assert_eq!(type_of(&portal, user), USER);
}

#[tokio::test]
async fn a_failed_job_is_reported_with_its_error_text() {
    let portal = portal(ServerVersion::V3_7);
    let [doomed, fine] = active_of_type(&portal, USER)[..2] else {
        panic!("two users")
    };
    portal.fail_job_for(doomed, "Disk on fire");
    let report = owner(&portal)
        .bulk(Change::Type(UserType::Guest))
        .options(options())
        .run(&[doomed, fine])
        .await
        .unwrap();
    let failed = &report.entries[0];
    assert_eq!(failed.outcome, Outcome::Failed);
    let detail = failed.detail.as_deref().unwrap();
    assert!(detail.contains("Disk on fire"), "{detail}");
    assert_eq!(report.entries[1].outcome, Outcome::Changed);
    assert_eq!(type_of(&portal, doomed), USER);
    assert_eq!(type_of(&portal, fine), GUEST);
}

#[tokio::test]
async fn cancelling_mid_job_terminates_it_and_reports_the_user_unchanged() {
    let portal = portal(ServerVersion::V3_7);
    let user = active_of_type(&portal, USER)[0];
    portal.pause_jobs(true);
    let client = owner(&portal);
    let job = client
        .bulk(Change::Type(UserType::Guest))
        .options(options());
    let cancel = job.cancel_token();
    let watcher = {
        let client = client.clone();
        tokio::spawn(async move {
            // Wait for the condition (the job exists on the server), then cancel.
            while client.type_change_progress(user).await.unwrap().is_none() {
                tokio::task::yield_now().await;
            }
            cancel.cancel();
        })
    };
    let report = job.run(&[user]).await.unwrap();
    watcher.await.unwrap();
    let entry = &report.entries[0];
    assert_eq!(entry.outcome, Outcome::Failed, "{entry:?}");
    assert!(
        entry.detail.as_deref().unwrap().contains("cancelled"),
        "{entry:?}"
    );
    portal.pause_jobs(false);
    portal.wait_jobs_idle().await;
    assert_eq!(
        type_of(&portal, user),
        USER,
        "a terminated job changes nothing"
    );
}

#[tokio::test]
async fn a_job_record_that_vanished_is_settled_by_reading_the_user_back() {
    let portal = FakePortal::start(
        PortalConfig::demo()
            .with_job_duration(Duration::from_millis(5))
            .with_job_record_ttl(Duration::ZERO),
    )
    .unwrap();
    let [gone_well, gone_bad] = active_of_type(&portal, USER)[..2] else {
        panic!("two users")
    };
    portal.fail_job_for(gone_bad, "Disk on fire");
    let slow_polls = options().jobs(
        JobOptions::default()
            .poll_interval(Duration::from_millis(200))
            .max_poll_interval(Duration::from_millis(200)),
    );
    let report = owner(&portal)
        .bulk(Change::Type(UserType::Guest))
        .options(slow_polls)
        .run(&[gone_well, gone_bad])
        .await
        .unwrap();
    let [well, bad] = &report.entries[..] else {
        panic!("two entries")
    };
    assert_eq!(well.outcome, Outcome::Changed, "{well:?}");
    assert!(
        well.detail.as_deref().unwrap().contains("vanished"),
        "{well:?}"
    );
    assert_eq!(bad.outcome, Outcome::Failed, "{bad:?}");
    assert!(
        bad.detail.as_deref().unwrap().contains("vanished"),
        "{bad:?}"
    );
}

#[tokio::test]
async fn reassignment_then_deletion() {
    let portal = portal(ServerVersion::V3_7);
    let client = owner(&portal);
    let leaver = active_of_type(&portal, ROOM_ADMIN)[0];
    let receiver = active_of_type(&portal, ADMIN)[0];
    assert!(portal.set_rooms_owned(leaver, 3));
    let before = portal.user(receiver).unwrap().rooms_owned;

    // Active users keep their data and their account: refused before sending.
    let err = client
        .reassign_data(leaver, receiver, false, &quick_jobs(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Precondition { user, .. } if user == leaver),
        "{err:?}"
    );
    let err = client.delete_user(leaver).await.unwrap_err();
    assert!(
        matches!(&err, Error::Precondition { user, reason } if *user == leaver && reason.contains("not terminated")),
        "{err:?}"
    );
    assert!(portal.user(leaver).is_some());

    client
        .set_status(UserStatus::Terminated, &[leaver])
        .await
        .unwrap();
    let end = client
        .reassign_data(leaver, receiver, false, &quick_jobs(), None)
        .await
        .unwrap();
    assert!(matches!(end, JobEnd::Completed(_)), "{end:?}");
    assert_eq!(portal.user(receiver).unwrap().rooms_owned, before + 3);
    assert!(!client.reassign_necessary(leaver, None).await.unwrap());

    let deleted = client.delete_user(leaver).await.unwrap();
    assert_eq!(deleted.id, leaver);
    assert!(portal.user(leaver).is_none());
    assert!(matches!(
        client.user(leaver).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn offboarding_stops_each_user_at_the_first_failed_step() {
    let portal = portal(ServerVersion::V3_7);
    let client = owner(&portal);
    let receiver = active_of_type(&portal, ADMIN)[0];
    let users = active_of_type(&portal, USER);
    let (a, b) = (users[0], users[1]);
    let owner_id = portal.id_of(OWNER_EMAIL).unwrap();
    portal.fail_job_for(b, "Disk on fire");
    let report = client
        .offboard(
            OffboardOptions::default()
                .receiver(receiver)
                .delete(true)
                .bulk(options()),
        )
        .run(&[a, b, owner_id])
        .await
        .unwrap();
    assert_eq!(report.steps, [Step::Disable, Step::Reassign, Step::Delete]);
    let steps = |i: usize| -> Vec<(Step, Outcome)> {
        report.users[i]
            .steps
            .iter()
            .map(|s| (s.step, s.outcome))
            .collect()
    };
    assert_eq!(
        steps(0),
        [
            (Step::Disable, Outcome::Changed),
            (Step::Reassign, Outcome::Changed),
            (Step::Delete, Outcome::Changed)
        ]
    );
    assert_eq!(
        steps(1),
        [
            (Step::Disable, Outcome::Changed),
            (Step::Reassign, Outcome::Failed)
        ]
    );
    assert_eq!(steps(2), [(Step::Disable, Outcome::Refused)]);
    assert_eq!(report.completed(), 1);
    assert!(portal.user(a).is_none(), "deleted");
    assert_eq!(portal.user(b).unwrap().status, 2, "disabled, not deleted");
    assert_eq!(portal.user(owner_id).unwrap().status, 1);
}

#[tokio::test]
async fn demotion_is_unsupported_on_30_and_runs_the_job_on_36() {
    let old = portal(ServerVersion::V3_0);
    let user = active_of_type(&old, USER)[0];
    let report = owner(&old)
        .bulk(Change::Type(UserType::Guest))
        .options(options())
        .run(&[user])
        .await
        .unwrap();
    let entry = &report.entries[0];
    assert_eq!(entry.outcome, Outcome::Refused);
    assert!(
        entry.detail.as_deref().unwrap().contains("unsupported"),
        "{entry:?}"
    );
    assert_eq!(report.requests, 0, "nothing sent");
    assert!(matches!(
        owner(&old)
            .start_type_change(user, UserType::Guest, None)
            .await,
        Err(Error::Unsupported(_))
    ));

    let v36 = portal(ServerVersion::V3_6);
    let room_admin = active_of_type(&v36, ROOM_ADMIN)[0];
    let report = owner(&v36)
        .bulk(Change::Type(UserType::Guest))
        .options(options())
        .run(&[room_admin])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Changed, "{report:?}");
    assert_eq!(type_of(&v36, room_admin), GUEST);
}

#[tokio::test]
async fn a_room_admin_caller_gets_the_jobs_failure_not_a_success() {
    let portal = portal(ServerVersion::V3_7);
    let room_admin = docspace_people_fake::seed::ROOM_ADMIN_EMAIL;
    let token = portal.token_for(room_admin).unwrap();
    let client = Client::builder(portal.base_url())
        .token(token)
        .build()
        .unwrap();
    let user = active_of_type(&portal, USER)[0];
    let first = client
        .start_type_change(user, UserType::Guest, None)
        .await
        .unwrap();
    assert!(!first.is_completed);
    // The room admin cannot read the job's progress (403): the user's type is what tells.
    portal.wait_jobs_idle().await;
    assert_eq!(type_of(&portal, user), USER);
    // The engine knows the job fails for them, and sends nothing.
    let report = client
        .bulk(Change::Type(UserType::Guest))
        .options(options())
        .run(&[user])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Refused, "{report:?}");
    assert_eq!(report.requests, 0);
}

#[tokio::test]
async fn workspace_deletion_destroys_documents_and_needs_an_acknowledgement() {
    let portal = portal(ServerVersion::Workspace12_7);
    let client = Client::login(
        portal.base_url(),
        OWNER_EMAIL,
        docspace_people_fake::seed::OWNER_PASSWORD,
    )
    .await
    .unwrap();
    let leavers = portal.user_ids_where(|u| u.status == 1 && !u.is_admin && !u.is_ldap);
    let (first, second) = (leavers[0], leavers[1]);
    client
        .set_status(UserStatus::Terminated, &[first, second])
        .await
        .unwrap();

    // A single deletion: refused before sending, then deleted when acknowledged.
    let err = client.delete_user(first).await.unwrap_err();
    assert!(
        matches!(&err, Error::Precondition { user, reason } if *user == first && reason.contains("My Documents")),
        "{err:?}"
    );
    assert!(portal.user(first).is_some() && portal.destroyed_documents().is_empty());
    client
        .delete_user_destroying_documents(first)
        .await
        .unwrap();
    assert!(portal.user(first).is_none());
    assert_eq!(portal.destroyed_documents(), [first]);

    // Offboarding with deletion: refused whole, nothing sent, without the acknowledgement.
    let err = client
        .offboard(OffboardOptions::default().delete(true).bulk(options()))
        .run(&[second])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unsupported(ref m) if m.contains("Talk files")),
        "{err:?}"
    );
    assert!(portal.user(second).is_some());
    let report = client
        .offboard(
            OffboardOptions::default()
                .delete(true)
                .destroy_documents(true)
                .bulk(options()),
        )
        .run(&[second])
        .await
        .unwrap();
    assert_eq!(report.completed(), 1, "{report:?}");
    assert_eq!(portal.destroyed_documents(), [first, second]);
}

#[tokio::test]
async fn workspace_offboarding_reassigns_before_it_deletes_and_destroys_nothing() {
    let portal = portal(ServerVersion::Workspace12_7);
    let client = Client::login(
        portal.base_url(),
        OWNER_EMAIL,
        docspace_people_fake::seed::OWNER_PASSWORD,
    )
    .await
    .unwrap();
    // A plain Workspace user may receive (any active non-visitor there).
    let plain =
        portal.user_ids_where(|u| u.status == 1 && !u.is_admin && !u.is_ldap && u.user_type == 4);
    let (receiver, leavers) = (plain[0], [plain[1], plain[2]]);
    let report = client
        .offboard(
            OffboardOptions::default()
                .receiver(receiver)
                .delete(true)
                .bulk(options()),
        )
        .run(&leavers)
        .await
        .unwrap();
    assert_eq!(report.completed(), 2, "{report:?}");
    for leaver in leavers {
        assert!(portal.user(leaver).is_none(), "deleted");
    }
    assert!(
        portal.destroyed_documents().is_empty(),
        "the documents moved first"
    );

    // One move, followed: the finished record is read once and kept.
    let leaver = plain[3];
    client
        .set_status(UserStatus::Terminated, &[leaver])
        .await
        .unwrap();
    let end = client
        .reassign_data(leaver, receiver, false, &JobOptions::default(), None)
        .await
        .unwrap();
    assert!(matches!(end, JobEnd::Completed(_)), "{end:?}");
    assert_eq!(
        client.reassign_progress(leaver).await.unwrap(),
        None,
        "read once"
    );

    // A failed move is Failed there (status 3), with the server's text.
    let failing = plain[4];
    client
        .set_status(UserStatus::Terminated, &[failing])
        .await
        .unwrap();
    portal.fail_job_for(failing, "Disk full");
    let end = client
        .reassign_data(failing, receiver, false, &JobOptions::default(), None)
        .await
        .unwrap();
    match end {
        JobEnd::Failed(progress) => assert_eq!(progress.error.as_deref(), Some("Disk full")),
        other => panic!("{other:?}"),
    }
    // A visitor cannot receive.
    let visitor = portal.user_ids_where(|u| u.status == 1 && u.user_type == 2)[0];
    let err = client
        .reassign_data(failing, visitor, false, &JobOptions::default(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Precondition { user, .. } if user == visitor),
        "{err:?}"
    );
}
