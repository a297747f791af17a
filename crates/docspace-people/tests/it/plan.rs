//! `BulkJob::plan` is the engine stopped before its first write: on two identical portals, the
//! plan of one and the run on the other agree on every user's decision, for every kind of
//! change, on DocSpace 3.6, 3.7 and Workspace, asked by the owner and by an administrator.

use std::time::Duration;

use docspace_people::bulk::{BulkOptions, Change, Outcome, Planned};
use docspace_people::lifecycle::JobOptions;
use docspace_people::{Client, Quota, Refusal, UserStatus, UserType, Uuid};
use docspace_people_fake::seed::{ADMIN_EMAIL, ADMIN_PASSWORD};
use docspace_people_fake::{FakePortal, PortalConfig, ServerVersion};

fn portal(version: ServerVersion) -> FakePortal {
    FakePortal::start(
        PortalConfig::demo()
            .with_version(version)
            .with_job_duration(Duration::from_millis(5)),
    )
    .unwrap()
}

async fn caller(portal: &FakePortal, admin: bool) -> Client {
    if admin {
        Client::login(portal.base_url(), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .unwrap()
    } else {
        Client::builder(portal.base_url())
            .token(portal.owner_token())
            .build()
            .unwrap()
    }
}

fn options() -> BulkOptions {
    BulkOptions::default().chunk_size(3).jobs(
        JobOptions::default()
            .poll_interval(Duration::from_millis(5))
            .max_poll_interval(Duration::from_millis(20)),
    )
}

fn changes(workspace: bool) -> Vec<Change> {
    let mut changes = vec![
        Change::Status(UserStatus::Terminated),
        Change::Status(UserStatus::Active),
        Change::Type(UserType::Guest),
        Change::Type(UserType::RoomAdmin),
        Change::Quota(Quota::Bytes(5 << 30)),
    ];
    if !workspace {
        changes.extend([
            Change::Type(UserType::User),
            Change::Type(UserType::DocSpaceAdmin),
            Change::ResetQuota,
            Change::ResendInvitation,
        ]);
    }
    changes
}

#[tokio::test]
async fn the_plan_and_the_run_agree_on_every_decision() {
    let mut checked = 0;
    for version in [
        ServerVersion::V3_6,
        ServerVersion::V3_7,
        ServerVersion::Workspace12_7,
    ] {
        for admin in [false, true] {
            for change in changes(version.is_workspace()) {
                let planned_portal = portal(version);
                let run_portal = portal(version);
                // Every user of the portal, an unknown id, and a repeat.
                let mut ids = planned_portal.user_ids_where(|_| true);
                assert_eq!(
                    ids,
                    run_portal.user_ids_where(|_| true),
                    "identical portals"
                );
                ids.push(Uuid::from_u128(7));
                ids.push(ids[0]);
                let context = format!(
                    "{version} {change} by the {}",
                    if admin { "admin" } else { "owner" }
                );
                let plan = caller(&planned_portal, admin)
                    .await
                    .bulk(change.clone())
                    .options(options())
                    .plan(&ids)
                    .await
                    .unwrap_or_else(|e| panic!("{context}: {e}"));
                assert!(plan.caller_known, "{context}");
                assert_eq!(
                    planned_portal.snapshot(),
                    run_portal.snapshot(),
                    "{context}: the plan changed nothing"
                );
                let report = caller(&run_portal, admin)
                    .await
                    .bulk(change.clone())
                    .options(options())
                    .run(&ids)
                    .await
                    .unwrap_or_else(|e| panic!("{context}: {e}"));
                assert_eq!(plan.entries.len(), report.entries.len(), "{context}");
                assert_eq!(plan.duplicates, report.duplicates, "{context}");
                for (planned, done) in plan.entries.iter().zip(&report.entries) {
                    assert_eq!((planned.id, planned.position), (done.id, done.position));
                    let why = format!(
                        "{context}, user {}: planned {planned:?}, ran {done:?}",
                        planned.id
                    );
                    match &planned.planned {
                        Planned::AlreadyInTarget => {
                            assert_eq!(done.outcome, Outcome::AlreadyInTarget, "{why}");
                        }
                        Planned::Refused(reason) => {
                            assert_eq!(done.outcome, Outcome::Refused, "{why}");
                            assert_eq!(done.reason.as_ref(), Some(reason), "{why}");
                            assert!(
                                done.detail
                                    .as_deref()
                                    .unwrap_or_default()
                                    .ends_with("not sent"),
                                "{why}"
                            );
                        }
                        Planned::Unreadable(_) => {
                            assert_eq!(done.outcome, Outcome::Failed, "{why}");
                        }
                        Planned::Send | Planned::ThroughJob => {
                            // Sent: whatever the server answered, not settled before sending.
                            assert_ne!(done.outcome, Outcome::AlreadyInTarget, "{why}");
                            assert!(
                                matches!(done.reason, None | Some(Refusal::Server(_))),
                                "{why}"
                            );
                        }
                        other => panic!("{why}: unexpected plan {other:?}"),
                    }
                    assert_eq!(planned.prior, done.prior, "{why}");
                    checked += 1;
                }
            }
        }
    }
    // Every decision of the three servers was compared.
    assert!(checked > 300, "{checked} decisions compared");
}
