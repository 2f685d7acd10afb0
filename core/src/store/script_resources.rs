//! A workflow's constants and shared script libraries (SPEC §4: `constants['Name']`,
//! `require('Library')`). Both are named texts scoped to one workflow, so one generic set
//! of functions serves the two tables.

use std::collections::BTreeMap;

use super::Store;
use outflow_model::{
    limits,
    workflows::{Constant, Library, NamedText},
};

use super::{
    Actor, StoreError, StoreResult,
    audit::{self, Change},
    checked_name, conflict_on_unique, db,
};
use crate::{clock, ids::new_id};

/// Which of the two tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Constant,
    Library,
}

impl Resource {
    fn table(self) -> &'static str {
        match self {
            Resource::Constant => "constants",
            Resource::Library => "libraries",
        }
    }

    fn text_column(self) -> &'static str {
        match self {
            Resource::Constant => "value",
            Resource::Library => "script",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Resource::Constant => "constant",
            Resource::Library => "library",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Resource::Constant => "cn",
            Resource::Library => "lb",
        }
    }

    fn max_bytes(self) -> usize {
        match self {
            Resource::Constant => limits::TEXT_CHARS,
            Resource::Library => super::MAX_SCRIPT_BYTES,
        }
    }
}

crate::row_struct! {
/// One stored row, before it becomes a [`Constant`] or a [`Library`].
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedRow {
    pub id: String,
    pub workflow_id: String,
    pub name: String,
    pub text: String,
}
}

impl From<NamedRow> for Constant {
    fn from(row: NamedRow) -> Constant {
        Constant { id: row.id, workflow_id: row.workflow_id, name: row.name, value: row.text }
    }
}

impl From<NamedRow> for Library {
    fn from(row: NamedRow) -> Library {
        Library { id: row.id, workflow_id: row.workflow_id, name: row.name, script: row.text }
    }
}

fn checked(resource: Resource, input: &NamedText) -> StoreResult<&str> {
    let name = checked_name(&format!("A {} name", resource.noun()), &input.name)?;
    if input.text.len() > resource.max_bytes() {
        return Err(StoreError::invalid(format!("A {} holds at most {} bytes.", resource.noun(), resource.max_bytes())));
    }
    Ok(name)
}

pub async fn create_named(store: &Store, actor: Option<&Actor>, resource: Resource, workflow_id: &str, input: &NamedText) -> StoreResult<NamedRow> {
    let name = checked(resource, input)?;
    super::get_workflow(store, workflow_id).await?;
    let id = new_id(resource.prefix());
    let now = clock::now_millis();
    let mut tx = super::write_tx(store).await?;
    db::query(&format!(
        "INSERT INTO {} (id, workflow_id, name, {}, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        resource.table(),
        resource.text_column()
    ))
    .bind(&id)
    .bind(workflow_id)
    .bind(name)
    .bind(&input.text)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(conflict_on_unique(|| format!("This workflow already has a {} named \"{name}\".", resource.noun())))?;
    let created = NamedRow { id, workflow_id: workflow_id.to_string(), name: name.to_string(), text: input.text.clone() };
    audit::record(&mut tx, actor, Change::created(resource.noun(), &created.id, name, &created)).await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn get_named(store: &Store, resource: Resource, workflow_id: &str, id: &str) -> StoreResult<NamedRow> {
    db::query_as(&format!(
        "SELECT id, workflow_id, name, {} AS text FROM {} WHERE workflow_id = ? AND id = ?",
        resource.text_column(),
        resource.table()
    ))
    .bind(workflow_id)
    .bind(id)
    .fetch_optional(store.db())
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("This workflow has no {} with id {id}.", resource.noun())))
}

pub async fn list_named(store: &Store, resource: Resource, workflow_id: &str) -> StoreResult<Vec<NamedRow>> {
    super::get_workflow(store, workflow_id).await?;
    Ok(db::query_as(&format!(
        "SELECT id, workflow_id, name, {} AS text FROM {} WHERE workflow_id = ? ORDER BY name",
        resource.text_column(),
        resource.table()
    ))
    .bind(workflow_id)
    .fetch_all(store.db())
    .await?)
}

pub async fn update_named(
    store: &Store,
    actor: Option<&Actor>,
    resource: Resource,
    workflow_id: &str,
    id: &str,
    input: &NamedText,
) -> StoreResult<NamedRow> {
    let name = checked(resource, input)?;
    let before = get_named(store, resource, workflow_id, id).await?;
    let mut tx = super::write_tx(store).await?;
    db::query(&format!("UPDATE {} SET name = ?, {} = ?, updated_at = ? WHERE id = ?", resource.table(), resource.text_column()))
        .bind(name)
        .bind(&input.text)
        .bind(clock::now_millis())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(conflict_on_unique(|| format!("This workflow already has a {} named \"{name}\".", resource.noun())))?;
    let after = NamedRow { id: before.id.clone(), workflow_id: before.workflow_id.clone(), name: name.to_string(), text: input.text.clone() };
    audit::record(&mut tx, actor, Change::updated(resource.noun(), id, name, &before, &after)).await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn delete_named(store: &Store, actor: Option<&Actor>, resource: Resource, workflow_id: &str, id: &str) -> StoreResult<()> {
    let before = get_named(store, resource, workflow_id, id).await?;
    let mut tx = super::write_tx(store).await?;
    db::query(&format!("DELETE FROM {} WHERE id = ?", resource.table())).bind(id).execute(&mut *tx).await?;
    audit::record(&mut tx, actor, Change::deleted(resource.noun(), id, &before.name, &before)).await?;
    tx.commit().await?;
    Ok(())
}

/// Everything a script of the workflow can reach: constants and libraries by name.
pub async fn script_resources(store: &Store, workflow_id: &str) -> StoreResult<(BTreeMap<String, String>, BTreeMap<String, String>)> {
    let by_name = |rows: Vec<NamedRow>| rows.into_iter().map(|row| (row.name, row.text)).collect();
    Ok((by_name(list_named(store, Resource::Constant, workflow_id).await?), by_name(list_named(store, Resource::Library, workflow_id).await?)))
}
