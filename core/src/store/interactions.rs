//! What people do to a running alert: comment on it and respond to its notifications.
//! A response also applies its choice's action (assign, escalate, end the alert).

use super::Store;
use outflow_model::{
    alerts::{Alert, AlertStatus, NewComment, NewResponse},
    forms::ResponseAction,
    limits,
    trigger::Trigger,
};
use serde_json::json;

use super::{Actor, StoreError, StoreResult, alerts, db, escalation, events};
use crate::clock;

/// Adds a comment from any source and records the `comment` event. `posted_by` is who
/// posted it on the author's behalf, if not the author (decided in `ops::alerts`).
pub async fn add_comment(store: &Store, alert_id: i64, input: &NewComment, posted_by: Option<&Actor>) -> StoreResult<Alert> {
    let text = input.comment.trim();
    if text.is_empty() || text.chars().count() > limits::TEXT_CHARS {
        return Err(StoreError::invalid(format!("A comment needs 1 to {} characters.", limits::TEXT_CHARS)));
    }
    let mut tx = super::write_tx(store).await?;
    alerts::status_of(&mut tx, alert_id).await?;
    let author = user_named(&mut tx, &input.author, "author").await?;
    let posted_by = posted_by.filter(|poster| poster.user_id != author.id);
    let now = clock::now_millis();
    db::query("INSERT INTO comments (alert_id, author_user_id, text, source, created_at, posted_by_user_id) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(alert_id)
        .bind(author.id)
        .bind(text)
        .bind(input.source.key())
        .bind(now)
        .bind(posted_by.map(|actor| actor.user_id))
        .execute(&mut *tx)
        .await?;
    let mut fields = json!({
        "author": { "targetName": author.target_name, "firstName": author.first_name, "lastName": author.last_name },
        "comment": text,
        "source": input.source.key(),
    });
    with_poster(&mut fields, posted_by);
    events::record(&mut tx, alert_id, Trigger::Comment, fields, now).await?;
    tx.commit().await?;
    alerts::get_alert(store, alert_id).await
}

/// Adds `postedBy` (who posted on the person's behalf) to an event's fields, and so to its
/// payload; absent when the person posted themselves.
fn with_poster(fields: &mut serde_json::Value, posted_by: Option<&Actor>) {
    if let (Some(poster), Some(fields)) = (posted_by, fields.as_object_mut()) {
        fields.insert("postedBy".into(), json!(poster.target_name));
    }
}

crate::row_struct! {
struct Person {
    id: i64,
    target_name: String,
    first_name: String,
    last_name: String,
}
}

async fn user_named(conn: &mut db::Tx, target_name: &str, role: &str) -> StoreResult<Person> {
    db::query_as("SELECT id, target_name, first_name, last_name FROM users WHERE target_name = ?")
        .bind(target_name.trim())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::Invalid {
            message: format!("The {role} \"{target_name}\" is not a known user."),
            details: json!({ role: target_name }),
        })
}

/// Records a recipient's response, emits `response` and `responses`, then applies the
/// choice's action, all in one transaction. `posted_by` is who answered on the recipient's
/// behalf, if not the recipient (decided in `ops::alerts`).
pub async fn add_response(store: &Store, alert_id: i64, input: &NewResponse, posted_by: Option<&Actor>) -> StoreResult<Alert> {
    let annotation = input.annotation.as_deref().map(str::trim).filter(|text| !text.is_empty());
    if annotation.is_some_and(|text| text.chars().count() > limits::TEXT_CHARS) {
        return Err(StoreError::invalid(format!("An annotation has at most {} characters.", limits::TEXT_CHARS)));
    }
    let mut tx = super::write_tx(store).await?;
    let status = alerts::status_of(&mut tx, alert_id).await?;
    if status == AlertStatus::Terminated {
        return Err(StoreError::Conflict(format!("Alert {alert_id} is TERMINATED and takes no more responses.")));
    }
    let recipient = user_named(&mut tx, &input.recipient, "recipient").await?;
    let posted_by = posted_by.filter(|poster| poster.user_id != recipient.id);
    let devices: Vec<String> = db::query_scalar("SELECT device_name FROM notifications WHERE alert_id = ? AND user_id = ? AND status <> 'cancelled'")
        .bind(alert_id)
        .bind(recipient.id)
        .fetch_all(&mut *tx)
        .await?;
    if devices.is_empty() {
        return Err(StoreError::invalid(format!("{} was not notified of alert {alert_id}, so cannot respond to it.", recipient.target_name)));
    }
    let device = match input.device.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
        Some(name) if devices.iter().any(|notified| notified == name) => Some(name.to_string()),
        Some(name) => {
            return Err(StoreError::invalid(format!("{} was not notified on a device named \"{name}\".", recipient.target_name)));
        }
        None => None,
    };
    let form_id: String = db::query_scalar("SELECT form_id FROM alerts WHERE event_identifier = ?").bind(alert_id).fetch_one(&mut *tx).await?;
    let form = super::get_form(store, &form_id).await?;
    let option = form.responses.iter().find(|option| option.choice.eq_ignore_ascii_case(input.response.trim())).ok_or_else(|| {
        let choices: Vec<&str> = form.responses.iter().map(|option| option.choice.as_str()).collect();
        StoreError::Invalid {
            message: format!("\"{}\" is not a response of the form \"{}\"; it offers: {}.", input.response, form.name, choices.join(", ")),
            details: json!({ "choices": choices }),
        }
    })?;

    let now = clock::now_millis();
    db::query(
        "INSERT INTO responses (alert_id, user_id, device_name, choice, annotation, created_at, posted_by_user_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(alert_id)
    .bind(recipient.id)
    .bind(&device)
    .bind(&option.choice)
    .bind(annotation)
    .bind(now)
    .bind(posted_by.map(|actor| actor.user_id))
    .execute(&mut *tx)
    .await?;
    let mut fields = json!({
        "recipient": recipient.target_name,
        "device": device,
        "response": option.choice,
        "annotation": annotation,
    });
    with_poster(&mut fields, posted_by);
    events::record(&mut tx, alert_id, Trigger::Response, fields.clone(), now).await?;
    events::record(&mut tx, alert_id, Trigger::Responses, fields, now).await?;
    // Whoever answered stops the escalation of the group step they were notified for.
    db::query(
        "UPDATE alert_groups SET escalate_at = NULL WHERE alert_id = ? AND escalate_at IS NOT NULL
           AND (SELECT user_id FROM group_members m WHERE m.group_id = alert_groups.group_id AND m.position = alert_groups.position) = ?",
    )
    .bind(alert_id)
    .bind(recipient.id)
    .execute(&mut *tx)
    .await?;

    let actor = Actor { user_id: recipient.id, target_name: recipient.target_name.clone() };
    match option.action {
        ResponseAction::None => {}
        ResponseAction::AssignToUser => {
            db::query("UPDATE alerts SET assignee_user_id = ?, updated_at = ? WHERE event_identifier = ?")
                .bind(recipient.id)
                .bind(now)
                .bind(alert_id)
                .execute(&mut *tx)
                .await?;
        }
        ResponseAction::EndAlert => alerts::set_status(&mut tx, Some(&actor), alert_id, AlertStatus::Terminated).await?,
        ResponseAction::Escalate => escalation::escalate_groups_of_member(&mut tx, alert_id, &actor, now).await?,
    }
    tx.commit().await?;
    alerts::get_alert(store, alert_id).await
}
