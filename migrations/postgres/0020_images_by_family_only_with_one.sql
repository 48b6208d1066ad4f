-- PostgreSQL twin of migrations/0020_images_by_family_only_with_one.sql (same version and name;
-- see migrations/postgres/README.md).

DROP INDEX images_by_family;
CREATE INDEX images_by_family ON images (region, family) WHERE family IS NOT NULL;
