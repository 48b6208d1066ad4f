-- A build's simulation plan (engine::plan::Step list, JSON: about 3.6 KB for a typical template)
-- moves to a table of its own (issue 14). It is written when a build starts and when a failure or
-- a cancel replaces its tail, no longer with every step: an execution row is now a few hundred
-- bytes, so the engine's per-tick UPDATE rewrites one page for several builds instead of one page
-- per build, and the pages the due-step walk and every Describe read hold several builds each.
-- Never edit an applied migration: add a new file.

CREATE TABLE execution_plans (
    execution_id TEXT PRIMARY KEY NOT NULL,
    plan         TEXT NOT NULL
);

INSERT INTO execution_plans (execution_id, plan) SELECT id, plan FROM executions;

ALTER TABLE executions DROP COLUMN plan;
