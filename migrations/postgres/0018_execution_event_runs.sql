-- PostgreSQL twin of migrations/0018_execution_event_runs.sql (same version and name; see
-- migrations/postgres/README.md).

ALTER TABLE execution_events ADD COLUMN later TEXT;
