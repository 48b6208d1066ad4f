-- PostgreSQL twin of migrations/0019_build_images_counted_per_chunk.sql (same version and name;
-- see migrations/postgres/README.md): the insert trigger of 0015 counts only images without a
-- build; the engine counts a chunk's build images in one statement.

DROP TRIGGER image_counts_insert ON images;
CREATE TRIGGER image_counts_insert AFTER INSERT ON images
    FOR EACH ROW WHEN (NEW.execution_id IS NULL) EXECUTE FUNCTION image_counts_insert();
