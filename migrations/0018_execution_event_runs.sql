-- A timeline row may hold a run of events (issue 14): the steps one engine tick applied to a build
-- one after another (every step of a build at `--phase-duration 0`, or after a manual clock
-- advance past them) are written as one row instead of one row each. The row's own columns are
-- the run's first event, at its `seq`; `later` holds the rest as a JSON array of
-- `[at_ms, status, message]`, whose seqs follow on (`seq + 1`, …). NULL is a run of one, as every
-- row written before this migration is. A tick of 10 000 builds × 15 steps wrote 150 000 rows and
-- 150 000 primary-key entries, at random places of that index, for its timelines: a third of its time.
-- Never edit an applied migration: add a new file.

ALTER TABLE execution_events ADD COLUMN later TEXT;
