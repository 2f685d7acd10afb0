//! API keys per user (SPEC §7): made with a random value shown once, stored as a digest,
//! listed with their last use, revoked (never deleted, so the audit trail keeps them).

use super::Store;
use outflow_model::access::{ApiKey, CreatedApiKey};

use super::{
    Actor, StoreError, StoreResult,
    audit::{self, Change},
    checked_name, db,
    principals::hash_api_key,
    sessions::new_token,
};
use crate::clock::{now_millis, rfc3339};
use outflow_model::access::AuditAction;

/// Keys are `ofk_` plus 256 random bits, so a leaked one is recognisable in logs and scans.
const KEY_PREFIX: &str = "ofk_";

async fn user_id(store: &Store, target_name: &str) -> StoreResult<i64> {
    db::query_scalar("SELECT id FROM users WHERE target_name = ?")
        .bind(target_name)
        .fetch_optional(store.db())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("No user named {target_name}.")))
}

pub async fn create_api_key(store: &Store, actor: &Actor, target_name: &str, name: &str) -> StoreResult<CreatedApiKey> {
    let name = checked_name("An API key name", name)?;
    let owner = user_id(store, target_name).await?;
    let key = format!("{KEY_PREFIX}{}", new_token());
    let mut tx = super::write_tx(store).await?;
    let id: i64 = db::query_scalar("INSERT INTO api_keys (user_id, name, key_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id")
        .bind(owner)
        .bind(name)
        .bind(hash_api_key(&key))
        .bind(now_millis())
        .fetch_one(&mut *tx)
        .await?;
    let id = id.to_string();
    let listed = serde_json::json!({"user": target_name, "name": name});
    audit::record(&mut tx, Some(actor), Change { action: AuditAction::Create, kind: "api key", id: &id, name, before: None, after: Some(listed) })
        .await?;
    tx.commit().await?;
    Ok(CreatedApiKey { id, key })
}

crate::row_struct! {
struct KeyRow {
    id: i64,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}
}

pub async fn list_api_keys(store: &Store, target_name: &str) -> StoreResult<Vec<ApiKey>> {
    let owner = user_id(store, target_name).await?;
    let rows: Vec<KeyRow> = db::query_as("SELECT id, name, created_at, last_used_at, revoked_at FROM api_keys WHERE user_id = ? ORDER BY id")
        .bind(owner)
        .fetch_all(store.db())
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| ApiKey {
            id: row.id.to_string(),
            name: row.name,
            created_at: rfc3339(row.created_at),
            last_used_at: row.last_used_at.map(rfc3339),
            revoked_at: row.revoked_at.map(rfc3339),
        })
        .collect())
}

/// Revokes one of a user's keys; from then on it authenticates nothing.
pub async fn revoke_api_key(store: &Store, actor: &Actor, target_name: &str, key_id: &str) -> StoreResult<()> {
    let owner = user_id(store, target_name).await?;
    let missing = || StoreError::NotFound(format!("{target_name} has no API key {key_id}."));
    let id: i64 = key_id.parse().map_err(|_| missing())?;
    let mut tx = super::write_tx(store).await?;
    let name: Option<String> =
        db::query_scalar("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ? RETURNING name")
            .bind(now_millis())
            .bind(id)
            .bind(owner)
            .fetch_optional(&mut *tx)
            .await?;
    let name = name.ok_or_else(missing)?;
    let listed = serde_json::json!({"user": target_name, "name": name});
    audit::record(
        &mut tx,
        Some(actor),
        Change { action: AuditAction::Delete, kind: "api key", id: key_id, name: &name, before: Some(listed), after: None },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
