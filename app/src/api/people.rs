//! Server functions of the People page: users with their devices, and groups.

use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

use super::UiError;
use crate::model::people::{Device, DevicePatch, Group, GroupPatch, NewDevice, NewGroup, NewUser, User, UserPatch};
#[cfg(feature = "ssr")]
use {super::ssr::pool, outflow_core::store};

/// Everyone an alert can target.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct People {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

#[server(prefix = "/ui", input = Json)]
pub async fn list_people() -> Result<People, UiError> {
    let pool = pool()?;
    Ok(People { users: store::list_users(&pool).await?, groups: store::list_groups(&pool).await? })
}

#[server(prefix = "/ui", input = Json)]
pub async fn create_user(input: NewUser) -> Result<User, UiError> {
    Ok(store::create_user(&pool()?, &input).await?)
}

/// Renames, changes roles, deactivates or reactivates a user.
#[server(prefix = "/ui", input = Json)]
pub async fn update_user(target_name: String, patch: UserPatch) -> Result<User, UiError> {
    Ok(store::update_user(&pool()?, &target_name, &patch).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn add_device(target_name: String, input: NewDevice) -> Result<Device, UiError> {
    Ok(store::add_device(&pool()?, &target_name, &input).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn update_device(target_name: String, device_id: String, patch: DevicePatch) -> Result<Device, UiError> {
    Ok(store::update_device(&pool()?, &target_name, &device_id, &patch).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn remove_device(target_name: String, device_id: String) -> Result<(), UiError> {
    Ok(store::delete_device(&pool()?, &target_name, &device_id).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn create_group(input: NewGroup) -> Result<Group, UiError> {
    Ok(store::create_group(&pool()?, &input).await?)
}

/// Changes members or escalation, deactivates or reactivates a group.
#[server(prefix = "/ui", input = Json)]
pub async fn update_group(target_name: String, patch: GroupPatch) -> Result<Group, UiError> {
    Ok(store::update_group(&pool()?, &target_name, &patch).await?)
}
