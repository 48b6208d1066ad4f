-- PostgreSQL twin of migrations/0011_describe_scale_indexes.sql (same version and name; see migrations/postgres/README.md).
-- Indexes that serve both the filter and the order of Describe queries, so a lookup reads only the
-- rows it returns whatever the size of the account (issue 14, scale: 1 000 vs 100 000 templates and
-- builds; `bench/ratios.py --scale` prints the query plans). Without table statistics SQLite
-- prefers an index that serves ORDER BY; before these, each query below walked every row of the
-- tenant through the tenant index. Never edit an applied migration: add a new file.

-- DescribeImagePipelines Name=…: was SEARCH image_pipelines_by_tenant (account=? AND region=?).
-- Replaces image_pipelines_by_name, a prefix of it (one index to keep up on insert, not two).
CREATE INDEX image_pipelines_by_name_newest ON image_pipelines (account, region, name, created_ms DESC, id DESC);
DROP INDEX image_pipelines_by_name;

-- DescribeImagePipelineExecutions ImagePipelineId=… (with or without Status=…): was SEARCH
-- executions_by_tenant (account=? AND region=?).
CREATE INDEX executions_by_tenant_pipeline ON executions (account, region, pipeline_id, created_ms DESC, id DESC);

-- ListTagResources ResourceId.N=…: was SEARCH tags_by_key (account=? AND region=? AND resource_type=?).
CREATE INDEX tags_by_tenant_resource ON tags (account, region, resource_type, resource_id, key);
