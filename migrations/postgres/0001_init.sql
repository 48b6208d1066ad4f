-- PostgreSQL twin of migrations/0001_init.sql (same version and name; see migrations/postgres/README.md).
-- Image templates, tags and ClientToken records. Never edit an applied migration: add a new file.

CREATE TABLE image_pipelines (
    id                TEXT PRIMARY KEY NOT NULL,
    account           TEXT NOT NULL,
    region            TEXT NOT NULL,
    name              TEXT NOT NULL,
    resource_group_id TEXT,
    created_ms        BIGINT NOT NULL,
    -- the validated template as JSON (domain::pipeline::Pipeline)
    spec              TEXT NOT NULL
);
-- newest-first keyset paging within a tenant
CREATE INDEX image_pipelines_by_tenant ON image_pipelines (account, region, created_ms DESC, id DESC);
CREATE INDEX image_pipelines_by_name ON image_pipelines (account, region, name);

CREATE TABLE tags (
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    position      BIGINT NOT NULL,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (resource_type, resource_id, key)
);
CREATE INDEX tags_by_key ON tags (account, region, resource_type, key, value);

CREATE TABLE client_tokens (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    action      TEXT NOT NULL,
    token       TEXT NOT NULL,
    -- SHA-256 of the request's other parameters
    digest      TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (account, region, action, token)
);
