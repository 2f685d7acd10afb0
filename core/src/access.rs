//! Who may do what. Roles are cumulative: a viewer reads, a responder also starts and
//! answers alerts, a developer also changes the workflows they are a member of, and an
//! admin does everything (people, keys, agents, the audit log, every workflow).
//! Workflow membership is checked by [`crate::store::ensure_workflow_access`].

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

impl Principal {
    /// The highest role this user holds; `None` for a user without any role.
    pub fn level(&self) -> Option<Need> {
        self.roles.iter().filter_map(|role| Need::of_role(role)).max()
    }

    pub fn has(&self, need: Need) -> bool {
        self.level().is_some_and(|level| level >= need)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Need::Admin)
    }

    /// Why this user may not do something that needs `need`, in words for the refusal.
    pub fn lacking(&self, need: Need) -> String {
        format!("This needs the {need} role; {} has {}.", self.target_name, match self.level() {
            Some(level) => format!("the {level} role"),
            None => "no role".to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[&str]) -> Principal {
        Principal { user_id: 1, target_name: "u".into(), roles: roles.iter().map(|r| r.to_string()).collect() }
    }

    #[test]
    fn roles_are_cumulative_and_the_highest_counts() {
        assert!(user(&["developer"]).has(Need::Responder));
        assert!(!user(&["responder"]).has(Need::Developer));
        assert!(user(&["viewer", "admin"]).is_admin());
        assert!(!user(&[]).has(Need::Viewer));
        assert_eq!(user(&["responder"]).lacking(Need::Admin), "This needs the admin role; u has the responder role.");
    }
}
