-- PostgreSQL twin of migrations/0005_pipeline_counts.sql (same version and name; see migrations/postgres/README.md).
-- Templates per tenant, kept exact by triggers in the same transaction as every insert and delete,
-- so an unfiltered DescribeImagePipelines reads its TotalCount instead of counting the tenant's
-- rows. Never edit an applied migration: add a new file.

CREATE TABLE pipeline_counts (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (account, region)
);

INSERT INTO pipeline_counts (account, region, n)
    SELECT account, region, COUNT(*) FROM image_pipelines GROUP BY account, region;

-- SQLite's trigger bodies become PL/pgSQL functions run FOR EACH ROW (SQLite's only kind).
CREATE FUNCTION pipeline_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pipeline_counts (account, region, n) VALUES (NEW.account, NEW.region, 1)
        ON CONFLICT (account, region) DO UPDATE SET n = pipeline_counts.n + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER pipeline_counts_insert AFTER INSERT ON image_pipelines
    FOR EACH ROW EXECUTE FUNCTION pipeline_counts_insert();

CREATE FUNCTION pipeline_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pipeline_counts SET n = n - 1 WHERE account = OLD.account AND region = OLD.region;
    RETURN NULL;
END;
$$;
CREATE TRIGGER pipeline_counts_delete AFTER DELETE ON image_pipelines
    FOR EACH ROW EXECUTE FUNCTION pipeline_counts_delete();
