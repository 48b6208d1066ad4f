-- Build plans (`execution_plans.plan`) are written in plan format 3 from this version on (issue 14):
-- length-prefixed texts in place of JSON, which the engine reads three times as fast
-- (`src/domain/build/format.rs` describes it). Plans of format 1 and 2 are still read, so no row
-- is rewritten here; a plan is written in format 3 when a build starts or its plan changes.
--
-- The schema is otherwise unchanged. This migration marks the change, so that an emulator from
-- before it, which cannot read format 3, refuses a snapshot from after it as one made by a newer
-- emulator instead of failing the builds in it. Never edit an applied migration: add a new file.

UPDATE execution_plans SET plan = plan WHERE 1 = 0;
