//! What small runs cost: the server's version is kept with the profile, so changing one user
//! takes the read that makes its outcome a fact and the write, and nothing else.

use docspace_people_fake::Endpoint;
use docspace_people_fake::seed::{OWNER_EMAIL, OWNER_PASSWORD, USER_EMAIL};

use crate::common::{Portal, run, temp};

/// `login` as the portal's owner into `config_dir`.
fn sign_in_as_owner(url: &str, config_dir: &std::path::Path) {
    let out = run(
        &[
            "login",
            "--portal",
            url,
            "--user",
            OWNER_EMAIL,
            "--password-stdin",
        ],
        &format!("{OWNER_PASSWORD}\n"),
        config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
}

/// The id of the seeded user, with the portal's counters set to zero.
fn seeded_user_counting_from_now(portal: &Portal) -> String {
    let user = portal
        .portal
        .id_of(USER_EMAIL)
        .expect("a seeded user")
        .to_string();
    portal.portal.reset_counters();
    user
}

#[test]
fn one_user_is_changed_in_two_requests_once_the_server_is_known() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let config_dir = dir.path().join("config");
    sign_in_as_owner(&url, &config_dir);
    let user = seeded_user_counting_from_now(&portal);
    let out = run(
        &["status", "set", "terminated", &user, "--yes"],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(portal.status_of(USER_EMAIL), 2);
    let counters = portal.portal.counters();
    assert_eq!(portal.portal.request_count(), 2, "{counters:?}");
}

#[test]
fn the_kept_server_is_asked_again_when_stale_or_told_and_a_refused_token_stops_the_run() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let config_dir = dir.path().join("config");
    let config_file = config_dir.join("config.json");
    sign_in_as_owner(&url, &config_dir);
    let stored = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&config_file).unwrap()).unwrap()
    };
    let kept = stored();
    let name = kept["server"]["name"].as_str().unwrap_or_default();
    assert!(name.starts_with("DocSpace 3.7"), "{kept}");
    assert!(kept["user_id"].is_string(), "{kept}");
    let asked = |args: &[&str]| {
        portal.portal.reset_counters();
        let out = run(args, "", &config_dir);
        assert_eq!(out.code, 0, "{out:?}");
        // `settings/version/build` is the only route of these runs the counters call other.
        portal.portal.counters().endpoint(Endpoint::Other)
    };
    let list = ["users", "list", "--limit", "1"];
    assert_eq!(asked(&list), 0, "kept");
    let detect = ["--detect-server", "users", "list", "--limit", "1"];
    assert_eq!(asked(&detect), 1, "--detect-server asks");
    // A day old: asked again, and the new answer kept.
    let mut stale = stored();
    stale["server"]["checked"] = serde_json::json!(1);
    std::fs::write(&config_file, stale.to_string()).unwrap();
    assert_eq!(asked(&list), 1, "stale");
    assert_ne!(stored()["server"]["checked"], 1);
    assert_eq!(asked(&list), 0, "kept again");

    // A token the portal no longer takes: the run stops before sending, and says what to do.
    let mut expired = stored();
    expired["token"] = serde_json::json!("expired-token");
    std::fs::write(&config_file, expired.to_string()).unwrap();
    let user = seeded_user_counting_from_now(&portal);
    let out = run(
        &["status", "set", "terminated", &user, "--yes"],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("nothing was sent"), "{}", out.stderr);
    assert!(
        out.stderr.contains("docspace-people login"),
        "{}",
        out.stderr
    );
    assert_eq!(portal.portal.counters().endpoint(Endpoint::UpdateStatus), 0);
    assert_eq!(portal.status_of(USER_EMAIL), 1);
}

#[test]
fn an_offboarding_reads_who_signed_in_once() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let user = seeded_user_counting_from_now(&portal);
    // No profile: the command reads `people/@self` to say who it runs as, and the disable
    // step, whose refusals depend on who asks, uses that answer.
    let out = run(
        &portal.args(&url, &token, &["offboard", &user, "--yes"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(portal.status_of(USER_EMAIL), 2);
    let counters = portal.portal.counters();
    assert_eq!(counters.endpoint(Endpoint::GetSelf), 1, "{counters:?}");
    // The version, who signed in, the user's read and the write.
    assert_eq!(portal.portal.request_count(), 4, "{counters:?}");
}

#[test]
fn an_invitation_reads_who_signed_in_once() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    portal.portal.reset_counters();
    let args = [
        "invite",
        "--type",
        "user",
        "new.hire@northwind.example",
        "--yes",
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(portal.portal.id_of("new.hire@northwind.example").is_some());
    let counters = portal.portal.counters();
    assert_eq!(counters.endpoint(Endpoint::GetSelf), 1, "{counters:?}");
}
