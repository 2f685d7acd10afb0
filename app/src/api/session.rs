//! Server functions about the signed-in user and the audit log. Signing in and out are
//! plain form posts to `/auth/*` (they work before the page has hydrated).

use leptos::{prelude::*, server_fn::codec::Json};

use super::UiError;
use crate::model::{
    Page,
    access::{AuditEntry, CurrentUser},
};
#[cfg(feature = "ssr")]
use {
    super::ssr::{authorize, pool, signed_in},
    outflow_core::{access::Need, store},
};

/// Who is signed in, for the page header; `None` on the sign-in pages.
#[server(prefix = "/ui", input = Json)]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, UiError> {
    Ok(signed_in().map(|principal| CurrentUser { target_name: principal.target_name, roles: principal.roles }))
}

/// A page of the audit log, newest first (admins only).
#[server(prefix = "/ui", input = Json)]
pub async fn audit_log(offset: u32) -> Result<Page<AuditEntry>, UiError> {
    authorize(Need::Admin)?;
    Ok(store::list_audit(&pool()?, crate::model::limits::PAGE_DEFAULT, offset).await?)
}
