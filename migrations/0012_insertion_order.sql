-- The order rows were inserted in, where listings break ties on it: outcome rules (oldest first),
-- a build's transit resources and a build's images. SQLite's implicit rowid did this before; a
-- column of our own works on every backend (issue 15) and survives a snapshot restore.
-- Each insert writes MAX(seq) + 1 (of the table for outcome rules, of the build otherwise) inside
-- its write transaction. Never edit an applied migration.
ALTER TABLE outcome_rules ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE outcome_rules SET seq = rowid;
ALTER TABLE transit_resources ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE transit_resources SET seq = rowid;
ALTER TABLE images ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE images SET seq = rowid;
CREATE INDEX images_by_execution ON images (execution_id, seq);
