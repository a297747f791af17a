//! Choosing users by what the portal knows: the selectors on `users list` and the bulk
//! commands, inactivity from the login history, and its refusal on a plan that keeps none.

use std::collections::HashSet;

use chrono::{Duration, Utc};
use docspace_people_fake::{FakeUser, PortalConfig};

use crate::common::{Portal, run, temp};

fn listed(portal: &Portal, url: &str, token: &str, selectors: &[&str]) -> HashSet<String> {
    let dir = temp();
    let mut args = vec!["users", "list", "--format", "json"];
    args.extend_from_slice(selectors);
    let out = run(&portal.args(url, token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{selectors:?}: {out:?}");
    let users: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    users
        .as_array()
        .expect("an array")
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

fn expected(portal: &Portal, keep: impl Fn(&FakeUser) -> bool) -> HashSet<String> {
    portal
        .portal
        .snapshot()
        .iter()
        .filter(|u| keep(u))
        .map(|u| u.id.to_string())
        .collect()
}

#[test]
fn every_selector_of_users_list() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let paid = |u: &FakeUser| u.is_owner || matches!(u.user_type, 1 | 3);
    let group = portal.portal.groups()[0].name.clone();
    let inviter = portal
        .portal
        .snapshot()
        .iter()
        .find_map(|u| u.invited_by)
        .unwrap()
        .to_string();
    let cases: Vec<(Vec<&str>, HashSet<String>)> = vec![
        (vec!["--paid"], expected(&portal, paid)),
        (vec!["--free"], expected(&portal, |u| !paid(u))),
        (
            vec!["--quota-kind", "custom"],
            expected(&portal, |u| u.custom_quota.is_some()),
        ),
        (
            vec!["--without-group"],
            expected(&portal, |u| u.departments.is_empty()),
        ),
        (
            vec!["--login-type", "ldap"],
            expected(&portal, |u| u.is_ldap),
        ),
        (
            vec!["--group", group.as_str()],
            expected(&portal, |u| u.departments.contains(&group)),
        ),
        (
            vec!["--invited-by", inviter.as_str()],
            expected(&portal, |u| {
                u.invited_by.map(|i| i.to_string()) == Some(inviter.clone())
            }),
        ),
        (
            vec!["--type", "guest", "--status", "active"],
            expected(&portal, |u| u.user_type == 2 && u.status == 1),
        ),
    ];
    for (selectors, want) in cases {
        assert!(!want.is_empty(), "{selectors:?} selects someone");
        assert_eq!(
            listed(&portal, &url, &token, &selectors),
            want,
            "{selectors:?}"
        );
    }
    let since = Utc::now() - Duration::days(180);
    let logins = portal.portal.last_sign_ins();
    assert_eq!(
        listed(&portal, &url, &token, &["--inactive-for", "180d"]),
        expected(&portal, |u| logins.get(&u.id).is_none_or(|at| *at < since)
            && u.registered < since)
    );
}

#[test]
fn a_bulk_command_acts_on_every_user_its_selectors_choose() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let since = Utc::now() - Duration::days(180);
    let logins = portal.portal.last_sign_ins();
    let idle_guests = expected(&portal, |u| {
        u.user_type == 2
            && u.status == 1
            && logins.get(&u.id).is_none_or(|at| *at < since)
            && u.registered < since
    });
    assert!(!idle_guests.is_empty());
    let active_before = expected(&portal, |u| u.status == 1);
    let args = [
        "status",
        "set",
        "terminated",
        "--type",
        "guest",
        "--status",
        "active",
        "--inactive-for",
        "180d",
        "--yes",
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("{} users match", idle_guests.len())),
        "the count before sending: {}",
        out.stderr
    );
    let active_after = expected(&portal, |u| u.status == 1);
    let disabled: HashSet<String> = active_before.difference(&active_after).cloned().collect();
    assert_eq!(
        disabled, idle_guests,
        "exactly the inactive guests were disabled"
    );

    // A list and selectors together are refused before anything is sent.
    let out = run(
        &portal.args(
            &url,
            &token,
            &["quota", "set", "5GiB", "a@example.com", "--paid"],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("not both"), "{}", out.stderr);
}

#[test]
fn inactivity_is_refused_on_a_plan_without_login_history() {
    let portal = Portal::start_with(PortalConfig::demo().without_login_history());
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let before = portal.portal.snapshot();
    let args = [
        "status",
        "set",
        "terminated",
        "--type",
        "guest",
        "--inactive-for",
        "180d",
        "--yes",
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("keeps no login history"),
        "{}",
        out.stderr
    );
    assert_eq!(
        portal.portal.snapshot(),
        before,
        "nobody selected by the last 20 logins"
    );
}

#[test]
fn users_list_shows_the_last_login_when_asked() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let out = run(
        &portal.args(&url, &token, &["users", "list", "--last-login"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("LAST LOGIN"), "{}", out.stdout);
    let logins = portal.portal.last_sign_ins();
    let someone = portal
        .portal
        .snapshot()
        .into_iter()
        .find_map(|u| logins.get(&u.id).map(|at| (u.email, *at)))
        .unwrap();
    let line = out.stdout.lines().find(|l| l.contains(&someone.0)).unwrap();
    assert!(
        line.contains(&someone.1.format("%Y-%m-%d").to_string()),
        "{line}"
    );
    assert!(
        out.stdout.contains("never"),
        "users who never signed in: {}",
        out.stdout
    );
}
