//! Server functions of the Alerts pages: list and read alerts, start one, and act on it
//! (status, comments, responses, escalation) as the signed-in user.

use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

use super::UiError;
use crate::model::{
    alerts::{Alert, AlertPage, AlertStatus, CommentSource, NewAlert, NewResponse},
    forms::ResponseOption,
};
#[cfg(feature = "ssr")]
use {
    super::ssr::{caller, ops},
    crate::model::alerts::{AlertQuery, NewComment},
};

/// One alert with what its page offers to do with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertDetail {
    pub alert: Alert,
    /// The response options of the alert's form, for responding as a recipient.
    pub choices: Vec<ResponseOption>,
    /// The alert's recipients that are groups: what can be escalated by hand.
    pub groups: Vec<String>,
}

/// The newest alerts, with the total count.
#[server(prefix = "/ui", endpoint = "/recent_alerts", input = Json)]
pub async fn recent_alerts() -> Result<AlertPage, UiError> {
    Ok(ops()?.list_alerts(&caller()?, &AlertQuery::default()).await?)
}

#[server(prefix = "/ui", endpoint = "/fetch_alert", input = Json)]
pub async fn fetch_alert(id: i64) -> Result<AlertDetail, UiError> {
    let (ops, principal) = (ops()?, caller()?);
    let alert = ops.get_alert(&principal, id).await?;
    let choices = ops.get_form(&principal, &alert.summary.form_id).await?.responses;
    let groups = ops
        .list_groups(&principal)
        .await?
        .into_iter()
        .map(|group| group.target_name)
        .filter(|name| alert.summary.recipients.contains(name))
        .collect();
    Ok(AlertDetail { alert, choices, groups })
}

#[server(prefix = "/ui", endpoint = "/start_alert", input = Json)]
pub async fn start_alert(input: NewAlert) -> Result<Alert, UiError> {
    Ok(ops()?.start_alert(&caller()?, &input).await?)
}

/// Suspends, resumes or terminates an alert.
#[server(prefix = "/ui", endpoint = "/set_alert_status", input = Json)]
pub async fn set_alert_status(id: i64, status: AlertStatus) -> Result<Alert, UiError> {
    Ok(ops()?.set_alert_status(&caller()?, id, status).await?)
}

/// Comments as the acting user, from the chosen source.
#[server(prefix = "/ui", endpoint = "/comment_on_alert", input = Json)]
pub async fn comment_on_alert(id: i64, comment: String, source: CommentSource) -> Result<Alert, UiError> {
    let author = caller()?;
    Ok(ops()?.add_comment(&author, id, &NewComment { author: author.target_name.clone(), comment, source }).await?)
}

/// Responds as the signed-in user, or (an admin) on behalf of one of the alert's notified
/// recipients, e.g. to try out an action.
#[server(prefix = "/ui", endpoint = "/respond_to_alert", input = Json)]
pub async fn respond_to_alert(id: i64, input: NewResponse) -> Result<Alert, UiError> {
    Ok(ops()?.respond(&caller()?, id, &input).await?)
}

#[server(prefix = "/ui", endpoint = "/escalate_alert", input = Json)]
pub async fn escalate_alert(id: i64, group: String) -> Result<Alert, UiError> {
    Ok(ops()?.escalate_alert(&caller()?, id, Some(&group)).await?)
}
