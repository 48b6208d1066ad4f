-- PostgreSQL twin of migrations/0013_portable_snapshots.sql (same version and name; see migrations/postgres/README.md).
-- Portable snapshots kept in the database (on PostgreSQL, so every replica sees them; SQLite keeps
-- them as files beside the database and leaves this table empty). Never edit an applied
-- migration: add a new file.

CREATE TABLE portable_snapshots (
    name       TEXT PRIMARY KEY NOT NULL,
    -- the JSON document (domain::snapshot)
    document   TEXT NOT NULL,
    bytes      BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);
