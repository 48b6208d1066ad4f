-- PostgreSQL twin of migrations/0012_insertion_order.sql (same version and name; see migrations/postgres/README.md).
-- The order rows were inserted in, where listings break ties on it: outcome rules (oldest first),
-- a build's transit resources and a build's images. Rows already there (PostgreSQL has no rowid)
-- are numbered by creation time, then ID. Never edit an applied migration.
ALTER TABLE outcome_rules ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE outcome_rules SET seq = o.n
FROM (SELECT id, row_number() OVER (ORDER BY created_ms, id) AS n FROM outcome_rules) AS o
WHERE o.id = outcome_rules.id;
ALTER TABLE transit_resources ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE transit_resources SET seq = o.n
FROM (SELECT id, row_number() OVER (ORDER BY created_ms, id) AS n FROM transit_resources) AS o
WHERE o.id = transit_resources.id;
ALTER TABLE images ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE images SET seq = o.n
FROM (SELECT id, row_number() OVER (ORDER BY created_ms, id) AS n FROM images) AS o
WHERE o.id = images.id;
CREATE INDEX images_by_execution ON images (execution_id, seq);
