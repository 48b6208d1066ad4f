//! Access keys and signature checks (docs/reference.md §P3). The key table maps AccessKeyIds to secrets
//! and accounts (from the fixtures file). With `--auth strict` every request must be signed:
//! V1 (`Signature` parameter, HMAC-SHA1) or V3 (`Authorization: ACS3-HMAC-SHA256 …`, the signed
//! header list taken from the request). Timestamps are compared with the wall clock (SDKs sign with
//! it, whatever the emulator's simulated time), within 15 minutes; nonces are required and cannot
//! be reused.
//!
//! What a signature binds (so nothing unsigned can change what runs):
//! - V1: every parameter, from the query string and the form body together (the V1 string to sign
//!   covers their union: <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>).
//! - V3: the query string, the headers listed in `SignedHeaders` — which must include `host` and
//!   every `x-acs-*` header sent — and the body, through `x-acs-content-sha256`, which must equal the
//!   SHA-256 of the bytes received
//!   (<https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>).
//!
//! Signatures are compared in constant time; nonces are remembered as SHA-256 digests, so a huge
//! nonce costs the table no more than a short one.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

use axum::http::{HeaderMap, Method};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::params::Params;
use crate::clock::{Clock, SystemClock};
use crate::domain::limits::MAX_REMEMBERED_NONCES;
use crate::error::{ApiError, ApiResult, Code};

/// How far a request timestamp may be from the wall clock (the V3 docs' window).
const MAX_SKEW_MS: i64 = 15 * 60 * 1000;

/// An access key of the fixtures file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub secret: String,
    pub account: String,
}

#[derive(Debug, Default)]
pub struct Auth {
    pub strict: bool,
    pub keys: HashMap<String, AccessKey>,
    /// Nonces seen (SHA-256 of access key and nonce), forgotten after the skew window.
    nonces: Mutex<NonceTable>,
}

/// A nonce digest: 32 bytes whatever the nonce's length.
type NonceDigest = [u8; 32];

/// Nonces seen, oldest first, with a set for lookups; bounded by [`MAX_REMEMBERED_NONCES`].
#[derive(Debug, Default)]
pub struct NonceTable {
    order: VecDeque<(i64, NonceDigest)>,
    seen: HashSet<NonceDigest>,
}

impl NonceTable {
    /// Remembers a nonce seen at `now`; false if it was already seen within the window.
    pub fn insert(&mut self, access_key_id: &str, nonce: &str, now: i64) -> bool {
        while let Some((when, digest)) = self.order.front().copied() {
            if now - when <= MAX_SKEW_MS && self.order.len() < MAX_REMEMBERED_NONCES {
                break;
            }
            self.order.pop_front();
            self.seen.remove(&digest);
        }
        let mut hasher = Sha256::new();
        hasher.update(access_key_id.as_bytes());
        hasher.update([0u8]);
        hasher.update(nonce.as_bytes());
        let digest: NonceDigest = hasher.finalize().into();
        if !self.seen.insert(digest) {
            return false;
        }
        self.order.push_back((now, digest));
        true
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Bytes the table holds on the heap (its capacity), for tests that bound memory.
    pub fn heap_bytes(&self) -> usize {
        self.order.capacity() * std::mem::size_of::<(i64, NonceDigest)>()
            + self.seen.capacity() * (std::mem::size_of::<NonceDigest>() + 1)
    }
}

/// RFC 3986 percent-encoding: unreserved characters kept, everything else `%XX` (upper case).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `yyyy-MM-ddTHH:mm:ssZ` as Unix milliseconds.
fn parse_timestamp(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let parsed = time::PrimitiveDateTime::parse(text, &format).ok()?;
    i64::try_from(parsed.assume_utc().unix_timestamp_nanos() / 1_000_000).ok()
}

/// The V1 string to sign: `METHOD&%2F&pct(sorted k=v of every parameter but Signature)`.
pub fn v1_string_to_sign(method: &str, params: &Params) -> String {
    let mut pairs: Vec<(&str, &str)> = params.iter().filter(|(k, _)| *k != "Signature").collect();
    pairs.sort();
    let canonical: Vec<String> =
        pairs.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
    format!("{method}&{}&{}", percent_encode("/"), percent_encode(&canonical.join("&")))
}

pub fn v1_signature(secret: &str, string_to_sign: &str) -> ApiResult<String> {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(format!("{secret}&").as_bytes()).map_err(ApiError::internal)?;
    mac.update(string_to_sign.as_bytes());
    Ok(STANDARD.encode(mac.finalize().into_bytes()))
}

/// The parts of a V3 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Authorization {
    pub access_key_id: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_v3_authorization(value: &str) -> Option<V3Authorization> {
    let rest = value.strip_prefix("ACS3-HMAC-SHA256 ")?;
    let mut ak = None;
    let mut headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => ak = Some(v.to_string()),
            "SignedHeaders" => headers = Some(v.split(';').map(|h| h.trim().to_ascii_lowercase()).collect()),
            "Signature" => signature = Some(v.to_string()),
            _ => {}
        }
    }
    Some(V3Authorization { access_key_id: ak?, signed_headers: headers?, signature: signature? })
}

/// The V3 string to sign: `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request built from
/// the raw query string, exactly the headers the client says it signed, and the hex SHA-256 of
/// the body received (never a hash the client merely claims).
pub fn v3_string_to_sign(
    method: &str,
    raw_query: &str,
    headers: &HeaderMap,
    signed_headers: &[String],
    body: &[u8],
) -> String {
    let mut query: Vec<(String, String)> =
        form_urlencoded::parse(raw_query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    query.sort();
    let canonical_query: Vec<String> =
        query.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
    let mut names: Vec<&String> = signed_headers.iter().collect();
    names.sort();
    let mut canonical_headers = String::new();
    for name in &names {
        let value = headers.get(name.as_str()).and_then(|v| v.to_str().ok()).unwrap_or_default().trim();
        canonical_headers.push_str(&format!("{name}:{value}\n"));
    }
    let payload_hash = hex::encode(Sha256::digest(body));
    let signed = names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(";");
    let canonical_request =
        format!("{method}\n/\n{}\n{canonical_headers}\n{signed}\n{payload_hash}", canonical_query.join("&"));
    format!("ACS3-HMAC-SHA256\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())))
}

pub fn v3_signature(secret: &str, string_to_sign: &str) -> ApiResult<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).map_err(ApiError::internal)?;
    mac.update(string_to_sign.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// What a verified request proves: the key it was signed with.
pub struct Verified {
    pub access_key_id: String,
    pub account: String,
}

/// The parts of a request a signature covers.
pub struct SignedRequest<'a> {
    pub method: &'a Method,
    pub raw_query: &'a str,
    pub headers: &'a HeaderMap,
    pub params: &'a Params,
    pub body: &'a [u8],
}

impl Auth {
    pub fn new(strict: bool, keys: HashMap<String, AccessKey>) -> Self {
        Auth { strict, keys, nonces: Mutex::new(NonceTable::default()) }
    }

    fn key(&self, id: &str) -> ApiResult<&AccessKey> {
        self.keys.get(id).ok_or_else(|| Code::InvalidAccessKeyIdNotFound.into())
    }

    /// Checks a request's signature, timestamp and nonce.
    pub fn verify(&self, request: &SignedRequest<'_>) -> ApiResult<Verified> {
        let authorization = request.headers.get("authorization").and_then(|v| v.to_str().ok());
        let now = SystemClock.now_ms();
        let (ak, timestamp, nonce, sts, given, v3) = if let Some(auth) =
            authorization.filter(|a| a.starts_with("ACS3-"))
        {
            let parsed = parse_v3_authorization(auth).ok_or(Code::IncompleteSignature)?;
            check_v3_coverage(request.headers, &parsed.signed_headers, request.body)?;
            let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            let sts = v3_string_to_sign(
                request.method.as_str(),
                request.raw_query,
                request.headers,
                &parsed.signed_headers,
                request.body,
            );
            (parsed.access_key_id, header("x-acs-date"), header("x-acs-signature-nonce"), sts, parsed.signature, true)
        } else if let Some(signature) = request.params.opt_str("Signature") {
            let ak = request.params.opt_str("AccessKeyId").ok_or(Code::IncompleteSignature)?.to_string();
            let sts = v1_string_to_sign(request.method.as_str(), request.params);
            let p = |name: &str| request.params.opt_str(name).map(str::to_string);
            (ak, p("Timestamp"), p("SignatureNonce"), sts, signature.to_string(), false)
        } else {
            return Err(ApiError::with_message(
                Code::IncompleteSignature,
                "The request is not signed: --auth strict is in force.",
            ));
        };
        let key = self.key(&ak)?;
        let timestamp = timestamp.ok_or(Code::InvalidTimeStampFormat)?;
        let at = parse_timestamp(&timestamp).ok_or(Code::InvalidTimeStampFormat)?;
        if (now - at).abs() > MAX_SKEW_MS {
            return Err(Code::InvalidTimeStampExpired.into());
        }
        let nonce = nonce.filter(|n| !n.is_empty()).ok_or_else(|| {
            ApiError::with_message(
                Code::IncompleteSignature,
                if v3 {
                    "The x-acs-signature-nonce header is required: a request without a nonce could be replayed."
                } else {
                    "The SignatureNonce parameter is required: a request without a nonce could be replayed."
                },
            )
        })?;
        let matches = if v3 {
            signature_matches_v3(&key.secret, &sts, &given)
        } else {
            signature_matches_v1(&key.secret, &sts, &given)
        };
        if !matches {
            return Err(ApiError::with_message(
                Code::SignatureDoesNotMatch,
                format!("Specified signature is not matched with our calculation. server string to sign is:{sts}"),
            ));
        }
        let mut seen = self.nonces.lock().map_err(|_| ApiError::internal("nonce table poisoned"))?;
        if !seen.insert(&ak, &nonce, now) {
            return Err(Code::SignatureNonceUsed.into());
        }
        Ok(Verified { access_key_id: ak, account: key.account.clone() })
    }
}

/// V3 coverage rules: `host` and every `x-acs-*` header sent must be signed, and a claimed
/// `x-acs-content-sha256` must be the SHA-256 of the body received.
fn check_v3_coverage(headers: &HeaderMap, signed: &[String], body: &[u8]) -> ApiResult<()> {
    let unsigned = |name: &str| !signed.iter().any(|s| s == name);
    let mut required: Vec<&str> = vec!["host"];
    required.extend(headers.keys().map(|k| k.as_str()).filter(|k| k.starts_with("x-acs-")));
    if let Some(missing) = required.into_iter().find(|name| unsigned(name)) {
        return Err(ApiError::with_message(
            Code::IncompleteSignature,
            format!(
                "The header \"{missing}\" must be listed in SignedHeaders (host and every x-acs-* header are signed)."
            ),
        ));
    }
    let actual = hex::encode(Sha256::digest(body));
    match headers.get("x-acs-content-sha256").and_then(|v| v.to_str().ok()) {
        Some(claimed) if claimed.eq_ignore_ascii_case(&actual) => Ok(()),
        Some(_) => Err(ApiError::with_message(
            Code::SignatureDoesNotMatch,
            format!("The x-acs-content-sha256 header does not match the request body, whose SHA-256 is {actual}."),
        )),
        None => Ok(()),
    }
}

/// Constant-time check of a V1 signature (base64 of HMAC-SHA1).
fn signature_matches_v1(secret: &str, string_to_sign: &str, given: &str) -> bool {
    let Ok(given) = STANDARD.decode(given) else { return false };
    let Ok(mut mac) = <Hmac<Sha1> as Mac>::new_from_slice(format!("{secret}&").as_bytes()) else { return false };
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// Constant-time check of a V3 signature (hex of HMAC-SHA256).
fn signature_matches_v3(secret: &str, string_to_sign: &str, given: &str) -> bool {
    let Ok(given) = hex::decode(given) else { return false };
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    /// docs/reference.md §P3a worked example (old Python SDK, DeleteImagePipeline).
    #[test]
    fn v1_matches_the_captured_worked_example() {
        let query = "ImagePipelineId=ip-1&Version=2014-05-26&Action=DeleteImagePipeline&Format=JSON&RegionId=cn-hangzhou&Timestamp=2026-11-23T01%3A27%3A39Z&SignatureMethod=HMAC-SHA1&SignatureType=&SignatureVersion=1.0&SignatureNonce=8198cd8d6386e8f1ea990b2a765c64d5&AccessKeyId=testAccessKeyId&Signature=d4H8cPQjPETh9wxRgHPXJScRAqM%3D";
        let params = Params::from_urlencoded(query.as_bytes());
        let sts = v1_string_to_sign("POST", &params);
        assert_eq!(sts, "POST&%2F&AccessKeyId%3DtestAccessKeyId%26Action%3DDeleteImagePipeline%26Format%3DJSON%26ImagePipelineId%3Dip-1%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D8198cd8d6386e8f1ea990b2a765c64d5%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-23T01%253A27%253A39Z%26Version%3D2014-05-26");
        assert_eq!(v1_signature("testAccessKeySecret", &sts).ok().as_deref(), Some("d4H8cPQjPETh9wxRgHPXJScRAqM="));
    }

    /// docs/reference.md §P3b worked example (new Python SDK, DeleteImagePipeline).
    #[test]
    fn v3_matches_the_captured_worked_example() {
        let mut headers = HeaderMap::new();
        for (k, v) in [
            ("host", "127.0.0.1:18080"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-action", "DeleteImagePipeline"),
            ("user-agent", "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"),
            ("x-acs-date", "2026-11-23T01:27:36Z"),
            ("x-acs-signature-nonce", "c1985f459b0b5eb282d83dd62ab8a8ab"),
            ("accept", "application/json"),
            ("x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("x-acs-credentials-provider", "static_ak"),
        ] {
            headers.insert(k, HeaderValue::from_static(v));
        }
        let auth = parse_v3_authorization("ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=a45c9936465a111e8fe612fe8285e34ab016af2e0c61f56400d063475b8ba945");
        let auth = auth.unwrap_or_else(|| panic!("parses"));
        let sts =
            v3_string_to_sign("POST", "ImagePipelineId=ip-1&RegionId=cn-hangzhou", &headers, &auth.signed_headers, b"");
        assert_eq!(sts, "ACS3-HMAC-SHA256\n547c62b85217165fcc2246917e087bbe238c022a4d373b31f2ad7fc0255c1825");
        assert_eq!(v3_signature("testAccessKeySecret", &sts).ok(), Some(auth.signature));
    }

    #[test]
    fn nonces_are_remembered_as_digests_so_huge_ones_cost_no_more_than_short_ones() {
        let mut table = NonceTable::default();
        let huge = "n".repeat(900 * 1024);
        for i in 0..100 {
            assert!(table.insert("key", &format!("{huge}{i}"), 0));
        }
        assert!(!table.insert("key", &format!("{huge}7"), 1), "a reused nonce is refused");
        assert!(table.insert("other-key", &format!("{huge}7"), 1), "nonces are per key");
        assert!(table.heap_bytes() < 64 * 1024, "100 nonces of 900 KB hold {} bytes", table.heap_bytes());
        // Forgotten after the window.
        assert!(table.insert("key", &format!("{huge}7"), MAX_SKEW_MS + 2));
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn percent_encoding_is_rfc3986() {
        assert_eq!(percent_encode("a b*~/é"), "a%20b%2A~%2F%C3%A9");
    }
}
