//! Users, their devices, and groups with ordered members and escalation.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub target_name: String,
    pub first_name: String,
    pub last_name: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub devices: Vec<Device>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    pub target_name: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub roles: Vec<Role>,
}

/// A partial update; absent fields stay as they are.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserPatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub active: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Developer,
    Responder,
    Viewer,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub id: String,
    pub name: String,
    pub kind: DeviceKind,
    pub address: String,
    pub delay_seconds: u32,
    pub active: bool,
    /// For email/sms/voice/push: what the built-in test provider answers.
    pub test_outcome: TestOutcome,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewDevice {
    pub name: String,
    pub kind: DeviceKind,
    pub address: String,
    #[serde(default)]
    pub delay_seconds: u32,
    #[serde(default = "default_true")]
    pub active: bool,
    #[serde(default)]
    pub test_outcome: TestOutcome,
}

fn default_true() -> bool {
    true
}

/// A partial update of a device; absent fields stay as they are.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DevicePatch {
    pub name: Option<String>,
    pub address: Option<String>,
    pub delay_seconds: Option<u32>,
    pub active: Option<bool>,
    pub test_outcome: Option<TestOutcome>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Email,
    Sms,
    Voice,
    Push,
    Webhook,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 5] = [DeviceKind::Email, DeviceKind::Sms, DeviceKind::Voice, DeviceKind::Push, DeviceKind::Webhook];

    pub fn key(self) -> &'static str {
        match self {
            DeviceKind::Email => "email",
            DeviceKind::Sms => "sms",
            DeviceKind::Voice => "voice",
            DeviceKind::Push => "push",
            DeviceKind::Webhook => "webhook",
        }
    }

    pub fn from_key(key: &str) -> Option<DeviceKind> {
        DeviceKind::ALL.into_iter().find(|kind| kind.key() == key)
    }

    /// Checks an address for this kind of device; the error says what is expected.
    pub fn check_address(self, address: &str) -> Result<(), String> {
        let address = address.trim();
        let ok = match self {
            DeviceKind::Email => address.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.')),
            DeviceKind::Sms | DeviceKind::Voice => {
                let digits = address.chars().filter(char::is_ascii_digit).count();
                (6..=16).contains(&digits) && address.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c))
            }
            DeviceKind::Push => !address.is_empty(),
            DeviceKind::Webhook => (address.starts_with("http://") || address.starts_with("https://")) && address.len() > "https://".len(),
        };
        if ok {
            Ok(())
        } else {
            Err(match self {
                DeviceKind::Email => "An email device needs an address like name@example.com.".into(),
                DeviceKind::Sms | DeviceKind::Voice => "A phone device needs a number of 6 to 16 digits, e.g. +1 555 0100.".into(),
                DeviceKind::Push => "A push device needs a device token.".into(),
                DeviceKind::Webhook => "A webhook device needs an http:// or https:// URL.".into(),
            })
        }
    }
}

/// The answer of the built-in test provider used for email, sms, voice and push devices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TestOutcome {
    #[default]
    Delivered,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub target_name: String,
    /// Member targetNames in notification order.
    pub members: Vec<String>,
    /// How long a member has to respond before the next one is notified.
    pub escalation_seconds: u32,
    pub active: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewGroup {
    pub target_name: String,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default = "default_escalation_seconds")]
    pub escalation_seconds: u32,
}

fn default_escalation_seconds() -> u32 {
    300
}

/// A partial update of a group; absent fields stay as they are.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GroupPatch {
    pub members: Option<Vec<String>>,
    pub escalation_seconds: Option<u32>,
    pub active: Option<bool>,
}
