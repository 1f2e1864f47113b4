//! Who may do what: the one authorisation policy the command line and the web both check.
//!
//! Deny by default: a use case is allowed only when [`ALLOW`] lists the principal's role
//! with it and the relation the principal has to the object. A refusal is reported as
//! [`Denied`], whose message is the same as that of an object that does not exist, so that
//! probing cannot tell the two apart.

use homeward_domain::{Id, Role};

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A staff account with its role.
    Staff {
        /// The account's id (the audit log's actor).
        user: Id,
        /// Its role.
        role: Role,
    },
    /// A family member holding an enquiry's reference and secret: sees that enquiry only.
    Enquirer {
        /// The enquiry they hold.
        enquiry: Id,
    },
    /// Whoever runs the command line on the machine that holds the database and its key:
    /// treated as an administrator (they could read the files anyway).
    LocalOperator,
}

impl Principal {
    /// The role the policy applies (enquirers have a role of their own).
    pub fn kind(&self) -> RoleKind {
        match self {
            Principal::Staff { role, .. } => RoleKind::Staff(*role),
            Principal::Enquirer { .. } => RoleKind::FamilyEnquirer,
            Principal::LocalOperator => RoleKind::Staff(Role::Administrator),
        }
    }

    /// The audit log's actor for this principal (an id, never a name).
    pub fn actor(&self) -> String {
        match self {
            Principal::Staff { user, .. } => user.as_str().to_owned(),
            Principal::Enquirer { enquiry } => format!("enquirer:{}", enquiry.as_str()),
            Principal::LocalOperator => "local-operator".to_owned(),
        }
    }
}

/// A role as the policy sees it: the staff roles and the family enquirer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleKind {
    /// A staff role.
    Staff(Role),
    /// A family enquirer (reference + secret).
    FamilyEnquirer,
}

impl RoleKind {
    /// Every role, for matrices and their tests.
    pub const ALL: [RoleKind; 6] = [
        RoleKind::Staff(Role::Administrator),
        RoleKind::Staff(Role::Caseworker),
        RoleKind::Staff(Role::Analyst),
        RoleKind::Staff(Role::HealthOfficer),
        RoleKind::Staff(Role::Viewer),
        RoleKind::FamilyEnquirer,
    ];

    /// The role's stable name.
    pub fn name(self) -> &'static str {
        match self {
            RoleKind::Staff(r) => r.as_str(),
            RoleKind::FamilyEnquirer => "family_enquirer",
        }
    }
}

/// How the principal relates to the object of the use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// Any object (or no object).
    Any,
    /// The principal's own object: an enquirer's own enquiry, a user's own account.
    Own,
}

/// What is being done. The web maps each route onto one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UseCase {
    /// Counts of everything.
    Status,
    /// Name search and person pages with names.
    ReadIdentified,
    /// Pseudonymised records and figures (no names, no contacts).
    ReadPseudonymised,
    /// Health findings of visits.
    ReadHealth,
    /// An enquiry with the enquirer's contact.
    ReadEnquiry,
    /// What an enquirer may see of their own enquiry (its state and answer).
    ReadEnquiryStatus,
    /// Import lists.
    Import,
    /// Link records into persons and review the links.
    Link,
    /// Estimates of totals.
    Estimate,
    /// The access gap and other operational reports with names.
    ReportOperational,
    /// Public figures with small cells suppressed.
    ReportPublic,
    /// Record visits, events, legal status.
    RecordMonitoring,
    /// Record and answer enquiries.
    AnswerEnquiry,
    /// Create, disable, reset accounts.
    ManageUsers,
    /// Change one's own password or second factor.
    ManageOwnAccount,
    /// Verify the audit log and export checkpoints.
    Audit,
    /// Rotate master keys, erase persons.
    ManageKeys,
    /// Backups, handover, wipe.
    Custody,
}

impl UseCase {
    /// Every use case, for matrices and their tests.
    pub const ALL: [UseCase; 18] = [
        UseCase::Status,
        UseCase::ReadIdentified,
        UseCase::ReadPseudonymised,
        UseCase::ReadHealth,
        UseCase::ReadEnquiry,
        UseCase::ReadEnquiryStatus,
        UseCase::Import,
        UseCase::Link,
        UseCase::Estimate,
        UseCase::ReportOperational,
        UseCase::ReportPublic,
        UseCase::RecordMonitoring,
        UseCase::AnswerEnquiry,
        UseCase::ManageUsers,
        UseCase::ManageOwnAccount,
        UseCase::Audit,
        UseCase::ManageKeys,
        UseCase::Custody,
    ];
}

use Relation::{Any, Own};
use Role::{
    Administrator as Adm, Analyst as Ana, Caseworker as Cw, HealthOfficer as Ho, Viewer as Vw,
};
use RoleKind::{FamilyEnquirer as Fam, Staff};
use UseCase as U;

/// The allow-list: (role, use case, relation). Anything not here is refused. `Any` implies
/// `Own`. Administrators manage the system but do not read health findings.
pub const ALLOW: &[(RoleKind, UseCase, Relation)] = &[
    (Staff(Adm), U::Status, Any),
    (Staff(Adm), U::ReadIdentified, Any),
    (Staff(Adm), U::ReadPseudonymised, Any),
    (Staff(Adm), U::ReadEnquiry, Any),
    (Staff(Adm), U::Import, Any),
    (Staff(Adm), U::Link, Any),
    (Staff(Adm), U::Estimate, Any),
    (Staff(Adm), U::ReportOperational, Any),
    (Staff(Adm), U::ReportPublic, Any),
    (Staff(Adm), U::ManageUsers, Any),
    (Staff(Adm), U::ManageOwnAccount, Own),
    (Staff(Adm), U::Audit, Any),
    (Staff(Adm), U::ManageKeys, Any),
    (Staff(Adm), U::Custody, Any),
    (Staff(Cw), U::Status, Any),
    (Staff(Cw), U::ReadIdentified, Any),
    (Staff(Cw), U::ReadPseudonymised, Any),
    (Staff(Cw), U::ReadEnquiry, Any),
    (Staff(Cw), U::Import, Any),
    (Staff(Cw), U::Link, Any),
    (Staff(Cw), U::ReportOperational, Any),
    (Staff(Cw), U::ReportPublic, Any),
    (Staff(Cw), U::RecordMonitoring, Any),
    (Staff(Cw), U::AnswerEnquiry, Any),
    (Staff(Cw), U::ManageOwnAccount, Own),
    (Staff(Ana), U::Status, Any),
    (Staff(Ana), U::ReadPseudonymised, Any),
    (Staff(Ana), U::Estimate, Any),
    (Staff(Ana), U::ReportPublic, Any),
    (Staff(Ana), U::ManageOwnAccount, Own),
    (Staff(Ho), U::Status, Any),
    (Staff(Ho), U::ReadIdentified, Any),
    (Staff(Ho), U::ReadPseudonymised, Any),
    (Staff(Ho), U::ReadHealth, Any),
    (Staff(Ho), U::RecordMonitoring, Any),
    (Staff(Ho), U::ReportPublic, Any),
    (Staff(Ho), U::ManageOwnAccount, Own),
    (Staff(Vw), U::Status, Any),
    (Staff(Vw), U::ReportPublic, Any),
    (Staff(Vw), U::ManageOwnAccount, Own),
    (Fam, U::ReadEnquiryStatus, Own),
];

/// A refusal. It reads exactly like a missing object: "not found".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not found")]
pub struct Denied;

/// Whether `role` may do `use_case` to an object it has `relation` to.
pub fn allowed(role: RoleKind, use_case: UseCase, relation: Relation) -> bool {
    ALLOW
        .iter()
        .any(|&(r, u, rel)| r == role && u == use_case && (rel == Any || rel == relation))
}

/// Checks the policy for a principal; `Err(Denied)` when not listed.
pub fn authorize(
    principal: &Principal,
    use_case: UseCase,
    relation: Relation,
) -> Result<(), Denied> {
    if allowed(principal.kind(), use_case, relation) {
        Ok(())
    } else {
        Err(Denied)
    }
}

/// The relation of a principal to an enquiry.
pub fn enquiry_relation(principal: &Principal, enquiry: &Id) -> Relation {
    match principal {
        Principal::Enquirer { enquiry: own } if own == enquiry => Relation::Own,
        _ => Relation::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_health_officer_reads_health() {
        for role in RoleKind::ALL {
            assert_eq!(
                allowed(role, UseCase::ReadHealth, Relation::Any),
                role == RoleKind::Staff(Role::HealthOfficer),
                "{role:?}"
            );
        }
    }

    #[test]
    fn analysts_never_see_names_or_contacts() {
        let a = RoleKind::Staff(Role::Analyst);
        assert!(!allowed(a, UseCase::ReadIdentified, Relation::Any));
        assert!(!allowed(a, UseCase::ReadEnquiry, Relation::Any));
        assert!(!allowed(a, UseCase::ReportOperational, Relation::Any));
        assert!(allowed(a, UseCase::ReadPseudonymised, Relation::Any));
    }

    #[test]
    fn an_enquirer_sees_only_their_own_enquiry() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mine = Id::generate(homeward_domain::IdKind::Enquiry, &mut rng);
        let other = Id::generate(homeward_domain::IdKind::Enquiry, &mut rng);
        let p = Principal::Enquirer {
            enquiry: mine.clone(),
        };
        let rel = enquiry_relation(&p, &mine);
        assert_eq!(authorize(&p, UseCase::ReadEnquiryStatus, rel), Ok(()));
        let rel = enquiry_relation(&p, &other);
        assert_eq!(authorize(&p, UseCase::ReadEnquiryStatus, rel), Err(Denied));
        assert_eq!(
            authorize(&p, UseCase::ReadEnquiry, Relation::Own),
            Err(Denied)
        );
        for u in UseCase::ALL {
            if u != UseCase::ReadEnquiryStatus {
                assert!(authorize(&p, u, Relation::Own).is_err(), "{u:?}");
            }
        }
    }

    #[test]
    fn refusal_reads_like_absence() {
        assert_eq!(Denied.to_string(), "not found");
    }

    #[test]
    fn every_use_case_has_a_row_and_viewers_cannot_write() {
        for u in UseCase::ALL {
            assert!(ALLOW.iter().any(|(_, x, _)| *x == u), "{u:?} has no row");
        }
        let v = RoleKind::Staff(Role::Viewer);
        for u in [
            UseCase::Import,
            UseCase::Link,
            UseCase::RecordMonitoring,
            UseCase::AnswerEnquiry,
            UseCase::ManageUsers,
            UseCase::Custody,
            UseCase::ReadIdentified,
        ] {
            assert!(!allowed(v, u, Relation::Any), "{u:?}");
        }
    }
}
