//! The server-side request forgery guard for alert destinations: https only, the host a Slack
//! or Teams destination must have (as DQX requires), and every address the host resolves to
//! public: never loopback, private, link-local, shared, multicast or unspecified. The delivery then
//! connects to the address checked here, so a second DNS answer cannot redirect it. Loopback (and
//! plain http to it) is allowed only with `DQX_WEBHOOK_ALLOW_LOOPBACK=true`, for tests and local
//! use.

use crate::model::alerts::{DestinationKind, MAX_URL_CHARS, shown_url};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A destination that passed the guard: where to connect.
#[derive(Debug, Clone)]
pub struct Checked {
    pub url: reqwest::Url,
    pub host: String,
    pub addr: SocketAddr,
}

/// Checks the URL's form (no network): the words say what is wrong, never the URL's secret part.
pub fn check_form(
    kind: DestinationKind,
    url: &str,
    allow_loopback: bool,
) -> Result<reqwest::Url, String> {
    let shown = shown_url(url);
    if url.chars().count() > MAX_URL_CHARS {
        return Err(format!(
            "the {} URL is longer than {MAX_URL_CHARS} characters",
            kind.as_str()
        ));
    }
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|e| format!("the {} URL {shown} is not a URL ({e})", kind.as_str()))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| format!("the {} URL {shown} has no host", kind.as_str()))?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let loopback_host = host == "localhost"
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let local = allow_loopback && loopback_host;
    match parsed.scheme() {
        "https" => {}
        "http" if local => {}
        other => {
            return Err(format!(
                "alert destinations must use https, and {shown} uses {other}; give an https URL"
            ));
        }
    }
    let suffixes = kind.host_suffixes();
    if !suffixes.is_empty()
        && !local
        && !suffixes
            .iter()
            .any(|s| host == *s || host.ends_with(&format!(".{s}")))
    {
        return Err(format!(
            "a {} destination must be on {} (as DQX requires), and {shown} is not; use the URL {} gives you, or a webhook destination",
            kind.as_str(),
            suffixes.join(" or "),
            kind.as_str()
        ));
    }
    Ok(parsed)
}

/// Checks the URL and resolves its host, refusing unless every address is public (or loopback,
/// when allowed).
pub async fn check(
    kind: DestinationKind,
    url: &str,
    allow_loopback: bool,
) -> Result<Checked, String> {
    let parsed = check_form(kind, url, allow_loopback)?;
    let shown = shown_url(url);
    let host = parsed.host_str().unwrap_or_default().to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let bare = host.trim_matches(['[', ']']).to_string();
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare.as_str(), port))
            .await
            .map_err(|e| format!("the host of {shown} does not resolve ({e})"))?
            .collect(),
    };
    let Some(first) = addrs.first().copied() else {
        return Err(format!("the host of {shown} resolves to no address"));
    };
    for addr in &addrs {
        let ip = canonical(addr.ip());
        if ip.is_loopback() && allow_loopback {
            continue;
        }
        if let Some(why) = not_public(ip) {
            return Err(format!(
                "{shown} resolves to {why} address {ip}; alert destinations must be public addresses (the app does not send requests into its own network)"
            ));
        }
    }
    Ok(Checked {
        url: parsed,
        host: bare,
        addr: first,
    })
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Why an address is not public, or `None` when it is.
pub fn not_public(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => not_public_v4(v4),
        IpAddr::V6(v6) => not_public_v6(v6),
    }
}

fn not_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback")
    } else if ip.is_private() {
        Some("a private")
    } else if ip.is_link_local() {
        Some("a link-local")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT)")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast or reserved")
    } else if ip.is_documentation() || (a == 198 && (b == 18 || b == 19)) || (a == 192 && b == 0) {
        Some("a reserved")
    } else {
        None
    }
}

fn not_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("a loopback")
    } else if ip.is_unspecified() {
        Some("an unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        Some("a private (unique local)")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local")
    } else if ip.is_multicast() {
        Some("a multicast")
    } else if first == 0x64 && ip.segments()[1] == 0xff9b {
        Some("a translated (NAT64)")
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
        Some("a documentation")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        for blocked in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::",
        ] {
            let ip: IpAddr = blocked.parse().unwrap();
            assert!(not_public(ip).is_some(), "{blocked} must be refused");
        }
        for public in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"] {
            assert_eq!(not_public(public.parse().unwrap()), None, "{public}");
        }
    }

    #[test]
    fn forms_are_refused_in_words_without_the_secret() {
        let error = check_form(
            DestinationKind::Webhook,
            "http://example.com/secret-token",
            false,
        )
        .unwrap_err();
        assert!(error.contains("must use https"), "{error}");
        assert!(!error.contains("secret-token"), "{error}");
        let error = check_form(
            DestinationKind::Slack,
            "https://evil.example/hooks.slack.com/T/B/C",
            false,
        )
        .unwrap_err();
        assert!(error.contains("hooks.slack.com"), "{error}");
        assert!(
            check_form(
                DestinationKind::Slack,
                "https://hooks.slack.com/services/T/B/C",
                false
            )
            .is_ok()
        );
        assert!(
            check_form(
                DestinationKind::Teams,
                "https://prod-1.westus.logic.azure.com/x",
                false
            )
            .is_ok()
        );
        assert!(check_form(DestinationKind::Webhook, "http://127.0.0.1:9/x", true).is_ok());
        assert!(check_form(DestinationKind::Webhook, "http://127.0.0.1:9/x", false).is_err());
        assert!(check_form(DestinationKind::Webhook, "file:///etc/passwd", true).is_err());
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused_unless_allowed() {
        let error = check(DestinationKind::Webhook, "https://localhost:9/x", false)
            .await
            .unwrap_err();
        assert!(error.contains("loopback"), "{error}");
        let error = check(
            DestinationKind::Webhook,
            "https://[::ffff:10.0.0.1]/x",
            true,
        )
        .await
        .unwrap_err();
        assert!(error.contains("private"), "{error}");
        assert!(
            check(DestinationKind::Webhook, "http://localhost:9/x", true)
                .await
                .is_ok()
        );
    }
}
