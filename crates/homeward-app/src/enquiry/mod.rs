//! Family tracing: enquiries from families, matched against the registry by the names
//! engine with field-by-field evidence, answered by a caseworker with a structured "what is
//! known", and followed by the enquirer with a reference and a passphrase that show only
//! the state and answer of their own enquiry.
//!
//! The passphrase is hashed with homeward-trust's Argon2id module. A wrong passphrase, a
//! reference that does not exist and a malformed reference all get the same answer after
//! the same work (one database lookup and one Argon2id verification).

use std::collections::BTreeMap;

use homeward_domain::{Enquiry, EnquiryState, Field, Id, IdKind, PartialDate, StandardFields};
use homeward_store::{EnquiryDecision, EnquiryFile, Store, StoreError};
use homeward_trust::password::{Password, PasswordHasher};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::casework::{public_status, CaseError};

/// The word list passphrases are drawn from (805 words, about 9.65 bits each).
const WORDS: &str = include_str!("words.txt");

/// Words per passphrase: 7 words carry about 67 bits.
pub const PASSPHRASE_WORDS: usize = 7;

fn words() -> Vec<&'static str> {
    WORDS
        .lines()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect()
}

/// A passphrase of [`PASSPHRASE_WORDS`] words drawn uniformly (rejection sampling, no
/// modulo bias) from the word list.
pub fn passphrase(rng: &mut (dyn RngCore + Send)) -> String {
    let list = words();
    let n = list.len() as u32;
    let zone = u32::MAX - (u32::MAX % n);
    let mut out = Vec::with_capacity(PASSPHRASE_WORDS);
    while out.len() < PASSPHRASE_WORDS {
        let x = rng.next_u32();
        if x < zone {
            out.push(list[(x % n) as usize]);
        }
    }
    out.join(" ")
}

/// Folds what an enquirer types so that spacing and case do not matter.
fn normalise_secret(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a family tells us when they ask.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnquiryIntake {
    /// When the enquiry was received.
    pub received: String,
    /// The enquirer's name (sensitive).
    pub enquirer_name: Option<String>,
    /// Relation to the sought person.
    pub relation: Option<String>,
    /// How to reach the enquirer (sensitive).
    pub contact: Option<String>,
    /// Whether the enquirer agrees that the enquiry be shared with the person sought and
    /// other tracing services.
    pub consent_to_share: bool,
    /// What they know of the sought person: standard field name and value.
    pub sought: Vec<(String, String)>,
}

/// Validates the sought person's fields against the vocabulary.
fn sought_fields(sought: &[(String, String)]) -> Result<StandardFields, CaseError> {
    let mut f = StandardFields::default();
    for (name, value) in sought {
        let field: Field = name.trim().parse().map_err(|e| CaseError::Invalid {
            input: format!("sought field '{name}'"),
            reason: format!("{e}"),
        })?;
        f.set(field, value).map_err(|e| CaseError::Invalid {
            input: format!("sought field '{name}'"),
            reason: format!("{e}"),
        })?;
    }
    if !f.has_name() {
        return Err(CaseError::Invalid {
            input: "sought".into(),
            reason: "the sought person needs some name (given_name, family_name or full_name)"
                .into(),
        });
    }
    Ok(f)
}

/// What the enquirer receives once: the reference and the passphrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnquiryReceipt {
    /// The reference (the enquiry's opaque id).
    pub reference: String,
    /// The passphrase; stored only as an Argon2id hash.
    pub passphrase: String,
}

/// Receives an enquiry: validates the intake, stores it with the hash of a new passphrase.
pub async fn add(
    store: &dyn Store,
    hasher: &PasswordHasher,
    rng: &mut (dyn RngCore + Send),
    intake: &EnquiryIntake,
) -> Result<EnquiryReceipt, CaseError> {
    let received: PartialDate = intake.received.parse().map_err(|e| CaseError::Invalid {
        input: "received".into(),
        reason: format!("{e}"),
    })?;
    let fields = sought_fields(&intake.sought)?;
    let secret = passphrase(rng);
    let mut os = rand::rngs::OsRng;
    let hash = hasher
        .hash(&mut os, &Password::new(secret.clone()))
        .map_err(|e| CaseError::Invalid {
            input: "passphrase".into(),
            reason: e.to_string(),
        })?;
    let id = Id::generate(IdKind::Enquiry, rng);
    let clean = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    let file = EnquiryFile {
        enquiry: Enquiry {
            id: id.clone(),
            received,
            sought_name: fields.display_name().unwrap_or_default(),
            sought_birth_date: fields.birth_date,
            relation: clean(&intake.relation),
            contact: clean(&intake.contact),
            state: EnquiryState::Open,
            person_id: None,
        },
        enquirer_name: clean(&intake.enquirer_name),
        consent_to_share: intake.consent_to_share,
        sought: intake
            .sought
            .iter()
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .filter(|(_, v)| !v.is_empty())
            .collect(),
        answer: None,
        decided_by: None,
        decided_at: None,
        close_reason: None,
    };
    store.add_enquiry(file, hash).await?;
    Ok(EnquiryReceipt {
        reference: id.to_string(),
        passphrase: secret,
    })
}

/// An enquiry as listed for caseworkers: no enquirer contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnquirySummary {
    /// Reference.
    pub reference: String,
    /// Received.
    pub received: String,
    /// State.
    pub state: String,
    /// The sought person's name as the family wrote it.
    pub sought_name: String,
    /// The person it is linked to.
    pub person_id: Option<String>,
}

/// Enquiries, optionally in one state, oldest first.
pub async fn list(
    store: &dyn Store,
    state: Option<EnquiryState>,
) -> Result<Vec<EnquirySummary>, StoreError> {
    Ok(store
        .enquiries()
        .await?
        .into_iter()
        .filter(|f| state.map_or(true, |s| s == f.enquiry.state))
        .map(|f| EnquirySummary {
            reference: f.enquiry.id.to_string(),
            received: f.enquiry.received.to_string(),
            state: f.enquiry.state.as_str().to_owned(),
            sought_name: f.enquiry.sought_name,
            person_id: f.enquiry.person_id.map(|p| p.to_string()),
        })
        .collect())
}

/// An enquiry in full, for the caseworker handling it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnquiryDetail {
    /// Reference.
    pub reference: String,
    /// Received.
    pub received: String,
    /// State.
    pub state: String,
    /// Enquirer's name.
    pub enquirer_name: Option<String>,
    /// Relation to the sought person.
    pub relation: Option<String>,
    /// Enquirer's contact.
    pub contact: Option<String>,
    /// Consent to share.
    pub consent_to_share: bool,
    /// What the family said about the sought person.
    pub sought: Vec<(String, String)>,
    /// The linked person.
    pub person_id: Option<String>,
    /// The answer given.
    pub answer: Option<Answer>,
    /// Who answered or closed it, and when.
    pub decided: Option<String>,
    /// Why it was closed.
    pub close_reason: Option<String>,
}

fn parse_ref(reference: &str) -> Result<Id, CaseError> {
    Id::parse_kind(reference.trim(), IdKind::Enquiry).map_err(|e| CaseError::Invalid {
        input: "REFERENCE".into(),
        reason: e.to_string(),
    })
}

async fn load(store: &dyn Store, reference: &str) -> Result<EnquiryFile, CaseError> {
    let id = parse_ref(reference)?;
    store
        .enquiry(&id)
        .await?
        .map(|(f, _)| f)
        .ok_or_else(|| CaseError::NotFound(format!("enquiry {id}")))
}

/// One enquiry in full.
pub async fn show(store: &dyn Store, reference: &str) -> Result<EnquiryDetail, CaseError> {
    let f = load(store, reference).await?;
    Ok(EnquiryDetail {
        reference: f.enquiry.id.to_string(),
        received: f.enquiry.received.to_string(),
        state: f.enquiry.state.as_str().to_owned(),
        enquirer_name: f.enquirer_name,
        relation: f.enquiry.relation,
        contact: f.enquiry.contact,
        consent_to_share: f.consent_to_share,
        sought: f.sought,
        person_id: f.enquiry.person_id.map(|p| p.to_string()),
        answer: f.answer.and_then(|a| serde_json::from_str(&a).ok()),
        decided: f
            .decided_by
            .map(|b| format!("{b} at {}", f.decided_at.unwrap_or_default())),
        close_reason: f.close_reason,
    })
}

/// How one field of the enquiry compares with the best of a candidate's records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldEvidence {
    /// The standard field.
    pub field: String,
    /// What the family said.
    pub enquiry: String,
    /// The closest value the registry holds.
    pub registry: Option<String>,
    /// `agrees`, `close`, `differs` or `missing`.
    pub verdict: String,
    /// Similarity in [0, 1] for names; 1 or 0 for the rest.
    pub score: f64,
}

/// A candidate person for an enquiry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The person.
    pub person_id: String,
    /// Display name.
    pub name: String,
    /// Overall score in [0, 1]: name similarity adjusted by the other fields.
    pub score: f64,
    /// Field by field.
    pub evidence: Vec<FieldEvidence>,
    /// The linkage model's view (the model fitted on the registry by the latest linked
    /// import), when there is one: candidates are ranked by its match weight.
    pub model: Option<ModelView>,
}

/// How the registry's linkage model weighs a candidate: the best of the person's records
/// against what the enquiry says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelView {
    /// Match weight in bits (log2 of the likelihood ratio); positive favours a match.
    pub weight: f64,
    /// Match probability with the registry's prior odds (low when the enquiry says little).
    pub probability: f64,
    /// Each field's contribution.
    pub fields: Vec<ModelField>,
}

/// One field's contribution to a [`ModelView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelField {
    /// The field.
    pub field: String,
    /// The agreement level ("missing" when either side lacks it).
    pub level: String,
    /// Bits of evidence, term-frequency adjustment included.
    pub bits: f64,
}

/// Scores each candidate's records against the enquiry with `model`; one view per
/// candidate, `None` for a candidate without records.
fn model_views(
    model: &homeward_link::FittedModel,
    asked: &StandardFields,
    records: &[Vec<homeward_domain::Record>],
) -> Result<Vec<Option<ModelView>>, CaseError> {
    let mut input = vec![crate::linkage::link_fields(asked, "enquiry".into(), 0)];
    let mut owner = Vec::new();
    for (c, recs) in records.iter().enumerate() {
        for r in recs {
            input.push(crate::linkage::link_fields(&r.fields, r.id.to_string(), 1));
            owner.push(c);
        }
    }
    let linker =
        homeward_link::Linker::new(&input, homeward_link::LinkConfig::default()).map_err(|e| {
            CaseError::Invalid {
                input: "linkage".into(),
                reason: e.to_string(),
            }
        })?;
    let mut out: Vec<Option<ModelView>> = vec![None; records.len()];
    for (k, &c) in owner.iter().enumerate() {
        let Ok(x) = linker.explain(model, 0, k + 1) else {
            continue;
        };
        if out[c].as_ref().is_some_and(|v| v.weight >= x.weight) {
            continue;
        }
        out[c] = Some(ModelView {
            weight: x.weight,
            probability: x.probability,
            fields: x
                .fields
                .iter()
                .map(|f| ModelField {
                    field: f.field.name().to_owned(),
                    level: f.level_name.clone(),
                    bits: f.weight + f.tf_adjustment,
                })
                .collect(),
        });
    }
    Ok(out)
}

/// Name similarity above which a name counts as agreeing, and as close.
const NAME_AGREES: f64 = 0.85;
const NAME_CLOSE: f64 = 0.70;

fn name_evidence(field: &str, asked: &str, held: &[String]) -> FieldEvidence {
    let best = held
        .iter()
        .map(|h| (homeward_names::similarity(asked, h), h))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((s, h)) => FieldEvidence {
            field: field.to_owned(),
            enquiry: asked.to_owned(),
            registry: Some(h.clone()),
            verdict: if s >= NAME_AGREES {
                "agrees"
            } else if s >= NAME_CLOSE {
                "close"
            } else {
                "differs"
            }
            .to_owned(),
            score: s,
        },
        None => FieldEvidence {
            field: field.to_owned(),
            enquiry: asked.to_owned(),
            registry: None,
            verdict: "missing".into(),
            score: 0.0,
        },
    }
}

fn date_evidence(field: &str, asked: PartialDate, held: &[PartialDate]) -> FieldEvidence {
    let agree = held.iter().find(|h| h.may_equal(&asked));
    let near = held
        .iter()
        .find(|h| (h.year_part() - asked.year_part()).abs() <= 1);
    let (registry, verdict, score) = match (agree, near, held.first()) {
        (Some(h), _, _) => (Some(h.to_string()), "agrees", 1.0),
        (None, Some(h), _) => (Some(h.to_string()), "close", 0.5),
        (None, None, Some(h)) => (Some(h.to_string()), "differs", 0.0),
        (None, None, None) => (None, "missing", 0.0),
    };
    FieldEvidence {
        field: field.to_owned(),
        enquiry: asked.to_string(),
        registry,
        verdict: verdict.to_owned(),
        score,
    }
}

fn text_evidence(field: &str, asked: &str, held: &[String]) -> FieldEvidence {
    let fold = |s: &str| homeward_names::PreparedName::new(s).normalized().to_owned();
    let a = fold(asked);
    let hit = held.iter().find(|h| fold(h) == a);
    let (registry, verdict, score) = match (hit, held.first()) {
        (Some(h), _) => (Some(h.clone()), "agrees", 1.0),
        (None, Some(h)) => (Some(h.clone()), "differs", 0.0),
        (None, None) => (None, "missing", 0.0),
    };
    FieldEvidence {
        field: field.to_owned(),
        enquiry: asked.to_owned(),
        registry,
        verdict: verdict.to_owned(),
        score,
    }
}

/// Compares the enquiry's fields with a candidate's records.
fn evidence(asked: &StandardFields, records: &[StandardFields]) -> Vec<FieldEvidence> {
    let mut out = Vec::new();
    let texts = |f: Field| -> Vec<String> {
        let mut v: Vec<String> = records.iter().filter_map(|r| r.get(f)).collect();
        v.sort();
        v.dedup();
        v
    };
    let full_names: Vec<String> = records.iter().filter_map(|r| r.display_name()).collect();
    if let Some(n) = asked.display_name() {
        out.push(name_evidence("name", &n, &full_names));
    }
    for f in [Field::GivenName, Field::FamilyName, Field::Patronymic] {
        if let Some(v) = asked.get(f) {
            out.push(name_evidence(f.name(), &v, &texts(f)));
        }
    }
    for f in [Field::BirthDate, Field::CaptureDate] {
        let asked_date = match f {
            Field::BirthDate => asked.birth_date,
            _ => asked.capture_date,
        };
        if let Some(d) = asked_date {
            let held: Vec<PartialDate> = records
                .iter()
                .filter_map(|r| match f {
                    Field::BirthDate => r.birth_date,
                    _ => r.capture_date,
                })
                .collect();
            out.push(date_evidence(f.name(), d, &held));
        }
    }
    for f in [
        Field::Sex,
        Field::BirthPlace,
        Field::Residence,
        Field::IdNumber,
        Field::Category,
        Field::CapturePlace,
    ] {
        if let Some(v) = asked.get(f) {
            out.push(text_evidence(f.name(), &v, &texts(f)));
        }
    }
    out
}

/// Combines evidence into one score: the name similarity, nudged up by agreeing fields and
/// down by differing ones (missing fields say nothing).
fn combined(evidence: &[FieldEvidence]) -> f64 {
    let name = evidence
        .iter()
        .find(|e| e.field == "name")
        .map_or(0.0, |e| e.score);
    let mut adj = 0.0;
    for e in evidence.iter().filter(|e| e.field != "name") {
        adj += match (e.field.as_str(), e.verdict.as_str()) {
            ("given_name" | "family_name" | "patronymic", _) => 0.0,
            ("id_number", "agrees") => 0.15,
            ("id_number", "differs") => -0.15,
            (_, "agrees") => 0.05,
            (_, "close") => 0.02,
            (_, "differs") => -0.08,
            _ => 0.0,
        };
    }
    (name + adj).clamp(0.0, 1.0)
}

/// Candidates scored below this are not shown.
const MIN_SCORE: f64 = 0.6;

/// Finds candidate persons for an enquiry, best first, with field-by-field evidence. When
/// candidates are found for an open enquiry it moves to `under_review`.
pub async fn match_enquiry(
    store: &dyn Store,
    reference: &str,
    limit: u32,
    by: &str,
    at: &str,
) -> Result<Vec<Candidate>, CaseError> {
    let f = load(store, reference).await?;
    let asked = sought_fields(&f.sought).or_else(|_| {
        // Enquiries taken before the intake recorded fields still have a name and a birth date.
        let mut s = StandardFields {
            full_name: Some(f.enquiry.sought_name.clone()),
            ..StandardFields::default()
        };
        s.birth_date = f.enquiry.sought_birth_date;
        Ok::<_, CaseError>(s)
    })?;
    let name = asked.display_name().unwrap_or_default();
    // The names engine finds the candidates (in any script); the linkage model, when the
    // registry has one, weighs them field by field.
    let hits = crate::search::search(store, &name, limit.saturating_mul(4).max(20)).await?;
    let mut found = Vec::new();
    for h in hits {
        let records = store.records_of(&h.person_id).await?;
        let fields: Vec<StandardFields> = records.iter().map(|r| r.fields.clone()).collect();
        let ev = evidence(&asked, &fields);
        let score = combined(&ev);
        if score >= MIN_SCORE {
            found.push((h, ev, score, records));
        }
    }
    let model = crate::linkage::registry_model(store)
        .await
        .map_err(|e| CaseError::Invalid {
            input: "the registry's linkage model".into(),
            reason: e.to_string(),
        })?;
    let views = match &model {
        Some(m) if !found.is_empty() => {
            let recs: Vec<Vec<homeward_domain::Record>> =
                found.iter().map(|(_, _, _, r)| r.clone()).collect();
            model_views(m, &asked, &recs)?
        }
        _ => vec![None; found.len()],
    };
    let mut out: Vec<Candidate> = found
        .into_iter()
        .zip(views)
        .map(|((h, ev, score, _), view)| Candidate {
            person_id: h.person_id.to_string(),
            name: h.name,
            score,
            evidence: ev,
            model: view,
        })
        .collect();
    let weight = |c: &Candidate| c.model.as_ref().map_or(f64::NEG_INFINITY, |m| m.weight);
    out.sort_by(|a, b| {
        weight(b)
            .total_cmp(&weight(a))
            .then(b.score.total_cmp(&a.score))
            .then(a.person_id.cmp(&b.person_id))
    });
    out.truncate(limit as usize);
    if !out.is_empty() && f.enquiry.state == EnquiryState::Open {
        store
            .decide_enquiry(EnquiryDecision {
                enquiry_id: f.enquiry.id.clone(),
                state: EnquiryState::UnderReview,
                person_id: None,
                answer: None,
                close_reason: None,
                decided_by: by.to_owned(),
                decided_at: at.to_owned(),
            })
            .await?;
    }
    Ok(out)
}

/// What the family is told: the structured "what is known".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The date the answer speaks as of.
    pub as_of: String,
    /// Status (missing, detained, released, repatriated, deceased only once confirmed, unknown).
    pub status: String,
    /// Legal status under international humanitarian law.
    pub legal_status: String,
    /// Date of the last independent sighting (a visit that saw the person).
    pub last_independent_sighting: Option<String>,
    /// Where, only when policy allows and the person consented to it being passed on.
    pub place_of_detention: Option<String>,
    /// Date of the last contact with family (a call or delivered messages).
    pub last_family_contact: Option<String>,
    /// A caseworker's words to the family, if any.
    pub message: Option<String>,
}

/// Whether the place of detention may be told to families.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnswerPolicy {
    /// The organisation's policy allows disclosing the place; even then it is told only if
    /// the detainee consented to their family being told what they said.
    pub disclose_place: bool,
}

/// Composes the answer for a person as of a date, from the confirmed view.
pub async fn what_is_known(
    store: &dyn Store,
    person: &Id,
    as_of: PartialDate,
    policy: AnswerPolicy,
) -> Result<Answer, StoreError> {
    let (status, legal) = public_status(store, person, &as_of).await?;
    let cutoff = as_of.latest_day();
    let mut last_seen: Option<(PartialDate, Id, bool)> = None;
    let mut last_contact: Option<PartialDate> = None;
    for v in store
        .visits_of(person)
        .await?
        .into_iter()
        .filter(|v| v.date.earliest_day() <= cutoff)
    {
        for f in v
            .findings
            .iter()
            .filter(|f| f.person_id.as_ref() == Some(person))
        {
            if last_seen
                .as_ref()
                .map_or(true, |(d, _, _)| v.date.latest_day() >= d.latest_day())
            {
                last_seen = Some((v.date, v.place_id.clone(), f.consent_share_with_family));
            }
            if (f.family_call || f.messages_delivered > 0)
                && last_contact.map_or(true, |d| v.date.latest_day() >= d.latest_day())
            {
                last_contact = Some(v.date);
            }
        }
    }
    let place = match (&last_seen, policy.disclose_place, status) {
        (Some((_, place, true)), true, homeward_domain::Status::Detained) => store
            .places()
            .await?
            .into_iter()
            .find(|p| p.id == *place)
            .map(|p| p.name),
        _ => None,
    };
    Ok(Answer {
        as_of: as_of.to_string(),
        status: status.as_str().to_owned(),
        legal_status: legal.status.as_str().to_owned(),
        last_independent_sighting: last_seen.map(|(d, _, _)| d.to_string()),
        place_of_detention: place,
        last_family_contact: last_contact.map(|d| d.to_string()),
        message: None,
    })
}

/// Links an enquiry to a person and answers it.
#[allow(clippy::too_many_arguments)]
pub async fn answer(
    store: &dyn Store,
    reference: &str,
    person: &str,
    as_of: PartialDate,
    policy: AnswerPolicy,
    message: Option<String>,
    by: &str,
    at: &str,
) -> Result<Answer, CaseError> {
    let f = load(store, reference).await?;
    if f.enquiry.state == EnquiryState::Closed {
        return Err(CaseError::Invalid {
            input: "REFERENCE".into(),
            reason: "the enquiry is closed".into(),
        });
    }
    let pid = Id::parse_kind(person.trim(), IdKind::Person).map_err(|e| CaseError::Invalid {
        input: "--person".into(),
        reason: e.to_string(),
    })?;
    if store.person(&pid).await?.is_none() {
        return Err(CaseError::NotFound(format!("person {pid}")));
    }
    if by.trim().is_empty() {
        return Err(CaseError::Invalid {
            input: "--by".into(),
            reason: "the answering caseworker must be named".into(),
        });
    }
    let mut a = what_is_known(store, &pid, as_of, policy).await?;
    a.message = message.filter(|m| !m.trim().is_empty());
    let text = serde_json::to_string(&a).map_err(|e| StoreError::Query(e.to_string()))?;
    store
        .decide_enquiry(EnquiryDecision {
            enquiry_id: f.enquiry.id,
            state: EnquiryState::Answered,
            person_id: Some(pid),
            answer: Some(text),
            close_reason: None,
            decided_by: by.trim().to_owned(),
            decided_at: at.to_owned(),
        })
        .await?;
    Ok(a)
}

/// Closes an enquiry without an answer, with a reason.
pub async fn close(
    store: &dyn Store,
    reference: &str,
    reason: &str,
    by: &str,
    at: &str,
) -> Result<(), CaseError> {
    let f = load(store, reference).await?;
    if reason.trim().is_empty() || by.trim().is_empty() {
        return Err(CaseError::Invalid {
            input: "--reason/--by".into(),
            reason: "closing needs a reason and the caseworker's name".into(),
        });
    }
    store
        .decide_enquiry(EnquiryDecision {
            enquiry_id: f.enquiry.id,
            state: EnquiryState::Closed,
            person_id: f.enquiry.person_id,
            answer: f.answer,
            close_reason: Some(reason.trim().to_owned()),
            decided_by: by.trim().to_owned(),
            decided_at: at.to_owned(),
        })
        .await?;
    Ok(())
}

/// What an enquirer sees with a correct reference and passphrase: nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FamilyView {
    /// Reference.
    pub reference: String,
    /// State: open, under_review, answered, closed.
    pub state: String,
    /// The answer, once given.
    pub answer: Option<Answer>,
}

/// The one answer for a wrong passphrase, an unknown reference or a malformed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no enquiry matches this reference and passphrase")]
pub struct AccessDenied;

/// A reference of the right shape that no enquiry has, looked up when the given one is
/// malformed so that every request does the same work.
const PLACEHOLDER_REF: &str = "enq_0000000000000000";

/// The enquirer's view of their own enquiry. Every failure is [`AccessDenied`], after one
/// lookup and one Argon2id verification, so neither the answer nor its timing tells a wrong
/// passphrase from an unknown reference.
pub async fn family_status(
    store: &dyn Store,
    hasher: &PasswordHasher,
    reference: &str,
    secret: &str,
) -> Result<Result<FamilyView, AccessDenied>, StoreError> {
    let password = Password::new(normalise_secret(secret));
    let id = Id::parse_kind(reference.trim(), IdKind::Enquiry)
        .or_else(|_| Id::parse_kind(PLACEHOLDER_REF, IdKind::Enquiry));
    let found = match &id {
        Ok(id) => store.enquiry(id).await?,
        Err(_) => None,
    };
    let Some((f, hash)) = found else {
        hasher.dummy_verify(&password);
        return Ok(Err(AccessDenied));
    };
    match hasher.verify(&password, &hash) {
        Ok(true) => Ok(Ok(FamilyView {
            reference: f.enquiry.id.to_string(),
            state: f.enquiry.state.as_str().to_owned(),
            answer: f.answer.and_then(|a| serde_json::from_str(&a).ok()),
        })),
        _ => Ok(Err(AccessDenied)),
    }
}

/// Sought fields from an enquiry's intake, for tests and pages.
pub fn sought_map(f: &EnquiryFile) -> BTreeMap<String, String> {
    f.sought.iter().cloned().collect()
}

/// The states as accepted on the command line.
pub fn parse_state(s: &str) -> Option<EnquiryState> {
    EnquiryState::parse(s.trim())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::BTreeSet;

    #[test]
    fn word_list_is_long_unique_and_plain() {
        let w = words();
        let set: BTreeSet<&str> = w.iter().copied().collect();
        assert_eq!(set.len(), w.len(), "no repeated words");
        assert!(w.len() >= 800, "at least 800 words, {} found", w.len());
        assert!(w
            .iter()
            .all(|x| x.chars().all(|c| c.is_ascii_lowercase()) && x.len() >= 2));
    }

    #[test]
    fn passphrases_have_seven_words_and_differ() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let a = passphrase(&mut rng);
        let b = passphrase(&mut rng);
        assert_eq!(a.split(' ').count(), PASSPHRASE_WORDS);
        assert_ne!(a, b);
        assert_eq!(normalise_secret("  Apple   PIE "), "apple pie");
    }
}
