-- Custom image components (one row per version; system components live in the catalog).
-- Never edit an applied migration: add a new file.

CREATE TABLE image_components (
    id                TEXT PRIMARY KEY NOT NULL,
    account           TEXT NOT NULL,
    region            TEXT NOT NULL,
    name              TEXT NOT NULL,
    major             INTEGER NOT NULL,
    minor             INTEGER NOT NULL,
    patch             INTEGER NOT NULL,
    component_type    TEXT NOT NULL,
    system_type       TEXT NOT NULL,
    resource_group_id TEXT,
    created_ms        INTEGER NOT NULL,
    -- the validated component as JSON (domain::component::Component)
    spec              TEXT NOT NULL
);
-- backstop of "versions are unique per name" (checked first in the create transaction)
CREATE UNIQUE INDEX image_components_version ON image_components (account, region, name, major, minor, patch);
-- newest-first keyset paging within a tenant
CREATE INDEX image_components_by_tenant ON image_components (account, region, created_ms DESC, id DESC);
