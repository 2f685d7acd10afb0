//! One module per page of the navigation.

pub mod activity;
pub mod alerts;
pub mod endpoints;
pub mod flows;
pub mod home;
pub mod integrations;
pub mod not_found;
pub mod people;
