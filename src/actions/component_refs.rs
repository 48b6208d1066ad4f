//! Resolves the `COMPONENT` commands of a template (docs/reference.md §6.4) against the tenant's custom
//! components and the system catalog: by ID, or by name ARN, where the highest version matching
//! the pattern wins. Checks each component against the field it is used in (Build components in
//! `BuildContent`, Test components in `TestContent`, Linux only) and the `--name value` arguments
//! against its parameters. Runs when a template is created and again when a build starts, so a
//! version published in between is picked up. It takes the contents as parsed [`Program`]s: each
//! request parses a content once.

use crate::catalog::components::{self as system, SYSTEM_ACCOUNT};
use crate::domain::component::{Component, Resolved, SystemType};
use crate::domain::template::{Command, ComponentRef, Context, Program};
use crate::error::{ApiError, ApiResult, Code};
use crate::store::Store;

/// Resolves every component of a template's `BuildContent` and `TestContent` (parsed and
/// validated by [`super::content::parse`]).
pub async fn resolve_contents(
    store: &Store,
    account: &str,
    region: &str,
    build: Option<&Program>,
    test: Option<&Program>,
) -> ApiResult<Resolved> {
    let mut resolved = Resolved::new();
    for (program, context) in [(build, Context::Build), (test, Context::Test)] {
        let Some(program) = program else { continue };
        for step in &program.steps {
            if let Command::Component { reference, params } = &step.command {
                let where_ = format!("{} line {}", field(context), step.line);
                let component = find(store, account, region, reference).await?.ok_or_else(|| {
                    ApiError::with_message(
                        Code::ImageComponentNotFound,
                        format!("The specified image component \"{reference}\" ({where_}) is not found."),
                    )
                })?;
                check_usable(&component, context, &where_)?;
                component
                    .check_args(params)
                    .map_err(|why| ApiError::with_message(generic_code(context), format!("{where_}: {why}.")))?;
                resolved.insert(reference.to_string(), component);
            }
        }
    }
    Ok(resolved)
}

fn field(context: Context) -> &'static str {
    match context {
        Context::Build => "BuildContent",
        Context::Test => "TestContent",
        Context::Component => "Content",
    }
}

fn generic_code(context: Context) -> Code {
    match context {
        Context::Build => Code::InvalidParameterBuildContent,
        Context::Test => Code::InvalidParameterTestContent,
        Context::Component => Code::InvalidParameterContent,
    }
}

/// The component a reference designates for the tenant, if any. An ARN must name the template's
/// region and either the caller's account (custom components) or [`SYSTEM_ACCOUNT`] (system
/// components); the caller's own components win when both match.
async fn find(store: &Store, account: &str, region: &str, reference: &ComponentRef) -> ApiResult<Option<Component>> {
    match reference {
        ComponentRef::Id(id) => match store.get_component(account, region, id).await? {
            Some(component) => Ok(Some(component)),
            None => Ok(system::by_id(region, id)),
        },
        ComponentRef::Arn { region: arn_region, account: arn_account, name, version } => {
            if arn_region != region {
                return Ok(None);
            }
            let mut found = None;
            if arn_account == account {
                found = store.latest_component(account, region, name, version).await?;
            }
            if found.is_none() && arn_account == SYSTEM_ACCOUNT {
                found = system::latest(region, name, version);
            }
            Ok(found)
        }
    }
}

/// `400 InvalidImageComponent.NotSupported` for a component of the other field's type, or a
/// Windows component (templates build Linux images only).
fn check_usable(component: &Component, context: Context, where_: &str) -> ApiResult<()> {
    if component.system_type == SystemType::Windows {
        return Err(ApiError::with_message(
            Code::InvalidImageComponentNotSupported,
            format!(
                "The image component {} ({where_}) is a Windows component; image templates build Linux images only.",
                component.label()
            ),
        ));
    }
    let wanted = component.component_type.context();
    if wanted != context {
        return Err(ApiError::with_message(
            Code::InvalidImageComponentNotSupported,
            format!(
                "The image component {} ({where_}) is a {} component; it can be used only in {}.",
                component.label(),
                component.component_type.as_str(),
                field(wanted)
            ),
        ));
    }
    Ok(())
}
