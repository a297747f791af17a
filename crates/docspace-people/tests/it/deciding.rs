//! Reading only the users whose state decides a change: a termination reads the terminated,
//! the pending, the administrators and the LDAP users, implies the state of every other target,
//! and reports exactly what a plan that reads every target foresees, under faults too.

use std::time::Duration;

use docspace_people::bulk::{BulkOptions, Change, Outcome, Planned};
use docspace_people::{Client, RetryPolicy, UserStatus, Uuid};
use docspace_people_fake::{DropMode, FakePortal, Faults, PortalConfig, Trigger};

fn owner(portal: &FakePortal) -> Client {
    Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap()
}

fn options() -> BulkOptions {
    BulkOptions::default().chunk_size(50).concurrency(4).retry(
        RetryPolicy::default()
            .max_attempts(30)
            .backoff(Duration::from_millis(1), Duration::from_millis(5)),
    )
}

#[tokio::test]
async fn a_termination_reads_the_deciding_users_and_reports_what_reading_everyone_plans() {
    let knobs = [
        Faults::none(),
        Faults::none().with_internal_server_error(Trigger::Rate(0.2)),
        Faults::none().with_dropped_connection(Trigger::Rate(0.2), DropMode::AfterHandling),
        // Only `isAdministrator=true` has this value: the administrators cannot be read, so
        // nothing may be implied, and the run reads the whole list instead.
        Faults::none().with_failing_value("true"),
    ];
    let change = Change::Status(UserStatus::Terminated);
    for faults in knobs {
        let shown = format!("{faults:?}");
        let portal = FakePortal::start(PortalConfig::demo().with_extra_users(3000)).unwrap();
        // Every third user, whatever their state, and an id no user has.
        let mut targets: Vec<Uuid> = portal
            .user_ids_where(|_| true)
            .into_iter()
            .step_by(3)
            .collect();
        let unknown = Uuid::from_u128(99);
        targets.insert(40, unknown);
        let client = owner(&portal);
        let plan = client.bulk(change.clone()).plan(&targets).await.unwrap();
        let kinds = |p: fn(&Planned) -> bool| plan.count(p);
        assert!(kinds(|p| matches!(p, Planned::AlreadyInTarget)) > 10);
        assert!(kinds(|p| matches!(p, Planned::Refused(_))) >= 2);
        portal.set_faults(faults.with_rng_seed(3));
        let report = client
            .bulk(change.clone())
            .options(options())
            .run(&targets)
            .await
            .unwrap();
        portal.set_faults(Faults::none());
        assert_eq!(report.entries.len(), plan.entries.len(), "{shown}");
        for (planned, entry) in plan.entries.iter().zip(&report.entries) {
            assert_eq!(planned.id, entry.id, "{shown}: same order");
            let expected = match &planned.planned {
                Planned::AlreadyInTarget => Outcome::AlreadyInTarget,
                Planned::Send => Outcome::Changed,
                Planned::Refused(_) => Outcome::Refused,
                other => panic!("{shown}: {other:?} planned"),
            };
            assert_eq!(entry.outcome, expected, "{shown}: {entry:?}");
            assert_eq!(entry.reason, planned_reason(&planned.planned), "{shown}");
            let after = portal.user(entry.id).map(|u| u.status);
            match entry.outcome {
                Outcome::Changed => {
                    assert_eq!(after, Some(2), "{shown}: {entry:?} terminated");
                    // What the run records for undo is what the plan read.
                    let status = |p: &Option<docspace_people::bulk::Prior>| {
                        p.as_ref().and_then(|p| p.status.clone())
                    };
                    assert_eq!(status(&entry.prior), status(&planned.prior), "{shown}");
                }
                Outcome::AlreadyInTarget => assert_eq!(after, Some(2), "{shown}"),
                _ if entry.id == unknown => assert_eq!(after, None),
                _ => assert_ne!(after, Some(2), "{shown}: {entry:?} untouched"),
            }
        }
        if shown == format!("{:?}", Faults::none().with_failing_value("true")) {
            assert!(report.reads > 31, "{} reads: the whole list", report.reads);
        }
        if shown == format!("{:?}", Faults::none()) {
            // The list's first page, the four deciding groups (3 + 2 + 1 + 1 pages for 153
            // terminated and 63 pending users), the caller, and the unknown id once isolated:
            // not the 31 pages of the list, nor a read per target.
            assert!(report.reads <= 12, "{} reads", report.reads);
            assert!(
                report.reads < plan.reads / 2,
                "{} against {}",
                report.reads,
                plan.reads
            );
        }
    }
}

/// The refusal a report carries for a planned refusal: the same rule.
fn planned_reason(planned: &Planned) -> Option<docspace_people::Refusal> {
    match planned {
        Planned::Refused(reason) => Some(reason.clone()),
        _ => None,
    }
}
