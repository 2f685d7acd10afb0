//! Reusable building blocks of the UI: the page layout and navigation, form controls,
//! badges, feedback, empty states, and the larger pieces pages share (recipient picker,
//! alert starter, timeline, form editor, endpoint and integration editors, script editor,
//! server-drawn charts).

pub mod action_fields;
pub mod agent_service;
pub mod alert_forms;
pub mod auth_fields;
pub mod badge;
pub mod block_shape;
pub mod charts;
pub mod confirm;
pub mod designer;
pub mod devices;
pub mod editable_card;
pub mod empty_state;
pub mod endpoint_editor;
pub mod example_offer;
pub mod feedback;
pub mod fields;
pub mod flow_import;
pub mod form_editor;
pub mod group_card;
pub mod integration_filters;
pub mod integration_form;
pub mod integration_help;
pub mod json_view;
pub mod layout;
pub mod location_picker;
pub mod member_picker;
pub mod notifications;
pub mod page;
pub mod payload_sample;
pub mod polling;
pub mod recipient_picker;
pub mod run_canvas;
pub mod run_details;
pub mod run_flow;
pub mod script_editor;
pub mod secret_reveal;
pub mod start_alert;
pub mod step_panel;
pub mod table;
pub mod theme_toggle;
pub mod timeline;
pub mod user_card;
