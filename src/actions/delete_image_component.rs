//! `DeleteImageComponent` (docs/reference.md §7.3): deletes one of the caller's custom components; refused
//! while a template uses it (`403 InvalidImageComponent.InUse`). System components cannot be
//! deleted: the docs leave the error open (docs/reference.md §9 item 15) and we take the spec's
//! suggestion, `404 InvalidImageComponent.NotFound`.


use super::{region, Ctx};
use crate::catalog::components as system;
use crate::domain::component;
use crate::domain::refusal::Refusal;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

pub struct Request {
    region: String,
    id: String,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let id = params.required_str("ImageComponentId")?;
    if system::is_system(id) {
        return Err(ApiError::with_message(
            Code::InvalidImageComponentNotFound,
            format!(
                "The image component \"{id}\" is a system component (Owner=ALIYUN); only custom components can be deleted."
            ),
        ));
    }
    Ok(Request { region, id: id.to_string() })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, Request { region, id }: Request) -> ApiResult<Response> {
    let mut tx = ctx.state.store.write().await?;
    let Some(component) = tx.component(&ctx.caller.account, &region, &id).await? else {
        return Err(Refusal::ComponentNotFound { id }.into());
    };
    component::check_unused(&component, &tx.pipelines_of(&ctx.caller.account, &region).await?)?;
    tx.delete_component(&id).await?;
    tx.commit().await?;
    Ok(Response {})
}
