//! `ClientToken` (docs/reference.md §2.8): a token presented with a request and the rule that decides,
//! from what the store recorded for it, whether the request is a replay of the first call (answer
//! the same resource) or a reuse with other parameters (refused).

use super::refusal::Refusal;

/// A token presented with a request, and the digest of the request's other parameters.
#[derive(Debug, Clone)]
pub struct TokenClaim {
    pub account: String,
    pub region: String,
    pub action: &'static str,
    pub token: String,
    pub digest: String,
}

/// What the store recorded for a token: the first call's parameter digest and resource ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub digest: String,
    pub resource_id: String,
}

/// `Ok(Some(id))` when the token was used before with the same parameters (replay the result),
/// `Ok(None)` when it is new, [`Refusal::TokenReused`] when it was used with other parameters.
pub fn replay(stored: Option<StoredToken>, claim: &TokenClaim) -> Result<Option<String>, Refusal> {
    match stored {
        None => Ok(None),
        Some(s) if s.digest == claim.digest => Ok(Some(s.resource_id)),
        Some(_) => Err(Refusal::TokenReused),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_digest_replays_other_digest_is_refused() {
        let claim =
            TokenClaim { account: "a".into(), region: "r".into(), action: "X", token: "t".into(), digest: "d1".into() };
        assert_eq!(replay(None, &claim), Ok(None));
        let stored = |d: &str| Some(StoredToken { digest: d.into(), resource_id: "id-1".into() });
        assert_eq!(replay(stored("d1"), &claim), Ok(Some("id-1".into())));
        assert_eq!(replay(stored("d2"), &claim), Err(Refusal::TokenReused));
    }
}
