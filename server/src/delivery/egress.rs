//! The egress policy every outbound request obeys (webhooks, script calls, OAuth2 token
//! fetches, device deliveries, scripts' calls to Outflow's own API). Link-local and
//! cloud-metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254) are always refused;
//! private ranges are refused only when the operator asks for it. Hosts are checked after
//! DNS resolution (a resolver that filters what it returns), IP literals before sending,
//! and every redirect target again.
//!
//! Every address is judged by what it reaches, not how it is spelled: IPv4 written as IPv6
//! (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) is
//! judged as that IPv4 address, and the unspecified addresses (`0.0.0.0`, `::`), which
//! reach this host when connected to, count as loopback. Decimal, octal and hex IPv4
//! literals in URLs (`http://2130706433/`, `http://0177.0.0.1/`) are already turned into
//! dotted quads by the URL parser, so they are judged as what they mean too.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use reqwest::{
    dns::{Addrs, Name, Resolve, Resolving},
    redirect,
};

/// The AWS IPv6 metadata address.
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// What an address reaches, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// Link-local or cloud metadata: never called.
    LinkLocal,
    /// Loopback, unspecified, or a private range: refused under `deny_private`.
    Private,
    /// Anything else.
    Public,
}

/// The address as the policy judges it: IPv4 written as IPv6 (mapped, compatible, NAT64)
/// becomes that IPv4 address. `::` and `::1` stay IPv6 (they are not IPv4-compatible).
pub fn normalise(ip: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = ip else { return ip };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return IpAddr::V4(v4);
    }
    let segments = v6.segments();
    let embedded = Ipv4Addr::from((u32::from(segments[6]) << 16) | u32::from(segments[7]));
    match segments {
        // IPv4-compatible (deprecated, but still routed as IPv4 by some stacks).
        [0, 0, 0, 0, 0, 0, _, _] if !v6.is_unspecified() && !v6.is_loopback() => IpAddr::V4(embedded),
        // NAT64 well-known prefix (RFC 6052): a gateway forwards it to the IPv4 address.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => IpAddr::V4(embedded),
        _ => ip,
    }
}

/// What `ip` reaches, after [`normalise`].
pub fn classify(ip: IpAddr) -> AddressClass {
    match normalise(ip) {
        IpAddr::V4(v4) if v4.is_link_local() => AddressClass::LinkLocal,
        // 0.0.0.0/8 ("this network"): connecting to 0.0.0.0 reaches this host.
        IpAddr::V4(v4) if v4.is_private() || v4.is_loopback() || v4.octets()[0] == 0 => AddressClass::Private,
        IpAddr::V6(v6) if v6 == METADATA_V6 || (v6.segments()[0] & 0xffc0) == 0xfe80 => AddressClass::LinkLocal,
        // Loopback, unspecified (reaches this host), unique local fc00::/7, site-local fec0::/10.
        IpAddr::V6(v6)
            if v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfec0 =>
        {
            AddressClass::Private
        }
        _ => AddressClass::Public,
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct EgressPolicy {
    /// Also refuse private ranges (10/8, 172.16/12, 192.168/16, fc00::/7, loopback and the
    /// unspecified addresses).
    pub deny_private: bool,
}

impl EgressPolicy {
    /// Why an address may not be called, or `None` when it may.
    pub fn refusal(&self, ip: IpAddr) -> Option<&'static str> {
        match classify(ip) {
            AddressClass::LinkLocal => Some("a link-local or cloud-metadata address, which Outflow never calls"),
            AddressClass::Private if self.deny_private => Some("a private address, and this server denies private addresses"),
            _ => None,
        }
    }

    /// Checks a URL whose host is an IP literal (hostnames are checked when resolved).
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), String> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        match self.refusal(ip) {
            Some(reason) => Err(format!("Egress refused: {} is {reason}.", shown(ip))),
            None => Ok(()),
        }
    }

    /// A redirect policy that follows up to 10 redirects, each checked like the first URL.
    pub fn redirects(self) -> redirect::Policy {
        redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                return attempt.error("too many redirects");
            }
            match self.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(refusal) => attempt.error(refusal),
            }
        })
    }

    /// A DNS resolver that drops refused addresses and fails when none is left.
    pub fn resolver(self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver { policy: self })
    }
}

/// An address as a refusal names it: with the IPv4 address it stands for, when it is
/// spelled as IPv6.
fn shown(ip: IpAddr) -> String {
    match normalise(ip) {
        same if same == ip => ip.to_string(),
        meant => format!("{ip} (that is {meant})"),
    }
}

pub struct GuardedResolver {
    policy: EgressPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved.iter().copied().filter(|addr| policy.refusal(addr.ip()).is_none()).collect();
            match (allowed.is_empty(), resolved.first()) {
                (true, Some(first)) => {
                    let reason = policy.refusal(first.ip()).unwrap_or("refused");
                    Err(format!("Egress refused: {host} resolves to {}, {reason}.", shown(first.ip())).into())
                }
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|_| panic!("{text} is an IP address"))
    }

    #[test]
    fn metadata_and_link_local_are_always_refused() {
        let open = EgressPolicy::default();
        for ip in ["169.254.169.254", "169.254.0.1", "fd00:ec2::254", "fe80::1"] {
            assert!(open.refusal(ip.parse().unwrap()).is_some(), "{ip}");
        }
        for ip in ["127.0.0.1", "10.0.0.5", "192.168.1.1", "93.184.216.34"] {
            assert!(open.refusal(ip.parse().unwrap()).is_none(), "{ip} is allowed by default");
        }
        let strict = EgressPolicy { deny_private: true };
        assert!(strict.refusal("10.0.0.5".parse().unwrap()).is_some());
        assert!(strict.refusal("127.0.0.1".parse().unwrap()).is_some());
        assert!(strict.refusal("93.184.216.34".parse().unwrap()).is_none());
        let url = reqwest::Url::parse("http://169.254.169.254/latest/meta-data").unwrap();
        assert!(open.check_url(&url).unwrap_err().contains("169.254.169.254"));
    }

    #[test]
    fn ipv4_written_as_ipv6_is_judged_as_the_ipv4_address() {
        for (spelled, meant) in [
            ("::ffff:127.0.0.1", "127.0.0.1"),
            ("::ffff:7f00:1", "127.0.0.1"),
            ("::127.0.0.1", "127.0.0.1"),
            ("::a9fe:a9fe", "169.254.169.254"),
            ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
            ("64:ff9b::10.0.0.5", "10.0.0.5"),
            ("::ffff:0.0.0.0", "0.0.0.0"),
        ] {
            assert_eq!(normalise(ip(spelled)), ip(meant), "{spelled}");
        }
        for same in ["::", "::1", "2001:db8::1", "64:ff9b:1::a9fe:a9fe", "127.0.0.1"] {
            assert_eq!(normalise(ip(same)), ip(same), "{same} is not IPv4 in disguise");
        }
    }

    #[test]
    fn every_spelling_of_an_address_gets_the_same_class() {
        use AddressClass::{LinkLocal, Private, Public};
        let expected = [
            (
                LinkLocal,
                &[
                    "169.254.169.254",
                    "::ffff:169.254.169.254",
                    "::ffff:a9fe:a9fe",
                    "64:ff9b::a9fe:a9fe",
                    "::169.254.169.254",
                    "fe80::1",
                    "fd00:ec2::254",
                ][..],
            ),
            (
                Private,
                &[
                    "127.0.0.1",
                    "::ffff:127.0.0.1",
                    "::ffff:7f00:1",
                    "::127.0.0.1",
                    "64:ff9b::7f00:1",
                    "::1",
                    "0.0.0.0",
                    "::",
                    "::ffff:0.0.0.0",
                    "0.1.2.3",
                ][..],
            ),
            (Private, &["10.0.0.5", "::ffff:10.0.0.5", "64:ff9b::c0a8:101", "172.16.0.1", "192.168.1.1", "fc00::1", "fd12::1", "fec0::1"][..]),
            (Public, &["93.184.216.34", "::ffff:93.184.216.34", "64:ff9b::5db8:d822", "2606:2800:220:1:248:1893:25c8:1946", "1.1.1.1"][..]),
        ];
        for (class, addresses) in expected {
            for address in addresses {
                assert_eq!(classify(ip(address)), class, "{address}");
            }
        }
        let open = EgressPolicy::default();
        let strict = EgressPolicy { deny_private: true };
        for address in ["::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "64:ff9b::a9fe:a9fe"] {
            assert!(open.refusal(ip(address)).is_some_and(|reason| reason.contains("link-local")), "{address} is never called");
        }
        for address in ["0.0.0.0", "::", "::ffff:127.0.0.1", "::ffff:7f00:1"] {
            assert!(open.refusal(ip(address)).is_none(), "{address} is allowed unless private addresses are denied");
            assert!(strict.refusal(ip(address)).is_some_and(|reason| reason.contains("private")), "{address} is refused under deny_private");
        }
    }

    /// URLs are only parsed and checked here: nothing is sent to any of these addresses.
    #[test]
    fn urls_are_judged_by_the_address_they_mean_however_it_is_written() {
        let open = EgressPolicy::default();
        let strict = EgressPolicy { deny_private: true };
        let loopback = [
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://0x7f000001/",
            "http://127.1/",
            "http://0/",
            "http://0.0.0.0:8080/",
            "http://[::]:8080/",
            "http://[::ffff:127.0.0.1]:8080/",
            "http://[::ffff:7f00:1]/",
            "http://[::1]/",
        ];
        for text in loopback {
            let url = reqwest::Url::parse(text).unwrap();
            assert!(open.check_url(&url).is_ok(), "{text} is allowed by default");
            let refusal = strict.check_url(&url).expect_err(text);
            assert!(refusal.starts_with("Egress refused:") && refusal.contains("private address"), "{text}: {refusal}");
        }
        // The URL parser turns numeric IPv4 forms into the dotted quad the policy judges.
        for text in ["http://2130706433/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://0x7f000001/", "http://127.1/"] {
            assert_eq!(reqwest::Url::parse(text).unwrap().host_str(), Some("127.0.0.1"), "{text}");
        }
        let metadata = [
            "http://169.254.169.254/latest/meta-data",
            "http://2852039166/",
            "http://0xa9fea9fe/",
            "http://0xa9.0xfe.0xa9.0xfe/",
            "http://0251.0376.0251.0376/",
            "http://169.254.43518/",
            "http://[::ffff:169.254.169.254]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[fd00:ec2::254]/",
        ];
        for text in metadata {
            let url = reqwest::Url::parse(text).unwrap();
            let refusal = open.check_url(&url).expect_err(text);
            assert!(refusal.contains("link-local or cloud-metadata"), "{text}: {refusal}");
        }
        let mapped = strict.check_url(&reqwest::Url::parse("http://[::ffff:127.0.0.1]/").unwrap()).unwrap_err();
        assert!(mapped.contains("::ffff:127.0.0.1 (that is 127.0.0.1)"), "the refusal names the address meant: {mapped}");
        assert!(strict.check_url(&reqwest::Url::parse("http://93.184.216.34/").unwrap()).is_ok());
        assert!(strict.check_url(&reqwest::Url::parse("http://example.com/").unwrap()).is_ok(), "host names are checked when resolved");
    }

    /// A redirect is judged like the first address, before anything is sent to it: under
    /// `--egress-deny-private` a loopback answer redirecting to another loopback address is not
    /// followed (only loopback is used; a metadata address is never sent anything, not even
    /// to see it refused).
    #[tokio::test]
    async fn a_redirect_to_a_refused_address_is_refused_before_connecting() {
        let refused = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
        refused.set_nonblocking(true).unwrap();
        let target = format!("http://{}/latest", refused.local_addr().unwrap());
        let redirecting = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = redirecting.local_addr().unwrap();
        let app = axum::Router::new().route("/", axum::routing::get(move || async move { axum::response::Redirect::temporary(&target) }));
        tokio::spawn(async move { axum::serve(redirecting, app).await });

        let strict = EgressPolicy { deny_private: true };
        let client = reqwest::Client::builder().redirect(strict.redirects()).timeout(std::time::Duration::from_secs(5)).build().unwrap();
        let error = client.get(format!("http://{address}/")).send().await.unwrap_err();
        let mut reasons = Vec::new();
        let mut source: Option<&dyn std::error::Error> = Some(&error);
        while let Some(cause) = source {
            reasons.push(cause.to_string());
            source = cause.source();
        }
        assert!(error.is_redirect() && reasons.iter().any(|reason| reason.starts_with("Egress refused: 127.0.0.2 is")), "{reasons:?}");
        assert_eq!(refused.accept().map(|_| ()).unwrap_err().kind(), std::io::ErrorKind::WouldBlock, "nothing connected to the refused address");
    }
}
