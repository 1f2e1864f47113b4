//! Places of detention and independent visits: the list of places, a place with its visits,
//! and recording a visit with its findings for each person seen, as pages and as JSON under
//! `/api/v1/places` and `/api/v1/visits`. Handlers call `homeward_app::casework`, as
//! `homeward place` and `homeward visit` do. Health findings are written only by a health
//! officer and never shown in a list.

use askama::Template;
use axum::extract::{Form, OriginalUri, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use homeward_app::casework::{
    self, CaseError, ConditionsInput, ConsentInput, SeenInput, VisitInput,
};
use homeward_domain::{DetentionPlace, Id, IdKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::body::JsonObject;
use crate::error::ErrorBody;
use crate::i18n::Lang;
use crate::pages::{render, Chrome};
use crate::{AppState, Principal, Role, WebError};

impl From<CaseError> for WebError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Store(s) => WebError::Store(s),
            CaseError::NotFound(_) => WebError::NotFound,
            CaseError::Invalid { .. } => WebError::Unprocessable(e.to_string()),
        }
    }
}

/// How many persons the visit form has room for.
pub const SEEN_ROWS: usize = 4;

fn place_id(s: &str) -> Result<Id, WebError> {
    Id::parse_kind(s.trim(), IdKind::Place).map_err(|_| WebError::NotFound)
}

async fn place_by_id(s: &AppState, id: &str) -> Result<DetentionPlace, WebError> {
    let id = place_id(id)?;
    s.store
        .places()
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(WebError::NotFound)
}

/// One line of the places page.
pub struct PlaceRow {
    id: String,
    name: String,
    authority: String,
    region: String,
    visits: String,
    last_visit: String,
}

#[derive(Template)]
#[template(path = "places.html")]
struct PlacesPage {
    c: Chrome,
    rows: Vec<PlaceRow>,
    message: Option<(&'static str, String)>,
}

async fn places_page(
    s: &AppState,
    l: Lang,
    uri: &axum::http::Uri,
    message: Option<(&'static str, String)>,
) -> Result<Html<String>, WebError> {
    let places = s.store.places().await?;
    let visits = s.store.visits().await?;
    let rows = places
        .into_iter()
        .map(|p| {
            let of: Vec<_> = visits.iter().filter(|v| v.place_id == p.id).collect();
            let last = of.iter().map(|v| v.date).max_by_key(|d| d.latest_day());
            PlaceRow {
                id: p.id.to_string(),
                name: p.name,
                authority: p.authority.unwrap_or_default(),
                region: p.region.unwrap_or_default(),
                visits: l.num(of.len() as i64),
                last_visit: last.map(|d| l.date(&d)).unwrap_or_default(),
            }
        })
        .collect();
    render(&PlacesPage {
        c: Chrome::new(l, uri, "places"),
        rows,
        message,
    })
}

/// `GET /places`: every place of detention, with its visits and the last of them.
pub async fn places(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
) -> Result<Html<String>, WebError> {
    places_page(&s, l, &uri, None).await
}

/// The form that adds a place (the session's `_csrf` field is ignored here).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PlaceForm {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// The detaining authority that runs it.
    #[serde(default)]
    pub authority: Option<String>,
    /// Region, for aggregate reports.
    #[serde(default)]
    pub region: Option<String>,
}

/// `POST /places`: adds a place, then shows it.
pub async fn add_place(
    State(s): State<AppState>,
    l: Lang,
    Form(f): Form<PlaceForm>,
) -> Result<Response, WebError> {
    let mut rng = rand::rngs::OsRng;
    match casework::add_place(s.store.as_ref(), &mut rng, &f.name, f.authority, f.region).await {
        Ok(p) => Ok(Redirect::to(&format!("/places/{}", p.id)).into_response()),
        Err(CaseError::Invalid { .. }) => Ok(places_page(
            &s,
            l,
            &axum::http::Uri::from_static("/places"),
            Some(("bad", l.t("place-name-required"))),
        )
        .await?
        .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// One visit on a place page (counts only: findings are not shown in lists).
pub struct VisitRow {
    date: String,
    organisation: String,
    conditions: String,
    seen: String,
    calls: String,
    messages: String,
}

#[derive(Template)]
#[template(path = "place.html")]
struct PlacePage {
    c: Chrome,
    id: String,
    name: String,
    authority: String,
    region: String,
    visits: Vec<VisitRow>,
    message: Option<String>,
}

/// The query of a place page after a visit was recorded.
#[derive(Debug, Default, Deserialize)]
pub struct RecordedQuery {
    /// Set after a visit was recorded.
    pub recorded: Option<String>,
}

fn conditions_line(l: Lang, c: &ConditionsInput) -> String {
    let met: Vec<String> = [
        (c.access_all, "visit-access-all"),
        (c.private_interviews, "visit-private"),
        (c.repeat_allowed, "visit-repeat"),
        (c.list_provided, "visit-list"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, k)| l.t(k))
    .collect();
    if met.is_empty() {
        l.t("visit-conditions-none")
    } else {
        met.join("; ")
    }
}

/// `GET /places/{id}`: a place and its visits, newest first.
pub async fn place(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<RecordedQuery>,
) -> Result<Html<String>, WebError> {
    let p = place_by_id(&s, &id).await?;
    let visits = casework::list_visits(s.store.as_ref(), Some(p.id.as_str())).await?;
    render(&PlacePage {
        c: Chrome::new(l, &uri, "places"),
        id: p.id.to_string(),
        name: p.name,
        authority: p.authority.unwrap_or_default(),
        region: p.region.unwrap_or_default(),
        visits: visits
            .iter()
            .map(|v| VisitRow {
                date: v
                    .date
                    .parse()
                    .map(|d| l.date(&d))
                    .unwrap_or_else(|_| v.date.clone()),
                organisation: v.organisation.clone(),
                conditions: conditions_line(l, &v.conditions),
                seen: l.num(v.persons_seen as i64),
                calls: l.num(v.family_calls as i64),
                messages: l.num(i64::try_from(v.messages).unwrap_or(i64::MAX)),
            })
            .collect(),
        message: q.recorded.is_some().then(|| l.t("visit-recorded")),
    })
}

/// One person block of the visit form, as typed.
#[derive(Debug, Clone, Default)]
pub struct SeenBlock {
    i: usize,
    person: String,
    health: String,
    conditions: String,
    items: Vec<String>,
    collected: String,
    delivered: String,
    call: bool,
    consent_family: bool,
    consent_representations: bool,
    consent_reports: bool,
}

#[derive(Template)]
#[template(path = "visit_new.html")]
struct VisitForm {
    c: Chrome,
    places: Vec<(String, String)>,
    place: String,
    date: String,
    organisation: String,
    access_all: bool,
    private_interviews: bool,
    repeat_allowed: bool,
    list_provided: bool,
    seen: Vec<SeenBlock>,
    items: Vec<String>,
    health_allowed: bool,
    error: Option<String>,
}

/// The query of the visit form: a place and a person to start with.
#[derive(Debug, Default, Deserialize)]
pub struct NewVisitQuery {
    /// The place's id.
    pub place: Option<String>,
    /// A person seen.
    pub person: Option<String>,
}

fn may_write_health(p: Option<&Principal>) -> bool {
    p.is_some_and(|p| p.has(Role::HealthOfficer))
}

async fn visit_form(
    s: &AppState,
    l: Lang,
    uri: &axum::http::Uri,
    health_allowed: bool,
    mut form: VisitFormData,
    error: Option<String>,
) -> Result<Html<String>, WebError> {
    let places = s
        .store
        .places()
        .await?
        .into_iter()
        .map(|p| (p.id.to_string(), p.name))
        .collect();
    while form.seen.len() < SEEN_ROWS {
        form.seen.push(SeenBlock::default());
    }
    for (i, b) in form.seen.iter_mut().enumerate() {
        b.i = i;
    }
    render(&VisitForm {
        c: Chrome::new(l, uri, "places"),
        places,
        place: form.place,
        date: form.date,
        organisation: form.organisation,
        access_all: form.conditions.access_all,
        private_interviews: form.conditions.private_interviews,
        repeat_allowed: form.conditions.repeat_allowed,
        list_provided: form.conditions.list_provided,
        seen: form.seen,
        items: s.store.visit_items().await?,
        health_allowed,
        error,
    })
}

/// `GET /visits/new`: the form that records a visit with its findings per person.
pub async fn new_visit(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    p: Option<Extension<Principal>>,
    Query(q): Query<NewVisitQuery>,
) -> Result<Html<String>, WebError> {
    let form = VisitFormData {
        place: q.place.unwrap_or_default(),
        date: s.today()?.to_string(),
        organisation: String::new(),
        conditions: ConditionsInput::default(),
        seen: q
            .person
            .map(|person| SeenBlock {
                person,
                ..SeenBlock::default()
            })
            .into_iter()
            .collect(),
    };
    let health = may_write_health(p.as_ref().map(|e| &e.0));
    visit_form(&s, l, &uri, health, form, None).await
}

/// The visit form as posted, before validation.
#[derive(Debug, Default)]
pub struct VisitFormData {
    place: String,
    date: String,
    organisation: String,
    conditions: ConditionsInput,
    seen: Vec<SeenBlock>,
}

impl VisitFormData {
    /// Reads the flat form (`seen-0-person`, `seen-0-items` repeated, ...); unknown names
    /// (the session's `_csrf`) are ignored.
    fn from_pairs(pairs: &[(String, String)]) -> VisitFormData {
        let mut f = VisitFormData::default();
        let mut seen: Vec<SeenBlock> = (0..SEEN_ROWS)
            .map(|i| SeenBlock {
                i,
                ..SeenBlock::default()
            })
            .collect();
        for (k, v) in pairs {
            match k.as_str() {
                "place" => f.place = v.trim().to_owned(),
                "date" => f.date = v.trim().to_owned(),
                "organisation" => f.organisation = v.trim().to_owned(),
                "access_all" => f.conditions.access_all = true,
                "private_interviews" => f.conditions.private_interviews = true,
                "repeat_allowed" => f.conditions.repeat_allowed = true,
                "list_provided" => f.conditions.list_provided = true,
                other => {
                    let Some(rest) = other.strip_prefix("seen-") else {
                        continue;
                    };
                    let Some((i, field)) = rest.split_once('-') else {
                        continue;
                    };
                    let Some(b) = i.parse::<usize>().ok().and_then(|i| seen.get_mut(i)) else {
                        continue;
                    };
                    match field {
                        "person" => b.person = v.trim().to_owned(),
                        "health" => b.health = v.clone(),
                        "conditions" => b.conditions = v.clone(),
                        "items" => b.items.push(v.clone()),
                        "collected" => b.collected = v.trim().to_owned(),
                        "delivered" => b.delivered = v.trim().to_owned(),
                        "call" => b.call = true,
                        "consent-family" => b.consent_family = true,
                        "consent-representations" => b.consent_representations = true,
                        "consent-reports" => b.consent_reports = true,
                        _ => {}
                    }
                }
            }
        }
        f.seen = seen;
        f
    }

    /// The use case's input; a count that is not a number names its field.
    fn to_input(&self) -> Result<VisitInput, String> {
        let mut seen = Vec::new();
        for b in self.seen.iter().filter(|b| !b.person.is_empty()) {
            let count = |v: &str, field: &str| -> Result<u32, String> {
                if v.is_empty() {
                    return Ok(0);
                }
                v.parse()
                    .map_err(|_| format!("seen[{}].{field}: '{v}' is not a number", b.i + 1))
            };
            seen.push(SeenInput {
                person: b.person.clone(),
                health: Some(b.health.clone()).filter(|h| !h.trim().is_empty()),
                conditions: Some(b.conditions.clone()).filter(|h| !h.trim().is_empty()),
                items: b.items.clone(),
                messages_collected: count(&b.collected, "messages_collected")?,
                messages_delivered: count(&b.delivered, "messages_delivered")?,
                family_call: b.call,
                consent: ConsentInput {
                    family: b.consent_family,
                    representations: b.consent_representations,
                    reports: b.consent_reports,
                },
            });
        }
        Ok(VisitInput {
            date: self.date.clone(),
            place: self.place.clone(),
            organisation: self.organisation.clone(),
            conditions: self.conditions,
            seen,
        })
    }
}

/// `POST /visits`: records the visit whole, or shows the form again with what is wrong.
pub async fn add_visit(
    State(s): State<AppState>,
    l: Lang,
    p: Option<Extension<Principal>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let health = may_write_health(p.as_ref().map(|e| &e.0));
    let data = VisitFormData::from_pairs(&pairs);
    let uri = axum::http::Uri::from_static("/visits/new");
    if !health && data.seen.iter().any(|b| !b.health.trim().is_empty()) {
        return Err(WebError::Forbidden);
    }
    let input = match data.to_input() {
        Ok(i) => i,
        Err(m) => {
            return Ok(visit_form(&s, l, &uri, health, data, Some(m))
                .await?
                .into_response())
        }
    };
    let mut rng = rand::rngs::OsRng;
    match casework::add_visit(s.store.as_ref(), &mut rng, "form", &input).await {
        Ok(v) => Ok(Redirect::to(&format!("/places/{}?recorded=1", v.place_id)).into_response()),
        Err(e @ (CaseError::Invalid { .. } | CaseError::NotFound(_))) => {
            Ok(visit_form(&s, l, &uri, health, data, Some(e.to_string()))
                .await?
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- JSON API ----

/// A place of detention.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceOut {
    /// Opaque id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The detaining authority.
    pub authority: Option<String>,
    /// Region.
    pub region: Option<String>,
}

impl From<DetentionPlace> for PlaceOut {
    fn from(p: DetentionPlace) -> Self {
        PlaceOut {
            id: p.id.to_string(),
            name: p.name,
            authority: p.authority,
            region: p.region,
        }
    }
}

/// The four standard conditions of a visit.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ConditionsIo {
    /// Access to all detainees and all places.
    #[serde(default)]
    pub access_all: bool,
    /// Interviews in private.
    #[serde(default)]
    pub private_interviews: bool,
    /// Repeat visits allowed.
    #[serde(default)]
    pub repeat_allowed: bool,
    /// A list of detainees provided.
    #[serde(default)]
    pub list_provided: bool,
}

/// A visit as listed: counts only, never findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitSummaryOut {
    /// Opaque id.
    pub id: String,
    /// YYYY, YYYY-MM or YYYY-MM-DD.
    pub date: String,
    /// The place's name.
    pub place: String,
    /// Who visited.
    pub organisation: String,
    /// The standard conditions.
    pub conditions: ConditionsIo,
    /// Persons seen.
    pub persons_seen: u64,
    /// Family calls made.
    pub family_calls: u64,
    /// Messages collected plus delivered.
    pub messages: u64,
}

impl From<casework::VisitSummary> for VisitSummaryOut {
    fn from(v: casework::VisitSummary) -> Self {
        VisitSummaryOut {
            id: v.id,
            date: v.date,
            place: v.place,
            organisation: v.organisation,
            conditions: ConditionsIo {
                access_all: v.conditions.access_all,
                private_interviews: v.conditions.private_interviews,
                repeat_allowed: v.conditions.repeat_allowed,
                list_provided: v.conditions.list_provided,
            },
            persons_seen: v.persons_seen as u64,
            family_calls: v.family_calls as u64,
            messages: v.messages,
        }
    }
}

/// A place with its visits.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceDetailOut {
    /// The place.
    pub place: PlaceOut,
    /// Its visits, newest first.
    pub visits: Vec<VisitSummaryOut>,
}

/// `GET /api/v1/places`.
#[utoipa::path(get, path = "/api/v1/places", tag = "monitoring",
    responses((status = 200, description = "Places of detention", body = [PlaceOut]),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_places(State(s): State<AppState>) -> Result<Json<Vec<PlaceOut>>, WebError> {
    Ok(Json(
        s.store
            .places()
            .await?
            .into_iter()
            .map(PlaceOut::from)
            .collect(),
    ))
}

/// `POST /api/v1/places`.
#[utoipa::path(post, path = "/api/v1/places", tag = "monitoring", request_body = PlaceForm,
    responses((status = 200, description = "The place added", body = PlaceOut),
              (status = 400, description = "Malformed body", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody),
              (status = 422, description = "Invalid place", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_add_place(
    State(s): State<AppState>,
    JsonObject(f): JsonObject<PlaceForm>,
) -> Result<Json<PlaceOut>, WebError> {
    let mut rng = rand::rngs::OsRng;
    let p = casework::add_place(s.store.as_ref(), &mut rng, &f.name, f.authority, f.region).await?;
    Ok(Json(p.into()))
}

/// `GET /api/v1/places/{id}`.
#[utoipa::path(get, path = "/api/v1/places/{id}", tag = "monitoring",
    params(("id" = String, Path, description = "Place id")),
    responses((status = 200, description = "The place and its visits", body = PlaceDetailOut),
              (status = 404, description = "No such place", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_place(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PlaceDetailOut>, WebError> {
    let p = place_by_id(&s, &id).await?;
    let visits = casework::list_visits(s.store.as_ref(), Some(p.id.as_str())).await?;
    Ok(Json(PlaceDetailOut {
        place: p.into(),
        visits: visits.into_iter().map(VisitSummaryOut::from).collect(),
    }))
}

/// The consent of a person seen, per use of what they said.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConsentIn {
    /// Passing it (and where they are) to their family.
    #[serde(default)]
    pub family: bool,
    /// Using it in representations to the detaining authority.
    #[serde(default)]
    pub representations: bool,
    /// Using it, without their name, in reports.
    #[serde(default)]
    pub reports: bool,
}

/// One person seen in a visit, with the findings.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SeenIn {
    /// The person's id.
    pub person: String,
    /// Health findings (a health officer only).
    #[serde(default)]
    pub health: Option<String>,
    /// Conditions of detention.
    #[serde(default)]
    pub conditions: Option<String>,
    /// Items delivered, from the list of items.
    #[serde(default)]
    pub items: Vec<String>,
    /// Messages collected.
    #[serde(default)]
    pub messages_collected: u32,
    /// Messages delivered.
    #[serde(default)]
    pub messages_delivered: u32,
    /// A call with family took place.
    #[serde(default)]
    pub family_call: bool,
    /// Consent per use.
    #[serde(default)]
    pub consent: ConsentIn,
}

/// A visit to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VisitIn {
    /// YYYY, YYYY-MM or YYYY-MM-DD.
    pub date: String,
    /// The place: id or exact name.
    pub place: String,
    /// The visiting organisation.
    pub organisation: String,
    /// The standard conditions.
    #[serde(default)]
    pub conditions: ConditionsIo,
    /// Whom they saw.
    #[serde(default)]
    pub seen: Vec<SeenIn>,
}

/// A visit recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitRecordedOut {
    /// Opaque id.
    pub id: String,
    /// Its date.
    pub date: String,
    /// The place's id.
    pub place: String,
    /// Persons seen.
    pub persons_seen: u64,
}

/// `GET /api/v1/visits`.
#[utoipa::path(get, path = "/api/v1/visits", tag = "monitoring",
    responses((status = 200, description = "Visits, newest first (counts only)", body = [VisitSummaryOut]),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_visits(State(s): State<AppState>) -> Result<Json<Vec<VisitSummaryOut>>, WebError> {
    let v = casework::list_visits(s.store.as_ref(), None).await?;
    Ok(Json(v.into_iter().map(VisitSummaryOut::from).collect()))
}

/// `POST /api/v1/visits`: records a visit whole (every field checked first).
#[utoipa::path(post, path = "/api/v1/visits", tag = "monitoring", request_body = VisitIn,
    responses((status = 200, description = "The visit recorded", body = VisitRecordedOut),
              (status = 400, description = "Malformed body", body = ErrorBody),
              (status = 403, description = "Health findings from someone not a health officer", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody),
              (status = 422, description = "Invalid visit, named by field", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_add_visit(
    State(s): State<AppState>,
    p: Option<Extension<Principal>>,
    JsonObject(v): JsonObject<VisitIn>,
) -> Result<Json<VisitRecordedOut>, WebError> {
    if !may_write_health(p.as_ref().map(|e| &e.0))
        && v.seen
            .iter()
            .any(|x| x.health.as_deref().is_some_and(|h| !h.trim().is_empty()))
    {
        return Err(WebError::Forbidden);
    }
    let input = VisitInput {
        date: v.date,
        place: v.place,
        organisation: v.organisation,
        conditions: ConditionsInput {
            access_all: v.conditions.access_all,
            private_interviews: v.conditions.private_interviews,
            repeat_allowed: v.conditions.repeat_allowed,
            list_provided: v.conditions.list_provided,
        },
        seen: v
            .seen
            .into_iter()
            .map(|x| SeenInput {
                person: x.person,
                health: x.health,
                conditions: x.conditions,
                items: x.items,
                messages_collected: x.messages_collected,
                messages_delivered: x.messages_delivered,
                family_call: x.family_call,
                consent: ConsentInput {
                    family: x.consent.family,
                    representations: x.consent.representations,
                    reports: x.consent.reports,
                },
            })
            .collect(),
    };
    let mut rng = rand::rngs::OsRng;
    let visit = casework::add_visit(s.store.as_ref(), &mut rng, "body", &input).await?;
    Ok(Json(VisitRecordedOut {
        id: visit.id.to_string(),
        date: visit.date.to_string(),
        place: visit.place_id.to_string(),
        persons_seen: visit.findings.len() as u64,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_flat_form_becomes_a_visit_with_findings_per_person() {
        let f = VisitFormData::from_pairs(&pairs(&[
            ("_csrf", "token"),
            ("place", " plc_1 "),
            ("date", "2026-10-01"),
            ("organisation", "Visitors"),
            ("access_all", "1"),
            ("seen-0-person", "per_a"),
            ("seen-0-items", "clothing"),
            ("seen-0-items", "hygiene kit"),
            ("seen-0-delivered", "2"),
            ("seen-0-call", "1"),
            ("seen-0-consent-family", "1"),
            ("seen-2-person", "per_b"),
            ("seen-2-health", "  "),
            ("seen-9-person", "ignored: no such row"),
            ("seen-x-person", "ignored"),
        ]));
        let v = f.to_input().unwrap();
        assert_eq!(v.place, "plc_1");
        assert!(v.conditions.access_all && !v.conditions.private_interviews);
        assert_eq!(v.seen.len(), 2, "empty rows are skipped");
        assert_eq!(v.seen[0].items, vec!["clothing", "hygiene kit"]);
        assert_eq!(v.seen[0].messages_delivered, 2);
        assert!(v.seen[0].family_call && v.seen[0].consent.family);
        assert!(!v.seen[0].consent.reports);
        assert_eq!(v.seen[1].person, "per_b");
        assert_eq!(v.seen[1].health, None, "blank findings are none");
    }

    #[test]
    fn a_count_that_is_not_a_number_names_its_row_and_field() {
        let f = VisitFormData::from_pairs(&pairs(&[
            ("seen-1-person", "per_a"),
            ("seen-1-collected", "three"),
        ]));
        let e = f.to_input().unwrap_err();
        assert!(e.contains("seen[2].messages_collected"), "{e}");
    }
}
