//! PFIF 1.4 (People Finder Interchange Format): import of person and note records and export
//! of the registry as a document valid against the PFIF 1.4 schema (docs/pfif-1.4.xsd; the
//! mapping of statuses is in docs/pfif.md).
//!
//! The parser treats the file as hostile: a DOCTYPE (and with it every entity definition) is
//! refused, only the five predefined entities and character references are read, elements
//! must be in the PFIF 1.4 namespace, nesting deeper than PFIF's own is refused, and so is a
//! field longer than [`MAX_FIELD_BYTES`] or a file larger than [`MAX_FILE_BYTES`]. Every
//! error names the file, the line and the element, and nothing is written unless the whole
//! file is good.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use homeward_domain::{
    Field, Id, IdKind, PartialDate, Person, Record, Sex, Source, StandardFields, Status,
};
use homeward_store::{ImportBatch, ImportOutcome, Note, PfifBatch, Store, StoreError};
use quick_xml::events::Event as XmlEvent;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::casework::{confirmed_view, is_death_claim};

/// The PFIF 1.4 namespace.
pub const PFIF_NS: &str = "http://zesty.ca/pfif/1.4";
/// The largest file read.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// The largest field read.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
/// The home domain of records this registry creates.
pub const HOME_DOMAIN: &str = "homeward.local";
/// The prefix of sources created for PFIF home repositories.
pub const SOURCE_PREFIX: &str = "PFIF ";

/// Why a PFIF file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PfifError {
    /// The file is malformed, hostile or incomplete.
    #[error("{file}: line {line}{}: {reason}", element.as_ref().map(|e| format!(", element <{e}>")).unwrap_or_default())]
    Bad {
        /// The file's name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The element at fault, if any.
        element: Option<String>,
        /// Why.
        reason: String,
    },
    /// The store refused the write.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether bytes look like a PFIF document (an XML root element named `pfif`).
pub fn is_pfif(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('<') && (t.contains(":pfif") || t.contains("<pfif")) && t.contains("pfif/1.")
}

/// A PFIF person record as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PfifPerson {
    /// Fields in file order: element local name and text.
    pub fields: Vec<(String, String)>,
    /// The line it started on.
    pub line: usize,
}

/// A PFIF note record as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PfifNote {
    /// Fields in file order.
    pub fields: Vec<(String, String)>,
    /// The person record it is nested in, if any.
    pub parent: Option<String>,
    /// The line it started on.
    pub line: usize,
}

fn get<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// A parsed PFIF document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PfifDocument {
    /// Person records.
    pub persons: Vec<PfifPerson>,
    /// Note records (top-level and nested).
    pub notes: Vec<PfifNote>,
}

const PERSON_FIELDS: &[&str] = &[
    "person_record_id",
    "entry_date",
    "expiry_date",
    "author_name",
    "author_email",
    "author_phone",
    "source_name",
    "source_date",
    "source_url",
    "full_name",
    "given_name",
    "family_name",
    "alternate_names",
    "description",
    "sex",
    "date_of_birth",
    "age",
    "home_street",
    "home_neighborhood",
    "home_city",
    "home_state",
    "home_postal_code",
    "home_country",
    "photo_url",
    "profile_urls",
];

const NOTE_FIELDS: &[&str] = &[
    "note_record_id",
    "person_record_id",
    "linked_person_record_id",
    "entry_date",
    "author_name",
    "author_email",
    "author_phone",
    "source_date",
    "author_made_contact",
    "status",
    "email_of_found_person",
    "phone_of_found_person",
    "last_known_location",
    "text",
    "photo_url",
];

/// The PFIF 1.4 note statuses.
pub const NOTE_STATUSES: &[&str] = &[
    "information_sought",
    "is_note_author",
    "believed_alive",
    "believed_missing",
    "believed_dead",
];

/// Line numbers of increasing byte positions, counted once over the text (the parser asks
/// at every event, so counting from the start each time would be quadratic).
struct Lines {
    pos: usize,
    line: usize,
}

impl Lines {
    fn at(&mut self, text: &str, pos: u64) -> usize {
        let end = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
        if end < self.pos {
            return line_of(text, pos);
        }
        self.line += text.as_bytes()[self.pos..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.pos = end;
        self.line
    }
}

fn line_of(text: &str, pos: u64) -> usize {
    let end = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Where the parser is.
enum Frame {
    Root,
    Person(PfifPerson),
    Note(PfifNote),
    Field { name: String, text: String },
}

/// Parses a PFIF 1.4 document, refusing anything hostile or incomplete.
pub fn parse(file: &str, bytes: &[u8]) -> Result<PfifDocument, PfifError> {
    let bad = |line: usize, element: Option<&str>, reason: String| PfifError::Bad {
        file: file.to_owned(),
        line,
        element: element.map(str::to_owned),
        reason,
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(bad(
            1,
            None,
            format!("file is larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        bad(line, None, "not UTF-8 text".into())
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = NsReader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    reader.config_mut().check_end_names = true;
    let mut doc = PfifDocument::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut seen_root = false;
    let mut lines = Lines { pos: 0, line: 1 };
    loop {
        let pos = reader.buffer_position();
        let line = lines.at(text, pos);
        let (ns, ev) = match reader.read_resolved_event() {
            Ok(x) => x,
            Err(e) => {
                let reason = format!("malformed XML: {e}");
                return Err(bad(line_of(text, reader.error_position()), None, reason));
            }
        };
        match ev {
            XmlEvent::DocType(_) => {
                return Err(bad(
                    line,
                    None,
                    "a DOCTYPE (and any entity it defines) is not accepted in PFIF".into(),
                ))
            }
            XmlEvent::Start(e) => {
                let local = e.local_name().into_inner().to_owned();
                match &ns {
                    ResolveResult::Bound(n) if n.as_ref() == PFIF_NS => {}
                    ResolveResult::Bound(n) => {
                        return Err(bad(
                            line,
                            Some(&local),
                            format!("namespace '{}' is not PFIF 1.4 ({PFIF_NS})", n.as_ref()),
                        ))
                    }
                    _ => {
                        return Err(bad(
                            line,
                            Some(&local),
                            format!("element is not in the PFIF 1.4 namespace ({PFIF_NS})"),
                        ))
                    }
                }
                let frame = match (stack.last(), local.as_str()) {
                    (None, "pfif") if !seen_root => {
                        seen_root = true;
                        Frame::Root
                    }
                    (None, _) => {
                        return Err(bad(
                            line,
                            Some(&local),
                            "the root element must be <pfif:pfif>".into(),
                        ))
                    }
                    (Some(Frame::Root), "person") => Frame::Person(PfifPerson {
                        line,
                        ..PfifPerson::default()
                    }),
                    (Some(Frame::Root), "note") => Frame::Note(PfifNote {
                        line,
                        ..PfifNote::default()
                    }),
                    (Some(Frame::Person(p)), "note") => Frame::Note(PfifNote {
                        line,
                        parent: get(&p.fields, "person_record_id").map(str::to_owned),
                        ..PfifNote::default()
                    }),
                    (Some(Frame::Person(_)), f) if PERSON_FIELDS.contains(&f) => Frame::Field {
                        name: local.clone(),
                        text: String::new(),
                    },
                    (Some(Frame::Note(_)), f) if NOTE_FIELDS.contains(&f) => Frame::Field {
                        name: local.clone(),
                        text: String::new(),
                    },
                    (Some(Frame::Field { name, .. }), _) => {
                        return Err(bad(
                            line,
                            Some(&local),
                            format!("<{name}> holds text, not elements (nesting too deep)"),
                        ))
                    }
                    _ => {
                        return Err(bad(
                            line,
                            Some(&local),
                            "not a PFIF 1.4 element in this place".into(),
                        ))
                    }
                };
                stack.push(frame);
            }
            XmlEvent::Text(t) => {
                let content = t.xml10_content();
                match stack.last_mut() {
                    Some(Frame::Field { name, text }) => {
                        if text.len() + content.len() > MAX_FIELD_BYTES {
                            return Err(bad(
                                line,
                                Some(name),
                                format!("text longer than {} KiB", MAX_FIELD_BYTES / 1024),
                            ));
                        }
                        text.push_str(&content);
                    }
                    _ if content.trim().is_empty() => {}
                    _ => return Err(bad(line, None, "text outside a PFIF field".into())),
                }
            }
            XmlEvent::CData(t) => {
                let content = t.xml10_content();
                match stack.last_mut() {
                    Some(Frame::Field { name, text }) => {
                        if text.len() + content.len() > MAX_FIELD_BYTES {
                            return Err(bad(
                                line,
                                Some(name),
                                format!("text longer than {} KiB", MAX_FIELD_BYTES / 1024),
                            ));
                        }
                        text.push_str(&content);
                    }
                    _ => return Err(bad(line, None, "text outside a PFIF field".into())),
                }
            }
            XmlEvent::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .ok()
                        .flatten()
                        .ok_or_else(|| bad(line, None, "invalid character reference".into()))?
                } else {
                    let name = r.xml10_content();
                    match &*name {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => {
                            return Err(bad(
                                line,
                                None,
                                format!(
                                "entity '&{other};' is not accepted (only the five XML entities)"
                            ),
                            ))
                        }
                    }
                };
                match stack.last_mut() {
                    Some(Frame::Field { name, text }) => {
                        if text.len() + 4 > MAX_FIELD_BYTES {
                            return Err(bad(
                                line,
                                Some(name),
                                format!("text longer than {} KiB", MAX_FIELD_BYTES / 1024),
                            ));
                        }
                        text.push(c);
                    }
                    _ => return Err(bad(line, None, "text outside a PFIF field".into())),
                }
            }
            XmlEvent::End(_) => match stack.pop() {
                Some(Frame::Field { name, text: value }) => match stack.last_mut() {
                    Some(Frame::Person(p)) => p.fields.push((name, value.trim().to_owned())),
                    Some(Frame::Note(n)) => n.fields.push((name, value.trim().to_owned())),
                    _ => return Err(bad(line, Some(&name), "field outside a record".into())),
                },
                Some(Frame::Person(p)) => {
                    check_person(file, &p)?;
                    // Nested notes were pushed already; they carry their parent id.
                    doc.persons.push(p);
                }
                Some(Frame::Note(mut n)) => {
                    match (&n.parent, get(&n.fields, "person_record_id")) {
                        (Some(parent), None) => {
                            n.fields.push(("person_record_id".into(), parent.clone()));
                        }
                        (Some(parent), Some(own)) if own != parent => {
                            return Err(bad(
                                n.line,
                                Some("note"),
                                format!("a note nested in person '{parent}' names person '{own}'"),
                            ));
                        }
                        _ => {}
                    }
                    check_note(file, &n)?;
                    doc.notes.push(n);
                }
                Some(Frame::Root) | None => {}
            },
            XmlEvent::Eof => break,
            XmlEvent::Decl(_) | XmlEvent::Comment(_) | XmlEvent::PI(_) | XmlEvent::Empty(_) => {}
        }
    }
    if !seen_root {
        return Err(bad(1, None, "no <pfif:pfif> root element".into()));
    }
    if !stack.is_empty() {
        return Err(bad(
            line_of(text, text.len() as u64),
            None,
            "the document ends inside an element".into(),
        ));
    }
    if doc.persons.is_empty() && doc.notes.is_empty() {
        return Err(bad(1, Some("pfif"), "no person or note records".into()));
    }
    Ok(doc)
}

fn require(
    file: &str,
    line: usize,
    kind: &str,
    fields: &[(String, String)],
    names: &[&str],
) -> Result<(), PfifError> {
    for n in names {
        if get(fields, n).is_none() {
            return Err(PfifError::Bad {
                file: file.to_owned(),
                line,
                element: Some(kind.to_owned()),
                reason: format!("required field <{n}> is missing or empty"),
            });
        }
    }
    Ok(())
}

/// Whether `id` is a PFIF record id: a domain name (RFC 1034: labels of letters, digits and
/// hyphens that start with a letter and end with a letter or digit, joined by dots, a final
/// dot allowed), a slash, and a local id of at least one character on one line.
pub fn is_record_id(id: &str) -> bool {
    let Some((domain, local)) = id.split_once('/') else {
        return false;
    };
    let label = |l: &str| {
        let b = l.as_bytes();
        (1..=63).contains(&b.len())
            && b[0].is_ascii_alphabetic()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    };
    domain
        .strip_suffix('.')
        .unwrap_or(domain)
        .split('.')
        .all(label)
        && !local.is_empty()
        && !local.contains(['\n', '\r'])
}

fn record_domain(id: &str) -> Option<&str> {
    id.split_once('/')
        .filter(|(d, rest)| !d.is_empty() && !rest.is_empty())
        .map(|(d, _)| d)
}

fn check_person(file: &str, p: &PfifPerson) -> Result<(), PfifError> {
    require(
        file,
        p.line,
        "person",
        &p.fields,
        &["person_record_id", "source_date", "full_name"],
    )?;
    let bad = |reason: String| PfifError::Bad {
        file: file.to_owned(),
        line: p.line,
        element: Some("person".into()),
        reason,
    };
    let id = get(&p.fields, "person_record_id").unwrap_or_default();
    if !is_record_id(id) {
        return Err(bad(format!(
            "person_record_id '{id}' is not of the form domain-name/local-id"
        )));
    }
    if let Some(s) = get(&p.fields, "sex") {
        if !["female", "male", "other"].contains(&s) {
            return Err(bad(format!("sex '{s}' is not female, male or other")));
        }
    }
    if let Some(d) = get(&p.fields, "date_of_birth") {
        d.parse::<PartialDate>()
            .map_err(|e| bad(format!("date_of_birth '{d}': {e}")))?;
    }
    for f in ["source_date", "entry_date", "expiry_date"] {
        if let Some(d) = get(&p.fields, f) {
            check_datetime(d).map_err(|r| bad(format!("{f} '{d}': {r}")))?;
        }
    }
    Ok(())
}

fn check_note(file: &str, n: &PfifNote) -> Result<(), PfifError> {
    require(
        file,
        n.line,
        "note",
        &n.fields,
        &[
            "note_record_id",
            "person_record_id",
            "author_name",
            "source_date",
            "text",
        ],
    )?;
    let bad = |reason: String| PfifError::Bad {
        file: file.to_owned(),
        line: n.line,
        element: Some("note".into()),
        reason,
    };
    for f in [
        "note_record_id",
        "person_record_id",
        "linked_person_record_id",
    ] {
        if let Some(id) = get(&n.fields, f) {
            if !is_record_id(id) {
                return Err(bad(format!(
                    "{f} '{id}' is not of the form domain-name/local-id"
                )));
            }
        }
    }
    if let Some(s) = get(&n.fields, "status") {
        if !NOTE_STATUSES.contains(&s) {
            return Err(bad(format!(
                "status '{s}' is not one of {}",
                NOTE_STATUSES.join(", ")
            )));
        }
    }
    for f in ["source_date", "entry_date"] {
        if let Some(d) = get(&n.fields, f) {
            check_datetime(d).map_err(|r| bad(format!("{f} '{d}': {r}")))?;
        }
    }
    Ok(())
}

/// Checks a PFIF UTC date-time (`yyyy-mm-ddThh:mm:ssZ`).
fn check_datetime(s: &str) -> Result<(), String> {
    let (date, time) = s
        .split_once('T')
        .ok_or_else(|| "expected yyyy-mm-ddThh:mm:ssZ".to_owned())?;
    let d: PartialDate = date.parse().map_err(|e| format!("{e}"))?;
    if d.day_part().is_none() {
        return Err("expected a full date".into());
    }
    let t = time
        .strip_suffix('Z')
        .ok_or_else(|| "expected UTC (ending in Z)".to_owned())?;
    let parts: Vec<&str> = t.split(':').collect();
    let ok = parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0] < "24"
        && parts[1] < "60"
        && parts[2] < "61";
    if ok {
        Ok(())
    } else {
        Err("expected hh:mm:ss".into())
    }
}

/// What a PFIF import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PfifImportReport {
    /// Person records imported.
    pub persons: usize,
    /// Note records read.
    pub notes: usize,
    /// Sources (home repositories) the records went into.
    pub sources: Vec<String>,
    /// Whether everything was already imported (nothing changed).
    pub already_imported: bool,
}

fn to_fields(p: &PfifPerson) -> StandardFields {
    let mut f = StandardFields::default();
    let mut set = |field: Field, v: Option<&str>| {
        if let Some(v) = v {
            // Values were validated above; an odd one is kept in the original row only.
            let _ = f.set(field, v);
        }
    };
    set(Field::RecordId, get(&p.fields, "person_record_id"));
    set(Field::FullName, get(&p.fields, "full_name"));
    set(Field::GivenName, get(&p.fields, "given_name"));
    set(Field::FamilyName, get(&p.fields, "family_name"));
    set(
        Field::Sex,
        get(&p.fields, "sex").map(|s| if s == "other" { "unknown" } else { s }),
    );
    set(Field::BirthDate, get(&p.fields, "date_of_birth"));
    set(Field::Residence, get(&p.fields, "home_city"));
    set(Field::Notes, get(&p.fields, "description"));
    f
}

/// What every batch of one PFIF file shares.
struct BatchContext<'a> {
    existing: &'a BTreeMap<String, Source>,
    sha: &'a str,
    file: &'a str,
    imported_at: &'a str,
}

impl BatchContext<'_> {
    /// The batch of a home repository, created on first use; returns its key.
    fn batch_for(
        &self,
        batches: &mut BTreeMap<String, ImportBatch>,
        domain: &str,
        rng: &mut (dyn RngCore + Send),
    ) -> String {
        let name = format!("{SOURCE_PREFIX}{domain}");
        batches.entry(name.clone()).or_insert_with(|| ImportBatch {
            source: self.existing.get(&name).cloned().unwrap_or_else(|| Source {
                id: Id::generate(IdKind::Source, rng),
                name: name.clone(),
                description: Some(format!("PFIF home repository {domain}")),
            }),
            file_sha256: self.sha.to_owned(),
            file_name: self.file.to_owned(),
            records: Vec::new(),
            persons: Vec::new(),
            names: homeward_store::NameIndexRows::default(),
            imported_at: self.imported_at.to_owned(),
        });
        name
    }
}

/// Imports a PFIF file: one source per home repository (the domain of the record ids), each
/// record keeping its PFIF id; notes attached to their persons. All in one transaction.
pub async fn import(
    store: &dyn Store,
    file: &str,
    bytes: &[u8],
    rng: &mut (dyn RngCore + Send),
    imported_at: &str,
) -> Result<PfifImportReport, PfifError> {
    let doc = parse(file, bytes)?;
    let sha = crate::import::hex(&Sha256::digest(bytes));
    let existing: BTreeMap<String, Source> = store
        .sources()
        .await?
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect();
    let mut batches: BTreeMap<String, ImportBatch> = BTreeMap::new();
    let ctx = BatchContext {
        existing: &existing,
        sha: &sha,
        file,
        imported_at,
    };
    let mut person_of: BTreeMap<String, Id> = BTreeMap::new();
    for (i, p) in doc.persons.iter().enumerate() {
        let pid_text = get(&p.fields, "person_record_id")
            .unwrap_or_default()
            .to_owned();
        let domain = record_domain(&pid_text).unwrap_or(HOME_DOMAIN).to_owned();
        let key = ctx.batch_for(&mut batches, &domain, rng);
        if person_of.contains_key(&pid_text) {
            return Err(PfifError::Bad {
                file: file.to_owned(),
                line: p.line,
                element: Some("person".into()),
                reason: format!("person_record_id '{pid_text}' appears twice"),
            });
        }
        let fields = to_fields(p);
        let name = fields.display_name().unwrap_or_default();
        let (person_id, new) = match store.person_by_record_id(&pid_text).await? {
            Some(id) => (id, false),
            None => (Id::generate(IdKind::Person, rng), true),
        };
        person_of.insert(pid_text.clone(), person_id.clone());
        let Some(b) = batches.get_mut(&key) else {
            continue;
        };
        if new {
            b.persons.push(Person {
                id: person_id.clone(),
                display_name: name.clone(),
                reviewed: false,
            });
            let tokens = homeward_names::index_tokens(&name);
            b.names
                .vocabulary
                .extend(tokens.iter().cloned().map(crate::import::vocabulary_entry));
            b.names.person_tokens.push((person_id.clone(), tokens));
        }
        b.records.push(Record {
            id: Id::generate(IdKind::Record, rng),
            source_id: b.source.id.clone(),
            person_id,
            row_number: i as u64 + 1,
            fields,
            original: p.fields.clone(),
        });
    }
    let mut notes = Vec::new();
    for n in &doc.notes {
        let note_id = get(&n.fields, "note_record_id")
            .unwrap_or_default()
            .to_owned();
        let about = get(&n.fields, "person_record_id")
            .unwrap_or_default()
            .to_owned();
        let person_id = match person_of.get(&about) {
            Some(p) => p.clone(),
            None => store
                .person_by_record_id(&about)
                .await?
                .ok_or_else(|| PfifError::Bad {
                    file: file.to_owned(),
                    line: n.line,
                    element: Some("note".into()),
                    reason: format!(
                        "person_record_id '{about}' is neither in this file nor in the registry"
                    ),
                })?,
        };
        let domain = record_domain(&note_id).unwrap_or(HOME_DOMAIN).to_owned();
        let key = ctx.batch_for(&mut batches, &domain, rng);
        let source_id = batches
            .get(&key)
            .map(|b| b.source.id.clone())
            .ok_or_else(|| StoreError::Query("PFIF source vanished".into()))?;
        let source_date = get(&n.fields, "source_date").unwrap_or_default().to_owned();
        notes.push(Note {
            id: Id::generate(IdKind::Note, rng),
            person_id,
            source_id,
            note_record_id: note_id,
            person_record_id: about,
            entry_date: get(&n.fields, "entry_date")
                .map_or_else(|| source_date.clone(), str::to_owned),
            source_date,
            author_name: get(&n.fields, "author_name").unwrap_or_default().to_owned(),
            status: get(&n.fields, "status").map(str::to_owned),
            last_known_location: get(&n.fields, "last_known_location").map(str::to_owned),
            text: get(&n.fields, "text").unwrap_or_default().to_owned(),
        });
    }
    let sources: Vec<String> = batches.keys().cloned().collect();
    let persons = doc.persons.len();
    let note_count = notes.len();
    let outcomes = store
        .import_pfif(PfifBatch {
            batches: batches.into_values().collect(),
            notes,
        })
        .await?;
    Ok(PfifImportReport {
        persons,
        notes: note_count,
        sources,
        already_imported: outcomes
            .iter()
            .all(|o| matches!(o, ImportOutcome::AlreadyImported { .. })),
    })
}

/// What an export leaves out. By default it withholds everything a family, an impostor or
/// a third party could use to locate or single out a person beyond their name: places of
/// detention, last known locations, residence, free-text descriptions; health findings,
/// enquirer contacts and unconfirmed death claims are never exported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportPolicy {
    /// Include dates of birth.
    pub birth_dates: bool,
    /// Include residence (home_city) and notes' last known location.
    pub locations: bool,
    /// Include the records' free-text notes (description).
    pub descriptions: bool,
}

/// How a timeline event reads as a PFIF note status (see docs/pfif.md).
pub fn note_status(kind: homeward_domain::EventKind) -> &'static str {
    use homeward_domain::EventKind as K;
    match kind {
        K::DeathInCustody | K::RemainsHandedOver => "believed_dead",
        _ => "believed_alive",
    }
}

/// How a record status reads as a PFIF note status (see docs/pfif.md).
pub fn status_note(s: Status) -> Option<&'static str> {
    match s {
        Status::Missing => Some("believed_missing"),
        Status::Detained | Status::Released | Status::Repatriated => Some("believed_alive"),
        // Deaths are told only through confirmed events; unknown says nothing.
        Status::Deceased | Status::Unknown => None,
    }
}

fn esc(s: &str) -> String {
    // Characters XML 1.0 cannot carry at all are dropped rather than written.
    let clean: String = s
        .chars()
        .filter(|c| matches!(*c, '\t' | '\n' | '\r') || *c >= ' ')
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

fn element(out: &mut String, indent: &str, name: &str, value: &str) {
    let _ = writeln!(out, "{indent}<pfif:{name}>{}</pfif:{name}>", esc(value));
}

fn day_time(d: &PartialDate) -> String {
    let day = PartialDate::from_day_number(d.earliest_day())
        .map(|x| x.to_string())
        .unwrap_or_else(|_| d.to_string());
    format!("{day}T00:00:00Z")
}

/// Writes the registry as a PFIF 1.4 document: one person per registry person, notes for
/// the notes held and for the status changes of the timeline (confirmed view only). A
/// person whose PFIF record has expired (its `expiry_date` is not after `exported_at`) is
/// left out; an export with no person at all is refused, as PFIF has no empty document.
/// `exported_at` must be a PFIF date-time (`yyyy-mm-ddThh:mm:ssZ`).
pub async fn export(
    store: &dyn Store,
    policy: ExportPolicy,
    exported_at: &str,
) -> Result<String, StoreError> {
    if let Err(e) = check_datetime(exported_at) {
        return Err(StoreError::Query(format!(
            "export time '{exported_at}' is not a PFIF date-time: {e}"
        )));
    }
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<pfif:pfif xmlns:pfif=\"{PFIF_NS}\">");
    let sources: BTreeMap<Id, String> = store
        .sources()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut written = 0usize;
    for (pid, display) in store.all_person_names().await? {
        let records = store.records_of(&pid).await?;
        // A person that came from PFIF keeps the id its home repository gave it.
        let pfif_record = records.iter().find(|r| {
            sources
                .get(&r.source_id)
                .is_some_and(|s| s.starts_with(SOURCE_PREFIX))
                && r.fields.record_id.as_deref().is_some_and(is_record_id)
        });
        // The home repository's expiry travels with the record; past it, the record is
        // left out (PFIF allows only a placeholder without personal data after expiry).
        let expiry = pfif_record.and_then(|r| {
            r.original
                .iter()
                .find(|(k, v)| k == "expiry_date" && check_datetime(v.trim()).is_ok())
                .map(|(_, v)| v.trim().to_owned())
        });
        if expiry.as_deref().is_some_and(|e| e <= exported_at) {
            continue;
        }
        written += 1;
        let record_id = pfif_record
            .and_then(|r| r.fields.record_id.clone())
            .unwrap_or_else(|| format!("{HOME_DOMAIN}/{pid}"));
        let first = |f: Field| records.iter().find_map(|r| r.fields.get(f));
        let i = "    ";
        out.push_str("  <pfif:person>\n");
        element(&mut out, i, "person_record_id", &record_id);
        element(&mut out, i, "entry_date", exported_at);
        if let Some(e) = &expiry {
            element(&mut out, i, "expiry_date", e);
        }
        element(&mut out, i, "author_name", "Homeward");
        let source_name = pfif_record
            .and_then(|r| sources.get(&r.source_id))
            .map_or(HOME_DOMAIN, |s| s.trim_start_matches(SOURCE_PREFIX));
        element(&mut out, i, "source_name", source_name);
        element(&mut out, i, "source_date", exported_at);
        let full = first(Field::FullName).unwrap_or_else(|| display.clone());
        element(&mut out, i, "full_name", &full);
        if let Some(g) = first(Field::GivenName) {
            element(&mut out, i, "given_name", &g);
        }
        if let Some(f) = first(Field::FamilyName) {
            element(&mut out, i, "family_name", &f);
        }
        if policy.descriptions {
            if let Some(n) = first(Field::Notes) {
                element(&mut out, i, "description", &n);
            }
        }
        if let Some(s) = records.iter().find_map(|r| r.fields.sex) {
            element(
                &mut out,
                i,
                "sex",
                match s {
                    Sex::Female => "female",
                    Sex::Male => "male",
                    Sex::Unknown => "other",
                },
            );
        }
        if policy.birth_dates {
            if let Some(b) = first(Field::BirthDate) {
                element(&mut out, i, "date_of_birth", &b);
            }
        }
        if policy.locations {
            if let Some(r) = first(Field::Residence) {
                element(&mut out, i, "home_city", &r);
            }
        }

        let mut notes: Vec<(String, String)> = Vec::new();
        for n in store.notes_of(&pid).await? {
            let mut s = String::new();
            let j = "      ";
            s.push_str("    <pfif:note>\n");
            element(&mut s, j, "note_record_id", &n.note_record_id);
            element(&mut s, j, "person_record_id", &record_id);
            element(&mut s, j, "entry_date", &n.entry_date);
            element(&mut s, j, "author_name", &n.author_name);
            element(&mut s, j, "source_date", &n.source_date);
            if let Some(st) = &n.status {
                element(&mut s, j, "status", st);
            }
            if policy.locations {
                if let Some(l) = &n.last_known_location {
                    element(&mut s, j, "last_known_location", l);
                }
            }
            element(&mut s, j, "text", &n.text);
            s.push_str("    </pfif:note>\n");
            notes.push((n.note_record_id.clone(), s));
        }
        for e in confirmed_view(store, &pid).await? {
            // Events are exported once: not again after a PFIF round trip brought them back
            // as notes.
            let note_id = format!("{HOME_DOMAIN}/{}", e.id);
            if notes.iter().any(|(id, _)| *id == note_id) {
                continue;
            }
            let mut s = String::new();
            let j = "      ";
            s.push_str("    <pfif:note>\n");
            element(&mut s, j, "note_record_id", &note_id);
            element(&mut s, j, "person_record_id", &record_id);
            element(&mut s, j, "entry_date", exported_at);
            element(&mut s, j, "author_name", "Homeward");
            element(&mut s, j, "source_date", &day_time(&e.date));
            element(&mut s, j, "status", note_status(e.kind));
            let mut text = format!("{} ({})", e.kind.as_str().replace('_', " "), e.date);
            if is_death_claim(e.kind) {
                text.push_str(", confirmed by a caseworker");
            }
            if e.contests.is_some() {
                text.push_str(", disputing an earlier report");
            }
            element(&mut s, j, "text", &text);
            s.push_str("    </pfif:note>\n");
            notes.push((note_id, s));
        }
        // Notes go inside their person, after its fields, as the schema orders them.
        for (_, s) in notes {
            out.push_str(&s);
        }
        out.push_str("  </pfif:person>\n");
    }
    if written == 0 {
        // PFIF has no empty document: the root holds at least one record.
        return Err(StoreError::NotFound(
            "no person to export (a PFIF document holds at least one record)".into(),
        ));
    }
    out.push_str("</pfif:pfif>\n");
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
  <pfif:person>
    <pfif:person_record_id>example.org/p1</pfif:person_record_id>
    <pfif:source_date>2024-01-02T03:04:05Z</pfif:source_date>
    <pfif:full_name>Anna &amp; Testyan</pfif:full_name>
    <pfif:sex>female</pfif:sex>
    <pfif:note>
      <pfif:note_record_id>example.org/n1</pfif:note_record_id>
      <pfif:author_name>Tester</pfif:author_name>
      <pfif:source_date>2024-01-03T00:00:00Z</pfif:source_date>
      <pfif:status>believed_alive</pfif:status>
      <pfif:text>Seen &#x41;live</pfif:text>
    </pfif:note>
  </pfif:person>
</pfif:pfif>
"#;

    #[test]
    fn reads_persons_and_nested_notes() {
        assert!(is_pfif(GOOD.as_bytes()));
        let d = parse("t.xml", GOOD.as_bytes()).unwrap();
        assert_eq!(d.persons.len(), 1);
        assert_eq!(
            get(&d.persons[0].fields, "full_name"),
            Some("Anna & Testyan")
        );
        assert_eq!(d.notes.len(), 1);
        assert_eq!(
            get(&d.notes[0].fields, "person_record_id"),
            Some("example.org/p1")
        );
        assert_eq!(get(&d.notes[0].fields, "text"), Some("Seen Alive"));
    }

    fn err(text: &str) -> String {
        parse("bad.xml", text.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn refuses_hostile_and_incomplete_documents() {
        let e = err(&GOOD.replace("pfif/1.4", "pfif/1.3"));
        assert!(
            e.contains("bad.xml: line 2") && e.contains("not PFIF 1.4"),
            "{e}"
        );
        let bomb = GOOD.replace(
            "<pfif:pfif",
            "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<pfif:pfif",
        );
        assert!(err(&bomb).contains("DOCTYPE"), "{}", err(&bomb));
        let entity = GOOD.replace("&amp;", "&lol;");
        assert!(err(&entity).contains("entity '&lol;'"));
        let huge = GOOD.replace("Tester", &"x".repeat(MAX_FIELD_BYTES + 1));
        let e = err(&huge);
        assert!(e.contains("author_name") && e.contains("longer"), "{e}");
        let missing = GOOD.replace("<pfif:full_name>Anna &amp; Testyan</pfif:full_name>", "");
        let e = err(&missing);
        assert!(e.contains("line 3") && e.contains("<full_name>"), "{e}");
        let deep = GOOD.replace(
            "<pfif:sex>female</pfif:sex>",
            "<pfif:sex><pfif:sex><pfif:sex>x</pfif:sex></pfif:sex></pfif:sex>",
        );
        assert!(err(&deep).contains("nesting too deep"));
        let foreign = GOOD.replace(
            "<pfif:sex>female</pfif:sex>",
            "<x:evil xmlns:x=\"urn:evil\">1</x:evil>",
        );
        assert!(err(&foreign).contains("urn:evil"));
        assert!(
            err("<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\"><pfif:person>")
                .contains("ends inside")
        );
        assert!(err(&GOOD.replace("believed_alive", "fine")).contains("status 'fine'"));
    }

    #[test]
    fn record_ids_are_a_domain_name_a_slash_and_a_local_id() {
        for ok in [
            "example.org/p1",
            "homeward.local/x y",
            "a/1",
            "ex-1.org./p/2",
        ] {
            assert!(is_record_id(ok), "{ok}");
        }
        for bad in [
            "p1",
            "example.org/",
            "/p1",
            "example_org/p1",
            "1example.org/p1",
            "example-.org/p1",
            "example..org/p1",
            "example.org/a\nb",
        ] {
            assert!(!is_record_id(bad), "{bad}");
        }
    }

    #[test]
    fn datetimes_are_checked() {
        assert!(check_datetime("2024-01-02T03:04:05Z").is_ok());
        assert!(check_datetime("2024-01-02").is_err());
        assert!(check_datetime("2024-01-02T25:04:05Z").is_err());
        assert!(check_datetime("2024-02-30T00:00:00Z").is_err());
    }
}
