-- PostgreSQL twin of migrations/0022_plan_format_3.sql (same version and name;
-- see migrations/postgres/README.md): build plans are written in plan format 3 from this version
-- on; the schema is unchanged.

UPDATE execution_plans SET plan = plan WHERE 1 = 0;
