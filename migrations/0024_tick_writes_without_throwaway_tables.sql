-- Two schema objects that made SQLite build throw-away B-trees on every row the engine writes
-- (issue 14; found with `EXPLAIN` of the tick's statements):
--
-- 1. The one-running-build rule (migration 0002), a partial unique index on `status NOT IN (…)`.
--    SQLite evaluates a partial index's condition for every row an UPDATE changes, once for the
--    old row and once for the new, and codes a constant `IN` list there as an ephemeral B-tree it
--    fills anew each time: ten B-tree inserts for every build a tick saves. The same condition as a
--    chain of `<>` is five comparisons. Queries that look for a template's running build spell the
--    same chain (`domain::execution::NOT_TERMINAL_SQL`), so SQLite still answers them from this index.
-- 2. The `image_counts` insert trigger (migrations 0015, 0019). Only copies (CopyImage) still needed
--    it, but its mere presence made SQLite copy every multi-row `INSERT INTO images` into an
--    ephemeral table first and run the trigger's program for each row. A copy now counts itself in
--    the transaction that inserts it (`store/copies.rs`), as a build's images are counted per chunk.
--    The delete and update triggers stay.
--
-- Together a seventh of the writer's instructions in a 1 000-build tick. Never edit an applied
-- migration: add a new file.

DROP INDEX executions_one_running;
CREATE UNIQUE INDEX executions_one_running ON executions (pipeline_id)
    WHERE status <> 'SUCCESS' AND status <> 'PARTITION_SUCCESS' AND status <> 'FAILED'
      AND status <> 'TEST_FAILED' AND status <> 'CANCELLED';

DROP TRIGGER image_counts_insert;
