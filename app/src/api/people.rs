//! Server functions of the People page: users with their devices, and groups.

use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

use super::UiError;
use crate::model::people::{Device, DevicePatch, Group, GroupPatch, NewDevice, NewGroup, NewUser, User, UserPatch};
#[cfg(feature = "ssr")]
use {
    super::ssr::{authorize, authorize_self_or_admin, pool},
    outflow_core::{access::Need, store},
};

/// Everyone an alert can target.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct People {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

#[server(prefix = "/ui", input = Json)]
pub async fn list_people() -> Result<People, UiError> {
    authorize(Need::Viewer)?;
    let pool = pool()?;
    Ok(People { users: store::list_users(&pool).await?, groups: store::list_groups(&pool).await? })
}

#[server(prefix = "/ui", input = Json)]
pub async fn create_user(input: NewUser) -> Result<User, UiError> {
    let principal = authorize(Need::Admin)?;
    Ok(store::create_user(&pool()?, Some(&principal.actor()), &input).await?)
}

/// Renames, changes roles, deactivates or reactivates a user.
#[server(prefix = "/ui", input = Json)]
pub async fn update_user(target_name: String, patch: UserPatch) -> Result<User, UiError> {
    let principal = authorize(Need::Admin)?;
    Ok(store::update_user(&pool()?, Some(&principal.actor()), &target_name, &patch).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn add_device(target_name: String, input: NewDevice) -> Result<Device, UiError> {
    let principal = authorize_self_or_admin(&target_name)?;
    Ok(store::add_device(&pool()?, Some(&principal.actor()), &target_name, &input).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn update_device(target_name: String, device_id: String, patch: DevicePatch) -> Result<Device, UiError> {
    let principal = authorize_self_or_admin(&target_name)?;
    Ok(store::update_device(&pool()?, Some(&principal.actor()), &target_name, &device_id, &patch).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn remove_device(target_name: String, device_id: String) -> Result<(), UiError> {
    let principal = authorize_self_or_admin(&target_name)?;
    Ok(store::delete_device(&pool()?, Some(&principal.actor()), &target_name, &device_id).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn create_group(input: NewGroup) -> Result<Group, UiError> {
    let principal = authorize(Need::Admin)?;
    Ok(store::create_group(&pool()?, Some(&principal.actor()), &input).await?)
}

/// Changes members or escalation, deactivates or reactivates a group.
#[server(prefix = "/ui", input = Json)]
pub async fn update_group(target_name: String, patch: GroupPatch) -> Result<Group, UiError> {
    let principal = authorize(Need::Admin)?;
    Ok(store::update_group(&pool()?, Some(&principal.actor()), &target_name, &patch).await?)
}
