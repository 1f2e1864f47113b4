//! Random, opaque identifiers: 80 random bits in Crockford base32 behind a kind prefix, so
//! that an id reveals neither order nor count of what the registry holds.

use rand::RngCore;
use std::fmt;
use std::str::FromStr;

/// What an identifier names; its prefix makes ids of different kinds impossible to confuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdKind {
    /// A person (a cluster of records).
    Person,
    /// A record (one row of one source).
    Record,
    /// A source list.
    Source,
    /// A timeline event.
    Event,
    /// A place of detention.
    Place,
    /// A visit to a place of detention.
    Visit,
    /// A family enquiry.
    Enquiry,
    /// A user account.
    User,
    /// An item of the linkage review queue (a proposed pair).
    Review,
    /// A recorded linkage decision (merge, split, reject).
    Decision,
    /// A note: a dated statement about a person by a source (PFIF notes).
    Note,
}

impl IdKind {
    /// The prefix written before the random part.
    pub const fn prefix(self) -> &'static str {
        match self {
            IdKind::Person => "per",
            IdKind::Record => "rec",
            IdKind::Source => "src",
            IdKind::Event => "evt",
            IdKind::Place => "plc",
            IdKind::Visit => "vis",
            IdKind::Enquiry => "enq",
            IdKind::User => "usr",
            IdKind::Review => "rvw",
            IdKind::Decision => "dec",
            IdKind::Note => "not",
        }
    }

    const ALL: [IdKind; 11] = [
        IdKind::Person,
        IdKind::Record,
        IdKind::Source,
        IdKind::Event,
        IdKind::Place,
        IdKind::Visit,
        IdKind::Enquiry,
        IdKind::User,
        IdKind::Review,
        IdKind::Decision,
        IdKind::Note,
    ];
}

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Whether `b` is in [`ALPHABET`] (a table lookup: every id read back is checked, and a
/// search of the alphabet per character showed on the person page).
fn in_alphabet(b: u8) -> bool {
    static TABLE: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < ALPHABET.len() {
            t[ALPHABET[i] as usize] = true;
            i += 1;
        }
        t
    };
    TABLE[b as usize]
}
const RANDOM_CHARS: usize = 16;

/// An opaque identifier such as `per_7gk2m9q0x4c1v8ta`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id {
    kind: IdKind,
    text: String,
}

/// A string that is not a well-formed identifier.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a valid identifier: expected a prefix such as per_ followed by 16 base32 characters")]
pub struct IdError;

impl Id {
    /// Draws a new identifier of the given kind from `rng` (pass a CSPRNG in production).
    pub fn generate(kind: IdKind, rng: &mut (impl RngCore + ?Sized)) -> Id {
        let mut bytes = [0u8; 10];
        rng.fill_bytes(&mut bytes);
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(b);
        }
        let mut text = String::with_capacity(4 + RANDOM_CHARS);
        text.push_str(kind.prefix());
        text.push('_');
        for i in (0..RANDOM_CHARS).rev() {
            let idx = ((bits >> (i * 5)) & 31) as usize;
            text.push(char::from(ALPHABET[idx]));
        }
        Id { kind, text }
    }

    /// Parses an identifier and checks that it is of the expected kind.
    pub fn parse_kind(s: &str, kind: IdKind) -> Result<Id, IdError> {
        let id: Id = s.parse()?;
        if id.kind == kind {
            Ok(id)
        } else {
            Err(IdError)
        }
    }

    /// The kind of thing this identifier names.
    pub fn kind(&self) -> IdKind {
        self.kind
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl FromStr for Id {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (prefix, rest) = s.split_once('_').ok_or(IdError)?;
        let kind = IdKind::ALL
            .into_iter()
            .find(|k| k.prefix() == prefix)
            .ok_or(IdError)?;
        if rest.len() != RANDOM_CHARS || !rest.bytes().all(in_alphabet) {
            return Err(IdError);
        }
        Ok(Id {
            kind,
            text: s.to_owned(),
        })
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_alphabet_table_is_the_alphabet() {
        for b in 0..=255u8 {
            assert_eq!(in_alphabet(b), ALPHABET.contains(&b), "byte {b}");
        }
    }

    #[test]
    fn ids_round_trip_and_are_not_sequential() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let a = Id::generate(IdKind::Person, &mut rng);
        let b = Id::generate(IdKind::Person, &mut rng);
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("per_"));
        assert_eq!(a.as_str().parse::<Id>().unwrap(), a);
        assert!(Id::parse_kind(a.as_str(), IdKind::Record).is_err());
        assert!("per_123".parse::<Id>().is_err());
        assert!("xyz_0123456789abcdef".parse::<Id>().is_err());
        assert!("per_0123456789abcdeu".parse::<Id>().is_err());
    }
}
