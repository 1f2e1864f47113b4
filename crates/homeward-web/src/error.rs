//! One error type for every handler. A handler returns [`WebError`]; the response carries
//! only a status and an [`ErrorInfo`], and the `render_errors` middleware writes the body:
//! JSON under `/api/`, a page elsewhere, both with the request id that the log line carries.
//! Internals (storage messages, paths) go to the log, never to the client.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use homeward_app::import::ImportError;
use homeward_store::StoreError;
use serde::Serialize;

use crate::i18n::{self, Lang};
use crate::REQUEST_ID;

/// Errors a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Nothing at this address.
    #[error("not found")]
    NotFound,
    /// The request is malformed; the message says how (it may quote the caller's input).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The input is well-formed but cannot be processed (an import's bad rows, say).
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// The caller may not do this (a state change without its CSRF token or from another
    /// site; refusals of roles read as `NotFound`).
    #[error("forbidden")]
    Forbidden,
    /// The API needs a session and the request has none.
    #[error("unauthorized")]
    Unauthorized,
    /// Storage failed; the detail is logged, not shown.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else that is our fault; the detail is logged, not shown.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<ImportError> for WebError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Store(s) => WebError::Store(s),
            other => WebError::Unprocessable(other.to_string()),
        }
    }
}

/// What the error middleware needs to write an error body.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// A stable, machine-readable code.
    pub code: &'static str,
    /// A message fit for the caller, in English (pages translate by code).
    pub message: String,
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// One API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code: not_found, bad_request, unprocessable, forbidden, unauthorized,
    /// payload_too_large, method_not_allowed, timeout, internal.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The request id, also in the `x-request-id` header and the server log.
    pub request_id: String,
}

impl WebError {
    fn parts(&self) -> (StatusCode, ErrorInfo) {
        let info = |code, message: &str| ErrorInfo {
            code,
            message: message.to_owned(),
        };
        match self {
            WebError::NotFound => (StatusCode::NOT_FOUND, info("not_found", "not found")),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, info("bad_request", m)),
            WebError::Unprocessable(m) => {
                (StatusCode::UNPROCESSABLE_ENTITY, info("unprocessable", m))
            }
            WebError::Forbidden => (StatusCode::FORBIDDEN, info("forbidden", "forbidden")),
            WebError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                info("unauthorized", "sign in first"),
            ),
            WebError::Store(StoreError::NotFound(_)) => {
                (StatusCode::NOT_FOUND, info("not_found", "not found"))
            }
            WebError::Store(StoreError::Conflict(m)) => (StatusCode::CONFLICT, info("conflict", m)),
            WebError::Store(_) | WebError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                info("internal", "internal error"),
            ),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, info) = self.parts();
        if status.is_server_error() {
            // The detail never reaches the client; ids only, no personal data in it.
            tracing::error!(error = %self, "request failed");
        }
        let mut r = status.into_response();
        r.extensions_mut().insert(info);
        r
    }
}

/// The code and message for an error response that carries no [`ErrorInfo`] (axum's own
/// rejections, the 404 fallback, timeouts, body limits).
fn generic(status: StatusCode) -> ErrorInfo {
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body is too large"),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long"),
        StatusCode::FORBIDDEN => ("forbidden", "forbidden"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "sign in first"),
        StatusCode::UNPROCESSABLE_ENTITY => ("unprocessable", "the request cannot be processed"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "unsupported media type"),
        s if s.is_client_error() => ("bad_request", "the request is not valid"),
        _ => ("internal", "internal error"),
    };
    ErrorInfo {
        code,
        message: message.to_owned(),
    }
}

/// Marks an error response whose body a handler wrote itself (the login and family forms
/// answering 401, 404 or 429 with the form and its message), which `render_errors` keeps.
#[derive(Debug, Clone, Copy)]
pub struct KeepBody;

/// Writes the body of every error response: JSON under `/api/`, an HTML page elsewhere.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = i18n::from_headers(req.headers());
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error())
        || resp.extensions().get::<KeepBody>().is_some()
    {
        return resp;
    }
    let info = resp
        .extensions()
        .get::<ErrorInfo>()
        .cloned()
        .unwrap_or_else(|| generic(status));
    let mut headers = resp.headers().clone();
    headers.remove(header::CONTENT_LENGTH);
    let (content_type, body) = if api {
        let body = ErrorBody {
            error: ErrorDetail {
                code: info.code.to_owned(),
                message: info.message,
                request_id,
            },
        };
        (
            "application/json",
            serde_json::to_string(&body).unwrap_or_default(),
        )
    } else {
        // The page's own forms (language, sign out) need the session's CSRF token.
        let viewer = resp.extensions().get::<crate::session::Viewer>().cloned();
        let page = || crate::pages::error_page(lang, &path, status, &info, &request_id);
        let html = match viewer {
            Some(v) => crate::session::with_viewer(v, page),
            None => page(),
        };
        ("text/html; charset=utf-8", html)
    };
    let mut out = Response::new(Body::from(body));
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    out
}

/// The message a page shows for an error, in the reader's language.
pub fn page_message(lang: Lang, status: StatusCode, info: &ErrorInfo) -> String {
    match info.code {
        "not_found" => lang.t("error-not-found"),
        "forbidden" => lang.t("error-forbidden"),
        "unauthorized" => lang.t("error-unauthorized"),
        "payload_too_large" => lang.t("error-too-large"),
        // The caller's own input explained in English is better than a vague translation.
        "bad_request" | "unprocessable" if status.is_client_error() => info.message.clone(),
        _ if status.is_client_error() => lang.t("error-bad-request"),
        _ => lang.t("error-internal"),
    }
}
