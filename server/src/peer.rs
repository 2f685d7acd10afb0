//! The address a request comes from, for throttling sign-ins and the first-admin link and for
//! keeping `/metrics` on loopback: the TCP peer (`ConnectInfo`, see `serve.rs`), or, only
//! with `--trust-forwarded-for`, the last address in `X-Forwarded-For` (the one the reverse
//! proxy in front of Outflow appended; anything before it is whatever the client claimed).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, request::Parts},
};

use crate::state::AppState;

/// Where a request comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr {
    pub ip: IpAddr,
    /// The request names a forwarding proxy (`X-Forwarded-For`, `Forwarded`, `X-Real-IP`):
    /// a proxy on this host makes every client look like loopback.
    pub forwarded: bool,
}

impl ClientAddr {
    /// Resolves the client of a request that came from `peer`.
    pub fn resolve(peer: Option<SocketAddr>, headers: &HeaderMap, trust_forwarded_for: bool) -> ClientAddr {
        let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"].iter().any(|name| headers.contains_key(*name));
        let claimed = trust_forwarded_for.then(|| last_forwarded_for(headers)).flatten();
        // Without a peer (a router served without connect info) nothing is known: an
        // address that is neither loopback nor shared with real clients.
        let ip = claimed.or(peer.map(|peer| peer.ip())).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        ClientAddr { ip: canonical(ip), forwarded }
    }

    /// Loopback, and not relayed by a proxy.
    pub fn is_local(&self) -> bool {
        self.ip.is_loopback() && !self.forwarded
    }

    /// The key throttles count under: the IPv4 address, or the /64 network of an IPv6 one
    /// (a single host commonly holds a whole /64, so counting per address would let it
    /// rotate through its own addresses).
    pub fn throttle_key(&self) -> String {
        match self.ip {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => {
                let [a, b, c, d, ..] = ip.segments();
                format!("{}/64", Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        }
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| *peer);
        Ok(ClientAddr::resolve(peer, &parts.headers, state.trust_forwarded_for))
    }
}

/// The last entry of the last `X-Forwarded-For` header, when it is an address.
fn last_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let value = headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    last.parse::<IpAddr>().ok().or_else(|| last.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
}

/// An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 client) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn peer(text: &str) -> Option<SocketAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn the_peer_is_the_client_unless_forwarding_is_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("10.9.9.9, 203.0.113.7"));
        let untrusted = ClientAddr::resolve(peer("127.0.0.1:5000"), &headers, false);
        assert_eq!(untrusted.ip, "127.0.0.1".parse::<IpAddr>().unwrap(), "a client cannot choose its own address");
        assert!(untrusted.forwarded && !untrusted.is_local(), "relayed by a proxy: not local");
        let trusted = ClientAddr::resolve(peer("127.0.0.1:5000"), &headers, true);
        assert_eq!(trusted.ip, "203.0.113.7".parse::<IpAddr>().unwrap(), "the address the proxy appended, not the claimed one");
        headers.insert("x-forwarded-for", HeaderValue::from_static("not an address"));
        assert_eq!(ClientAddr::resolve(peer("127.0.0.1:5000"), &headers, true).ip, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert!(ClientAddr::resolve(peer("127.0.0.2:5000"), &HeaderMap::new(), false).is_local());
        assert!(ClientAddr::resolve(peer("[::1]:5000"), &HeaderMap::new(), false).is_local());
        assert!(!ClientAddr::resolve(peer("192.0.2.1:5000"), &HeaderMap::new(), false).is_local());
        assert!(!ClientAddr::resolve(None, &HeaderMap::new(), false).is_local(), "an unknown peer is not local");
    }

    #[test]
    fn throttles_count_ipv4_addresses_and_ipv6_networks() {
        let key = |text: &str| ClientAddr::resolve(peer(text), &HeaderMap::new(), false).throttle_key();
        assert_eq!(key("192.0.2.1:1"), "192.0.2.1");
        assert_eq!(key("[::ffff:192.0.2.1]:1"), "192.0.2.1", "a mapped IPv4 client is that IPv4 client");
        assert_eq!(key("[2001:db8:1:2:aaaa::1]:1"), "2001:db8:1:2::/64");
        assert_eq!(key("[2001:db8:1:2:bbbb::9]:1"), key("[2001:db8:1:2:aaaa::1]:1"));
        assert_ne!(key("[2001:db8:1:3::1]:1"), key("[2001:db8:1:2::1]:1"));
    }
}
