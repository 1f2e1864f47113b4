//! The standard person fields of PRODUCT.md: the vocabulary that import mappings, linkage,
//! search and exports all speak.

use crate::{Category, LegalStatus, PartialDate, Sex, Status};
use std::fmt;
use std::str::FromStr;

/// What kind of value a standard field holds, which decides how an import reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A partial date.
    Date,
    /// The sex enumeration.
    Sex,
    /// The category enumeration.
    Category,
    /// The status enumeration.
    Status,
    /// The legal status enumeration.
    LegalStatus,
}

macro_rules! fields {
    ($( $(#[$m:meta])* $variant:ident = $name:literal : $kind:ident ),+ $(,)?) => {
        /// One standard person field.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field { $( $(#[$m])* $variant ),+ }

        impl Field {
            /// Every standard field, in the order of PRODUCT.md.
            pub const ALL: &'static [Field] = &[$(Field::$variant),+];

            /// The field's name as written in mappings and exports.
            pub const fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),+ }
            }

            /// What kind of value the field holds.
            pub const fn kind(self) -> FieldKind {
                match self { $(Field::$variant => FieldKind::$kind),+ }
            }
        }
    };
}

fields! {
    /// The source's own identifier for the row.
    RecordId = "record_id": Text,
    /// Given name(s).
    GivenName = "given_name": Text,
    /// Family name.
    FamilyName = "family_name": Text,
    /// Patronymic.
    Patronymic = "patronymic": Text,
    /// A whole name when the source does not split it.
    FullName = "full_name": Text,
    /// Sex.
    Sex = "sex": Sex,
    /// Date of birth, possibly partial.
    BirthDate = "birth_date": Date,
    /// Place of birth.
    BirthPlace = "birth_place": Text,
    /// Place of residence.
    Residence = "residence": Text,
    /// A document or service number.
    IdNumber = "id_number": Text,
    /// Military, civilian, official.
    Category = "category": Category,
    /// When the person was taken.
    CaptureDate = "capture_date": Date,
    /// Where the person was taken.
    CapturePlace = "capture_place": Text,
    /// In what circumstances the person was taken.
    CaptureContext = "capture_context": Text,
    /// Missing, detained, released...
    Status = "status": Status,
    /// Legal status under international humanitarian law.
    LegalStatus = "legal_status": LegalStatus,
    /// Who holds the person.
    DetainingAuthority = "detaining_authority": Text,
    /// Where the person is held.
    DetentionPlace = "detention_place": Text,
    /// Latest sighting.
    LastSeenDate = "last_seen_date": Date,
    /// Latest contact with family.
    LastContactDate = "last_contact_date": Date,
    /// Anything else the source said.
    Notes = "notes": Text,
}

/// A name that is not one of the standard fields.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{0}' is not a standard field (see PRODUCT.md: record_id, given_name, family_name, ...)")]
pub struct UnknownField(pub String);

impl FromStr for Field {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s.trim())
            .ok_or_else(|| UnknownField(s.to_owned()))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The standard fields of one record, each optional, already validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StandardFields {
    /// The source's own identifier for the row.
    pub record_id: Option<String>,
    /// Given name(s), any script.
    pub given_name: Option<String>,
    /// Family name, any script.
    pub family_name: Option<String>,
    /// Patronymic, any script.
    pub patronymic: Option<String>,
    /// A whole name when the source does not split it.
    pub full_name: Option<String>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Date of birth.
    pub birth_date: Option<PartialDate>,
    /// Place of birth.
    pub birth_place: Option<String>,
    /// Residence.
    pub residence: Option<String>,
    /// Document or service number.
    pub id_number: Option<String>,
    /// Category.
    pub category: Option<Category>,
    /// Capture date.
    pub capture_date: Option<PartialDate>,
    /// Capture place.
    pub capture_place: Option<String>,
    /// Capture context.
    pub capture_context: Option<String>,
    /// Status.
    pub status: Option<Status>,
    /// Legal status.
    pub legal_status: Option<LegalStatus>,
    /// Detaining authority.
    pub detaining_authority: Option<String>,
    /// Place of detention.
    pub detention_place: Option<String>,
    /// Latest sighting.
    pub last_seen_date: Option<PartialDate>,
    /// Latest contact with family.
    pub last_contact_date: Option<PartialDate>,
    /// Anything else.
    pub notes: Option<String>,
}

impl StandardFields {
    /// The name to show and search by: the parts joined (family name first), else the full name.
    pub fn display_name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.family_name, &self.given_name, &self.patronymic]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .filter(|p| !p.trim().is_empty())
            .collect();
        if parts.is_empty() {
            self.full_name.clone().filter(|n| !n.trim().is_empty())
        } else {
            Some(parts.join(" "))
        }
    }

    /// A record must carry some name (PRODUCT.md).
    pub fn has_name(&self) -> bool {
        self.display_name().is_some()
    }

    /// The value of a field as text (canonical spelling for enumerations and dates).
    pub fn get(&self, field: Field) -> Option<String> {
        fn s(v: &Option<String>) -> Option<String> {
            v.clone()
        }
        fn d(v: &Option<PartialDate>) -> Option<String> {
            v.map(|x| x.to_string())
        }
        match field {
            Field::RecordId => s(&self.record_id),
            Field::GivenName => s(&self.given_name),
            Field::FamilyName => s(&self.family_name),
            Field::Patronymic => s(&self.patronymic),
            Field::FullName => s(&self.full_name),
            Field::Sex => self.sex.map(|v| v.as_str().to_owned()),
            Field::BirthDate => d(&self.birth_date),
            Field::BirthPlace => s(&self.birth_place),
            Field::Residence => s(&self.residence),
            Field::IdNumber => s(&self.id_number),
            Field::Category => self.category.map(|v| v.as_str().to_owned()),
            Field::CaptureDate => d(&self.capture_date),
            Field::CapturePlace => s(&self.capture_place),
            Field::CaptureContext => s(&self.capture_context),
            Field::Status => self.status.map(|v| v.as_str().to_owned()),
            Field::LegalStatus => self.legal_status.map(|v| v.as_str().to_owned()),
            Field::DetainingAuthority => s(&self.detaining_authority),
            Field::DetentionPlace => s(&self.detention_place),
            Field::LastSeenDate => d(&self.last_seen_date),
            Field::LastContactDate => d(&self.last_contact_date),
            Field::Notes => s(&self.notes),
        }
    }

    /// Sets a field from text, validating it according to its kind. An empty text clears it.
    pub fn set(&mut self, field: Field, value: &str) -> Result<(), crate::DomainError> {
        let v = value.trim();
        let text = || (!v.is_empty()).then(|| v.to_owned());
        fn parse<T: FromStr>(v: &str) -> Result<Option<T>, T::Err> {
            if v.is_empty() {
                Ok(None)
            } else {
                v.parse().map(Some)
            }
        }
        match field {
            Field::RecordId => self.record_id = text(),
            Field::GivenName => self.given_name = text(),
            Field::FamilyName => self.family_name = text(),
            Field::Patronymic => self.patronymic = text(),
            Field::FullName => self.full_name = text(),
            Field::Sex => self.sex = parse(v)?,
            Field::BirthDate => self.birth_date = parse(v)?,
            Field::BirthPlace => self.birth_place = text(),
            Field::Residence => self.residence = text(),
            Field::IdNumber => self.id_number = text(),
            Field::Category => self.category = parse(v)?,
            Field::CaptureDate => self.capture_date = parse(v)?,
            Field::CapturePlace => self.capture_place = text(),
            Field::CaptureContext => self.capture_context = text(),
            Field::Status => self.status = parse(v)?,
            Field::LegalStatus => self.legal_status = parse(v)?,
            Field::DetainingAuthority => self.detaining_authority = text(),
            Field::DetentionPlace => self.detention_place = text(),
            Field::LastSeenDate => self.last_seen_date = parse(v)?,
            Field::LastContactDate => self.last_contact_date = parse(v)?,
            Field::Notes => self.notes = text(),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_round_trip_for_every_field() {
        let mut f = StandardFields::default();
        for field in Field::ALL {
            let v = match field.kind() {
                FieldKind::Text => "x",
                FieldKind::Date => "1990-05",
                FieldKind::Sex => "female",
                FieldKind::Category => "civilian",
                FieldKind::Status => "detained",
                FieldKind::LegalStatus => "accused",
            };
            f.set(*field, v).unwrap();
            assert_eq!(f.get(*field).as_deref(), Some(v), "{field}");
            assert_eq!(field.name().parse::<Field>().unwrap(), *field);
        }
        assert!(f.set(Field::BirthDate, "1985-13-45").is_err());
        assert!("surname".parse::<Field>().is_err());
    }

    #[test]
    fn display_name_prefers_parts() {
        let mut f = StandardFields::default();
        assert!(!f.has_name());
        f.full_name = Some("Ruben Vardanyan".into());
        assert_eq!(f.display_name().as_deref(), Some("Ruben Vardanyan"));
        f.family_name = Some("Vardanyan".into());
        f.given_name = Some("Ruben".into());
        assert_eq!(f.display_name().as_deref(), Some("Vardanyan Ruben"));
    }
}
