//! BssOpenApi (2017-12-14) `QueryAvailableInstances`: subscription instances of the account.
//! The emulator sells none, so the list is always empty. The Terraform provider calls it at
//! configure time to tell a domestic account from an international one: a success (no error)
//! leaves it on `Domestic`, with no retry.
//! <https://www.alibabacloud.com/help/en/user-center/developer-reference/api-bssopenapi-2017-12-14-queryavailableinstances>

use serde_json::{json, Value};

use super::Ctx;
use crate::domain::limits::{BSS_PAGE_SIZE as PAGE_SIZE, DEFAULT_BSS_PAGE_SIZE as DEFAULT_PAGE_SIZE};
use crate::error::{ApiError, ApiResult};

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let page_num = ctx.params.opt_i64("PageNum")?.unwrap_or(1);
    if page_num < 1 {
        return Err(ApiError::invalid_param("PageNum"));
    }
    let page_size = ctx.params.opt_i64("PageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(PAGE_SIZE.0..=PAGE_SIZE.1).contains(&page_size) {
        return Err(ApiError::invalid_param("PageSize"));
    }
    Ok(json!({
        "Code": "Success",
        "Message": "Successful!",
        "Success": true,
        "Data": {
            "PageNum": page_num,
            "PageSize": page_size,
            "TotalCount": 0,
            "InstanceList": [],
        },
    }))
}
