//! The JSON API: snapshots, errors with stable codes, the OpenAPI document, the
//! authorisation matrix against every registered route.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use homeward_domain::Role as DomainRole;
use homeward_web::authz::{AuthzError, Matrix, Role, MATRIX};

use super::{as_agent, get, redact, send, world};

#[tokio::test]
async fn errors_are_json_with_a_stable_code_and_the_request_id() {
    let w = world().await;
    let (r, body) = get(&w.app, "/api/v1/persons/not-an-id").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    assert_eq!(
        v["error"]["request_id"],
        r.headers()["x-request-id"].to_str().unwrap()
    );
    insta::assert_snapshot!("error_not_found", redact(&body));

    let (r, body) = get(&w.app, "/api/v1/persons?page=-1").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "bad_request");
    // axum's own rejection text (which names Rust types) never reaches the client.
    assert!(!body.contains("deserialize"), "{body}");

    let (r, body) = send(
        &w.app,
        Request::delete("/api/v1/status")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(body.contains("\"method_not_allowed\""));

    let long = "a".repeat(201);
    let (r, _) = get(&w.app, &format!("/api/v1/persons?q={long}")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let (r, body) = get(&w.app, "/api/v1/nothing").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(body.starts_with("{\"error\""));
}

#[tokio::test]
async fn person_and_search_as_json() {
    let w = world().await;
    let (_, body) = get(&w.app, "/api/v1/persons?per_page=3").await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["per_page"], 3);
    assert_eq!(v["persons"].as_array().unwrap().len(), 3);
    insta::assert_json_snapshot!("persons_page", v);
    let id = v["persons"][0]["id"].as_str().unwrap();
    let (r, body) = get(&w.app, &format!("/api/v1/persons/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let p: serde_json::Value = serde_json::from_str(&body).unwrap();
    insta::assert_json_snapshot!("person", p);
    let name = v["persons"][0]["name"].as_str().unwrap();
    let (_, body) = get(
        &w.app,
        &format!("/api/v1/persons?q={}", name.replace(' ', "%20")),
    )
    .await;
    let s: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(s["persons"][0]["id"], id, "the exact name ranks first");
    assert!(s["persons"][0]["score"].as_f64().unwrap() > 0.99);
}

#[tokio::test]
async fn overview_and_status() {
    let w = world().await;
    let (_, body) = get(&w.app, "/api/v1/overview").await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    insta::assert_json_snapshot!("overview", v);
    let by_status: u64 = v["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["persons"].as_u64().unwrap())
        .sum();
    assert!(by_status >= v["counts"]["persons"].as_u64().unwrap());
}

#[tokio::test]
async fn openapi_document_lists_every_api_route() {
    let w = world().await;
    let (r, body) = get(&w.app, "/api/v1/openapi.json").await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    let paths = v["paths"].as_object().unwrap();
    for (method, path, _) in homeward_web::routes() {
        if path.starts_with("/api/v1/") && path != "/api/v1/openapi.json" {
            let op = &paths
                .get(path)
                .unwrap_or_else(|| panic!("{path} undocumented"))[method.to_lowercase()];
            assert!(op.is_object(), "{method} {path} undocumented");
        }
    }
}

#[tokio::test]
async fn api_import_refuses_bad_rows_and_changes_nothing() {
    let w = world().await;
    let before = homeward_app::status::status(w.store.as_ref())
        .await
        .unwrap();
    let boundary = "b0undary";
    let part = |name: &str, file: Option<&str>, v: &str| {
        match file {
        Some(f) => format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\r\n{v}\r\n"),
        None => format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{v}\r\n"),
    }
    };
    let csv = "name,born\nAnna Testyan,1990\nGor Sampleyan,19x0\n";
    let mapping = "[[columns]]\ncolumn = \"name\"\nsplit_name = \"given_family\"\n\n[[columns]]\ncolumn = \"born\"\nfield = \"birth_date\"\n";
    let body = format!(
        "{}{}{}--{boundary}--\r\n",
        part("file", Some("l.csv"), csv),
        part("source", None, "API list"),
        part("mapping", None, mapping)
    );
    let req = |path: &str, body: String| {
        Request::post(path.to_owned())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap()
    };
    let (r, check) = send(&w.app, req("/api/v1/imports/check", body.clone())).await;
    assert_eq!(r.status(), StatusCode::OK, "{check}");
    let v: serde_json::Value = serde_json::from_str(&check).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["bad_rows"][0]["row"], 3);
    assert_eq!(v["bad_rows"][0]["column"], "born");
    let (r, out) = send(&w.app, req("/api/v1/imports", body)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert!(out.contains("nothing was imported"));
    assert_eq!(
        homeward_app::status::status(w.store.as_ref())
            .await
            .unwrap(),
        before
    );
    let (r, _) = send(&w.app, req("/api/v1/imports", "garbage".into())).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_authorisation_matrix_has_a_row_for_every_route_and_no_other() {
    let matrix = Matrix::parse(MATRIX).unwrap();
    let routes: Vec<(&str, &str)> = homeward_web::routes()
        .iter()
        .map(|(m, p, _)| (*m, *p))
        .collect();
    matrix.check(&routes).unwrap();
    assert_eq!(matrix.rules().len(), routes.len());
    // Replay every row through the router, as every role: a role the row lists reaches a
    // registered route (no 403, no 405, no 404 of unknown paths); a staff role it does not
    // list gets "not found"; without a session, a staff page sends to the login page and
    // the API answers 401.
    let w = world().await;
    let roles = [
        (Role::Administrator, DomainRole::Administrator),
        (Role::Caseworker, DomainRole::Caseworker),
        (Role::Analyst, DomainRole::Analyst),
        (Role::HealthOfficer, DomainRole::HealthOfficer),
        (Role::Viewer, DomainRole::Viewer),
    ];
    let mut agents = Vec::new();
    for (role, domain) in roles {
        agents.push((role, as_agent(&w.anon, &w.agent(domain).await, true)));
    }
    for rule in matrix.rules() {
        let path = rule
            .path
            .replace("{version}", homeward_web::assets::VERSION.as_str())
            .replace("{file}", "app.css")
            .replace("{id}", "P-0000000000000000");
        let req = || {
            Request::builder()
                .method(rule.method.as_str())
                .uri(&path)
                .body(Body::empty())
                .unwrap()
        };
        let public = rule.roles.contains(&Role::Public);
        let (r, _) = send(&w.anon, req()).await;
        if !public {
            let expect = if path.starts_with("/api/") {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::SEE_OTHER
            };
            assert_eq!(r.status(), expect, "anonymous {} {path}", rule.method);
        }
        if rule.path == "/logout" {
            // It would end the agents' sessions; auth.rs signs out on its own.
            continue;
        }
        for (role, app) in &agents {
            let (r, body) = send(app, req()).await;
            if public || rule.roles.contains(role) {
                assert_ne!(
                    r.status(),
                    StatusCode::FORBIDDEN,
                    "{role:?} {} {path}",
                    rule.method
                );
                assert_ne!(
                    r.status(),
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{role:?} {} {path}",
                    rule.method
                );
                if r.status() == StatusCode::NOT_FOUND {
                    // Only a lookup that found nothing, on a route that takes an id or a file.
                    assert!(
                        rule.path.contains('{'),
                        "{role:?} {} {path}: {body}",
                        rule.method
                    );
                }
            } else {
                assert_eq!(
                    r.status(),
                    StatusCode::NOT_FOUND,
                    "{role:?} {} {path} is not listed",
                    rule.method
                );
            }
        }
    }
    // A route without a row stops the server from being built.
    let without: String = MATRIX.replace("path = \"/persons/{id}\"", "path = \"/elsewhere\"");
    let m = Matrix::parse(&without).unwrap();
    assert!(matches!(m.check(&routes), Err(AuthzError::Missing(_, p)) if p == "/persons/{id}"));
}
