//! The HTML pages: each handler calls one use case of homeward-app and renders one askama
//! template (auto-escaped) in the reader's language.

use askama::Template;
use axum::extract::{Form, Multipart, OriginalUri, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use homeward_app::import::{self, BadRow, ImportError, ImportRequest, Mapping};
use homeward_app::{browse, monitoring, reports};
use homeward_domain::{Field, Id, IdKind};
use homeward_store::{ImportOutcome, PersonFilter};
use serde::Deserialize;

use crate::error::{page_message, ErrorInfo};
use crate::i18n::{Lang, LANG_COOKIE};
use crate::uploads::clean_file_name;
use crate::{assets, charts, AppState, WebError};

/// What the layout needs on every page.
pub struct Chrome {
    /// The reader's language.
    pub l: Lang,
    /// The languages to switch to.
    pub langs: [Lang; 3],
    /// The asset version segment.
    pub asset: &'static str,
    /// This page's path and query, to come back to after switching language.
    pub path: String,
    /// The navigation entry to mark as current.
    pub nav: &'static str,
    /// The session's CSRF token, sent back with every state change (empty without a
    /// session).
    pub csrf: String,
    /// The signed-in account's name (empty when anonymous).
    pub user: String,
}

impl Chrome {
    pub(crate) fn new(l: Lang, uri: &axum::http::Uri, nav: &'static str) -> Chrome {
        Chrome {
            l,
            langs: Lang::ALL,
            asset: assets::VERSION.as_str(),
            path: uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            nav,
            csrf: String::new(),
            user: String::new(),
        }
        .for_viewer()
    }

    /// Fills in the session's CSRF token and the signed-in name.
    fn for_viewer(mut self) -> Chrome {
        let v = crate::session::current();
        self.csrf = v.csrf;
        self.user = v.username;
        self
    }

    /// Whether the reader may open `GET path` (to show only the links that lead somewhere).
    pub fn may(&self, path: &str) -> bool {
        crate::session::may_get(path)
    }
}

pub(crate) fn render(t: &impl Template) -> Result<Html<String>, WebError> {
    t.render()
        .map(Html)
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    message: String,
    request_id_line: String,
}

/// The body of an error page (used by the error middleware).
pub fn error_page(
    l: Lang,
    path: &str,
    status: StatusCode,
    info: &ErrorInfo,
    request_id: &str,
) -> String {
    let page = ErrorPage {
        c: Chrome {
            l,
            langs: Lang::ALL,
            asset: assets::VERSION.as_str(),
            path: path.to_owned(),
            nav: "",
            csrf: String::new(),
            user: String::new(),
        }
        .for_viewer(),
        message: page_message(l, status, info),
        request_id_line: l.ts("error-request-id", &[("id", request_id.to_owned())]),
    };
    page.render()
        .unwrap_or_else(|_| "<!DOCTYPE html><title>Error</title><p>Error</p>".to_owned())
}

/// The form of the language switcher.
#[derive(Debug, Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /lang`: remembers the language in a cookie and goes back to the page.
pub async fn set_lang(Form(f): Form<LangForm>) -> Result<Response, WebError> {
    let lang = Lang::from_tag(&f.lang)
        .ok_or_else(|| WebError::BadRequest(format!("unknown language {:?}", f.lang)))?;
    // Only paths of this site: an open redirect would let a link send readers elsewhere.
    let back = if f.back.starts_with('/') && !f.back.starts_with("//") && !f.back.contains('\\') {
        f.back
    } else {
        "/".to_owned()
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        lang.code()
    );
    let cookie = HeaderValue::from_str(&cookie).map_err(|e| WebError::Internal(e.to_string()))?;
    let mut r = Redirect::to(&back).into_response();
    r.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(r)
}

fn status_label(l: Lang, s: Option<homeward_domain::Status>) -> String {
    s.map_or_else(|| l.t("not-stated"), |s| l.t(&format!("status-{s}")))
}

fn category_label(l: Lang, c: Option<homeward_domain::Category>) -> String {
    c.map_or_else(|| l.t("not-stated"), |c| l.t(&format!("category-{c}")))
}

/// One overdue line of the dashboard.
pub struct OverdueRow {
    id: String,
    name: String,
    last_visit: String,
    days: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    c: Chrome,
    counts: Vec<(String, String)>,
    by_status: Vec<(String, String)>,
    by_category: Vec<(String, String)>,
    access_chart: String,
    access_rows: Vec<(String, String, String)>,
    threshold_line: String,
    /// Whether the reader may see who is overdue (names: caseworkers and administrators).
    show_overdue: bool,
    overdue: Vec<OverdueRow>,
    estimate: EstimateView,
}

/// The last estimate as the dashboard and reports page show it.
pub struct EstimateView {
    /// When, and from which lists, or why there is none.
    line: String,
    /// Why it could not be computed.
    refused: Option<String>,
    chart: String,
    /// method, estimate, interval.
    rows: Vec<(String, String, String)>,
    /// Reliability warnings, each once.
    warnings: Vec<String>,
}

/// The last estimate, in the reader's language.
fn estimate_view(s: &AppState, l: Lang) -> EstimateView {
    let Some(c) = crate::estimates::latest(s) else {
        return EstimateView {
            line: l.t("estimate-none"),
            refused: None,
            chart: String::new(),
            rows: Vec::new(),
            warnings: Vec::new(),
        };
    };
    let at = c.at.replace('T', " ").trim_end_matches('Z').to_owned();
    match c.result {
        Err(why) => EstimateView {
            line: l.ts("estimate-computed", &[("at", at)]),
            refused: Some(why),
            chart: String::new(),
            rows: Vec::new(),
            warnings: Vec::new(),
        },
        Ok(r) => {
            let n = |x: f64| l.num(x.round() as i64);
            let mut warnings: Vec<String> = Vec::new();
            for w in r.estimates.iter().flat_map(|e| e.warnings.iter()) {
                if !warnings.contains(w) {
                    warnings.push(w.clone());
                }
            }
            EstimateView {
                line: format!(
                    "{} {}",
                    l.ts("estimate-computed", &[("at", at)]),
                    l.ts(
                        "estimate-from",
                        &[
                            ("lists", l.num(r.table.lists.len() as i64)),
                            (
                                "persons",
                                l.num(i64::try_from(r.table.persons).unwrap_or(i64::MAX)),
                            ),
                            (
                                "pending",
                                l.num(i64::try_from(r.table.pending_review).unwrap_or(i64::MAX)),
                            ),
                        ],
                    )
                ),
                refused: None,
                chart: charts::estimate_chart(l, &r.estimates),
                rows: r
                    .estimates
                    .iter()
                    .map(|e| {
                        (
                            l.t(&format!("method-{}", e.method)),
                            n(e.estimate),
                            format!("{} – {} ({:.0}%)", n(e.lower), n(e.upper), e.level * 100.0),
                        )
                    })
                    .collect(),
                warnings,
            }
        }
    }
}

/// How many months the access chart covers.
const ACCESS_MONTHS: u32 = 12;
/// How many overdue persons the dashboard lists.
const OVERDUE_SHOWN: usize = 10;

/// `GET /`: counts, the access gap over time, the longest overdue.
pub async fn dashboard(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
) -> Result<Html<String>, WebError> {
    let store = s.store.as_ref();
    let today = s.today()?;
    let o = browse::overview(store).await?;
    let threshold = monitoring::DEFAULT_THRESHOLD_DAYS;
    let timeline = reports::access_timeline(store, today, ACCESS_MONTHS, threshold).await?;
    let gap = monitoring::access_gap(store, today, threshold, true).await?;
    let c = &o.counts;
    let counts = [
        ("count-persons", c.persons),
        ("count-records", c.records),
        ("count-sources", c.sources),
        ("count-events", c.events),
        ("count-visits", c.visits),
        ("count-enquiries", c.enquiries),
    ]
    .iter()
    .map(|(k, n)| (l.t(k), l.num(i64::try_from(*n).unwrap_or(i64::MAX))))
    .collect();
    let num = |n: u64| l.num(i64::try_from(n).unwrap_or(i64::MAX));
    let show_overdue =
        crate::session::current().may_use(homeward_app::policy::UseCase::ReportOperational);
    let mut overdue: Vec<_> = gap
        .persons
        .values()
        .filter(|p| p.overdue && show_overdue)
        .collect();
    overdue.sort_by(|a, b| {
        b.days_since_visit
            .cmp(&a.days_since_visit)
            .then(a.person_id.cmp(&b.person_id))
    });
    let page = Dashboard {
        counts,
        by_status: o
            .by_status
            .iter()
            .map(|(st, n)| (status_label(l, *st), num(*n)))
            .collect(),
        by_category: o
            .by_category
            .iter()
            .map(|(ct, n)| (category_label(l, *ct), num(*n)))
            .collect(),
        access_chart: charts::access_chart(l, &timeline),
        access_rows: timeline
            .iter()
            .map(|p| {
                (
                    l.date(&p.as_of),
                    num(p.totals.persons as u64),
                    num(p.totals.overdue as u64),
                )
            })
            .collect(),
        threshold_line: l.tn("access-threshold", "days", threshold),
        show_overdue,
        overdue: overdue
            .into_iter()
            .take(OVERDUE_SHOWN)
            .map(|p| OverdueRow {
                id: p.person_id.to_string(),
                name: p.name.clone().unwrap_or_else(|| p.person_id.to_string()),
                last_visit: l.date(&p.last_visit),
                days: l.tn("days-since", "days", p.days_since_visit),
            })
            .collect(),
        estimate: estimate_view(&s, l),
        c: Chrome::new(l, &uri, "dashboard"),
    };
    render(&page)
}

/// The query of the persons page and API.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonsQuery {
    /// A name in any script; empty lists everyone by name.
    #[serde(default)]
    pub q: String,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000_000)]
    pub page: Option<u64>,
    /// Persons per page (at most 200).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
    /// Only persons some list gives this status (missing, detained, released, ...).
    #[serde(default)]
    pub status: String,
    /// Only persons some list gives this category (military, civilian, official, unknown).
    #[serde(default)]
    pub category: String,
    /// Only persons named by this source (its id).
    #[serde(default)]
    pub source: String,
}

impl PersonsQuery {
    /// The filter the query asks for; an unknown value is a bad request naming it.
    pub fn filter(&self) -> Result<PersonFilter, WebError> {
        let bad = |name: &str, v: &str| WebError::BadRequest(format!("{name} {v:?} is not known"));
        let t = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        Ok(PersonFilter {
            status: t(&self.status)
                .map(|v| v.parse().map_err(|_| bad("status", &v)))
                .transpose()?,
            category: t(&self.category)
                .map(|v| v.parse().map_err(|_| bad("category", &v)))
                .transpose()?,
            source: t(&self.source)
                .map(|v| Id::parse_kind(&v, IdKind::Source).map_err(|_| bad("source", &v)))
                .transpose()?,
        })
    }
}

/// Persons passing a filter, searched by name (ranked, at most `limit`) or listed by name a
/// page at a time: the one path of the persons page and API.
pub(crate) async fn find_persons(
    s: &AppState,
    text: &str,
    filter: &PersonFilter,
    page: u64,
    per_page: u32,
    limit: u32,
) -> Result<Found, WebError> {
    if text.is_empty() {
        return Ok(Found::Page(
            browse::persons_filtered(s.store.as_ref(), filter, page, per_page).await?,
        ));
    }
    let mut hits = homeward_app::search::search(s.store.as_ref(), text, limit).await?;
    if !filter.is_empty() {
        let mut kept = Vec::with_capacity(hits.len());
        for h in hits {
            if browse::passes(s.store.as_ref(), filter, &h.person_id).await? {
                kept.push(h);
            }
        }
        hits = kept;
    }
    Ok(Found::Hits(hits))
}

/// What [`find_persons`] found.
pub(crate) enum Found {
    /// A page of the listing.
    Page(browse::PersonsPage),
    /// Ranked search hits.
    Hits(Vec<homeward_app::search::Hit>),
}

/// One line of the persons list.
pub struct PersonRow {
    id: String,
    name: String,
    score: String,
}

/// The results part of the persons page (swapped in by htmx while typing).
pub struct Results {
    count_line: String,
    rows: Vec<PersonRow>,
    scored: bool,
    pages: u64,
    page_line: String,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "persons.html")]
struct PersonsPage {
    c: Chrome,
    q: String,
    statuses: Vec<(String, String, bool)>,
    categories: Vec<(String, String, bool)>,
    sources: Vec<(String, String, bool)>,
    r: Results,
}

/// The highest page number accepted (far beyond any registry; keeps offsets small).
pub const MAX_PAGE: u64 = 1_000_000_000;

/// Persons per page in the interface.
const PER_PAGE: u32 = 50;
/// Search results shown (ranked; a name search is read from the top).
const SEARCH_LIMIT: u32 = 50;
/// Longest accepted search text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// A link to another page of the listing that keeps the filters.
fn page_link(q: &PersonsQuery, page: u64) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("status", &q.status),
        ("category", &q.category),
        ("source", &q.source),
    ] {
        let v = v.trim();
        // Filter values are enumeration codes and ids: nothing to escape once checked.
        if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            parts.push(format!("{k}={v}"));
        }
    }
    parts.push(format!("page={page}"));
    format!("/persons?{}", parts.join("&"))
}

/// `GET /persons`: a name search in any script, or everyone by name, a page at a time;
/// both filtered by status, category and source.
pub async fn persons(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PersonsQuery>,
) -> Result<Html<String>, WebError> {
    let text = q.q.trim().to_owned();
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(WebError::BadRequest(format!(
            "the search text is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    let filter = q.filter()?;
    let found = find_persons(
        &s,
        &text,
        &filter,
        q.page.unwrap_or(1),
        PER_PAGE,
        SEARCH_LIMIT,
    )
    .await?;
    let r = match found {
        Found::Page(p) => {
            let pages = p.pages();
            Results {
                count_line: l.tn(
                    "results-count",
                    "count",
                    i64::try_from(p.total).unwrap_or(i64::MAX),
                ),
                rows: p
                    .persons
                    .iter()
                    .map(|p| PersonRow {
                        id: p.id.to_string(),
                        name: p.display_name.clone(),
                        score: String::new(),
                    })
                    .collect(),
                scored: false,
                pages,
                page_line: l.ts(
                    "page-of",
                    &[
                        ("page", l.num(p.page as i64)),
                        ("pages", l.num(pages as i64)),
                    ],
                ),
                prev: (p.page > 1).then(|| page_link(&q, p.page - 1)),
                next: (p.page < pages).then(|| page_link(&q, p.page + 1)),
            }
        }
        Found::Hits(hits) => Results {
            count_line: l.tn("results-count", "count", hits.len() as i64),
            rows: hits
                .iter()
                .map(|h| PersonRow {
                    id: h.person_id.to_string(),
                    name: h.name.clone(),
                    score: format!("{}%", (h.score * 100.0).round() as i64),
                })
                .collect(),
            scored: true,
            pages: 1,
            page_line: String::new(),
            prev: None,
            next: None,
        },
    };
    let sel = |v: &str, code: &str| v.trim() == code;
    let statuses = homeward_domain::Status::ALL
        .iter()
        .map(|st| {
            (
                st.as_str().to_owned(),
                l.t(&format!("status-{st}")),
                sel(&q.status, st.as_str()),
            )
        })
        .collect();
    let categories = homeward_domain::Category::ALL
        .iter()
        .map(|ct| {
            (
                ct.as_str().to_owned(),
                l.t(&format!("category-{ct}")),
                sel(&q.category, ct.as_str()),
            )
        })
        .collect();
    let sources = s
        .store
        .sources()
        .await?
        .into_iter()
        .map(|src| {
            let id = src.id.to_string();
            let on = sel(&q.source, &id);
            (id, src.name, on)
        })
        .collect();
    render(&PersonsPage {
        c: Chrome::new(l, &uri, "persons"),
        q: text,
        statuses,
        categories,
        sources,
        r,
    })
}

/// A person's id from a path segment; anything malformed is simply not found.
pub fn person_id(s: &str) -> Result<Id, WebError> {
    Id::parse_kind(s, IdKind::Person).map_err(|_| WebError::NotFound)
}

/// One written form of the name.
pub struct NameRow {
    text: String,
    script: String,
    latin: String,
    sources: String,
}

/// One field with its values and their sources.
pub struct FactRow {
    field: String,
    disputed: bool,
    values: Vec<(String, String)>,
}

/// One timeline line.
pub struct EventRow {
    date: String,
    kind: String,
    place: String,
    source: String,
    disputed: bool,
}

/// One legal status change.
pub struct LegalRow {
    since: String,
    status: String,
    disputed: bool,
}

/// One visit that saw the person.
pub struct VisitRow {
    date: String,
    place: String,
    organisation: String,
    family: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    c: Chrome,
    id: String,
    name: String,
    names: Vec<NameRow>,
    facts: Vec<FactRow>,
    events: Vec<EventRow>,
    legal: Vec<LegalRow>,
    visits: Vec<VisitRow>,
    record_heads: Vec<String>,
    record_rows: Vec<(String, Vec<String>)>,
    /// "Sealed notes: N" when notes were left sealed, with a link that opens them.
    notes_sealed: Option<String>,
}

/// `GET /persons/{id}?notes=open`: the records' sealed notes opened (a logged read).
#[derive(Debug, Deserialize)]
pub struct PersonQuery {
    notes: Option<String>,
}

/// A field's value in the reader's language where it is one of the closed enumerations.
fn field_value(l: Lang, f: Field, v: &str) -> String {
    let prefix = match f {
        Field::Status => "status",
        Field::Category => "category",
        Field::LegalStatus => "legal",
        _ => return v.to_owned(),
    };
    l.t(&format!("{prefix}-{v}"))
}

/// `GET /persons/{id}`: names in every script, what each list says, timeline, legal
/// status, visits and the linked records side by side.
pub async fn person(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<PersonQuery>,
) -> Result<Html<String>, WebError> {
    let id = person_id(&id)?;
    // Notes are sealed and may say anything: they are opened, and the reading logged, only
    // when the reader asks, like health findings.
    let sealed = if q.notes.as_deref() == Some("open") {
        browse::Sealed::Open
    } else {
        browse::Sealed::Closed
    };
    let v = browse::person(s.store.as_ref(), &id, sealed)
        .await?
        .ok_or(WebError::NotFound)?;
    let names = v
        .names
        .iter()
        .map(|n| NameRow {
            text: n.text.clone(),
            script: l.t(&format!("script-{:?}", n.script)),
            latin: n.latin.clone(),
            sources: n.sources.join(", "),
        })
        .collect();
    let facts = v
        .fields
        .iter()
        .map(|f| FactRow {
            field: f.field.name().to_owned(),
            disputed: f.disputed(),
            values: f
                .values
                .iter()
                .map(|x| (field_value(l, f.field, &x.value), x.sources.join(", ")))
                .collect(),
        })
        .collect();
    let events = v
        .events
        .iter()
        .map(|e| EventRow {
            date: l.date(&e.event.date),
            kind: l.t(&format!("event-{}", e.event.kind.as_str())),
            place: e.place.clone().unwrap_or_default(),
            source: e.source.clone(),
            disputed: e.disputed,
        })
        .collect();
    let legal = v
        .legal_status
        .iter()
        .map(|h| {
            let mut status = l.t(&format!("legal-{}", h.status));
            if h.ended {
                status = format!("{status} ({})", l.t("ended"));
            } else if h.released {
                status = format!("{status} ({})", l.t("released"));
            }
            LegalRow {
                since: h.since.map(|d| l.date(&d)).unwrap_or_default(),
                status,
                disputed: h.contested,
            }
        })
        .collect();
    let visits = v
        .visits
        .iter()
        .map(|x| {
            let mut family = l.ts(
                "messages",
                &[
                    ("delivered", l.num(x.messages_delivered)),
                    ("collected", l.num(x.messages_collected)),
                ],
            );
            if x.family_call {
                family = format!("{}, {family}", l.t("family-call"));
            }
            VisitRow {
                date: l.date(&x.date),
                place: x.place.clone(),
                organisation: x.organisation.clone(),
                family,
            }
        })
        .collect();
    let record_heads = v
        .records
        .iter()
        .map(|r| format!("{} ({} {})", r.source, l.t("col-row"), r.record.row_number))
        .collect();
    let record_rows = Field::ALL
        .iter()
        .filter_map(|f| {
            let vals: Vec<String> = v
                .records
                .iter()
                .map(|r| {
                    r.record
                        .fields
                        .get(*f)
                        .map(|x| field_value(l, *f, &x))
                        .unwrap_or_default()
                })
                .collect();
            vals.iter()
                .any(|x| !x.is_empty())
                .then(|| (f.name().to_owned(), vals))
        })
        .collect();
    render(&PersonPage {
        c: Chrome::new(l, &uri, "persons"),
        id: v.person.id.to_string(),
        name: v.person.display_name.clone(),
        names,
        facts,
        events,
        legal,
        visits,
        record_heads,
        record_rows,
        notes_sealed: (v.notes_withheld > 0).then(|| {
            l.ts(
                "notes-sealed",
                &[(
                    "count",
                    l.num(i64::try_from(v.notes_withheld).unwrap_or(i64::MAX)),
                )],
            )
        }),
    })
}

/// An upload held for the next step.
pub struct Staged {
    token: String,
    file_name: String,
    source: String,
    headers: String,
    mapping: String,
    can_import: bool,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    c: Chrome,
    message: Option<(&'static str, String)>,
    bad: Vec<BadRow>,
    staged: Option<Staged>,
}

/// `GET /imports`: the upload form.
pub async fn imports(l: Lang, OriginalUri(uri): OriginalUri) -> Result<Html<String>, WebError> {
    render(&ImportsPage {
        c: Chrome::new(l, &uri, "imports"),
        message: None,
        bad: Vec::new(),
        staged: None,
    })
}

/// A file and a source name from a multipart form.
pub struct Upload {
    /// The file's name, cleaned.
    pub file_name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The `source` field.
    pub source: String,
    /// The `mapping` field (TOML), if sent.
    pub mapping: Option<String>,
}

/// Reads `file`, `source` and `mapping` from a multipart body.
pub async fn read_upload(mut m: Multipart) -> Result<Upload, WebError> {
    let bad = |e: axum::extract::multipart::MultipartError| WebError::BadRequest(e.body_text());
    let mut file = None;
    let mut source = String::new();
    let mut mapping = None;
    while let Some(field) = m.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "file" => {
                let name = clean_file_name(field.file_name().unwrap_or("upload"));
                file = Some((name, field.bytes().await.map_err(bad)?.to_vec()));
            }
            "source" => source = field.text().await.map_err(bad)?.trim().to_owned(),
            "mapping" => mapping = Some(field.text().await.map_err(bad)?),
            _ => {}
        }
    }
    let (file_name, bytes) = file.ok_or_else(|| WebError::BadRequest("no file was sent".into()))?;
    Ok(Upload {
        file_name,
        bytes,
        source,
        mapping,
    })
}

/// `POST /imports/preview`: holds the file and proposes a mapping from its headers.
pub async fn import_preview(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    m: Multipart,
) -> Result<Html<String>, WebError> {
    let up = read_upload(m).await?;
    let c = Chrome::new(l, &uri, "imports");
    let table = match import::read_table(&up.file_name, &up.bytes, None) {
        Ok(t) => t,
        Err(e) => {
            return render(&ImportsPage {
                c,
                message: Some(("bad", e.to_string())),
                bad: Vec::new(),
                staged: None,
            })
        }
    };
    let mapping = import::guess(&table)
        .to_toml()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let headers = table.headers.join(", ");
    let file_name = up.file_name.clone();
    let token = s.uploads.put(up.file_name, up.bytes);
    render(&ImportsPage {
        c,
        message: None,
        bad: Vec::new(),
        staged: Some(Staged {
            token,
            file_name,
            source: up.source,
            headers,
            mapping,
            can_import: false,
        }),
    })
}

/// The form of the check and import steps.
#[derive(Debug, Deserialize)]
pub struct StepForm {
    token: String,
    source: String,
    mapping: String,
}

/// What a dry run or an import found.
enum Step {
    Ok(String),
    Bad(String, Vec<BadRow>),
}

/// Runs the import's checks, and the import itself when `write` is set.
async fn step(
    s: &AppState,
    l: Lang,
    f: &StepForm,
    write: bool,
) -> Result<(Step, Option<(String, String)>), WebError> {
    let Some(up) = s.uploads.get(&f.token) else {
        return Ok((Step::Bad(l.t("upload-expired"), Vec::new()), None));
    };
    let headers = import::read_table(&up.file_name, &up.bytes, None)
        .map(|t| t.headers.join(", "))
        .unwrap_or_default();
    let held = Some((up.file_name.clone(), headers));
    if f.source.trim().is_empty() {
        return Ok((
            Step::Bad("a source name is required".into(), Vec::new()),
            held,
        ));
    }
    let mapping = match Mapping::from_toml("mapping", &f.mapping) {
        Ok(m) => m,
        Err(e) => return Ok((Step::Bad(e.to_string(), Vec::new()), held)),
    };
    let req = ImportRequest {
        file_name: &up.file_name,
        bytes: &up.bytes,
        source: f.source.trim(),
        mapping: &mapping,
        mapping_file: "mapping",
        skip_bad: false,
        imported_at: now_iso(s)?,
    };
    let mut rng = rand::rngs::OsRng;
    let result = if write {
        import::import(s.store.as_ref(), &req, &mut rng)
            .await
            .map(|r| match r.outcome {
                ImportOutcome::Imported { records, .. } => l.tn(
                    "imported",
                    "records",
                    i64::try_from(records).unwrap_or(i64::MAX),
                ),
                ImportOutcome::AlreadyImported { at } => l.ts("already-imported", &[("at", at)]),
            })
    } else {
        import::prepare(&req, &mut rng).map(|p| l.tn("dry-ok", "rows", p.rows as i64))
    };
    Ok(match result {
        Ok(msg) => (Step::Ok(msg), held),
        Err(ImportError::BadRows(bad)) => (
            Step::Bad(l.tn("dry-bad", "count", bad.len() as i64), bad),
            held,
        ),
        Err(ImportError::Store(e)) => return Err(e.into()),
        Err(e) => (Step::Bad(e.to_string(), Vec::new()), held),
    })
}

pub(crate) fn now_iso(s: &AppState) -> Result<String, WebError> {
    if let Some(d) = s.today {
        return Ok(format!("{d}T00:00:00Z"));
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| WebError::Internal(e.to_string()))?
        .as_secs();
    let day =
        homeward_domain::PartialDate::from_day_number(i64::try_from(secs / 86_400).unwrap_or(0))
            .map_err(|e| WebError::Internal(e.to_string()))?;
    let rem = secs % 86_400;
    Ok(format!(
        "{day}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    ))
}

async fn step_page(
    s: AppState,
    l: Lang,
    uri: axum::http::Uri,
    f: StepForm,
    write: bool,
) -> Result<Html<String>, WebError> {
    let (result, held) = step(&s, l, &f, write).await?;
    let c = Chrome::new(l, &uri, "imports");
    let (message, bad, can_import) = match result {
        Step::Ok(m) => (("ok", m), Vec::new(), !write),
        Step::Bad(m, bad) => (("bad", m), bad, false),
    };
    let imported = write && message.0 == "ok";
    if imported {
        s.uploads.remove(&f.token);
    }
    let staged = match held {
        Some((file_name, headers)) if !imported => Some(Staged {
            token: f.token,
            file_name,
            source: f.source,
            headers,
            mapping: f.mapping,
            can_import,
        }),
        _ => None,
    };
    render(&ImportsPage {
        c,
        message: Some(message),
        bad,
        staged,
    })
}

/// `POST /imports/check`: the dry run; lists every bad row and writes nothing.
pub async fn import_check(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    Form(f): Form<StepForm>,
) -> Result<Html<String>, WebError> {
    step_page(s, l, uri, f, false).await
}

/// `POST /imports/run`: the import, all of it or nothing.
pub async fn import_run(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    Form(f): Form<StepForm>,
) -> Result<Html<String>, WebError> {
    step_page(s, l, uri, f, true).await
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    c: Chrome,
    estimate: EstimateView,
}

/// `GET /reports`: the downloadable reports and the estimate, computed on demand.
pub async fn reports(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
) -> Result<Html<String>, WebError> {
    render(&ReportsPage {
        estimate: estimate_view(&s, l),
        c: Chrome::new(l, &uri, "reports"),
    })
}

/// `GET /reports/{file}`: aggregates or the access gap, as CSV, HXL-tagged CSV or JSON.
pub async fn report_file(
    State(s): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let (kind, format) = file.split_once('.').ok_or(WebError::NotFound)?;
    let csv = |body: String, name: &str| {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            body,
        )
            .into_response()
    };
    match (kind, format) {
        ("aggregates", "csv" | "hxl.csv") => {
            let rows = reports::aggregates(&browse::overview(s.store.as_ref()).await?);
            Ok(csv(
                reports::aggregates_csv(&rows, format == "hxl.csv"),
                &file,
            ))
        }
        ("aggregates", "json") => {
            let o = browse::overview(s.store.as_ref()).await?;
            Ok(axum::Json(crate::api::AggregatesReport::from_overview(&o)).into_response())
        }
        ("access", "csv" | "hxl.csv") => {
            let today = s.today()?;
            let r = monitoring::access_gap(
                s.store.as_ref(),
                today,
                monitoring::DEFAULT_THRESHOLD_DAYS,
                false,
            )
            .await?;
            let rows = reports::access_rows(&r);
            Ok(csv(
                reports::access_csv(&r.as_of, &rows, format == "hxl.csv"),
                &file,
            ))
        }
        ("access", "json") => {
            let today = s.today()?;
            let r = crate::api::access_report_for(&s, today).await?;
            Ok(axum::Json(r).into_response())
        }
        _ => Err(WebError::NotFound),
    }
}
