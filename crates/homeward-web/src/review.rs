//! The review queue: candidate pairs, a pair's two records side by side with the
//! field-by-field evidence and the match probability, and the decisions (accept, reject,
//! undo) as pages and as JSON under `/api/v1/reviews`. Handlers call
//! `homeward_app::linkage::review` only.

use askama::Template;
use axum::extract::{Form, OriginalUri, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use homeward_app::linkage::review::{self, Actor, ReviewDetail, ReviewSummary};
use homeward_app::linkage::{DecisionView, LinkageError};
use homeward_store::ReviewState;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::body::JsonObject;
use crate::error::ErrorBody;
use crate::pages::{render, Chrome};
use crate::{AppState, Principal, WebError};

impl From<LinkageError> for WebError {
    fn from(e: LinkageError) -> Self {
        match e {
            LinkageError::Store(s) => WebError::Store(s),
            LinkageError::Import(i) => i.into(),
            LinkageError::NotFound(_) => WebError::NotFound,
            LinkageError::Link(l) => WebError::Internal(l.to_string()),
            other => WebError::Unprocessable(other.to_string()),
        }
    }
}

/// The name decisions are recorded under for a principal: the signed-in account's id (the
/// audit log names the same account).
pub(crate) fn actor_name(p: Option<&Principal>) -> String {
    match p {
        Some(Principal::Staff { user, .. }) => user.to_string(),
        Some(Principal::Anonymous) | None => "anonymous".to_owned(),
    }
}

/// The query of the queue: which state to list (open by default).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// open, accepted or rejected.
    pub state: Option<String>,
}

fn parse_state(s: Option<&str>) -> Result<ReviewState, WebError> {
    match s.map(str::trim).unwrap_or("open") {
        "" | "open" => Ok(ReviewState::Open),
        "accepted" => Ok(ReviewState::Accepted),
        "rejected" => Ok(ReviewState::Rejected),
        other => Err(WebError::BadRequest(format!(
            "state {other:?}: expected open, accepted or rejected"
        ))),
    }
}

fn state_str(s: ReviewState) -> &'static str {
    match s {
        ReviewState::Open => "open",
        ReviewState::Accepted => "accepted",
        ReviewState::Rejected => "rejected",
    }
}

fn percent(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

/// One line of the queue page.
pub struct QueueRow {
    id: String,
    left: String,
    right: String,
    probability: String,
    created: String,
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct QueuePage {
    c: Chrome,
    state: &'static str,
    states: Vec<(&'static str, String)>,
    count_line: String,
    rows: Vec<QueueRow>,
}

/// `GET /reviews`: candidate pairs, most probable first.
pub async fn queue(
    State(s): State<AppState>,
    l: crate::i18n::Lang,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, WebError> {
    let state = parse_state(q.state.as_deref())?;
    let items = review::list(s.store.as_ref(), Some(state)).await?;
    render(&QueuePage {
        c: Chrome::new(l, &uri, "reviews"),
        state: state_str(state),
        states: ["open", "accepted", "rejected"]
            .into_iter()
            .map(|st| (st, l.t(&format!("review-state-{st}"))))
            .collect(),
        count_line: l.tn("reviews-count", "count", items.len() as i64),
        rows: items
            .into_iter()
            .map(|i| QueueRow {
                probability: percent(i.probability),
                created: i.created_at.chars().take(10).collect(),
                id: i.id,
                left: i.left_name,
                right: i.right_name,
            })
            .collect(),
    })
}

/// One line of evidence on the pair page.
pub struct EvidenceRow {
    field: String,
    level: String,
    left: String,
    right: String,
    weight: String,
    /// for, against or none: how the line moves the decision.
    sense: &'static str,
}

#[derive(Template)]
#[template(path = "review.html")]
struct PairPage {
    c: Chrome,
    id: String,
    state: &'static str,
    state_label: String,
    probability: String,
    weight: String,
    prior: String,
    left_head: String,
    right_head: String,
    left_person: String,
    right_person: String,
    fields: Vec<(String, String, String)>,
    evidence: Vec<EvidenceRow>,
    decision: Option<String>,
    message: Option<String>,
}

fn bits(w: f64) -> String {
    // No "-0.00": a weight that rounds to nothing has no sign.
    if w.abs() < 0.005 {
        "0.00".to_owned()
    } else {
        format!("{w:+.2}")
    }
}

/// The two records' fields aligned by field name.
fn side_by_side(d: &ReviewDetail) -> Vec<(String, String, String)> {
    let mut names: Vec<&str> = d.left.fields.iter().map(|(f, _)| f.as_str()).collect();
    for (f, _) in &d.right.fields {
        if !names.contains(&f.as_str()) {
            names.push(f);
        }
    }
    let get = |fields: &[(String, String)], name: &str| {
        fields
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    names
        .into_iter()
        .map(|n| {
            (
                n.to_owned(),
                get(&d.left.fields, n),
                get(&d.right.fields, n),
            )
        })
        .collect()
}

/// The query of the pair page after a decision.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    /// accepted, rejected or undone.
    pub done: Option<String>,
}

/// `GET /reviews/{id}`: the two records side by side, the evidence and the decision forms.
pub async fn pair(
    State(s): State<AppState>,
    l: crate::i18n::Lang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Html<String>, WebError> {
    let d = review::show(s.store.as_ref(), &id)
        .await
        .map_err(not_found_if_invalid)?;
    let head = |r: &review::RecordView| format!("{} ({} {})", r.source, l.t("col-row"), r.row);
    let message = match q.done.as_deref() {
        Some("accepted") => Some(l.t("review-done-accepted")),
        Some("rejected") => Some(l.t("review-done-rejected")),
        Some("undone") => Some(l.t("review-done-undone")),
        _ => None,
    };
    render(&PairPage {
        c: Chrome::new(l, &uri, "reviews"),
        id: d.summary.id.clone(),
        state: state_str(d.summary.state),
        state_label: l.t(&format!("review-state-{}", state_str(d.summary.state))),
        probability: percent(d.summary.probability),
        weight: bits(d.summary.weight),
        prior: bits(d.prior_weight),
        left_head: head(&d.left),
        right_head: head(&d.right),
        left_person: d.left.person.clone(),
        right_person: d.right.person.clone(),
        fields: side_by_side(&d)
            .into_iter()
            .map(|(f, a, b)| (l.t(&format!("field-{f}")), a, b))
            .collect(),
        evidence: d
            .evidence
            .iter()
            .map(|e| EvidenceRow {
                field: l.t(&format!("field-{}", e.field)),
                level: e.level.clone(),
                left: e.left.clone(),
                right: e.right.clone(),
                weight: bits(e.weight),
                sense: if e.weight >= 0.005 {
                    "for"
                } else if e.weight <= -0.005 {
                    "against"
                } else {
                    "none"
                },
            })
            .collect(),
        decision: d.decision.clone(),
        message,
    })
}

/// A malformed id in a path is simply not found.
fn not_found_if_invalid(e: LinkageError) -> WebError {
    match e {
        LinkageError::Invalid(_) => WebError::NotFound,
        other => other.into(),
    }
}

/// The form of a decision: why (optional). The session's `_csrf` field is ignored here.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DecisionForm {
    /// Why, in a few words (may be empty).
    #[serde(default)]
    pub reason: String,
}

fn now(s: &AppState) -> Result<String, WebError> {
    crate::pages::now_iso(s)
}

async fn decide(
    s: &AppState,
    who: &str,
    id: &str,
    what: &str,
    reason: &str,
) -> Result<DecisionView, WebError> {
    let at = now(s)?;
    let actor = Actor {
        name: who,
        at: &at,
        reason,
    };
    let mut rng = rand::rngs::OsRng;
    let store = s.store.as_ref();
    let r = match what {
        "accept" => review::accept(store, id, &actor, &mut rng).await,
        "reject" => review::reject(store, id, &actor, &mut rng).await,
        _ => {
            let d = review::show(store, id)
                .await
                .map_err(not_found_if_invalid)?;
            // The pair's state does not allow it: a conflict, as deciding twice is.
            let decision = d.decision.ok_or_else(|| {
                WebError::Store(homeward_store::StoreError::Conflict(
                    "this pair has no decision to undo".into(),
                ))
            })?;
            review::undo(store, Some(&decision), &actor).await
        }
    };
    r.map_err(not_found_if_invalid)
}

async fn decide_page(
    s: AppState,
    p: Option<Extension<Principal>>,
    id: String,
    what: &'static str,
    f: DecisionForm,
) -> Result<Response, WebError> {
    let who = actor_name(p.as_ref().map(|e| &e.0));
    decide(&s, &who, &id, what, &f.reason).await?;
    let done = match what {
        "accept" => "accepted",
        "reject" => "rejected",
        _ => "undone",
    };
    Ok(Redirect::to(&format!("/reviews/{id}?done={done}")).into_response())
}

/// `POST /reviews/{id}/accept`: the two records are one person.
pub async fn accept_page(
    State(s): State<AppState>,
    p: Option<Extension<Principal>>,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, WebError> {
    decide_page(s, p, id, "accept", f).await
}

/// `POST /reviews/{id}/reject`: two different persons, never proposed again.
pub async fn reject_page(
    State(s): State<AppState>,
    p: Option<Extension<Principal>>,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, WebError> {
    decide_page(s, p, id, "reject", f).await
}

/// `POST /reviews/{id}/undo`: undoes the pair's decision exactly; the pair is open again.
pub async fn undo_page(
    State(s): State<AppState>,
    p: Option<Extension<Principal>>,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, WebError> {
    decide_page(s, p, id, "undo", f).await
}

// ---- JSON API ----

/// A candidate pair in the queue.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ReviewOut {
    /// Opaque id.
    pub id: String,
    /// open, accepted or rejected.
    pub state: String,
    /// Match probability in [0, 1].
    pub probability: f64,
    /// Match weight in bits.
    pub weight: f64,
    /// The kept side's person.
    pub left_person: String,
    /// Its display name.
    pub left_name: String,
    /// The other side's person.
    pub right_person: String,
    /// Its display name.
    pub right_name: String,
    /// When it was proposed.
    pub created_at: String,
}

impl From<ReviewSummary> for ReviewOut {
    fn from(s: ReviewSummary) -> Self {
        ReviewOut {
            id: s.id,
            state: state_str(s.state).to_owned(),
            probability: s.probability,
            weight: s.weight,
            left_person: s.left_person,
            left_name: s.left_name,
            right_person: s.right_person,
            right_name: s.right_name,
            created_at: s.created_at,
        }
    }
}

/// One record of a pair.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PairRecordOut {
    /// Opaque id.
    pub id: String,
    /// Source name.
    pub source: String,
    /// Row in the imported file.
    pub row: u64,
    /// Its person now.
    pub person: String,
    /// Standard fields given, as [field, value].
    pub fields: Vec<Vec<String>>,
}

impl From<review::RecordView> for PairRecordOut {
    fn from(r: review::RecordView) -> Self {
        PairRecordOut {
            id: r.id,
            source: r.source,
            row: r.row,
            person: r.person,
            fields: r.fields.into_iter().map(|(f, v)| vec![f, v]).collect(),
        }
    }
}

/// One field's evidence.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct EvidenceOut {
    /// The compared field.
    pub field: String,
    /// The agreement level found.
    pub level: String,
    /// Bits for (positive) or against (negative), term frequencies included.
    pub weight: f64,
    /// Of which the term-frequency adjustment.
    pub tf_adjustment: f64,
    /// The left record's value.
    pub left: String,
    /// The right record's value.
    pub right: String,
}

/// A pair with its evidence.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ReviewDetailOut {
    /// The queue line.
    pub review: ReviewOut,
    /// log2 prior odds of a match.
    pub prior_weight: f64,
    /// Field by field.
    pub evidence: Vec<EvidenceOut>,
    /// The kept side's record.
    pub left: PairRecordOut,
    /// The other record.
    pub right: PairRecordOut,
    /// The decision that closed it, if any.
    pub decision: Option<String>,
}

/// A recorded decision.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct DecisionOut {
    /// Opaque id.
    pub id: String,
    /// merge, split or reject.
    pub kind: String,
    /// Who decided.
    pub actor: String,
    /// When.
    pub at: String,
    /// Why.
    pub reason: String,
    /// The review item it closed.
    pub review: Option<String>,
    /// When it was undone, if it was.
    pub undone_at: Option<String>,
}

impl From<DecisionView> for DecisionOut {
    fn from(d: DecisionView) -> Self {
        DecisionOut {
            id: d.id,
            kind: d.kind,
            actor: d.actor,
            at: d.at,
            reason: d.reason,
            review: d.review,
            undone_at: d.undone_at,
        }
    }
}

/// `GET /api/v1/reviews`.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "linkage", params(QueueQuery),
    responses((status = 200, description = "Candidate pairs, most probable first", body = [ReviewOut]),
              (status = 400, description = "Bad state", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_list(
    State(s): State<AppState>,
    Query(q): Query<QueueQuery>,
) -> Result<Json<Vec<ReviewOut>>, WebError> {
    let state = parse_state(q.state.as_deref())?;
    let items = review::list(s.store.as_ref(), Some(state)).await?;
    Ok(Json(items.into_iter().map(ReviewOut::from).collect()))
}

/// `GET /api/v1/reviews/{id}`.
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "linkage",
    params(("id" = String, Path, description = "Review item id")),
    responses((status = 200, description = "The pair with its evidence", body = ReviewDetailOut),
              (status = 404, description = "No such pair", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_show(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ReviewDetailOut>, WebError> {
    let d = review::show(s.store.as_ref(), &id)
        .await
        .map_err(not_found_if_invalid)?;
    Ok(Json(ReviewDetailOut {
        review: d.summary.into(),
        prior_weight: d.prior_weight,
        evidence: d
            .evidence
            .into_iter()
            .map(|e| EvidenceOut {
                field: e.field,
                level: e.level,
                weight: e.weight,
                tf_adjustment: e.tf_adjustment,
                left: e.left,
                right: e.right,
            })
            .collect(),
        left: d.left.into(),
        right: d.right.into(),
        decision: d.decision,
    }))
}

macro_rules! api_decision {
    ($name:ident, $what:tt, $path:tt, $doc:tt) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "linkage",
            params(("id" = String, Path, description = "Review item id")),
            request_body = DecisionForm,
            responses((status = 200, description = "The decision recorded", body = DecisionOut),
                      (status = 400, description = "Malformed body", body = ErrorBody),
                      (status = 404, description = "No such pair", body = ErrorBody),
                      (status = 409, description = "The pair's state does not allow it", body = ErrorBody),
                      (status = 415, description = "Not JSON", body = ErrorBody),
                      (status = 422, description = "Not possible", body = ErrorBody),
                      (status = 500, description = "Internal error", body = ErrorBody)))]
        pub async fn $name(
            State(s): State<AppState>,
            p: Option<Extension<Principal>>,
            Path(id): Path<String>,
            JsonObject(f): JsonObject<DecisionForm>,
        ) -> Result<Json<DecisionOut>, WebError> {
            let who = actor_name(p.as_ref().map(|e| &e.0));
            Ok(Json(decide(&s, &who, &id, $what, &f.reason).await?.into()))
        }
    };
}

api_decision!(
    api_accept,
    "accept",
    "/api/v1/reviews/{id}/accept",
    "`POST /api/v1/reviews/{id}/accept`: the two records are one person."
);
api_decision!(
    api_reject,
    "reject",
    "/api/v1/reviews/{id}/reject",
    "`POST /api/v1/reviews/{id}/reject`: two different persons."
);
api_decision!(
    api_undo,
    "undo",
    "/api/v1/reviews/{id}/undo",
    "`POST /api/v1/reviews/{id}/undo`: undoes the pair's decision; the pair is open again."
);
