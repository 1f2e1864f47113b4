//! An independent check of a PFIF 1.4 document against the rules of the PFIF maintainers'
//! validator (Google Person Finder, `tools/pfif-tools/app/pfif_validator.py`), carried over
//! to the PFIF 1.4 field names (`given_name`, `family_name`, `description`,
//! `author_made_contact`, `alternate_names`, `profile_urls`, note `photo_url`).
//!
//! Written from the list of rules in docs/pfif.md, not from Homeward's importer: it shares
//! no code with `homeward_app::pfif`, so a mistake there is not repeated here. Every rule
//! has a name ([`Rule`]); [`check`] returns every violation found, errors and warnings.

use std::collections::{BTreeMap, BTreeSet};

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

pub const NS: &str = "http://zesty.ca/pfif/1.4";

/// PFIF 1.4 person fields, in the order the specification lists them.
pub const PERSON_FIELDS: &[&str] = &[
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

/// PFIF 1.4 note fields, in the order the specification lists them.
pub const NOTE_FIELDS: &[&str] = &[
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

/// Fields an expired person may still carry (the placeholder).
const PLACEHOLDER_FIELDS: &[&str] = &[
    "person_record_id",
    "entry_date",
    "expiry_date",
    "source_date",
];

/// The rules, one name each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// Well-formed XML whose root is `pfif` in the PFIF 1.4 namespace.
    Root,
    /// The root holds at least one record, and only `person` and `note` elements.
    RootChildren,
    /// Only PFIF 1.4 fields (and, in a person, notes), in the PFIF namespace, holding text.
    KnownField,
    /// No field twice in one record.
    DuplicateField,
    /// Fields in the specification's order, notes after the person's fields (Homeward's
    /// export promises this; the maintainers' validator asks it only up to PFIF 1.2).
    FieldOrder,
    /// person: person_record_id, source_date, full_name; note: note_record_id,
    /// author_name, source_date, text; a top-level note also person_record_id.
    Required,
    /// A field's text has the form the specification gives it.
    Format,
    /// No two persons with one person_record_id, no two notes with one note_record_id.
    UniqueId,
    /// A nested note's person_record_id, if given, is its person's.
    NoteBelongsToPerson,
    /// An expired person (a day past expiry_date) is a placeholder: no personal data, no
    /// notes with data, source_date = entry_date, made within a day of expiry.
    Expiry,
    /// A note linking person A to B has a counterpart linking B to A (a warning).
    LinkedRecords,
    /// A field is present but empty (a warning).
    EmptyField,
}

impl Rule {
    /// Whether the maintainers' validator reports this as a warning rather than an error.
    pub fn is_warning(self) -> bool {
        matches!(self, Rule::LinkedRecords | Rule::EmptyField)
    }
}

/// One violation: the rule, the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    pub line: usize,
    pub what: String,
}

#[derive(Debug, Default)]
struct Element {
    ns: Option<String>,
    name: String,
    line: usize,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn field(&self, name: &str) -> Option<&str> {
        self.children
            .iter()
            .find(|c| c.name == name && c.children.is_empty())
            .map(|c| c.text.as_str())
    }
}

fn parse(xml: &str) -> Result<Element, String> {
    let mut r = NsReader::from_str(xml);
    r.config_mut().expand_empty_elements = true;
    r.config_mut().check_end_names = true;
    let line_at = |pos: u64| {
        let end = usize::try_from(pos).unwrap_or(usize::MAX).min(xml.len());
        xml.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let line = line_at(r.buffer_position());
        let (ns, ev) = r.read_resolved_event().map_err(|e| e.to_string())?;
        match ev {
            Event::Start(e) => stack.push(Element {
                ns: match ns {
                    ResolveResult::Bound(n) => Some(n.into_inner().to_owned()),
                    _ => None,
                },
                name: e.local_name().into_inner().to_owned(),
                line,
                ..Element::default()
            }),
            Event::End(_) => {
                let done = stack.pop().ok_or("unbalanced end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(g) => {
                let c = if g.is_char_ref() {
                    g.resolve_char_ref()
                        .ok()
                        .flatten()
                        .ok_or("bad character reference")?
                } else {
                    match &*g.xml10_content() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(format!("undefined entity &{other};")),
                    }
                };
                if let Some(el) = stack.last_mut() {
                    el.text.push(c);
                }
            }
            Event::DocType(_) => return Err("a DOCTYPE".into()),
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| "no root element".into())
}

// ---- formats -------------------------------------------------------------------------

fn is_domain_label(l: &str) -> bool {
    let b = l.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// `domain/local-id`: an RFC 1034 domain name (labels start with a letter, end with a
/// letter or digit, letters, digits and hyphens between; a final dot allowed), a slash, and
/// a local id of at least one character on one line.
pub fn is_record_id(s: &str) -> bool {
    let Some((domain, local)) = s.split_once('/') else {
        return false;
    };
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    domain.split('.').all(is_domain_label) && !local.is_empty() && !local.contains(['\n', '\r'])
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, a real date; returns (y, m, d) with missing parts 1.
fn calendar_date(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.split('-');
    let y = digits(it.next()?, 4)?;
    let m = match it.next() {
        Some(m) => digits(m, 2).filter(|m| (1..=12).contains(m))?,
        None => return Some((y, 1, 1)),
    };
    let d = match it.next() {
        Some(d) => digits(d, 2).filter(|d| *d >= 1 && *d <= days_in_month(y, m))?,
        None => return Some((y, m, 1)),
    };
    it.next().is_none().then_some((y, m, d))
}

/// Seconds since 0000-03-01 of a PFIF date-time `yyyy-mm-ddThh:mm:ssZ` (UTC, no fraction,
/// no offset), or `None` when it is not one.
pub fn utc_seconds(s: &str) -> Option<i64> {
    let (date, time) = s.split_once('T')?;
    if date.len() != 10 {
        return None;
    }
    let (y, m, d) = calendar_date(date)?;
    let mut hms = time.strip_suffix('Z')?.split(':');
    let h = digits(hms.next()?, 2).filter(|h| *h < 24)?;
    let mi = digits(hms.next()?, 2).filter(|m| *m < 60)?;
    let se = digits(hms.next()?, 2).filter(|s| *s < 61)?;
    if hms.next().is_some() {
        return None;
    }
    // Days from a fixed epoch (civil calendar, March-based year).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let days = i64::from(365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 1);
    Some(days * 86_400 + i64::from(h * 3600 + mi * 60 + se))
}

fn is_age(s: &str) -> bool {
    let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('-') {
        Some((a, b)) => ok(a) && ok(b),
        None => ok(s),
    }
}

fn is_email(s: &str) -> bool {
    s.split_once('@')
        .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
}

/// Digits with any of ` -.+()` around them, optionally an extension `#123` or `x123`.
fn is_phone(s: &str) -> bool {
    let (main, ext) = match s.rfind(['#', 'x']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    main.bytes().any(|b| b.is_ascii_digit())
        && main
            .bytes()
            .all(|b| b.is_ascii_digit() || b" -.+()".contains(&b))
        && ext.map_or(true, |e| {
            !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
        })
}

/// An http or https URL with a host.
fn is_web_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.contains(char::is_whitespace)
    })
}

fn upper(s: &str, lo: usize, hi: usize, digits_too: bool) -> bool {
    (lo..=hi).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || (digits_too && b.is_ascii_digit()))
}

/// What a field's text must look like, by record kind and field name; `None` when any text
/// will do.
fn format_ok(kind: &str, field: &str, v: &str) -> Option<bool> {
    Some(match field {
        "person_record_id" | "note_record_id" | "linked_person_record_id" => is_record_id(v),
        "entry_date" | "expiry_date" | "source_date" => utc_seconds(v).is_some(),
        "author_email" | "email_of_found_person" => is_email(v),
        "author_phone" | "phone_of_found_person" => is_phone(v),
        "source_url" | "photo_url" => is_web_url(v),
        "sex" => ["female", "male", "other"].contains(&v),
        "date_of_birth" => calendar_date(v).is_some(),
        "age" => is_age(v),
        "home_country" => upper(v, 2, 2, false),
        "home_state" => match v.split_once('-') {
            Some((c, s)) => upper(c, 2, 2, false) && upper(s, 1, 3, true),
            None => upper(v, 1, 3, true),
        },
        "author_made_contact" if kind == "note" => ["true", "false"].contains(&v),
        "status" if kind == "note" => [
            "information_sought",
            "is_note_author",
            "believed_alive",
            "believed_missing",
            "believed_dead",
        ]
        .contains(&v),
        _ => return None,
    })
}

// ---- the check ------------------------------------------------------------------------

struct Checker {
    out: Vec<Violation>,
    now: Option<i64>,
}

fn unique_note<'d>(ch: &mut Checker, seen: &mut BTreeMap<&'d str, usize>, n: &'d Element) {
    if let Some(id) = n.field("note_record_id") {
        if let Some(first) = seen.insert(id, n.line) {
            ch.flag(
                Rule::UniqueId,
                n.line,
                format!("note_record_id '{id}' also at line {first}"),
            );
        }
    }
}

impl Checker {
    fn flag(&mut self, rule: Rule, line: usize, what: impl Into<String>) {
        self.out.push(Violation {
            rule,
            line,
            what: what.into(),
        });
    }

    /// Fields of one record: known, once, in order, non-empty, well-formed.
    fn fields(&mut self, kind: &str, rec: &Element) {
        let order = if kind == "person" {
            PERSON_FIELDS
        } else {
            NOTE_FIELDS
        };
        let mut seen = BTreeSet::new();
        let mut last = 0usize;
        let mut after_notes = false;
        for c in &rec.children {
            if c.ns.as_deref() != Some(NS) {
                self.flag(
                    Rule::KnownField,
                    c.line,
                    format!("<{}> is not in the PFIF 1.4 namespace", c.name),
                );
                continue;
            }
            if kind == "person" && c.name == "note" {
                after_notes = true;
                continue;
            }
            let Some(pos) = order.iter().position(|f| *f == c.name) else {
                self.flag(
                    Rule::KnownField,
                    c.line,
                    format!("<{}> is not a PFIF 1.4 {kind} field", c.name),
                );
                continue;
            };
            if !c.children.is_empty() {
                self.flag(
                    Rule::KnownField,
                    c.line,
                    format!("<{}> holds elements", c.name),
                );
            }
            if !seen.insert(c.name.as_str()) {
                self.flag(Rule::DuplicateField, c.line, format!("<{}> twice", c.name));
            }
            if after_notes || pos < last {
                self.flag(
                    Rule::FieldOrder,
                    c.line,
                    format!("<{}> out of order in <{kind}>", c.name),
                );
            }
            last = last.max(pos);
            let v = c.text.as_str();
            if v.is_empty() {
                self.flag(Rule::EmptyField, c.line, format!("<{}> is empty", c.name));
            } else if format_ok(kind, &c.name, v) == Some(false) {
                self.flag(Rule::Format, c.line, format!("<{}> '{v}'", c.name));
            }
        }
    }

    fn required(&mut self, kind: &str, rec: &Element, names: &[&str]) {
        for n in names {
            if rec.field(n).is_none() {
                self.flag(Rule::Required, rec.line, format!("<{kind}> lacks <{n}>"));
            }
        }
    }

    /// The line of the first field with data beyond the placeholder fields, looking into
    /// nested notes too.
    fn has_data(rec: &Element) -> Option<usize> {
        rec.children.iter().find_map(|c| {
            if c.name == "note" {
                Self::has_data(c)
            } else {
                (!PLACEHOLDER_FIELDS.contains(&c.name.as_str()) && !c.text.trim().is_empty())
                    .then_some(c.line)
            }
        })
    }
}

/// Checks a PFIF 1.4 document; `now` (a PFIF date-time) is when it is read, for the expiry
/// rule. Returns every violation, errors and warnings, in document order per rule.
pub fn check(xml: &str, now: &str) -> Vec<Violation> {
    let mut ch = Checker {
        out: Vec::new(),
        now: utc_seconds(now),
    };
    let root = match parse(xml) {
        Ok(r) => r,
        Err(e) => {
            ch.flag(Rule::Root, 1, format!("not well-formed XML: {e}"));
            return ch.out;
        }
    };
    if root.name != "pfif" || root.ns.as_deref() != Some(NS) {
        ch.flag(
            Rule::Root,
            root.line,
            format!("root <{}> in {:?}, not <pfif> in {NS}", root.name, root.ns),
        );
        return ch.out;
    }
    if root.children.is_empty() {
        ch.flag(Rule::RootChildren, root.line, "the root holds no records");
    }
    let mut persons = Vec::new();
    let mut top_notes = Vec::new();
    for c in &root.children {
        match (c.ns.as_deref() == Some(NS), c.name.as_str()) {
            (true, "person") => persons.push(c),
            (true, "note") => top_notes.push(c),
            _ => ch.flag(
                Rule::RootChildren,
                c.line,
                format!("<{}> is not a person or a note", c.name),
            ),
        }
    }

    let mut person_ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut note_ids: BTreeMap<&str, usize> = BTreeMap::new();
    // person_record_id -> the ids its notes link to
    let mut links: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for p in &persons {
        ch.fields("person", p);
        ch.required(
            "person",
            p,
            &["person_record_id", "source_date", "full_name"],
        );
        let pid = p.field("person_record_id");
        if let Some(id) = pid {
            if let Some(first) = person_ids.insert(id, p.line) {
                ch.flag(
                    Rule::UniqueId,
                    p.line,
                    format!("person_record_id '{id}' also at line {first}"),
                );
            }
        }
        for n in p.children.iter().filter(|c| c.name == "note") {
            ch.fields("note", n);
            ch.required(
                "note",
                n,
                &["note_record_id", "author_name", "source_date", "text"],
            );
            unique_note(&mut ch, &mut note_ids, n);
            if let (Some(own), Some(theirs)) = (pid, n.field("person_record_id")) {
                if own != theirs {
                    ch.flag(
                        Rule::NoteBelongsToPerson,
                        n.line,
                        format!("note in person '{own}' names person '{theirs}'"),
                    );
                }
            }
            if let (Some(a), Some(b)) = (pid, n.field("linked_person_record_id")) {
                links.entry(a).or_default().push((b, n.line));
            }
        }
    }
    for n in &top_notes {
        ch.fields("note", n);
        ch.required(
            "note",
            n,
            &[
                "note_record_id",
                "person_record_id",
                "author_name",
                "source_date",
                "text",
            ],
        );
        unique_note(&mut ch, &mut note_ids, n);
        if let (Some(a), Some(b)) = (
            n.field("person_record_id"),
            n.field("linked_person_record_id"),
        ) {
            links.entry(a).or_default().push((b, n.line));
        }
    }

    for (a, targets) in &links {
        for (b, line) in targets {
            let back = links.get(b).is_some_and(|t| t.iter().any(|(x, _)| x == a));
            if !back {
                ch.flag(
                    Rule::LinkedRecords,
                    *line,
                    format!("'{a}' links to '{b}', which does not link back"),
                );
            }
        }
    }

    // Expiry: a day's grace after expiry_date, then only a placeholder may remain.
    if let Some(now) = ch.now {
        for p in &persons {
            let Some(expiry) = p.field("expiry_date").and_then(utc_seconds) else {
                continue;
            };
            let deadline = expiry + 86_400;
            if deadline >= now {
                continue;
            }
            let pid = p.field("person_record_id").unwrap_or_default();
            if let Some(line) = Checker::has_data(p) {
                ch.flag(
                    Rule::Expiry,
                    line,
                    format!("expired '{pid}' still has data"),
                );
            }
            let (src, entry) = (p.field("source_date"), p.field("entry_date"));
            if src.is_none() || src != entry {
                ch.flag(
                    Rule::Expiry,
                    p.line,
                    format!("expired '{pid}': source_date is not its entry_date"),
                );
            }
            if src.and_then(utc_seconds).is_some_and(|s| s > deadline) {
                ch.flag(
                    Rule::Expiry,
                    p.line,
                    format!("expired '{pid}': placeholder made more than a day after expiry"),
                );
            }
            for n in top_notes
                .iter()
                .filter(|n| n.field("person_record_id") == Some(pid))
            {
                if let Some(line) = Checker::has_data(n) {
                    ch.flag(
                        Rule::Expiry,
                        line,
                        format!("note on expired '{pid}' has data"),
                    );
                }
            }
        }
    }
    ch.out.sort_by_key(|v| (v.rule, v.line));
    ch.out
}
