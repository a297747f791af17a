//! What a change will do besides itself, said before it is sent: in the dry run and in the
//! question on a terminal.

use docspace_people_fake::{FakeUser, PortalConfig};

use crate::common::{Portal, run, run_on_terminal, temp};

/// Active users of type User who are not admins: promotable.
fn plain(portal: &Portal, n: usize) -> Vec<FakeUser> {
    let users: Vec<FakeUser> = portal
        .portal
        .snapshot()
        .into_iter()
        .filter(|u| u.status == 1 && u.user_type == 4 && !u.is_admin && !u.is_ldap)
        .take(n)
        .collect();
    assert_eq!(users.len(), n);
    users
}

#[test]
fn a_quota_below_use_is_said_to_open_documents_read_only() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let heavy = portal
        .portal
        .snapshot()
        .into_iter()
        .find(|u| u.used_space > 1 << 30 && u.status == 1)
        .expect("a user storing more than 1 GiB");
    let light = portal
        .portal
        .snapshot()
        .into_iter()
        .find(|u| u.used_space < 1 << 29 && u.status == 1 && !u.is_owner)
        .expect("a user storing under 512 MiB");
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "quota",
                "set",
                "1GiB",
                &heavy.email,
                &light.email,
                "--dry-run",
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let line = |email: &str| {
        out.stdout
            .lines()
            .find(|l| l.contains(email))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line(&heavy.email).contains("read-only"), "{}", out.stdout);
    assert!(!line(&light.email).contains("read-only"), "{}", out.stdout);
    assert!(out.stdout.contains("1 read only after"), "{}", out.stdout);
}

#[test]
fn promotions_past_the_paid_seats_are_foreseen_in_the_dry_run_and_the_question() {
    let probe = Portal::start();
    let used = probe
        .portal
        .snapshot()
        .iter()
        .filter(|u| u.status == 1 && (u.is_owner || matches!(u.user_type, 1 | 3)))
        .count();
    drop(probe);
    // One seat free, three promotions: the second and third find none.
    let portal = Portal::start_with(PortalConfig::demo().with_paid_seats(used + 1));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let users = plain(&portal, 3);
    let mut args = vec!["type", "set", "room-admin"];
    args.extend(users.iter().map(|u| u.email.as_str()));
    let mut dry = args.clone();
    dry.push("--dry-run");
    let out = run(&portal.args(&url, &token, &dry), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout.matches("takes a paid seat").count(),
        1,
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stdout.matches("none is left").count(),
        2,
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("2 would be refused"), "{}", out.stdout);
    assert!(out.stdout.contains("1 paid seats free"), "{}", out.stdout);

    // The question says the same; a no sends nothing.
    let plenty = plain(&portal, 25);
    let mut args = vec!["type", "set", "room-admin"];
    args.extend(plenty.iter().map(|u| u.email.as_str()));
    let out = run_on_terminal(
        &portal.args(&url, &token, &args),
        "Continue? [y/N]",
        "n",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout
            .contains("25 take a paid seat (1 free: 24 would be refused with 402)"),
        "{}",
        out.stdout
    );
    assert!(
        plenty
            .iter()
            .all(|u| portal.portal.user(u.id).unwrap().user_type == 4),
        "nothing sent"
    );
}

#[test]
fn a_demotion_says_who_owns_rooms() {
    let portal = Portal::start_with(
        PortalConfig::demo().with_job_duration(std::time::Duration::from_millis(1)),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let room_admins: Vec<FakeUser> = portal
        .portal
        .snapshot()
        .into_iter()
        .filter(|u| u.status == 1 && u.user_type == 1 && !u.is_ldap)
        .take(2)
        .collect();
    assert!(portal.portal.set_rooms_owned(room_admins[0].id, 3));
    assert!(portal.portal.set_rooms_owned(room_admins[1].id, 0));
    let receiver = portal
        .portal
        .snapshot()
        .into_iter()
        .find(|u| u.is_admin && !u.is_owner && u.status == 1)
        .unwrap();
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "type",
                "set",
                "user",
                &room_admins[0].email,
                &room_admins[1].email,
                "--reassign-to",
                &receiver.email,
                "--dry-run",
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let line = |email: &str| {
        out.stdout
            .lines()
            .find(|l| l.contains(email))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        line(&room_admins[0].email).contains("owns rooms"),
        "{}",
        out.stdout
    );
    assert!(
        !line(&room_admins[1].email).contains("owns rooms"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_offboarding_says_whose_rooms_move_and_whose_documents_a_deletion_destroys() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let room_admin = portal
        .portal
        .snapshot()
        .into_iter()
        .find(|u| u.status == 1 && u.user_type == 1 && !u.is_ldap && u.rooms_owned > 0)
        .expect("a room admin with rooms");
    let receiver = portal
        .portal
        .snapshot()
        .into_iter()
        .find(|u| u.is_admin && !u.is_owner && u.status == 1)
        .unwrap();
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "offboard",
                &room_admin.email,
                "--reassign-to",
                &receiver.email,
                "--dry-run",
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("owns rooms, which go to the receiver"),
        "{}",
        out.stdout
    );
    let out = run(
        &portal.args(&url, &token, &["offboard", &room_admin.email, "--dry-run"]),
        "",
        dir.path(),
    );
    assert!(out.stdout.contains("stay theirs"), "{}", out.stdout);

    let workspace = Portal::start_with(
        PortalConfig::demo().with_version(docspace_people_fake::ServerVersion::Workspace12_7),
    );
    let (url, token) = (workspace.portal.base_url(), workspace.portal.owner_token());
    let leaver = plain_workspace(&workspace);
    let out = run(
        &workspace.args(
            &url,
            &token,
            &[
                "offboard",
                &leaver,
                "--delete",
                "--destroy-documents",
                "--dry-run",
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("destroys their documents"),
        "{}",
        out.stdout
    );
}

fn plain_workspace(portal: &Portal) -> String {
    portal
        .portal
        .snapshot()
        .into_iter()
        .find(|u| u.status == 1 && !u.is_admin && !u.is_owner && !u.is_ldap)
        .unwrap()
        .email
}

#[test]
fn the_questions_say_what_quotas_and_offboarding_will_do() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let before = portal.portal.snapshot();
    let heavy = before
        .iter()
        .filter(|u| u.status == 1 && u.used_space > 1 << 30)
        .count();
    assert!(heavy > 0);
    let out = run_on_terminal(
        &portal.args(
            &url,
            &token,
            &["quota", "set", "1GiB", "--status", "active"],
        ),
        "Continue? [y/N]",
        "n",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("{heavy} will open their documents read-only")),
        "{}",
        out.stdout
    );

    let out = run_on_terminal(
        &portal.args(
            &url,
            &token,
            &["offboard", "--type", "room-admin", "--delete"],
        ),
        "to confirm",
        "0",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout.contains("own rooms, which stay theirs"),
        "{}",
        out.stdout
    );
    assert_eq!(portal.portal.snapshot(), before, "nothing sent after a no");
}
