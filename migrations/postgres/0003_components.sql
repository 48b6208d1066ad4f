-- PostgreSQL twin of migrations/0003_components.sql (same version and name; see migrations/postgres/README.md).
-- Custom image components (one row per version; system components live in the catalog).
-- Never edit an applied migration: add a new file.

CREATE TABLE image_components (
    id                TEXT PRIMARY KEY NOT NULL,
    account           TEXT NOT NULL,
    region            TEXT NOT NULL,
    name              TEXT NOT NULL,
    major             BIGINT NOT NULL,
    minor             BIGINT NOT NULL,
    patch             BIGINT NOT NULL,
    component_type    TEXT NOT NULL,
    system_type       TEXT NOT NULL,
    resource_group_id TEXT,
    created_ms        BIGINT NOT NULL,
    -- the validated component as JSON (domain::component::Component)
    spec              TEXT NOT NULL
);
-- backstop of "versions are unique per name" (checked first in the create transaction)
CREATE UNIQUE INDEX image_components_version ON image_components (account, region, name, major, minor, patch);
-- newest-first keyset paging within a tenant
CREATE INDEX image_components_by_tenant ON image_components (account, region, created_ms DESC, id DESC);
