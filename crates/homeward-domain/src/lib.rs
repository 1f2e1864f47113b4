//! Homeward's domain model: the vocabulary of PRODUCT.md as Rust types.
//!
//! Pure: no I/O, no clock, no global randomness (ids take a passed-in RNG). Serde lives on
//! API types elsewhere, not here.

mod date;
mod entities;
mod enums;
mod fields;
mod ids;

pub use date::{PartialDate, PartialDateError, Precision};
pub use entities::{
    DetentionPlace, Enquiry, EnquiryState, Event, EventKind, Person, Record, Source, User, Visit,
    VisitConditions, VisitFinding,
};
pub use enums::{Category, EnumError, LegalStatus, Role, Sex, Status};
pub use fields::{Field, FieldKind, StandardFields, UnknownField};
pub use ids::{Id, IdError, IdKind};

/// Every error of the domain crate.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    /// A partial date could not be read.
    #[error(transparent)]
    Date(#[from] PartialDateError),
    /// A value is not one of a closed enumeration's members.
    #[error(transparent)]
    Enum(#[from] EnumError),
    /// A field name is not one of the standard fields.
    #[error(transparent)]
    Field(#[from] UnknownField),
    /// An identifier is malformed.
    #[error(transparent)]
    Id(#[from] IdError),
}
