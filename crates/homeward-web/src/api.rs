//! The JSON API under `/api/v1`, described by the OpenAPI document it serves at
//! `/api/v1/openapi.json`. It covers what the pages do; errors are [`ErrorBody`].

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::Json;
use homeward_app::browse::{self, Overview};
use homeward_app::import::{self, ImportError, ImportRequest, Mapping};
use homeward_app::{monitoring, reports};
use homeward_domain::{Field, PartialDate};
use homeward_store::ImportOutcome;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::error::ErrorBody;
use crate::pages::{person_id, read_upload, PersonsQuery, MAX_QUERY_CHARS};
use crate::{AppState, WebError};

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Homeward API",
        version = "1",
        description = "A registry of people detained or missing in armed conflict. Every error is an ErrorBody with a stable code and the request id."
    ),
    modifiers(&AccessResponses),
    paths(
        status,
        overview,
        persons,
        person,
        access_report,
        aggregates,
        import_check,
        import,
        crate::estimates::api_latest,
        crate::estimates::api_compute,
        crate::review::api_list,
        crate::review::api_show,
        crate::review::api_accept,
        crate::review::api_reject,
        crate::review::api_undo,
        crate::places::api_places,
        crate::places::api_add_place,
        crate::places::api_place,
        crate::places::api_visits,
        crate::places::api_add_visit,
        crate::enquiries::api_list,
        crate::enquiries::api_add,
        crate::enquiries::api_show,
        crate::enquiries::api_match,
        crate::enquiries::api_answer
    ),
    components(schemas(
        ErrorBody,
        StatusResponse,
        OverviewResponse,
        CountRow,
        PersonsResponse,
        PersonSummary,
        PersonResponse,
        NameOut,
        FactOut,
        ValueOut,
        EventOut,
        LegalOut,
        VisitOut,
        RecordOut,
        AccessReport,
        AccessPlace,
        AggregatesReport,
        AggregateRowOut,
        ImportForm,
        CheckResponse,
        BadRowOut,
        ImportResponse,
        crate::estimates::EstimateOut,
        crate::estimates::LatestEstimate,
        crate::estimates::EstimateLineOut,
        crate::estimates::EstimateRequest,
        crate::review::ReviewOut,
        crate::review::ReviewDetailOut,
        crate::review::PairRecordOut,
        crate::review::EvidenceOut,
        crate::review::DecisionOut,
        crate::review::DecisionForm,
        crate::places::PlaceOut,
        crate::places::PlaceForm,
        crate::places::PlaceDetailOut,
        crate::places::VisitSummaryOut,
        crate::places::ConditionsIo,
        crate::places::VisitIn,
        crate::places::SeenIn,
        crate::places::ConsentIn,
        crate::places::VisitRecordedOut,
        crate::enquiries::EnquirySummaryOut,
        crate::enquiries::EnquiryDetailOut,
        crate::enquiries::IntakeIn,
        crate::enquiries::SoughtIn,
        crate::enquiries::ReceiptOut,
        crate::enquiries::CandidateOut,
        crate::enquiries::FieldEvidenceOut,
        crate::enquiries::AnswerForm,
        crate::enquiries::AnswerOut
    ))
)]
pub struct ApiDoc;

/// Adds to every operation the answers that depend on who asks rather than on the request:
/// 401 without a session, 403 for a write without the session's CSRF token, and 404 where
/// the caller's role may not (the same answer as for something that does not exist, so a
/// denial reveals nothing).
struct AccessResponses;

impl utoipa::Modify for AccessResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let answers = [
            ("401", "Not signed in"),
            ("403", "A write without the session's CSRF token"),
            (
                "404",
                "Not found, or not allowed to the caller's role (the same answer)",
            ),
        ];
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for op in ops.into_iter().flatten() {
                for (code, description) in answers {
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| {
                            ResponseBuilder::new()
                                .description(description)
                                .content(
                                    "application/json",
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                                        .build(),
                                )
                                .build()
                                .into()
                        });
                }
            }
        }
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Counts of everything the registry holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusResponse {
    /// Source lists.
    pub sources: u64,
    /// Records.
    pub records: u64,
    /// Persons.
    pub persons: u64,
    /// Timeline events.
    pub events: u64,
    /// Visits.
    pub visits: u64,
    /// Enquiries.
    pub enquiries: u64,
}

impl From<&homeward_store::Counts> for StatusResponse {
    fn from(c: &homeward_store::Counts) -> Self {
        StatusResponse {
            sources: c.sources,
            records: c.records,
            persons: c.persons,
            events: c.events,
            visits: c.visits,
            enquiries: c.enquiries,
        }
    }
}

/// `GET /api/v1/status`.
#[utoipa::path(get, path = "/api/v1/status", tag = "registry",
    responses((status = 200, description = "Counts", body = StatusResponse),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn status(State(s): State<AppState>) -> Result<Json<StatusResponse>, WebError> {
    let c = homeward_app::status::status(s.store.as_ref()).await?;
    Ok(Json((&c).into()))
}

/// Persons with one value of a dimension.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountRow {
    /// The value (`not_stated` when the lists said nothing).
    pub value: String,
    /// Distinct persons.
    pub persons: u64,
}

/// The dashboard's counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewResponse {
    /// Counts of everything.
    pub counts: StatusResponse,
    /// Persons by status as the lists state it (a person counts under each value given).
    pub by_status: Vec<CountRow>,
    /// Persons by category as the lists state it.
    pub by_category: Vec<CountRow>,
}

/// `GET /api/v1/overview`.
#[utoipa::path(get, path = "/api/v1/overview", tag = "registry",
    responses((status = 200, description = "Counts by status and category", body = OverviewResponse),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn overview(State(s): State<AppState>) -> Result<Json<OverviewResponse>, WebError> {
    let o = browse::overview(s.store.as_ref()).await?;
    Ok(Json(OverviewResponse {
        counts: (&o.counts).into(),
        by_status: o
            .by_status
            .iter()
            .map(|(v, n)| CountRow {
                value: v.map_or("not_stated".into(), |v| v.to_string()),
                persons: *n,
            })
            .collect(),
        by_category: o
            .by_category
            .iter()
            .map(|(v, n)| CountRow {
                value: v.map_or("not_stated".into(), |v| v.to_string()),
                persons: *n,
            })
            .collect(),
    }))
}

/// One person in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSummary {
    /// Opaque id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Name similarity to the query in [0, 1] (searches only).
    pub score: Option<f64>,
}

/// A page of persons or a ranked search.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonsResponse {
    /// Persons in the registry (listing), or hits returned (search).
    pub total: u64,
    /// The page, from 1.
    pub page: u64,
    /// Persons per page.
    pub per_page: u32,
    /// The persons.
    pub persons: Vec<PersonSummary>,
}

/// `GET /api/v1/persons`: with `q`, persons by name similarity in any script (best first,
/// at most `per_page`); without, everyone by name a page at a time.
#[utoipa::path(get, path = "/api/v1/persons", tag = "registry", params(PersonsQuery),
    responses((status = 200, description = "Persons", body = PersonsResponse),
              (status = 400, description = "Bad query", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn persons(
    State(s): State<AppState>,
    Query(q): Query<PersonsQuery>,
) -> Result<Json<PersonsResponse>, WebError> {
    let text = q.q.trim();
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(WebError::BadRequest(format!(
            "q is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=browse::MAX_PER_PAGE).contains(&per_page)
        || q.page
            .is_some_and(|p| !(1..=crate::pages::MAX_PAGE).contains(&p))
    {
        return Err(WebError::BadRequest(format!(
            "page is from 1 to {} and per_page from 1 to {}",
            crate::pages::MAX_PAGE,
            browse::MAX_PER_PAGE
        )));
    }
    let filter = q.filter()?;
    let found =
        crate::pages::find_persons(&s, text, &filter, q.page.unwrap_or(1), per_page, per_page)
            .await?;
    Ok(Json(match found {
        crate::pages::Found::Page(p) => PersonsResponse {
            total: p.total,
            page: p.page,
            per_page: p.per_page,
            persons: p
                .persons
                .into_iter()
                .map(|p| PersonSummary {
                    id: p.id.to_string(),
                    name: p.display_name,
                    score: None,
                })
                .collect(),
        },
        crate::pages::Found::Hits(hits) => PersonsResponse {
            total: hits.len() as u64,
            page: 1,
            per_page,
            persons: hits
                .into_iter()
                .map(|h| PersonSummary {
                    id: h.person_id.to_string(),
                    name: h.name,
                    score: Some(h.score),
                })
                .collect(),
        },
    }))
}

/// A written form of the name.
#[derive(Debug, Serialize, ToSchema)]
pub struct NameOut {
    /// As written.
    pub text: String,
    /// Armenian, Cyrillic, Latin, Other, Mixed or None.
    pub script: String,
    /// Canonical Latin reading.
    pub latin: String,
    /// Sources that wrote it so.
    pub sources: Vec<String>,
}

/// One value of a field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValueOut {
    /// The value.
    pub value: String,
    /// Sources that gave it.
    pub sources: Vec<String>,
}

/// What the lists say about one field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactOut {
    /// Standard field name.
    pub field: String,
    /// Whether sources disagree.
    pub disputed: bool,
    /// The values, most-cited first.
    pub values: Vec<ValueOut>,
}

/// A timeline event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// Opaque id.
    pub id: String,
    /// Kind (capture, transfer, ...).
    pub kind: String,
    /// YYYY, YYYY-MM or YYYY-MM-DD.
    pub date: String,
    /// Source name.
    pub source: String,
    /// Place name.
    pub place: Option<String>,
    /// Whether disputed.
    pub disputed: bool,
}

/// A legal status change.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegalOut {
    /// The status.
    pub status: String,
    /// Since when.
    pub since: Option<String>,
    /// Released since.
    pub released: bool,
    /// Timeline ended (death, remains).
    pub ended: bool,
    /// Basis disputed.
    pub contested: bool,
}

/// A visit that saw the person (no health findings).
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitOut {
    /// Date.
    pub date: String,
    /// Place name.
    pub place: String,
    /// Visiting organisation.
    pub organisation: String,
    /// Family call made.
    pub family_call: bool,
    /// Messages delivered.
    pub messages_delivered: u32,
    /// Messages collected.
    pub messages_collected: u32,
}

/// A linked record.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordOut {
    /// Opaque id.
    pub id: String,
    /// Source name.
    pub source: String,
    /// Spreadsheet row number in the source file.
    pub row_number: u64,
    /// Standard fields given.
    pub fields: BTreeMap<String, String>,
    /// The original row, header and cell, verbatim.
    pub original: Vec<Vec<String>>,
}

/// Everything known about one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonResponse {
    /// Opaque id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Written forms of the name.
    pub names: Vec<NameOut>,
    /// What the lists say, with disagreements.
    pub facts: Vec<FactOut>,
    /// Timeline.
    pub events: Vec<EventOut>,
    /// Legal status history.
    pub legal_status: Vec<LegalOut>,
    /// Visits.
    pub visits: Vec<VisitOut>,
    /// Linked records.
    pub records: Vec<RecordOut>,
}

/// `GET /api/v1/persons/{id}`.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "registry",
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, description = "The person", body = PersonResponse),
              (status = 404, description = "No such person", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn person(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PersonResponse>, WebError> {
    let id = person_id(&id)?;
    // The API returns the original rows, so it opens the sealed values (a logged read).
    let v = browse::person(s.store.as_ref(), &id, browse::Sealed::Open)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(PersonResponse {
        id: v.person.id.to_string(),
        name: v.person.display_name,
        names: v
            .names
            .into_iter()
            .map(|n| NameOut {
                script: format!("{:?}", n.script),
                text: n.text,
                latin: n.latin,
                sources: n.sources,
            })
            .collect(),
        facts: v
            .fields
            .iter()
            .map(|f| FactOut {
                field: f.field.name().to_owned(),
                disputed: f.disputed(),
                values: f
                    .values
                    .iter()
                    .map(|x| ValueOut {
                        value: x.value.clone(),
                        sources: x.sources.clone(),
                    })
                    .collect(),
            })
            .collect(),
        events: v
            .events
            .into_iter()
            .map(|e| EventOut {
                id: e.event.id.to_string(),
                kind: e.event.kind.as_str().to_owned(),
                date: e.event.date.to_string(),
                source: e.source,
                place: e.place,
                disputed: e.disputed,
            })
            .collect(),
        legal_status: v
            .legal_status
            .iter()
            .map(|h| LegalOut {
                status: h.status.to_string(),
                since: h.since.map(|d| d.to_string()),
                released: h.released,
                ended: h.ended,
                contested: h.contested,
            })
            .collect(),
        visits: v
            .visits
            .into_iter()
            .map(|x| VisitOut {
                date: x.date.to_string(),
                place: x.place,
                organisation: x.organisation,
                family_call: x.family_call,
                messages_delivered: x.messages_delivered,
                messages_collected: x.messages_collected,
            })
            .collect(),
        records: v
            .records
            .into_iter()
            .map(|r| RecordOut {
                id: r.record.id.to_string(),
                source: r.source,
                row_number: r.record.row_number,
                fields: Field::ALL
                    .iter()
                    .filter_map(|f| r.record.fields.get(*f).map(|v| (f.name().to_owned(), v)))
                    .collect(),
                original: r
                    .record
                    .original
                    .into_iter()
                    .map(|(h, c)| vec![h, c])
                    .collect(),
            })
            .collect(),
    }))
}

/// One place of the public access report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessPlace {
    /// Place name.
    pub place: String,
    /// Last visit.
    pub last_visit: Option<String>,
    /// Days since.
    pub days_since_visit: Option<i64>,
    /// Persons last seen there (null: suppressed, 1 to 4).
    pub persons: Option<u64>,
    /// Of those overdue (null: suppressed).
    pub overdue: Option<u64>,
}

/// The public access report: per place, counts suppressed, no person named.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessReport {
    /// Report date.
    pub as_of: String,
    /// Days without a visit after which a person is overdue.
    pub threshold_days: i64,
    /// Counts from 1 up to this value minus one are suppressed.
    pub suppressed_below: u64,
    /// Per place.
    pub places: Vec<AccessPlace>,
}

/// The public access report as of a date.
pub async fn access_report_for(s: &AppState, as_of: PartialDate) -> Result<AccessReport, WebError> {
    let r = monitoring::access_gap(
        s.store.as_ref(),
        as_of,
        monitoring::DEFAULT_THRESHOLD_DAYS,
        false,
    )
    .await?;
    Ok(AccessReport {
        as_of: r.as_of.to_string(),
        threshold_days: r.threshold_days,
        suppressed_below: reports::SUPPRESS_BELOW,
        places: reports::access_rows(&r)
            .into_iter()
            .map(|p| AccessPlace {
                place: p.place,
                last_visit: p.last_visit.map(|d| d.to_string()),
                days_since_visit: p.days_since,
                persons: p.persons,
                overdue: p.overdue,
            })
            .collect(),
    })
}

/// `GET /api/v1/reports/access`.
#[utoipa::path(get, path = "/api/v1/reports/access", tag = "reports",
    responses((status = 200, description = "Access gap per place", body = AccessReport),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn access_report(State(s): State<AppState>) -> Result<Json<AccessReport>, WebError> {
    let today = s.today()?;
    Ok(Json(access_report_for(&s, today).await?))
}

/// One aggregate.
#[derive(Debug, Serialize, ToSchema)]
pub struct AggregateRowOut {
    /// status or category.
    pub dimension: String,
    /// The value.
    pub value: String,
    /// Persons (null: suppressed).
    pub persons: Option<u64>,
}

/// Persons by status and category, small counts suppressed.
#[derive(Debug, Serialize, ToSchema)]
pub struct AggregatesReport {
    /// Counts from 1 up to this value minus one are suppressed.
    pub suppressed_below: u64,
    /// The rows.
    pub rows: Vec<AggregateRowOut>,
}

impl AggregatesReport {
    /// The public aggregates of an overview.
    pub fn from_overview(o: &Overview) -> Self {
        AggregatesReport {
            suppressed_below: reports::SUPPRESS_BELOW,
            rows: reports::aggregates(o)
                .into_iter()
                .map(|r| AggregateRowOut {
                    dimension: r.dimension.to_owned(),
                    value: r.value,
                    persons: r.persons,
                })
                .collect(),
        }
    }
}

/// `GET /api/v1/reports/aggregates`.
#[utoipa::path(get, path = "/api/v1/reports/aggregates", tag = "reports",
    responses((status = 200, description = "Aggregates", body = AggregatesReport),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn aggregates(State(s): State<AppState>) -> Result<Json<AggregatesReport>, WebError> {
    let o = browse::overview(s.store.as_ref()).await?;
    Ok(Json(AggregatesReport::from_overview(&o)))
}

/// The multipart form of the import endpoints.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// The list: CSV, XLSX or ODS.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The source's name (required to import).
    source: Option<String>,
    /// The mapping as TOML (guessed from the headers when absent, for a check only).
    mapping: Option<String>,
}

/// One bad value.
#[derive(Debug, Serialize, ToSchema)]
pub struct BadRowOut {
    /// Spreadsheet row (header is 1).
    pub row: u64,
    /// Column header.
    pub column: String,
    /// The value as in the file.
    pub value: String,
    /// What is wrong.
    pub reason: String,
}

/// The result of a dry run.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResponse {
    /// The file's name.
    pub file: String,
    /// Whether the file would import as it is.
    pub ok: bool,
    /// Data rows.
    pub rows: u64,
    /// Every bad value.
    pub bad_rows: Vec<BadRowOut>,
    /// The mapping used (TOML), guessed when none was sent.
    pub mapping: String,
}

/// `POST /api/v1/imports/check`: a dry run that writes nothing.
#[utoipa::path(post, path = "/api/v1/imports/check", tag = "imports",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "What an import would do", body = CheckResponse),
              (status = 400, description = "Malformed form", body = ErrorBody),
              (status = 413, description = "Too large", body = ErrorBody),
              (status = 422, description = "Unreadable file or mapping", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn import_check(m: Multipart) -> Result<Json<CheckResponse>, WebError> {
    let up = read_upload(m).await?;
    let mapping = match &up.mapping {
        Some(t) if !t.trim().is_empty() => Mapping::from_toml("mapping", t)?,
        _ => import::guess(&import::read_table(&up.file_name, &up.bytes, None)?),
    };
    let mapping_text = mapping
        .to_toml()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let source = if up.source.is_empty() {
        "check"
    } else {
        &up.source
    };
    let req = ImportRequest {
        file_name: &up.file_name,
        bytes: &up.bytes,
        source,
        mapping: &mapping,
        mapping_file: "mapping",
        skip_bad: false,
        imported_at: String::new(),
    };
    let mut rng = rand::rngs::OsRng;
    let (ok, rows, bad) = match import::prepare(&req, &mut rng) {
        Ok(p) => (true, p.rows, Vec::new()),
        Err(ImportError::BadRows(bad)) => (false, 0, bad),
        Err(e) => return Err(e.into()),
    };
    Ok(Json(CheckResponse {
        file: up.file_name,
        ok,
        rows,
        bad_rows: bad
            .into_iter()
            .map(|b| BadRowOut {
                row: b.row,
                column: b.column,
                value: b.value,
                reason: b.reason,
            })
            .collect(),
        mapping: mapping_text,
    }))
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    /// Records written (0 when already imported).
    pub records: u64,
    /// When the same file was imported into the same source before, if it was.
    pub already_imported_at: Option<String>,
}

/// `POST /api/v1/imports`: imports a file, all of it or nothing.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "Imported", body = ImportResponse),
              (status = 400, description = "Malformed form", body = ErrorBody),
              (status = 413, description = "Too large", body = ErrorBody),
              (status = 422, description = "Bad rows or mapping: nothing imported", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn import(
    State(s): State<AppState>,
    m: Multipart,
) -> Result<Json<ImportResponse>, WebError> {
    let up = read_upload(m).await?;
    if up.source.is_empty() {
        return Err(WebError::BadRequest("source is required".into()));
    }
    let text = up
        .mapping
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| WebError::BadRequest("mapping is required to import".into()))?;
    let mapping = Mapping::from_toml("mapping", text)?;
    let req = ImportRequest {
        file_name: &up.file_name,
        bytes: &up.bytes,
        source: &up.source,
        mapping: &mapping,
        mapping_file: "mapping",
        skip_bad: false,
        imported_at: crate::pages::now_iso(&s)?,
    };
    let mut rng = rand::rngs::OsRng;
    let r = import::import(s.store.as_ref(), &req, &mut rng).await?;
    Ok(Json(match r.outcome {
        ImportOutcome::Imported { records, .. } => ImportResponse {
            records,
            already_imported_at: None,
        },
        ImportOutcome::AlreadyImported { at } => ImportResponse {
            records: 0,
            already_imported_at: Some(at),
        },
    }))
}
