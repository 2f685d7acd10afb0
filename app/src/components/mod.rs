//! Reusable building blocks of the UI: the page layout, navigation, empty states.

pub mod empty_state;
pub mod layout;
pub mod page;
pub mod theme_toggle;
