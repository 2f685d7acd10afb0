//! Endpoint authentication applied to an outgoing request: basic (pre-emptive), bearer,
//! an API key header, or an OAuth2 client-credentials token fetched once and cached until
//! shortly before it expires.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use outflow_model::endpoints::EndpointAuth;
use serde::Deserialize;
use tokio::sync::Mutex;

/// Tokens are renewed this long before they expire.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

#[derive(Clone, Default)]
pub struct TokenCache {
    tokens: Arc<Mutex<HashMap<String, (String, Instant)>>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenCache {
    /// Adds the endpoint's credentials to the request.
    pub async fn authorize(
        &self,
        clients: &super::HttpClients,
        client: &reqwest::Client,
        endpoint_id: &str,
        auth: &EndpointAuth,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, String> {
        Ok(match auth {
            EndpointAuth::None => request,
            EndpointAuth::Basic { username, password } => request.basic_auth(username, Some(password)),
            EndpointAuth::Bearer { token } => request.bearer_auth(token),
            EndpointAuth::ApiKey { header, key } => request.header(header.as_str(), key.as_str()),
            EndpointAuth::Oauth2 { token_url, client_id, client_secret, scope } => {
                let url = reqwest::Url::parse(token_url).map_err(|error| format!("The OAuth2 token URL is not valid: {error}"))?;
                clients.egress.check_url(&url)?;
                let token = self.token(client, endpoint_id, token_url, client_id, client_secret, scope.as_deref()).await?;
                request.bearer_auth(token)
            }
        })
    }

    async fn token(
        &self,
        client: &reqwest::Client,
        endpoint_id: &str,
        token_url: &str,
        client_id: &str,
        client_secret: &str,
        scope: Option<&str>,
    ) -> Result<String, String> {
        let mut tokens = self.tokens.lock().await;
        if let Some((token, expires)) = tokens.get(endpoint_id)
            && Instant::now() + EXPIRY_MARGIN < *expires
        {
            return Ok(token.clone());
        }
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        let answer = client
            .post(token_url)
            .basic_auth(client_id, Some(client_secret))
            .form(&form)
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(|error| format!("OAuth2 token request to {token_url} failed: {error}"))?;
        if !answer.status().is_success() {
            return Err(format!("OAuth2 token request to {token_url} answered HTTP {}", answer.status().as_u16()));
        }
        let body = super::read_capped(answer).await.map_err(|error| format!("OAuth2 token answer from {token_url} broke off: {error}"))?;
        if body.truncated {
            return Err(format!("OAuth2 token answer from {token_url} is unreadable: it is larger than 1 MiB"));
        }
        let answer: TokenAnswer =
            serde_json::from_str(&body.text).map_err(|error| format!("OAuth2 token answer from {token_url} is unreadable: {error}"))?;
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
        tokens.insert(endpoint_id.to_string(), (answer.access_token.clone(), Instant::now() + lifetime));
        Ok(answer.access_token)
    }

    /// Forgets a cached token, e.g. after the endpoint answered 401.
    pub async fn forget(&self, endpoint_id: &str) {
        self.tokens.lock().await.remove(endpoint_id);
    }
}
