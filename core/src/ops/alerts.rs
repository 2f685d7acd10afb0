//! Alerts: start, list, read, and what people do to them (status, comments, responses,
//! manual escalation). An alert belongs to its form's workflow.

use outflow_model::alerts::{Alert, AlertPage, AlertQuery, AlertStatus, NewAlert, NewComment, NewResponse};

use super::{Operation, Ops};
use crate::store::{self, Actor, Principal, StoreError, StoreResult};

impl Ops {
    pub async fn start_alert(&self, principal: &Principal, input: &NewAlert) -> StoreResult<Alert> {
        self.admit(principal, Operation::StartAlert)?;
        self.form_usable(principal, &input.form_id).await?;
        let (alert, work) = store::create_alert(&self.store, Some(&principal.actor()), input, principal.chain_depth()).await?;
        self.wakeups.alert_started(&work);
        Ok(alert)
    }

    /// Alerts of the workflows `principal` may see, newest first.
    pub async fn list_alerts(&self, principal: &Principal, query: &AlertQuery) -> StoreResult<AlertPage> {
        self.admit(principal, Operation::ListAlerts)?;
        let workflows = self.visible_workflows(principal).await?;
        store::list_alerts(&self.store, query, workflows.as_deref()).await
    }

    pub async fn get_alert(&self, principal: &Principal, id: i64) -> StoreResult<Alert> {
        self.admit(principal, Operation::ReadAlert)?;
        self.alert_member(principal, id).await?;
        store::get_alert(&self.store, id).await
    }

    pub async fn set_alert_status(&self, principal: &Principal, id: i64, status: AlertStatus) -> StoreResult<Alert> {
        self.admit(principal, Operation::ChangeAlertStatus)?;
        self.alert_member(principal, id).await?;
        let alert = store::change_status(&self.store, Some(&principal.actor()), id, status).await?;
        self.wakeups.alert_changed();
        Ok(alert)
    }

    /// Comments as the caller; as someone else only where [`on_behalf`] allows it.
    pub async fn add_comment(&self, principal: &Principal, id: i64, input: &NewComment) -> StoreResult<Alert> {
        self.admit(principal, Operation::CommentOnAlert)?;
        self.alert_member(principal, id).await?;
        let posted_by = on_behalf(principal, &input.author, "comment")?;
        let alert = store::add_comment(&self.store, id, input, posted_by.as_ref()).await?;
        self.wakeups.alert_changed();
        Ok(alert)
    }

    /// Responds as the caller, a notified recipient; as another recipient only where
    /// [`on_behalf`] allows it.
    pub async fn respond(&self, principal: &Principal, id: i64, input: &NewResponse) -> StoreResult<Alert> {
        self.admit(principal, Operation::RespondToAlert)?;
        self.alert_member(principal, id).await?;
        let posted_by = on_behalf(principal, &input.recipient, "respond")?;
        let alert = store::add_response(&self.store, id, input, posted_by.as_ref()).await?;
        self.wakeups.alert_changed();
        Ok(alert)
    }

    /// Escalates a targeted group (`None`: every group of the alert) to its next member now.
    pub async fn escalate_alert(&self, principal: &Principal, id: i64, group: Option<&str>) -> StoreResult<Alert> {
        self.admit(principal, Operation::EscalateAlert)?;
        self.alert_member(principal, id).await?;
        let alert = store::escalate_manually(&self.store, Some(&principal.actor()), id, group).await?;
        self.wakeups.alert_changed();
        Ok(alert)
    }

    /// Refuses an alert of a workflow `principal` may not see, as if it did not exist.
    async fn alert_member(&self, principal: &Principal, id: i64) -> StoreResult<()> {
        let missing = || format!("No alert with eventIdentifier {id}.");
        let workflow_id = store::alert_workflow(&self.store, id).await?.ok_or_else(|| StoreError::NotFound(missing()))?;
        self.member(principal, &workflow_id, missing).await
    }
}

/// Whether `principal` may act as `person` (a comment's author, a response's recipient):
/// themselves always; someone else only as an admin in person, or as a script or flow acting
/// for a user. `Some(poster)` is recorded as "poster on behalf of person".
fn on_behalf(principal: &Principal, person: &str, what: &str) -> StoreResult<Option<Actor>> {
    let person = person.trim();
    if person == principal.target_name {
        return Ok(None);
    }
    let in_person_admin = principal.delegation.is_none() && principal.is_admin();
    if in_person_admin || principal.delegation.is_some() {
        return Ok(Some(principal.actor()));
    }
    Err(StoreError::Forbidden(format!(
        "You may {what} only as yourself ({}), not as \"{person}\"; only an admin, or a script or flow acting for a user, may {what} on someone's behalf.",
        principal.target_name
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Need;

    fn user(role: &str) -> Principal {
        Principal::user(7, "rita".into(), vec![role.to_string()])
    }

    #[test]
    fn only_admins_and_delegations_act_on_someone_elses_behalf() {
        assert!(on_behalf(&user("responder"), "rita", "comment").unwrap().is_none());
        assert!(on_behalf(&user("responder"), " rita ", "comment").unwrap().is_none());
        let refused = on_behalf(&user("developer"), "admin", "comment").unwrap_err();
        assert!(matches!(refused, StoreError::Forbidden(_)));
        assert!(refused.to_string().contains("only as yourself (rita), not as \"admin\""), "{refused}");
        assert_eq!(on_behalf(&user("admin"), "mia", "respond").unwrap().map(|actor| actor.target_name).as_deref(), Some("rita"));
        let flow = user("responder").delegated("wf", Some(Need::Developer), None, 0);
        assert_eq!(on_behalf(&flow, "mia", "comment").unwrap().map(|actor| actor.user_id), Some(7));
    }
}
