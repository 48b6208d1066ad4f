//! The write transaction actions own: [`Store::write`] opens it on the single writer connection
//! (so every `WriteTx` is serialised and a read-decide-write inside one is atomic), each store
//! module adds its typed queries in an `impl WriteTx` block, and [`WriteTx::commit`] makes them
//! durable. Dropping a `WriteTx` uncommitted rolls it back. Work that must follow a commit (the
//! pipeline read cache) is noted on the transaction and done inside `commit`.

use std::sync::Arc;

use sqlx::{Sqlite, SqliteConnection, Transaction};

use super::cache::PipelineCache;
use super::Store;
use crate::domain::pipeline::Pipeline;
use crate::domain::tags::Tag;

/// An open write transaction (opaque: callers see typed queries only).
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    cache: Arc<PipelineCache>,
    /// The cache generation when the transaction began (offers made after a concurrent forget are refused).
    generation: u64,
    offers: Vec<(Pipeline, Vec<Tag>)>,
    forgets: Vec<String>,
}

impl Store {
    /// Opens a write transaction (waits for the writer connection).
    pub async fn write(&self) -> Result<WriteTx, sqlx::Error> {
        let generation = self.pipelines.generation();
        let tx = self.writer.begin().await?;
        Ok(WriteTx { tx, cache: self.pipelines.clone(), generation, offers: Vec::new(), forgets: Vec::new() })
    }
}

impl WriteTx {
    /// Commits, then updates the read cache with what the transaction wrote.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let WriteTx { tx, cache, generation, offers, forgets } = self;
        tx.commit().await?;
        if !forgets.is_empty() {
            cache.forget(forgets.iter().map(String::as_str));
        }
        if !offers.is_empty() {
            cache.offer(generation, offers);
        }
        Ok(())
    }

    pub(super) fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
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
