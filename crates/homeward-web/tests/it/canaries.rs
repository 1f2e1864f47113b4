//! Canaries in a health finding and an enquirer's contact never reach a page, an API
//! response or a download, whichever role asks (issue 8).

use homeward_app::casework::{add_visit, VisitInput};
use homeward_app::enquiry::{self, EnquiryIntake};
use homeward_domain::Role;
use serde_json::{json, Value};

use super::{as_agent, get, world};

const HEALTH: &str = "CANARY-HEALTH-WEB-4b1d";
const CONTACT: &str = "CANARY-CONTACT-WEB-77e0";

async fn api(app: &axum::Router, uri: &str) -> Value {
    let (r, body) = get(app, uri).await;
    assert!(r.status().is_success(), "{uri}: {}", r.status());
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn canaries_in_health_and_contact_reach_no_page_api_response_or_download() {
    let w = world().await;
    let store = w.store.as_ref();
    let persons = api(&w.app, "/api/v1/persons?per_page=1").await;
    let person = persons["persons"][0]["id"].as_str().unwrap().to_owned();
    let name = persons["persons"][0]["name"]
        .as_str()
        .unwrap_or("Testyan")
        .to_owned();
    let places = api(&w.app, "/api/v1/places").await;
    let place = places[0]["id"].as_str().unwrap().to_owned();

    let visit = json!({
        "date": "2026-10-30",
        "place": place,
        "organisation": "Synthetic visiting team",
        "seen": [{"person": person, "health": HEALTH, "conditions": "cold cell, no window"}]
    });
    let v = VisitInput::from_file_text("visit.json", &visit.to_string()).unwrap();
    add_visit(store, &mut rand::rngs::OsRng, "visit.json", &v)
        .await
        .unwrap();
    let hasher = homeward_trust::password::PasswordHasher::new(Default::default(), None).unwrap();
    let receipt = enquiry::add(
        store,
        &hasher,
        &mut rand::rngs::OsRng,
        &EnquiryIntake {
            received: "2026-10-30".into(),
            enquirer_name: Some("Testyan Anna".into()),
            relation: Some("sister".into()),
            contact: Some(CONTACT.into()),
            consent_to_share: true,
            sought: vec![("full_name".into(), name)],
        },
    )
    .await
    .unwrap();
    let reference = receipt.reference.clone();

    let paths = [
        "/".to_owned(),
        "/persons".to_owned(),
        format!("/persons/{person}"),
        "/places".to_owned(),
        format!("/places/{place}"),
        "/enquiries".to_owned(),
        format!("/enquiries/{reference}"),
        "/reviews".to_owned(),
        "/reports".to_owned(),
        "/reports/aggregates.csv".to_owned(),
        "/reports/access.json".to_owned(),
        "/api/v1/persons".to_owned(),
        format!("/api/v1/persons/{person}"),
        "/api/v1/places".to_owned(),
        format!("/api/v1/places/{place}"),
        "/api/v1/visits".to_owned(),
        "/api/v1/enquiries".to_owned(),
        format!("/api/v1/enquiries/{reference}"),
    ];
    let mut agents = vec![(Some(Role::Administrator), w.app.clone())];
    for role in [
        Role::Caseworker,
        Role::Analyst,
        Role::HealthOfficer,
        Role::Viewer,
    ] {
        agents.push((Some(role), as_agent(&w.anon, &w.agent(role).await, true)));
    }
    agents.push((None, w.anon.clone()));
    let mut seen_ok = 0;
    for (role, app) in &agents {
        for p in &paths {
            let (r, body) = get(app, p).await;
            if r.status().is_success() {
                seen_ok += 1;
            }
            for canary in [HEALTH, CONTACT] {
                assert!(
                    !body.contains(canary),
                    "{canary} in {p} as {role:?} ({})",
                    r.status()
                );
            }
        }
    }
    // The pages were really there to look at: most of them answer the staff roles.
    assert!(seen_ok >= 40, "only {seen_ok} pages answered");
}
