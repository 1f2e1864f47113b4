//! Homeward's web interface: `app(state)` builds the axum router with a versioned JSON API
//! under `/api/v1` (its OpenAPI document at `/api/v1/openapi.json`) and server-rendered
//! pages (askama templates, htmx for partial updates, every asset served from here) in
//! English, Armenian and Russian. Handlers call homeward-app's use cases; no SQL here.

pub mod api;
pub mod assets;
pub mod authz;
pub mod body;
pub mod charts;
pub mod enquiries;
pub mod error;
pub mod estimates;
pub mod i18n;
pub mod pages;
pub mod places;
pub mod review;
pub mod session;
pub mod signin;
mod uploads;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;
use homeward_domain::PartialDate;
use homeward_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use authz::{Matrix, Principal, Role};
pub use error::WebError;

/// The header that carries the request id, on every response and in every log line.
pub const REQUEST_ID: &str = "x-request-id";

/// Largest request body outside imports.
const BODY_LIMIT: usize = 1 << 20;
/// Largest uploaded list.
pub const UPLOAD_LIMIT: usize = 64 << 20;
/// How long any request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The Content-Security-Policy of every response: nothing from elsewhere, no inline
/// scripts or styles, no plugins, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The registry.
    pub store: Arc<dyn Store>,
    /// A fixed "today" for reproducible pages (tests); the system clock when `None`.
    pub today: Option<PartialDate>,
    uploads: Arc<uploads::Uploads>,
    auth: Arc<session::Auth>,
    /// The last estimate of the total, computed on demand (see [`estimates`]).
    estimate: estimates::Cache,
}

impl AppState {
    /// State over a store, dated by the system clock.
    pub fn new(store: Arc<dyn Store>) -> Self {
        AppState {
            store,
            today: None,
            uploads: Arc::new(uploads::Uploads::default()),
            auth: Arc::new(session::Auth::default()),
            estimate: estimates::Cache::default(),
        }
    }

    /// The same state with sessions tuned: timeouts, throttling, a fixed clock (unix
    /// seconds, for tests), and whether clients reach the server over TLS (`Secure`
    /// cookies with the `__Host-` prefix). Call before serving: it starts the throttles
    /// afresh.
    pub fn with_sessions(
        mut self,
        policy: homeward_app::sessions::SessionPolicy,
        throttle: homeward_app::sessions::ThrottlePolicy,
        clock: Option<Arc<std::sync::atomic::AtomicU64>>,
        behind_tls: bool,
    ) -> Self {
        self.auth = Arc::new(session::Auth {
            policy,
            logins: std::sync::Mutex::new(homeward_app::sessions::LoginThrottle::new(throttle)),
            families: std::sync::Mutex::new(homeward_app::sessions::LoginThrottle::new(throttle)),
            secure: behind_tls,
            clock,
        });
        self
    }

    /// The same state for a server that clients reach over TLS (a proxy in front).
    pub fn behind_tls(self) -> Self {
        let a = &self.auth;
        let (policy, clock) = (a.policy, a.clock.clone());
        self.with_sessions(policy, Default::default(), clock, true)
    }

    /// The same state with a fixed date, so that pages and reports are reproducible.
    pub fn with_today(mut self, today: PartialDate) -> Self {
        self.today = Some(today);
        self
    }

    /// Today's date (UTC).
    pub fn today(&self) -> Result<PartialDate, WebError> {
        if let Some(d) = self.today {
            return Ok(d);
        }
        let days = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() / 86_400)
            .map_err(|e| WebError::Internal(e.to_string()))?;
        PartialDate::from_day_number(i64::try_from(days).unwrap_or(0))
            .map_err(|e| WebError::Internal(e.to_string()))
    }
}

/// Every route: method, path pattern, handler. The authorisation matrix must cover each.
pub fn routes() -> Vec<(&'static str, &'static str, MethodRouter<AppState>)> {
    use axum::routing::{get, post};
    vec![
        ("GET", "/static/{version}/{file}", get(assets::asset)),
        ("POST", "/lang", post(pages::set_lang)),
        ("GET", "/login", get(signin::login_form)),
        ("POST", "/login", post(signin::login)),
        ("POST", "/logout", post(signin::logout)),
        ("GET", "/family", get(signin::family_form)),
        ("POST", "/family", post(signin::family)),
        ("GET", "/", get(pages::dashboard)),
        ("GET", "/persons", get(pages::persons)),
        ("GET", "/persons/{id}", get(pages::person)),
        ("GET", "/imports", get(pages::imports)),
        (
            "POST",
            "/imports/preview",
            post(pages::import_preview).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
        ("POST", "/imports/check", post(pages::import_check)),
        ("POST", "/imports/run", post(pages::import_run)),
        ("GET", "/reports", get(pages::reports)),
        ("POST", "/reports/estimate", post(estimates::compute_page)),
        ("GET", "/reports/{file}", get(pages::report_file)),
        ("GET", "/reviews", get(review::queue)),
        ("GET", "/reviews/{id}", get(review::pair)),
        ("POST", "/reviews/{id}/accept", post(review::accept_page)),
        ("POST", "/reviews/{id}/reject", post(review::reject_page)),
        ("POST", "/reviews/{id}/undo", post(review::undo_page)),
        ("GET", "/places", get(places::places)),
        ("POST", "/places", post(places::add_place)),
        ("GET", "/places/{id}", get(places::place)),
        ("GET", "/visits/new", get(places::new_visit)),
        ("POST", "/visits", post(places::add_visit)),
        ("GET", "/enquiries", get(enquiries::list)),
        ("POST", "/enquiries", post(enquiries::add)),
        ("GET", "/enquiries/new", get(enquiries::new)),
        ("GET", "/enquiries/{reference}", get(enquiries::show)),
        (
            "POST",
            "/enquiries/{reference}/match",
            post(enquiries::find),
        ),
        (
            "POST",
            "/enquiries/{reference}/answer",
            post(enquiries::answer),
        ),
        ("GET", "/api/v1/openapi.json", get(api::openapi)),
        ("GET", "/api/v1/status", get(api::status)),
        ("GET", "/api/v1/overview", get(api::overview)),
        ("GET", "/api/v1/persons", get(api::persons)),
        ("GET", "/api/v1/persons/{id}", get(api::person)),
        ("GET", "/api/v1/reports/access", get(api::access_report)),
        ("GET", "/api/v1/reports/aggregates", get(api::aggregates)),
        (
            "GET",
            "/api/v1/reports/estimate",
            get(estimates::api_latest),
        ),
        (
            "POST",
            "/api/v1/reports/estimate",
            post(estimates::api_compute),
        ),
        ("GET", "/api/v1/reviews", get(review::api_list)),
        ("GET", "/api/v1/reviews/{id}", get(review::api_show)),
        (
            "POST",
            "/api/v1/reviews/{id}/accept",
            post(review::api_accept),
        ),
        (
            "POST",
            "/api/v1/reviews/{id}/reject",
            post(review::api_reject),
        ),
        ("POST", "/api/v1/reviews/{id}/undo", post(review::api_undo)),
        ("GET", "/api/v1/places", get(places::api_places)),
        ("POST", "/api/v1/places", post(places::api_add_place)),
        ("GET", "/api/v1/places/{id}", get(places::api_place)),
        ("GET", "/api/v1/visits", get(places::api_visits)),
        ("POST", "/api/v1/visits", post(places::api_add_visit)),
        ("GET", "/api/v1/enquiries", get(enquiries::api_list)),
        ("POST", "/api/v1/enquiries", post(enquiries::api_add)),
        (
            "GET",
            "/api/v1/enquiries/{reference}",
            get(enquiries::api_show),
        ),
        (
            "POST",
            "/api/v1/enquiries/{reference}/match",
            post(enquiries::api_match),
        ),
        (
            "POST",
            "/api/v1/enquiries/{reference}/answer",
            post(enquiries::api_answer),
        ),
        (
            "POST",
            "/api/v1/imports/check",
            post(api::import_check).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
        (
            "POST",
            "/api/v1/imports",
            post(api::import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
    ]
}

/// Checks each request's principal against the roles its route allows. Anonymous
/// requests for staff pages go to the login page (and come back after it); the API answers
/// 401. A signed-in account the route does not allow gets exactly the "not found" of a path
/// that does not exist.
async fn guard(State(roles): State<Arc<BTreeSet<Role>>>, req: Request, next: Next) -> Response {
    let principal = req
        .extensions()
        .get::<Principal>()
        .cloned()
        .unwrap_or(Principal::Anonymous);
    if authz::allowed(&principal, &roles) {
        return next.run(req).await;
    }
    if principal != Principal::Anonymous {
        return WebError::NotFound.into_response();
    }
    if req.uri().path().starts_with("/api/") {
        return WebError::Unauthorized.into_response();
    }
    signin::to_login(req.method(), req.uri())
}

/// Request ids: 128 random bits, hex. A client's own `x-request-id` is dropped first, so
/// log lines cannot be forged or made to collide.
#[derive(Clone, Copy, Default)]
struct RandomId;

impl MakeRequestId for RandomId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let bytes: [u8; 16] = rand::random();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        HeaderValue::from_str(&hex).ok().map(RequestId::new)
    }
}

async fn drop_client_request_id(mut req: Request, next: Next) -> Response {
    req.headers_mut().remove(REQUEST_ID);
    next.run(req).await
}

/// Builds the application: routes with their guards, then the layers every response goes
/// through (request id, trace, compression, security headers, error bodies, panics,
/// timeout, body limit).
pub fn app(state: AppState) -> Result<Router, authz::AuthzError> {
    let matrix = Matrix::parse(authz::MATRIX)?;
    let table = routes();
    let keys: Vec<(&str, &str)> = table.iter().map(|(m, p, _)| (*m, *p)).collect();
    matrix.check(&keys)?;
    let mut router: Router<AppState> = Router::new();
    for (method, path, handler) in table {
        let roles = matrix
            .roles(method, path)
            .cloned()
            .ok_or_else(|| authz::AuthzError::Missing(method.into(), path.into()))?;
        let handler = handler.route_layer(middleware::from_fn_with_state(Arc::new(roles), guard));
        router = router.route(path, handler);
    }
    let request_id = HeaderName::from_static(REQUEST_ID);
    let identify = middleware::from_fn_with_state(state.clone(), session::identify);
    let router = router
        .fallback(|| async { WebError::NotFound })
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            WebError::Internal("a handler panicked".into()).into_response()
        }))
        .layer(identify)
        .layer(middleware::from_fn(error::render_errors))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            // Not `no-referrer`: under it browsers send `Origin: null` with form posts, which
            // the origin check must refuse. `same-origin` still tells other sites nothing.
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(CompressionLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only: queries carry searched names, which must never be logged.
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(SetRequestIdLayer::new(request_id, RandomId))
        .layer(middleware::from_fn(drop_client_request_id));
    Ok(router)
}

/// The server listens on loopback only: clients elsewhere reach it through a TLS proxy on
/// the same machine (tell the server with `AppState::behind_tls`), never in clear text.
pub fn check_bind(addr: &SocketAddr) -> Result<(), WebError> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(WebError::BadRequest(format!(
            "{addr} is not a loopback address: Homeward serves 127.0.0.1 or ::1 only (put a TLS proxy in front for other clients)"
        )))
    }
}

/// Serves the application on a bound listener until Ctrl-C.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> Result<(), WebError> {
    let addr = listener
        .local_addr()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    check_bind(&addr)?;
    let router = app(state).map_err(|e| WebError::Internal(e.to_string()))?;
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))
}
