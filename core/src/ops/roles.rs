//! Roles and delegated rights: what a [`Principal`] holds. Roles are cumulative: a viewer
//! reads, a responder also starts and answers alerts, a developer also changes the workflows
//! they are a member of, and an admin does everything (people, keys, agents, the audit log,
//! every workflow). Which operation needs what, and workflow membership, is decided in
//! [`crate::ops`] alone.

use std::fmt;

use crate::store::Principal;

/// The least role an action needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    Viewer,
    Responder,
    Developer,
    Admin,
}

impl Need {
    fn of_role(role: &str) -> Option<Need> {
        match role {
            "viewer" => Some(Need::Viewer),
            "responder" => Some(Need::Responder),
            "developer" => Some(Need::Developer),
            "admin" => Some(Need::Admin),
            _ => None,
        }
    }
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Need::Viewer => "viewer",
            Need::Responder => "responder",
            Need::Developer => "developer",
            Need::Admin => "admin",
        })
    }
}

/// A script's or flow's right to act for a user (the alert's initiator, or whoever started
/// the run). It never exceeds the intersection of that user's role and the role of whoever
/// last saved the script or flow, reaches only its own workflow's objects, and never people,
/// API keys, passwords, agents or the audit log (see `ops::rules`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    /// The only workflow whose objects it may touch.
    pub workflow_id: String,
    /// The role of whoever last saved the script or flow; `None` (unknown, or no role) grants
    /// nothing.
    pub cap: Option<Need>,
    /// Who saved the script or flow, for refusals and "X on behalf of Y".
    pub saved_by: Option<String>,
    /// The chain depth of the run lending the rights (`ops::chains`).
    pub depth: i64,
}

impl Principal {
    /// The highest role this principal may use: the user's own, capped by a delegation's.
    /// `None` for a user without any role.
    pub fn level(&self) -> Option<Need> {
        let own = self.own_level();
        match &self.delegation {
            None => own,
            Some(delegation) => own.min(delegation.cap),
        }
    }

    /// The user's own role, whatever a script or flow acting for them may borrow of it.
    fn own_level(&self) -> Option<Need> {
        self.roles.iter().filter_map(|role| Need::of_role(role)).max()
    }

    /// Whether the user sees every workflow (an admin; a script or flow acting for one still
    /// reaches only its own workflow, see [`Principal::reaches`]).
    pub fn sees_every_workflow(&self) -> bool {
        self.own_level() == Some(Need::Admin)
    }

    /// This user's rights as lent to a script or flow of `workflow_id` last saved by someone
    /// holding `cap` (see [`Delegation`]).
    pub fn delegated(mut self, workflow_id: &str, cap: Option<Need>, saved_by: Option<String>, depth: i64) -> Principal {
        self.delegation = Some(Delegation { workflow_id: workflow_id.to_string(), cap, saved_by, depth });
        self
    }

    /// This user's rights lent to a script or flow of `workflow_id` that `saver` last saved
    /// (`None`: unknown, which lends no role at all), running at chain depth `depth`.
    pub fn acting_through(self, workflow_id: &str, saver: Option<&Principal>, depth: i64) -> Principal {
        let cap = saver.and_then(Principal::level);
        self.delegated(workflow_id, cap, saver.map(|saver| saver.target_name.clone()), depth)
    }

    /// The chain depth of what this principal starts (`ops::chains`).
    pub fn chain_depth(&self) -> i64 {
        super::chains::depth_after(self.delegation.as_ref().map(|delegation| delegation.depth))
    }

    /// Whether this principal may reach `workflow_id` at all: always in person; a script or
    /// flow only its own workflow (membership is checked besides).
    pub fn reaches(&self, workflow_id: &str) -> bool {
        self.delegation.as_ref().is_none_or(|delegation| delegation.workflow_id == workflow_id)
    }

    pub fn has(&self, need: Need) -> bool {
        self.level().is_some_and(|level| level >= need)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Need::Admin)
    }

    /// Why this user may not do something that needs `need`, in words for the refusal.
    pub fn lacking(&self, need: Need) -> String {
        let has = match self.level() {
            Some(level) => format!("the {level} role"),
            None => "no role".to_string(),
        };
        match &self.delegation {
            Some(Delegation { saved_by, .. }) => format!(
                "This needs the {need} role; a script or flow acting for {} (last saved by {}) has {has}.",
                self.target_name,
                saved_by.as_deref().unwrap_or("an unknown user")
            ),
            None => format!("This needs the {need} role; {} has {has}.", self.target_name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[&str]) -> Principal {
        Principal::user(1, "u".into(), roles.iter().map(|r| r.to_string()).collect())
    }

    #[test]
    fn roles_are_cumulative_and_the_highest_counts() {
        assert!(user(&["developer"]).has(Need::Responder));
        assert!(!user(&["responder"]).has(Need::Developer));
        assert!(user(&["viewer", "admin"]).is_admin());
        assert!(!user(&[]).has(Need::Viewer));
        assert_eq!(user(&["responder"]).lacking(Need::Admin), "This needs the admin role; u has the responder role.");
    }

    #[test]
    fn a_delegation_never_exceeds_the_saver_nor_the_user() {
        let admin_for_developer = user(&["admin"]).delegated("wf", Some(Need::Developer), Some("dev".into()), 0);
        assert_eq!(admin_for_developer.level(), Some(Need::Developer));
        assert!(!admin_for_developer.is_admin());
        let responder_for_admin = user(&["responder"]).delegated("wf", Some(Need::Admin), None, 0);
        assert_eq!(responder_for_admin.level(), Some(Need::Responder));
        assert_eq!(user(&["admin"]).delegated("wf", None, None, 0).level(), None);
        assert_eq!(
            admin_for_developer.lacking(Need::Admin),
            "This needs the admin role; a script or flow acting for u (last saved by dev) has the developer role."
        );
    }
}
