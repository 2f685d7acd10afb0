//! Server functions about the signed-in user (who they are, their API keys and password)
//! and the audit log. Signing in and out are
//! plain form posts to `/auth/*` (they work before the page has hydrated).

use leptos::{prelude::*, server_fn::codec::Json};

use super::UiError;
#[cfg(feature = "ssr")]
use super::ssr::{caller, ops, signed_in};
use crate::model::{
    Page,
    access::{ApiKey, AuditEntry, CreatedApiKey, CurrentUser},
};

/// Who is signed in, for the page header; `None` on the sign-in pages.
#[server(prefix = "/ui", endpoint = "/signed_in_user", input = Json)]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, UiError> {
    Ok(signed_in().map(|principal| CurrentUser { target_name: principal.target_name, roles: principal.roles }))
}

/// A page of the audit log, newest first (admins only).
#[server(prefix = "/ui", endpoint = "/audit_log", input = Json)]
pub async fn audit_log(offset: u32) -> Result<Page<AuditEntry>, UiError> {
    Ok(ops()?.list_audit(&caller()?, crate::model::limits::PAGE_DEFAULT, offset).await?)
}

/// The signed-in user's own API keys (never their values).
#[server(prefix = "/ui", endpoint = "/my_api_keys", input = Json)]
pub async fn my_api_keys() -> Result<Vec<ApiKey>, UiError> {
    let me = caller()?;
    Ok(ops()?.list_api_keys(&me, &me.target_name).await?)
}

/// Makes an API key for the signed-in user; the answer is the only time it is shown.
#[server(prefix = "/ui", endpoint = "/create_my_api_key", input = Json)]
pub async fn create_my_api_key(name: String) -> Result<CreatedApiKey, UiError> {
    let me = caller()?;
    Ok(ops()?.create_api_key(&me, &me.target_name, &name).await?)
}

#[server(prefix = "/ui", endpoint = "/revoke_my_api_key", input = Json)]
pub async fn revoke_my_api_key(id: String) -> Result<(), UiError> {
    let me = caller()?;
    Ok(ops()?.revoke_api_key(&me, &me.target_name, &id).await?)
}

/// Changes the signed-in user's password after checking the current one; other sessions end.
#[server(prefix = "/ui", endpoint = "/change_my_password", input = Json)]
pub async fn change_my_password(current: String, new: String) -> Result<(), UiError> {
    Ok(ops()?.change_own_password(&caller()?, &current, &new).await?)
}
