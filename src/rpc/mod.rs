//! The Alibaba RPC front door (docs/reference.md §P1–§P4, §2): `decode` reads every request to `/`
//! (query ∪ form parameters, format, caller, signature) into an [`exchange::Call`] and writes the
//! one log line per request; `dispatch` resolves the action by version and name, runs it and
//! renders the JSON or XML envelope. Fault injection and the journal are layers around these
//! (`faults::inject`, `journal::record`), wired in `app::routes`; this module calls neither.

use std::any::Any;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use axum::Extension;

use crate::actions::{self, Action, Ctx, Fields};
use crate::auth::caller::{self, Caller};
use crate::auth::SignedRequest;
use crate::domain::limits::MAX_BODY_BYTES;
use crate::envelope::{self, Format};
use crate::error::{ApiError, ApiResult, Code};
use crate::exchange::{Answer, Call, Injected};
use crate::gate::declared_length;
use crate::ids;
use crate::params::Params;
use crate::product::Product;
use crate::state::AppState;
use crate::telemetry::Escaped;

/// The account a call refused before dispatch is journalled and logged under (its signature, body
/// or format was not accepted, so the account it claims is not trusted).
pub const UNAUTHENTICATED: &str = "-";

/// What `decode` hands `dispatch` beside the [`Call`]: the response format and the verified caller.
#[derive(Debug, Clone)]
pub struct Admitted {
    format: Format,
    caller: Caller,
}

/// The outer layer of `/`: decodes the request; answers a call it cannot admit (unreadable body,
/// bad `Format`, bad signature) itself, else passes it on with its [`Call`]. Logs one line per
/// request, with the cause of an internal error: errors are logged here, once.
pub async fn decode(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
    let mut params = Params::from_urlencoded(uri.query().unwrap_or_default().as_bytes());
    let body_result = read_form_body(headers, body, &mut params, state.config.body_timeout_ms).await;
    let format = response_format(&params, headers);
    let mut caller = caller::resolve(&params, headers, &state.auth.keys);
    // With --auth strict the signature decides who is calling (or the request is refused).
    let verified = match (&body_result, state.auth.strict) {
        (Ok(bytes), true) => state
            .auth
            .verify(&SignedRequest {
                method,
                raw_query: uri.query().unwrap_or_default(),
                headers,
                params: &params,
                body: bytes,
            })
            .map(|v| caller = Caller { access_key_id: Some(v.access_key_id), account: v.account }),
        _ => Ok(()),
    };
    // A call refused before dispatch (bad signature, unreadable body, bad Format) proves nothing
    // about who sent it: it is journalled and logged as unauthenticated, and never meets a fault rule.
    if verified.is_err() || (state.auth.strict && body_result.is_err()) {
        caller = Caller { access_key_id: None, account: UNAUTHENTICATED.to_string() };
    }
    let action = action_name(&params, headers).unwrap_or_default().to_string();
    // Error bodies name the product's host; a request whose version we do not serve is ECS's.
    let product = version(&params, headers).and_then(Product::from_version).unwrap_or(Product::Ecs);
    let refusal = match (body_result, format) {
        // The body (and any Format in it) was not read: JSON unless the query asked otherwise.
        (Err(err), format) => {
            let explicit = params.opt_str("Format").is_some();
            Err((format.ok().filter(|_| explicit).unwrap_or(Format::Json), err))
        }
        (Ok(_), Err(err)) => Err((Format::Json, err)),
        (Ok(_), Ok(format)) => match verified {
            Err(err) => Err((format, err)),
            Ok(()) => Ok(format),
        },
    };
    let call = Arc::new(Call {
        request_id: state.ids.request_id(&caller.account),
        method: method.to_string(),
        action,
        product,
        account: caller.account.clone(),
        region: params.opt_str("RegionId").unwrap_or("-").to_string(),
        params,
        started,
    });
    let response = match refusal {
        Err((format, err)) => answer(&call, format, Err(err)),
        Ok(format) => {
            let mut request = Request::from_parts(parts, Body::empty());
            request.extensions_mut().insert(call.clone());
            request.extensions_mut().insert(Admitted { format, caller });
            next.run(request).await
        }
    };
    log_line(&response, &call);
    response
}

/// The one log line of a request (values escaped), with an internal error's cause.
fn log_line(response: &Response, call: &Call) {
    let answer = response.extensions().get::<Answer>();
    let code = answer.map_or("-", |a| a.code.as_str());
    let latency_us = u64::try_from(call.started.elapsed().as_micros()).unwrap_or(u64::MAX);
    if let Some(cause) = answer.and_then(|a| a.detail.as_deref()) {
        tracing::error!(action = %Escaped(&call.action), request_id = %call.request_id, error = %Escaped(cause), "internal error");
    }
    tracing::info!(
        action = %Escaped(&call.action),
        account = %Escaped(&call.account),
        region = %Escaped(&call.region),
        code = %Escaped(code),
        status = response.status().as_u16(),
        latency_us,
        request_id = %call.request_id,
        "rpc"
    );
}

/// The handler of `/`: runs an admitted call (or answers with the error a fault rule injected).
pub async fn dispatch(
    State(state): State<AppState>,
    Extension(call): Extension<Arc<Call>>,
    Extension(admitted): Extension<Admitted>,
    injected: Option<Extension<Injected>>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let outcome = match injected {
        Some(Extension(Injected(err))) => Err(err),
        None => run(&state, &method, &call.params, &headers, &admitted.caller, admitted.format).await,
    };
    answer(&call, admitted.format, outcome)
}

/// Renders the outcome of a call and attaches the [`Answer`] the log line and the journal read.
fn answer(call: &Arc<Call>, format: Format, outcome: ApiResult<Fields>) -> Response {
    let (code, message, detail) = match &outcome {
        Ok(_) => ("OK".to_string(), None, None),
        Err(e) => (e.code_str().to_string(), Some(e.message().to_string()), e.cause().map(str::to_string)),
    };
    let mut response = match outcome {
        Ok(body) => envelope::success(format, &call.action, &call.request_id, body),
        Err(err) => envelope::error_for(call.product, format, &call.request_id, &err),
    };
    response.extensions_mut().insert(Answer { call: call.clone(), code, message, detail });
    response
}

/// Resolves and runs the action: method, action name, version, then the handler.
async fn run(
    state: &AppState,
    method: &Method,
    params: &Params,
    headers: &HeaderMap,
    caller: &Caller,
    format: Format,
) -> ApiResult<Fields> {
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
    actions::dispatch_as(action, &Ctx { state, caller, params }, format == Format::Json).await
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
/// default, XML (docs/reference.md §2.5). An unknown `Format` is `400 InvalidParameter`, answered in JSON.
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

/// Any path other than `/` (and the reserved `/_emulator/` prefix): not an API.
pub async fn not_found() -> Response {
    envelope::error(Format::Json, &ids::new_request_id(), &Code::InvalidActionNotFound.into())
}

/// A panic in a handler becomes `500 InternalError` (logged here: the request's log line is never
/// written); the server keeps serving.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(error = %Escaped(detail), "handler panicked");
    envelope::error(Format::Json, &ids::new_request_id(), &ApiError::internal(format!("handler panicked: {detail}")))
}
