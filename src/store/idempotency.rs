//! `ClientToken` records (docs/reference.md §2.8): the first successful call's resource ID and a digest of
//! its parameters, keyed by (account, region, action, token). Read and written inside the same
//! [`WriteTx`] as the resource, so concurrent retries yield one resource; whether a stored token
//! means a replay or a mismatch is `domain::idempotency::replay`.

use sqlx::AnyConnection;

use super::sql::{push_values, Sql};
use super::{Store, WriteTx};
use crate::domain::idempotency::{StoredToken, TokenClaim};

async fn lookup(conn: &mut AnyConnection, claim: &TokenClaim) -> Result<Option<StoredToken>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT digest, resource_id FROM client_tokens WHERE account = $1 AND region = $2 AND action = $3 AND token = $4",
    )
    .bind(&claim.account)
    .bind(&claim.region)
    .bind(claim.action)
    .bind(&claim.token)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(digest, resource_id)| StoredToken { digest, resource_id }))
}

/// The `INSERT` of a token's record, up to its values (bound in this order).
macro_rules! insert_record {
    () => {
        "INSERT INTO client_tokens (account, region, action, token, digest, resource_id, created_ms) VALUES "
    };
}

/// Appends a plain `INSERT` of `claim`'s record to `qb`: it fails on a token already recorded
/// ([`already_claimed`]), which stops the statements after it in the same text (SQLite).
pub(super) fn push_claim(qb: &mut Sql<'_>, claim: &TokenClaim, resource_id: &str, now_ms: i64) {
    push_values!(
        qb.push(insert_record!()),
        claim.account.clone(),
        claim.region.clone(),
        claim.action,
        claim.token.clone(),
        claim.digest.clone(),
        resource_id.to_string(),
        now_ms,
    );
}

/// Whether `err` is [`push_claim`]'s `INSERT` meeting a record of the same token.
pub(super) fn already_claimed(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|db| db.is_unique_violation() && db.message().contains("client_tokens."))
}

impl Store {
    /// The record of a token, read before any revalidation so that a retry gets the first answer
    /// even if the world changed since (the write transaction reads it again). A token the store
    /// surely never recorded is not looked up (`known_tokens`).
    pub async fn client_token(&self, claim: &TokenClaim) -> Result<Option<StoredToken>, sqlx::Error> {
        if self.tokens.surely_new(claim) {
            return Ok(None);
        }
        let mut conn = self.reader.acquire().await?;
        lookup(&mut conn, claim).await
    }

    /// After a restore replaced (or tried to replace) the recorded tokens: they are read again
    /// into `known_tokens`, which looks every token up until then (and for good if this fails).
    pub(super) async fn reload_known_tokens(&self) {
        if let Err(err) = self.tokens.load(&self.reader).await {
            tracing::warn!(error = %err, "could not read the ClientTokens back after a restore; every token is looked up");
        }
    }
}

impl WriteTx {
    pub async fn client_token(&mut self, claim: &TokenClaim) -> Result<Option<StoredToken>, sqlx::Error> {
        lookup(self.conn().await?, claim).await
    }

    /// Records the token for `resource_id` after [`WriteTx::client_token`] found none in this
    /// transaction (so a record already there is a broken invariant, reported as an error).
    pub async fn insert_client_token(
        &mut self,
        claim: &TokenClaim,
        resource_id: &str,
        now_ms: i64,
    ) -> Result<(), sqlx::Error> {
        match self.claim_client_token(claim, resource_id, now_ms).await? {
            None => Ok(()),
            Some(_) => Err(sqlx::Error::Protocol("a ClientToken looked up as free was already recorded".into())),
        }
    }

    /// Claims the token for `resource_id` in one statement when no record exists (`Ok(None)`);
    /// otherwise the record already there, left unchanged. The claim is part of this transaction's
    /// savepoint, so dropping the transaction (a later check failing) releases it again.
    pub async fn claim_client_token(
        &mut self,
        claim: &TokenClaim,
        resource_id: &str,
        now_ms: i64,
    ) -> Result<Option<StoredToken>, sqlx::Error> {
        let done = sqlx::query(concat!(
            insert_record!(),
            "($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account, region, action, token) DO NOTHING"
        ))
        .bind(&claim.account)
        .bind(&claim.region)
        .bind(claim.action)
        .bind(&claim.token)
        .bind(&claim.digest)
        .bind(resource_id)
        .bind(now_ms)
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() == 1 {
            self.tokens.add(claim);
            return Ok(None);
        }
        lookup(self.conn().await?, claim).await
    }

    /// The record of a token that [`push_claim`]'s `INSERT` found already recorded.
    pub(super) async fn recorded_client_token(&mut self, claim: &TokenClaim) -> Result<StoredToken, sqlx::Error> {
        lookup(self.conn().await?, claim)
            .await?
            .ok_or_else(|| sqlx::Error::Protocol("a ClientToken refused as recorded has no record".into()))
    }
}
