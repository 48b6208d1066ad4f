//! STS (2015-04-01) `GetCallerIdentity`: who is calling, as the emulator resolved it from the
//! AccessKeyId (or, with strict auth, the verified signature). The caller is the account's root
//! identity: `IdentityType=Account`, `Arn=acs:ram::<account>:root`, user and principal = account.
//! <https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-getcalleridentity>

use serde_json::{json, Value};

use super::Ctx;
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let account = &ctx.caller.account;
    Ok(json!({
        "AccountId": account,
        "UserId": account,
        "PrincipalId": account,
        "IdentityType": "Account",
        "Arn": format!("acs:ram::{account}:root"),
    }))
}
