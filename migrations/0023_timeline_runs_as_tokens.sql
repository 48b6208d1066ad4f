-- The later events of a timeline run (`execution_events.later`, migration 0018) are written as
-- token text from this version on (issue 14): `1;`, the number of events, then each event's
-- `at_ms;`, status and message as length-prefixed texts (`src/domain/tokens.rs`), in place of a
-- JSON array whose step messages had their quotes escaped on every write. Rows written before stay
-- JSON arrays and are still read (told apart by their `[`), so no row is rewritten here.
--
-- The schema is otherwise unchanged. As migration 0022 does for plans, this migration marks the
-- change, so that an emulator from before it, which reads only JSON runs, refuses a snapshot from
-- after it as one made by a newer emulator. Never edit an applied migration: add a new file.

UPDATE execution_events SET later = later WHERE 1 = 0;
