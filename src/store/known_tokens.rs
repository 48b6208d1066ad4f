//! Which `ClientToken`s this SQLite database may have recorded: a Bloom filter of every token
//! claimed (by account, region, action and token), filled from `client_tokens` when the store opens
//! and again after a restore. A token it has never seen is surely new, so the read that looks a
//! token up before revalidating (`Store::client_token`) is skipped for it; the claim inside the
//! write transaction still decides (`WriteTx::claim_client_token`). A wrong "maybe" costs only
//! that read; a wrong "surely new" is impossible while the filter is complete, which it is not
//! while it loads. Off on PostgreSQL, where other processes claim tokens too.

use std::hash::{Hash, Hasher};
use std::sync::RwLock;

use futures_util::TryStreamExt;
use sqlx::AnyPool;

use crate::domain::idempotency::TokenClaim;

/// The filter's size in bits: 1 MiB, allocated when the first token is added. With [`HASHES`]
/// bits per token, one new token in ~20 000 is a false "maybe" at 100 000 tokens recorded, one in
/// ~40 at 1 000 000.
const BITS: usize = 1 << 23;
const WORDS: usize = BITS / 64;
/// Bits set per token.
const HASHES: u64 = 3;

#[derive(Debug)]
pub(super) struct KnownTokens {
    inner: RwLock<Filter>,
}

#[derive(Debug)]
struct Filter {
    /// Empty until first used (and always on PostgreSQL).
    words: Vec<u64>,
    /// Whether every recorded token is in `words`; until then every token may be known.
    complete: bool,
    /// Whether the filter is used at all (SQLite).
    enabled: bool,
}

/// The bit positions of one token.
fn positions(account: &str, region: &str, action: &str, token: &str) -> impl Iterator<Item = usize> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (account, region, action, token).hash(&mut hasher);
    let hash = hasher.finish();
    // Double hashing: the low and high halves give every position (Kirsch and Mitzenmacher).
    let (low, high) = (hash & 0xffff_ffff, (hash >> 32) | 1);
    (0..HASHES).map(move |i| (low.wrapping_add(i.wrapping_mul(high)) % BITS as u64) as usize)
}

impl Filter {
    fn set(&mut self, account: &str, region: &str, action: &str, token: &str) {
        if self.words.is_empty() {
            self.words = vec![0; WORDS];
        }
        for bit in positions(account, region, action, token) {
            self.words[bit / 64] |= 1 << (bit % 64);
        }
    }

    fn has(&self, claim: &TokenClaim) -> bool {
        !self.words.is_empty()
            && positions(&claim.account, &claim.region, claim.action, &claim.token)
                .all(|bit| self.words[bit / 64] & (1 << (bit % 64)) != 0)
    }
}

impl KnownTokens {
    /// An empty, incomplete filter: [`KnownTokens::load`] completes it.
    pub(super) fn sqlite() -> KnownTokens {
        KnownTokens { inner: RwLock::new(Filter { words: Vec::new(), complete: false, enabled: true }) }
    }

    /// A filter that never says "surely new".
    pub(super) fn disabled() -> KnownTokens {
        KnownTokens { inner: RwLock::new(Filter { words: Vec::new(), complete: false, enabled: false }) }
    }

    /// Whether `claim`'s token is surely not recorded (no need to look it up).
    pub(super) fn surely_new(&self, claim: &TokenClaim) -> bool {
        self.inner.read().is_ok_and(|f| f.enabled && f.complete && !f.has(claim))
    }

    /// Notes a token being recorded (before its transaction commits: if it rolls back instead,
    /// the token is only a false "maybe").
    pub(super) fn add(&self, claim: &TokenClaim) {
        if let Ok(mut f) = self.inner.write() {
            if f.enabled {
                f.set(&claim.account, &claim.region, claim.action, &claim.token);
            }
        }
    }

    /// Marks the filter incomplete, before the recorded tokens are replaced (a restore).
    pub(super) fn invalidate(&self) {
        if let Ok(mut f) = self.inner.write() {
            f.complete = false;
        }
    }

    /// Adds every recorded token and marks the filter complete. Tokens claimed meanwhile are added
    /// by [`KnownTokens::add`] as usual, so none is missed. On an error it stays incomplete.
    pub(super) async fn load(&self, reader: &AnyPool) -> Result<(), sqlx::Error> {
        let enabled = self.inner.read().is_ok_and(|f| f.enabled);
        if !enabled {
            return Ok(());
        }
        self.invalidate();
        let mut rows = sqlx::query_as::<_, (String, String, String, String)>(
            "SELECT account, region, action, token FROM client_tokens",
        )
        .fetch(reader);
        while let Some((account, region, action, token)) = rows.try_next().await? {
            if let Ok(mut f) = self.inner.write() {
                f.set(&account, &region, &action, &token);
            }
        }
        if let Ok(mut f) = self.inner.write() {
            f.complete = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(token: &str) -> TokenClaim {
        TokenClaim {
            account: "1".into(),
            region: "cn-hangzhou".into(),
            action: "CreateImagePipeline",
            token: token.into(),
            digest: "d".into(),
        }
    }

    #[test]
    fn a_complete_filter_knows_every_token_added_and_almost_no_other() {
        let known = KnownTokens::sqlite();
        known.inner.write().expect("lock").complete = true;
        for i in 0..10_000 {
            known.add(&claim(&format!("t{i}")));
        }
        assert!((0..10_000).all(|i| !known.surely_new(&claim(&format!("t{i}")))));
        let maybe = (10_000..110_000).filter(|i| !known.surely_new(&claim(&format!("t{i}")))).count();
        assert!(maybe < 10, "{maybe} false maybes in 100 000");
    }

    #[test]
    fn an_incomplete_or_disabled_filter_never_says_surely_new() {
        assert!(!KnownTokens::sqlite().surely_new(&claim("t")));
        let disabled = KnownTokens::disabled();
        disabled.inner.write().expect("lock").complete = true;
        assert!(!disabled.surely_new(&claim("t")));
        let known = KnownTokens::sqlite();
        known.inner.write().expect("lock").complete = true;
        assert!(known.surely_new(&claim("t")));
        known.invalidate();
        assert!(!known.surely_new(&claim("t")));
    }

    /// A store with `claim`'s token recorded for `pipeline-1`.
    async fn recorded(store: &crate::store::Store, claim: &TokenClaim) {
        let mut tx = store.write().await.expect("write");
        assert_eq!(tx.claim_client_token(claim, "pipeline-1", 0).await.expect("claim"), None);
        tx.commit().await.expect("commit");
    }

    fn first_call(claim: &TokenClaim) -> Option<crate::domain::idempotency::StoredToken> {
        Some(crate::domain::idempotency::StoredToken { digest: claim.digest.clone(), resource_id: "pipeline-1".into() })
    }

    /// Every path a token reaches the database by makes it known: a claim, a database opened
    /// again, a portable restore and a file restore into a store that never saw it.
    #[tokio::test]
    async fn a_token_recorded_by_any_path_is_looked_up() {
        use crate::store::Store;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("e.db");
        let path = path.to_str().expect("utf-8");
        let token = claim("t-1");
        let store = Store::open(path).await.expect("open");
        assert!(store.tokens.surely_new(&token), "a fresh database knows no token");
        recorded(&store, &token).await;
        assert_eq!(store.client_token(&token).await.expect("read"), first_call(&token));
        let portable = store.export_portable(0, u64::MAX).await.expect("export");
        let file = dir.path().join("copy.db");
        store.snapshot_to(&file).await.expect("snapshot");
        store.close().await;

        let reopened = Store::open(path).await.expect("reopen");
        assert_eq!(reopened.client_token(&token).await.expect("read"), first_call(&token), "loaded when opened");
        assert!(!reopened.tokens.surely_new(&token) && reopened.tokens.surely_new(&claim("t-2")));
        reopened.close().await;

        let other = Store::open(":memory:").await.expect("open");
        assert!(other.tokens.surely_new(&token));
        let snapshot = crate::domain::snapshot::decode(&portable).expect("decodes");
        other.restore_portable(&snapshot).await.expect("restore");
        assert_eq!(other.client_token(&token).await.expect("read"), first_call(&token), "portable restore");
        // Complete again, with the restored token in it: only other tokens are surely new.
        assert!(!other.tokens.surely_new(&token) && other.tokens.surely_new(&claim("t-2")));

        let fresh = dir.path().join("fresh.db");
        let third = Store::open(fresh.to_str().expect("utf-8")).await.expect("open");
        third.restore_from(&file).await.expect("restore");
        assert_eq!(third.client_token(&token).await.expect("read"), first_call(&token), "file restore");
        assert!(!third.tokens.surely_new(&token) && third.tokens.surely_new(&claim("t-2")));
    }
}
