-- PostgreSQL twin of migrations/0009_vpc.sql (same version and name; see migrations/postgres/README.md).
-- VPCs and vSwitches made through the VPC API (2016-04-28), per account and region. The built-in
-- default VPC and vSwitches of every region live in the catalog, not here. Statuses are not
-- stored: they follow from created_ms and the emulator clock. Never edit an applied migration.
-- (Numbered 0009: 0006-0008 are taken by the image-lifecycle branch.)

CREATE TABLE vpcs (
    id                TEXT PRIMARY KEY NOT NULL,
    account           TEXT NOT NULL,
    region            TEXT NOT NULL,
    name              TEXT,
    description       TEXT,
    cidr_block        TEXT NOT NULL,
    resource_group_id TEXT,
    vrouter_id        TEXT NOT NULL,
    route_table_id    TEXT NOT NULL,
    created_ms        BIGINT NOT NULL
);
CREATE INDEX vpcs_by_tenant ON vpcs (account, region, created_ms DESC, id DESC);

CREATE TABLE vswitches (
    id                TEXT PRIMARY KEY NOT NULL,
    account           TEXT NOT NULL,
    region            TEXT NOT NULL,
    -- a VPC of this table or the region's built-in default VPC
    vpc_id            TEXT NOT NULL,
    zone_id           TEXT NOT NULL,
    name              TEXT,
    description       TEXT,
    cidr_block        TEXT NOT NULL,
    resource_group_id TEXT,
    created_ms        BIGINT NOT NULL
);
CREATE INDEX vswitches_by_tenant ON vswitches (account, region, created_ms DESC, id DESC);
CREATE INDEX vswitches_by_vpc ON vswitches (account, vpc_id);
