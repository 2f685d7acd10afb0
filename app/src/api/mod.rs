//! The UI's server functions and what they share. Every `#[server]` function here is a
//! public URL under `/ui` (the REST API stays under `/api/v1`): it checks its input through
//! the store, which applies the same rules as the REST API, and fails with a [`UiError`]
//! whose message the page shows as it is. Server-only plumbing (the pool, the secret box,
//! whom an action acts as, turning store errors into messages) lives in [`ssr`] and nowhere else.

pub mod alerts;
pub mod endpoints;
pub mod integrations;
pub mod people;
pub mod runs;
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

    use http::StatusCode;
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;
    use outflow_core::{
        Pool,
        secrets::SecretBox,
        store::{self, Actor, StoreError},
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

    /// Whom a UI action is recorded against. Until sign-in exists: the first active admin,
    /// or nobody (the system) on a database without one.
    pub(crate) async fn actor(pool: &Pool) -> Result<Option<Actor>, UiError> {
        Ok(store::first_admin(pool).await?)
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

    /// A refusal the user can act on, e.g. a comment without anyone to write it as.
    pub(crate) fn refused(message: &str) -> UiError {
        answer(StatusCode::UNPROCESSABLE_ENTITY, message.to_string())
    }

    fn answer(status: StatusCode, message: String) -> UiError {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(status);
        }
        UiError { message }
    }
}
