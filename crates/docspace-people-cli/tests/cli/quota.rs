//! Quota changes: sizes, set and reset.

use crate::common::{Portal, run, temp};

#[test]
fn a_bad_size_is_refused_before_anything_is_sent() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let out = run(
        &portal.args(
            &url,
            &token,
            &["quota", "set", "10 parsecs", "noah.fischer@example.com"],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("unknown unit"), "{}", out.stderr);
    assert_eq!(portal.portal.request_count(), 0);
}

#[test]
fn quota_set_and_reset_go_through() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "quota",
                "set",
                "3GiB",
                "noah.fischer@example.com",
                "lena.hoffmann@example.com",
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let noah = portal
        .portal
        .user_by_email("noah.fischer@example.com")
        .expect("noah");
    assert_eq!(noah.custom_quota, Some(3 << 30));

    let out = run(
        &portal.args(
            &url,
            &token,
            &["quota", "reset", "noah.fischer@example.com"],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let noah = portal
        .portal
        .user_by_email("noah.fischer@example.com")
        .expect("noah");
    assert_eq!(noah.custom_quota, None);
}
