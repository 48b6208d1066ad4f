-- ModifyImageAttribute Features.ImdsSupport (v1 / v2; NULL: never set, shown as v1).
-- Never edit an applied migration: add a new file.

ALTER TABLE images ADD COLUMN imds_support TEXT;
