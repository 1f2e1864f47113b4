//! Handler tests through the router, on a seeded synthetic registry in SQLite: pages and
//! API as snapshots, headers on every route, the authorisation matrix, imports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod auth;
mod canaries;
mod casework;
mod pages;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::Router;
use homeward_app::policy::Principal;
use homeward_app::sessions::{Password, SessionPolicy, ThrottlePolicy};
use homeward_domain::{PartialDate, Role};
use homeward_store_sql::SqlStore;
use homeward_web::AppState;
use rand::SeedableRng;
use tower::ServiceExt;

/// The clock the sessions start from in tests (unix seconds, 2026-11-01).
pub const T0: u64 = 1_793_491_200;

/// A registry with a small seeded demo scenario, and the app over it.
pub struct World {
    /// The application as a signed-in administrator (session cookie and CSRF header on
    /// every request).
    pub app: Router,
    /// The application without a session.
    pub anon: Router,
    /// The registry under it.
    pub store: Arc<SqlStore>,
    /// The sessions' clock, to move time on.
    pub clock: Arc<AtomicU64>,
    /// The demo's enquiries with their secrets.
    pub enquiries: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

/// A signed-in browser: its session cookie and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Agent {
    /// `name=value` of the session cookie.
    pub cookie: String,
    /// The CSRF token the pages carry.
    pub csrf: String,
}

/// The test password of an account for `role` (synthetic, long enough for the policy).
pub fn password(role: Role) -> String {
    format!("synthetic-passphrase-{}", role.as_str())
}

/// The test account name for `role`.
pub fn user_name(role: Role) -> String {
    format!("test-{}", role.as_str().replace('_', "-"))
}

/// Creates the test account for `role`.
pub async fn add_account(store: &SqlStore, role: Role) {
    homeward_app::accounts::add_user(
        store,
        &Principal::LocalOperator,
        &user_name(role),
        role,
        &Password::new(password(role)),
    )
    .await
    .unwrap();
}

/// The `name=value` pairs a response sets, by name.
pub fn set_cookie(r: &Response<()>, name: &str) -> Option<String> {
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The `value` of a hidden form field (the first with that name).
pub fn field(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} field in {html}"))
        + key.len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// Signs in through the login form; returns the browser's session.
pub async fn sign_in(
    app: &Router,
    name: &str,
    password: &str,
) -> Result<Agent, (StatusCode, String)> {
    let (r, html) = get(app, "/login").await;
    assert_eq!(r.status(), StatusCode::OK);
    let pre = set_cookie(&r, "homeward_pre").unwrap();
    let pre = pre.split(';').next().unwrap().to_owned();
    let token = field(&html, "_csrf");
    let body = format!("username={name}&password={password}&totp=&_csrf={token}&next=%2F");
    let (r, html) = send(
        app,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, pre)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    if r.status() != StatusCode::SEE_OTHER {
        return Err((r.status(), html));
    }
    let cookie = set_cookie(&r, "homeward_session").unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let (_, page) = send(
        app,
        Request::get("/reports")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    Ok(Agent {
        cookie,
        csrf: field(&page, "_csrf"),
    })
}

/// The app as `agent`: its cookie on every request (beside any the request has), and the
/// CSRF header when `csrf` is set.
pub fn as_agent(app: &Router, agent: &Agent, csrf: bool) -> Router {
    let agent = agent.clone();
    app.clone().layer(tower::util::MapRequestLayer::new(
        move |mut req: Request<Body>| {
            let h = req.headers_mut();
            let cookie = match h.get(header::COOKIE).and_then(|v| v.to_str().ok()) {
                Some(c) => format!("{c}; {}", agent.cookie),
                None => agent.cookie.clone(),
            };
            h.insert(header::COOKIE, HeaderValue::from_str(&cookie).unwrap());
            if csrf && !h.contains_key("x-csrf-token") {
                h.insert("x-csrf-token", HeaderValue::from_str(&agent.csrf).unwrap());
            }
            req
        },
    ))
}

impl World {
    /// Creates the account for `role` and signs it in.
    pub async fn agent(&self, role: Role) -> Agent {
        if role != Role::Administrator {
            add_account(&self.store, role).await;
        }
        sign_in(&self.anon, &user_name(role), &password(role))
            .await
            .unwrap()
    }
}

/// The date the pages are rendered as of (the synthetic scenario ends 2026-11-01).
pub fn today() -> PartialDate {
    "2026-11-01".parse().unwrap()
}

/// A fresh world.
pub async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("web.db").display());
    let store = Arc::new(homeward_store_sql::connect(&url).await.unwrap());
    let scenario = homeward_synth::generate(&homeward_synth::ScenarioConfig::new(120, 11));
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let hasher = homeward_trust::password::PasswordHasher::new(Default::default(), None).unwrap();
    let summary = homeward_app::demo::load(
        store.as_ref(),
        &scenario,
        &mut rng,
        "2026-11-01T00:00:00Z",
        &hasher,
        &|_, _| {},
    )
    .await
    .unwrap();
    let clock = Arc::new(AtomicU64::new(T0));
    let state = AppState::new(store.clone())
        .with_today(today())
        .with_sessions(
            SessionPolicy::default(),
            ThrottlePolicy::default(),
            Some(clock.clone()),
            false,
        );
    let anon = homeward_web::app(state).unwrap();
    add_account(&store, Role::Administrator).await;
    let admin = sign_in(
        &anon,
        &user_name(Role::Administrator),
        &password(Role::Administrator),
    )
    .await
    .unwrap();
    World {
        app: as_agent(&anon, &admin, true),
        anon,
        store,
        clock,
        enquiries: summary
            .enquiry_secrets
            .iter()
            .map(|(id, s)| (id.to_string(), s.clone()))
            .collect(),
        _dir: dir,
    }
}

/// Sends a request and returns the response with its body as text.
pub async fn send(app: &Router, req: Request<Body>) -> (Response<()>, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (
        Response::from_parts(parts, ()),
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

/// GETs a path.
pub async fn get(app: &Router, uri: &str) -> (Response<()>, String) {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// Replaces what differs between runs (request ids) so snapshots compare.
pub fn redact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    // Request ids are 32 hex digits.
    while let Some(i) = rest.find(|c: char| c.is_ascii_hexdigit()) {
        let run = rest[i..]
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(rest.len() - i);
        out.push_str(&rest[..i]);
        if run == 32 {
            out.push_str("[request-id]");
        } else if run == 64 {
            out.push_str("[csrf]");
        } else {
            out.push_str(&rest[i..i + run]);
        }
        rest = &rest[i + run..];
    }
    out.push_str(rest);
    out.replace(homeward_web::assets::VERSION.as_str(), "[assets]")
}
