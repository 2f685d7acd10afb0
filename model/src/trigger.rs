//! The seven trigger keys of an alert's life (SPEC §2).

use serde::{Deserialize, Serialize};

/// A kind of change in an alert's life that can start integrations and flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Status,
    Comment,
    Escalation,
    Delivery,
    Response,
    Responses,
    RecipientFailure,
}

impl Trigger {
    pub const ALL: [Trigger; 7] =
        [Trigger::Status, Trigger::Comment, Trigger::Escalation, Trigger::Delivery, Trigger::Response, Trigger::Responses, Trigger::RecipientFailure];

    /// The key used in payloads and the API.
    pub fn key(self) -> &'static str {
        match self {
            Trigger::Status => "status",
            Trigger::Comment => "comment",
            Trigger::Escalation => "escalation",
            Trigger::Delivery => "delivery",
            Trigger::Response => "response",
            Trigger::Responses => "responses",
            Trigger::RecipientFailure => "recipient_failure",
        }
    }

    /// The name shown in the UI.
    pub fn display_name(self) -> &'static str {
        match self {
            Trigger::Status => "Status Updates",
            Trigger::Comment => "Alert Comments",
            Trigger::Escalation => "Escalations",
            Trigger::Delivery => "Device Delivery Updates",
            Trigger::Response => "Notification Responses (deprecated)",
            Trigger::Responses => "Responses (flows only)",
            Trigger::RecipientFailure => "Targeted Recipient Failures",
        }
    }

    /// Whether the trigger belongs to flows alone (Responses): it has no integration. Every
    /// other trigger starts a form's flows only through the form's enabled integration of it,
    /// so a trigger on the canvas and an integration are one thing.
    pub fn flow_native(self) -> bool {
        self == Trigger::Responses
    }

    /// Whether an event of this trigger starts the form's flows, given whether the form has
    /// an enabled integration of it: a flow never starts from a trigger whose integration is
    /// missing or off (but for a flow-native one).
    pub fn starts_flows(self, enabled_integration: bool) -> bool {
        self.flow_native() || enabled_integration
    }

    pub fn from_key(key: &str) -> Option<Trigger> {
        Trigger::ALL.into_iter().find(|trigger| trigger.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_serde_and_lookup() {
        for trigger in Trigger::ALL {
            let json = serde_json::to_string(&trigger).unwrap();
            assert_eq!(json, format!("\"{}\"", trigger.key()));
            assert_eq!(Trigger::from_key(trigger.key()), Some(trigger));
        }
        assert_eq!(Trigger::from_key("nope"), None);
    }
}
