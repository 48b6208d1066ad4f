-- PostgreSQL twin of migrations/0004_control_plane.sql (same version and name; see migrations/postgres/README.md).
-- Control-plane state: persisted settings (the manual clock), scripted build outcomes, and the
-- counters behind deterministic IDs. Never edit an applied migration: add a new file.

CREATE TABLE emulator_state (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE outcome_rules (
    id         TEXT PRIMARY KEY NOT NULL,
    -- the rule as JSON (admin::outcomes::OutcomeRule)
    rule       TEXT NOT NULL,
    -- builds it still applies to; NULL = unlimited
    remaining  BIGINT,
    created_ms BIGINT NOT NULL
);

CREATE TABLE id_counters (
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,
    next    BIGINT NOT NULL,
    PRIMARY KEY (account, kind)
);
