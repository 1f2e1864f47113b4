//! The review queue, places and visits, enquiries, the persons filters and the estimate:
//! pages and API through the router, each checked against what the registry then holds.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::Value;

use homeward_domain::Role;

use super::{as_agent, get, redact, send, world};

fn form(path: &str, pairs: &[(&str, &str)]) -> Request<Body> {
    let body = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    Request::post(path.to_owned())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

fn json_post(path: &str, body: &Value) -> Request<Body> {
    Request::post(path.to_owned())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn api(app: &axum::Router, uri: &str) -> Value {
    let (r, body) = get(app, uri).await;
    assert_eq!(r.status(), StatusCode::OK, "{uri}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn location(r: &axum::http::Response<()>) -> String {
    r.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_pair_is_reviewed_side_by_side_accepted_and_undone() {
    let w = world().await;
    let queue = api(&w.app, "/api/v1/reviews").await;
    let items = queue.as_array().unwrap();
    assert!(!items.is_empty(), "the demo leaves pairs to review");
    let id = items[0]["id"].as_str().unwrap().to_owned();
    let (r, list) = get(&w.app, "/reviews").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(list.contains(&format!("href=\"/reviews/{id}\"")));

    let (r, page) = get(&w.app, &format!("/reviews/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(page.contains("id=\"evidence\"") && page.contains("id=\"pair\""));
    assert!(
        page.contains("name=\"_csrf\""),
        "state changes carry the CSRF field"
    );
    let detail = api(&w.app, &format!("/api/v1/reviews/{id}")).await;
    assert!(!detail["evidence"].as_array().unwrap().is_empty());
    insta::assert_snapshot!("review_pair_en", redact(&page));

    let persons = || async {
        homeward_app::status::status(w.store.as_ref())
            .await
            .unwrap()
            .persons
    };
    let before = persons().await;
    let (r, _) = send(
        &w.app,
        form(
            &format!("/reviews/{id}/accept"),
            &[("_csrf", ""), ("reason", "same person")],
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/reviews/{id}?done=accepted"));
    assert_eq!(
        persons().await,
        before - 1,
        "accepting joins the two persons"
    );
    let (_, accepted) = get(&w.app, &location(&r)).await;
    assert!(accepted.contains("Accepted: the two records are now one person."));
    assert!(accepted.contains(&format!("action=\"/reviews/{id}/undo\"")));
    // Deciding twice is refused without a server error.
    let (r, _) = send(&w.app, form(&format!("/reviews/{id}/reject"), &[])).await;
    assert!(r.status().is_client_error(), "{}", r.status());

    let (r, _) = send(
        &w.app,
        form(&format!("/reviews/{id}/undo"), &[("_csrf", "")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(persons().await, before, "undo restores both persons");
    let again = api(&w.app, &format!("/api/v1/reviews/{id}")).await;
    assert_eq!(again["review"]["state"], "open");

    // The API does the same.
    let (r, body) = send(
        &w.app,
        json_post(
            &format!("/api/v1/reviews/{id}/reject"),
            &serde_json::json!({"reason": "no"}),
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{body}");
    let d: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(d["kind"], "reject");
    let (r, _) = send(
        &w.app,
        json_post(
            &format!("/api/v1/reviews/{id}/undo"),
            &serde_json::json!({}),
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A malformed id is simply not found.
    let (r, _) = get(&w.app, "/reviews/nonsense").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// The overdue count of the access gap's last point, from the dashboard's table.
fn overdue_today(html: &str) -> u64 {
    let table = html.split("id=\"access-table\"").nth(1).unwrap();
    let body = table.split("</tbody>").next().unwrap();
    let last = body.split("<tr>").last().unwrap();
    let cells: Vec<&str> = last.split("<td class=\"num\">").skip(1).collect();
    cells[1]
        .split('<')
        .next()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_visit_recorded_from_the_form_closes_an_access_gap() {
    let w = world().await;
    // Recorded by the role that does it (administrators read, they do not record).
    let ho = as_agent(&w.anon, &w.agent(Role::HealthOfficer).await, true);
    let (_, dash) = get(&w.app, "/").await;
    let before = overdue_today(&dash);
    assert!(before > 0, "the demo has persons overdue");
    let overdue = dash.split("id=\"overdue-table\"").nth(1).unwrap();
    let person = overdue
        .split("href=\"/persons/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let places = api(&ho, "/api/v1/places").await;
    let place = places[0]["id"].as_str().unwrap().to_owned();

    let (r, page) = get(&ho, &format!("/visits/new?place={place}&person={person}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(page.contains(&format!("value=\"{person}\"")));
    assert!(
        page.contains("name=\"seen-0-health\""),
        "a health officer may write findings"
    );

    // A bad count names its field and writes nothing.
    let visits = || async {
        homeward_app::status::status(w.store.as_ref())
            .await
            .unwrap()
            .visits
    };
    let n = visits().await;
    let (r, bad) = send(
        &ho,
        form(
            "/visits",
            &[
                ("_csrf", ""),
                ("place", &place),
                ("date", "2026-11-01"),
                ("organisation", "Test visitors"),
                ("seen-0-person", &person),
                ("seen-0-collected", "many"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(bad.contains("seen[1].messages_collected"), "{bad}");
    assert_eq!(visits().await, n);

    let (r, _) = send(
        &ho,
        form(
            "/visits",
            &[
                ("_csrf", ""),
                ("place", &place),
                ("date", "2026-11-01"),
                ("organisation", "Test visitors"),
                ("private_interviews", "1"),
                ("seen-0-person", &person),
                ("seen-0-health", "no complaints"),
                ("seen-0-delivered", "2"),
                ("seen-0-call", "1"),
                ("seen-0-consent-family", "1"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/places/{place}?recorded=1"));
    assert_eq!(visits().await, n + 1);
    let (_, place_page) = get(&ho, &location(&r)).await;
    assert!(place_page.contains("The visit is recorded."));
    assert!(place_page.contains("Test visitors"));
    assert!(
        !place_page.contains("no complaints"),
        "findings never listed"
    );
    let (_, dash) = get(&w.app, "/").await;
    assert_eq!(
        overdue_today(&dash),
        before - 1,
        "the person seen is no longer overdue"
    );

    // Places: the list, a new one through the form and the API.
    let (r, list) = get(&ho, "/places").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(list.contains(&format!("href=\"/places/{place}\"")));
    let (r, _) = send(
        &ho,
        form("/places", &[("name", "Test colony 7"), ("region", "North")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, added) = get(&ho, &location(&r)).await;
    assert!(added.contains("<h1>Test colony 7</h1>"));
    let (r, body) = send(
        &ho,
        json_post(
            "/api/v1/visits",
            &serde_json::json!({"date": "2026-13-01", "place": place, "organisation": "X"}),
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("date"));
    let detail = api(&ho, &format!("/api/v1/places/{place}")).await;
    assert!(!detail["visits"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_enquiry_is_taken_matched_and_answered_and_the_family_reads_it() {
    let w = world().await;
    // Recorded by the role that does it (administrators read, they do not record).
    let cw = as_agent(&w.anon, &w.agent(Role::Caseworker).await, true);
    // A person of the demo with given and family names.
    let list = api(&cw, "/api/v1/persons?per_page=60").await;
    let mut sought = None;
    for p in list["persons"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let d = api(&cw, &format!("/api/v1/persons/{id}")).await;
        let value = |f: &str| d["records"][0]["fields"][f].as_str().map(str::to_owned);
        if let (Some(g), Some(f)) = (value("given_name"), value("family_name")) {
            sought = Some((id.to_owned(), g, f));
            break;
        }
    }
    let (person, given, family) = sought.unwrap();

    let (r, page) = get(&cw, "/enquiries/new").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        page.contains("value=\"2026-11-01\""),
        "received today by default"
    );
    // No name: refused, naming what is missing, nothing stored.
    let (r, refused) = send(&cw, form("/enquiries", &[("received", "2026-11-01")])).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(refused.contains("id=\"intake-error\""), "{refused}");

    let (r, receipt) = send(
        &cw,
        form(
            "/enquiries",
            &[
                ("_csrf", ""),
                ("received", "2026-11-01"),
                ("enquirer_name", "Test Enquirer"),
                ("relation", "sister"),
                ("given_name", &given),
                ("family_name", &family),
            ],
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let grab = |id: &str| {
        receipt
            .split(&format!("id=\"{id}\">"))
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    assert!(receipt.contains("id=\"reference\""), "{receipt}");
    let reference = grab("reference");
    let secret = grab("passphrase");
    assert!(reference.starts_with("enq_"), "{reference}");

    let (r, found) = send(
        &cw,
        form(&format!("/enquiries/{reference}/match"), &[("_csrf", "")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        found.contains(&format!("value=\"{person}\"")),
        "the person is a candidate"
    );
    let (r, _) = send(
        &cw,
        form(
            &format!("/enquiries/{reference}/answer"),
            &[
                ("_csrf", ""),
                ("person", &person),
                ("message", "We have news."),
            ],
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, answered) = get(&cw, &location(&r)).await;
    assert!(answered.contains("The enquiry is answered.") && answered.contains("We have news."));
    let d = api(&cw, &format!("/api/v1/enquiries/{reference}")).await;
    assert_eq!(d["state"], "answered");
    assert_eq!(d["person_id"], person.as_str());

    // The family reads the answer with the reference and the passphrase only.
    let hasher = homeward_trust::password::PasswordHasher::new(Default::default(), None).unwrap();
    let view = homeward_app::enquiry::family_status(w.store.as_ref(), &hasher, &reference, &secret)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        view.answer.unwrap().message.as_deref(),
        Some("We have news.")
    );

    let (r, listed) = get(&cw, "/enquiries").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(listed.contains(&reference));
    let (r, _) = get(&cw, "/enquiries/enq_nonsense").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (r, body) = send(
        &cw,
        json_post("/api/v1/enquiries", &serde_json::json!({"sought": []})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn persons_are_filtered_by_status_category_and_source_with_paging_kept() {
    let w = world().await;
    let all = api(&w.app, "/api/v1/persons?per_page=1").await;
    let detained = api(&w.app, "/api/v1/persons?per_page=200&status=detained").await;
    let total = detained["total"].as_u64().unwrap();
    assert!(total > 0 && total < all["total"].as_u64().unwrap());
    for p in detained["persons"].as_array().unwrap() {
        let d = api(
            &w.app,
            &format!("/api/v1/persons/{}", p["id"].as_str().unwrap()),
        )
        .await;
        assert!(d["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["fields"]["status"] == "detained"));
    }
    let sources: Vec<homeward_domain::Source> = homeward_store::Store::sources(w.store.as_ref())
        .await
        .unwrap();
    let src = sources[0].id.to_string();
    let by_source = api(
        &w.app,
        &format!("/api/v1/persons?per_page=5&source={src}&category=military"),
    )
    .await;
    assert!(by_source["total"].as_u64().unwrap() > 0);

    let (r, html) = get(&w.app, &format!("/persons?status=detained&source={src}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(html.contains("<option value=\"detained\" selected>"));
    let (_, html) = get(&w.app, "/persons?status=detained").await;
    if total > 50 {
        assert!(
            html.contains("href=\"/persons?status=detained&amp;page=2\""),
            "paging keeps the filter"
        );
    }
    for bad in [
        "status=sleeping",
        "per_page=0",
        "per_page=201",
        "page=0",
        "page=9223372036854775808",
    ] {
        let (r, _) = get(&w.app, &format!("/api/v1/persons?{bad}")).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    // The OpenAPI document says these are optional query parameters (schemathesis found
    // them declared as required path parameters).
    let doc = api(&w.app, "/api/v1/openapi.json").await;
    for p in doc["paths"]["/api/v1/persons"]["get"]["parameters"]
        .as_array()
        .unwrap()
    {
        assert_eq!(p["in"], "query", "{p}");
        assert_ne!(p["required"], true, "{p}");
    }
}

#[tokio::test]
async fn the_estimate_is_computed_on_demand_and_shown_on_the_dashboard() {
    let w = world().await;
    let latest = api(&w.app, "/api/v1/reports/estimate").await;
    assert!(latest["estimate"].is_null());
    let (_, dash) = get(&w.app, "/").await;
    assert!(dash.contains("No estimate has been computed"));

    let (r, _) = send(&w.app, form("/reports/estimate", &[("_csrf", "")])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let latest = api(&w.app, "/api/v1/reports/estimate").await;
    let e = &latest["estimate"];
    assert!(e["refused"].is_null(), "{e}");
    let lines = e["estimates"].as_array().unwrap();
    assert_eq!(lines.len(), 4, "the log-linear estimators");
    for l in lines {
        let (lo, est, hi) = (
            l["lower"].as_f64().unwrap(),
            l["estimate"].as_f64().unwrap(),
            l["upper"].as_f64().unwrap(),
        );
        assert!(lo <= est && est <= hi, "{l}");
        assert!(est >= l["observed"].as_f64().unwrap());
    }
    let (_, dash) = get(&w.app, "/").await;
    assert_eq!(
        dash.matches("viewBox=").count(),
        2,
        "the access chart and the estimate chart"
    );
    assert!(dash.contains("id=\"estimates\""));
    let (_, reports) = get(&w.app, "/reports").await;
    assert!(reports.contains("action=\"/reports/estimate\""));
}
