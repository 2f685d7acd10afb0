//! Getting messages out of Outflow: device notifications (`devices`), integration
//! webhooks with Standard Webhooks signatures (`webhooks`, `signing`), endpoint
//! authentication (`auth`), the retry schedule (`retry`) and sandboxed scripts (`script`).

pub mod auth;
pub mod devices;
pub mod egress;
pub mod retry;
pub mod script;
pub mod self_calls;
pub mod signing;
pub mod webhooks;

/// Two HTTP clients sharing settings (and the egress policy): one verifying certificates,
/// one for endpoints that trust self-signed certificates.
#[derive(Clone)]
pub struct HttpClients {
    pub verified: reqwest::Client,
    pub self_signed: reqwest::Client,
    pub egress: egress::EgressPolicy,
}

impl HttpClients {
    pub fn new(egress: egress::EgressPolicy) -> Result<HttpClients, reqwest::Error> {
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(5))
                .pool_idle_timeout(std::time::Duration::from_secs(90))
                .user_agent(concat!("Outflow/", env!("CARGO_PKG_VERSION")))
                .dns_resolver(egress.resolver())
                .redirect(egress.redirects())
        };
        Ok(HttpClients { verified: builder().build()?, self_signed: builder().danger_accept_invalid_certs(true).build()?, egress })
    }

    pub fn for_endpoint(&self, trust_self_signed: bool) -> &reqwest::Client {
        if trust_self_signed { &self.self_signed } else { &self.verified }
    }
}

/// The innermost cause of an error (e.g. "Connection refused" under reqwest's wrappers).
pub fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}
