//! Outflow's domain and store. Every rule about who may do what lives in [`ops`] (the
//! operations layer every adapter calls: REST routes, UI server functions, flow steps,
//! scripts' self-calls), the SQL that persists it in [`store`]; nothing here knows about
//! HTTP, the UI or the network, so no two paths can disagree.

/// Roles and delegated rights, kept with the rules that use them (`ops::roles`).
pub use ops::roles as access;
pub mod clock;
pub mod default_scripts;
pub mod dispatch;
pub mod example;
pub mod ids;
pub mod ops;
pub mod payload;
pub mod schedule;
pub mod secrets;
pub mod store;

/// The database handle every store function takes.
pub use store::Store;
