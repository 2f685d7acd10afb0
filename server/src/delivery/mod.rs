//! Getting messages out of Outflow: device notifications (`devices`), integration
//! webhooks with Standard Webhooks signatures (`webhooks`, `signing`), endpoint
//! authentication (`auth`), the retry schedule (`retry`) and sandboxed scripts (`script`).

pub mod auth;
pub mod devices;
pub mod egress;
pub mod limits;
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

/// The most of an answer's body Outflow reads from any endpoint, device, token URL or its
/// own API; the rest is never downloaded.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An answer's body, read up to [`MAX_BODY_BYTES`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CappedBody {
    /// The body as text (invalid UTF-8 replaced), cut at the cap on a character boundary.
    pub text: String,
    /// The answer had more than [`MAX_BODY_BYTES`]; `text` is its beginning.
    pub truncated: bool,
}

impl CappedBody {
    /// The note a log or error gives about a cut body.
    pub const TRUNCATED: &str = "response body larger than 1 MiB, cut to its first 1 MiB";
}

/// Reads an answer's body chunk by chunk and stops at [`MAX_BODY_BYTES`], for every outbound
/// call: webhooks (integration runs, the flow Webhook step, scripts' calls), device
/// webhooks, OAuth2 token fetches and scripts' calls to Outflow's own API. `Err` when the
/// body broke off (timeout, connection reset) before the cap.
pub async fn read_capped(mut response: reqwest::Response) -> Result<CappedBody, reqwest::Error> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_BODY_BYTES - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(CappedBody { text: text_of(bytes, truncated), truncated })
}

/// Bytes as text; a cut body loses the partial character at its end.
fn text_of(mut bytes: Vec<u8>, truncated: bool) -> String {
    if truncated
        && let Err(error) = std::str::from_utf8(&bytes)
        && error.error_len().is_none()
    {
        bytes.truncate(error.valid_up_to());
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_body_ends_on_a_character_boundary() {
        let mut bytes = "é".repeat(4).into_bytes();
        bytes.pop();
        assert_eq!(text_of(bytes.clone(), true), "ééé", "the half character at the cut is dropped");
        assert_eq!(text_of(bytes, false), "ééé\u{fffd}", "an uncut body keeps it, replaced");
        assert_eq!(text_of(b"ok \xff".to_vec(), true), "ok \u{fffd}", "invalid bytes inside are replaced");
    }
}
