//! Who is calling: the AccessKeyId of the request and the account it belongs to.
//!
//! Tenancy rule (architecture.md "Data rules"): a 16-digit numeric AccessKeyId *is* the account
//! UID, so parallel CI jobs can isolate themselves just by choosing a key; any other key (or none,
//! for plain curl) belongs to the default account.

use std::collections::HashMap;

use axum::http::HeaderMap;

use super::AccessKey;
use crate::params::Params;

/// The account that owns everything created without a 16-digit AccessKeyId.
pub const DEFAULT_ACCOUNT: &str = "1000000000000001";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub access_key_id: Option<String>,
    pub account: String,
}

/// The AccessKeyId of a V1 request (`AccessKeyId` parameter) or a V3 request
/// (`Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,…`).
pub fn access_key_id(params: &Params, headers: &HeaderMap) -> Option<String> {
    if let Some(ak) = params.opt_str("AccessKeyId") {
        return Some(ak.to_string());
    }
    let authorization = headers.get("authorization")?.to_str().ok()?;
    let (_, rest) = authorization.split_once(' ')?;
    rest.split(',')
        .find_map(|part| part.trim().strip_prefix("Credential="))
        .filter(|ak| !ak.is_empty())
        .map(str::to_string)
}

/// The caller of a request: a key of the fixtures file belongs to its account; otherwise a
/// 16-digit key is the account and any other key (or none) is the default account.
pub fn resolve(params: &Params, headers: &HeaderMap, keys: &HashMap<String, AccessKey>) -> Caller {
    let access_key_id = access_key_id(params, headers);
    let account = match &access_key_id {
        Some(ak) if keys.contains_key(ak) => keys.get(ak).map(|k| k.account.clone()).unwrap_or_default(),
        Some(ak) if crate::ids::is_account_id(ak) => ak.clone(),
        _ => DEFAULT_ACCOUNT.to_string(),
    };
    Caller { access_key_id, account }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn numeric_keys_are_accounts_and_others_use_the_default() {
        let headers = HeaderMap::new();
        let p = Params::from_urlencoded(b"AccessKeyId=1234567890123456");
        assert_eq!(resolve(&p, &headers, &HashMap::new()).account, "1234567890123456");
        let p = Params::from_urlencoded(b"AccessKeyId=LTAI5tTestKey");
        assert_eq!(resolve(&p, &headers, &HashMap::new()).account, DEFAULT_ACCOUNT);
        assert_eq!(resolve(&Params::default(), &headers, &HashMap::new()).account, DEFAULT_ACCOUNT);
    }

    #[test]
    fn v3_credential_is_read_from_the_authorization_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_static(
                "ACS3-HMAC-SHA256 Credential=2234567890123456,SignedHeaders=host;x-acs-date,Signature=ab",
            ),
        );
        let caller = resolve(&Params::default(), &headers, &HashMap::new());
        assert_eq!(caller.access_key_id.as_deref(), Some("2234567890123456"));
        assert_eq!(caller.account, "2234567890123456");
    }
}
