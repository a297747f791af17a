//! Where requests may go: plain `http://` only to this machine unless allowed, and redirects
//! only within the portal's origin.

use reqwest::Url;

use crate::Error;

/// Whether the URL's host is this machine (`localhost`, `127.0.0.0/8`, `::1`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Refuses `http://` to another machine unless the caller allowed it: tokens and passwords
/// would cross the network in clear text.
pub(crate) fn check_scheme(url: &Url, allow_insecure_http: bool) -> Result<(), Error> {
    if url.scheme() == "http" && !allow_insecure_http && !is_loopback(url) {
        return Err(Error::InsecureHttp {
            host: url.host_str().unwrap_or_default().to_owned(),
        });
    }
    Ok(())
}

/// Whether two URLs share scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

/// A URL as it may be shown: no user info, query or fragment (they may carry secrets).
pub(crate) fn shown(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn loopback_hosts() {
        for ok in [
            "http://localhost:8080",
            "http://127.0.0.1",
            "http://127.8.9.1",
            "http://[::1]:80",
            "http://a.localhost",
        ] {
            assert!(is_loopback(&url(ok)), "{ok}");
        }
        for other in [
            "http://portal.example.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
        ] {
            assert!(!is_loopback(&url(other)), "{other}");
        }
    }

    #[test]
    fn plain_http_needs_consent_off_this_machine() {
        assert!(check_scheme(&url("http://portal.example.com"), false).is_err());
        assert!(check_scheme(&url("http://portal.example.com"), true).is_ok());
        assert!(check_scheme(&url("https://portal.example.com"), false).is_ok());
        assert!(check_scheme(&url("http://127.0.0.1:3000"), false).is_ok());
    }

    #[test]
    fn shown_urls_drop_secrets() {
        let shown = shown(&url("https://u:p@evil.example/x?token=abc#f"));
        assert_eq!(shown, "https://evil.example/x");
    }
}
