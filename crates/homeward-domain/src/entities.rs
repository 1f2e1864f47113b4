//! The entities of the registry: sources and their records, persons as clusters of records,
//! timeline events, places, visits, enquiries and users.

use crate::{Id, PartialDate, Role, StandardFields};

/// A list received from somewhere: every row of it becomes a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Opaque identifier.
    pub id: Id,
    /// The name analysts know it by (unique).
    pub name: String,
    /// Who provided it and how, free text.
    pub description: Option<String>,
}

/// One row of one source: the mapped standard fields plus the original row, verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Opaque identifier.
    pub id: Id,
    /// The source it came from.
    pub source_id: Id,
    /// The person (cluster) it currently belongs to.
    pub person_id: Id,
    /// 1-based row number in the imported file (header excluded).
    pub row_number: u64,
    /// The standard fields as mapped.
    pub fields: StandardFields,
    /// The original row: column header and cell text, in file order, never altered.
    pub original: Vec<(String, String)>,
}

/// A person: a reviewed cluster of records. Until linkage, each record is a person of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Opaque identifier.
    pub id: Id,
    /// The name shown for the person (taken from one of its records).
    pub display_name: String,
    /// Whether a person (not a rule) reviewed the cluster.
    pub reviewed: bool,
}

/// What happened to a person, as a source tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// Taken by a detaining authority.
    Capture,
    /// Registered by an independent organisation.
    Registration,
    /// Moved to another place.
    Transfer,
    /// Charged with an offence.
    Charge,
    /// Trial began.
    Trial,
    /// Sentenced.
    Sentence,
    /// Released.
    Release,
    /// Returned to their country.
    Repatriation,
    /// Exchanged as a prisoner.
    PrisonerExchange,
    /// Died in custody (a claim until confirmed).
    DeathInCustody,
    /// Remains handed over.
    RemainsHandedOver,
}

impl EventKind {
    /// Every kind, in timeline order of a typical case.
    pub const ALL: &'static [EventKind] = &[
        EventKind::Capture,
        EventKind::Registration,
        EventKind::Transfer,
        EventKind::Charge,
        EventKind::Trial,
        EventKind::Sentence,
        EventKind::Release,
        EventKind::Repatriation,
        EventKind::PrisonerExchange,
        EventKind::DeathInCustody,
        EventKind::RemainsHandedOver,
    ];

    /// The canonical spelling stored and exported.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::Capture => "capture",
            EventKind::Registration => "registration",
            EventKind::Transfer => "transfer",
            EventKind::Charge => "charge",
            EventKind::Trial => "trial",
            EventKind::Sentence => "sentence",
            EventKind::Release => "release",
            EventKind::Repatriation => "repatriation",
            EventKind::PrisonerExchange => "prisoner_exchange",
            EventKind::DeathInCustody => "death_in_custody",
            EventKind::RemainsHandedOver => "remains_handed_over",
        }
    }

    /// Reads the canonical spelling.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// A dated, sourced entry in a person's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Opaque identifier.
    pub id: Id,
    /// Whom it concerns.
    pub person_id: Id,
    /// What happened.
    pub kind: EventKind,
    /// When, as precisely as known.
    pub date: PartialDate,
    /// Which source says so.
    pub source_id: Id,
    /// Where, if known.
    pub place_id: Option<Id>,
    /// Another event this one contests (a source that says otherwise).
    pub contests: Option<Id>,
}

/// A place of detention and who runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetentionPlace {
    /// Opaque identifier.
    pub id: Id,
    /// Its name.
    pub name: String,
    /// The detaining authority that runs it.
    pub authority: Option<String>,
    /// Region, for aggregate reports.
    pub region: Option<String>,
}

/// Whether the standard conditions of an independent visit were met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VisitConditions {
    /// Access to all detainees and all places.
    pub access_all: bool,
    /// Interviews in private.
    pub private_interviews: bool,
    /// Repeat visits allowed.
    pub repeat_allowed: bool,
    /// A list of detainees was provided.
    pub list_provided: bool,
}

/// What visitors found for one person they saw.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VisitFinding {
    /// The person seen.
    pub person_id: Option<Id>,
    /// Health findings (sensitive: health officers only).
    pub health: Option<String>,
    /// Findings on the conditions of detention (food, space, treatment).
    pub conditions: Option<String>,
    /// Items delivered (clothing, hygiene items, ...).
    pub items: Vec<String>,
    /// Messages collected from the detainee.
    pub messages_collected: u32,
    /// Messages delivered to the detainee.
    pub messages_delivered: u32,
    /// Whether a call with family took place.
    pub family_call: bool,
    /// Consent to pass what they said (and where they are) to their family.
    pub consent_share_with_family: bool,
    /// Consent to use what they said in representations to the detaining authority.
    pub consent_representations: bool,
    /// Consent to use what they said, without their name, in reports.
    pub consent_reports: bool,
}

/// An independent visit to a place of detention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// Opaque identifier.
    pub id: Id,
    /// Where.
    pub place_id: Id,
    /// When.
    pub date: PartialDate,
    /// Who visited.
    pub organisation: String,
    /// Whether the standard conditions were met.
    pub conditions: VisitConditions,
    /// Whom they saw and what they found.
    pub findings: Vec<VisitFinding>,
}

/// Where a family enquiry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnquiryState {
    /// Received, not yet matched.
    Open,
    /// Candidates found, awaiting a caseworker.
    UnderReview,
    /// Answered.
    Answered,
    /// Closed without an answer.
    Closed,
}

impl EnquiryState {
    /// The canonical spelling stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            EnquiryState::Open => "open",
            EnquiryState::UnderReview => "under_review",
            EnquiryState::Answered => "answered",
            EnquiryState::Closed => "closed",
        }
    }

    /// Reads the canonical spelling.
    pub fn parse(s: &str) -> Option<EnquiryState> {
        [
            EnquiryState::Open,
            EnquiryState::UnderReview,
            EnquiryState::Answered,
            EnquiryState::Closed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A family's request for news of a relative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enquiry {
    /// Opaque identifier.
    pub id: Id,
    /// When it was received.
    pub received: PartialDate,
    /// The sought person's name as the family wrote it.
    pub sought_name: String,
    /// The sought person's birth date, if given.
    pub sought_birth_date: Option<PartialDate>,
    /// Relation of the enquirer to the sought person.
    pub relation: Option<String>,
    /// How to reach the enquirer (sensitive).
    pub contact: Option<String>,
    /// Where it stands.
    pub state: EnquiryState,
    /// The person it was matched to, once a caseworker decides.
    pub person_id: Option<Id>,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Opaque identifier.
    pub id: Id,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
}
