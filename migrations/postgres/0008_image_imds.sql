-- PostgreSQL twin of migrations/0008_image_imds.sql (same version and name; see migrations/postgres/README.md).
-- ModifyImageAttribute Features.ImdsSupport (v1 / v2; NULL: never set, shown as v1).
-- Never edit an applied migration: add a new file.

ALTER TABLE images ADD COLUMN imds_support TEXT;
