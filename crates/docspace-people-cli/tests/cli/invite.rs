//! `invite resend`: only Pending users get mail, `--all-pending` selects them, and a lost answer
//! is unknown and never sent again, by the run or by `resume`.

use docspace_people_fake::seed::{PENDING_INVITEE_EMAIL, USER_EMAIL};
use docspace_people_fake::{DropMode, Faults, PortalConfig, Trigger};

use crate::common::{Portal, journal_of, path_str, run, temp};

#[test]
fn pending_users_get_the_invitation_again_and_others_are_refused() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let report = dir.path().join("r.json");
    let args = [
        "invite",
        "resend",
        PENDING_INVITEE_EMAIL,
        USER_EMAIL,
        "--yes",
        "--report",
        path_str(&report),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 1, "a refused user: {out:?}");
    let invitee = portal.portal.id_of(PENDING_INVITEE_EMAIL).unwrap();
    assert_eq!(portal.portal.invitations_sent(), [invitee]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["counts"]["changed"], 1);
    assert_eq!(json["counts"]["refused"], 1);
    assert!(
        json["users"][1]["detail"]
            .as_str()
            .unwrap()
            .contains("not Pending"),
        "{json}"
    );

    // Every Pending user, found on the portal: the dry run sends nothing.
    let pending = portal.portal.user_ids_where(|u| u.status == 4);
    let all = ["invite", "resend", "--all-pending", "--dry-run"];
    let out = run(&portal.args(&url, &token, &all), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("{} would change", pending.len())),
        "{}",
        out.stdout
    );
    assert_eq!(portal.portal.invitations_sent().len(), 1);
}

#[test]
fn a_lost_answer_is_unknown_and_resume_does_not_mail_again() {
    let portal = Portal::start_with(
        PortalConfig::demo().with_faults(
            Faults::none()
                .with_dropped_connection(Trigger::Always, DropMode::AfterHandling)
                .writes_only(),
        ),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let args = ["invite", "resend", "--all-pending", "--yes"];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("unknown"), "{}", out.stdout);
    let mut pending = portal.portal.user_ids_where(|u| u.status == 4);
    pending.sort_unstable();
    let sent = || {
        let mut sent = portal.portal.invitations_sent();
        sent.sort_unstable();
        sent
    };
    assert_eq!(sent(), pending, "mailed once");
    let journal = journal_of(&out.stderr);
    let out = run(
        &[
            "resume",
            path_str(&journal),
            "--portal",
            &url,
            "--token",
            &token,
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Nothing to resume"), "{}", out.stdout);
    assert_eq!(sent(), pending, "not mailed again");
}

#[test]
fn new_people_are_invited_from_a_file_and_each_address_is_reported() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let hires = dir.path().join("new-hires.csv");
    std::fs::write(
        &hires,
        format!("name,email\nAda,ada@example.com\nBob,bob@example.com\nSean,{USER_EMAIL}\n"),
    )
    .unwrap();
    let dry = [
        "invite",
        "--type",
        "user",
        "--from",
        path_str(&hires),
        "--dry-run",
    ];
    let out = run(&portal.args(&url, &token, &dry), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("invite as User") && out.stdout.contains("already on the portal"),
        "{}",
        out.stdout
    );
    assert!(portal.portal.invitations_sent().is_empty());

    let report = dir.path().join("invited.csv");
    let args = [
        "invite",
        "--type",
        "user",
        "--from",
        path_str(&hires),
        "--report",
        path_str(&report),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(portal.portal.invitations_sent().len(), 2);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        text.contains("ada@example.com") && text.contains(",changed,"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{USER_EMAIL},")) && text.contains("already_in_target"),
        "{text}"
    );

    // Running it again invites nobody twice.
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(portal.portal.invitations_sent().len(), 2);
}

#[test]
fn bad_addresses_ids_and_unsupported_servers_are_refused_before_sending() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let hires = dir.path().join("new-hires.txt");
    std::fs::write(
        &hires,
        "ok@example.com\nnot an address\n00000000-0000-0000-0000-000000000001\n",
    )
    .unwrap();
    let args = ["invite", "--from", path_str(&hires)];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("line 2"), "{}", out.stderr);
    std::fs::write(
        &hires,
        "ok@example.com\n00000000-0000-0000-0000-000000000001\n",
    )
    .unwrap();
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("line 2") && out.stderr.contains("user id"),
        "{}",
        out.stderr
    );
    // The dry run says what the run would: a guest is refused, not "invited as Guest".
    let guest_dry = [
        "invite",
        "--type",
        "guest",
        "someone@example.com",
        "--dry-run",
    ];
    let out = run(&portal.args(&url, &token, &guest_dry), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("through rooms"), "{}", out.stdout);
    let guest = ["invite", "--type", "guest", "someone@example.com"];
    let out = run(&portal.args(&url, &token, &guest), "", dir.path());
    assert_eq!(out.code, 1, "refused per address: {out:?}");
    assert!(
        out.stdout.contains("rooms") || out.stderr.contains("rooms"),
        "{out:?}"
    );
    assert!(portal.portal.invitations_sent().is_empty());

    let workspace = Portal::start_with(
        PortalConfig::demo().with_version(docspace_people_fake::ServerVersion::Workspace12_7),
    );
    let (url, token) = (workspace.portal.base_url(), workspace.portal.owner_token());
    let out = run(
        &workspace.args(&url, &token, &["invite", "x@example.com"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("no invitations"), "{}", out.stderr);
}
