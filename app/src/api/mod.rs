//! The UI's server functions and what they share. Every `#[server]` function here is a
//! public URL under `/ui` (the REST API stays under `/api/v1`): it checks its input through
//! the store, which applies the same rules as the REST API, and fails with a [`UiError`]
//! whose message the page shows as it is. Each one starts by asking [`ssr::authorize`] for
//! the role it needs, exactly as the REST route doing the same thing does. Server-only
//! plumbing (the pool, the secret box, the signed-in user, turning store errors into
//! messages) lives in [`ssr`] and nowhere else.

pub mod agents;
pub mod alerts;
pub mod endpoints;
pub mod flow_runs;
pub mod flows;
pub mod integrations;
pub mod people;
pub mod runs;
pub mod session;
pub mod workflows;

use std::fmt;

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// Why a UI read or action failed, in a sentence meant for the person using the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiError {
    pub message: String,
}

impl fmt::Display for UiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UiError {}

impl FromServerFnError for UiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        let message = match error {
            ServerFnErrorErr::Request(_) => "Outflow did not answer. Check that the server is running, then try again.".to_string(),
            other => other.to_string(),
        };
        UiError { message }
    }
}

/// What server functions need on the server side; the browser build leaves it out.
#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use std::fmt::Display;

    use http::{StatusCode, request::Parts};
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;
    use outflow_core::{
        Pool,
        access::Need,
        secrets::SecretBox,
        store::{Principal, StoreError},
    };

    use super::UiError;

    /// The database the server puts into every request's context (`server/src/web.rs`).
    pub(crate) fn pool() -> Result<Pool, UiError> {
        use_context::<Pool>().ok_or_else(|| internal("the database pool is missing from the server function context"))
    }

    /// What seals and opens endpoint secrets, also in the server's context.
    pub(crate) fn secrets() -> Result<SecretBox, UiError> {
        use_context::<SecretBox>().ok_or_else(|| internal("the secret box is missing from the server function context"))
    }

    /// The signed-in user, whom the server's session gate put into the request, if any.
    pub(crate) fn signed_in() -> Option<Principal> {
        use_context::<Parts>().and_then(|parts| parts.extensions.get::<Principal>().cloned())
    }

    /// The signed-in user; a 401 without one.
    fn principal() -> Result<Principal, UiError> {
        signed_in().ok_or_else(|| answer(StatusCode::UNAUTHORIZED, "Your session has ended. Sign in again.".to_string()))
    }

    /// The signed-in user, if their role is at least `need`.
    pub(crate) fn authorize(need: Need) -> Result<Principal, UiError> {
        let principal = principal()?;
        if principal.has(need) { Ok(principal) } else { Err(answer(StatusCode::FORBIDDEN, principal.lacking(need))) }
    }

    /// The signed-in user, if they are `target_name` or an admin (own devices and keys).
    pub(crate) fn authorize_self_or_admin(target_name: &str) -> Result<Principal, UiError> {
        let principal = principal()?;
        if principal.is_admin() || principal.target_name == target_name {
            Ok(principal)
        } else {
            Err(answer(StatusCode::FORBIDDEN, "Only an admin may change another user's devices or keys.".to_string()))
        }
    }

    /// The same statuses as the REST API, so that refused input is not logged as a
    /// server failure. While a page renders, the status becomes the page's (a missing
    /// alert answers 404).
    impl From<StoreError> for UiError {
        fn from(error: StoreError) -> Self {
            let status = match &error {
                StoreError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                StoreError::Conflict(_) => StatusCode::CONFLICT,
                StoreError::NotFound(_) => StatusCode::NOT_FOUND,
                StoreError::Forbidden(_) => StatusCode::FORBIDDEN,
                StoreError::Database(_) | StoreError::Migration(_) | StoreError::Corrupt(_) | StoreError::Sqlite(_) | StoreError::Writer(_) => {
                    return internal(error);
                }
            };
            answer(status, error.to_string())
        }
    }

    /// Logs what went wrong inside and tells the user only that it did.
    fn internal(error: impl Display) -> UiError {
        leptos::logging::error!("UI server function failed: {error}");
        answer(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on the server; its log has the details.".to_string())
    }

    fn answer(status: StatusCode, message: String) -> UiError {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(status);
        }
        UiError { message }
    }
}
