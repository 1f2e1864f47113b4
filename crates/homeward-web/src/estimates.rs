//! The estimated total, computed on demand (from the reports page or the API) and kept
//! in memory: building the registry's overlap table reads every settled person and the
//! latent class model samples for seconds, far too slow for each dashboard view. The
//! dashboard shows the last one computed, with its interval as a chart.

use std::sync::{Arc, RwLock};

use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use homeward_app::linkage::estimate::{self as est, RegistryEstimate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::body::JsonObject;
use crate::error::ErrorBody;
use crate::{AppState, WebError};

/// The seed of every estimate the interface computes: the same registry gives the same
/// figures, as `homeward estimate --db` with its default seed does.
pub const SEED: u64 = 1;

/// The last estimate computed, or why it could not be.
#[derive(Debug, Clone)]
pub struct Computed {
    /// When (ISO 8601).
    pub at: String,
    /// The estimates, or the reason there are none (too few lists, say).
    pub result: Result<RegistryEstimate, String>,
}

/// Where the last estimate is kept.
pub type Cache = Arc<RwLock<Option<Computed>>>;

/// The last estimate computed, if any.
pub fn latest(s: &AppState) -> Option<Computed> {
    s.estimate.read().ok().and_then(|g| g.clone())
}

/// Computes the estimate now (the sampler off the async threads) and keeps it.
pub async fn compute(s: &AppState, lcmcr: bool) -> Result<Computed, WebError> {
    let at = crate::pages::now_iso(s)?;
    let result = match est::registry_table(s.store.as_ref(), None).await {
        Ok(table) => tokio::task::spawn_blocking(move || est::estimate_table(&table, lcmcr, SEED))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?
            .map_err(|e| e.to_string()),
        Err(homeward_app::linkage::LinkageError::Store(e)) => return Err(e.into()),
        Err(e) => Err(e.to_string()),
    };
    let c = Computed { at, result };
    if let Ok(mut g) = s.estimate.write() {
        *g = Some(c.clone());
    }
    Ok(c)
}

/// The form of the reports page (the session's `_csrf` field is ignored here).
#[derive(Debug, Default, Deserialize)]
pub struct EstimateForm {
    /// Include the latent class model (slower).
    #[serde(default)]
    pub lcmcr: Option<String>,
}

/// `POST /reports/estimate`: computes the estimate, then shows it on the reports page.
pub async fn compute_page(
    State(s): State<AppState>,
    Form(f): Form<EstimateForm>,
) -> Result<Response, WebError> {
    compute(&s, f.lcmcr.is_some()).await?;
    Ok(Redirect::to("/reports#estimate-h").into_response())
}

/// One estimate.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstimateLineOut {
    /// independence, loglinear-aic, loglinear-bic, loglinear-averaged or lcmcr.
    pub method: String,
    /// Point estimate of the total.
    pub estimate: f64,
    /// Lower end of the interval.
    pub lower: f64,
    /// Upper end of the interval.
    pub upper: f64,
    /// Nominal coverage.
    pub level: f64,
    /// Persons named by at least one list.
    pub observed: u64,
    /// The model.
    pub model: String,
    /// Reliability warnings.
    pub warnings: Vec<String>,
}

/// The last estimate computed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstimateOut {
    /// When it was computed.
    pub computed_at: String,
    /// Why there is no estimate (too few lists, say); absent when there is one.
    pub refused: Option<String>,
    /// The lists (sources) used.
    pub lists: Vec<String>,
    /// Persons counted.
    pub persons: u64,
    /// Persons left out pending review.
    pub pending_review: u64,
    /// One line per estimator.
    pub estimates: Vec<EstimateLineOut>,
}

impl From<Computed> for EstimateOut {
    fn from(c: Computed) -> Self {
        match c.result {
            Ok(r) => EstimateOut {
                computed_at: c.at,
                refused: None,
                lists: r.table.lists,
                persons: r.table.persons,
                pending_review: r.table.pending_review,
                estimates: r
                    .estimates
                    .into_iter()
                    .map(|e| EstimateLineOut {
                        method: e.method,
                        estimate: e.estimate,
                        lower: e.lower,
                        upper: e.upper,
                        level: e.level,
                        observed: e.observed,
                        model: e.model,
                        warnings: e.warnings,
                    })
                    .collect(),
            },
            Err(why) => EstimateOut {
                computed_at: c.at,
                refused: Some(why),
                lists: Vec::new(),
                persons: 0,
                pending_review: 0,
                estimates: Vec::new(),
            },
        }
    }
}

/// The last estimate, if one was computed since the server started.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatestEstimate {
    /// Absent until one is computed.
    pub estimate: Option<EstimateOut>,
}

/// `GET /api/v1/reports/estimate`: the last estimate computed.
#[utoipa::path(get, path = "/api/v1/reports/estimate", tag = "reports",
    responses((status = 200, description = "The last estimate computed, if any", body = LatestEstimate),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_latest(State(s): State<AppState>) -> Json<LatestEstimate> {
    Json(LatestEstimate {
        estimate: latest(&s).map(EstimateOut::from),
    })
}

/// The body of an estimate request.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct EstimateRequest {
    /// Include the latent class model (seconds on a large registry).
    #[serde(default)]
    pub lcmcr: bool,
}

/// `POST /api/v1/reports/estimate`: computes the estimate now and keeps it.
#[utoipa::path(post, path = "/api/v1/reports/estimate", tag = "reports",
    request_body = EstimateRequest,
    responses((status = 200, description = "The estimate (or why there is none)", body = EstimateOut),
              (status = 400, description = "Malformed body", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody),
              (status = 422, description = "Not an estimate request", body = ErrorBody),
              (status = 500, description = "Internal error", body = ErrorBody)))]
pub async fn api_compute(
    State(s): State<AppState>,
    JsonObject(r): JsonObject<EstimateRequest>,
) -> Result<Json<EstimateOut>, WebError> {
    Ok(Json(compute(&s, r.lcmcr).await?.into()))
}
