//! The one ClientToken flow every creating action shares: before revalidating, and again inside
//! the write transaction, look the token up and let `domain::idempotency::replay` decide (the
//! earlier resource, a new request, or `IdempotentParameterMismatch`); after the write, record it.
//! A store method that claims the token with the write itself (`WriteTx::insert_pipeline`) returns
//! what it found instead, and [`answer`] decides the same way.

use crate::domain::idempotency::{self, StoredToken, TokenClaim};
use crate::error::ApiResult;
use crate::store::{Store, WriteTx};

/// The earlier call's resource ID when this request replays it (read before any revalidation).
pub async fn replayed(store: &Store, claim: Option<&TokenClaim>) -> ApiResult<Option<String>> {
    let Some(claim) = claim else { return Ok(None) };
    Ok(idempotency::replay(store.client_token(claim).await?, claim)?)
}

/// The same check inside the write transaction (concurrent retries yield one resource).
pub async fn replayed_in(tx: &mut WriteTx, claim: Option<&TokenClaim>) -> ApiResult<Option<String>> {
    let Some(claim) = claim else { return Ok(None) };
    Ok(idempotency::replay(tx.client_token(claim).await?, claim)?)
}

/// The answer to a write that claimed `claim`'s token and found `recorded` instead (a store
/// method that claims and writes in one step): the earlier resource, or
/// `IdempotentParameterMismatch`; `Ok(None)` when the claim was new.
pub fn answer(claim: Option<&TokenClaim>, recorded: Option<StoredToken>) -> ApiResult<Option<String>> {
    match claim {
        Some(claim) => Ok(idempotency::replay(recorded, claim)?),
        None => Ok(None),
    }
}

/// Records the token of a request that created `resource_id`.
pub async fn record(tx: &mut WriteTx, claim: Option<&TokenClaim>, resource_id: &str, now_ms: i64) -> ApiResult<()> {
    if let Some(claim) = claim {
        tx.insert_client_token(claim, resource_id, now_ms).await?;
    }
    Ok(())
}
