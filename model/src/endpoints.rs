//! Endpoints (SPEC §5): where integrations send requests, with their authentication.
//! Secrets travel inwards only: answers carry [`MASK`] in their place.

use serde::{Deserialize, Serialize};

/// What an answer shows instead of a stored secret; sending it back keeps the secret.
pub const MASK: &str = "********";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub id: String,
    pub workflow_id: String,
    pub name: String,
    /// Scheme, host, port and optional base path, e.g. `https://h:8443/api`.
    pub base_url: String,
    pub auth: EndpointAuth,
    pub trust_self_signed: bool,
    /// Masked, except in the answer that created the endpoint.
    pub signing_secret: String,
    pub created_at: String,
    /// At most this many requests start in any one second (integrations, flow steps and
    /// agents together); `None`: no limit.
    #[serde(default)]
    pub max_per_second: Option<u32>,
    /// At most this many requests in flight at once; `None`: no limit.
    #[serde(default)]
    pub max_concurrent: Option<u32>,
}

impl Endpoint {
    pub fn limits(&self) -> EndpointLimits {
        EndpointLimits { per_second: self.max_per_second, concurrent: self.max_concurrent }
    }
}

/// How much an endpoint takes at once; every request to it, whoever sends it, waits its turn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EndpointLimits {
    pub per_second: Option<u32>,
    pub concurrent: Option<u32>,
}

impl EndpointLimits {
    pub fn is_limited(&self) -> bool {
        self.per_second.is_some() || self.concurrent.is_some()
    }
}

/// Highest `maxPerSecond` an endpoint may set.
pub const MAX_PER_SECOND: u32 = 10_000;
/// Highest `maxConcurrent` an endpoint may set.
pub const MAX_CONCURRENT: u32 = 1_000;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewEndpoint {
    pub workflow_id: String,
    pub name: String,
    pub base_url: String,
    #[serde(default)]
    pub auth: EndpointAuth,
    #[serde(default)]
    pub trust_self_signed: bool,
    /// A Standard Webhooks secret (`whsec_…`); generated when left out.
    #[serde(default)]
    pub signing_secret: Option<String>,
    /// At most this many requests start in any one second (1 to 10000).
    #[serde(default)]
    pub max_per_second: Option<u32>,
    /// At most this many requests in flight at once (1 to 1000).
    #[serde(default)]
    pub max_concurrent: Option<u32>,
}

/// A partial update; secrets equal to [`MASK`] keep their stored value.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EndpointPatch {
    pub name: Option<String>,
    pub base_url: Option<String>,
    pub auth: Option<EndpointAuth>,
    pub trust_self_signed: Option<bool>,
    pub signing_secret: Option<String>,
    /// As on [`NewEndpoint`]; 0 removes the limit, absent keeps it.
    pub max_per_second: Option<u32>,
    pub max_concurrent: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum EndpointAuth {
    #[default]
    None,
    /// Sent pre-emptively on every request.
    Basic {
        username: String,
        password: String,
    },
    Bearer {
        token: String,
    },
    /// A key sent in the named header.
    #[serde(rename_all = "camelCase")]
    ApiKey {
        header: String,
        key: String,
    },
    /// Client credentials: a token is fetched from `tokenUrl` and cached until it expires.
    #[serde(rename_all = "camelCase")]
    Oauth2 {
        token_url: String,
        client_id: String,
        client_secret: String,
        #[serde(default)]
        scope: Option<String>,
    },
}

impl EndpointAuth {
    /// The same settings with every secret replaced by [`MASK`].
    pub fn masked(&self) -> EndpointAuth {
        let mask = || MASK.to_string();
        match self {
            EndpointAuth::None => EndpointAuth::None,
            EndpointAuth::Basic { username, .. } => EndpointAuth::Basic { username: username.clone(), password: mask() },
            EndpointAuth::Bearer { .. } => EndpointAuth::Bearer { token: mask() },
            EndpointAuth::ApiKey { header, .. } => EndpointAuth::ApiKey { header: header.clone(), key: mask() },
            EndpointAuth::Oauth2 { token_url, client_id, scope, .. } => {
                EndpointAuth::Oauth2 { token_url: token_url.clone(), client_id: client_id.clone(), client_secret: mask(), scope: scope.clone() }
            }
        }
    }

    /// Fills secrets sent back as [`MASK`] from the stored settings of the same type.
    pub fn keeping_secrets_of(self, stored: &EndpointAuth) -> EndpointAuth {
        let keep = |new: String, old: &String| if new == MASK { old.clone() } else { new };
        match (self, stored) {
            (EndpointAuth::Basic { username, password }, EndpointAuth::Basic { password: old, .. }) => {
                EndpointAuth::Basic { username, password: keep(password, old) }
            }
            (EndpointAuth::Bearer { token }, EndpointAuth::Bearer { token: old }) => EndpointAuth::Bearer { token: keep(token, old) },
            (EndpointAuth::ApiKey { header, key }, EndpointAuth::ApiKey { key: old, .. }) => EndpointAuth::ApiKey { header, key: keep(key, old) },
            (EndpointAuth::Oauth2 { token_url, client_id, client_secret, scope }, EndpointAuth::Oauth2 { client_secret: old, .. }) => {
                EndpointAuth::Oauth2 { token_url, client_id, client_secret: keep(client_secret, old), scope }
            }
            (other, _) => other,
        }
    }
}

/// Joins an endpoint's base URL and a path without doubling or dropping the slash:
/// `https://h:8443/api` + `/v2/x` = `https://h:8443/api/v2/x` (SPEC §5).
pub fn join_url(base_url: &str, path: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let path = path.trim();
    if path.is_empty() {
        return base.to_string();
    }
    format!("{base}/{}", path.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_the_base_url_as_the_spec_says() {
        assert_eq!(join_url("https://h:8443/api", "/v2/x"), "https://h:8443/api/v2/x");
        assert_eq!(join_url("https://h:8443/api/", "v2/x"), "https://h:8443/api/v2/x");
        assert_eq!(join_url("https://h:8443/api", ""), "https://h:8443/api");
        assert_eq!(join_url("http://h", "/hook?x=1"), "http://h/hook?x=1");
    }

    #[test]
    fn masked_secrets_sent_back_keep_the_stored_ones() {
        let stored = EndpointAuth::Basic { username: "u".into(), password: "p4ss".into() };
        let sent = stored.masked();
        assert_eq!(sent, EndpointAuth::Basic { username: "u".into(), password: MASK.into() });
        assert_eq!(sent.keeping_secrets_of(&stored), stored);
        let changed = EndpointAuth::Basic { username: "v".into(), password: "new".into() };
        assert_eq!(changed.clone().keeping_secrets_of(&stored), changed);
    }
}
