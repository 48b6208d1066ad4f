//! STS (2015-04-01) `GetCallerIdentity`: who is calling, as the emulator resolved it from the
//! AccessKeyId (or, with strict auth, the verified signature). The caller is the account's root
//! identity: `IdentityType=Account`, `Arn=acs:ram::<account>:root`, user and principal = account.
//! <https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-getcalleridentity>

use serde::Serialize;

use super::Ctx;
use crate::error::ApiResult;
use crate::params::Params;

/// The action takes no parameters.
pub struct Request;

pub fn parse(_params: &Params) -> ApiResult<Request> {
    Ok(Request)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    account_id: String,
    user_id: String,
    principal_id: String,
    identity_type: &'static str,
    arn: String,
}

pub async fn execute(ctx: &Ctx<'_>, _request: Request) -> ApiResult<Response> {
    let account = &ctx.caller.account;
    Ok(Response {
        account_id: account.clone(),
        user_id: account.clone(),
        principal_id: account.clone(),
        identity_type: "Account",
        arn: format!("acs:ram::{account}:root"),
    })
}
