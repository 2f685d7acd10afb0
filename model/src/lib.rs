//! The types Outflow's browser, server and store share: what goes over the wire and what
//! the UI shows. Pure data plus the validation that needs no IO; nothing here touches a
//! database or the network. Field names are camelCase on the wire (SPEC §7).

pub mod alerts;
pub mod endpoints;
pub mod forms;
pub mod integrations;
pub mod people;
pub mod runs;
pub mod trigger;
pub mod workflows;

/// Upper bounds every input obeys, shared so the UI can say them before the server does.
pub mod limits {
    /// Names of workflows, forms, users, groups, devices, properties.
    pub const NAME_CHARS: usize = 200;
    /// Text values: property values, comments, annotations, addresses.
    pub const TEXT_CHARS: usize = 20_000;
    /// Properties per form and response options per form.
    pub const FORM_ITEMS: usize = 100;
    /// Recipients named on one alert; members of one group.
    pub const RECIPIENTS: usize = 1_000;
}
