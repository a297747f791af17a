//! Signing in: tokens, API keys, `login`, named profiles, plain HTTP.

use std::path::PathBuf;

use docspace_people_fake::{
    Endpoint, OWNER_API_KEY, OWNER_EMAIL, OWNER_PASSWORD, PortalConfig, ServerVersion,
};

use crate::common::{Portal, path_str, run, temp};

#[test]
fn a_rejected_token_is_an_auth_error_before_any_change() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let out = run(
        &portal.args(
            &url,
            "not-a-valid-token",
            &["status", "set", "terminated", "noah.fischer@example.com"],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    // And says what to do next.
    assert!(
        out.stderr.contains("docspace-people login"),
        "{}",
        out.stderr
    );
    assert_eq!(portal.portal.counters().endpoint(Endpoint::UpdateStatus), 0);
}

#[test]
fn an_api_key_works_and_goes_with_no_token() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let list = ["users", "list", "--limit", "2", "--format", "json"];
    let mut args = vec!["--portal", url.as_str(), "--api-key", OWNER_API_KEY];
    args.extend(list);
    let out = run(&args, "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains(OWNER_API_KEY) && !out.stderr.contains(OWNER_API_KEY));

    args.extend(["--token", "t"]);
    let out = run(&args, "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("only one"), "{}", out.stderr);
}

#[test]
fn login_stores_a_private_token_used_by_later_commands() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let config_dir = dir.path().join("config");
    let config_file: PathBuf = config_dir.join("config.json");

    let out = run(
        &[
            "login",
            "--portal",
            &url,
            "--user",
            OWNER_EMAIL,
            "--password-stdin",
        ],
        &format!("{OWNER_PASSWORD}\n"),
        &config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(path_str(&config_file)),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(OWNER_PASSWORD) && !out.stderr.contains(OWNER_PASSWORD));
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config_file).expect("a config file"))
            .expect("JSON");
    assert_eq!(stored["portal"], url.as_str());
    let token = stored["token"].as_str().expect("a token");
    assert!(!token.is_empty());
    assert!(!out.stdout.contains(token) && !out.stderr.contains(token));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config_file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }

    // Later commands use the stored portal and token.
    let out = run(
        &["users", "list", "--limit", "1", "--format", "json"],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&out.stdout)
            .expect("JSON")
            .len(),
        1
    );
    // ... but never send it to another portal.
    let out = run(
        &["--portal", "http://127.0.0.1:9", "users", "list"],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("no credentials"), "{}", out.stderr);

    // A wrong password is an auth error, and the stored token stays.
    let out = run(
        &[
            "login",
            "--portal",
            &url,
            "--user",
            OWNER_EMAIL,
            "--password-stdin",
        ],
        "wrong password\n",
        &config_dir,
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(config_file.exists());

    let out = run(&["logout"], "", &config_dir);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!config_file.exists());
    let out = run(&["users", "list"], "", &config_dir);
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn plain_http_to_another_machine_is_refused_naming_the_flag() {
    let dir = temp();
    let out = run(
        &[
            "--portal",
            "http://portal.example.com",
            "--token",
            "secret-token",
            "users",
            "list",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--allow-http"), "{}", out.stderr);
    assert!(!out.stderr.contains("secret-token"));
}

#[test]
fn named_profiles_keep_several_portals() {
    let first = Portal::start();
    let second =
        Portal::start_with(PortalConfig::demo().with_version(ServerVersion::Workspace12_7));
    let dir = temp();
    let config_dir = dir.path().join("config");
    for (profile, portal) in [("work", &first), ("old-office", &second)] {
        let url = portal.portal.base_url();
        let out = run(
            &[
                "login",
                "--profile",
                profile,
                "--portal",
                &url,
                "--user",
                OWNER_EMAIL,
                "--password-stdin",
            ],
            &format!("{OWNER_PASSWORD}\n"),
            &config_dir,
        );
        assert_eq!(out.code, 0, "{profile}: {out:?}");
    }
    let profile_file = config_dir.join("profiles").join("work.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&profile_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    let out = run(&["profiles", "list"], "", &config_dir);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("work") && out.stdout.contains(&first.portal.base_url()));
    assert!(out.stdout.contains("old-office") && out.stdout.contains(&second.portal.base_url()));
    let token = std::fs::read_to_string(&profile_file).unwrap();
    let token: serde_json::Value = serde_json::from_str(&token).unwrap();
    assert!(!out.stdout.contains(token["token"].as_str().unwrap()));

    // Each profile talks to its own portal: Workspace names types its way.
    let out = run(
        &[
            "--profile",
            "old-office",
            "users",
            "list",
            "--type",
            "visitor",
        ],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("visitor"), "{}", out.stdout);
    let out = run(
        &["--profile", "work", "users", "list", "--type", "guest"],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(&["--profile", "bad/name", "users", "list"], "", &config_dir);
    assert_eq!(out.code, 2, "{out:?}");

    let out = run(&["logout", "--profile", "work"], "", &config_dir);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!profile_file.exists());
    let out = run(&["--profile", "work", "users", "list"], "", &config_dir);
    assert_ne!(out.code, 0, "no portal or token left for it: {out:?}");
}

#[test]
fn a_blocked_sign_in_says_to_wait() {
    use docspace_people_fake::seed::{USER_EMAIL, USER_PASSWORD};
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let login = |password: &str| {
        run(
            &[
                "login",
                "--portal",
                &url,
                "--user",
                USER_EMAIL,
                "--password-stdin",
            ],
            &format!("{password}\n"),
            dir.path(),
        )
    };
    for _ in 0..6 {
        let out = login("wrong");
        assert_eq!(out.code, 3, "{out:?}");
    }
    let out = login(USER_PASSWORD);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("Too many login attempts"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("wait"), "{}", out.stderr);
}

#[test]
fn whoami_profiles_and_undo_with_the_profile_of_the_journals_portal() {
    let work = Portal::start();
    let other = Portal::start();
    let dir = temp();
    let config_dir = dir.path().join("config");
    for (profile, portal) in [(Some("work"), &work), (None, &other)] {
        let url = portal.portal.base_url();
        let mut args = vec![
            "login",
            "--portal",
            &url,
            "--user",
            OWNER_EMAIL,
            "--password-stdin",
        ];
        if let Some(profile) = profile {
            args.extend(["--profile", profile]);
        }
        let out = run(&args, &format!("{OWNER_PASSWORD}\n"), &config_dir);
        assert_eq!(out.code, 0, "{profile:?}: {out:?}");
    }
    let out = run(&["profiles", "list"], "", &config_dir);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("SIGNED IN AS"), "{}", out.stdout);
    assert!(out.stdout.contains(OWNER_EMAIL), "{}", out.stdout);

    let out = run(&["--profile", "work", "whoami"], "", &config_dir);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(&work.portal.base_url()),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(OWNER_EMAIL), "{}", out.stdout);
    assert!(out.stdout.contains("working"), "{}", out.stdout);
    let url = work.portal.base_url();
    let out = run(
        &["--portal", &url, "--token", "expired", "whoami"],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("docspace-people login"),
        "{}",
        out.stderr
    );

    // A mistyped profile is named, with the ones there are.
    let out = run(&["--profile", "wrok", "whoami"], "", &config_dir);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("no profile named `wrok`; the profiles are: work"),
        "{}",
        out.stderr
    );

    // undo finds the profile of the journal's portal, not the default one's.
    let journal = dir.path().join("run.jsonl");
    let noah = "noah.fischer@example.com";
    let out = run(
        &[
            "--profile",
            "work",
            "status",
            "set",
            "terminated",
            noah,
            "--journal",
            path_str(&journal),
        ],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(work.status_of(noah), 2);
    let out = run(&["undo", path_str(&journal)], "", &config_dir);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("Using the profile `work`"),
        "{}",
        out.stderr
    );
    assert_eq!(work.status_of(noah), 1, "restored on the journal's portal");
    assert_eq!(other.status_of(noah), 1, "the other portal untouched");

    // Without a stored sign-in for a portal, the advice does not overwrite the default.
    let third = Portal::start();
    let url = third.portal.base_url();
    let out = run(&["--portal", &url, "users", "list"], "", &config_dir);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("--profile NAME"), "{}", out.stderr);
}
