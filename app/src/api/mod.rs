//! The UI's server functions and what they share. Every `#[server]` function here is a
//! public URL, `/ui/<function name>` (the REST API stays under `/api/v1`), and fails with a [`UiError`]
//! whose message the page shows as it is. Each is a thin adapter over the operations layer
//! (`outflow_core::ops`): the signed-in user ([`ssr::caller`]) and one call that decides
//! role, membership and validity exactly as the REST route doing the same does.
//! Server-only plumbing (the operations, the signed-in user, turning store errors into
//! messages) lives in [`ssr`] and nowhere else.

pub mod agents;
pub mod alerts;
pub mod dashboard;
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
        ops::Ops,
        store::{Principal, StoreError},
    };

    use super::UiError;

    /// The operations layer the server puts into every request's context (`server/src/web.rs`).
    pub(crate) fn ops() -> Result<Ops, UiError> {
        use_context::<Ops>().ok_or_else(|| internal("the operations layer is missing from the server function context"))
    }

    /// The signed-in user, whom the server's session gate put into the request, if any.
    pub(crate) fn signed_in() -> Option<Principal> {
        use_context::<Parts>().and_then(|parts| parts.extensions.get::<Principal>().cloned())
    }

    /// The signed-in user; a 401 without one.
    pub(crate) fn caller() -> Result<Principal, UiError> {
        signed_in().ok_or_else(|| answer(StatusCode::UNAUTHORIZED, "Your session has ended. Sign in again.".to_string()))
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
                StoreError::Database(_) | StoreError::Migration(_) | StoreError::Corrupt(_) | StoreError::Writer(_) => {
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
