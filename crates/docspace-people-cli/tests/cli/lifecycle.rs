//! Lifecycle changes: type changes on Workspace, demotions through the job, offboarding.

use docspace_people_fake::{Endpoint, PortalConfig, ServerVersion};

use crate::common::{Portal, journal_of, path_str, run, run_on_terminal, temp};

#[test]
fn type_set_user_and_visitor_on_a_workspace_portal() {
    let portal =
        Portal::start_with(PortalConfig::demo().with_version(ServerVersion::Workspace12_7));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let regular: Vec<String> = portal
        .portal
        .user_ids_where(|u| u.user_type == 4 && !u.is_admin && u.status == 1)
        .iter()
        .take(2)
        .map(ToString::to_string)
        .collect();
    let visitor = portal
        .portal
        .user_ids_where(|u| u.user_type == 2 && u.status == 1)[0]
        .to_string();

    let mut args = vec!["type", "set", "visitor"];
    args.extend(regular.iter().map(String::as_str));
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    for id in &regular {
        let id = id.parse().unwrap();
        assert_eq!(
            portal.portal.user(id).unwrap().user_type,
            2,
            "a visitor now"
        );
    }

    let out = run(
        &portal.args(&url, &token, &["type", "set", "user", &visitor]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_ne!(
        portal
            .portal
            .user(visitor.parse().unwrap())
            .unwrap()
            .user_type,
        2,
        "a user now"
    );

    // DocSpace's names are not Workspace's, and nothing is sent for them.
    portal.portal.reset_counters();
    let out = run(
        &portal.args(&url, &token, &["type", "set", "guest", &visitor]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("user, visitor"), "{}", out.stderr);
    assert_eq!(portal.portal.counters().endpoint(Endpoint::UpdateType), 0);

    // users list names types in Workspace's words.
    let out = run(
        &portal.args(&url, &token, &["users", "list", "--format", "csv"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let types: std::collections::BTreeSet<String> = reader
        .records()
        .map(|r| r.unwrap().get(3).unwrap().to_owned())
        .collect();
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        ["user", "visitor"],
        "{}",
        out.stdout
    );
}

#[test]
fn offboard_disables_moves_data_deletes_and_undo_cannot_bring_the_deleted_back() {
    let portal = Portal::start_with(
        PortalConfig::demo().with_job_duration(std::time::Duration::from_millis(1)),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let leavers: Vec<String> = portal
        .portal
        .user_ids_where(|u| u.user_type == 4 && !u.is_admin && u.status == 1 && !u.is_ldap)
        .iter()
        .take(2)
        .map(ToString::to_string)
        .collect();
    let stays = portal
        .portal
        .user_ids_where(|u| u.user_type == 1 && u.status == 1 && !u.is_ldap)[0];
    assert!(portal.portal.set_rooms_owned(stays, 0));
    let journal = dir.path().join("offboard.jsonl");
    let report = dir.path().join("offboard.json");

    // Deleting needs a confirmation: without a terminal, --yes; nothing is sent otherwise.
    let mut args = vec!["offboard", "--delete"];
    args.extend(leavers.iter().map(String::as_str));
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    assert_eq!(
        portal
            .portal
            .user(leavers[0].parse().unwrap())
            .unwrap()
            .status,
        1
    );

    let receiver = stays.to_string();
    let mut args = vec![
        "offboard",
        "--reassign-to",
        receiver.as_str(),
        "--delete",
        "--yes",
        "--journal",
        journal.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ];
    args.extend(leavers.iter().map(String::as_str));
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    for id in &leavers {
        assert!(portal.portal.user(id.parse().unwrap()).is_none(), "deleted");
    }
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let users = written["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    for user in users {
        assert_eq!(user["outcome"], "changed", "{user}");
        let detail = user["detail"].as_str().unwrap();
        assert!(
            detail.contains("disable: changed")
                && detail.contains("reassign: changed")
                && detail.contains("delete: changed"),
            "{detail}"
        );
    }

    let journal_arg = journal.to_str().unwrap();
    let out = run(
        &portal.args(&url, &token, &["undo", journal_arg]),
        "",
        dir.path(),
    );
    assert!(
        out.stdout.contains("a deletion cannot be undone"),
        "{out:?}"
    );
    let out = run(
        &portal.args(&url, &token, &["resume", journal_arg]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("offboarding"), "{}", out.stderr);
}

#[test]
fn type_set_demotes_through_the_job_and_undo_promotes_back() {
    let portal = Portal::start_with(
        PortalConfig::demo().with_job_duration(std::time::Duration::from_millis(1)),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let room_admins: Vec<docspace_people::Uuid> = portal
        .portal
        .user_ids_where(|u| u.user_type == 1 && u.status == 1 && !u.is_ldap)
        .into_iter()
        .take(2)
        .collect();
    let journal = dir.path().join("type.jsonl");
    let journal_arg = journal.to_str().unwrap().to_owned();
    let ids: Vec<String> = room_admins.iter().map(ToString::to_string).collect();
    let mut args = vec![
        "type",
        "set",
        "guest",
        "--job-poll-ms",
        "2",
        "--journal",
        &journal_arg,
    ];
    args.extend(ids.iter().map(String::as_str));
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    for id in &room_admins {
        assert_eq!(portal.portal.user(*id).unwrap().user_type, 2);
    }
    let out = run(
        &portal.args(&url, &token, &["undo", &journal_arg]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    for id in &room_admins {
        assert_eq!(
            portal.portal.user(*id).unwrap().user_type,
            1,
            "room admin again"
        );
    }
}

#[test]
fn the_offboarding_trail_names_every_step_the_receiver_and_who_is_deleted() {
    let portal = Portal::start_with(
        PortalConfig::demo().with_job_duration(std::time::Duration::from_millis(1)),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let plain = portal
        .portal
        .user_ids_where(|u| u.user_type == 4 && !u.is_admin && u.status == 1 && !u.is_ldap);
    let (active, disabled) = (plain[0].to_string(), plain[1].to_string());
    let disabled_name = portal.portal.user(plain[1]).unwrap().email;
    let out = run(
        &portal.args(&url, &token, &["status", "set", "terminated", &disabled]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let receiver = portal
        .portal
        .user_ids_where(|u| u.user_type == 1 && u.status == 1 && !u.is_ldap && !u.is_owner)[0];
    let receiver_email = portal.portal.user(receiver).unwrap().email;
    let base = [
        "offboard",
        "--reassign-to",
        receiver_email.as_str(),
        "--delete",
        active.as_str(),
        disabled.as_str(),
        active.as_str(),
    ];

    // The plan names the receiver, and the question the users a deletion takes.
    let mut dry = base.to_vec();
    dry.push("--dry-run");
    let out = run(&portal.args(&url, &token, &dry), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(&receiver_email), "{}", out.stdout);
    let out = run_on_terminal(
        &portal.args(&url, &token, &base),
        "to confirm",
        "0",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.contains(&receiver_email), "{}", out.stdout);
    assert!(
        out.stdout.contains(&disabled_name),
        "who is deleted: {}",
        out.stdout
    );
    assert!(
        portal.portal.user(plain[0]).is_some(),
        "a wrong count deletes nobody"
    );

    let report = dir.path().join("offboard.json");
    let mut args = base.to_vec();
    args.extend(["--yes", "--report", path_str(&report)]);
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    let journal = journal_of(&out.stderr);
    assert!(
        journal.to_string_lossy().ends_with("-offboard.jsonl"),
        "{}",
        journal.display()
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let duplicates = written["duplicates"].as_array().unwrap();
    assert_eq!(duplicates.len(), 1, "{written}");
    assert!(
        duplicates[0]["detail"]
            .as_str()
            .unwrap()
            .contains("same user as argument 1"),
        "{written}"
    );

    // The journal's report shows every step, as the run's did.
    let out = run(&["report", path_str(&journal)], "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("offboard"), "{}", out.stdout);
    assert!(out.stdout.contains("completed"), "{}", out.stdout);
    let from_journal = dir.path().join("from-journal.json");
    let out = run(
        &[
            "report",
            path_str(&journal),
            "--report",
            path_str(&from_journal),
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&from_journal).unwrap()).unwrap();
    for row in rows["users"].as_array().unwrap() {
        let detail = row["detail"].as_str().unwrap();
        assert!(
            detail.contains("reassign: changed") && detail.contains("delete: changed"),
            "{row}"
        );
    }

    // undo accounts for the user deleted though the run did not disable them.
    let out = run(
        &portal.args(&url, &token, &["undo", path_str(&journal)]),
        "",
        dir.path(),
    );
    assert!(out.stdout.contains(&disabled), "{out:?}");
    assert!(out.stdout.contains("disabled before it"), "{out:?}");
}
