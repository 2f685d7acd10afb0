//! Outflow's domain and store. Every rule about workflows, forms, people, alerts and the
//! trigger events they produce lives here, next to the SQL that persists it; nothing here
//! knows about HTTP, the UI or the network. The REST routes and the UI's server functions
//! both call these functions, so the two can never disagree.

pub mod access;
pub mod clock;
pub mod default_scripts;
pub mod example;
pub mod ids;
pub mod payload;
pub mod secrets;
pub mod store;

/// The database handle every store function takes.
pub use sqlx::SqlitePool as Pool;
