-- images_by_family holds only images that have a family (issue 14): every lookup by family asks
-- for one (`family = $1`, which both SQLite and PostgreSQL read as implying `IS NOT NULL`, so the
-- partial index serves it), and an image built from a template without ImageFamily, most of them,
-- no longer adds an entry at the same place of the index (NULL, per region) on insert. Never edit an
-- applied migration: add a new file.

DROP INDEX images_by_family;
CREATE INDEX images_by_family ON images (region, family) WHERE family IS NOT NULL;
