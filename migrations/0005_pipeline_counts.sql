-- Templates per tenant, kept exact by triggers in the same transaction as every insert and delete,
-- so an unfiltered DescribeImagePipelines reads its TotalCount instead of counting the tenant's
-- rows. Never edit an applied migration: add a new file.

CREATE TABLE pipeline_counts (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (account, region)
);

INSERT INTO pipeline_counts (account, region, n)
    SELECT account, region, COUNT(*) FROM image_pipelines GROUP BY account, region;

CREATE TRIGGER pipeline_counts_insert AFTER INSERT ON image_pipelines BEGIN
    INSERT INTO pipeline_counts (account, region, n) VALUES (NEW.account, NEW.region, 1)
        ON CONFLICT (account, region) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER pipeline_counts_delete AFTER DELETE ON image_pipelines BEGIN
    UPDATE pipeline_counts SET n = n - 1 WHERE account = OLD.account AND region = OLD.region;
END;
