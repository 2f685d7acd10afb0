//! Server functions of the People page: users with their devices, and groups.

use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

use super::UiError;
#[cfg(feature = "ssr")]
use super::ssr::{caller, ops};
use crate::model::people::{Device, DevicePatch, Group, GroupPatch, NewDevice, NewGroup, NewUser, User, UserPatch};

/// Everyone an alert can target.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct People {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

#[server(prefix = "/ui", endpoint = "/list_people", input = Json)]
pub async fn list_people() -> Result<People, UiError> {
    let (ops, principal) = (ops()?, caller()?);
    Ok(People { users: ops.list_users(&principal).await?, groups: ops.list_groups(&principal).await? })
}

#[server(prefix = "/ui", endpoint = "/create_user", input = Json)]
pub async fn create_user(input: NewUser) -> Result<User, UiError> {
    Ok(ops()?.create_user(&caller()?, &input).await?)
}

/// Renames, changes roles, deactivates or reactivates a user.
#[server(prefix = "/ui", endpoint = "/update_user", input = Json)]
pub async fn update_user(target_name: String, patch: UserPatch) -> Result<User, UiError> {
    Ok(ops()?.update_user(&caller()?, &target_name, &patch).await?)
}

#[server(prefix = "/ui", endpoint = "/add_device", input = Json)]
pub async fn add_device(target_name: String, input: NewDevice) -> Result<Device, UiError> {
    Ok(ops()?.add_device(&caller()?, &target_name, &input).await?)
}

#[server(prefix = "/ui", endpoint = "/update_device", input = Json)]
pub async fn update_device(target_name: String, device_id: String, patch: DevicePatch) -> Result<Device, UiError> {
    Ok(ops()?.update_device(&caller()?, &target_name, &device_id, &patch).await?)
}

#[server(prefix = "/ui", endpoint = "/remove_device", input = Json)]
pub async fn remove_device(target_name: String, device_id: String) -> Result<(), UiError> {
    Ok(ops()?.delete_device(&caller()?, &target_name, &device_id).await?)
}

#[server(prefix = "/ui", endpoint = "/create_group", input = Json)]
pub async fn create_group(input: NewGroup) -> Result<Group, UiError> {
    Ok(ops()?.create_group(&caller()?, &input).await?)
}

/// Changes members or escalation, deactivates or reactivates a group.
#[server(prefix = "/ui", endpoint = "/update_group", input = Json)]
pub async fn update_group(target_name: String, patch: GroupPatch) -> Result<Group, UiError> {
    Ok(ops()?.update_group(&caller()?, &target_name, &patch).await?)
}
