-- The image_counts triggers of migration 0015 without an upsert (issue 14). An upsert's DO UPDATE
-- always aborts on a constraint error, so any statement that fires it (the engine inserts a chunk's
-- images in one multi-row INSERT) had SQLite keep a statement journal: a copy of every page the
-- statement touched, in case it had to undo its own rows. Here the row is made first if it is
-- missing, then counted; with the engine's `INSERT OR FAIL` (store/dialect.rs) nothing in the
-- statement aborts, so no journal is kept. The single writer makes the two steps safe. Never edit
-- an applied migration: add a new file.

DROP TRIGGER image_counts_insert;
CREATE TRIGGER image_counts_insert AFTER INSERT ON images BEGIN
    INSERT INTO image_counts (account, region, status, n) SELECT NEW.account, NEW.region, NEW.status, 0
        WHERE NOT EXISTS (SELECT 1 FROM image_counts
                          WHERE account = NEW.account AND region = NEW.region AND status = NEW.status);
    UPDATE image_counts SET n = n + 1 WHERE account = NEW.account AND region = NEW.region AND status = NEW.status;
END;

DROP TRIGGER image_counts_update;
CREATE TRIGGER image_counts_update AFTER UPDATE OF account, region, status ON images BEGIN
    UPDATE image_counts SET n = n - 1 WHERE account = OLD.account AND region = OLD.region AND status = OLD.status;
    INSERT INTO image_counts (account, region, status, n) SELECT NEW.account, NEW.region, NEW.status, 0
        WHERE NOT EXISTS (SELECT 1 FROM image_counts
                          WHERE account = NEW.account AND region = NEW.region AND status = NEW.status);
    UPDATE image_counts SET n = n + 1 WHERE account = NEW.account AND region = NEW.region AND status = NEW.status;
END;
