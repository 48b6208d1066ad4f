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
    remaining  INTEGER,
    created_ms INTEGER NOT NULL
);

CREATE TABLE id_counters (
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,
    next    INTEGER NOT NULL,
    PRIMARY KEY (account, kind)
);
