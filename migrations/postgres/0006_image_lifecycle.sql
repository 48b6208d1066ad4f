-- PostgreSQL twin of migrations/0006_image_lifecycle.sql (same version and name; see migrations/postgres/README.md).
-- The ECS image lifecycle around builds (issue 17): resource groups of images, the attributes
-- ModifyImageAttribute sets, community images (IsPublic), and image copies that become
-- Available on the emulator clock. Never edit an applied migration: add a new file.

ALTER TABLE images ADD COLUMN resource_group_id TEXT;
ALTER TABLE images ADD COLUMN boot_mode TEXT;
ALTER TABLE images ADD COLUMN license_type TEXT;
-- 1 once published as a community image (ModifyImageSharePermission IsPublic=true)
ALTER TABLE images ADD COLUMN is_public BIGINT NOT NULL DEFAULT 0;
-- CopyImage: when the copy started (Progress 0%) and when it becomes Available (100%);
-- NULL for built images and for copies made by a build's DISTRIBUTING phase (Available at once).
ALTER TABLE images ADD COLUMN copy_started_ms BIGINT;
ALTER TABLE images ADD COLUMN copy_ready_ms BIGINT;
-- CopyImage: the scripted failure the copy ends in (an outcome rule or fault), if any
ALTER TABLE images ADD COLUMN copy_error TEXT;
