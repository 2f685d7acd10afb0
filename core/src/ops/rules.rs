//! Who may do what: the one table of rules. Every operation names the least role it needs
//! and its scope; [`admit`] applies it, and `Ops::member` workflow membership (with a
//! delegation's workflow bound, `Principal::reaches`). The matrix test (`tests/tests/matrix.rs`)
//! walks [`Operation::ALL`], so an operation cannot be added without a rule and a test.

use crate::{
    access::Need,
    store::{Principal, StoreError, StoreResult},
};

/// What an operation touches, which decides membership and delegation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Objects of one workflow: its members (and admins) only; another workflow's object is
    /// "not found". A script or flow of that workflow may be lent it.
    Workflow,
    /// People, groups, API keys, passwords, agents, the audit log, creating workflows and
    /// choosing their members: never lent to a script or flow.
    Administration,
}

/// The rule of one operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub need: Need,
    pub scope: Scope,
}

/// Every use case the operations layer offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    StartAlert,
    ListAlerts,
    ReadAlert,
    ChangeAlertStatus,
    CommentOnAlert,
    RespondToAlert,
    EscalateAlert,
    ListRuns,
    ReadRun,
    Rerun,
    CreateEndpoint,
    ListEndpoints,
    ReadEndpoint,
    UpdateEndpoint,
    DeleteEndpoint,
    CreateWorkflow,
    ListWorkflows,
    ReadWorkflow,
    ListMembers,
    SetMembers,
    CreateForm,
    ListForms,
    ReadForm,
    UpdateForm,
    InstallExample,
    CreateIntegration,
    ListIntegrations,
    ReadIntegration,
    UpdateIntegration,
    DeleteIntegration,
    ListScriptResources,
    ChangeScriptResources,
    ListFlows,
    ReadFlow,
    CreateFlow,
    ChangeFlow,
    /// Publish a flow's draft, or roll back to an earlier published version.
    PublishFlow,
    StartFlowRun,
    /// Restart a finished flow run from a step: starting the flow again, reusing what ran.
    RestartFlowRun,
    CallHttpTrigger,
    TestFlow,
    ReadPeople,
    ManagePeople,
    /// One's own devices, API keys and password (an admin's: anyone's).
    ManageOwnAccount,
    ReadAgents,
    ManageAgents,
    ReadAudit,
    /// Health at a glance: the dashboard and endpoints' health, of the caller's workflows.
    ReadDashboard,
    /// The sample payload a form's trigger sends, built from an example alert.
    ReadSamplePayload,
}

impl Operation {
    pub const ALL: [Operation; 49] = [
        Operation::StartAlert,
        Operation::ListAlerts,
        Operation::ReadAlert,
        Operation::ChangeAlertStatus,
        Operation::CommentOnAlert,
        Operation::RespondToAlert,
        Operation::EscalateAlert,
        Operation::ListRuns,
        Operation::ReadRun,
        Operation::Rerun,
        Operation::CreateEndpoint,
        Operation::ListEndpoints,
        Operation::ReadEndpoint,
        Operation::UpdateEndpoint,
        Operation::DeleteEndpoint,
        Operation::CreateWorkflow,
        Operation::ListWorkflows,
        Operation::ReadWorkflow,
        Operation::ListMembers,
        Operation::SetMembers,
        Operation::CreateForm,
        Operation::ListForms,
        Operation::ReadForm,
        Operation::UpdateForm,
        Operation::InstallExample,
        Operation::CreateIntegration,
        Operation::ListIntegrations,
        Operation::ReadIntegration,
        Operation::UpdateIntegration,
        Operation::DeleteIntegration,
        Operation::ListScriptResources,
        Operation::ChangeScriptResources,
        Operation::ListFlows,
        Operation::ReadFlow,
        Operation::CreateFlow,
        Operation::ChangeFlow,
        Operation::PublishFlow,
        Operation::StartFlowRun,
        Operation::RestartFlowRun,
        Operation::CallHttpTrigger,
        Operation::TestFlow,
        Operation::ReadPeople,
        Operation::ManagePeople,
        Operation::ManageOwnAccount,
        Operation::ReadAgents,
        Operation::ManageAgents,
        Operation::ReadAudit,
        Operation::ReadDashboard,
        Operation::ReadSamplePayload,
    ];

    pub fn rule(self) -> Rule {
        use Need::*;
        use Operation::*;
        use Scope::*;
        let (need, scope) =
            match self {
                ListAlerts | ReadAlert | ListRuns | ReadRun | ListEndpoints | ReadEndpoint | ListWorkflows | ReadWorkflow | ListMembers
                | ListForms | ReadForm | ListIntegrations | ReadIntegration | ListScriptResources | ListFlows | ReadFlow | ReadDashboard
                | ReadSamplePayload => (Viewer, Workflow),
                StartAlert | ChangeAlertStatus | CommentOnAlert | RespondToAlert | EscalateAlert | StartFlowRun | RestartFlowRun
                | CallHttpTrigger => (Responder, Workflow),
                Rerun
                | CreateEndpoint
                | UpdateEndpoint
                | DeleteEndpoint
                | CreateForm
                | UpdateForm
                | CreateIntegration
                | UpdateIntegration
                | DeleteIntegration
                | ChangeScriptResources
                | CreateFlow
                | ChangeFlow
                | PublishFlow
                | TestFlow => (Developer, Workflow),
                CreateWorkflow | SetMembers => (Developer, Administration),
                ReadPeople | ManageOwnAccount | ReadAgents => (Viewer, Administration),
                ManagePeople | ManageAgents | ReadAudit | InstallExample => (Admin, Administration),
            };
        Rule { need, scope }
    }
}

/// Refuses (403, naming the missing right) unless `principal` may perform `operation` at all.
pub fn admit(principal: &Principal, operation: Operation) -> StoreResult<()> {
    let rule = operation.rule();
    if principal.delegation.is_some() && rule.scope == Scope::Administration {
        return Err(StoreError::Forbidden(format!(
            "A script or flow acting for {} may not manage people, groups, API keys, passwords, agents, workflows or their members, nor read the audit log.",
            principal.target_name
        )));
    }
    if principal.has(rule.need) { Ok(()) } else { Err(StoreError::Forbidden(principal.lacking(rule.need))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: &str) -> Principal {
        Principal::user(7, "rita".into(), vec![role.to_string()])
    }

    #[test]
    fn the_role_of_each_operation_is_required() {
        assert!(admit(&user("viewer"), Operation::ReadAlert).is_ok());
        let refused = admit(&user("viewer"), Operation::CommentOnAlert).unwrap_err();
        assert_eq!(refused.to_string(), "This needs the responder role; rita has the viewer role.");
        assert!(admit(&user("responder"), Operation::Rerun).is_err());
        assert!(admit(&user("developer"), Operation::UpdateEndpoint).is_ok());
    }

    #[test]
    fn a_delegation_reaches_only_its_workflow_and_never_administration() {
        let script = user("admin").delegated("wf_a", Some(Need::Developer), Some("dev".into()), 0);
        assert!(script.reaches("wf_a"));
        assert!(!script.reaches("wf_b"));
        assert!(user("viewer").reaches("wf_b"));
        assert!(admit(&script, Operation::UpdateEndpoint).is_ok());
        for operation in Operation::ALL {
            if operation.rule().scope == Scope::Administration {
                let refused = admit(&script, operation).unwrap_err().to_string();
                assert!(refused.starts_with("A script or flow acting for rita may not manage people"), "{operation:?}: {refused}");
            }
        }
        let capped = user("admin").delegated("wf_a", Some(Need::Viewer), Some("vic".into()), 0);
        assert!(admit(&capped, Operation::CommentOnAlert).is_err());
    }
}
