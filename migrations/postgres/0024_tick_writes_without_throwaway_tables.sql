-- PostgreSQL twin of migrations/0024_tick_writes_without_throwaway_tables.sql (same version and
-- name; see there for why): the one-running-build index's condition as a chain of `<>`, and no
-- insert trigger on images (a copy counts itself in `image_counts`). Both backends keep one schema.

DROP INDEX executions_one_running;
CREATE UNIQUE INDEX executions_one_running ON executions (pipeline_id)
    WHERE status <> 'SUCCESS' AND status <> 'PARTITION_SUCCESS' AND status <> 'FAILED'
      AND status <> 'TEST_FAILED' AND status <> 'CANCELLED';

DROP TRIGGER image_counts_insert ON images;
DROP FUNCTION image_counts_insert();
