//! Forms (SPEC §1): a workflow's alert templates. Properties and response options are kept
//! as JSON columns; they are always read and written whole.

use std::collections::HashSet;

use super::Store;
use outflow_model::{
    forms::{Form, NewForm, PropertyKind},
    limits,
};

use super::db;
use super::{
    Actor, StoreError, StoreResult,
    audit::{self, Change},
    checked_name, conflict_on_unique, from_json, to_json,
};
use crate::{clock, ids::new_id};

crate::row_struct! {
struct FormRow {
    id: String,
    workflow_id: String,
    name: String,
    enabled: bool,
    properties: String,
    responses: String,
}
}

impl TryFrom<FormRow> for Form {
    type Error = StoreError;

    fn try_from(row: FormRow) -> StoreResult<Form> {
        Ok(Form {
            id: row.id,
            workflow_id: row.workflow_id,
            name: row.name,
            enabled: row.enabled,
            properties: from_json("forms.properties", &row.properties)?,
            responses: from_json("forms.responses", &row.responses)?,
        })
    }
}

const SELECT_FORM: &str = "SELECT id, workflow_id, name, enabled, properties, responses FROM forms";

/// Checks a form definition and returns it cleaned (names trimmed).
fn checked_form(input: &NewForm) -> StoreResult<NewForm> {
    let mut form = input.clone();
    form.name = checked_name("A form name", &input.name)?.to_string();
    if form.properties.len() > limits::FORM_ITEMS || form.responses.len() > limits::FORM_ITEMS {
        return Err(StoreError::invalid(format!("A form holds at most {} properties and {} responses.", limits::FORM_ITEMS, limits::FORM_ITEMS)));
    }
    let mut seen = HashSet::new();
    for property in &mut form.properties {
        property.name = checked_name("A property name", &property.name)?.to_string();
        if !seen.insert(property.name.to_lowercase()) {
            return Err(StoreError::invalid(format!("The property \"{}\" appears twice.", property.name)));
        }
        match property.kind {
            PropertyKind::List if property.values.is_empty() => {
                return Err(StoreError::invalid(format!("The list property \"{}\" needs at least one value.", property.name)));
            }
            PropertyKind::List => {}
            _ => property.values.clear(),
        }
    }
    let mut choices = HashSet::new();
    for option in &mut form.responses {
        option.choice = checked_name("A response choice", &option.choice)?.to_string();
        if !choices.insert(option.choice.to_lowercase()) {
            return Err(StoreError::invalid(format!("The response choice \"{}\" appears twice.", option.choice)));
        }
    }
    Ok(form)
}

pub async fn create_form(store: &Store, actor: Option<&Actor>, workflow_id: &str, input: &NewForm) -> StoreResult<Form> {
    let form = checked_form(input)?;
    super::get_workflow(store, workflow_id).await?;
    let id = new_id("fm");
    let now = clock::now_millis();
    db::query(
        "INSERT INTO forms (id, workflow_id, name, enabled, properties, responses, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(workflow_id)
    .bind(&form.name)
    .bind(form.enabled)
    .bind(to_json(&form.properties))
    .bind(to_json(&form.responses))
    .bind(now)
    .bind(now)
    .execute(store.db())
    .await
    .map_err(conflict_on_unique(|| format!("This workflow already has a form named \"{}\".", form.name)))?;
    let form = get_form(store, &id).await?;
    audit::record_change(store, actor, Change::created("form", &form.id, &form.name, &form)).await?;
    Ok(form)
}

/// Replaces a form's name, enabled flag, properties and responses.
pub async fn update_form(store: &Store, actor: Option<&Actor>, id: &str, input: &NewForm) -> StoreResult<Form> {
    let form = checked_form(input)?;
    let before = get_form(store, id).await?;
    let updated = db::query("UPDATE forms SET name = ?, enabled = ?, properties = ?, responses = ?, updated_at = ? WHERE id = ?")
        .bind(&form.name)
        .bind(form.enabled)
        .bind(to_json(&form.properties))
        .bind(to_json(&form.responses))
        .bind(clock::now_millis())
        .bind(id)
        .execute(store.db())
        .await
        .map_err(conflict_on_unique(|| format!("This workflow already has a form named \"{}\".", form.name)))?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("No form with id {id}.")));
    }
    let after = get_form(store, id).await?;
    audit::record_change(store, actor, Change::updated("form", id, &after.name, &before, &after)).await?;
    Ok(after)
}

pub async fn get_form(store: &Store, id: &str) -> StoreResult<Form> {
    let row: Option<FormRow> = db::query_as(&format!("{SELECT_FORM} WHERE id = ?")).bind(id).fetch_optional(store.db()).await?;
    row.ok_or_else(|| StoreError::NotFound(format!("No form with id {id}.")))?.try_into()
}

pub async fn list_forms(store: &Store, workflow_id: &str) -> StoreResult<Vec<Form>> {
    super::get_workflow(store, workflow_id).await?;
    let rows: Vec<FormRow> =
        db::query_as(&format!("{SELECT_FORM} WHERE workflow_id = ? ORDER BY name")).bind(workflow_id).fetch_all(store.db()).await?;
    rows.into_iter().map(Form::try_from).collect()
}

/// Reads a form on the write connection (see `writer`), for jobs that check their
/// input against it in the same transaction.
pub(crate) fn form_on(conn: &super::db::Connection, id: &str) -> StoreResult<Option<Form>> {
    use super::db::OptionalExtension;
    let row = conn
        .prepare_cached(&format!("{SELECT_FORM} WHERE id = ?"))?
        .query_row([id], |row| {
            Ok(FormRow {
                id: row.get(0)?,
                workflow_id: row.get(1)?,
                name: row.get(2)?,
                enabled: row.get(3)?,
                properties: row.get(4)?,
                responses: row.get(5)?,
            })
        })
        .optional()?;
    row.map(Form::try_from).transpose()
}
