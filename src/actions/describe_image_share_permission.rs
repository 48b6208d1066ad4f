//! `DescribeImageSharePermission` (ECS API): the accounts an owned custom image is shared with.

use serde::Serialize;

use super::wire;
use super::{region, Ctx};
use crate::domain::refusal::Refusal;
use crate::domain::paging::NumberPage;
use crate::domain::time::format_ms;
use crate::error::ApiResult;
use crate::params::Params;

pub struct Request {
    region: String,
    image_id: String,
    page: NumberPage,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let image_id = params.required_str("ImageId")?.to_string();
    let page = wire::number_page(params)?;
    Ok(Request { region, image_id, page })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    region_id: String,
    image_id: String,
    total_count: usize,
    page_number: i64,
    page_size: i64,
    share_groups: ShareGroups,
    accounts: Accounts,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ShareGroups {
    share_group: [&'static str; 0],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Accounts {
    account: Vec<Account>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Account {
    aliyun_id: String,
    shared_time: String,
}

pub async fn execute(ctx: &Ctx<'_>, Request { region, image_id, page }: Request) -> ApiResult<Response> {
    let accounts = ctx
        .state
        .store
        .image_share_accounts(&ctx.caller.account, &region, &image_id)
        .await?
        .ok_or_else(|| Refusal::ImageNotFound { id: image_id.clone() })?;
    let total_count = accounts.len();
    let account = page
        .slice(accounts)
        .into_iter()
        .map(|(aliyun_id, at)| Account { aliyun_id, shared_time: format_ms(at) })
        .collect();
    Ok(Response {
        region_id: region,
        image_id,
        total_count,
        page_number: page.number,
        page_size: page.size,
        share_groups: ShareGroups { share_group: [] },
        accounts: Accounts { account },
    })
}
