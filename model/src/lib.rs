//! The types Outflow's browser, server and store share: what goes over the wire and what
//! the UI shows. Pure data plus the validation that needs no IO; nothing here touches a
//! database or the network. Field names are camelCase on the wire (SPEC §7).

pub mod access;
pub mod agents;
pub mod alerts;
pub mod dashboard;
pub mod endpoints;
pub mod flow_exec;
pub mod flow_plan;
pub mod flow_runs;
pub mod flows;
pub mod forms;
pub mod integrations;
pub mod people;
pub mod runs;
pub mod trigger;
pub mod workflows;

use serde::{Deserialize, Serialize};

/// One page of a listing, with the total the filters match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: u32,
    pub offset: u32,
}

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
    /// Items per page of a listing (default and most).
    pub const PAGE_DEFAULT: u32 = 50;
    pub const PAGE_MAX: u32 = 200;

    /// The page size and offset a listing query asks for, checked.
    pub fn paging(limit: Option<u32>, offset: Option<u32>) -> Result<(u32, u32), String> {
        let limit = limit.unwrap_or(PAGE_DEFAULT);
        if !(1..=PAGE_MAX).contains(&limit) {
            return Err(format!("limit must be between 1 and {PAGE_MAX}."));
        }
        Ok((limit, offset.unwrap_or(0)))
    }
}
