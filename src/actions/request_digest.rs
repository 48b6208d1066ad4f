//! What two requests "mean the same" for ClientToken comparison and NextToken binding: the
//! parameters other than transport ones, with the variations clients introduce normalised —
//! booleans in any case (`True` from one SDK, `true` from another), and a parameter left out vs
//! sent with its documented default (`DryRun=false`, `SystemDiskSize=40`, …).
//!
//! A `NextToken` is bound to the listing that issued it: the token handed out is the action's own
//! cursor, a `.`, and a digest of (action, account, region, filters). A token presented with other
//! filters, another action, account or region is `403 Invalid.NextToken`.

use sha2::{Digest, Sha256};

use super::Action;
use crate::domain::limits;
use crate::error::{ApiResult, Code};
use crate::params::Params;

/// Parameters that describe the transport, not the request.
const TRANSPORT_PARAMS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "SignatureType",
    "Timestamp",
    "SecurityToken",
    "BearerToken",
    "ClientToken",
    "RegionId",
];

/// Paging parameters: not part of what a NextToken is bound to (a client may change the page size).
const PAGING_PARAMS: &[&str] = &["NextToken", "MaxResults"];

/// Documented defaults of optional parameters, per action (`None`: every action). A parameter sent
/// with its default means the same as one left out.
fn default_of(action: Action, name: &str) -> Option<String> {
    let value = match (action, name) {
        (_, "DryRun") => "false".to_string(),
        (Action::CreateImagePipeline, "SystemDiskSize") => limits::DEFAULT_SYSTEM_DISK_GIB.to_string(),
        (Action::CreateImagePipeline, "InternetMaxBandwidthOut") => limits::BANDWIDTH_MBPS.0.to_string(),
        (Action::CreateImagePipeline, "DeleteInstanceOnFailure") => "true".to_string(),
        (Action::CreateImageComponent, "SystemType") => "Linux".to_string(),
        (Action::CreateImageComponent, "ComponentType") => "Build".to_string(),
        (Action::DeleteImage, "Force") => "false".to_string(),
        _ => return None,
    };
    Some(value)
}

/// A value as compared: booleans lower-cased.
fn normalise(value: &str) -> String {
    if value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false") {
        value.to_ascii_lowercase()
    } else {
        value.to_string()
    }
}

/// SHA-256 (hex) of the meaningful parameters, in name order, normalised; `skip` names more
/// parameters to leave out.
pub fn digest(action: Action, params: &Params, skip: &[&str]) -> String {
    let mut pairs: Vec<(&str, String)> = params
        .iter()
        .filter(|(k, _)| !TRANSPORT_PARAMS.contains(k) && !skip.contains(k))
        .map(|(k, v)| (k, normalise(v)))
        .filter(|(k, v)| default_of(action, k).as_deref() != Some(v.as_str()))
        .collect();
    pairs.sort();
    let mut hasher = Sha256::new();
    for (key, value) in pairs {
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

/// The binding of a listing's NextToken: action, account, region and filters.
fn binding(action: Action, account: &str, region: &str, params: &Params) -> String {
    let mut hasher = Sha256::new();
    for part in [action.name(), account, region, &digest(action, params, PAGING_PARAMS)] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())[..16].to_string()
}

/// The request's NextToken without its binding (`None` when it has none), or
/// `403 Invalid.NextToken` when it was issued for another listing.
pub fn unbind(action: Action, account: &str, params: &Params) -> ApiResult<Option<String>> {
    let Some(token) = params.opt_str("NextToken") else { return Ok(None) };
    let region = params.opt_str("RegionId").unwrap_or_default();
    let (inner, bound) = token.rsplit_once('.').ok_or(Code::InvalidNextToken)?;
    if bound != binding(action, account, region, params) {
        return Err(Code::InvalidNextToken.into());
    }
    Ok(Some(inner.to_string()))
}

/// The token to hand out for `inner` (empty stays empty: the last page).
pub fn bind(action: Action, account: &str, params: &Params, inner: &str) -> String {
    if inner.is_empty() {
        return String::new();
    }
    let region = params.opt_str("RegionId").unwrap_or_default();
    format!("{inner}.{}", binding(action, account, region, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(query: &str) -> Params {
        Params::from_urlencoded(query.as_bytes())
    }

    #[test]
    fn clients_variations_digest_the_same() {
        let a = Action::CreateImagePipeline;
        let base = digest(a, &p("BaseImage=x&DeleteInstanceOnFailure=True"), &[]);
        assert_eq!(base, digest(a, &p("DeleteInstanceOnFailure=true&BaseImage=x"), &[]));
        assert_eq!(base, digest(a, &p("BaseImage=x"), &[]), "the documented default");
        assert_eq!(base, digest(a, &p("BaseImage=x&SystemDiskSize=40&DryRun=False&Format=XML"), &[]));
        assert_ne!(base, digest(a, &p("BaseImage=x&SystemDiskSize=60"), &[]));
        assert_ne!(base, digest(a, &p("BaseImage=y"), &[]));
    }

    #[test]
    fn tokens_are_accepted_only_by_the_listing_that_issued_them() {
        let a = Action::DescribeImagePipelines;
        let first = p("RegionId=cn-hangzhou&Name=web&MaxResults=2");
        let token = bind(a, "1", &first, "abc");
        let next = |extra: &str| p(&format!("RegionId=cn-hangzhou&Name=web&MaxResults=5&NextToken={token}{extra}"));
        assert_eq!(unbind(a, "1", &next("")).ok().flatten().as_deref(), Some("abc"));
        assert!(unbind(a, "2", &next("")).is_err(), "another account");
        assert!(unbind(Action::DescribeImageComponents, "1", &next("")).is_err(), "another action");
        assert!(unbind(a, "1", &next("&Name=api")).is_err(), "other filters");
        assert!(unbind(a, "1", &p("RegionId=cn-beijing&Name=web&NextToken=abc")).is_err(), "no binding");
        assert_eq!(bind(a, "1", &first, ""), "");
    }
}
