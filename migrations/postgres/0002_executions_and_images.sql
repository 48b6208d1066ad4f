-- PostgreSQL twin of migrations/0002_executions_and_images.sql (same version and name; see migrations/postgres/README.md).
-- Build executions (with their simulation plan), their timeline, transit resources, and the
-- images builds produce with their shares. Never edit an applied migration: add a new file.

CREATE TABLE executions (
    id                TEXT PRIMARY KEY NOT NULL,
    account           TEXT NOT NULL,
    region            TEXT NOT NULL,
    pipeline_id       TEXT NOT NULL,
    status            TEXT NOT NULL,
    message           TEXT NOT NULL,
    image_id          TEXT,
    error_code        TEXT,
    error_info        TEXT,
    resource_group_id TEXT,
    created_ms        BIGINT NOT NULL,
    modified_ms       BIGINT NOT NULL,
    -- when the next step of the plan is due; NULL once terminal
    next_due_ms       BIGINT,
    -- index of the next step of the plan
    cursor            BIGINT NOT NULL,
    -- engine::plan::Step list (JSON) and engine runtime state (JSON)
    plan              TEXT NOT NULL,
    runtime           TEXT NOT NULL
);
CREATE INDEX executions_due ON executions (next_due_ms) WHERE next_due_ms IS NOT NULL;
CREATE INDEX executions_by_tenant ON executions (account, region, created_ms DESC, id DESC);
CREATE INDEX executions_by_pipeline ON executions (pipeline_id, created_ms DESC, id DESC);
-- backstop of "one running build per template" (checked first in the Start transaction)
CREATE UNIQUE INDEX executions_one_running ON executions (pipeline_id)
    WHERE status NOT IN ('SUCCESS','PARTITION_SUCCESS','FAILED','TEST_FAILED','CANCELLED');

CREATE TABLE execution_events (
    execution_id TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    at_ms        BIGINT NOT NULL,
    status       TEXT NOT NULL,
    message      TEXT NOT NULL,
    PRIMARY KEY (execution_id, seq)
);

-- transit instances, temporary VPCs and vSwitches created by builds
CREATE TABLE transit_resources (
    id           TEXT PRIMARY KEY NOT NULL,
    execution_id TEXT NOT NULL,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    released_ms  BIGINT
);
CREATE INDEX transit_resources_by_execution ON transit_resources (execution_id);

-- custom images (built, or copied to another region); public images live in the catalog
CREATE TABLE images (
    id           TEXT PRIMARY KEY NOT NULL,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    family       TEXT,
    description  TEXT,
    nvme_support TEXT,
    status       TEXT NOT NULL,
    source_image TEXT NOT NULL,
    execution_id TEXT,
    copied_from  TEXT,
    size_gib     BIGINT NOT NULL,
    platform     TEXT NOT NULL,
    os_name      TEXT NOT NULL,
    architecture TEXT NOT NULL,
    created_ms   BIGINT NOT NULL
);
CREATE INDEX images_by_owner ON images (account, region, created_ms DESC);
CREATE INDEX images_by_name ON images (account, region, name);
CREATE INDEX images_by_family ON images (region, family);

CREATE TABLE image_shares (
    image_id  TEXT NOT NULL,
    account   TEXT NOT NULL,
    shared_ms BIGINT NOT NULL,
    PRIMARY KEY (image_id, account)
);
CREATE INDEX image_shares_by_account ON image_shares (account, image_id);
