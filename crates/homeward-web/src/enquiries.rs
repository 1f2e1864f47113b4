//! Enquiries, staff side: the intake form, the list, an enquiry with its candidate persons
//! (field-by-field evidence) and the answer, as pages and as JSON under `/api/v1/enquiries`.
//! Handlers call `homeward_app::enquiry`. The family's own page is elsewhere.

use askama::Template;
use axum::extract::{Form, OriginalUri, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use homeward_app::casework::CaseError;
use homeward_app::enquiry::{self, AnswerPolicy, Candidate, EnquiryIntake};
use homeward_domain::PartialDate;
use homeward_trust::password::{Argon2Cost, PasswordHasher};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::body::JsonObject;
use crate::error::ErrorBody;
use crate::i18n::Lang;
use crate::pages::{render, Chrome};
use crate::review::actor_name;
use crate::{AppState, Principal, WebError};

/// The sought person's fields the intake form asks for, in order.
pub const SOUGHT_FIELDS: [&str; 8] = [
    "given_name",
    "family_name",
    "patronymic",
    "birth_date",
    "birth_place",
    "sex",
    "capture_date",
    "capture_place",
];

/// Candidates shown for an enquiry.
const CANDIDATES: u32 = 10;

fn hasher() -> Result<PasswordHasher, WebError> {
    PasswordHasher::new(Argon2Cost::default(), None).map_err(|e| WebError::Internal(e.to_string()))
}

/// An enquiry reference in a path: malformed is simply not found.
fn reference_error(e: CaseError) -> WebError {
    match e {
        CaseError::Invalid { ref input, .. } if input == "REFERENCE" => {
            if e.to_string().contains("closed") {
                WebError::Unprocessable(e.to_string())
            } else {
                WebError::NotFound
            }
        }
        other => other.into(),
    }
}

fn state_label(l: Lang, s: &str) -> String {
    l.t(&format!("enquiry-state-{s}"))
}

/// The query of the list: one state, or all.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnquiriesQuery {
    /// open, under_review, answered or closed; all when absent.
    pub state: Option<String>,
}

fn parse_state(s: Option<&str>) -> Result<Option<homeward_domain::EnquiryState>, WebError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => enquiry::parse_state(t).map(Some).ok_or_else(|| {
            WebError::BadRequest(format!(
                "state {t:?}: expected open, under_review, answered or closed"
            ))
        }),
    }
}

/// One line of the list page.
pub struct EnquiryRow {
    reference: String,
    received: String,
    state: String,
    sought: String,
}

#[derive(Template)]
#[template(path = "enquiries.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<EnquiryRow>,
    count_line: String,
}

/// `GET /enquiries`: enquiries, oldest first.
pub async fn list(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<EnquiriesQuery>,
) -> Result<Html<String>, WebError> {
    let state = parse_state(q.state.as_deref())?;
    let items = enquiry::list(s.store.as_ref(), state).await?;
    render(&ListPage {
        c: Chrome::new(l, &uri, "enquiries"),
        count_line: l.tn("enquiries-count", "count", items.len() as i64),
        rows: items
            .into_iter()
            .map(|e| EnquiryRow {
                received: e.received.parse().map(|d| l.date(&d)).unwrap_or(e.received),
                state: state_label(l, &e.state),
                reference: e.reference,
                sought: e.sought_name,
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "enquiry_new.html")]
struct IntakePage {
    c: Chrome,
    received: String,
    fields: Vec<(&'static str, String, String)>,
    form: IntakeForm,
    error: Option<String>,
}

/// The intake form (the session's `_csrf` field is ignored here).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct IntakeForm {
    #[serde(default)]
    received: String,
    #[serde(default)]
    enquirer_name: String,
    #[serde(default)]
    relation: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    consent_to_share: Option<String>,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    patronymic: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    birth_place: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    capture_date: String,
    #[serde(default)]
    capture_place: String,
}

impl IntakeForm {
    fn sought_value(&self, field: &str) -> &str {
        match field {
            "given_name" => &self.given_name,
            "family_name" => &self.family_name,
            "patronymic" => &self.patronymic,
            "birth_date" => &self.birth_date,
            "birth_place" => &self.birth_place,
            "sex" => &self.sex,
            "capture_date" => &self.capture_date,
            "capture_place" => &self.capture_place,
            _ => "",
        }
    }

    fn intake(&self) -> EnquiryIntake {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        EnquiryIntake {
            received: self.received.trim().to_owned(),
            enquirer_name: opt(&self.enquirer_name),
            relation: opt(&self.relation),
            contact: opt(&self.contact),
            consent_to_share: self.consent_to_share.is_some(),
            sought: SOUGHT_FIELDS
                .iter()
                .map(|f| ((*f).to_owned(), self.sought_value(f).trim().to_owned()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        }
    }
}

fn intake_page(
    l: Lang,
    uri: &axum::http::Uri,
    form: IntakeForm,
    error: Option<String>,
) -> Result<Html<String>, WebError> {
    render(&IntakePage {
        c: Chrome::new(l, uri, "enquiries"),
        received: form.received.clone(),
        fields: SOUGHT_FIELDS
            .iter()
            .map(|f| {
                (
                    *f,
                    l.t(&format!("field-{f}")),
                    form.sought_value(f).to_owned(),
                )
            })
            .collect(),
        form,
        error,
    })
}

/// `GET /enquiries/new`: the intake form.
pub async fn new(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
) -> Result<Html<String>, WebError> {
    let form = IntakeForm {
        received: s.today()?.to_string(),
        ..IntakeForm::default()
    };
    intake_page(l, &uri, form, None)
}

#[derive(Template)]
#[template(path = "enquiry_receipt.html")]
struct ReceiptPage {
    c: Chrome,
    reference: String,
    passphrase: String,
}

/// `POST /enquiries`: takes the enquiry and shows the reference and passphrase once.
pub async fn add(
    State(s): State<AppState>,
    l: Lang,
    Form(f): Form<IntakeForm>,
) -> Result<Response, WebError> {
    let h = hasher()?;
    let mut rng = rand::rngs::OsRng;
    match enquiry::add(s.store.as_ref(), &h, &mut rng, &f.intake()).await {
        Ok(r) => Ok(render(&ReceiptPage {
            c: Chrome::new(l, &axum::http::Uri::from_static("/enquiries"), "enquiries"),
            reference: r.reference,
            passphrase: r.passphrase,
        })?
        .into_response()),
        Err(e @ CaseError::Invalid { .. }) => {
            let back = axum::http::Uri::from_static("/enquiries/new");
            Ok(intake_page(l, &back, f, Some(e.to_string()))?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// One candidate on the enquiry page.
pub struct CandidateRow {
    person: String,
    name: String,
    score: String,
    evidence: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "enquiry.html")]
struct EnquiryPage {
    c: Chrome,
    reference: String,
    received: String,
    state: String,
    open: bool,
    enquirer_name: String,
    relation: String,
    contact: String,
    consent: String,
    sought: Vec<(String, String)>,
    person: Option<String>,
    answer: Vec<(String, String)>,
    decided: String,
    searched: bool,
    candidates: Vec<CandidateRow>,
    message: Option<String>,
}

fn answer_lines(l: Lang, a: &enquiry::Answer) -> Vec<(String, String)> {
    let none = l.t("answer-none-known");
    let date = |d: &Option<String>| {
        d.as_deref()
            .and_then(|d| d.parse::<PartialDate>().ok())
            .map_or_else(|| none.clone(), |d| l.date(&d))
    };
    vec![
        (
            l.t("answer-as-of"),
            a.as_of
                .parse()
                .map(|d| l.date(&d))
                .unwrap_or_else(|_| a.as_of.clone()),
        ),
        (l.t("answer-status"), l.t(&format!("status-{}", a.status))),
        (
            l.t("answer-legal-status"),
            l.t(&format!("legal-{}", a.legal_status)),
        ),
        (
            l.t("answer-last-sighting"),
            date(&a.last_independent_sighting),
        ),
        (
            l.t("answer-place"),
            a.place_of_detention.clone().unwrap_or_else(|| none.clone()),
        ),
        (l.t("answer-last-contact"), date(&a.last_family_contact)),
        (
            l.t("answer-message"),
            a.message.clone().unwrap_or_else(|| none.clone()),
        ),
    ]
}

async fn enquiry_page(
    s: &AppState,
    l: Lang,
    uri: &axum::http::Uri,
    reference: &str,
    candidates: Option<Vec<Candidate>>,
    message: Option<String>,
) -> Result<Html<String>, WebError> {
    let d = enquiry::show(s.store.as_ref(), reference)
        .await
        .map_err(reference_error)?;
    let yes_no = |b: bool| l.t(if b { "yes" } else { "no" });
    render(&EnquiryPage {
        c: Chrome::new(l, uri, "enquiries"),
        open: d.state != "closed",
        state: state_label(l, &d.state),
        received: d
            .received
            .parse()
            .map(|x| l.date(&x))
            .unwrap_or(d.received.clone()),
        enquirer_name: d.enquirer_name.clone().unwrap_or_default(),
        relation: d.relation.clone().unwrap_or_default(),
        // The enquirer's contact is sealed and never rendered on the web: it is read, logged,
        // with `homeward enquiry show` by the caseworker who replies.
        contact: if d.contact.is_some() {
            l.t("enquiry-contact-held")
        } else {
            String::new()
        },
        consent: yes_no(d.consent_to_share),
        sought: d
            .sought
            .iter()
            .map(|(k, v)| (l.t(&format!("field-{k}")), v.clone()))
            .collect(),
        person: d.person_id.clone(),
        answer: d
            .answer
            .as_ref()
            .map(|a| answer_lines(l, a))
            .unwrap_or_default(),
        decided: d.decided.clone().unwrap_or_default(),
        searched: candidates.is_some(),
        candidates: candidates
            .unwrap_or_default()
            .into_iter()
            .map(|c| CandidateRow {
                score: format!("{:.0}%", c.score * 100.0),
                evidence: c
                    .evidence
                    .into_iter()
                    .map(|e| {
                        (
                            l.t(&format!("field-{}", e.field)),
                            e.enquiry,
                            e.registry.unwrap_or_default(),
                            l.t(&format!("verdict-{}", e.verdict)),
                        )
                    })
                    .collect(),
                person: c.person_id,
                name: c.name,
            })
            .collect(),
        reference: d.reference,
        message,
    })
}

/// The query of an enquiry page after it was answered.
#[derive(Debug, Default, Deserialize)]
pub struct AnsweredQuery {
    /// Set after an answer.
    pub answered: Option<String>,
}

/// `GET /enquiries/{reference}`: the enquiry in full, its answer if any.
pub async fn show(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    Path(reference): Path<String>,
    Query(q): Query<AnsweredQuery>,
) -> Result<Html<String>, WebError> {
    let message = q.answered.is_some().then(|| l.t("enquiry-answered"));
    enquiry_page(&s, l, &uri, &reference, None, message).await
}

/// An empty form (the session's `_csrf` field only).
#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

/// `POST /enquiries/{reference}/match`: finds candidate persons (an open enquiry with
/// candidates moves to under review) and shows them with their evidence.
pub async fn find(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    p: Option<Extension<Principal>>,
    Path(reference): Path<String>,
    Form(_): Form<EmptyForm>,
) -> Result<Html<String>, WebError> {
    let who = actor_name(p.as_ref().map(|e| &e.0));
    let at = crate::pages::now_iso(&s)?;
    let c = enquiry::match_enquiry(s.store.as_ref(), &reference, CANDIDATES, &who, &at)
        .await
        .map_err(reference_error)?;
    // The language switcher comes back to the enquiry, not to this POST-only address.
    let uri = format!("/enquiries/{}", reference.trim())
        .parse()
        .unwrap_or(uri);
    enquiry_page(&s, l, &uri, &reference, Some(c), None).await
}

/// The answer form.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AnswerForm {
    /// The person the enquiry is about.
    pub person: String,
    /// A caseworker's words to the family.
    #[serde(default)]
    pub message: Option<String>,
    /// Tell the place of detention (only if the person consented and it is allowed).
    #[serde(default, deserialize_with = "checkbox")]
    pub disclose_place: bool,
    /// The date the answer speaks as of (today when absent).
    #[serde(default)]
    pub as_of: Option<String>,
}

/// A checkbox as sent by a form (`on`, `1`, `true`) or a JSON boolean.
fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Text(String),
    }
    Ok(match B::deserialize(d)? {
        B::Bool(b) => b,
        B::Text(t) => matches!(t.trim(), "on" | "1" | "true" | "yes"),
    })
}

async fn do_answer(
    s: &AppState,
    who: &str,
    reference: &str,
    f: &AnswerForm,
) -> Result<enquiry::Answer, WebError> {
    let as_of = match f.as_of.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t
            .parse()
            .map_err(|e| WebError::Unprocessable(format!("as_of: {e}")))?,
        None => s.today()?,
    };
    let at = crate::pages::now_iso(s)?;
    enquiry::answer(
        s.store.as_ref(),
        reference,
        &f.person,
        as_of,
        AnswerPolicy {
            disclose_place: f.disclose_place,
        },
        f.message.clone(),
        who,
        &at,
    )
    .await
    .map_err(reference_error)
}

/// `POST /enquiries/{reference}/answer`: links the enquiry to a person and answers it.
pub async fn answer(
    State(s): State<AppState>,
    p: Option<Extension<Principal>>,
    Path(reference): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, WebError> {
    let who = actor_name(p.as_ref().map(|e| &e.0));
    do_answer(&s, &who, &reference, &f).await?;
    Ok(Redirect::to(&format!("/enquiries/{}?answered=1", reference.trim())).into_response())
}

// ---- JSON API ----

/// An enquiry as listed (no enquirer contact).
#[derive(Debug, Serialize, ToSchema)]
pub struct EnquirySummaryOut {
    /// Reference.
    pub reference: String,
    /// Received.
    pub received: String,
    /// open, under_review, answered or closed.
    pub state: String,
    /// The sought person's name as the family wrote it.
    pub sought_name: String,
    /// The person it is linked to.
    pub person_id: Option<String>,
}

/// What the family is told.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerOut {
    /// The date the answer speaks as of.
    pub as_of: String,
    /// Status.
    pub status: String,
    /// Legal status.
    pub legal_status: String,
    /// Last independent sighting.
    pub last_independent_sighting: Option<String>,
    /// Place of detention, only when allowed and consented.
    pub place_of_detention: Option<String>,
    /// Last contact with family.
    pub last_family_contact: Option<String>,
    /// A caseworker's words.
    pub message: Option<String>,
}

impl From<enquiry::Answer> for AnswerOut {
    fn from(a: enquiry::Answer) -> Self {
        AnswerOut {
            as_of: a.as_of,
            status: a.status,
            legal_status: a.legal_status,
            last_independent_sighting: a.last_independent_sighting,
            place_of_detention: a.place_of_detention,
            last_family_contact: a.last_family_contact,
            message: a.message,
        }
    }
}

/// An enquiry in full, for the caseworker handling it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnquiryDetailOut {
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
    /// Whether a contact is on file (the contact itself never leaves through the web).
    pub contact_on_file: bool,
    /// Consent to share.
    pub consent_to_share: bool,
    /// What the family said, as [field, value].
    pub sought: Vec<Vec<String>>,
    /// The linked person.
    pub person_id: Option<String>,
    /// The answer given.
    pub answer: Option<AnswerOut>,
}

/// What an enquiry needs: the enquirer and what they know of the sought person.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct IntakeIn {
    /// When received (YYYY-MM-DD; today when absent).
    #[serde(default)]
    pub received: Option<String>,
    /// The enquirer's name.
    #[serde(default)]
    pub enquirer_name: Option<String>,
    /// Relation to the sought person.
    #[serde(default)]
    pub relation: Option<String>,
    /// How to reach the enquirer.
    #[serde(default)]
    pub contact: Option<String>,
    /// Consent to share the enquiry with the person and other tracing services.
    #[serde(default)]
    pub consent_to_share: bool,
    /// What the family knows of the sought person, field by field; some name is required.
    #[serde(default)]
    pub sought: Vec<SoughtIn>,
}

/// One thing the family knows of the sought person.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SoughtIn {
    /// A standard field (given_name, family_name, birth_date, ...).
    pub field: String,
    /// Its value, as the family gives it.
    pub value: String,
}

/// The reference and passphrase, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptOut {
    /// Reference.
    pub reference: String,
    /// Passphrase (stored only as a hash).
    pub passphrase: String,
}

/// One field of a candidate's evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldEvidenceOut {
    /// The field.
    pub field: String,
    /// What the family said.
    pub enquiry: String,
    /// The closest value the registry holds.
    pub registry: Option<String>,
    /// agrees, close, differs or missing.
    pub verdict: String,
    /// Similarity in [0, 1].
    pub score: f64,
}

/// A candidate person.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateOut {
    /// The person.
    pub person_id: String,
    /// Display name.
    pub name: String,
    /// Overall score in [0, 1].
    pub score: f64,
    /// Field by field.
    pub evidence: Vec<FieldEvidenceOut>,
}

/// `GET /api/v1/enquiries`.
#[utoipa::path(get, path = "/api/v1/enquiries", tag = "enquiries", params(EnquiriesQuery),
    responses((status = 200, description = "Enquiries, oldest first", body = [EnquirySummaryOut]),
              (status = 400, description = "Bad state", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_list(
    State(s): State<AppState>,
    Query(q): Query<EnquiriesQuery>,
) -> Result<Json<Vec<EnquirySummaryOut>>, WebError> {
    let state = parse_state(q.state.as_deref())?;
    Ok(Json(
        enquiry::list(s.store.as_ref(), state)
            .await?
            .into_iter()
            .map(|e| EnquirySummaryOut {
                reference: e.reference,
                received: e.received,
                state: e.state,
                sought_name: e.sought_name,
                person_id: e.person_id,
            })
            .collect(),
    ))
}

/// `POST /api/v1/enquiries`.
#[utoipa::path(post, path = "/api/v1/enquiries", tag = "enquiries", request_body = IntakeIn,
    responses((status = 200, description = "Received: the reference and passphrase, once", body = ReceiptOut),
              (status = 400, description = "Malformed body", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody),
              (status = 422, description = "Invalid intake, named by field", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_add(
    State(s): State<AppState>,
    JsonObject(i): JsonObject<IntakeIn>,
) -> Result<Json<ReceiptOut>, WebError> {
    let intake = EnquiryIntake {
        received: match i.received.filter(|r| !r.trim().is_empty()) {
            Some(r) => r,
            None => s.today()?.to_string(),
        },
        enquirer_name: i.enquirer_name,
        relation: i.relation,
        contact: i.contact,
        consent_to_share: i.consent_to_share,
        sought: i.sought.into_iter().map(|x| (x.field, x.value)).collect(),
    };
    let h = hasher()?;
    let mut rng = rand::rngs::OsRng;
    let r = enquiry::add(s.store.as_ref(), &h, &mut rng, &intake).await?;
    Ok(Json(ReceiptOut {
        reference: r.reference,
        passphrase: r.passphrase,
    }))
}

/// `GET /api/v1/enquiries/{reference}`.
#[utoipa::path(get, path = "/api/v1/enquiries/{reference}", tag = "enquiries",
    params(("reference" = String, Path, description = "Enquiry reference")),
    responses((status = 200, description = "The enquiry", body = EnquiryDetailOut),
              (status = 404, description = "No such enquiry", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_show(
    State(s): State<AppState>,
    Path(reference): Path<String>,
) -> Result<Json<EnquiryDetailOut>, WebError> {
    let d = enquiry::show(s.store.as_ref(), &reference)
        .await
        .map_err(reference_error)?;
    Ok(Json(EnquiryDetailOut {
        reference: d.reference,
        received: d.received,
        state: d.state,
        enquirer_name: d.enquirer_name,
        relation: d.relation,
        contact_on_file: d.contact.is_some(),
        consent_to_share: d.consent_to_share,
        sought: d.sought.into_iter().map(|(k, v)| vec![k, v]).collect(),
        person_id: d.person_id,
        answer: d.answer.map(AnswerOut::from),
    }))
}

/// `POST /api/v1/enquiries/{reference}/match`: candidates, best first (an open enquiry
/// with candidates moves to under review).
#[utoipa::path(post, path = "/api/v1/enquiries/{reference}/match", tag = "enquiries",
    params(("reference" = String, Path, description = "Enquiry reference")),
    responses((status = 200, description = "Candidates with field-by-field evidence", body = [CandidateOut]),
              (status = 404, description = "No such enquiry", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_match(
    State(s): State<AppState>,
    p: Option<Extension<Principal>>,
    Path(reference): Path<String>,
) -> Result<Json<Vec<CandidateOut>>, WebError> {
    let who = actor_name(p.as_ref().map(|e| &e.0));
    let at = crate::pages::now_iso(&s)?;
    let c = enquiry::match_enquiry(s.store.as_ref(), &reference, CANDIDATES, &who, &at)
        .await
        .map_err(reference_error)?;
    Ok(Json(
        c.into_iter()
            .map(|c| CandidateOut {
                person_id: c.person_id,
                name: c.name,
                score: c.score,
                evidence: c
                    .evidence
                    .into_iter()
                    .map(|e| FieldEvidenceOut {
                        field: e.field,
                        enquiry: e.enquiry,
                        registry: e.registry,
                        verdict: e.verdict,
                        score: e.score,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// `POST /api/v1/enquiries/{reference}/answer`.
#[utoipa::path(post, path = "/api/v1/enquiries/{reference}/answer", tag = "enquiries",
    params(("reference" = String, Path, description = "Enquiry reference")),
    request_body = AnswerForm,
    responses((status = 200, description = "The answer given", body = AnswerOut),
              (status = 400, description = "Malformed body", body = ErrorBody),
              (status = 404, description = "No such enquiry or person", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody),
              (status = 422, description = "Cannot answer (closed, bad date)", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_answer(
    State(s): State<AppState>,
    p: Option<Extension<Principal>>,
    Path(reference): Path<String>,
    JsonObject(f): JsonObject<AnswerForm>,
) -> Result<Json<AnswerOut>, WebError> {
    let who = actor_name(p.as_ref().map(|e| &e.0));
    Ok(Json(do_answer(&s, &who, &reference, &f).await?.into()))
}
