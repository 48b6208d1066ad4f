-- PostgreSQL twin of migrations/0017_image_counts_without_upsert.sql (same version and name; see
-- migrations/postgres/README.md). Nothing changes here: PostgreSQL keeps no statement journal, and
-- its image_counts trigger functions (0015) stay as they are.
SELECT 1;
