-- PostgreSQL twin of migrations/0007_image_encryption.sql (same version and name; see migrations/postgres/README.md).
-- CopyImage Encrypted / KMSKeyId: whether an image is encrypted and with which key (NULL: the
-- service key). Never edit an applied migration: add a new file.

ALTER TABLE images ADD COLUMN encrypted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE images ADD COLUMN kms_key_id TEXT;
