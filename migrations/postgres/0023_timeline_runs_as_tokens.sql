-- PostgreSQL twin of migrations/0023_timeline_runs_as_tokens.sql (same version and name;
-- see migrations/postgres/README.md): the later events of a timeline run are written as token
-- text from this version on; the schema is unchanged.

UPDATE execution_events SET later = later WHERE 1 = 0;
