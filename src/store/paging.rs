//! Keyset paging shared by every Describe query (newest first, then by ID): the condition that
//! starts a page after a cursor, the order and limit, and splitting off the row that proves a next
//! page exists. A page fetches `max_results + 1` rows; the extra one is never returned.

use super::sql::Sql;

use crate::domain::paging::{Cursor, Page};

/// ` AND (created < c OR (created = c AND id < i))` for the table alias `alias`.
pub(super) fn push_after(qb: &mut Sql<'_>, alias: &str, after: Option<&Cursor>) {
    if let Some(after) = after {
        qb.push(format!(" AND ({alias}.created_ms < "))
            .push_bind(after.created_ms)
            .push(format!(" OR ({alias}.created_ms = "))
            .push_bind(after.created_ms)
            .push(format!(" AND {alias}.id < "))
            .push_bind(after.id.clone())
            .push("))");
    }
}

/// ` ORDER BY created DESC, id DESC LIMIT max_results + 1`.
pub(super) fn push_order_limit(qb: &mut Sql<'_>, alias: &str, page: &Page) {
    qb.push(format!(" ORDER BY {alias}.created_ms DESC, {alias}.id DESC LIMIT ")).push_bind(page.max_results + 1);
}

/// Drops the extra row, if any, and returns the cursor of the next page.
pub(super) fn split_next<T>(items: &mut Vec<T>, page: &Page, cursor: impl Fn(&T) -> Cursor) -> Option<Cursor> {
    let limit = usize::try_from(page.max_results).unwrap_or(usize::MAX);
    if items.len() > limit {
        items.truncate(limit);
        items.last().map(cursor)
    } else {
        None
    }
}

/// Whether a first page that came back short already tells the total (no COUNT query needed).
pub(super) fn total_is_known(page: &Page, next: Option<&Cursor>) -> bool {
    page.after.is_none() && next.is_none()
}
