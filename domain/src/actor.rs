//! Who issues a command: a participant and the roles they hold (admin implies every role).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::ParticipantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May amend, vote and argue while a consultation is open.
    Citizen,
    /// May hide abusive content (no aggregate rule uses it yet).
    Moderator,
    /// Speaks for the government: drafts bills, decides amendments, publishes versions.
    Official,
    /// Operates the service and imports history; holds every role.
    Admin,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Citizen => "citizen",
            Role::Moderator => "moderator",
            Role::Official => "official",
            Role::Admin => "admin",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub participant: ParticipantId,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn new(participant: ParticipantId, roles: Vec<Role>) -> Self {
        Self { participant, roles }
    }

    /// Whether the actor holds `role`, directly or through `Admin`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role) || self.roles.contains(&Role::Admin)
    }

    /// `Ok(())` if the actor holds `role`, else `Err(role)` so callers can build their
    /// `Forbidden { needed }` error.
    pub fn require(&self, role: Role) -> Result<(), Role> {
        if self.has(role) {
            Ok(())
        } else {
            Err(role)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: Vec<Role>) -> Actor {
        Actor::new(ParticipantId::parse("u0123456789").unwrap(), roles)
    }

    #[test]
    fn admin_holds_every_role() {
        let admin = actor(vec![Role::Admin]);
        for role in [Role::Citizen, Role::Moderator, Role::Official, Role::Admin] {
            assert!(admin.has(role));
        }
    }

    #[test]
    fn a_citizen_is_not_an_official() {
        let citizen = actor(vec![Role::Citizen]);
        assert!(citizen.has(Role::Citizen));
        assert_eq!(citizen.require(Role::Official), Err(Role::Official));
    }

    #[test]
    fn roles_serialise_in_lowercase() {
        assert_eq!(
            serde_json::to_string(&vec![Role::Citizen, Role::Official]).unwrap(),
            r#"["citizen","official"]"#
        );
    }
}
