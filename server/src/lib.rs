//! Outflow's server: the REST API, the server-rendered UI and its assets, the workers that
//! turn alert activity into integration runs, and the engine that executes flow runs.
//! `main.rs` only parses the command line; everything else is reachable from here so that
//! tests can build the same router without a socket.

pub mod access;
pub mod agent;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod engine;
pub mod error;
pub mod flows_cli;
pub mod metrics;
pub mod peer;
pub mod routes;
pub mod runtime;
pub mod serve;
pub mod session;
pub mod state;
pub mod steps;
pub mod telemetry;
pub mod web;
pub mod workers;
