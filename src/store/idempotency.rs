//! `ClientToken` records (docs/reference.md §2.8): the first successful call's resource ID and a digest of
//! its parameters, keyed by (account, region, action, token). Read and written inside the same
//! transaction as the resource, so concurrent retries yield one resource.

use sqlx::SqliteConnection;

use super::Store;

use crate::error::{ApiResult, Code};

/// A token presented with a request, and the digest of the request's other parameters.
#[derive(Debug, Clone)]
pub struct TokenClaim {
    pub account: String,
    pub region: String,
    pub action: &'static str,
    pub token: String,
    pub digest: String,
}

/// `Ok(Some(id))` when the token was used before with the same parameters (replay the result),
/// `Ok(None)` when it is new, `IdempotentParameterMismatch` when it was used with other parameters.
pub(super) async fn lookup(conn: &mut SqliteConnection, claim: &TokenClaim) -> ApiResult<Option<String>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT digest, resource_id FROM client_tokens WHERE account = ? AND region = ? AND action = ? AND token = ?",
    )
    .bind(&claim.account)
    .bind(&claim.region)
    .bind(claim.action)
    .bind(&claim.token)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        None => Ok(None),
        Some((digest, id)) if digest == claim.digest => Ok(Some(id)),
        Some(_) => Err(Code::IdempotentParameterMismatch.into()),
    }
}

pub(super) async fn record(
    conn: &mut SqliteConnection,
    claim: &TokenClaim,
    resource_id: &str,
    now_ms: i64,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO client_tokens (account, region, action, token, digest, resource_id, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&claim.account)
    .bind(&claim.region)
    .bind(claim.action)
    .bind(&claim.token)
    .bind(&claim.digest)
    .bind(resource_id)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// The result of an earlier call with this token, checked before any revalidation so that a
    /// retry gets the first answer even if the world changed since (the write transaction checks
    /// again, so concurrent retries stay safe).
    pub async fn replay(&self, claim: &TokenClaim) -> ApiResult<Option<String>> {
        let mut conn = self.reader.acquire().await?;
        lookup(&mut conn, claim).await
    }
}
