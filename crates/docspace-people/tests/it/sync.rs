//! `sync`: plans made from desired rows against the fake portal, their safeguards, drift, and
//! their application, read back from the portal.

use std::time::Duration;

use docspace_people::bulk::{Change, Outcome};
use docspace_people::sync::{
    ActionKind, DesiredStatus, DesiredUser, Joiners, LeaverLimit, QuotaWish, Source, SyncKey,
    SyncOptions, SyncPlan,
};
use docspace_people::{Client, Quota, RetryPolicy, UserStatus, UserType};
use docspace_people_fake::seed::{
    LDAP_USER_EMAIL, OWNER_EMAIL, PENDING_INVITEE_EMAIL, TERMINATED_USER_EMAIL,
};
use docspace_people_fake::{FakePortal, PortalConfig};

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

const LEAVERS: [&str; 2] = ["jacob.miller@example.com", "nadia.haddad@example.com"];
const PROMOTED: &str = "samuel.adeyemi@example.com";
const QUOTA: &str = "lena.hoffmann@example.com";
const PROTECTED: &str = "maeve.darcy@example.com";
const HIRE: &str = "new.hire@example.com";

/// The HR export of the demo portal: every active and pending standard or SSO account but the
/// leavers and the protected one, a promotion, a quota, a returner and a joiner.
fn hr_export(portal: &FakePortal) -> Vec<DesiredUser> {
    let mut rows: Vec<DesiredUser> = portal
        .snapshot()
        .into_iter()
        .filter(|u| u.status != 2 && !u.is_ldap && !u.is_owner)
        .filter(|u| !LEAVERS.contains(&u.email.as_str()) && u.email != PROTECTED)
        .map(|u| match u.email.as_str() {
            PROMOTED => DesiredUser::email(&u.email).with_type(UserType::RoomAdmin),
            QUOTA => DesiredUser::email(&u.email).with_quota(QuotaWish::Set(Quota::Bytes(5 << 30))),
            _ => DesiredUser::email(&u.email),
        })
        .collect();
    rows.push(DesiredUser::email(TERMINATED_USER_EMAIL));
    rows.push(DesiredUser::email(HIRE).with_type(UserType::User));
    rows.iter_mut()
        .enumerate()
        .for_each(|(i, row)| *row = row.clone().at_line(i + 2));
    rows
}

fn options() -> SyncOptions {
    SyncOptions::default()
        .joiners(Joiners::Invite)
        .protect("maeve.*@EXAMPLE.com")
}

fn actions(plan: &SyncPlan) -> Vec<(ActionKind, String)> {
    plan.actions
        .iter()
        .map(|a| (a.action, a.email.clone().unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn a_plan_lists_every_action_and_who_is_left_alone_and_applying_it_converges() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let desired = hr_export(&portal);
    let plan = client
        .plan_sync(&desired, &options(), Source::named("hr.csv", &desired))
        .await
        .unwrap();
    let mut want = vec![
        (ActionKind::Invite, HIRE.to_owned()),
        (ActionKind::Enable, TERMINATED_USER_EMAIL.to_owned()),
        (ActionKind::Type, PROMOTED.to_owned()),
        (ActionKind::Quota, QUOTA.to_owned()),
        (ActionKind::Disable, LEAVERS[0].to_owned()),
        (ActionKind::Disable, LEAVERS[1].to_owned()),
    ];
    let mut got = actions(&plan);
    got.sort();
    want.sort();
    assert_eq!(got, want, "{plan:#?}");
    let type_action = plan
        .actions
        .iter()
        .find(|a| a.action == ActionKind::Type)
        .unwrap();
    assert_eq!(
        (type_action.from.as_deref(), type_action.to.as_deref()),
        (Some("User"), Some("RoomAdmin"))
    );
    let listed = |list: &[docspace_people::sync::Listed]| -> Vec<String> {
        list.iter().filter_map(|l| l.email.clone()).collect()
    };
    assert!(
        listed(&plan.protected).contains(&OWNER_EMAIL.to_owned()),
        "{:?}",
        plan.protected
    );
    assert!(listed(&plan.protected).contains(&PROTECTED.to_owned()));
    assert_eq!(listed(&plan.out_of_scope), [LDAP_USER_EMAIL]);
    assert!(listed(&plan.pending).contains(&PENDING_INVITEE_EMAIL.to_owned()));
    assert!(!plan.verdict.held, "{:?}", plan.verdict);
    assert_eq!(plan.verdict.leavers, 2);
    assert_eq!(plan.counts["disable"], 2);
    assert!(
        portal.invitations_sent().is_empty(),
        "planning sends nothing"
    );

    // The plan file reads back equal.
    let json = serde_json::to_string(&plan).unwrap();
    let read: SyncPlan = serde_json::from_str(&json).unwrap();
    assert_eq!(read, plan);

    let report = client.apply_sync(&read, Default::default()).await.unwrap();
    assert!(report.held.is_none() && report.drifted.is_empty());
    for (phase, bulk) in &report.phases {
        assert_eq!(bulk.counts.changed, phase.ids.len(), "{phase:?}: {bulk:?}");
    }
    assert_eq!(
        report.invitations.as_ref().unwrap().count(Outcome::Changed),
        1
    );
    let user = |email: &str| portal.user_by_email(email).unwrap();
    assert_eq!(user(HIRE).status, 4);
    assert_eq!(user(TERMINATED_USER_EMAIL).status, 1);
    assert_eq!(user(PROMOTED).user_type, 1);
    assert_eq!(user(QUOTA).custom_quota, Some(5 << 30));
    for leaver in LEAVERS {
        assert_eq!(user(leaver).status, 2, "{leaver}");
    }
    assert_eq!(user(PROTECTED).status, 1);
    assert_eq!(user(OWNER_EMAIL).status, 1);
    assert_eq!(user(LDAP_USER_EMAIL).status, 1);

    // In line now: planning again finds nothing to do (the joiner is Pending).
    let again = client
        .plan_sync(&desired, &options(), Source::named("hr.csv", &desired))
        .await
        .unwrap();
    assert!(again.actions.is_empty(), "{:?}", again.actions);
}

#[tokio::test]
async fn too_many_leavers_or_a_truncated_source_hold_the_plan_and_nothing_is_sent() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let desired = vec![DesiredUser::email("user@example.com")];
    let plan = client
        .plan_sync(&desired, &options(), Source::named("short.csv", &desired))
        .await
        .unwrap();
    assert!(plan.verdict.held);
    assert_eq!(plan.verdict.reasons.len(), 2, "{:?}", plan.verdict.reasons);
    assert!(plan.verdict.reasons[0].contains("leavers"));
    assert!(plan.verdict.reasons[1].contains("truncated"));
    let before = portal.snapshot();
    let report = client.apply_sync(&plan, Default::default()).await.unwrap();
    assert!(report.held.is_some() && report.phases.is_empty());
    assert_eq!(portal.snapshot(), before, "a held plan changes nobody");

    // Allowed explicitly, the same source goes through the safeguards.
    let allowed = options()
        .max_leavers(LeaverLimit::Percent(100))
        .allow_small_source(true);
    let plan = client
        .plan_sync(&desired, &allowed, Source::named("short.csv", &desired))
        .await
        .unwrap();
    assert!(!plan.verdict.held, "{:?}", plan.verdict);
    assert!(plan.leavers() > 10);
}

#[tokio::test]
async fn a_user_changed_since_the_plan_is_drifted_and_left_alone() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let desired = hr_export(&portal);
    let plan = client
        .plan_sync(&desired, &options(), Source::named("hr.csv", &desired))
        .await
        .unwrap();
    // Someone lowers the quota of the user the plan gives 5 GiB, and disables the one it
    // promotes, between plan and apply.
    let promoted = portal.id_of(PROMOTED).unwrap();
    client
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&[promoted])
        .await
        .unwrap();
    let checked = client.check_sync(&plan).await.unwrap();
    let drifted: Vec<_> = checked.drifted.iter().map(|d| d.action.action).collect();
    assert_eq!(drifted, [ActionKind::Type], "{:?}", checked.drifted);
    assert!(
        checked.drifted[0].describe().contains("status")
            || checked.drifted[0].describe().contains("type")
    );
    let report = client.apply_sync(&plan, Default::default()).await.unwrap();
    assert_eq!(report.drifted.len(), 1);
    assert_eq!(
        portal.user_by_email(PROMOTED).unwrap().user_type,
        4,
        "left alone"
    );

    // A plan applied twice: the second finds everything done, nobody drifted.
    let second = client.check_sync(&plan).await.unwrap();
    assert_eq!(second.drifted.len(), 1, "only the one that drifted");
}

#[tokio::test]
async fn a_demotion_needs_a_receiver_and_bad_sources_are_refused() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let before = portal.snapshot();
    let client = owner(&portal);
    let room_admin = docspace_people_fake::seed::ROOM_ADMIN_EMAIL;
    let mut desired = hr_export(&portal);
    for row in &mut desired {
        if matches!(&row.key, docspace_people::sync::SyncKey::Email(e) if e == room_admin) {
            *row = row.clone().with_type(UserType::User);
        }
    }
    let plan = client
        .plan_sync(&desired, &options(), Source::named("hr.csv", &desired))
        .await
        .unwrap();
    assert!(
        plan.actions
            .iter()
            .all(|a| a.email.as_deref() != Some(room_admin))
    );
    assert!(
        plan.unmatched
            .iter()
            .any(|l| l.email.as_deref() == Some(room_admin) && l.why.contains("--reassign-to"))
    );

    let twice = vec![
        DesiredUser::email("a@example.com").at_line(2),
        DesiredUser::email("A@example.com")
            .at_line(3)
            .with_status(DesiredStatus::Disabled),
    ];
    let err = client
        .plan_sync(&twice, &options(), Source::named("x.csv", &twice))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("line 3") && err.to_string().contains("first on line 2"),
        "{err}"
    );
    let err = client
        .plan_sync(
            &desired,
            &options().scope([]),
            Source::named("x.csv", &desired),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("scope"), "{err}");
    assert_eq!(portal.snapshot(), before, "planning changes nobody");
}

#[tokio::test]
async fn promotions_past_the_paid_seats_are_settled_with_the_servers_reason() {
    let seats_used = FakePortal::start(PortalConfig::demo())
        .unwrap()
        .snapshot()
        .iter()
        .filter(|u| u.status == 1 && (u.is_admin || u.user_type == 1))
        .count();
    // Room for two of the four promotions.
    let portal = FakePortal::start(PortalConfig::demo().with_paid_seats(seats_used + 2)).unwrap();
    let client = owner(&portal);
    let mut desired = hr_export(&portal);
    let promoted = [
        "jacob.miller@example.com",
        "nadia.haddad@example.com",
        "kofi.asante@example.com",
    ];
    for row in &mut desired {
        if matches!(&row.key, docspace_people::sync::SyncKey::Email(e) if promoted.contains(&e.as_str()) || LEAVERS.contains(&e.as_str()))
        {
            *row = row.clone().with_type(UserType::RoomAdmin);
        }
    }
    for email in promoted {
        if !desired
            .iter()
            .any(|r| matches!(&r.key, docspace_people::sync::SyncKey::Email(e) if e == email))
        {
            desired.push(DesiredUser::email(email).with_type(UserType::RoomAdmin));
        }
    }
    let plan = client
        .plan_sync(
            &desired,
            &options().joiners(Joiners::List),
            Source::named("hr.csv", &desired),
        )
        .await
        .unwrap();
    let promotions = plan
        .actions
        .iter()
        .filter(|a| a.action == ActionKind::Type)
        .count();
    assert_eq!(promotions, 4, "{:?}", plan.actions);
    let report = client.apply_sync(&plan, Default::default()).await.unwrap();
    let (_, bulk) = report
        .phases
        .iter()
        .find(|(p, _)| p.kind == ActionKind::Type)
        .unwrap();
    assert_eq!(bulk.counts.changed, 2, "{bulk:?}");
    assert_eq!(bulk.counts.refused, 2, "{bulk:?}");
    for entry in bulk
        .entries
        .iter()
        .filter(|e| e.outcome == Outcome::Refused)
    {
        assert!(
            entry.detail.as_deref().unwrap_or("").contains("paid"),
            "{entry:?}"
        );
        assert_eq!(
            portal.user(entry.id).unwrap().user_type,
            4,
            "really unchanged"
        );
    }
}

#[tokio::test]
async fn workspace_is_planned_in_its_own_words_and_has_no_invitations() {
    let portal = FakePortal::start(
        PortalConfig::demo().with_version(docspace_people_fake::ServerVersion::Workspace12_7),
    )
    .unwrap();
    let client = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap();
    let desired = hr_export(&portal);
    let err = client
        .plan_sync(&desired, &options(), Source::named("hr.csv", &desired))
        .await
        .unwrap_err();
    assert!(
        matches!(err, docspace_people::Error::Unsupported(_)),
        "{err:?}"
    );
    let listed = options().joiners(Joiners::List);
    let plan = client
        .plan_sync(&desired, &listed, Source::named("hr.csv", &desired))
        .await
        .unwrap();
    assert!(plan.server.contains("Workspace"), "{}", plan.server);
    assert!(
        plan.missing
            .iter()
            .any(|m| m.email.as_deref() == Some(HIRE))
    );
    let disabled: Vec<_> = plan
        .actions
        .iter()
        .filter(|a| a.action == ActionKind::Disable)
        .filter_map(|a| a.email.clone())
        .collect();
    assert!(
        disabled.contains(&LEAVERS[0].to_owned()),
        "{:?}",
        plan.actions
    );
    // Workspace's own type names: a room admin there is a "User".
    assert!(
        plan.observed
            .iter()
            .all(|o| o.user_type.as_deref() != Some("RoomAdmin"))
    );
    let report = client.apply_sync(&plan, Default::default()).await.unwrap();
    assert!(report.drifted.is_empty(), "{:?}", report.drifted);
    assert_eq!(portal.user_by_email(LEAVERS[0]).unwrap().status, 2);
}

#[test]
fn an_address_two_users_share_is_unmatched_and_neither_is_taken_for_a_leaver() {
    let user = |id: u128, status: i64| -> docspace_people::User {
        serde_json::from_value(serde_json::json!({
            "id": docspace_people::Uuid::from_u128(id),
            "email": "jane@example.com",
            "status": status,
            "isCollaborator": true,
        }))
        .unwrap()
    };
    let server = docspace_people::Server::docspace(docspace_people::Version::new(3, 7, 1));
    let desired = [DesiredUser::email("Jane@example.com").at_line(2)];
    let plan = SyncPlan::build(
        &server,
        "https://portal.example.com",
        None,
        [user(1, 2), user(2, 1)],
        &desired,
        &SyncOptions::default().allow_small_source(true),
        Source::named("hr.csv", &desired),
    )
    .unwrap();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    assert_eq!(plan.unmatched.len(), 1);
    assert!(
        plan.unmatched[0].why.contains("2 users share"),
        "{:?}",
        plan.unmatched
    );
}

#[tokio::test]
async fn leavers_offboarded_are_disabled_and_their_rooms_move_to_the_receiver() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = owner(&portal);
    let receiver = portal
        .id_of(docspace_people_fake::seed::ADMIN_EMAIL)
        .unwrap();
    let leaver = portal.id_of(LEAVERS[0]).unwrap();
    portal.set_rooms_owned(leaver, 2);
    let desired = hr_export(&portal);
    let options = options()
        .joiners(Joiners::List)
        .leavers(docspace_people::sync::Leavers::Offboard)
        .reassign_to(receiver);
    let plan = client
        .plan_sync(&desired, &options, Source::named("hr.csv", &desired))
        .await
        .unwrap();
    let offboarded: Vec<_> = plan
        .actions
        .iter()
        .filter(|a| a.action == ActionKind::Offboard)
        .filter_map(|a| a.email.clone())
        .collect();
    assert_eq!(offboarded.len(), 2, "{:?}", plan.actions);
    let report = client.apply_sync(&plan, Default::default()).await.unwrap();
    let offboard = report.offboard.expect("an offboarding phase");
    assert_eq!(offboard.completed(), 2, "{offboard:?}");
    for email in LEAVERS {
        assert_eq!(portal.user_by_email(email).unwrap().status, 2, "{email}");
    }
    assert_eq!(
        portal.user(leaver).unwrap().rooms_owned,
        0,
        "its rooms moved"
    );
    // Offboarding needs a receiver: refused before anything is read.
    let err = client
        .plan_sync(
            &desired,
            &self::options().leavers(docspace_people::sync::Leavers::Offboard),
            Source::named("hr.csv", &desired),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("receiver"), "{err}");
}

#[tokio::test]
async fn the_plan_says_what_each_action_will_do_besides_itself() {
    let portal = FakePortal::start(PortalConfig::demo().with_paid_seats(1)).unwrap();
    let client = owner(&portal);
    // Lena stores about 1.3 GiB: a 1 GiB quota turns her documents read-only. Samuel's
    // promotion finds no paid seat (one seat, and the owner and admins take more).
    let rows: Vec<DesiredUser> = hr_export(&portal)
        .into_iter()
        .map(|row| {
            if matches!(&row.key, SyncKey::Email(e) if e == QUOTA) {
                row.with_quota(QuotaWish::Set(Quota::Bytes(1 << 30)))
            } else {
                row
            }
        })
        .collect();
    let plan = client
        .plan_sync(&rows, &options(), Source::named("hr.csv", &rows))
        .await
        .unwrap();
    let said = |kind: ActionKind, email: &str| {
        plan.actions
            .iter()
            .find(|a| a.action == kind && a.email.as_deref() == Some(email))
            .map(|a| a.consequences.join("; "))
            .unwrap_or_else(|| panic!("a {kind:?} action for {email}: {:?}", plan.actions))
    };
    assert!(
        said(ActionKind::Quota, QUOTA).contains("read-only"),
        "{plan:?}"
    );
    assert!(
        said(ActionKind::Type, PROMOTED).contains("none is left"),
        "{plan:?}"
    );
}
