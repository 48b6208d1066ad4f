//! The write transaction actions own: [`Store::write`] leases the single writer connection from
//! the group-commit task (`group.rs`: every `WriteTx` is serialised, a read-decide-write inside one
//! is atomic, and it runs in its own savepoint of a transaction shared with the requests waiting
//! at the same time), each store module adds its typed queries in an `impl WriteTx` block, and
//! [`WriteTx::commit`] returns once the shared transaction is durable. Dropping a `WriteTx`
//! uncommitted rolls back its savepoint only. Work that must follow the commit (the pipeline read
//! cache) is noted on the transaction and done inside `commit`, after the real `COMMIT`.

use std::sync::Arc;

use sqlx::AnyConnection;

use super::cache::PipelineCache;
use super::group::Lease;
use super::known_tokens::KnownTokens;
use super::{Backend, Store};
use crate::domain::pipeline::Pipeline;
use crate::domain::tags::Tag;

/// An open write transaction (opaque: callers see typed queries only).
pub struct WriteTx {
    lease: Lease,
    cache: Arc<PipelineCache>,
    /// The cache generation when the transaction began (offers made after a concurrent forget are refused).
    generation: u64,
    offers: Vec<(Pipeline, Vec<Tag>)>,
    forgets: Vec<String>,
    /// The tokens this database may have recorded (a claim adds its own).
    pub(super) tokens: Arc<KnownTokens>,
    backend: Backend,
}

impl Store {
    /// Opens a write transaction (waits for the writer connection).
    pub async fn write(&self) -> Result<WriteTx, sqlx::Error> {
        let generation = self.pipelines.generation();
        let lease = self.group.lease().await?;
        Ok(WriteTx {
            lease,
            cache: self.pipelines.clone(),
            generation,
            offers: Vec::new(),
            forgets: Vec::new(),
            tokens: self.tokens.clone(),
            backend: self.backend,
        })
    }
}

impl WriteTx {
    /// Commits, then updates the read cache with what the transaction wrote.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let WriteTx { lease, cache, generation, offers, forgets, .. } = self;
        lease.commit().await?;
        if !forgets.is_empty() {
            cache.forget(forgets.iter().map(String::as_str));
        }
        if !offers.is_empty() {
            cache.offer(generation, offers);
        }
        Ok(())
    }

    /// The database this transaction runs on (for [`Backend`]'s dialect snippets).
    pub(super) fn backend(&self) -> Backend {
        self.backend
    }

    /// The lent connection, inside this request's savepoint (an error if the writer task is gone
    /// or the savepoint cannot be opened).
    pub(super) async fn conn(&mut self) -> Result<&mut AnyConnection, sqlx::Error> {
        self.lease.conn().await
    }

    /// On SQLite, the statements that open this request's savepoint, each ending in `; `, if not
    /// opened yet: the start of one text of several statements, so the request's first round trip
    /// opens it too (`group.rs`). Empty otherwise: on PostgreSQL, which prepares one statement at
    /// a time, [`WriteTx::conn`] opens it.
    pub(super) fn opening(&mut self) -> &'static str {
        match self.backend {
            Backend::Sqlite => self.lease.take_opening().unwrap_or_default(),
            Backend::Postgres => "",
        }
    }

    /// Caches a template written in this transaction once it commits.
    pub(super) fn offer_after_commit(&mut self, pipeline: Pipeline, tags: Vec<Tag>) {
        self.offers.push((pipeline, tags));
    }

    /// Drops a template from the read cache once this transaction commits.
    pub(super) fn forget_after_commit(&mut self, id: &str) {
        self.forgets.push(id.to_string());
    }
}
