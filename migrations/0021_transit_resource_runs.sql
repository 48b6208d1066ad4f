-- Transit resources a build created and released within one engine tick (issue 14) are written as
-- one row per build and tick: a run, like the timeline's (migration 0018). At `--phase-duration 0`
-- (or when a manual clock jumps past a whole build) a build creates its temporary VPC and vSwitch
-- and its transit instances and releases them all in the tick that runs it: 10 000 builds wrote
-- 40 000 `transit_resources` rows, each with two index entries (its random ID and its build). A
-- released resource never changes again, so nothing needs to find it by its own ID; a resource still
-- held when the tick ends is a `transit_resources` row as before, which a later tick releases by ID.
--
-- `resources` is a JSON array of `[id, kind, detail, created_ms, released_ms, seq]`, `detail` a JSON
-- object and `seq` the build's insertion order of its transit resources (migration 0012), counted
-- across both tables; the row's own `seq` is the run's last. The rows belong to the build (deleted
-- with it, by `execution_id`). Never edit an applied migration: add a new file.

CREATE TABLE transit_resource_runs (
    execution_id TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    resources    TEXT NOT NULL,
    PRIMARY KEY (execution_id, seq)
);
