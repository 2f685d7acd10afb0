//! One module per page: the sections of the navigation and the pages they open
//! (one alert, one integration, one run).

pub mod account;
pub mod activity;
pub mod agents;
pub mod alert;
pub mod alerts;
pub mod audit;
pub mod designer;
pub mod endpoints;
pub mod flows;
pub mod home;
pub mod integration;
pub mod integrations;
pub mod login;
pub mod not_found;
pub mod people;
pub mod run;
pub mod workflows;
