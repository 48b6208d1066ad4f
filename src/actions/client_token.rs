//! The one ClientToken flow every creating action shares: before revalidating, and again inside
//! the write transaction, look the token up and let `domain::idempotency::replay` decide (the
//! earlier resource, a new request, or `IdempotentParameterMismatch`); after the write, record it.

use crate::domain::idempotency::{self, TokenClaim};
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

/// The check and the record in one step, inside the write transaction: claims the token for
/// `resource_id` unless a record exists, and then answers as [`replayed_in`] would. The claim is
/// undone with the transaction if the request fails later on.
pub async fn claim_in(
    tx: &mut WriteTx,
    claim: Option<&TokenClaim>,
    resource_id: &str,
    now_ms: i64,
) -> ApiResult<Option<String>> {
    let Some(claim) = claim else { return Ok(None) };
    Ok(idempotency::replay(tx.claim_client_token(claim, resource_id, now_ms).await?, claim)?)
}

/// Records the token of a request that created `resource_id`.
pub async fn record(tx: &mut WriteTx, claim: Option<&TokenClaim>, resource_id: &str, now_ms: i64) -> ApiResult<()> {
    if let Some(claim) = claim {
        tx.insert_client_token(claim, resource_id, now_ms).await?;
    }
    Ok(())
}
