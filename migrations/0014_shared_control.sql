-- Control state shared by every replica on one database (issue 15): the manual clock's time, a
-- version that moves whenever fault rules change, the fault rules themselves and the request
-- journal. On SQLite (one process) the journal and fault rules stay in memory and these tables stay
-- empty; on PostgreSQL every replica reads and writes them. Never edit an applied migration.

CREATE TABLE control_state (
    id             INTEGER PRIMARY KEY NOT NULL,
    -- the manual clock's time (ms since the epoch); NULL until a manual-clock replica starts
    clock_ms       INTEGER,
    -- bumped by every change to fault_rules, so replicas reload them only when it moved
    faults_version INTEGER NOT NULL DEFAULT 0,
    -- the number behind the next fault rule ID (fault-N)
    next_fault     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE fault_rules (
    id         TEXT PRIMARY KEY NOT NULL,
    -- order of creation: rules are tried in this order
    seq        INTEGER NOT NULL,
    -- the rule as posted (faults::FaultSpec, JSON)
    spec       TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    matched    INTEGER NOT NULL DEFAULT 0,
    fired      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE journal (
    seq        INTEGER PRIMARY KEY NOT NULL,
    -- the entry as JSON (journal::Entry without its seq)
    entry      TEXT NOT NULL,
    action     TEXT NOT NULL,
    caller     TEXT NOT NULL,
    region     TEXT NOT NULL,
    code       TEXT NOT NULL,
    status     INTEGER NOT NULL,
    request_id TEXT NOT NULL
);

CREATE INDEX journal_request_id ON journal (request_id);
