//! What every handler can reach: the database pool, the worker wake-ups and the UI's
//! rendering options.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use outflow_core::secrets::SecretBox;
use sqlx::SqlitePool;

use crate::{metrics::Metrics, workers::Wakeups};

#[derive(Clone)]
pub struct AppState {
    pub pool: SqlitePool,
    pub wakeups: Arc<Wakeups>,
    pub secrets: SecretBox,
    pub metrics: Arc<Metrics>,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
