//! People: users, their devices, API keys and passwords, and groups. Never lent to a script
//! or flow. A user's own devices, keys and password are theirs to manage; anyone else's are
//! an admin's.

use outflow_model::{
    access::{ApiKey, CreatedApiKey},
    people::{Device, DevicePatch, Group, GroupPatch, NewDevice, NewGroup, NewUser, User, UserPatch},
};

use super::{Operation, Ops};
use crate::store::{self, Principal, StoreError, StoreResult};

impl Ops {
    pub async fn create_user(&self, principal: &Principal, input: &NewUser) -> StoreResult<User> {
        self.admit(principal, Operation::ManagePeople)?;
        store::create_user(&self.store, Some(&principal.actor()), input).await
    }

    /// Renames, changes roles, deactivates or reactivates a user.
    pub async fn update_user(&self, principal: &Principal, target_name: &str, patch: &UserPatch) -> StoreResult<User> {
        self.admit(principal, Operation::ManagePeople)?;
        store::update_user(&self.store, Some(&principal.actor()), target_name, patch).await
    }

    pub async fn list_users(&self, principal: &Principal) -> StoreResult<Vec<User>> {
        self.admit(principal, Operation::ReadPeople)?;
        store::list_users(&self.store).await
    }

    pub async fn get_user(&self, principal: &Principal, target_name: &str) -> StoreResult<User> {
        self.admit(principal, Operation::ReadPeople)?;
        store::get_user(&self.store, target_name).await
    }

    pub async fn create_group(&self, principal: &Principal, input: &NewGroup) -> StoreResult<Group> {
        self.admit(principal, Operation::ManagePeople)?;
        store::create_group(&self.store, Some(&principal.actor()), input).await
    }

    /// Changes members or escalation, deactivates or reactivates a group.
    pub async fn update_group(&self, principal: &Principal, target_name: &str, patch: &GroupPatch) -> StoreResult<Group> {
        self.admit(principal, Operation::ManagePeople)?;
        store::update_group(&self.store, Some(&principal.actor()), target_name, patch).await
    }

    pub async fn list_groups(&self, principal: &Principal) -> StoreResult<Vec<Group>> {
        self.admit(principal, Operation::ReadPeople)?;
        store::list_groups(&self.store).await
    }

    pub async fn get_group(&self, principal: &Principal, target_name: &str) -> StoreResult<Group> {
        self.admit(principal, Operation::ReadPeople)?;
        store::get_group(&self.store, target_name).await
    }

    pub async fn add_device(&self, principal: &Principal, target_name: &str, input: &NewDevice) -> StoreResult<Device> {
        self.personal(principal, target_name)?;
        store::add_device(&self.store, Some(&principal.actor()), target_name, input).await
    }

    pub async fn update_device(&self, principal: &Principal, target_name: &str, device_id: &str, patch: &DevicePatch) -> StoreResult<Device> {
        self.personal(principal, target_name)?;
        store::update_device(&self.store, Some(&principal.actor()), target_name, device_id, patch).await
    }

    pub async fn delete_device(&self, principal: &Principal, target_name: &str, device_id: &str) -> StoreResult<()> {
        self.personal(principal, target_name)?;
        store::delete_device(&self.store, Some(&principal.actor()), target_name, device_id).await
    }

    /// Makes an API key for `target_name`; the answer is the only time it is shown.
    pub async fn create_api_key(&self, principal: &Principal, target_name: &str, name: &str) -> StoreResult<CreatedApiKey> {
        self.personal(principal, target_name)?;
        store::create_api_key(&self.store, &principal.actor(), target_name, name).await
    }

    /// `target_name`'s API keys, never their values.
    pub async fn list_api_keys(&self, principal: &Principal, target_name: &str) -> StoreResult<Vec<ApiKey>> {
        self.personal(principal, target_name)?;
        store::list_api_keys(&self.store, target_name).await
    }

    pub async fn revoke_api_key(&self, principal: &Principal, target_name: &str, key_id: &str) -> StoreResult<()> {
        self.personal(principal, target_name)?;
        store::revoke_api_key(&self.store, &principal.actor(), target_name, key_id).await
    }

    /// Sets `target_name`'s password; their browser sessions end.
    pub async fn set_password(&self, principal: &Principal, target_name: &str, password: &str) -> StoreResult<()> {
        self.personal(principal, target_name)?;
        store::set_password(&self.store, target_name, password).await
    }

    /// Changes the caller's own password after checking the current one.
    pub async fn change_own_password(&self, principal: &Principal, current: &str, new: &str) -> StoreResult<()> {
        self.personal(principal, &principal.target_name)?;
        if store::check_login(&self.store, &principal.target_name, current).await?.is_none() {
            return Err(StoreError::invalid("The current password is not right."));
        }
        store::set_password(&self.store, &principal.target_name, new).await
    }

    /// Refuses unless `principal` is `target_name` in person, or an admin.
    fn personal(&self, principal: &Principal, target_name: &str) -> StoreResult<()> {
        self.admit(principal, Operation::ManageOwnAccount)?;
        if principal.is_admin() || principal.target_name == target_name {
            Ok(())
        } else {
            Err(StoreError::Forbidden("Only an admin may manage another user's devices, keys or password.".into()))
        }
    }
}
