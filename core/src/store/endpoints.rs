//! Endpoints (SPEC §5): base URLs with authentication. Credentials and the signing secret
//! are sealed with the [`SecretBox`] before they reach the database; reads for display get
//! them masked, and only the delivery path opens them.

use super::Store;
use base64::{Engine, engine::general_purpose::STANDARD};
use outflow_model::endpoints::{Endpoint, EndpointAuth, EndpointLimits, EndpointPatch, MASK, MAX_CONCURRENT, MAX_PER_SECOND, NewEndpoint};
use rand::RngCore;

use super::{
    Actor, StoreError, StoreResult,
    audit::{self, Change},
    checked_limit, checked_name, conflict_on_unique, db, from_json, to_json,
};
use crate::{clock, ids::new_id, secrets::SecretBox};

const SIGNING_PREFIX: &str = "whsec_";

/// An endpoint with its secrets opened, for the delivery path only.
#[derive(Clone)]
pub struct EndpointSecrets {
    pub id: String,
    pub name: String,
    pub base_url: String,
    pub auth: EndpointAuth,
    pub trust_self_signed: bool,
    /// The raw HMAC key of the `whsec_…` signing secret.
    pub signing_key: Vec<u8>,
    /// How much it takes at once.
    pub limits: EndpointLimits,
}

crate::row_struct! {
struct EndpointRow {
    id: String,
    workflow_id: String,
    name: String,
    base_url: String,
    auth_masked: String,
    auth_sealed: String,
    signing_secret: String,
    trust_self_signed: bool,
    created_at: i64,
    max_per_second: Option<u32>,
    max_concurrent: Option<u32>,
}
}

const SELECT_ENDPOINT: &str = "SELECT id, workflow_id, name, base_url, auth_masked, auth_sealed, signing_secret, trust_self_signed, created_at,
        max_per_second, max_concurrent FROM endpoints";

fn masked(row: EndpointRow) -> StoreResult<Endpoint> {
    Ok(Endpoint {
        auth: from_json("endpoints.auth_masked", &row.auth_masked)?,
        id: row.id,
        workflow_id: row.workflow_id,
        name: row.name,
        base_url: row.base_url,
        trust_self_signed: row.trust_self_signed,
        signing_secret: MASK.into(),
        created_at: clock::rfc3339(row.created_at),
        max_per_second: row.max_per_second,
        max_concurrent: row.max_concurrent,
    })
}

fn check_url(what: &str, url: &str) -> StoreResult<()> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    match host {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(()),
        _ => Err(StoreError::invalid(format!("{what} must be an http:// or https:// URL with a host, e.g. https://help.example.com:8443/api."))),
    }
}

fn check_auth(auth: &EndpointAuth) -> StoreResult<()> {
    let required = |what: &str, value: &str| {
        if value.trim().is_empty() || value == MASK {
            Err(StoreError::invalid(format!("{what} is required for this authentication.")))
        } else {
            Ok(())
        }
    };
    match auth {
        EndpointAuth::None => Ok(()),
        EndpointAuth::Basic { username, password } => required("A username", username).and(required("A password", password)),
        EndpointAuth::Bearer { token } => required("A token", token),
        EndpointAuth::ApiKey { header, key } => {
            required("A header name", header)?;
            if !header.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(StoreError::invalid(format!("\"{header}\" is not a valid header name.")));
            }
            required("A key", key)
        }
        EndpointAuth::Oauth2 { token_url, client_id, client_secret, .. } => {
            check_url("The token URL", token_url)?;
            required("A client id", client_id).and(required("A client secret", client_secret))
        }
    }
}

/// Checks a `whsec_…` secret and returns its key bytes.
fn signing_key(secret: &str) -> StoreResult<Vec<u8>> {
    let key = secret.strip_prefix(SIGNING_PREFIX).and_then(|encoded| STANDARD.decode(encoded).ok());
    match key {
        Some(key) if (24..=64).contains(&key.len()) => Ok(key),
        _ => Err(StoreError::invalid("A signing secret is whsec_ followed by 24 to 64 base64-encoded bytes.")),
    }
}

fn new_signing_secret() -> String {
    let mut key = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut key);
    format!("{SIGNING_PREFIX}{}", STANDARD.encode(key))
}

/// Creates an endpoint; the answer is the only one that shows the signing secret.
pub async fn create_endpoint(store: &Store, actor: Option<&Actor>, secrets: &SecretBox, input: &NewEndpoint) -> StoreResult<Endpoint> {
    let name = checked_name("An endpoint name", &input.name)?;
    let base_url = input.base_url.trim();
    check_url("The base URL", base_url)?;
    check_auth(&input.auth)?;
    let signing_secret = input.signing_secret.clone().unwrap_or_else(new_signing_secret);
    signing_key(&signing_secret)?;
    let max_per_second = checked_limit("maxPerSecond", input.max_per_second, MAX_PER_SECOND, false)?;
    let max_concurrent = checked_limit("maxConcurrent", input.max_concurrent, MAX_CONCURRENT, false)?;
    super::get_workflow(store, &input.workflow_id).await.map_err(|error| match error {
        StoreError::NotFound(message) => StoreError::invalid(message),
        other => other,
    })?;
    let id = new_id("ep");
    let now = clock::now_millis();
    db::query(
        "INSERT INTO endpoints (id, workflow_id, name, base_url, auth_masked, auth_sealed, signing_secret, trust_self_signed, created_at, updated_at,
                                max_per_second, max_concurrent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&input.workflow_id)
    .bind(name)
    .bind(base_url)
    .bind(to_json(&input.auth.masked()))
    .bind(secrets.seal(&to_json(&input.auth)))
    .bind(secrets.seal(&signing_secret))
    .bind(input.trust_self_signed)
    .bind(now)
    .bind(now)
    .bind(max_per_second)
    .bind(max_concurrent)
    .execute(store.db())
    .await
    .map_err(conflict_on_unique(|| format!("This workflow already has an endpoint named \"{name}\".")))?;
    let mut endpoint = get_endpoint(store, &id).await?;
    audit::record_change(store, actor, Change::created("endpoint", &id, &endpoint.name, &endpoint)).await?;
    endpoint.signing_secret = signing_secret;
    Ok(endpoint)
}

async fn endpoint_row(store: &Store, id: &str) -> StoreResult<EndpointRow> {
    db::query_as(&format!("{SELECT_ENDPOINT} WHERE id = ?"))
        .bind(id)
        .fetch_optional(store.db())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("No endpoint with id {id}.")))
}

pub async fn get_endpoint(store: &Store, id: &str) -> StoreResult<Endpoint> {
    masked(endpoint_row(store, id).await?)
}

pub async fn list_endpoints(store: &Store, workflow_id: &str) -> StoreResult<Vec<Endpoint>> {
    super::get_workflow(store, workflow_id).await?;
    let rows: Vec<EndpointRow> =
        db::query_as(&format!("{SELECT_ENDPOINT} WHERE workflow_id = ? ORDER BY name")).bind(workflow_id).fetch_all(store.db()).await?;
    rows.into_iter().map(masked).collect()
}

fn opened(secrets: &SecretBox, row: EndpointRow) -> StoreResult<EndpointSecrets> {
    let undecryptable = |_| StoreError::Corrupt(format!("the secrets of endpoint {} cannot be decrypted with this key", row.id));
    let auth: EndpointAuth = from_json("endpoints.auth_sealed", &secrets.open(&row.auth_sealed).map_err(undecryptable)?)?;
    let signing_key = signing_key(&secrets.open(&row.signing_secret).map_err(undecryptable)?)?;
    Ok(EndpointSecrets {
        limits: EndpointLimits { per_second: row.max_per_second, concurrent: row.max_concurrent },
        id: row.id,
        name: row.name,
        base_url: row.base_url,
        auth,
        trust_self_signed: row.trust_self_signed,
        signing_key,
    })
}

/// The endpoint with its secrets, for sending.
pub async fn endpoint_secrets(store: &Store, secrets: &SecretBox, id: &str) -> StoreResult<EndpointSecrets> {
    opened(secrets, endpoint_row(store, id).await?)
}

/// The endpoint with its secrets, and the workflow it belongs to, from one read.
pub async fn endpoint_with_workflow(store: &Store, secrets: &SecretBox, id: &str) -> StoreResult<(String, EndpointSecrets)> {
    let row = endpoint_row(store, id).await?;
    let workflow_id = row.workflow_id.clone();
    Ok((workflow_id, opened(secrets, row)?))
}

/// A workflow's endpoint looked up by name, as scripts name them.
pub async fn endpoint_secrets_by_name(store: &Store, secrets: &SecretBox, workflow_id: &str, name: &str) -> StoreResult<EndpointSecrets> {
    let row: EndpointRow = db::query_as(&format!("{SELECT_ENDPOINT} WHERE workflow_id = ? AND name = ?"))
        .bind(workflow_id)
        .bind(name)
        .fetch_optional(store.db())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("This workflow has no endpoint named \"{name}\".")))?;
    opened(secrets, row)
}

/// Changes an endpoint; secrets sent back masked keep their stored values.
pub async fn update_endpoint(store: &Store, actor: Option<&Actor>, secrets: &SecretBox, id: &str, patch: &EndpointPatch) -> StoreResult<Endpoint> {
    let before = get_endpoint(store, id).await?;
    let current = opened(secrets, endpoint_row(store, id).await?)?;
    let name = checked_name("An endpoint name", patch.name.as_deref().unwrap_or(&current.name))?.to_string();
    let base_url = patch.base_url.as_deref().unwrap_or(&current.base_url).trim().to_string();
    check_url("The base URL", &base_url)?;
    let auth = match &patch.auth {
        Some(auth) => auth.clone().keeping_secrets_of(&current.auth),
        None => current.auth.clone(),
    };
    check_auth(&auth)?;
    let signing_secret = match patch.signing_secret.as_deref() {
        Some(secret) if secret != MASK => {
            signing_key(secret)?;
            Some(secrets.seal(secret))
        }
        _ => None,
    };
    let max_per_second = checked_limit("maxPerSecond", patch.max_per_second, MAX_PER_SECOND, true)?;
    let max_concurrent = checked_limit("maxConcurrent", patch.max_concurrent, MAX_CONCURRENT, true)?;
    db::query(
        "UPDATE endpoints SET name = ?1, base_url = ?2, auth_masked = ?3, auth_sealed = ?4, trust_self_signed = ?5,
                signing_secret = COALESCE(?6, signing_secret), updated_at = ?7,
                max_per_second = CASE CAST(?9 AS BIGINT) WHEN 0 THEN NULL ELSE COALESCE(?9, max_per_second) END,
                max_concurrent = CASE CAST(?10 AS BIGINT) WHEN 0 THEN NULL ELSE COALESCE(?10, max_concurrent) END
         WHERE id = ?8",
    )
    .bind(&name)
    .bind(&base_url)
    .bind(to_json(&auth.masked()))
    .bind(secrets.seal(&to_json(&auth)))
    .bind(patch.trust_self_signed.unwrap_or(current.trust_self_signed))
    .bind(signing_secret)
    .bind(clock::now_millis())
    .bind(id)
    .bind(max_per_second)
    .bind(max_concurrent)
    .execute(store.db())
    .await
    .map_err(conflict_on_unique(|| format!("This workflow already has an endpoint named \"{name}\".")))?;
    // Senders' cached copies go stale now, whatever becomes of the audit record.
    store.configuration_changed();
    let after = get_endpoint(store, id).await?;
    audit::record_change(store, actor, Change::updated("endpoint", id, &after.name, &before, &after)).await?;
    Ok(after)
}

/// Deletes an endpoint no integration uses; otherwise 409 naming the integrations.
pub async fn delete_endpoint(store: &Store, actor: Option<&Actor>, id: &str) -> StoreResult<()> {
    let before = get_endpoint(store, id).await?;
    let users: Vec<String> = db::query_scalar("SELECT name FROM integrations WHERE json_extract(action, '$.endpointId') = ? ORDER BY name")
        .bind(id)
        .fetch_all(store.db())
        .await?;
    if !users.is_empty() {
        return Err(StoreError::Conflict(format!("The endpoint is used by: {}.", users.join(", "))));
    }
    db::query("DELETE FROM endpoints WHERE id = ?").bind(id).execute(store.db()).await?;
    store.configuration_changed();
    audit::record_change(store, actor, Change::deleted("endpoint", id, &before.name, &before)).await
}
