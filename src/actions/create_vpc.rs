//! `CreateVpc` (VPC 2016-04-28): a VPC in the caller's region with a checked `CidrBlock`
//! (default `172.16.0.0/12`), its vRouter and system route table. It is `Pending` for a few
//! emulator seconds, then `Available`.
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-createvpc

use serde::Serialize;

use super::networks::{opt_description, opt_name, opt_resource_group, refuse_dry_run};
use super::{client_token, region, token_claim, Action, Ctx};
use crate::catalog;
use crate::domain::network::{self, Vpc};
use crate::error::{ApiResult, Code};
use crate::ids::Kind;
use crate::params::Params;

pub struct Request {
    region: String,
    cidr: String,
    name: Option<String>,
    description: Option<String>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    // The mask bounds apply to a block the caller chooses; the documented default is a /12.
    let cidr = match params.opt_str("CidrBlock") {
        Some(text) => network::check_vpc_cidr(text).map_err(|p| p.to_error(text))?.to_string(),
        None => catalog::DEFAULT_VPC_CIDR.to_string(),
    };
    let name = opt_name(params, "VpcName", Code::InvalidVpcNameMalformed)?.map(str::to_string);
    let description = opt_description(params, Code::InvalidVpcDescriptionMalformed)?.map(str::to_string);
    Ok(Request { region, cidr, name, description })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    vpc_id: String,
    #[serde(rename = "VRouterId")]
    vrouter_id: String,
    route_table_id: String,
    resource_group_id: String,
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { region, cidr, name, description } = request;
    // The resource group is checked against the catalog's groups (fixtures included), then the
    // parameters checked after it in the documented order.
    let resource_group_id = opt_resource_group(ctx)?;
    let enable_ipv6 = ctx.params.opt_bool("EnableIpv6")?.unwrap_or(false);
    refuse_dry_run(ctx.params)?;
    let claim = token_claim(ctx, Action::CreateVpc, &region)?;
    let account = &ctx.caller.account;
    let ids = &ctx.state.ids;
    let id = ids.id(account, Kind::Vpc);
    let vpc = Vpc {
        ipv6_cidr_block: enable_ipv6.then(|| network::ipv6_block(&id)),
        id,
        account: account.clone(),
        region: region.clone(),
        name,
        description,
        cidr_block: cidr,
        resource_group_id: resource_group_id.map(str::to_string),
        vrouter_id: ids.id(account, Kind::VRouter),
        route_table_id: ids.id(account, Kind::RouteTable),
        created_ms: ctx.state.clock.now_ms(),
    };
    let mut tx = ctx.state.store.write().await?;
    let id = match client_token::replayed_in(&mut tx, claim.as_ref()).await? {
        Some(id) => id,
        None => {
            tx.insert_vpc(&vpc).await?;
            client_token::record(&mut tx, claim.as_ref(), &vpc.id, vpc.created_ms).await?;
            tx.commit().await?;
            vpc.id.clone()
        }
    };
    // A ClientToken replay answers with the first VPC.
    let vpc = if id == vpc.id { vpc } else { ctx.state.store.vpc(account, &region, &id).await?.unwrap_or(vpc) };
    Ok(Response {
        vpc_id: vpc.id,
        vrouter_id: vpc.vrouter_id,
        route_table_id: vpc.route_table_id,
        resource_group_id: vpc.resource_group_id.unwrap_or_else(|| catalog::RESOURCE_GROUPS[0].to_string()),
    })
}
