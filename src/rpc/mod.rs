//! The Alibaba RPC front door (protocol.md §1–§4, api-spec §2): one handler for `/` that merges
//! query and form parameters, resolves the action, version, format and caller, dispatches, and
//! renders the JSON or XML envelope. It also logs one line per request.

pub mod auth;
pub mod caller;
pub mod envelope;
pub mod params;

use std::any::Any;
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::Response;

use crate::actions::{self, Action, Ctx};
use crate::journal::Entry;
use crate::state::AppState;
use crate::domain::limits::MAX_BODY_BYTES;
use crate::domain::time::format_ms;
use crate::error::{ApiError, ApiResult, Code};
use crate::ids;
use crate::product::Product;
use crate::telemetry::Escaped;
use envelope::Format;
use params::Params;

/// The API version of the ECS actions (the Image Builder's); other products have their own, see
/// [`Product`].
pub const API_VERSION: &str = Product::Ecs.version();

/// The account a call refused before dispatch is journalled and logged under (its signature, body
/// or format was not accepted, so the account it claims is not trusted).
pub const UNAUTHENTICATED: &str = "-";

/// Handles every request to `/`.
pub async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let mut params = Params::from_urlencoded(uri.query().unwrap_or_default().as_bytes());
    let body_result = read_form_body(&headers, body, &mut params, state.config.body_timeout_ms).await;
    let format = response_format(&params, &headers);
    let mut caller = caller::resolve(&params, &headers, &state.auth.keys);
    // With --auth strict the signature decides who is calling (or the request is refused).
    let verified = match (&body_result, state.auth.strict) {
        (Ok(bytes), true) => state
            .auth
            .verify(&auth::SignedRequest {
                method: &method,
                raw_query: uri.query().unwrap_or_default(),
                headers: &headers,
                params: &params,
                body: bytes,
            })
            .map(|v| caller = caller::Caller { access_key_id: Some(v.access_key_id), account: v.account }),
        _ => Ok(()),
    };
    // A call refused before dispatch (bad signature, unreadable body, bad Format) proves nothing
    // about who sent it: it is journalled and logged as unauthenticated, and never meets a fault rule.
    if verified.is_err() || (state.auth.strict && body_result.is_err()) {
        caller = caller::Caller { access_key_id: None, account: UNAUTHENTICATED.to_string() };
    }
    let action_name = action_name(&params, &headers).unwrap_or_default().to_string();
    // Error bodies name the product's host; a request whose version we do not serve is ECS's.
    let product = version(&params, &headers).and_then(Product::from_version).unwrap_or(Product::Ecs);

    let request_id = state.ids.request_id(&caller.account);
    let region = params.opt_str("RegionId").unwrap_or("-").to_string();
    let (format, outcome) = match (body_result, format) {
        // The body (and any Format in it) was not read: JSON unless the query asked otherwise.
        (Err(err), format) => {
            let explicit = params.opt_str("Format").is_some();
            (format.ok().filter(|_| explicit).unwrap_or(Format::Json), Err(err))
        }
        (Ok(_), Err(err)) => (Format::Json, Err(err)),
        (Ok(_), Ok(format)) => match verified {
            Err(err) => (format, Err(err)),
            Ok(()) => {
                let injection = state.faults.check(&action_name, &caller.account, &region, state.clock.now_ms());
                if injection.latency_ms > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(injection.latency_ms)).await;
                }
                match injection.error {
                    Some(err) => (format, Err(err)),
                    None => (format, run(&state, &method, &params, &headers, &caller).await),
                }
            }
        },
    };
    let response = match &outcome {
        Ok(body) => envelope::success(format, &action_name, &request_id, body.clone()),
        Err(err) => envelope::error_for(product, format, &request_id, err),
    };
    let code = outcome.as_ref().err().map_or("OK", |e| e.code_str()).to_string();
    let message = outcome.as_ref().err().map(|e| e.message().to_string());
    let latency = started.elapsed();
    tracing::info!(
        action = %Escaped(&action_name),
        account = %Escaped(&caller.account),
        region = %Escaped(&region),
        code = %Escaped(&code),
        status = response.status().as_u16(),
        latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
        request_id = %request_id,
        "rpc"
    );
    let at_ms = state.clock.now_ms();
    state.journal.record(Entry {
        seq: 0,
        request_id,
        time: format_ms(at_ms),
        at_ms,
        method: method.to_string(),
        action: action_name,
        account: caller.account,
        region,
        params: params
            .iter()
            .map(|(k, v)| (crate::journal::bounded_copy(k), crate::journal::bounded_copy(v)))
            .collect(),
        code,
        message,
        status: response.status().as_u16(),
        latency_ms: latency.as_secs_f64() * 1000.0,
    });
    response
}

/// Resolves and runs the action: method, action name, version, then the handler.
async fn run(
    state: &AppState,
    method: &Method,
    params: &Params,
    headers: &HeaderMap,
    caller: &caller::Caller,
) -> ApiResult<serde_json::Value> {
    if method != Method::GET && method != Method::POST {
        return Err(Code::UnsupportedHttpMethod.into());
    }
    let name = action_name(params, headers).ok_or_else(|| ApiError::missing_common("Action"))?;
    let version = version(params, headers).ok_or_else(|| ApiError::missing_common("Version"))?;
    let product = Product::from_version(version).ok_or_else(|| {
        let served: Vec<&str> = Product::ALL.iter().map(|p| p.version()).collect();
        ApiError::with_message(
            Code::InvalidVersion,
            format!("Specified parameter Version is not valid. Served versions: {}.", served.join(", ")),
        )
    })?;
    let action = Action::lookup(product, name).ok_or(Code::InvalidActionNotFound)?;
    actions::dispatch(action, &Ctx { state, caller, params }).await
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty())
}

/// `Version` parameter, else the `x-acs-version` header; a V3-signed request takes the signed header
/// first. The version names the product (see [`Product`]).
fn version<'a>(params: &'a Params, headers: &'a HeaderMap) -> Option<&'a str> {
    if is_acs3_signed(headers) {
        header_str(headers, "x-acs-version").or_else(|| params.opt_str("Version"))
    } else {
        params.opt_str("Version").or_else(|| header_str(headers, "x-acs-version"))
    }
}

/// `Action` parameter, else the `x-acs-action` header (V3 requests carry no `Action` parameter).
/// A V3-signed request takes its action from the signed header first, so an `Action` parameter
/// cannot redirect it.
fn action_name<'a>(params: &'a Params, headers: &'a HeaderMap) -> Option<&'a str> {
    if is_acs3_signed(headers) {
        return header_str(headers, "x-acs-action").or_else(|| params.opt_str("Action"));
    }
    params.opt_str("Action").or_else(|| header_str(headers, "x-acs-action"))
}

/// Signed the V3 way (`Authorization: ACS3-…`).
fn is_acs3_signed(headers: &HeaderMap) -> bool {
    header_str(headers, "authorization").is_some_and(|a| a.starts_with("ACS3-"))
}

/// A V3 (ACS3) request: signed in the `Authorization` header, or action given only as a header.
fn is_v3(params: &Params, headers: &HeaderMap) -> bool {
    is_acs3_signed(headers) || (params.opt_str("Action").is_none() && header_str(headers, "x-acs-action").is_some())
}

/// `Format` (any case) decides; without it V3 requests get JSON and V1 requests the documented
/// default, XML (api-spec §2.5). An unknown `Format` is `400 InvalidParameter`, answered in JSON.
fn response_format(params: &Params, headers: &HeaderMap) -> ApiResult<Format> {
    match params.opt_str("Format") {
        Some(f) if f.eq_ignore_ascii_case("json") => Ok(Format::Json),
        Some(f) if f.eq_ignore_ascii_case("xml") => Ok(Format::Xml),
        Some(_) => Err(ApiError::invalid_param("Format")),
        None if is_v3(params, headers) => Ok(Format::Json),
        None => Ok(Format::Xml),
    }
}

/// Reads the body and merges an `application/x-www-form-urlencoded` one into `params` (the body
/// wins). Bodies over [`MAX_BODY_BYTES`], or that do not arrive within `timeout_ms`, are refused
/// with `400 InvalidParameter`, so slow or huge uploads cannot tie the server up.
async fn read_form_body(
    headers: &HeaderMap,
    body: Body,
    params: &mut Params,
    timeout_ms: u64,
) -> ApiResult<axum::body::Bytes> {
    let too_large = || {
        ApiError::with_message(
            Code::InvalidParameter,
            format!("The request body exceeds the limit of {MAX_BODY_BYTES} bytes."),
        )
    };
    // A declared length over the limit is refused before the body is polled, so a client that sent
    // `Expect: 100-continue` is never invited to upload it.
    if declared_length(headers).is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let read = tokio::time::timeout(std::time::Duration::from_millis(timeout_ms), to_bytes(body, MAX_BODY_BYTES));
    let bytes = match read.await {
        Err(_) => {
            return Err(ApiError::with_message(
                Code::InvalidParameter,
                format!("The request body was not received within {timeout_ms} ms."),
            ))
        }
        Ok(Err(_)) => return Err(too_large()),
        Ok(Ok(bytes)) => bytes,
    };
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if is_form && !bytes.is_empty() {
        params.merge_urlencoded(&bytes);
    }
    Ok(bytes)
}

/// The `Content-Length` a request declares, if any.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok())
}

/// Any path other than `/` (and the reserved `/_emulator/` prefix): not an API.
pub async fn not_found() -> Response {
    envelope::error(Format::Json, &ids::new_request_id(), &Code::InvalidActionNotFound.into())
}

/// A panic in a handler becomes `500 InternalError`; the server keeps serving.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    envelope::error(Format::Json, &ids::new_request_id(), &ApiError::internal(format!("handler panicked: {detail}")))
}
