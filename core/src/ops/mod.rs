//! The operations layer: one function per use case, each taking the acting [`Principal`].
//! It alone decides who may do what — the role an operation needs ([`rules`]), workflow
//! membership and object ownership (another workflow's object answers "not found", listings
//! included), and what a script or flow acting for a user may do — then validates, calls the
//! store and wakes the workers. REST handlers, UI server functions, flow steps and scripts'
//! self-calls are thin adapters over it, so every path gives the same answer.
//!
//! It must not speak SQL (that is [`crate::store`]) nor know about HTTP.

mod agents;
mod alerts;
pub mod chains;
mod dashboard;
mod endpoints;
mod flow_calls;
mod flow_runs;
mod flows;
mod integrations;
mod people;
pub mod roles;
mod rules;
mod runs;
mod script_resources;
mod wake;
mod workflows;

use std::sync::Arc;

pub use flow_calls::Caller;
pub use rules::{Operation, Rule, Scope};
pub use wake::{Wakeups, Work};

use crate::{
    Store,
    secrets::SecretBox,
    store::{self, Principal, StoreError, StoreResult},
};

/// What every operation needs: the store, the secret box and the workers to wake.
#[derive(Clone)]
pub struct Ops {
    pub store: Store,
    pub secrets: SecretBox,
    pub wakeups: Arc<Wakeups>,
}

impl Ops {
    pub fn new(store: Store, secrets: SecretBox, wakeups: Arc<Wakeups>) -> Ops {
        Ops { store, secrets, wakeups }
    }

    /// Refuses `principal` unless their role (capped, for a script or flow) is enough for
    /// `operation`, and a script or flow only operations on its own workflow's objects.
    fn admit(&self, principal: &Principal, operation: Operation) -> StoreResult<()> {
        rules::admit(principal, operation)
    }

    /// Refuses with "not found" (`what`, as for an object that does not exist, so another
    /// team's ids reveal nothing) unless `principal` may see workflow `workflow_id`: an admin
    /// sees every workflow, anyone else those they are a member of; a script or flow only its
    /// own workflow, and only while the user it acts for may see it.
    async fn member(&self, principal: &Principal, workflow_id: &str, what: impl FnOnce() -> String) -> StoreResult<()> {
        let sees = principal.reaches(workflow_id)
            && (principal.sees_every_workflow() || store::is_member(&self.store, principal.user_id, workflow_id).await?);
        if sees { Ok(()) } else { Err(StoreError::NotFound(what())) }
    }

    /// The workflows `principal` may see, for listings: `None` for all of them (an admin in
    /// person).
    async fn visible_workflows(&self, principal: &Principal) -> StoreResult<Option<Vec<String>>> {
        match &principal.delegation {
            Some(delegation) => {
                let sees = match self.member(principal, &delegation.workflow_id, String::new).await {
                    Ok(()) => true,
                    Err(StoreError::NotFound(_)) => false,
                    Err(error) => return Err(error),
                };
                Ok(Some(if sees { vec![delegation.workflow_id.clone()] } else { Vec::new() }))
            }
            None if principal.sees_every_workflow() => Ok(None),
            None => Ok(Some(store::workflows_of_member(&self.store, principal.user_id).await?)),
        }
    }
}
