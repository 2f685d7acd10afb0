//! Users, their devices, and groups (SPEC §1). A targetName names either one user or one
//! group, never both, so alert recipients resolve without ambiguity.

use super::Store;
use super::db::{self, Json};
use outflow_model::{
    limits,
    people::{Device, DeviceKind, DevicePatch, Group, GroupPatch, NewDevice, NewGroup, NewUser, Role, TestOutcome, User, UserPatch},
};

use super::{
    Actor, StoreError, StoreResult,
    audit::{self, Change},
    checked_name, conflict_on_unique,
};
use crate::{clock, ids::new_sorted_id};

crate::row_struct! {
struct UserRow {
    id: i64,
    target_name: String,
    first_name: String,
    last_name: String,
    roles: Json<Vec<Role>>,
    active: bool,
}
}

crate::row_struct! {
struct DeviceRow {
    id: String,
    name: String,
    kind: String,
    address: String,
    delay_seconds: i64,
    active: bool,
    test_outcome: String,
}
}

impl TryFrom<DeviceRow> for Device {
    type Error = StoreError;

    fn try_from(row: DeviceRow) -> StoreResult<Device> {
        Ok(Device {
            kind: DeviceKind::from_key(&row.kind).ok_or_else(|| StoreError::Corrupt(format!("device kind {}", row.kind)))?,
            test_outcome: if row.test_outcome == "failed" { TestOutcome::Failed } else { TestOutcome::Delivered },
            id: row.id,
            name: row.name,
            address: row.address,
            delay_seconds: u32::try_from(row.delay_seconds).unwrap_or_default(),
            active: row.active,
        })
    }
}

fn outcome_key(outcome: TestOutcome) -> &'static str {
    match outcome {
        TestOutcome::Delivered => "delivered",
        TestOutcome::Failed => "failed",
    }
}

/// Refuses a targetName already used by a user or a group.
async fn ensure_target_name_free(conn: &mut db::Tx, target_name: &str) -> StoreResult<()> {
    let taken: bool =
        db::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE target_name = ?1) OR EXISTS (SELECT 1 FROM groups WHERE target_name = ?1)")
            .bind(target_name)
            .fetch_one(conn)
            .await?;
    if taken {
        return Err(StoreError::Conflict(format!("The targetName \"{target_name}\" is already taken by a user or group.")));
    }
    Ok(())
}

fn checked_target_name(target_name: &str) -> StoreResult<&str> {
    let name = checked_name("A targetName", target_name)?;
    if name.chars().any(char::is_whitespace) {
        return Err(StoreError::invalid(format!("The targetName \"{name}\" must not contain spaces.")));
    }
    Ok(name)
}

pub async fn create_user(store: &Store, actor: Option<&Actor>, input: &NewUser) -> StoreResult<User> {
    let target_name = checked_target_name(&input.target_name)?;
    let mut tx = super::write_tx(store).await?;
    ensure_target_name_free(&mut tx, target_name).await?;
    db::query("INSERT INTO users (target_name, first_name, last_name, roles, active, created_at) VALUES (?, ?, ?, ?, 1, ?)")
        .bind(target_name)
        .bind(input.first_name.trim())
        .bind(input.last_name.trim())
        .bind(Json(&input.roles))
        .bind(clock::now_millis())
        .execute(&mut *tx)
        .await
        .map_err(conflict_on_unique(|| format!("The targetName \"{target_name}\" is already taken.")))?;
    tx.commit().await?;
    let user = get_user(store, target_name).await?;
    audit::record_change(store, actor, Change::created("user", target_name, target_name, &user)).await?;
    Ok(user)
}

pub async fn update_user(store: &Store, actor: Option<&Actor>, target_name: &str, patch: &UserPatch) -> StoreResult<User> {
    let before = get_user(store, target_name).await?;
    let row = user_row(store, target_name).await?;
    db::query("UPDATE users SET first_name = ?, last_name = ?, roles = ?, active = ? WHERE id = ?")
        .bind(patch.first_name.as_deref().map(str::trim).unwrap_or(&row.first_name))
        .bind(patch.last_name.as_deref().map(str::trim).unwrap_or(&row.last_name))
        .bind(Json(patch.roles.as_ref().unwrap_or(&row.roles.0)))
        .bind(patch.active.unwrap_or(row.active))
        .bind(row.id)
        .execute(store.db())
        .await?;
    let after = get_user(store, target_name).await?;
    audit::record_change(store, actor, Change::updated("user", target_name, target_name, &before, &after)).await?;
    Ok(after)
}

async fn user_row(store: &Store, target_name: &str) -> StoreResult<UserRow> {
    db::query_as("SELECT id, target_name, first_name, last_name, roles, active FROM users WHERE target_name = ?")
        .bind(target_name)
        .fetch_optional(store.db())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("No user with targetName \"{target_name}\".")))
}

/// A user's devices in the order they were added (device ids sort so, see
/// `ids::new_sorted_id`).
async fn devices_of(store: &Store, user_id: i64) -> StoreResult<Vec<Device>> {
    let rows: Vec<DeviceRow> =
        db::query_as("SELECT id, name, kind, address, delay_seconds, active, test_outcome FROM devices WHERE user_id = ? ORDER BY created_at, id")
            .bind(user_id)
            .fetch_all(store.db())
            .await?;
    rows.into_iter().map(Device::try_from).collect()
}

fn user_from(row: UserRow, devices: Vec<Device>) -> User {
    User { target_name: row.target_name, first_name: row.first_name, last_name: row.last_name, roles: row.roles.0, active: row.active, devices }
}

pub async fn get_user(store: &Store, target_name: &str) -> StoreResult<User> {
    let row = user_row(store, target_name).await?;
    let devices = devices_of(store, row.id).await?;
    Ok(user_from(row, devices))
}

pub async fn list_users(store: &Store) -> StoreResult<Vec<User>> {
    let rows: Vec<UserRow> =
        db::query_as("SELECT id, target_name, first_name, last_name, roles, active FROM users ORDER BY target_name").fetch_all(store.db()).await?;
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        let devices = devices_of(store, row.id).await?;
        users.push(user_from(row, devices));
    }
    Ok(users)
}

fn check_device(kind: DeviceKind, name: &str, address: &str, delay_seconds: u32) -> StoreResult<()> {
    checked_name("A device name", name)?;
    if address.chars().count() > limits::TEXT_CHARS {
        return Err(StoreError::invalid("The device address is too long."));
    }
    kind.check_address(address).map_err(StoreError::invalid)?;
    if delay_seconds > 86_400 {
        return Err(StoreError::invalid("A device delay is at most 86400 seconds (one day)."));
    }
    Ok(())
}

pub async fn add_device(store: &Store, actor: Option<&Actor>, target_name: &str, input: &NewDevice) -> StoreResult<Device> {
    let user = user_row(store, target_name).await?;
    check_device(input.kind, &input.name, &input.address, input.delay_seconds)?;
    let id = new_sorted_id("dv", clock::now_millis());
    let name = input.name.trim();
    db::query(
        "INSERT INTO devices (id, user_id, name, kind, address, delay_seconds, active, test_outcome, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(user.id)
    .bind(name)
    .bind(input.kind.key())
    .bind(input.address.trim())
    .bind(i64::from(input.delay_seconds))
    .bind(input.active)
    .bind(outcome_key(input.test_outcome))
    .bind(clock::now_millis())
    .execute(store.db())
    .await
    .map_err(conflict_on_unique(|| format!("{target_name} already has a device named \"{name}\".")))?;
    let device = device(store, target_name, &id).await?;
    audit::record_change(store, actor, Change::created("device", &id, &format!("{target_name}: {}", device.name), &device)).await?;
    Ok(device)
}

async fn device(store: &Store, target_name: &str, device_id: &str) -> StoreResult<Device> {
    let row: Option<DeviceRow> = db::query_as(
        "SELECT d.id, d.name, d.kind, d.address, d.delay_seconds, d.active, d.test_outcome
         FROM devices d JOIN users u ON u.id = d.user_id WHERE u.target_name = ? AND d.id = ?",
    )
    .bind(target_name)
    .bind(device_id)
    .fetch_optional(store.db())
    .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("{target_name} has no device {device_id}.")))?.try_into()
}

pub async fn update_device(store: &Store, actor: Option<&Actor>, target_name: &str, device_id: &str, patch: &DevicePatch) -> StoreResult<Device> {
    let current = device(store, target_name, device_id).await?;
    let name = patch.name.as_deref().unwrap_or(&current.name).trim().to_string();
    let address = patch.address.as_deref().unwrap_or(&current.address).trim().to_string();
    let delay_seconds = patch.delay_seconds.unwrap_or(current.delay_seconds);
    check_device(current.kind, &name, &address, delay_seconds)?;
    db::query("UPDATE devices SET name = ?, address = ?, delay_seconds = ?, active = ?, test_outcome = ? WHERE id = ?")
        .bind(&name)
        .bind(&address)
        .bind(i64::from(delay_seconds))
        .bind(patch.active.unwrap_or(current.active))
        .bind(outcome_key(patch.test_outcome.unwrap_or(current.test_outcome)))
        .bind(device_id)
        .execute(store.db())
        .await
        .map_err(conflict_on_unique(|| format!("{target_name} already has a device named \"{name}\".")))?;
    let after = device(store, target_name, device_id).await?;
    let label = format!("{target_name}: {}", after.name);
    audit::record_change(store, actor, Change::updated("device", device_id, &label, &current, &after)).await?;
    Ok(after)
}

pub async fn delete_device(store: &Store, actor: Option<&Actor>, target_name: &str, device_id: &str) -> StoreResult<()> {
    let before = device(store, target_name, device_id).await?;
    db::query("DELETE FROM devices WHERE id = ?").bind(device_id).execute(store.db()).await?;
    let label = format!("{target_name}: {}", before.name);
    audit::record_change(store, actor, Change::deleted("device", device_id, &label, &before)).await
}

/// Resolves member targetNames to user ids, naming every unknown one.
async fn member_ids(conn: &mut db::Tx, members: &[String]) -> StoreResult<Vec<i64>> {
    if members.len() > limits::RECIPIENTS {
        return Err(StoreError::invalid(format!("A group has at most {} members.", limits::RECIPIENTS)));
    }
    let mut ids = Vec::with_capacity(members.len());
    let mut unknown = Vec::new();
    for member in members {
        let id: Option<i64> = db::query_scalar("SELECT id FROM users WHERE target_name = ?").bind(member.trim()).fetch_optional(&mut *conn).await?;
        match id {
            Some(id) if ids.contains(&id) => {
                return Err(StoreError::invalid(format!("\"{member}\" is listed twice among the members.")));
            }
            Some(id) => ids.push(id),
            None => unknown.push(member.clone()),
        }
    }
    if !unknown.is_empty() {
        return Err(StoreError::Invalid {
            message: format!("Unknown users among the members: {}.", unknown.join(", ")),
            details: serde_json::json!({ "unknownMembers": unknown }),
        });
    }
    Ok(ids)
}

async fn replace_members(conn: &mut db::Tx, group_id: i64, member_ids: &[i64]) -> StoreResult<()> {
    db::query("DELETE FROM group_members WHERE group_id = ?").bind(group_id).execute(&mut *conn).await?;
    for (position, user_id) in member_ids.iter().enumerate() {
        db::query("INSERT INTO group_members (group_id, position, user_id) VALUES (?, ?, ?)")
            .bind(group_id)
            .bind(position as i64)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn create_group(store: &Store, actor: Option<&Actor>, input: &NewGroup) -> StoreResult<Group> {
    let target_name = checked_target_name(&input.target_name)?;
    let mut tx = super::write_tx(store).await?;
    ensure_target_name_free(&mut tx, target_name).await?;
    let ids = member_ids(&mut tx, &input.members).await?;
    let group_id: i64 = db::query_scalar("INSERT INTO groups (target_name, escalation_seconds, active, created_at) VALUES (?, ?, 1, ?) RETURNING id")
        .bind(target_name)
        .bind(i64::from(input.escalation_seconds))
        .bind(clock::now_millis())
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_on_unique(|| format!("The targetName \"{target_name}\" is already taken.")))?;
    replace_members(&mut tx, group_id, &ids).await?;
    tx.commit().await?;
    let group = get_group(store, target_name).await?;
    audit::record_change(store, actor, Change::created("group", target_name, target_name, &group)).await?;
    Ok(group)
}

pub async fn update_group(store: &Store, actor: Option<&Actor>, target_name: &str, patch: &GroupPatch) -> StoreResult<Group> {
    let current = get_group(store, target_name).await?;
    let mut tx = super::write_tx(store).await?;
    let group_id: i64 = db::query_scalar("SELECT id FROM groups WHERE target_name = ?").bind(target_name).fetch_one(&mut *tx).await?;
    if let Some(members) = &patch.members {
        let ids = member_ids(&mut tx, members).await?;
        replace_members(&mut tx, group_id, &ids).await?;
    }
    db::query("UPDATE groups SET escalation_seconds = ?, active = ? WHERE id = ?")
        .bind(i64::from(patch.escalation_seconds.unwrap_or(current.escalation_seconds)))
        .bind(patch.active.unwrap_or(current.active))
        .bind(group_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let after = get_group(store, target_name).await?;
    audit::record_change(store, actor, Change::updated("group", target_name, target_name, &current, &after)).await?;
    Ok(after)
}

crate::row_struct! {
struct GroupRow {
    id: i64,
    target_name: String,
    escalation_seconds: i64,
    active: bool,
}
}

async fn group_from(store: &Store, row: GroupRow) -> StoreResult<Group> {
    let members: Vec<String> =
        db::query_scalar("SELECT u.target_name FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = ? ORDER BY m.position")
            .bind(row.id)
            .fetch_all(store.db())
            .await?;
    Ok(Group {
        target_name: row.target_name,
        members,
        escalation_seconds: u32::try_from(row.escalation_seconds).unwrap_or_default(),
        active: row.active,
    })
}

pub async fn get_group(store: &Store, target_name: &str) -> StoreResult<Group> {
    let row: GroupRow = db::query_as("SELECT id, target_name, escalation_seconds, active FROM groups WHERE target_name = ?")
        .bind(target_name)
        .fetch_optional(store.db())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("No group with targetName \"{target_name}\".")))?;
    group_from(store, row).await
}

pub async fn list_groups(store: &Store) -> StoreResult<Vec<Group>> {
    let rows: Vec<GroupRow> =
        db::query_as("SELECT id, target_name, escalation_seconds, active FROM groups ORDER BY target_name").fetch_all(store.db()).await?;
    let mut groups = Vec::with_capacity(rows.len());
    for row in rows {
        groups.push(group_from(store, row).await?);
    }
    Ok(groups)
}
