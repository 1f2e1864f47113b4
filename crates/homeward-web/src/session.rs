//! Who is asking, for every request: the session cookie resolved into a principal
//! (homeward-app's `sessions`), CSRF and origin checks on every state change, and the
//! cookies themselves.
//!
//! The `identify` middleware runs each request inside a task-local [`Viewer`], so that
//! `pages::Chrome` can put the session's CSRF token and the signed-in name into every page
//! without each handler passing them along.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use homeward_app::policy::{self, UseCase};
use homeward_app::sessions::{self, LoginThrottle, SessionPolicy, ThrottlePolicy, Token};

use crate::authz::{self, Matrix, Principal};
use crate::{AppState, WebError};

/// The header a script (htmx) sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field a plain form sends the CSRF token in.
pub const CSRF_FIELD: &str = "_csrf";

/// How long the pre-session token of the login and family forms lives (seconds).
const PRE_MAX_AGE: u64 = 60 * 60;

/// What the sign-in machinery keeps between requests.
pub struct Auth {
    /// Idle and absolute timeouts.
    pub policy: SessionPolicy,
    /// Failed logins per account and client.
    pub logins: Mutex<LoginThrottle>,
    /// Failed family look-ups per reference and client.
    pub families: Mutex<LoginThrottle>,
    /// Whether the server is reached over TLS (a proxy in front): cookies are then
    /// `Secure` and carry the `__Host-` prefix.
    pub secure: bool,
    /// A fixed clock (unix seconds) for tests; the system clock when `None`.
    pub clock: Option<Arc<AtomicU64>>,
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            policy: SessionPolicy::default(),
            logins: Mutex::new(LoginThrottle::new(ThrottlePolicy::default())),
            families: Mutex::new(LoginThrottle::new(ThrottlePolicy::default())),
            secure: false,
            clock: None,
        }
    }
}

impl Auth {
    /// Now, in unix seconds.
    pub fn now(&self) -> u64 {
        if let Some(c) = &self.clock {
            return c.load(Ordering::SeqCst);
        }
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// The session cookie's name.
    pub fn session_cookie(&self) -> &'static str {
        if self.secure {
            "__Host-homeward_session"
        } else {
            "homeward_session"
        }
    }

    /// The pre-session cookie's name (login-CSRF token of the login and family forms).
    pub fn pre_cookie(&self) -> &'static str {
        if self.secure {
            "__Host-homeward_pre"
        } else {
            "homeward_pre"
        }
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure behind TLS.
    pub fn cookie(&self, name: &str, value: &str, max_age: u64) -> Result<HeaderValue, WebError> {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
        ))
        .map_err(|e| WebError::Internal(e.to_string()))
    }

    /// A `Set-Cookie` value that removes a cookie.
    pub fn clear(&self, name: &str) -> Result<HeaderValue, WebError> {
        self.cookie(name, "", 0)
    }
}

/// Who is making the current request, as the pages see it.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The principal the guard checked.
    pub principal: Principal,
    /// The signed-in account's name (empty when anonymous).
    pub username: String,
    /// The session's CSRF token (empty without a session).
    pub csrf: String,
    /// The client's address, for throttling.
    pub client: String,
}

impl Viewer {
    fn anonymous(client: String) -> Viewer {
        Viewer {
            principal: Principal::Anonymous,
            username: String::new(),
            csrf: String::new(),
            client,
        }
    }

    /// Whether a session stands behind this request.
    pub fn signed_in(&self) -> bool {
        !matches!(self.principal, Principal::Anonymous)
    }

    /// Whether the route `GET path` lets this viewer in (for showing links).
    pub fn may_get(&self, path: &str) -> bool {
        matrix()
            .and_then(|m| m.roles("GET", path))
            .is_some_and(|roles| authz::allowed(&self.principal, roles))
    }

    /// Whether homeward-app's policy lets this viewer do a use case (to any object).
    pub fn may_use(&self, use_case: UseCase) -> bool {
        self.principal
            .app()
            .is_some_and(|p| policy::authorize(&p, use_case, policy::Relation::Any).is_ok())
    }
}

tokio::task_local! {
    static VIEWER: Viewer;
}

/// The viewer of the request being handled (anonymous outside a request).
pub fn current() -> Viewer {
    VIEWER
        .try_with(Viewer::clone)
        .unwrap_or_else(|_| Viewer::anonymous(String::new()))
}

/// Whether the current viewer may open `GET path` (without copying the viewer: the page
/// chrome asks for each of its links).
pub fn may_get(path: &str) -> bool {
    VIEWER
        .try_with(|v| v.may_get(path))
        .unwrap_or_else(|_| Viewer::anonymous(String::new()).may_get(path))
}

/// Runs `f` as `viewer` (the error pages, rendered after the request's own scope ended).
pub fn with_viewer<R>(viewer: Viewer, f: impl FnOnce() -> R) -> R {
    VIEWER.sync_scope(viewer, f)
}

fn matrix() -> Option<&'static Matrix> {
    static M: OnceLock<Option<Matrix>> = OnceLock::new();
    M.get_or_init(|| Matrix::parse(authz::MATRIX).ok()).as_ref()
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn state_changing(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The largest body read to find a `_csrf` field (uploads carry theirs in the form too).
fn csrf_body_limit(content_type: &str) -> usize {
    if content_type.starts_with("multipart/") {
        crate::UPLOAD_LIMIT
    } else {
        1 << 20
    }
}

/// The `_csrf` field of a urlencoded or multipart body. Tokens are hex or base64url, so
/// the value is compared as sent, without percent-decoding.
fn csrf_in_body(content_type: &str, body: &[u8]) -> Option<String> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let text = std::str::from_utf8(body).ok()?;
        return text
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == CSRF_FIELD)
            .map(|(_, v)| v.to_owned());
    }
    if content_type.starts_with("multipart/form-data") {
        let marker = format!("name=\"{CSRF_FIELD}\"");
        let at = find(body, marker.as_bytes())?;
        let rest = &body[at..];
        let start = find(rest, b"\r\n\r\n")? + 4;
        let value = &rest[start..];
        let end = find(value, b"\r\n")?;
        return std::str::from_utf8(&value[..end])
            .ok()
            .map(|v| v.trim().to_owned());
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn forbidden() -> Response {
    WebError::Forbidden.into_response()
}

/// Resolves the session cookie into the request's [`Principal`], checks the origin of
/// every state change and, when a session is present, its CSRF token (header
/// `x-csrf-token` or form field `_csrf`); then runs the request as that [`Viewer`].
pub async fn identify(State(s): State<AppState>, req: Request, next: Next) -> Response {
    match identify_inner(&s, req, next).await {
        Ok(r) | Err(r) => r,
    }
}

async fn identify_inner(s: &AppState, req: Request, next: Next) -> Result<Response, Response> {
    let auth = s.auth.clone();
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "local".to_owned(), |c| c.0.ip().to_string());
    let method = req.method().clone();
    let headers = req.headers().clone();
    let now = auth.now();
    let presented = cookie_value(&headers, auth.session_cookie()).map(str::to_owned);
    // Assets need nobody; sparing them the session look-up keeps them fast.
    let asset = req.uri().path().starts_with("/static/");
    let active = match (&presented, asset) {
        (Some(t), false) => sessions::resolve(s.store.as_ref(), auth.policy, t, now)
            .await
            .map_err(|e| WebError::from(e).into_response())?,
        _ => None,
    };
    let mut req = req;
    if state_changing(&method) {
        let scheme = if auth.secure { "https" } else { "http" };
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let header_str = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if !sessions::same_origin_request(
            header_str("origin"),
            header_str("sec-fetch-site"),
            &format!("{scheme}://{host}"),
        ) {
            return Err(forbidden());
        }
        if let Some(a) = &active {
            let ok = match header_str(CSRF_HEADER) {
                Some(t) => a.csrf_ok(t),
                None => {
                    let content_type = header_str("content-type").unwrap_or("").to_owned();
                    let (parts, body) = req.into_parts();
                    let bytes = axum::body::to_bytes(body, csrf_body_limit(&content_type))
                        .await
                        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
                    let ok = csrf_in_body(&content_type, &bytes).is_some_and(|t| a.csrf_ok(&t));
                    req = Request::from_parts(parts, Body::from(bytes));
                    ok
                }
            };
            if !ok {
                return Err(forbidden());
            }
        }
    }
    let viewer = match &active {
        Some(a) => Viewer {
            principal: Principal::from_app(&a.principal),
            username: a.username.clone(),
            csrf: a.csrf.expose().to_owned(),
            client,
        },
        None => Viewer::anonymous(client),
    };
    req.extensions_mut().insert(viewer.principal.clone());
    let mut resp = VIEWER.scope(viewer.clone(), next.run(req)).await;
    resp.extensions_mut().insert(viewer);
    // A stale session cookie is removed, unless the response sets a new one (login).
    if presented.is_some() && active.is_none() && !asset {
        let name = auth.session_cookie();
        let sets_it = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&format!("{name}="))));
        if !sets_it {
            if let Ok(v) = auth.clear(name) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    Ok(resp)
}

/// A new pre-session token for the login and family forms, or the one the client holds
/// (so that two open forms both work).
pub fn pre_token(auth: &Auth, headers: &HeaderMap) -> Token {
    match cookie_value(headers, auth.pre_cookie()) {
        Some(t)
            if t.len() == 43
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Token::from_presented(t)
        }
        _ => Token::generate(&mut rand::rngs::OsRng),
    }
}

/// The `Set-Cookie` of a pre-session token.
pub fn pre_cookie(auth: &Auth, token: &Token) -> Result<HeaderValue, WebError> {
    auth.cookie(auth.pre_cookie(), token.expose(), PRE_MAX_AGE)
}

/// Whether a form's `_csrf` is the client's pre-session token (login CSRF). A signed-in
/// viewer's form was checked against the session's token by `identify` already.
pub fn pre_form_ok(auth: &Auth, headers: &HeaderMap, viewer: &Viewer, presented: &str) -> bool {
    if viewer.signed_in() {
        return true;
    }
    match cookie_value(headers, auth.pre_cookie()) {
        Some(c) if !c.is_empty() => {
            Token::from_presented(c).ct_eq(&Token::from_presented(presented))
        }
        _ => false,
    }
}

/// Only paths of this site, and not the sign-in pages themselves: an open redirect would
/// let a link send readers elsewhere after they sign in.
pub fn local_path(p: &str) -> Option<&str> {
    let ok = p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && !p.starts_with("/login")
        && !p.starts_with("/logout");
    ok.then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_is_found_in_forms_and_multipart() {
        let form = "a=1&_csrf=abc123&b=2";
        assert_eq!(
            csrf_in_body("application/x-www-form-urlencoded", form.as_bytes()).as_deref(),
            Some("abc123")
        );
        assert_eq!(
            csrf_in_body("application/x-www-form-urlencoded", b"x_csrf=1"),
            None
        );
        let mp = "--B\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nx\r\n--B--\r\n";
        assert_eq!(
            csrf_in_body("multipart/form-data; boundary=B", mp.as_bytes()).as_deref(),
            Some("tok")
        );
        assert_eq!(csrf_in_body("application/json", b"{}"), None);
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("xhomeward_session=no; homeward_session=yes; lang=hy"),
        );
        assert_eq!(cookie_value(&h, "homeward_session"), Some("yes"));
        assert_eq!(cookie_value(&h, "lang"), Some("hy"));
        assert_eq!(cookie_value(&h, "other"), None);
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path("/persons?q=x"), Some("/persons?q=x"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/login",
            "",
        ] {
            assert_eq!(local_path(bad), None, "{bad}");
        }
    }
}
