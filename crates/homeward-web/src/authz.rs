//! Who may call which route: the role x route matrix in `authz.toml`, read when the router
//! is built. Every route the router registers must have a row (building the router fails
//! otherwise), and every row must name a registered route (a test replays the matrix).
//!
//! The principal comes from the session (`session::identify`): a request without one is
//! anonymous and reaches `public` routes only. A signed-in account that a route does not
//! allow gets the same "not found" as a path that does not exist.

use std::collections::BTreeSet;

use homeward_domain::Id;
use serde::Deserialize;

/// The matrix, as shipped.
pub const MATRIX: &str = include_str!("../authz.toml");

/// A role a request may act in, including the two without an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Anyone, without an account: assets, language choice, public reports.
    Public,
    /// A family following its enquiry with a reference and secret. The family page itself
    /// is public (the use case checks the reference and secret), so no route needs this yet.
    Enquirer,
    /// Reads what is not sensitive.
    Viewer,
    /// Imports, links, estimates.
    Analyst,
    /// Records persons, visits, events; answers enquiries.
    Caseworker,
    /// Reads health findings.
    HealthOfficer,
    /// Manages users, keys, backups.
    Administrator,
}

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No session: public routes only.
    Anonymous,
    /// A signed-in staff account with its role.
    Staff {
        /// The account's id.
        user: Id,
        /// Its role.
        role: homeward_domain::Role,
    },
}

impl Principal {
    /// Whether this principal may act in `role`.
    pub fn has(&self, role: Role) -> bool {
        use homeward_domain::Role as R;
        match self {
            Principal::Anonymous => role == Role::Public,
            Principal::Staff { role: own, .. } => matches!(
                (own, role),
                (_, Role::Public)
                    | (R::Viewer, Role::Viewer)
                    | (R::Analyst, Role::Analyst)
                    | (R::Caseworker, Role::Caseworker)
                    | (R::HealthOfficer, Role::HealthOfficer)
                    | (R::Administrator, Role::Administrator)
            ),
        }
    }

    /// The web principal of an application principal (a command-line operator or an
    /// enquirer never reaches the web through a session, so they read as anonymous).
    pub fn from_app(p: &homeward_app::policy::Principal) -> Principal {
        match p {
            homeward_app::policy::Principal::Staff { user, role } => Principal::Staff {
                user: user.clone(),
                role: *role,
            },
            _ => Principal::Anonymous,
        }
    }

    /// The application principal, for homeward-app's policy checks.
    pub fn app(&self) -> Option<homeward_app::policy::Principal> {
        match self {
            Principal::Anonymous => None,
            Principal::Staff { user, role } => Some(homeward_app::policy::Principal::Staff {
                user: user.clone(),
                role: *role,
            }),
        }
    }
}

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// HTTP method, upper case.
    pub method: String,
    /// The route's path pattern as registered (`/persons/{id}`).
    pub path: String,
    /// The roles allowed; `public` lets anyone in.
    pub roles: BTreeSet<Role>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    route: Vec<Rule>,
}

/// Errors of reading the matrix against the routes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthzError {
    /// The matrix file is malformed.
    #[error("authz.toml: {0}")]
    Parse(String),
    /// A registered route has no row: nobody could say who may call it.
    #[error("authz.toml has no row for {0} {1}")]
    Missing(String, String),
    /// A row names no registered route (stale or misspelt).
    #[error("authz.toml has a row for {0} {1}, which is not a route")]
    Stale(String, String),
    /// A row allows nobody.
    #[error("authz.toml allows nobody to call {0} {1}")]
    Empty(String, String),
}

/// The parsed matrix.
#[derive(Debug, Clone)]
pub struct Matrix {
    rules: Vec<Rule>,
}

impl Matrix {
    /// Parses a matrix.
    pub fn parse(text: &str) -> Result<Matrix, AuthzError> {
        let file: File = toml::from_str(text).map_err(|e| AuthzError::Parse(e.to_string()))?;
        for r in &file.route {
            if r.roles.is_empty() {
                return Err(AuthzError::Empty(r.method.clone(), r.path.clone()));
            }
        }
        Ok(Matrix { rules: file.route })
    }

    /// The rows.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The roles allowed on a route, if it has a row.
    pub fn roles(&self, method: &str, path: &str) -> Option<&BTreeSet<Role>> {
        self.rules
            .iter()
            .find(|r| r.method == method && r.path == path)
            .map(|r| &r.roles)
    }

    /// Checks the matrix against the registered routes, both ways.
    pub fn check(&self, routes: &[(&str, &str)]) -> Result<(), AuthzError> {
        for (m, p) in routes {
            if self.roles(m, p).is_none() {
                return Err(AuthzError::Missing((*m).into(), (*p).into()));
            }
        }
        for r in &self.rules {
            if !routes.iter().any(|(m, p)| *m == r.method && *p == r.path) {
                return Err(AuthzError::Stale(r.method.clone(), r.path.clone()));
            }
        }
        Ok(())
    }
}

/// Whether `principal` may call a route that allows `roles`.
pub fn allowed(principal: &Principal, roles: &BTreeSet<Role>) -> bool {
    roles.contains(&Role::Public) || roles.iter().any(|r| principal.has(*r))
}
