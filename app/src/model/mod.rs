//! Types shared by the browser and the server: triggers, flow graphs, payloads.
//! Pure data and validation; no IO.

pub mod trigger;
