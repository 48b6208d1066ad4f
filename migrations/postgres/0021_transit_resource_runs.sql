-- PostgreSQL twin of migrations/0021_transit_resource_runs.sql (same version and name; see
-- migrations/postgres/README.md).

CREATE TABLE transit_resource_runs (
    execution_id TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    resources    TEXT NOT NULL,
    PRIMARY KEY (execution_id, seq)
);
