//! Handler tests through the router, on a seeded synthetic registry in SQLite: pages and
//! API as snapshots, headers on every route, the authorisation matrix, imports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod casework;
mod pages;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use homeward_domain::PartialDate;
use homeward_store_sql::SqlStore;
use homeward_web::AppState;
use rand::SeedableRng;
use tower::ServiceExt;

/// A registry with a small seeded demo scenario, and the app over it.
pub struct World {
    /// The application.
    pub app: Router,
    /// The registry under it.
    pub store: Arc<SqlStore>,
    _dir: tempfile::TempDir,
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
    homeward_app::demo::load(
        store.as_ref(),
        &scenario,
        &mut rng,
        "2026-11-01T00:00:00Z",
        &hasher,
        &|_, _| {},
    )
    .await
    .unwrap();
    let state = AppState::new(store.clone()).with_today(today());
    World {
        app: homeward_web::app(state).unwrap(),
        store,
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
        } else {
            out.push_str(&rest[i..i + run]);
        }
        rest = &rest[i + run..];
    }
    out.push_str(rest);
    out.replace(homeward_web::assets::VERSION.as_str(), "[assets]")
}
