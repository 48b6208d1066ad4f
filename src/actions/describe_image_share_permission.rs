//! `DescribeImageSharePermission` (ECS API): the accounts an owned custom image is shared with.

use serde_json::{json, Value};

use super::wire;
use super::{region, Ctx};
use crate::domain::paging::NumberPage;
use crate::domain::time::format_ms;
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let image_id = ctx.params.required_str("ImageId")?;
    let page = wire::number_page(ctx.params)?;
    let accounts = ctx.state.store.image_share_accounts(&ctx.caller.account, &region, image_id).await?;
    let total = accounts.len();
    let items: Vec<Value> = page
        .slice(accounts)
        .into_iter()
        .map(|(account, at)| json!({ "AliyunId": account, "SharedTime": format_ms(at) }))
        .collect();
    Ok(json!({
        "RegionId": region,
        "ImageId": image_id,
        "TotalCount": total,
        "PageNumber": page.number,
        "PageSize": page.size,
        "ShareGroups": { "ShareGroup": [] },
        "Accounts": { "Account": items },
    }))
}
