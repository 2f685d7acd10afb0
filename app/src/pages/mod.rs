//! One module per page of the navigation.

pub mod activity;
pub mod alert;
pub mod alerts;
pub mod endpoints;
pub mod flows;
pub mod home;
pub mod integrations;
pub mod not_found;
pub mod people;
pub mod workflows;
