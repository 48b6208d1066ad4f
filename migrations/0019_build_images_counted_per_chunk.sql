-- The images a build makes are counted in image_counts by the engine, one statement per chunk of
-- builds for each account, region and status its images have (store/ticks.rs), so the insert
-- trigger of migration 0017 now counts only the other images: copies, which have no build
-- (`execution_id IS NULL`). A tick of 10 000 builds at `--phase-duration 0` inserts 20 000 images;
-- the trigger looked up and updated the same few image_counts rows for each of them (10–20% of the
-- tick). Deletes and status changes are still counted by the triggers of migrations 0015 and 0017.
-- Never edit an applied migration: add a new file.

DROP TRIGGER image_counts_insert;
CREATE TRIGGER image_counts_insert AFTER INSERT ON images WHEN NEW.execution_id IS NULL BEGIN
    INSERT INTO image_counts (account, region, status, n) SELECT NEW.account, NEW.region, NEW.status, 0
        WHERE NOT EXISTS (SELECT 1 FROM image_counts
                          WHERE account = NEW.account AND region = NEW.region AND status = NEW.status);
    UPDATE image_counts SET n = n + 1 WHERE account = NEW.account AND region = NEW.region AND status = NEW.status;
END;
