//! Accounts on the web: anonymous requests, login and its throttle, roles, CSRF, session
//! timeouts, logout, and the family's page.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use homeward_domain::Role;
use homeward_store::{BrowseStore, TrustStore};

use super::{
    as_agent, field, get, password, redact, send, set_cookie, sign_in, user_name, world, T0,
};

fn form(uri: &str) -> axum::http::request::Builder {
    Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

#[tokio::test]
async fn anonymous_requests_reach_public_routes_only() {
    let w = world().await;
    let (r, _) = get(&w.anon, "/").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/login");
    let (r, _) = get(&w.anon, "/persons?q=x").await;
    assert_eq!(
        r.headers()[header::LOCATION],
        "/login?next=%2Fpersons%3Fq%3Dx"
    );
    let (r, body) = get(&w.anon, "/api/v1/persons").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "unauthorized");
    let (r, _) = send(
        &w.anon,
        form("/imports/run")
            .body(Body::from("token=x&source=y&mapping=z"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.headers()[header::LOCATION], "/login");
    for public in ["/reports", "/login", "/family", "/api/v1/openapi.json"] {
        let (r, _) = get(&w.anon, public).await;
        assert_eq!(r.status(), StatusCode::OK, "{public}");
    }
    // The login page offers nothing of the registry: no staff links.
    let (_, html) = get(&w.anon, "/login").await;
    assert!(!html.contains("href=\"/persons\"") && !html.contains("href=\"/imports\""));
    assert!(html.contains("autocomplete=\"current-password\""));
}

#[tokio::test]
async fn a_failed_login_says_the_same_whatever_failed_and_is_throttled() {
    let w = world().await;
    let admin = user_name(Role::Administrator);
    let (r, html) = get(&w.anon, "/login").await;
    let pre = set_cookie(&r, "homeward_pre").unwrap();
    let pre = pre.split(';').next().unwrap().to_owned();
    let token = field(&html, "_csrf");
    let attempt = |name: String, pw: String| {
        let pre = pre.clone();
        let token = token.clone();
        let app = w.anon.clone();
        async move {
            send(
                &app,
                form("/login")
                    .header(header::COOKIE, pre)
                    .body(Body::from(format!(
                        "username={name}&password={pw}&_csrf={token}&next=%2F"
                    )))
                    .unwrap(),
            )
            .await
        }
    };
    let (r1, wrong_pw) = attempt(admin.clone(), "not-the-password-at-all".into()).await;
    let (r2, no_user) = attempt("nobody-here".into(), "not-the-password-at-all".into()).await;
    assert_eq!(r1.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r2.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong_pw.contains("Sign-in failed."));
    assert_eq!(
        wrong_pw, no_user,
        "an unknown account and a wrong password read the same, byte for byte"
    );
    assert!(set_cookie(&r1, "homeward_session").is_none());
    // Five failures per account are free; then even the right password waits.
    for _ in 0..4 {
        let (r, _) = attempt(admin.clone(), "still-not-the-password".into()).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let (r, html) = attempt(admin.clone(), password(Role::Administrator)).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key(header::RETRY_AFTER));
    assert!(html.contains("Too many failed attempts"));
    assert!(set_cookie(&r, "homeward_session").is_none());
    // Throttling delays, it does not lock out: after the wait the right password works.
    w.clock.fetch_add(3, Ordering::SeqCst);
    let (r, _) = attempt(admin.clone(), password(Role::Administrator)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Login CSRF: a form without the pre-session cookie is refused.
    let (r, _) = send(
        &w.anon,
        form("/login")
            .body(Body::from(format!(
                "username={admin}&password={}&_csrf={token}",
                password(Role::Administrator)
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&r, "homeward_session").is_none());
}

#[tokio::test]
async fn a_session_cookie_is_hardened_and_roles_decide_what_is_seen() {
    let w = world().await;
    // The cookie: HttpOnly, SameSite=Strict, Path=/, and no `Secure` over plain loopback.
    let (r, html) = get(&w.anon, "/login").await;
    let pre = set_cookie(&r, "homeward_pre").unwrap();
    assert!(pre.contains("HttpOnly") && pre.contains("SameSite=Strict"));
    let (r, _) = send(
        &w.anon,
        form("/login")
            .header(header::COOKIE, pre.split(';').next().unwrap())
            .body(Body::from(format!(
                "username={}&password={}&_csrf={}&next=%2Fpersons%3Fpage%3D2",
                user_name(Role::Administrator),
                password(Role::Administrator),
                field(&html, "_csrf")
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[header::LOCATION],
        "/persons?page=2",
        "back to the page"
    );
    let c = set_cookie(&r, "homeward_session").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(c.contains(attr), "{c}");
    }
    assert!(!c.contains("Secure"));
    assert_eq!(
        c.split(';').next().unwrap().len(),
        "homeward_session=".len() + 43
    );

    // Each role sees its pages; a page it may not see is "not found", like a missing one.
    let caseworker = as_agent(&w.anon, &w.agent(Role::Caseworker).await, true);
    let analyst = as_agent(&w.anon, &w.agent(Role::Analyst).await, true);
    let viewer = as_agent(&w.anon, &w.agent(Role::Viewer).await, true);
    let (_, json) = get(&w.app, "/api/v1/persons?per_page=200").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let first = &v["persons"][0];
    let id = first["id"].as_str().unwrap();
    let name = first["name"].as_str().unwrap();
    let (r, page) = get(&caseworker, &format!("/persons/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(page.contains(name));
    assert!(page.contains("test-caseworker"), "who is signed in");

    let (r, denied) = get(&analyst, &format!("/api/v1/persons/{id}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (r2, missing) = get(&w.app, "/api/v1/persons/P-0000000000000000").await;
    assert_eq!(r2.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        redact(&denied),
        redact(&missing),
        "not allowed reads as not found"
    );
    let path = format!("/persons/{id}");
    let (_, denied_page) = get(&analyst, &path).await;
    let (_, missing_page) = get(&analyst, "/nothing-here").await;
    assert_eq!(
        redact(&denied_page).replace(&path, "PATH"),
        redact(&missing_page).replace("/nothing-here", "PATH"),
    );
    // The analyst sees figures, never names: no persons, no imports, no overdue list.
    for uri in ["/persons", "/imports", "/api/v1/persons"] {
        let (r, _) = get(&analyst, uri).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{uri}");
    }
    let (r, dash) = get(&analyst, "/").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(!dash.contains("overdue-h") && !dash.contains("/persons/"));
    assert!(
        !dash.contains("href=\"/persons\""),
        "no link to a page it cannot open"
    );
    let (persons, _) = w.store.persons_page(0, 1000).await.unwrap();
    for p in &persons {
        assert!(
            !dash.contains(&p.display_name),
            "{} on the analyst's dashboard",
            p.display_name
        );
    }
    let (_, admin_dash) = get(&w.app, "/").await;
    assert!(admin_dash.contains("overdue-h"));
    let (r, _) = get(&viewer, "/api/v1/status").await;
    assert_eq!(r.status(), StatusCode::OK);
    let (r, _) = get(&viewer, "/persons").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (r, _) = get(&viewer, "/login?next=%2Freports").await;
    assert_eq!(
        r.headers()[header::LOCATION],
        "/reports",
        "signed in already"
    );
}

#[tokio::test]
async fn behind_tls_the_cookie_is_secure_with_the_host_prefix() {
    let w = world().await;
    let state = homeward_web::AppState::new(w.store.clone()).behind_tls();
    let app = homeward_web::app(state).unwrap();
    let (r, html) = get(&app, "/login").await;
    let pre = set_cookie(&r, "__Host-homeward_pre").unwrap();
    assert!(pre.contains("; Secure"));
    let (r, _) = send(
        &app,
        form("/login")
            .header(header::COOKIE, pre.split(';').next().unwrap())
            .body(Body::from(format!(
                "username={}&password={}&_csrf={}",
                user_name(Role::Administrator),
                password(Role::Administrator),
                field(&html, "_csrf")
            )))
            .unwrap(),
    )
    .await;
    let c = set_cookie(&r, "__Host-homeward_session").unwrap();
    assert!(c.contains("; Secure") && c.contains("Path=/") && !c.contains("Domain"));
}

#[tokio::test]
async fn every_state_change_needs_the_session_csrf_token_and_our_origin() {
    let w = world().await;
    let admin = sign_in(
        &w.anon,
        &user_name(Role::Administrator),
        &password(Role::Administrator),
    )
    .await
    .unwrap();
    let bare = as_agent(&w.anon, &admin, false);
    let lang = |extra: &str| format!("lang=hy&back=%2F{extra}");
    let (r, _) = send(&bare, form("/lang").body(Body::from(lang(""))).unwrap()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token");
    let (r, _) = send(
        &bare,
        form("/lang")
            .header("x-csrf-token", "0".repeat(64))
            .body(Body::from(lang("")))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "another token");
    let (r, _) = send(
        &bare,
        form("/lang")
            .header("x-csrf-token", &admin.csrf)
            .body(Body::from(lang("")))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "header token");
    let (r, _) = send(
        &bare,
        form("/lang")
            .body(Body::from(lang(&format!("&_csrf={}", admin.csrf))))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "form token");
    let (r, _) = send(
        &bare,
        form("/lang")
            .header("x-csrf-token", &admin.csrf)
            .header("origin", "https://evil.example")
            .body(Body::from(lang("")))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "another origin");
    let (r, _) = send(
        &bare,
        form("/lang")
            .header("x-csrf-token", &admin.csrf)
            .header("origin", "http://homeward.test")
            .header(header::HOST, "homeward.test")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(lang("")))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "our own origin");
    // An upload carries its token as a form field.
    let boundary = "XyZ";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nlist\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nfull_name\nAnna Synthetic\n\r\n--{boundary}--\r\n",
        admin.csrf
    );
    let multipart = |body: String| {
        Request::post("/imports/preview")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap()
    };
    let (r, html) = send(&bare, multipart(body.clone())).await;
    assert_eq!(r.status(), StatusCode::OK, "{html}");
    let (r, _) = send(&bare, multipart(body.replace(&admin.csrf, &"1".repeat(64)))).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Every form of a signed-in page carries the token; htmx sends it as a header.
    let (_, page) = get(&w.app, "/imports").await;
    assert_eq!(
        page.matches("<form").count(),
        page.matches("name=\"_csrf\"").count()
    );
    assert!(page.contains("hx-headers='{\"x-csrf-token\": \""));
}

#[tokio::test]
async fn sessions_end_when_idle_when_old_and_on_logout() {
    let w = world().await;
    let user = user_name(Role::Administrator);
    let pw = password(Role::Administrator);
    let set = |t: u64| w.clock.store(t, Ordering::SeqCst);

    // Idle: 30 minutes without a request.
    set(T0);
    let a = as_agent(&w.anon, &sign_in(&w.anon, &user, &pw).await.unwrap(), true);
    set(T0 + 29 * 60);
    let (r, _) = get(&a, "/").await;
    assert_eq!(r.status(), StatusCode::OK);
    set(T0 + 29 * 60 + 29 * 60);
    let (r, _) = get(&a, "/").await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "each use restarts the idle time"
    );
    set(T0 + 29 * 60 + 29 * 60 + 30 * 60);
    let (r, _) = get(&a, "/").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "idle for 30 minutes");
    let cleared = set_cookie(&r, "homeward_session").unwrap();
    assert!(cleared.contains("Max-Age=0"), "the stale cookie is removed");
    let (r, _) = get(&a, "/api/v1/status").await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "and gone on the server"
    );

    // Absolute: 12 hours whatever the activity.
    let start = T0 + 10_000;
    set(start);
    let b = as_agent(&w.anon, &sign_in(&w.anon, &user, &pw).await.unwrap(), true);
    let mut t = start;
    while t + 20 * 60 < start + 12 * 3600 {
        t += 20 * 60;
        set(t);
        let (r, _) = get(&b, "/api/v1/status").await;
        assert_eq!(r.status(), StatusCode::OK, "at {}", t - start);
    }
    set(start + 12 * 3600);
    let (r, _) = get(&b, "/api/v1/status").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "12 hours after login");

    // Logout ends the session on the server, not only in the browser.
    let agent = sign_in(&w.anon, &user, &pw).await.unwrap();
    let c = as_agent(&w.anon, &agent, true);
    let (r, _) = send(&c, form("/logout").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/login");
    assert!(set_cookie(&r, "homeward_session")
        .unwrap()
        .contains("Max-Age=0"));
    let (r, _) = get(&c, "/api/v1/status").await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the old cookie is dead"
    );
    let log = w.store.audit_rows().await.unwrap();
    assert!(log.iter().any(|e| e.action == "logout"));
    assert!(log.iter().any(|e| e.action == "login"));

    // Disabling an account ends its sessions at once.
    let d = as_agent(&w.anon, &sign_in(&w.anon, &user, &pw).await.unwrap(), true);
    let (r, _) = get(&d, "/api/v1/status").await;
    assert_eq!(r.status(), StatusCode::OK);
    let admin = w
        .store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.user.username == user)
        .unwrap();
    w.store.set_disabled(&admin.user.id, true).await.unwrap();
    let (r, _) = get(&d, "/api/v1/status").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_family_sees_their_own_enquiry_and_nothing_else() {
    let w = world().await;
    assert!(w.enquiries.len() >= 2, "the demo has enquiries");
    let (mine, secret) = w.enquiries[0].clone();
    let (r, html) = get(&w.anon, "/family").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(html.contains("<label for=\"reference\">") && html.contains("<label for=\"secret\">"));
    let pre = set_cookie(&r, "homeward_pre").unwrap();
    let pre = pre.split(';').next().unwrap().to_owned();
    let token = field(&html, "_csrf");
    let ask = |reference: String, secret: String| {
        let (pre, token, app) = (pre.clone(), token.clone(), w.anon.clone());
        async move {
            let body = format!(
                "reference={reference}&secret={}&_csrf={token}",
                secret.replace(' ', "+")
            );
            send(
                &app,
                form("/family")
                    .header(header::COOKIE, pre)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
        }
    };
    let (r, page) = ask(mine.clone(), secret.clone()).await;
    assert_eq!(r.status(), StatusCode::OK, "{page}");
    assert!(page.contains(&mine));
    assert!(page.contains("State of the enquiry"));
    for (other, _) in &w.enquiries[1..] {
        assert!(!page.contains(other.as_str()), "another enquiry shown");
    }
    // Every enquiry reads in words, answered or not.
    let mut answered = 0;
    for (reference, secret) in &w.enquiries {
        let (r, page) = ask(reference.clone(), secret.clone()).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(!page.contains("Unknown localization key"), "{page}");
        answered += usize::from(page.contains("Known as of"));
    }
    assert!(answered > 0, "the demo answers some enquiries");
    // Nothing of the registry: no names, no links to staff pages.
    assert!(!page.contains("href=\"/persons"));
    for p in w.store.persons_page(0, 1000).await.unwrap().0 {
        assert!(!page.contains(&p.display_name));
    }
    // A wrong secret and an unknown reference give the very same answer.
    let (r1, wrong) = ask(mine.clone(), "wrong words entirely here".into()).await;
    let (r2, unknown) = ask(
        w.enquiries[1].0.replace(|c: char| c.is_ascii_digit(), "7"),
        secret.clone(),
    )
    .await;
    let (r3, malformed) = ask("nonsense".into(), secret.clone()).await;
    assert_eq!(r1.status(), StatusCode::NOT_FOUND);
    assert_eq!((r2.status(), r3.status()), (r1.status(), r1.status()));
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, malformed);
    assert!(wrong.contains("No enquiry matches"));
    // Guessing is throttled per reference, like logins.
    for _ in 0..4 {
        ask(mine.clone(), "more wrong words here".into()).await;
    }
    let (r, page) = ask(mine.clone(), secret.clone()).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!page.contains("State of the enquiry"));
    // In Armenian and Russian too.
    for (lang, word) in [("hy", "Ձեր հարցումը"), ("ru", "Ваш запрос")] {
        let (_, html) = send(
            &w.anon,
            Request::get("/family")
                .header("accept-language", lang)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert!(html.contains(word), "{lang}");
    }
}
