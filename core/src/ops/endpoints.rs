//! Endpoints: where integrations and flow steps send requests, in one workflow. Secrets are
//! write-only, and a stored secret never follows its endpoint to another place: changing
//! the base URL, an OAuth2 token URL or the kind of authentication needs the secrets again.

use outflow_model::endpoints::{Endpoint, EndpointAuth, EndpointPatch, MASK, NewEndpoint};
use serde_json::json;

use super::{Operation, Ops};
use crate::store::{self, Principal, StoreError, StoreResult};

impl Ops {
    pub async fn create_endpoint(&self, principal: &Principal, input: &NewEndpoint) -> StoreResult<Endpoint> {
        self.admit(principal, Operation::CreateEndpoint)?;
        self.member(principal, &input.workflow_id, || format!("There is no workflow with id \"{}\".", input.workflow_id)).await?;
        store::create_endpoint(&self.store, Some(&principal.actor()), &self.secrets, input).await
    }

    pub async fn list_endpoints(&self, principal: &Principal, workflow_id: &str) -> StoreResult<Vec<Endpoint>> {
        self.admit(principal, Operation::ListEndpoints)?;
        self.member(principal, workflow_id, || format!("No workflow with id {workflow_id}.")).await?;
        store::list_endpoints(&self.store, workflow_id).await
    }

    /// The endpoint, secrets masked.
    pub async fn get_endpoint(&self, principal: &Principal, id: &str) -> StoreResult<Endpoint> {
        self.admit(principal, Operation::ReadEndpoint)?;
        self.endpoint_of_member(principal, id).await
    }

    /// Changes an endpoint; a masked secret sent back keeps the stored one unless the place
    /// it goes to changes (see [`secrets_to_resend`]).
    pub async fn update_endpoint(&self, principal: &Principal, id: &str, patch: &EndpointPatch) -> StoreResult<Endpoint> {
        self.admit(principal, Operation::UpdateEndpoint)?;
        self.endpoint_of_member(principal, id).await?;
        let stored = store::endpoint_secrets(&self.store, &self.secrets, id).await?;
        let missing = secrets_to_resend(&stored.base_url, &stored.auth, patch);
        if !missing.is_empty() {
            return Err(StoreError::Invalid {
                message: format!(
                    "This change sends the endpoint's requests somewhere else, so its secrets must be entered again: {}.",
                    missing.join(", ")
                ),
                details: json!({ "fields": missing }),
            });
        }
        store::update_endpoint(&self.store, Some(&principal.actor()), &self.secrets, id, patch).await
    }

    pub async fn delete_endpoint(&self, principal: &Principal, id: &str) -> StoreResult<()> {
        self.admit(principal, Operation::DeleteEndpoint)?;
        self.endpoint_of_member(principal, id).await?;
        store::delete_endpoint(&self.store, Some(&principal.actor()), id).await
    }

    async fn endpoint_of_member(&self, principal: &Principal, id: &str) -> StoreResult<Endpoint> {
        let endpoint = store::get_endpoint(&self.store, id).await?;
        self.member(principal, &endpoint.workflow_id, || format!("No endpoint with id {id}.")).await?;
        Ok(endpoint)
    }
}

/// The secret fields (as `auth.password`, …) a patch must send anew rather than masked or
/// left out: every stored secret, once the base URL, the OAuth2 token URL or the kind of
/// authentication changes. Empty when the stored secrets may stay.
pub fn secrets_to_resend(base_url: &str, stored: &EndpointAuth, patch: &EndpointPatch) -> Vec<&'static str> {
    let moved_base = patch.base_url.as_deref().is_some_and(|new| new.trim().trim_end_matches('/') != base_url.trim().trim_end_matches('/'));
    let auth = patch.auth.as_ref().unwrap_or(stored);
    let moved = moved_base
        || std::mem::discriminant(auth) != std::mem::discriminant(stored)
        || matches!((auth, stored), (EndpointAuth::Oauth2 { token_url: new, .. }, EndpointAuth::Oauth2 { token_url: old, .. }) if new.trim() != old.trim());
    if !moved {
        return Vec::new();
    }
    let (field, secret) = match auth {
        EndpointAuth::None => return Vec::new(),
        EndpointAuth::Basic { password, .. } => ("auth.password", password),
        EndpointAuth::Bearer { token } => ("auth.token", token),
        EndpointAuth::ApiKey { key, .. } => ("auth.key", key),
        EndpointAuth::Oauth2 { client_secret, .. } => ("auth.clientSecret", client_secret),
    };
    if patch.auth.is_none() || secret == MASK { vec![field] } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(token: &str) -> EndpointAuth {
        EndpointAuth::Bearer { token: token.into() }
    }

    fn patch(base_url: Option<&str>, auth: Option<EndpointAuth>) -> EndpointPatch {
        EndpointPatch { base_url: base_url.map(str::to_string), auth, ..Default::default() }
    }

    #[test]
    fn a_moved_endpoint_needs_its_secret_again() {
        let stored = bearer("s3cret");
        let here = "https://tickets.example/api";
        assert!(secrets_to_resend(here, &stored, &patch(Some("https://tickets.example/api/"), None)).is_empty());
        assert!(secrets_to_resend(here, &stored, &patch(None, Some(bearer(MASK)))).is_empty());
        assert_eq!(secrets_to_resend(here, &stored, &patch(Some("https://evil.example"), None)), ["auth.token"]);
        assert_eq!(secrets_to_resend(here, &stored, &patch(Some("https://evil.example"), Some(bearer(MASK)))), ["auth.token"]);
        assert!(secrets_to_resend(here, &stored, &patch(Some("https://evil.example"), Some(bearer("new")))).is_empty());
        let header_key = EndpointAuth::ApiKey { header: "X-Key".into(), key: MASK.into() };
        assert_eq!(secrets_to_resend(here, &stored, &patch(None, Some(header_key))), ["auth.key"]);
        assert!(secrets_to_resend(here, &EndpointAuth::None, &patch(Some("https://elsewhere.example"), None)).is_empty());
    }

    #[test]
    fn a_changed_token_url_needs_the_client_secret_again() {
        let oauth = |url: &str, secret: &str| EndpointAuth::Oauth2 {
            token_url: url.into(),
            client_id: "c".into(),
            client_secret: secret.into(),
            scope: None,
        };
        let stored = oauth("https://id.example/token", "s");
        let here = "https://api.example";
        assert!(secrets_to_resend(here, &stored, &patch(None, Some(oauth("https://id.example/token", MASK)))).is_empty());
        assert_eq!(secrets_to_resend(here, &stored, &patch(None, Some(oauth("https://evil.example/token", MASK)))), ["auth.clientSecret"]);
    }
}
