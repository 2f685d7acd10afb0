//! The Integration Agent registry and the audit log: an admin's to change (agents) or read
//! (audit); never lent to a script or flow.

use outflow_model::{
    Page,
    access::AuditEntry,
    agents::{Agent, AgentUsers, CreatedAgent, NewAgent},
};

use super::{Operation, Ops};
use crate::store::{self, Principal, StoreResult};

impl Ops {
    /// Registers an agent; the answer carries its token, shown this once.
    pub async fn create_agent(&self, principal: &Principal, input: &NewAgent) -> StoreResult<CreatedAgent> {
        self.admit(principal, Operation::ManageAgents)?;
        store::create_agent(&self.store, Some(&principal.actor()), input).await
    }

    pub async fn list_agents(&self, principal: &Principal) -> StoreResult<Vec<Agent>> {
        self.admit(principal, Operation::ReadAgents)?;
        store::list_agents(&self.store).await
    }

    pub async fn get_agent(&self, principal: &Principal, id: &str) -> StoreResult<Agent> {
        self.admit(principal, Operation::ReadAgents)?;
        store::get_agent(&self.store, id).await
    }

    pub async fn delete_agent(&self, principal: &Principal, id: &str) -> StoreResult<()> {
        self.admit(principal, Operation::ManageAgents)?;
        store::delete_agent(&self.store, Some(&principal.actor()), id).await
    }

    /// Replaces the users registered to an agent (who may pick it as a location).
    pub async fn set_agent_users(&self, principal: &Principal, id: &str, users: &AgentUsers) -> StoreResult<Agent> {
        self.admit(principal, Operation::ManageAgents)?;
        store::set_agent_users(&self.store, Some(&principal.actor()), id, users).await
    }

    /// A page of the audit log, newest first.
    pub async fn list_audit(&self, principal: &Principal, limit: u32, offset: u32) -> StoreResult<Page<AuditEntry>> {
        self.admit(principal, Operation::ReadAudit)?;
        store::list_audit(&self.store, limit, offset).await
    }
}
