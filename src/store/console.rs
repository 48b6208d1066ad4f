//! Read-only SQL for the web console (`/_emulator/console/`): which accounts and regions hold
//! resources, each template's last build, a region's builds with their progress, one build's
//! images, and the custom images a caller sees with their shares and the build that made them.
//! The same tables the API serves from: the console has no state of its own.

use std::collections::HashMap;

use super::sql::Sql;

use super::Store;
use crate::domain::execution::TERMINAL_SQL;

/// How many resources one (account, region) holds, and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScopeCount {
    pub account: String,
    pub region: String,
    pub templates: i64,
    pub builds: i64,
    pub running: i64,
    pub images: i64,
    pub components: i64,
    pub last_ms: i64,
}

/// The newest build of a template, and how many it has had.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LastBuild {
    pub pipeline_id: String,
    pub execution_id: String,
    pub status: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub builds: i64,
}

/// One build in a region's list, with the name of its template and its progress through the plan.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BuildRow {
    pub id: String,
    pub pipeline_id: String,
    pub pipeline_name: Option<String>,
    pub status: String,
    pub message: String,
    pub image_id: Option<String>,
    pub error_code: Option<String>,
    pub error_info: Option<String>,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub next_due_ms: Option<i64>,
    pub steps_done: i64,
    /// How many steps the plan has (counted from the stored plan, see [`steps_in_plan`]).
    #[sqlx(skip)]
    pub steps_total: i64,
}

/// A [`BuildRow`] as selected, with the stored plan its step count comes from.
#[derive(sqlx::FromRow)]
struct BuildWithPlan {
    #[sqlx(flatten)]
    row: BuildRow,
    /// `None` if no plan is stored (the build then shows 0 steps).
    plan: Option<String>,
}

/// The number of steps of a stored plan (`domain::build::plan_len`); 0 if it cannot be read.
fn steps_in_plan(plan: &str) -> i64 {
    crate::domain::build::plan_len(plan).map_or(0, |steps| i64::try_from(steps).unwrap_or(i64::MAX))
}

/// A custom image with its owner, origin (build, template, copy) and the accounts it is shared with.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConsoleImage {
    pub id: String,
    pub account: String,
    pub region: String,
    pub name: String,
    pub family: Option<String>,
    pub status: String,
    pub source_image: String,
    pub execution_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub pipeline_name: Option<String>,
    pub copied_from: Option<String>,
    pub size_gib: i64,
    pub platform: String,
    pub os_name: String,
    pub architecture: String,
    pub created_ms: i64,
    #[sqlx(skip)]
    pub shared_with: Vec<String>,
}

const IMAGE_COLUMNS: &str = "i.id, i.account, i.region, i.name, i.family, i.status, i.source_image, i.execution_id, \
     e.pipeline_id, p.name AS pipeline_name, i.copied_from, i.size_gib, i.platform, i.os_name, i.architecture, i.created_ms";

impl Store {
    /// Every (account, region) that holds a template, build, image (owned or shared) or component.
    pub async fn console_scopes(&self) -> Result<Vec<ScopeCount>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT account, region, SUM(t) AS templates, SUM(b) AS builds, SUM(r) AS running, SUM(i) AS images, \
             SUM(c) AS components, MAX(at) AS last_ms FROM ( \
             SELECT account, region, 1 AS t, 0 AS b, 0 AS r, 0 AS i, 0 AS c, created_ms AS at FROM image_pipelines \
             UNION ALL SELECT account, region, 0, 1, CASE WHEN status IN {TERMINAL_SQL} THEN 0 ELSE 1 END, 0, 0, \
               modified_ms FROM executions \
             UNION ALL SELECT account, region, 0, 0, 0, 1, 0, created_ms FROM images \
             UNION ALL SELECT s.account, i.region, 0, 0, 0, 1, 0, s.shared_ms FROM image_shares s \
               JOIN images i ON i.id = s.image_id \
             UNION ALL SELECT account, region, 0, 0, 0, 0, 1, created_ms FROM image_components \
             ) AS s GROUP BY account, region ORDER BY account, region"
        ))
        .fetch_all(&self.reader)
        .await
    }

    /// The newest build of every template of (account, region) that has been built.
    pub async fn console_last_builds(
        &self,
        account: &str,
        region: &str,
    ) -> Result<HashMap<String, LastBuild>, sqlx::Error> {
        let rows: Vec<LastBuild> = sqlx::query_as(
            "SELECT e.pipeline_id, e.id AS execution_id, e.status, e.created_ms, e.modified_ms, \
             (SELECT COUNT(*) FROM executions c WHERE c.pipeline_id = e.pipeline_id) AS builds \
             FROM executions e WHERE e.account = $1 AND e.region = $2 AND NOT EXISTS (SELECT 1 FROM executions n \
             WHERE n.pipeline_id = e.pipeline_id AND (n.created_ms > e.created_ms OR (n.created_ms = e.created_ms AND n.id > e.id)))",
        )
        .bind(account)
        .bind(region)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|r| (r.pipeline_id.clone(), r)).collect())
    }

    /// Builds of (account, region), newest first, at most `limit`; optionally only some statuses
    /// (`RUNNING` stands for every non-terminal one) or one template. Also returns how many match.
    pub async fn console_builds(
        &self,
        account: &str,
        region: &str,
        statuses: &[String],
        pipeline_id: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<BuildRow>, i64), sqlx::Error> {
        let filter = |qb: &mut Sql<'_>| {
            qb.push(" WHERE e.account = ").push_bind(account.to_string());
            qb.push(" AND e.region = ").push_bind(region.to_string());
            if let Some(pipeline) = pipeline_id {
                qb.push(" AND e.pipeline_id = ").push_bind(pipeline.to_string());
            }
            if !statuses.is_empty() {
                qb.push(" AND (e.status IN (");
                qb.push_bind_list(statuses.iter().cloned());
                qb.push(")");
                if statuses.iter().any(|s| s == "RUNNING") {
                    qb.push(format!(" OR e.status NOT IN {TERMINAL_SQL}"));
                }
                qb.push(")");
            }
        };
        let mut count = Sql::new("SELECT COUNT(*) FROM executions e");
        filter(&mut count);
        let (total,): (i64,) = count.query_as()?.fetch_one(&self.reader).await?;
        let mut select = Sql::new(
            "SELECT e.id, e.pipeline_id, p.name AS pipeline_name, e.status, e.message, e.image_id, e.error_code, \
             e.error_info, e.created_ms, e.modified_ms, e.next_due_ms, e.cursor AS steps_done, \
             x.plan FROM executions e LEFT JOIN image_pipelines p ON p.id = e.pipeline_id \
             LEFT JOIN execution_plans x ON x.execution_id = e.id",
        );
        filter(&mut select);
        select.push(" ORDER BY e.created_ms DESC, e.id DESC LIMIT ").push_bind(limit);
        let rows: Vec<BuildWithPlan> = select.query_as()?.fetch_all(&self.reader).await?;
        let rows = rows
            .into_iter()
            .map(|BuildWithPlan { mut row, plan }| {
                row.steps_total = plan.as_deref().map_or(0, steps_in_plan);
                row
            })
            .collect();
        Ok((rows, total))
    }

    /// The name of a template, if it still exists.
    pub async fn console_pipeline_name(&self, pipeline_id: &str) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(String,)> = sqlx::query_as("SELECT name FROM image_pipelines WHERE id = $1")
            .bind(pipeline_id)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|(name,)| name))
    }

    /// The images a build made (original first, then copies), with their shares.
    pub async fn console_build_images(&self, execution_id: &str) -> Result<Vec<ConsoleImage>, sqlx::Error> {
        let rows: Vec<ConsoleImage> = sqlx::query_as(&format!(
            "SELECT {IMAGE_COLUMNS} FROM images i LEFT JOIN executions e ON e.id = i.execution_id \
             LEFT JOIN image_pipelines p ON p.id = e.pipeline_id WHERE i.execution_id = $1 \
             ORDER BY i.copied_from IS NOT NULL, i.created_ms, i.seq"
        ))
        .bind(execution_id)
        .fetch_all(&self.reader)
        .await?;
        self.with_shares(rows).await
    }

    /// Custom images in `region` that `account` owns or that are shared with it, newest first.
    pub async fn console_images(&self, account: &str, region: &str) -> Result<Vec<ConsoleImage>, sqlx::Error> {
        let rows: Vec<ConsoleImage> = sqlx::query_as(&format!(
            "SELECT {IMAGE_COLUMNS} FROM images i LEFT JOIN executions e ON e.id = i.execution_id \
             LEFT JOIN image_pipelines p ON p.id = e.pipeline_id WHERE i.region = $1 AND (i.account = $2 OR EXISTS \
             (SELECT 1 FROM image_shares s WHERE s.image_id = i.id AND s.account = $3)) \
             ORDER BY i.created_ms DESC, i.id DESC"
        ))
        .bind(region)
        .bind(account)
        .bind(account)
        .fetch_all(&self.reader)
        .await?;
        self.with_shares(rows).await
    }

    async fn with_shares(&self, mut images: Vec<ConsoleImage>) -> Result<Vec<ConsoleImage>, sqlx::Error> {
        if images.is_empty() {
            return Ok(images);
        }
        let mut query = Sql::new("SELECT image_id, account FROM image_shares WHERE image_id IN (");
        query.push_bind_list(images.iter().map(|image| image.id.clone()));
        query.push(") ORDER BY shared_ms, account");
        let shares: Vec<(String, String)> = query.query_as()?.fetch_all(&self.reader).await?;
        let mut by_image: HashMap<String, Vec<String>> = HashMap::new();
        for (image, account) in shares {
            by_image.entry(image).or_default().push(account);
        }
        for image in &mut images {
            image.shared_with = by_image.remove(&image.id).unwrap_or_default();
        }
        Ok(images)
    }
}
