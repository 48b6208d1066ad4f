-- CopyImage Encrypted / KMSKeyId: whether an image is encrypted and with which key (NULL: the
-- service key). Never edit an applied migration: add a new file.

ALTER TABLE images ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE images ADD COLUMN kms_key_id TEXT;
