//! Signing in and out, and the family's page: the login form (name, password, optional
//! TOTP code; one message for every failure, throttled), logout, and the page where a
//! family reads what is known about their own enquiry with its reference and secret.
//!
//! Both forms are posted before any session exists, so they carry a pre-session token
//! (cookie + hidden field, compared in constant time) against login CSRF.

use askama::Template;
use axum::extract::{Form, OriginalUri, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use homeward_app::enquiry::FamilyView;
use homeward_app::sessions::{self, Password, SessionError};
use homeward_domain::PartialDate;
use serde::Deserialize;

use crate::error::KeepBody;
use crate::i18n::Lang;
use crate::pages::Chrome;
use crate::session::{self, Auth};
use crate::{AppState, WebError};

/// Where an anonymous request for a staff page goes: the login page, which comes back to
/// the page afterwards (for a GET; a form posted without a session is not replayed).
pub fn to_login(method: &Method, uri: &Uri) -> Response {
    let back = uri.path_and_query().map_or("/", |p| p.as_str());
    let target = match (method, session::local_path(back)) {
        (&Method::GET | &Method::HEAD, Some(p)) if p != "/" => {
            format!("/login?next={}", encode(p))
        }
        _ => "/login".to_owned(),
    };
    Redirect::to(&target).into_response()
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn render(t: &impl Template) -> Result<String, WebError> {
    t.render()
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

/// A form page with its status and a fresh pre-session cookie; error statuses keep this
/// body (the form and its message) instead of the generic error page.
fn form_response(
    auth: &Auth,
    status: StatusCode,
    html: String,
    pre: &sessions::Token,
) -> Result<Response, WebError> {
    let mut r = (status, Html(html)).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, session::pre_cookie(auth, pre)?);
    if status.is_client_error() {
        r.extensions_mut().insert(KeepBody);
    }
    Ok(r)
}

/// The token a form sends back: the session's when signed in, else the pre-session one.
fn form_csrf(pre: &sessions::Token) -> String {
    let v = session::current();
    if v.signed_in() {
        v.csrf
    } else {
        pre.expose().to_owned()
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    message: Option<String>,
    form_csrf: String,
    next: String,
}

/// The query of the login page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login`: the sign-in form (or, when signed in already, on to the page asked for).
pub async fn login_form(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    let next = session::local_path(&q.next).unwrap_or("/").to_owned();
    if session::current().signed_in() {
        return Ok(Redirect::to(&next).into_response());
    }
    let pre = session::pre_token(&s.auth, &headers);
    let page = LoginPage {
        c: Chrome::new(l, &uri, "login"),
        message: None,
        form_csrf: form_csrf(&pre),
        next,
    };
    form_response(&s.auth, StatusCode::OK, render(&page)?, &pre)
}

/// The login form as posted.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    next: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginForm([REDACTED])")
    }
}

/// `POST /login`: checks the form's token, the throttle, then the account; on success a new
/// session (cookie) and back to the page asked for. Every failure shows one message.
pub async fn login(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let auth = s.auth.clone();
    let viewer = session::current();
    let next = session::local_path(&f.next).unwrap_or("/").to_owned();
    let again = |status: StatusCode, key: &str| -> Result<Response, WebError> {
        let pre = session::pre_token(&auth, &headers);
        let page = LoginPage {
            c: Chrome::new(l, &uri, "login"),
            message: Some(l.t(key)),
            form_csrf: form_csrf(&pre),
            // The name is not echoed: a failure's body is the same byte for byte whatever
            // was typed (AU-4).
            next: next.clone(),
        };
        form_response(&auth, status, render(&page)?, &pre)
    };
    if !session::pre_form_ok(&auth, &headers, &viewer, &f.csrf) {
        return again(StatusCode::FORBIDDEN, "login-expired");
    }
    let totp = Some(f.totp.trim()).filter(|t| !t.is_empty());
    let started = sessions::log_in(
        s.store.as_ref(),
        &auth.logins,
        auth.policy,
        &f.username,
        &Password::new(f.password.clone()),
        totp,
        &viewer.client,
        auth.now(),
    )
    .await;
    match started {
        Ok(started) => {
            // A session this browser held before ends: one account per browser at a time.
            if let Some(old) = session::cookie_value(&headers, auth.session_cookie()) {
                sessions::log_out(s.store.as_ref(), old).await?;
            }
            let mut r = Redirect::to(&next).into_response();
            let h = r.headers_mut();
            h.append(
                header::SET_COOKIE,
                auth.cookie(
                    auth.session_cookie(),
                    started.token.expose(),
                    auth.policy.absolute_secs,
                )?,
            );
            h.append(header::SET_COOKIE, auth.clear(auth.pre_cookie())?);
            Ok(r)
        }
        Err(SessionError::Failed) => again(StatusCode::UNAUTHORIZED, "login-failed"),
        Err(SessionError::Throttled(wait)) => {
            let mut r = again(StatusCode::TOO_MANY_REQUESTS, "login-throttled")?;
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(r)
        }
        Err(SessionError::Store(e)) => Err(e.into()),
        Err(SessionError::Internal(m)) => Err(WebError::Internal(m)),
    }
}

/// `POST /logout`: ends the session on the server and removes the cookie.
pub async fn logout(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let auth = s.auth.clone();
    if let Some(t) = session::cookie_value(&headers, auth.session_cookie()) {
        sessions::log_out(s.store.as_ref(), t).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, auth.clear(auth.session_cookie())?);
    Ok(r)
}

#[derive(Template)]
#[template(path = "family.html")]
struct FamilyPage {
    c: Chrome,
    message: Option<String>,
    form_csrf: String,
    facts: Vec<(String, String)>,
}

/// `GET /family`: the form for a reference and secret.
pub async fn family_form(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let pre = session::pre_token(&s.auth, &headers);
    let page = FamilyPage {
        c: Chrome::new(l, &uri, "family"),
        message: None,
        form_csrf: form_csrf(&pre),
        facts: Vec::new(),
    };
    form_response(&s.auth, StatusCode::OK, render(&page)?, &pre)
}

/// The family form as posted.
#[derive(Deserialize)]
pub struct FamilyForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    secret: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

impl std::fmt::Debug for FamilyForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FamilyForm([REDACTED])")
    }
}

/// A date as the reader writes it, or the text as stored when it is not one.
fn date(l: Lang, s: &str) -> String {
    s.parse::<PartialDate>()
        .map_or_else(|_| s.to_owned(), |d| l.date(&d))
}

/// What the family is shown: only what `family_status` returned, in their language.
fn facts(l: Lang, v: &FamilyView) -> Vec<(String, String)> {
    let mut out = vec![
        (l.t("family-reference"), v.reference.clone()),
        (
            l.t("family-state"),
            l.t(&format!("family-state-{}", v.state)),
        ),
    ];
    match &v.answer {
        None => out.push((l.t("family-answer"), l.t("family-no-answer"))),
        Some(a) => {
            let or_none = |d: &Option<String>| {
                d.as_deref()
                    .map_or_else(|| l.t("not-stated"), |d| date(l, d))
            };
            out.push((l.t("family-as-of"), date(l, &a.as_of)));
            out.push((l.t("family-status"), l.t(&format!("status-{}", a.status))));
            out.push((
                l.t("family-legal"),
                l.t(&format!("legal-{}", a.legal_status)),
            ));
            out.push((
                l.t("family-last-sighting"),
                or_none(&a.last_independent_sighting),
            ));
            if let Some(p) = &a.place_of_detention {
                out.push((l.t("family-place"), p.clone()));
            }
            out.push((l.t("family-last-contact"), or_none(&a.last_family_contact)));
            if let Some(m) = &a.message {
                out.push((l.t("family-message"), m.clone()));
            }
        }
    }
    out
}

/// `POST /family`: with the right reference and secret, what is known about that enquiry
/// and nothing else; a wrong secret and an unknown reference give the same answer, and
/// repeated failures are throttled like logins.
pub async fn family(
    State(s): State<AppState>,
    l: Lang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(f): Form<FamilyForm>,
) -> Result<Response, WebError> {
    let auth = s.auth.clone();
    let viewer = session::current();
    let pre = session::pre_token(&auth, &headers);
    let page = |message: Option<&str>, facts: Vec<(String, String)>| FamilyPage {
        c: Chrome::new(l, &uri, "family"),
        message: message.map(|k| l.t(k)),
        form_csrf: form_csrf(&pre),
        facts,
    };
    if !session::pre_form_ok(&auth, &headers, &viewer, &f.csrf) {
        let html = render(&page(Some("login-expired"), Vec::new()))?;
        return form_response(&auth, StatusCode::FORBIDDEN, html, &pre);
    }
    let hasher = homeward_app::accounts::hasher().map_err(|e| WebError::Internal(e.to_string()))?;
    let got = sessions::family_view(
        s.store.as_ref(),
        &hasher,
        &auth.families,
        &f.reference,
        &f.secret,
        &viewer.client,
        auth.now(),
    )
    .await;
    let (status, html) = match got {
        Ok(view) => (StatusCode::OK, render(&page(None, facts(l, &view)))?),
        Err(SessionError::Failed) => (
            StatusCode::NOT_FOUND,
            render(&page(Some("family-failed"), Vec::new()))?,
        ),
        Err(SessionError::Throttled(_)) => (
            StatusCode::TOO_MANY_REQUESTS,
            render(&page(Some("family-throttled"), Vec::new()))?,
        ),
        Err(SessionError::Store(e)) => return Err(e.into()),
        Err(SessionError::Internal(m)) => return Err(WebError::Internal(m)),
    };
    form_response(&auth, status, html, &pre)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_redirects_keep_the_page_encoded() {
        let r = to_login(
            &Method::GET,
            &"/persons?q=a%20b&page=2".parse().unwrap_or_default(),
        );
        let loc = r.headers()[header::LOCATION].to_str().unwrap_or("");
        assert_eq!(loc, "/login?next=%2Fpersons%3Fq%3Da%2520b%26page%3D2");
        let r = to_login(&Method::POST, &Uri::from_static("/imports/run"));
        assert_eq!(r.headers()[header::LOCATION], "/login");
        let r = to_login(&Method::GET, &Uri::from_static("/"));
        assert_eq!(r.headers()[header::LOCATION], "/login");
    }
}
