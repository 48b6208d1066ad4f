//! What every request passes before routing, so that browsers and stray clients cannot drive the
//! emulator from elsewhere and the control plane reads only small JSON:
//!
//! - **Host allow-list** (DNS rebinding): the `Host` header must be an IP address, `localhost`
//!   (or `*.localhost`), a single-label name (`emulator`, a Docker Compose service: no public DNS
//!   name an attacker could point at this machine has no dot), a name given with
//!   `--allowed-hosts`, or — when listening on all interfaces (Docker) — the machine's host name.
//!   `--allowed-hosts '*'` turns the check off.
//! - **Cross-site requests**: a request a browser marks as coming from another site
//!   (`Sec-Fetch-Site: cross-site|same-site`) or whose `Origin` is not the emulator's own is refused
//!   on the RPC API (whose GETs can change state) and on every control-plane write. curl and the
//!   SDKs send neither header, so they are unaffected.
//! - **Control-plane writes**: a `POST` body must be `Content-Type: application/json` (an empty
//!   body may have no Content-Type), so an HTML form or a `no-cors` fetch cannot send one; a declared
//!   length over the route's limit is refused before the body is read (no `100 Continue`).
//! - **`--auth strict`**: `/_emulator/*` needs the admin token, except `health`, `ready` and the
//!   console's static pages (their data endpoints need it).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::admin::AdminError;
use crate::domain::limits::MAX_CONTROL_BODY_BYTES;
use crate::envelope::{self, Format};
use crate::error::{ApiError, Code};

/// The reserved prefix of the control plane.
const CONTROL: &str = "/_emulator";

/// What the gate checks requests against, taken from the application state when the router is
/// built (all of it is fixed for the emulator's lifetime).
#[derive(Debug, Clone)]
pub struct GateState {
    pub hosts: Arc<HostPolicy>,
    /// `--auth strict`: the control plane needs `admin_token`.
    pub strict: bool,
    pub admin_token: Option<Arc<str>>,
    /// The body limit of a snapshot upload (`--max-snapshot-bytes`, `IBE_MAX_SNAPSHOT_BYTES`).
    pub max_snapshot_bytes: u64,
    /// How long a control-plane JSON body may take to arrive (`Config::body_timeout_ms`).
    pub body_timeout_ms: u64,
}

/// The host names a request may be addressed to.
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    any: bool,
    names: Vec<String>,
}

impl HostPolicy {
    /// From `--allowed-hosts` and the listen address: on an unspecified address (`0.0.0.0`, `::`)
    /// the machine's host name is added, since that is what containers are reached by.
    pub fn new(allowed: &[String], listen: SocketAddr) -> HostPolicy {
        let mut names: Vec<String> = allowed.iter().map(|h| normalize(h)).filter(|h| !h.is_empty()).collect();
        let any = names.iter().any(|h| h == "*");
        if listen.ip().is_unspecified() {
            if let Some(hostname) = machine_hostname() {
                names.push(hostname);
            }
        }
        HostPolicy { any, names }
    }

    /// Whether a `Host` header value (`name[:port]`) is one this emulator answers to.
    pub fn allows(&self, host: &str) -> bool {
        let name = normalize(host);
        self.any
            || name.parse::<IpAddr>().is_ok()
            || name == "localhost"
            || name.ends_with(".localhost")
            || (!name.is_empty() && !name.contains('.'))
            || self.names.contains(&name)
    }

    /// Whether an `Origin` other than the request's own is trusted (a name given explicitly).
    fn trusts_origin_host(&self, host: &str) -> bool {
        let name = normalize(host);
        self.any || self.names.contains(&name)
    }
}

/// `Name:port` / `[v6]:port` → lower-case name without port, brackets or trailing dot.
fn normalize(host: &str) -> String {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else if host.matches(':').count() == 1 {
        host.split(':').next().unwrap_or_default()
    } else {
        host
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn machine_hostname() -> Option<String> {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| normalize(&h))
        .filter(|h| !h.is_empty())
}

/// `scheme://authority` of an `Origin` header → (scheme, authority with explicit port).
fn origin_authority(origin: &str) -> Option<(String, String)> {
    let (scheme, rest) = origin.split_once("://")?;
    let authority = rest.split('/').next().unwrap_or_default().to_ascii_lowercase();
    Some((scheme.to_ascii_lowercase(), authority))
}

/// `host` with the scheme's default port made explicit.
fn with_port(authority: &str, scheme: &str) -> String {
    let has_port = if authority.starts_with('[') { authority.contains("]:") } else { authority.contains(':') };
    if has_port {
        authority.to_string()
    } else {
        format!("{authority}:{}", if scheme == "https" { 443 } else { 80 })
    }
}

fn header_str(headers: &HeaderMap, name: impl axum::http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Why a browser context may not send this request, if it may not.
fn cross_site(headers: &HeaderMap, policy: &HostPolicy) -> Option<String> {
    if let Some(site) = header_str(headers, "sec-fetch-site") {
        if site.eq_ignore_ascii_case("cross-site") || site.eq_ignore_ascii_case("same-site") {
            return Some(format!("the browser sent this request from another site (Sec-Fetch-Site: {site})"));
        }
    }
    let origin = header_str(headers, header::ORIGIN)?;
    let host = header_str(headers, header::HOST).unwrap_or_default().to_ascii_lowercase();
    match origin_authority(origin) {
        Some((scheme, authority)) if with_port(&authority, &scheme) == with_port(&host, &scheme) => None,
        Some((_, authority)) if policy.trusts_origin_host(&authority) => None,
        _ => Some(format!("the request comes from another origin ({origin})")),
    }
}

/// Whether a control-plane request is a snapshot upload (`PUT /_emulator/snapshots/{name}`): its
/// body limit is `--max-snapshot-bytes` and it is streamed, not buffered here.
fn is_snapshot_upload(method: &Method, path: &str) -> bool {
    method == Method::PUT && path.starts_with("/_emulator/snapshots/")
}

/// Control-plane paths that stay open without the admin token under `--auth strict`.
fn open_without_token(method: &Method, path: &str) -> bool {
    let read = *method == Method::GET || *method == Method::HEAD;
    let console_page = path.starts_with("/_emulator/console") && !path.starts_with("/_emulator/console/api/");
    read && (path == "/_emulator/health" || path == "/_emulator/ready" || console_page)
}

/// Constant-time equality of two secrets.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn token_of(headers: &HeaderMap) -> Option<&str> {
    header_str(headers, header::AUTHORIZATION)
        .and_then(|a| a.strip_prefix("Bearer "))
        .or_else(|| header_str(headers, "x-emulator-token"))
        .map(str::trim)
}

fn refuse_rpc(message: String) -> Response {
    envelope::error(Format::Json, &crate::ids::new_request_id(), &ApiError::with_message(Code::Forbidden, message))
}

/// The middleware: see the module documentation.
pub async fn gate(State(state): State<GateState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    let headers = request.headers();
    let control = path == CONTROL || path.starts_with("/_emulator/");
    let policy = &state.hosts;
    if let Some(host) = header_str(headers, header::HOST).or_else(|| request.uri().host()) {
        if !policy.allows(host) {
            let message = format!(
                "the Host \"{}\" is not one this emulator answers to; add it with --allowed-hosts (IBE_ALLOWED_HOSTS)",
                crate::telemetry::Escaped(host)
            );
            return if control {
                AdminError::new(StatusCode::FORBIDDEN, message).into_response()
            } else {
                refuse_rpc(message)
            };
        }
    }
    let writes = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !control || writes {
        if let Some(why) = cross_site(headers, policy) {
            let message = format!("{why}; the emulator only takes calls from its own pages and non-browser clients");
            return if control {
                AdminError::new(StatusCode::FORBIDDEN, message).into_response()
            } else {
                refuse_rpc(message)
            };
        }
    }
    if !control {
        return next.run(request).await;
    }
    if state.strict && !open_without_token(&method, &path) {
        let ok = match (state.admin_token.as_deref(), token_of(headers)) {
            (Some(expected), Some(given)) => same_secret(expected.as_bytes(), given.as_bytes()),
            _ => false,
        };
        if !ok {
            let message = if state.admin_token.is_none() {
                "--auth strict is in force and no admin token is set: start the emulator with --admin-token (or admin_token in the fixtures) to use /_emulator/"
            } else {
                "--auth strict is in force: send the admin token as \"Authorization: Bearer TOKEN\" or \"X-Emulator-Token: TOKEN\""
            };
            let mut response = AdminError::new(StatusCode::UNAUTHORIZED, message).into_response();
            response.headers_mut().insert(header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    if writes {
        let is_upload = is_snapshot_upload(&method, &path);
        let limit = if is_upload { state.max_snapshot_bytes } else { MAX_CONTROL_BODY_BYTES as u64 };
        if declared_length(headers).is_some_and(|len| len > limit) {
            return AdminError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("the body is larger than {limit} bytes"))
                .into_response();
        }
        if !is_upload {
            // A JSON body is read here, within the body timeout, so a slow sender cannot hold a
            // connection (uploads have a per-chunk timeout of their own).
            let timeout = std::time::Duration::from_millis(state.body_timeout_ms);
            let (parts, body) = request.into_parts();
            let read = tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_CONTROL_BODY_BYTES)).await;
            let bytes = match read {
                Err(_) => {
                    return AdminError::new(
                        StatusCode::REQUEST_TIMEOUT,
                        format!("the body did not arrive within {} ms", state.body_timeout_ms),
                    )
                    .into_response()
                }
                Ok(Err(_)) => {
                    return AdminError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("the body is larger than {MAX_CONTROL_BODY_BYTES} bytes"),
                    )
                    .into_response()
                }
                Ok(Ok(bytes)) => bytes,
            };
            let request = Request::from_parts(parts, axum::body::Body::from(bytes));
            return check_content_type(&method, request, next).await;
        }
    }
    next.run(request).await
}

/// A control-plane `POST` body must be JSON (`415` otherwise); an empty one may have no type.
async fn check_content_type(method: &Method, request: Request, next: Next) -> Response {
    if *method == Method::POST || *method == Method::PATCH {
        let json = header_str(request.headers(), header::CONTENT_TYPE)
            .map(|ct| ct.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case("application/json"));
        let acceptable = match json {
            Some(is_json) => is_json,
            None => body_is_empty(&request),
        };
        if !acceptable {
            return AdminError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "control-plane writes take a JSON body: send it with \"Content-Type: application/json\"",
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// Whether a buffered body is empty.
fn body_is_empty(request: &Request) -> bool {
    use hyper::body::Body as _;
    request.body().size_hint().exact() == Some(0)
}

/// The `Content-Length` a request declares, if any.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_ips_and_listed_names_are_allowed_hosts() {
        let policy = HostPolicy::new(&["Emulator.CI".into()], "127.0.0.1:8080".parse().expect("addr"));
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
            "::1",
            "10.0.0.5",
            "emulator.ci:80",
            "app.localhost",
        ] {
            assert!(policy.allows(ok), "{ok}");
        }
        assert!(policy.allows("emulator:8080"), "a single-label name (Docker Compose service)");
        for bad in ["evil.example:8080", "localhost.evil.example", "attacker.com", "rebind.127.0.0.1.nip.io", ""] {
            assert!(!policy.allows(bad), "{bad}");
        }
        assert!(HostPolicy::new(&["*".into()], "127.0.0.1:0".parse().expect("addr")).allows("anything.example"));
    }

    #[test]
    fn same_origin_passes_and_other_origins_do_not() {
        let policy = HostPolicy::default();
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, axum::http::HeaderValue::from_static(v));
            }
            h
        };
        assert!(cross_site(&headers(&[("host", "127.0.0.1:8080")]), &policy).is_none());
        assert!(
            cross_site(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]), &policy).is_none()
        );
        assert!(cross_site(&headers(&[("host", "localhost"), ("origin", "http://localhost:80")]), &policy).is_none());
        assert!(
            cross_site(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://evil.example")]), &policy).is_some()
        );
        assert!(cross_site(&headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]), &policy).is_some());
        assert!(
            cross_site(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:3000")]), &policy).is_some()
        );
        assert!(
            cross_site(&headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")]), &policy).is_some()
        );
        assert!(
            cross_site(&headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "same-origin")]), &policy).is_none()
        );
        assert!(cross_site(&headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "none")]), &policy).is_none());
    }
}
