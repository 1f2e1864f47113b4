//! The pages: rendered HTML in three languages, headers, errors, the import flow.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use homeward_store::TrustStore;

use super::{get, redact, send, world};

#[tokio::test]
async fn dashboard_renders_counts_chart_and_overdue() {
    let w = world().await;
    let (r, html) = get(&w.app, "/").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        html.contains("<svg role=\"img\" aria-label="),
        "chart inlined"
    );
    assert_eq!(html.matches("viewBox=").count(), 1);
    assert!(html.contains("Persons by status"));
    insta::assert_snapshot!("dashboard_en", redact(&html));
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_a_request_id() {
    let w = world().await;
    for uri in [
        "/",
        "/persons",
        "/imports",
        "/reports",
        "/nope",
        "/api/v1/status",
        "/api/v1/persons/x",
    ] {
        let (r, _) = get(&w.app, uri).await;
        let h = r.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("object-src 'none'"),
            "{uri}"
        );
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("base-uri 'none'"));
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{uri}");
        assert_eq!(h[header::REFERRER_POLICY], "same-origin", "{uri}");
        assert_eq!(h[header::CACHE_CONTROL], "no-store", "{uri}");
        let id = h["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 32, "{uri}");
    }
    // A client's own request id is replaced, never echoed.
    let (r, _) = send(
        &w.app,
        Request::get("/")
            .header("x-request-id", "forged")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_ne!(r.headers()["x-request-id"], "forged");
}

#[tokio::test]
async fn assets_are_versioned_and_cached() {
    let w = world().await;
    let v = homeward_web::assets::VERSION.as_str();
    let (r, css) = get(&w.app, &format!("/static/{v}/app.css")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(css.contains("Noto Sans Armenian"));
    let (r, _) = get(&w.app, "/static/old/app.css").await;
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
    let (r, _) = get(&w.app, &format!("/static/{v}/..%2Fsecret")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // No page refers to anything outside this server.
    for uri in ["/", "/persons", "/imports", "/reports"] {
        let (_, html) = get(&w.app, uri).await;
        // The SVG namespace is a name, not a request.
        let html = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn language_follows_the_cookie_then_accept_language() {
    let w = world().await;
    let req = |h: &[(&str, &str)]| {
        let mut b = Request::get("/persons");
        for (k, v) in h {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    };
    let (_, hy) = send(&w.app, req(&[("accept-language", "hy-AM,ru;q=0.8")])).await;
    assert!(hy.contains("<html lang=\"hy\">") && hy.contains("Անձինք"));
    let (_, ru) = send(
        &w.app,
        req(&[("accept-language", "hy"), ("cookie", "a=b; lang=ru")]),
    )
    .await;
    assert!(ru.contains("<html lang=\"ru\">") && ru.contains("Лица"));
    let (_, en) = send(&w.app, req(&[("accept-language", "de")])).await;
    assert!(en.contains("<html lang=\"en\">"));

    // Switching sets the cookie and returns to the page, never to another site.
    let form = |body: &str| {
        Request::post("/lang")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let (r, _) = send(&w.app, form("lang=hy&back=%2Fpersons%3Fq%3Dx")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/persons?q=x");
    assert!(r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .starts_with("lang=hy;"));
    let (r, _) = send(&w.app, form("lang=ru&back=%2F%2Fevil.example")).await;
    assert_eq!(r.headers()[header::LOCATION], "/");
    let (r, html) = send(&w.app, form("lang=xx&back=%2F")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(html.contains("unknown language"));
}

#[tokio::test]
async fn search_in_another_script_finds_the_person_and_opens_them() {
    let w = world().await;
    // Take a person, write their name in another script, search for it.
    let (_, json) = get(&w.app, "/api/v1/persons?per_page=200").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (id, name) = v["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap().to_owned(),
            )
        })
        .find(|(_, n)| {
            n.chars().all(|c| c.is_ascii_alphabetic() || c == ' ') && n.split(' ').count() >= 2
        })
        .expect("a Latin-script name in the demo");
    let cyrillic = to_cyrillic(&name);
    let uri = format!("/persons?q={}", urlencode(&cyrillic));
    let (r, html) = get(&w.app, &uri).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        html.contains(&format!("/persons/{id}")),
        "{name} as {cyrillic} not found"
    );
    let (r, page) = get(&w.app, &format!("/persons/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(page.contains("Linked records side by side"));
}

/// A rough Latin-to-Cyrillic spelling, as a Russian list would write an Armenian name.
fn to_cyrillic(s: &str) -> String {
    let pairs = [
        ("yan", "ян"),
        ("ian", "ян"),
        ("sh", "ш"),
        ("ch", "ч"),
        ("kh", "х"),
        ("zh", "ж"),
        ("ts", "ц"),
        ("gh", "г"),
        ("yo", "ё"),
        ("ya", "я"),
        ("yu", "ю"),
    ];
    let single = |c: char| match c.to_ascii_lowercase() {
        'a' => "а",
        'b' => "б",
        'v' => "в",
        'g' => "г",
        'd' => "д",
        'e' => "е",
        'z' => "з",
        'i' => "и",
        'y' => "й",
        'k' => "к",
        'l' => "л",
        'm' => "м",
        'n' => "н",
        'o' => "о",
        'p' => "п",
        'r' => "р",
        's' => "с",
        't' => "т",
        'u' => "у",
        'f' => "ф",
        'h' => "х",
        'c' => "к",
        'j' => "дж",
        'q' => "к",
        'w' => "в",
        'x' => "кс",
        ' ' => " ",
        _ => "",
    };
    let lower = s.to_lowercase();
    let mut out = String::new();
    let mut i = 0;
    'outer: while i < lower.len() {
        for (l, c) in pairs {
            if lower[i..].starts_with(l) {
                out.push_str(c);
                i += l.len();
                continue 'outer;
            }
        }
        let ch = lower[i..].chars().next().unwrap();
        out.push_str(single(ch));
        i += ch.len_utf8();
    }
    // Capitalise each part.
    out.split(' ')
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_uppercase().collect::<String>() + cs.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn person_page_shows_names_sources_timeline_and_records() {
    let w = world().await;
    // The person with the most records makes the fullest page.
    let (_, json) = get(&w.app, "/api/v1/persons?per_page=200").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut best = (0, String::new());
    for p in v["persons"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let (_, pj) = get(&w.app, &format!("/api/v1/persons/{id}")).await;
        let pv: serde_json::Value = serde_json::from_str(&pj).unwrap();
        let score =
            pv["events"].as_array().unwrap().len() * 10 + pv["visits"].as_array().unwrap().len();
        if score > best.0 {
            best = (score, id.to_owned());
        }
    }
    assert!(best.0 > 0, "some person has a timeline");
    let (_, en) = get(&w.app, &format!("/persons/{}", best.1)).await;
    insta::assert_snapshot!("person_en", redact(&en));
    let (_, hy) = send(
        &w.app,
        Request::get(format!("/persons/{}", best.1))
            .header("cookie", "lang=hy")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(hy.contains("Ժամանակագրություն"));
    // Unknown and malformed ids are simply not found, as a page.
    for bad in ["/persons/P-0000000000000000", "/persons/%3Cscript%3E"] {
        let (r, html) = get(&w.app, bad).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(html.contains("Not found.") && html.contains("Request id: "));
        assert!(!html.contains("<script>"));
    }
}

#[tokio::test]
async fn person_page_opens_sealed_notes_only_when_asked_and_logs_that_read() {
    let w = world().await;
    // A person with notes, found through the API (which opens them, a logged read).
    let (_, json) = get(&w.app, "/api/v1/persons?per_page=200").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut found = None;
    for p in v["persons"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let (_, pj) = get(&w.app, &format!("/api/v1/persons/{id}")).await;
        let pv: serde_json::Value = serde_json::from_str(&pj).unwrap();
        let note = pv["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["fields"]["notes"].as_str())
            // Compared with the page as written, so nothing HTML escapes.
            .find(|n| !n.contains(['&', '<', '>', '"', '\'']))
            .map(str::to_owned);
        if let Some(note) = note {
            found = Some((id.to_owned(), note));
            break;
        }
    }
    let (id, note) = found.expect("the demo has records with notes");
    let reads = |log: &[homeward_store::AuditRow]| {
        log.iter()
            .filter(|e| e.action == "read_sensitive" && e.object_kind == "records")
            .count()
    };
    let before = reads(&w.store.audit_rows().await.unwrap());
    let (r, html) = get(&w.app, &format!("/persons/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        html.contains("Sealed notes: "),
        "the page says notes are there"
    );
    assert!(!html.contains(&note), "but does not show them");
    assert!(html.contains("?notes=open"));
    assert_eq!(
        reads(&w.store.audit_rows().await.unwrap()),
        before,
        "a page that opens nothing logs no read"
    );
    let (r, html) = get(&w.app, &format!("/persons/{id}?notes=open")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(html.contains(&note), "asked for, the notes are shown");
    assert!(!html.contains("Sealed notes: "));
    assert!(
        reads(&w.store.audit_rows().await.unwrap()) > before,
        "and the opening is in the audit log"
    );
}

fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "XhomewardtestX";
    let mut body = Vec::new();
    for (name, file, bytes) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Pulls the value of a hidden or text input, or a textarea, out of a page.
fn form_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in page"));
    let rest = &html[at..];
    if let Some(t) = rest
        .strip_prefix(&marker)
        .and_then(|r| r.split_once('>'))
        .filter(|_| html[..at].ends_with("<textarea id=\"mapping\" "))
    {
        let text = t.1.split("</textarea>").next().unwrap();
        return unescape(text);
    }
    let v = rest
        .split("value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    unescape(v)
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn import_with_a_bad_row_reports_it_imports_nothing_then_imports_the_fixed_file() {
    let w = world().await;
    let before = homeward_app::status::status(w.store.as_ref())
        .await
        .unwrap();
    let bad_csv = "Фамилия;Имя;Дата рождения\nТестян;Армен;12.03.1990\nПримерян;Гор;31.02.1985\n";
    let (ct, body) = multipart(&[
        ("file", Some("list.csv"), bad_csv.as_bytes()),
        ("source", None, b"Test list"),
    ]);
    let (r, html) = send(
        &w.app,
        Request::post("/imports/preview")
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{html}");
    let token = form_value(&html, "token");
    let mapping = form_value(&html, "mapping");
    assert!(mapping.contains("birth_date"), "{mapping}");
    let step = |path: &str, token: &str, mapping: &str| {
        Request::post(path.to_owned())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&[
                ("token", token),
                ("source", "Test list"),
                ("mapping", mapping),
            ])))
            .unwrap()
    };
    let (_, checked) = send(&w.app, step("/imports/check", &token, &mapping)).await;
    assert!(checked.contains("id=\"bad-rows\""), "{checked}");
    assert!(checked.contains("31.02.1985"));
    assert!(
        !checked.contains("formaction=\"/imports/run\""),
        "no import button while rows are bad"
    );
    let (_, ran) = send(&w.app, step("/imports/run", &token, &mapping)).await;
    assert!(ran.contains("nothing was imported"));
    let after_bad = homeward_app::status::status(w.store.as_ref())
        .await
        .unwrap();
    assert_eq!(after_bad, before, "a file with a bad row changes nothing");

    let good_csv = bad_csv.replace("31.02.1985", "28.02.1985");
    let (ct, body) = multipart(&[
        ("file", Some("list.csv"), good_csv.as_bytes()),
        ("source", None, b"Test list"),
    ]);
    let (_, html) = send(
        &w.app,
        Request::post("/imports/preview")
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    let token = form_value(&html, "token");
    let mapping = form_value(&html, "mapping");
    let (_, checked) = send(&w.app, step("/imports/check", &token, &mapping)).await;
    assert!(checked.contains("2 rows are valid"), "{checked}");
    let (_, ran) = send(&w.app, step("/imports/run", &token, &mapping)).await;
    assert!(ran.contains("Imported 2 records."), "{ran}");
    let after = homeward_app::status::status(w.store.as_ref())
        .await
        .unwrap();
    assert_eq!(after.records, before.records + 2);
    // The held file is gone once imported.
    let (_, again) = send(&w.app, step("/imports/check", &token, &mapping)).await;
    assert!(again.contains("no longer held"));
}

#[tokio::test]
async fn names_are_escaped_everywhere() {
    let w = world().await;
    let csv =
        "given_name,family_name\n<script>alert(1)</script>,\"<img src=x onerror=alert(1)>\"\n";
    let (ct, body) = multipart(&[
        ("file", Some("x.csv"), csv.as_bytes()),
        ("source", None, b"xss"),
        ("mapping", None, b"[[columns]]\ncolumn = \"given_name\"\nfield = \"given_name\"\n\n[[columns]]\ncolumn = \"family_name\"\nfield = \"family_name\"\n"),
    ]);
    let (r, j) = send(
        &w.app,
        Request::post("/api/v1/imports")
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{j}");
    let (_, html) = get(&w.app, "/persons?q=script").await;
    let (_, list) = get(&w.app, "/persons?page=1").await;
    for page in [html, list] {
        assert!(!page.contains("<script>alert"), "unescaped script");
        assert!(!page.contains("<img src=x"), "unescaped attribute");
    }
}

#[tokio::test]
async fn reports_download_without_names_and_with_hxl_tags() {
    let w = world().await;
    let (r, csv) = get(&w.app, "/reports/aggregates.hxl.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("dimension,value,persons"));
    assert_eq!(
        lines.next(),
        Some("#meta+dimension,#meta+value,#affected+num")
    );
    insta::assert_snapshot!("aggregates_hxl", csv);
    let (_, access) = get(&w.app, "/reports/access.csv").await;
    assert!(access.starts_with("as_of,place,last_visit,days_since_visit,persons,overdue\n"));
    let (_, json) = get(&w.app, "/reports/access.json").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["as_of"], "2026-11-01");
    assert!(!json.contains("person_id"), "no person in a public report");
    let (r, _) = get(&w.app, "/reports/other.csv").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
