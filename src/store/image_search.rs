//! SQL for DescribeImages over custom images: the filters SQL can express, the visibility of an
//! image to an account split into parts that each walk one index in the answer's order (newest
//! first, then by ID), a `LIMIT` of the rows the requested page can need, and the total number of
//! matches (from `image_counts`, migration 0015, when only the owner and status narrow it). One
//! round trip returns the rows with their tags and share flags.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use super::images::{VisibleImage, COLUMNS, RESOURCE_TYPE_IMAGE};
use super::sql::Sql;
use super::Store;
use crate::domain::image::{Image, ImageStatus};
use crate::domain::tags::{Tag, TagFilter};

/// The filters of DescribeImages that SQL applies to custom images (all must hold).
#[derive(Debug, Default, Clone)]
pub struct ImageSearch<'a> {
    /// The caller's own images (`ImageOwnerAlias` empty or `self`).
    pub own: bool,
    /// Other accounts' images (`ImageOwnerAlias` empty or `others`): shared with the caller, or
    /// community images when `community`.
    pub others: bool,
    /// `IsPublic=true`: community images only.
    pub community: bool,
    /// `ImageOwnerId`: the owner of other accounts' images.
    pub owner_id: Option<&'a str>,
    pub ids: &'a [String],
    pub family: Option<&'a str>,
    /// Each must equal the architecture (`Architecture`, the `InstanceType`'s).
    pub architectures: Vec<&'a str>,
    pub resource_group_id: Option<&'a str>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
    /// The status at `now_ms` is one of these (`None`: any).
    pub statuses: Option<&'a [ImageStatus]>,
    /// `Usable`: whether the status at `now_ms` is `Available`.
    pub usable: Option<bool>,
    pub tags: &'a [TagFilter],
    pub now_ms: i64,
}

/// The matches of an [`ImageSearch`]: the newest `limit` (all without a limit) and their number.
#[derive(Debug)]
pub struct ImageMatches {
    pub images: Vec<VisibleImage>,
    pub total: i64,
}

/// One row of the page query: an image, its share flag and one of its tags (if any).
struct Joined {
    image: Image,
    shared: bool,
    tag: Option<Tag>,
}

impl<'r> FromRow<'r, AnyRow> for Joined {
    fn from_row(row: &'r AnyRow) -> Result<Self, sqlx::Error> {
        let key: Option<String> = row.try_get("tag_key")?;
        let value: Option<String> = row.try_get("tag_value")?;
        Ok(Joined {
            image: Image::from_row(row)?,
            shared: row.try_get::<i64, _>("shared")? != 0,
            tag: key.map(|key| Tag { key, value: value.unwrap_or_default() }),
        })
    }
}

impl ImageSearch<'_> {
    /// Whether the count of matches can be read from `image_counts` (only owner and status narrow).
    fn counted(&self) -> bool {
        !self.community
            && self.ids.is_empty()
            && self.family.is_none()
            && self.architectures.is_empty()
            && self.resource_group_id.is_none()
            && self.created_after.is_none()
            && self.created_before.is_none()
            && self.usable.is_none()
            && self.tags.is_empty()
    }

    /// The status of `i` at `now_ms` (a copy is `Creating` until it is due; `Lifecycle::status`).
    fn push_status(&self, qb: &mut Sql<'_>) {
        qb.push("(CASE WHEN i.status = 'Creating' AND i.copy_ready_ms IS NOT NULL AND i.copy_ready_ms <= ")
            .push_bind(self.now_ms)
            .push(" THEN (CASE WHEN i.copy_error IS NULL THEN 'Available' ELSE 'CreateFailed' END) ELSE i.status END)");
    }

    /// ` AND …` for every filter but the owner.
    fn push_filters(&self, qb: &mut Sql<'_>) {
        if !self.ids.is_empty() {
            qb.push(" AND i.id IN (").push_bind_list(self.ids.iter().cloned()).push(")");
        }
        if let Some(family) = self.family {
            qb.push(" AND i.family = ").push_bind(family.to_string());
        }
        for architecture in &self.architectures {
            qb.push(" AND i.architecture = ").push_bind(architecture.to_string());
        }
        if let Some(rg) = self.resource_group_id {
            qb.push(" AND i.resource_group_id = ").push_bind(rg.to_string());
        }
        if let Some(t) = self.created_after {
            qb.push(" AND i.created_ms >= ").push_bind(t);
        }
        if let Some(t) = self.created_before {
            qb.push(" AND i.created_ms <= ").push_bind(t);
        }
        if let Some(statuses) = self.statuses {
            qb.push(" AND ");
            self.push_status(qb);
            qb.push(" IN (").push_bind_list(statuses.iter().map(|s| s.as_str())).push(")");
        }
        if let Some(usable) = self.usable {
            qb.push(" AND ");
            self.push_status(qb);
            qb.push(if usable { " = 'Available'" } else { " <> 'Available'" });
        }
        for tag in self.tags {
            qb.push(" AND EXISTS (SELECT 1 FROM tags t WHERE t.resource_type = ")
                .push_bind(RESOURCE_TYPE_IMAGE)
                .push(" AND t.resource_id = i.id AND t.key = ")
                .push_bind(tag.key.clone());
            if let Some(value) = &tag.value {
                qb.push(" AND t.value = ").push_bind(value.clone());
            }
            qb.push(")");
        }
    }

    /// The `WHERE` of each part of the visible images (each walks one index): the caller's own;
    /// other accounts' community images (`IsPublic=true`) or those shared with the caller.
    fn push_parts(&self, qb: &mut Sql<'_>, account: &str, region: &str, select: &str) {
        let mut first = true;
        if self.own {
            qb.push(select).push(" FROM images i WHERE i.account = ").push_bind(account.to_string());
            qb.push(" AND i.region = ").push_bind(region.to_string());
            if self.community {
                qb.push(" AND i.is_public = 1");
            }
            self.push_filters(qb);
            first = false;
        }
        if self.others {
            if !first {
                qb.push(" UNION ALL ");
            }
            qb.push(select).push(" FROM images i WHERE i.region = ").push_bind(region.to_string());
            qb.push(" AND i.account <> ").push_bind(account.to_string());
            if self.community {
                qb.push(" AND i.is_public = 1");
            } else {
                qb.push(" AND i.is_public = 0 AND i.id IN (SELECT s.image_id FROM image_shares s WHERE s.account = ")
                    .push_bind(account.to_string())
                    .push(")");
            }
            if let Some(owner) = self.owner_id {
                qb.push(" AND i.account = ").push_bind(owner.to_string());
            }
            self.push_filters(qb);
        }
    }
}

impl Store {
    /// The custom images `account` sees in `region` that match `search`, newest first (then by
    /// ID): the first `limit` (every match if `None`) with their tags and share flags in one query,
    /// and the number of matches.
    pub async fn search_images(
        &self,
        account: &str,
        region: &str,
        search: &ImageSearch<'_>,
        limit: Option<i64>,
    ) -> Result<ImageMatches, sqlx::Error> {
        if !search.own && !search.others {
            return Ok(ImageMatches { images: Vec::new(), total: 0 });
        }
        let mut conn = self.reader.acquire().await?;
        let mut page = Sql::new(
            "SELECT x.*, CAST(CASE WHEN EXISTS (SELECT 1 FROM image_shares s WHERE s.image_id = x.id) THEN 1 ELSE 0 END \
             AS BIGINT) AS shared, t.key AS tag_key, t.value AS tag_value FROM (",
        );
        search.push_parts(&mut page, account, region, &format!("SELECT {COLUMNS}"));
        page.push(" ORDER BY created_ms DESC, id DESC");
        if let Some(limit) = limit {
            page.push(" LIMIT ").push_bind(limit);
        }
        page.push(") x LEFT JOIN tags t ON t.resource_type = ")
            .push_bind(RESOURCE_TYPE_IMAGE)
            .push(" AND t.resource_id = x.id ORDER BY x.created_ms DESC, x.id DESC, t.position");
        let rows: Vec<Joined> = page.query_as()?.fetch_all(&mut *conn).await?;
        let mut images: Vec<VisibleImage> = Vec::new();
        for row in rows {
            match images.last_mut() {
                Some(last) if last.image.id == row.image.id => last.tags.extend(row.tag),
                _ => images.push(VisibleImage {
                    tags: row.tag.into_iter().collect(),
                    shared: row.shared && row.image.account == account,
                    image: row.image,
                }),
            }
        }
        let fetched = i64::try_from(images.len()).unwrap_or(i64::MAX);
        if limit.is_none_or(|limit| fetched < limit) {
            return Ok(ImageMatches { images, total: fetched });
        }
        let total = if search.counted() {
            self.counted_images(&mut conn, account, region, search).await?
        } else {
            let mut count = Sql::new("SELECT COUNT(*) FROM (");
            search.push_parts(&mut count, account, region, "SELECT i.id");
            count.push(") x");
            let (n,): (i64,) = count.query_as()?.fetch_one(&mut *conn).await?;
            n
        };
        Ok(ImageMatches { images, total })
    }

    /// The number of matches of a search narrowed by owner and status only: the caller's own
    /// images from `image_counts` (kept by triggers) plus its copies in flight whose status has
    /// moved on, and the images shared with it counted one by one.
    async fn counted_images(
        &self,
        conn: &mut sqlx::AnyConnection,
        account: &str,
        region: &str,
        search: &ImageSearch<'_>,
    ) -> Result<i64, sqlx::Error> {
        // CAST: PostgreSQL's SUM of a BIGINT is a NUMERIC, which the store does not decode.
        let mut qb = Sql::new("SELECT CAST(");
        if search.own {
            qb.push("COALESCE((SELECT SUM(c.n) FROM image_counts c WHERE c.account = ")
                .push_bind(account.to_string())
                .push(" AND c.region = ")
                .push_bind(region.to_string());
            if let Some(statuses) = search.statuses {
                // A stored `Creating` image is counted below by its status now.
                let stored: Vec<&str> =
                    statuses.iter().filter(|s| **s != ImageStatus::Creating).map(|s| s.as_str()).collect();
                qb.push(" AND c.status IN (''");
                for status in stored {
                    qb.push(", ").push_bind(status);
                }
                qb.push(")");
                qb.push("), 0) + (SELECT COUNT(*) FROM images i WHERE i.account = ")
                    .push_bind(account.to_string())
                    .push(" AND i.region = ")
                    .push_bind(region.to_string())
                    .push(" AND i.status = 'Creating' AND ");
                search.push_status(&mut qb);
                qb.push(" IN (").push_bind_list(statuses.iter().map(|s| s.as_str())).push("))");
            } else {
                qb.push("), 0)");
            }
        } else {
            qb.push("0");
        }
        qb.push(" + ");
        if search.others {
            let others = ImageSearch { own: false, ..search.clone() };
            qb.push("(SELECT COUNT(*) FROM (");
            others.push_parts(&mut qb, account, region, "SELECT i.id");
            qb.push(") x)");
        } else {
            qb.push("0");
        }
        qb.push(" AS BIGINT)");
        let (n,): (i64,) = qb.query_as()?.fetch_one(&mut *conn).await?;
        Ok(n)
    }
}
