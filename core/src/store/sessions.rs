//! Signing in: argon2id password hashes, browser sessions with a sliding expiry, and the
//! one-time links that let a user choose a password. Session and link tokens are random
//! and stored only as SHA-256 digests, like API keys.

use super::Store;
use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use rand::RngCore;

use super::{Principal, StoreError, StoreResult, db, principals::hash_api_key as digest};
use crate::clock::now_millis;

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 256;
/// How long a one-time password link stays valid.
const LINK_TTL_MS: i64 = 24 * 3600 * 1000;
/// How often a session's expiry slides forward; touching it on every request would turn
/// each page view into a write.
const SLIDE_PRECISION_MS: i64 = 30_000;

/// A random token, hex encoded: 256 bits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn checked_password(password: &str) -> StoreResult<&str> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(StoreError::invalid(format!("A password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters.")));
    }
    Ok(password)
}

/// Hashing is deliberately slow (argon2id), so it runs off the async threads.
async fn hash_password(password: String) -> StoreResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
    })
    .await
    .map_err(|error| StoreError::Corrupt(format!("password hashing stopped: {error}")))?
    .map_err(|error| StoreError::Corrupt(format!("password hashing failed: {error}")))
}

/// Whether `password` matches the stored hash; without one it is checked against the decoy
/// (and so never matches) in the same time.
async fn password_matches(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = stored.as_deref().unwrap_or(&DECOY_HASH);
        PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Sets a user's password and ends their other sessions.
pub async fn set_password(store: &Store, target_name: &str, password: &str) -> StoreResult<()> {
    let hash = hash_password(checked_password(password)?.to_string()).await?;
    let mut tx = super::write_tx(store).await?;
    let user_id: Option<i64> = db::query_scalar("UPDATE users SET password_hash = ? WHERE target_name = ? RETURNING id")
        .bind(hash)
        .bind(target_name)
        .fetch_optional(&mut *tx)
        .await?;
    let user_id = user_id.ok_or_else(|| StoreError::NotFound(format!("No user named {target_name}.")))?;
    db::query("DELETE FROM sessions WHERE user_id = ?").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The active user with this name and password; `None` for any mismatch, without saying
/// which part was wrong.
pub async fn check_login(store: &Store, target_name: &str, password: &str) -> StoreResult<Option<i64>> {
    let row: Option<(i64, Option<String>)> =
        db::query_as("SELECT id, password_hash FROM users WHERE target_name = ? AND active = 1").bind(target_name).fetch_optional(store.db()).await?;
    let (user_id, stored) = row.unzip();
    let matches = password_matches(password.to_string(), stored.flatten()).await;
    // The decoy never matches a real password: a missing user or password is simply refused.
    Ok(user_id.filter(|_| matches))
}

/// What an unknown name (or a user without a password) is checked against, so that a sign-in
/// takes as long whether or not the name exists and its timing does not tell which do.
/// Hashed once, with a random password nobody knows.
static DECOY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(new_token().as_bytes(), &salt).map(|hash| hash.to_string()).unwrap_or_default()
});

/// Opens a session for a user; the returned token goes into the cookie.
pub async fn create_session(store: &Store, user_id: i64, ttl_ms: i64) -> StoreResult<String> {
    let token = new_token();
    let now = now_millis();
    let mut tx = super::write_tx(store).await?;
    db::query("DELETE FROM sessions WHERE expires_at < ?").bind(now).execute(&mut *tx).await?;
    db::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)")
        .bind(digest(&token))
        .bind(user_id)
        .bind(now)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(token)
}

crate::row_struct! {
struct SessionRow {
    last_seen_at: i64,
    user_id: i64,
    target_name: String,
    roles: db::Json<Vec<String>>,
}
}

/// The active user of an unexpired session, sliding its expiry forward.
pub async fn session_principal(store: &Store, token: &str, ttl_ms: i64) -> StoreResult<Option<Principal>> {
    let now = now_millis();
    let row: Option<SessionRow> = db::query_as(
        "SELECT s.last_seen_at, u.id AS user_id, u.target_name, u.roles
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1",
    )
    .bind(digest(token))
    .bind(now)
    .fetch_optional(store.db())
    .await?;
    let Some(row) = row else { return Ok(None) };
    if now - row.last_seen_at > SLIDE_PRECISION_MS {
        let mut tx = super::write_tx(store).await?;
        db::query("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?")
            .bind(now)
            .bind(now + ttl_ms)
            .bind(digest(token))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(Some(Principal::user(row.user_id, row.target_name, row.roles.0)))
}

pub async fn end_session(store: &Store, token: &str) -> StoreResult<()> {
    let mut tx = super::write_tx(store).await?;
    db::query("DELETE FROM sessions WHERE token_hash = ?").bind(digest(token)).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// A one-time link token that lets `target_name` set a password within a day.
pub async fn create_password_link(store: &Store, target_name: &str) -> StoreResult<String> {
    let token = new_token();
    let mut tx = super::write_tx(store).await?;
    let inserted = db::query("INSERT INTO password_links (token_hash, user_id, expires_at) SELECT ?, id, ? FROM users WHERE target_name = ?")
        .bind(digest(&token))
        .bind(now_millis() + LINK_TTL_MS)
        .bind(target_name)
        .execute(&mut *tx)
        .await?;
    if inserted.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("No user named {target_name}.")));
    }
    tx.commit().await?;
    Ok(token)
}

/// Uses a one-time link: sets the password and answers whose it was. An unknown, used or
/// expired link changes nothing, and is refused before the password is hashed (so a wrong
/// token costs no argon2 time or memory).
pub async fn use_password_link(store: &Store, token: &str, password: &str) -> StoreResult<i64> {
    let unknown = || StoreError::invalid("This link is unknown, already used or expired.");
    if pending_link_user(store, token).await?.is_none() {
        return Err(unknown());
    }
    let hash = hash_password(checked_password(password)?.to_string()).await?;
    let now = now_millis();
    let mut tx = super::write_tx(store).await?;
    let user_id: Option<i64> =
        db::query_scalar("UPDATE password_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id")
            .bind(now)
            .bind(digest(token))
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
    // Used meanwhile by another request: the link still works once.
    let user_id = user_id.ok_or_else(unknown)?;
    db::query("UPDATE users SET password_hash = ? WHERE id = ?").bind(hash).bind(user_id).execute(&mut *tx).await?;
    db::query("DELETE FROM sessions WHERE user_id = ?").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(user_id)
}

/// The user an unused, unexpired link is for. The token's digest is compared with every
/// pending link's in constant time (there are a handful: one per start while no admin can
/// sign in), so the answer's timing says nothing about how close a guess came.
async fn pending_link_user(store: &Store, token: &str) -> StoreResult<Option<i64>> {
    use subtle::ConstantTimeEq;
    let wanted = digest(token);
    let pending: Vec<(String, i64)> = db::query_as("SELECT token_hash, user_id FROM password_links WHERE used_at IS NULL AND expires_at > ?")
        .bind(now_millis())
        .fetch_all(store.db())
        .await?;
    let mut found = None;
    for (token_hash, user_id) in pending {
        if bool::from(token_hash.as_bytes().ct_eq(wanted.as_bytes())) {
            found = Some(user_id);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_name_costs_a_real_verification_and_never_matches() {
        let decoy = PasswordHash::new(&DECOY_HASH).expect("the decoy is a real argon2 hash, so checking it takes the usual time");
        assert_eq!(decoy.algorithm.as_str(), "argon2id");
        assert!(Argon2::default().verify_password(b"", &decoy).is_err());
    }
}
