//! BssOpenApi (2017-12-14) `QueryAvailableInstances`: subscription instances of the account.
//! The emulator sells none, so the list is always empty. The Terraform provider calls it at
//! configure time to tell a domestic account from an international one: a success (no error)
//! leaves it on `Domestic`, with no retry.
//! <https://www.alibabacloud.com/help/en/user-center/developer-reference/api-bssopenapi-2017-12-14-queryavailableinstances>

use serde::Serialize;

use super::Ctx;
use crate::domain::limits::{BSS_PAGE_SIZE as PAGE_SIZE, DEFAULT_BSS_PAGE_SIZE as DEFAULT_PAGE_SIZE};
use crate::error::{ApiError, ApiResult};
use crate::params::Params;

pub struct Request {
    page_num: i64,
    page_size: i64,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let page_num = params.opt_i64("PageNum")?.unwrap_or(1);
    if page_num < 1 {
        return Err(ApiError::invalid_param("PageNum"));
    }
    let page_size = params.opt_i64("PageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(PAGE_SIZE.0..=PAGE_SIZE.1).contains(&page_size) {
        return Err(ApiError::invalid_param("PageSize"));
    }
    Ok(Request { page_num, page_size })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    code: &'static str,
    message: &'static str,
    success: bool,
    data: Data,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Data {
    page_num: i64,
    page_size: i64,
    total_count: u32,
    /// Always empty: the emulator sells no subscriptions.
    instance_list: [(); 0],
}

pub async fn execute(_ctx: &Ctx<'_>, Request { page_num, page_size }: Request) -> ApiResult<Response> {
    Ok(Response {
        code: "Success",
        message: "Successful!",
        success: true,
        data: Data { page_num, page_size, total_count: 0, instance_list: [] },
    })
}
