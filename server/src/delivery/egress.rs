//! The egress policy every outbound request obeys (webhooks, script calls, OAuth2 token
//! fetches, device deliveries). Link-local and cloud-metadata addresses (169.254.0.0/16,
//! fe80::/10, fd00:ec2::254) are always refused; private ranges are refused only when the
//! operator asks for it. Hosts are checked after DNS resolution (a resolver that filters
//! what it returns), IP literals before sending, and every redirect target again.

use std::{
    net::{IpAddr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use reqwest::{
    dns::{Addrs, Name, Resolve, Resolving},
    redirect,
};

/// The AWS IPv6 metadata address.
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

#[derive(Debug, Clone, Copy, Default)]
pub struct EgressPolicy {
    /// Also refuse private ranges (10/8, 172.16/12, 192.168/16, fc00::/7, loopback).
    pub deny_private: bool,
}

impl EgressPolicy {
    /// Why an address may not be called, or `None` when it may.
    pub fn refusal(&self, ip: IpAddr) -> Option<&'static str> {
        let link_local = match ip {
            IpAddr::V4(v4) => v4.is_link_local(),
            IpAddr::V6(v6) => v6 == METADATA_V6 || (v6.segments()[0] & 0xffc0) == 0xfe80,
        };
        if link_local {
            return Some("a link-local or cloud-metadata address, which Outflow never calls");
        }
        let private = match ip {
            IpAddr::V4(v4) => v4.is_private() || v4.is_loopback(),
            IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
        };
        (self.deny_private && private).then_some("a private address, and this server denies private addresses")
    }

    /// Checks a URL whose host is an IP literal (hostnames are checked when resolved).
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), String> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        match self.refusal(ip) {
            Some(reason) => Err(format!("Egress refused: {ip} is {reason}.")),
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
                    Err(format!("Egress refused: {host} resolves to {}, {reason}.", first.ip()).into())
                }
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
