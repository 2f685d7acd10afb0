//! Users that act on Outflow and the API keys they act with. Keys are stored as SHA-256
//! digests: a key is long and random, so a slow password hash would add nothing.

use super::db;
use std::collections::HashMap;

use super::Store;
use sha2::{Digest, Sha256};

use super::StoreResult;
use crate::clock::now_millis;

/// The login name of the admin created from `OUTFLOW_BOOTSTRAP_API_KEY`.
pub const BOOTSTRAP_ADMIN: &str = "admin";

#[derive(Debug, PartialEq, Eq)]
pub enum BootstrapOutcome {
    Created,
    AdminAlreadyExists,
}

pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Creates the first admin with the given API key, unless an admin exists already.
/// Runs in one transaction so two servers starting on one file cannot both create one.
pub async fn bootstrap_admin(store: &Store, api_key: &str) -> StoreResult<BootstrapOutcome> {
    let mut tx = super::write_tx(store).await?;
    let admins: i64 = db::query_scalar("SELECT COUNT(*) FROM users WHERE EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = 'admin')")
        .fetch_one(&mut *tx)
        .await?;
    if admins > 0 {
        return Ok(BootstrapOutcome::AdminAlreadyExists);
    }
    let now = now_millis();
    let user_id: i64 = db::query_scalar(
        "INSERT INTO users (target_name, first_name, last_name, roles, active, created_at)
         VALUES (?, 'Outflow', 'Admin', '[\"admin\"]', 1, ?) RETURNING id",
    )
    .bind(BOOTSTRAP_ADMIN)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    db::query("INSERT INTO api_keys (user_id, name, key_hash, created_at) VALUES (?, 'bootstrap', ?, ?)")
        .bind(user_id)
        .bind(hash_api_key(api_key))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(BootstrapOutcome::Created)
}

/// The admin who cannot sign in yet, if that is the state of things: on an empty
/// database (no bootstrap key) this creates the admin; an admin without a password and
/// without a working API key is also returned, so a lost first link can be replaced by
/// restarting. The caller prints a one-time link for them to choose a password.
pub async fn admin_without_access(store: &Store) -> StoreResult<Option<String>> {
    let mut tx = super::write_tx(store).await?;
    let admins: Vec<(String, bool)> = db::query_as(
        "SELECT target_name, password_hash IS NOT NULL
              OR EXISTS (SELECT 1 FROM api_keys k WHERE k.user_id = users.id AND k.revoked_at IS NULL)
         FROM users WHERE active = 1 AND EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = 'admin') ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?;
    if admins.iter().any(|(_, can_sign_in)| *can_sign_in) {
        return Ok(None);
    }
    if let Some((name, _)) = admins.into_iter().next() {
        return Ok(Some(name));
    }
    db::query(
        "INSERT INTO users (target_name, first_name, last_name, roles, active, created_at)
         VALUES (?, 'Outflow', 'Admin', '[\"admin\"]', 1, ?)",
    )
    .bind(BOOTSTRAP_ADMIN)
    .bind(now_millis())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(BOOTSTRAP_ADMIN.to_string()))
}

/// The user an API request, a UI action, a script or a flow step acts for.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub target_name: String,
    pub roles: Vec<String>,
    /// Set when a script or flow acts for this user: its rights are bounded (see
    /// [`crate::access::Delegation`]).
    pub delegation: Option<crate::access::Delegation>,
}

impl Principal {
    /// The user acting in person (an API key or a browser session).
    pub fn user(user_id: i64, target_name: String, roles: Vec<String>) -> Principal {
        Principal { user_id, target_name, roles, delegation: None }
    }

    pub fn actor(&self) -> Actor {
        Actor { user_id: self.user_id, target_name: self.target_name.clone() }
    }
}

/// The user a change is recorded against (e.g. the `username` of a status event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub target_name: String,
}

/// The active user who started an alert, whom its scripts act for when they call back into
/// Outflow, with the alert's chain depth (`ops::chains`). `None` for an alert started by the
/// system or by a deactivated user.
pub async fn initiator_of_alert(store: &Store, event_identifier: i64) -> StoreResult<Option<(Principal, i64)>> {
    let row: Option<(i64, String, db::Json<Vec<String>>, i64)> = db::query_as(
        "SELECT u.id, u.target_name, u.roles, a.chain_depth FROM alerts a JOIN users u ON u.id = a.initiator_user_id
         WHERE a.event_identifier = ? AND u.active = 1",
    )
    .bind(event_identifier)
    .fetch_optional(store.db())
    .await?;
    Ok(row.map(|(user_id, target_name, roles, depth)| (Principal::user(user_id, target_name, roles.0), depth)))
}

/// The active user with this id (whose rights a flow run acts with); `None` once the user
/// is deactivated or deleted.
pub async fn principal_by_id(store: &Store, user_id: i64) -> StoreResult<Option<Principal>> {
    let row: Option<(i64, String, db::Json<Vec<String>>)> =
        db::query_as("SELECT id, target_name, roles FROM users WHERE id = ? AND active = 1").bind(user_id).fetch_optional(store.db()).await?;
    Ok(row.map(|(user_id, target_name, roles)| Principal::user(user_id, target_name, roles.0)))
}

/// What a script or flow was last saved by: bounds the rights it acts with.
#[derive(Debug, Clone, Copy)]
pub enum Saved<'a> {
    Integration(&'a str),
    Flow(&'a str),
}

/// The active user who last saved an integration or a flow; `None` when unknown, deleted or
/// deactivated (a script or flow then acts with no role at all).
pub async fn saved_by(store: &Store, saved: Saved<'_>) -> StoreResult<Option<Principal>> {
    let (query, id) = match saved {
        Saved::Integration(id) => {
            ("SELECT u.id, u.target_name, u.roles FROM integrations i JOIN users u ON u.id = i.saved_by_user_id WHERE i.id = ? AND u.active = 1", id)
        }
        Saved::Flow(id) => (
            "SELECT u.id, u.target_name, u.roles FROM flow_versions v JOIN users u ON u.id = v.saved_by
             WHERE v.flow_id = ?1 AND v.version = (SELECT MAX(version) FROM flow_versions WHERE flow_id = ?1) AND u.active = 1",
            id,
        ),
    };
    let row: Option<(i64, String, db::Json<Vec<String>>)> = db::query_as(query).bind(id).fetch_optional(store.db()).await?;
    Ok(row.map(|(user_id, target_name, roles)| Principal::user(user_id, target_name, roles.0)))
}

/// How stale `last_used_at` may get; refreshing it on every request would turn each read
/// into a write.
const LAST_USED_PRECISION_MS: i64 = 60_000;

crate::row_struct! {
struct PrincipalRow {
    key_id: i64,
    last_used_at: Option<i64>,
    user_id: i64,
    target_name: String,
    roles: db::Json<Vec<String>>,
}
}

/// Keys looked up recently, by digest: the principal, the configuration generation it was
/// read at, and when the key's use was last recorded. Every API request (and every call of a
/// flow's HTTP trigger) looks its key up; a change to users or keys moves the generation
/// and so empties this in effect. Each [`Store`] keeps its own.
pub(crate) type RecentKeys = HashMap<String, (u64, i64, Principal)>;

/// Digests [`RecentKeys`] holds before it starts afresh.
const RECENT_KEYS_HELD: usize = 10_000;

fn recent_key(store: &Store, digest: &str, now: i64) -> Option<Principal> {
    let recent = store.recent_keys();
    let (read_at, used_at, principal) = recent.get(digest)?;
    (*read_at == store.config_generation() && now - used_at <= LAST_USED_PRECISION_MS).then(|| principal.clone())
}

/// The active user owning an unrevoked API key, noting (coarsely) when the key was used.
pub async fn principal_for_api_key(store: &Store, key: &str) -> StoreResult<Option<Principal>> {
    let digest = hash_api_key(key);
    let now = now_millis();
    if let Some(principal) = recent_key(store, &digest, now) {
        return Ok(Some(principal));
    }
    let generation = store.config_generation();
    let row: Option<PrincipalRow> = db::query_as(
        "SELECT k.id AS key_id, k.last_used_at, u.id AS user_id, u.target_name, u.roles
         FROM api_keys k JOIN users u ON u.id = k.user_id
         WHERE k.key_hash = ? AND k.revoked_at IS NULL AND u.active = 1",
    )
    .bind(&digest)
    .fetch_optional(store.db())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let principal = Principal::user(row.user_id, row.target_name, row.roles.0);
    match row.last_used_at {
        Some(used) if now - used <= LAST_USED_PRECISION_MS => {
            let mut recent = store.recent_keys();
            if recent.len() >= RECENT_KEYS_HELD {
                recent.clear();
            }
            recent.insert(digest, (generation, used, principal.clone()));
        }
        // Recording the use commits, which moves the generation: the next lookup reads afresh.
        _ => {
            let mut tx = super::write_tx(store).await?;
            db::query("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(now).bind(row.key_id).execute(&mut *tx).await?;
            tx.commit().await?;
        }
    }
    Ok(Some(principal))
}
