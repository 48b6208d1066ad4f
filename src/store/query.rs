//! Query-building pieces every filtered listing shares: the tenant scope and `IN (…)` lists.

use super::sql::Sql;
use super::Backend;

/// ` WHERE a.account = $n AND a.region = $m` for the table alias `alias`.
pub(super) fn push_tenant(qb: &mut Sql<'_>, alias: &str, account: &str, region: &str) {
    qb.push(format!(" WHERE {alias}.account = ")).push_bind(account.to_string());
    qb.push(format!(" AND {alias}.region = ")).push_bind(region.to_string());
}

/// The tenant scope of a listing filtered by tags: the same condition, written (on SQLite,
/// `+column`: [`Backend::tenant_column_for_tags`]) so that SQLite does not walk the tenant's index
/// (every row of the account) but drives the query from the tag index (`tags::push_filters`),
/// whatever the table size.
pub(super) fn push_tenant_for_tags(
    qb: &mut Sql<'_>,
    backend: Backend,
    alias: &str,
    account: &str,
    region: &str,
    tag_filtered: bool,
) {
    if !tag_filtered {
        return push_tenant(qb, alias, account, region);
    }
    qb.push(format!(" WHERE {} = ", backend.tenant_column_for_tags(alias, "account"))).push_bind(account.to_string());
    qb.push(format!(" AND {} = ", backend.tenant_column_for_tags(alias, "region"))).push_bind(region.to_string());
}

/// ` AND column IN ($n, …)` unless `values` is empty (an empty filter matches everything).
pub(super) fn push_in<I>(qb: &mut Sql<'_>, column: &str, values: I)
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    let values: Vec<String> = values.into_iter().map(Into::into).collect();
    if values.is_empty() {
        return;
    }
    qb.push(format!(" AND {column} IN ("));
    qb.push_bind_list(values);
    qb.push(")");
}
