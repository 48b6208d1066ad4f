-- DescribeImages at scale (issue 14: 1 000 vs 100 000 images in one account; `bench/ratios.py
-- --scale` prints the query plans). The store filters, orders and pages custom images in SQL
-- (store/image_search.rs), one index walk per part of what an account sees. Never edit an
-- applied migration: add a new file.

-- The caller's own images, newest first then by ID (the answer's order): replaces
-- images_by_owner, a prefix of it (one index to keep up on insert, not two).
CREATE INDEX images_by_owner_newest ON images (account, region, created_ms DESC, id DESC);
DROP INDEX images_by_owner;

-- Community images of a region (IsPublic=true), in the answer's order.
CREATE INDEX images_community ON images (region, created_ms DESC, id DESC) WHERE is_public = 1;

-- Copies in flight (their status at a given time is not the stored one): counted one by one.
CREATE INDEX images_copying ON images (account, region) WHERE status = 'Creating';

-- Images per tenant and stored status, kept exact by triggers in the same transaction as every
-- insert, delete and status change, so an unfiltered page reads its TotalCount instead of
-- counting the tenant's rows.
CREATE TABLE image_counts (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    status  TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (account, region, status)
);

INSERT INTO image_counts (account, region, status, n)
    SELECT account, region, status, COUNT(*) FROM images GROUP BY account, region, status;

CREATE TRIGGER image_counts_insert AFTER INSERT ON images BEGIN
    INSERT INTO image_counts (account, region, status, n) VALUES (NEW.account, NEW.region, NEW.status, 1)
        ON CONFLICT (account, region, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER image_counts_delete AFTER DELETE ON images BEGIN
    UPDATE image_counts SET n = n - 1 WHERE account = OLD.account AND region = OLD.region AND status = OLD.status;
END;

CREATE TRIGGER image_counts_update AFTER UPDATE OF account, region, status ON images BEGIN
    UPDATE image_counts SET n = n - 1 WHERE account = OLD.account AND region = OLD.region AND status = OLD.status;
    INSERT INTO image_counts (account, region, status, n) VALUES (NEW.account, NEW.region, NEW.status, 1)
        ON CONFLICT (account, region, status) DO UPDATE SET n = n + 1;
END;
