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
    super::ssr::{authorize, pool},
    crate::model::alerts::{AlertQuery, NewComment},
    outflow_core::{access::Need, store},
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
#[server(prefix = "/ui", input = Json)]
pub async fn recent_alerts() -> Result<AlertPage, UiError> {
    authorize(Need::Viewer)?;
    let pool = pool()?;
    Ok(store::list_alerts(&pool, &AlertQuery::default()).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn fetch_alert(id: i64) -> Result<AlertDetail, UiError> {
    authorize(Need::Viewer)?;
    let pool = pool()?;
    let alert = store::get_alert(&pool, id).await?;
    let choices = store::get_form(&pool, &alert.summary.form_id).await?.responses;
    let groups = store::list_groups(&pool)
        .await?
        .into_iter()
        .map(|group| group.target_name)
        .filter(|name| alert.summary.recipients.contains(name))
        .collect();
    Ok(AlertDetail { alert, choices, groups })
}

#[server(prefix = "/ui", input = Json)]
pub async fn start_alert(input: NewAlert) -> Result<Alert, UiError> {
    let principal = authorize(Need::Responder)?;
    let pool = pool()?;
    store::ensure_form_usable(&pool, &principal, &input.form_id).await?;
    Ok(store::create_alert(&pool, Some(&principal.actor()), &input).await?)
}

/// Suspends, resumes or terminates an alert.
#[server(prefix = "/ui", input = Json)]
pub async fn set_alert_status(id: i64, status: AlertStatus) -> Result<Alert, UiError> {
    let principal = authorize(Need::Responder)?;
    Ok(store::change_status(&pool()?, Some(&principal.actor()), id, status).await?)
}

/// Comments as the acting user, from the chosen source.
#[server(prefix = "/ui", input = Json)]
pub async fn comment_on_alert(id: i64, comment: String, source: CommentSource) -> Result<Alert, UiError> {
    let author = authorize(Need::Responder)?;
    Ok(store::add_comment(&pool()?, id, &NewComment { author: author.target_name, comment, source }).await?)
}

/// Responds on behalf of one of the alert's notified recipients, e.g. to try out an action.
#[server(prefix = "/ui", input = Json)]
pub async fn respond_to_alert(id: i64, input: NewResponse) -> Result<Alert, UiError> {
    authorize(Need::Responder)?;
    let pool = pool()?;
    Ok(store::add_response(&pool, id, &input).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn escalate_alert(id: i64, group: String) -> Result<Alert, UiError> {
    let principal = authorize(Need::Responder)?;
    Ok(store::escalate_manually(&pool()?, Some(&principal.actor()), id, Some(&group)).await?)
}
