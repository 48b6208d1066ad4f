//! The one place a business refusal of `domain` becomes a wire error: each [`Refusal`] with its
//! `Code` (see `crate::error`) and message.

use crate::domain::refusal::{CopyEnd, Refusal};
use crate::error::{ApiError, Code};

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        use Refusal as R;
        let with = ApiError::with_message;
        match refusal {
            R::TokenReused => Code::IdempotentParameterMismatch.into(),
            R::DryRun => Code::DryRunOperation.into(),

            R::PipelineNotFound { id } => {
                with(Code::InvalidImagePipelineNotFound, format!("The specified ImagePipelineId \"{id}\" does not exist."))
            }
            R::PipelineQuota { quota } => with(
                Code::QuotaExceedImagePipeline,
                format!("The image template quota ({quota}) of your account in this region is used up."),
            ),
            R::RunningExecution { pipeline_id, execution_id, status } => with(
                Code::InvalidImagePipelineHasRunningExecution,
                format!("The image pipeline \"{pipeline_id}\" already has a running execution \"{execution_id}\" ({status})."),
            ),
            R::DeleteWithRunningExecution { pipeline_id, execution_id, status } => with(
                Code::InvalidImagePipelineHasRunningExecution,
                format!("The image pipeline \"{pipeline_id}\" has a running execution \"{execution_id}\" ({status})."),
            ),

            R::ExecutionNotFound { id } => with(
                Code::InvalidImagePipelineExecutionIdNotFound,
                format!("The specified ImagePipelineExecutionId \"{id}\" does not exist."),
            ),
            R::CancelFinished => Code::InvalidStatusCancelFailed.into(),
            R::CancelNotNow { id, status } => with(
                Code::InvalidStatusImagePipelineExecution,
                format!(
                    "The execution \"{id}\" is {status} and can only be cancelled while PREPARING, REPAIRING or BUILDING."
                ),
            ),

            R::ComponentQuota { quota } => {
                with(Code::QuotaExceedImageComponent, format!("Image component quota ({quota}) exceeded in current region."))
            }
            R::ComponentMajorExhausted { name, highest } => with(
                Code::InvalidParameterComponentVersion,
                format!("The major version of \"{name}\" cannot grow past {highest}."),
            ),
            R::ComponentVersionExists { name, version } => with(
                Code::InvalidComponentVersionExist,
                format!("The specified ComponentVersion \"{version}\" does exist with the specified Name \"{name}\"."),
            ),
            R::ComponentNotFound { id } => {
                with(Code::InvalidImageComponentNotFound, format!("The specified image component \"{id}\" does not exist."))
            }
            R::ComponentInUse { id, pipeline_id } => with(
                Code::InvalidImageComponentInUse,
                format!("The image component \"{id}\" is used by the image template \"{pipeline_id}\" and cannot be deleted."),
            ),

            R::ImageNotFound { id } => {
                with(Code::InvalidImageIdNotFound, format!("The specified ImageId \"{id}\" does not exist."))
            }
            R::ImageNameTaken { name } => {
                with(Code::InvalidImageNameDuplicated, format!("The specified Image name \"{name}\" has already bean used."))
            }
            R::ImageShared => Code::ImageUseShared.into(),
            R::ShareQuota { max_accounts } => with(
                Code::QuotaExceedShareImageUser,
                format!("The shared Image user Quota exceeds: an image can be shared with at most {max_accounts} accounts."),
            ),
            R::CopyNameTaken { name, region } => with(
                Code::InvalidImageNameDuplicated,
                format!("The image name \"{name}\" is already in use in region \"{region}\"."),
            ),
            R::CopyConflict { source, destination, other } => with(
                Code::OperationDeniedImageCopyConflict,
                format!("The image \"{source}\" is already being copied to \"{destination}\" as \"{other}\"."),
            ),
            R::CopyNotInFlight(end) => with(
                Code::IncorrectImageStatus,
                match end {
                    CopyEnd::Failed => "The Image copy has been failed.",
                    CopyEnd::Completed => "The image has completed copy.",
                    CopyEnd::NotCopying => "The specified image is not coping.",
                }
                .to_string(),
            ),

            R::ResourceTypeNotFound => Code::InvalidResourceTypeNotFound.into(),
            R::ResourceNotFound { id } => with(
                Code::InvalidResourceIdNotFound,
                format!("The ResourceId \"{id}\" provided does not exist in our records."),
            ),
            R::ResourcesNotFound { ids } => with(
                Code::InvalidResourceIdNotFound,
                format!("The specified ResourceIds are not found in our records: {}.", ids.join(", ")),
            ),
            R::ResourceGroupDuplicate { id, group } => with(
                Code::InvalidResourceGroupDuplicate,
                format!("The ResourceId \"{id}\" provided has the ResourceGroup \"{group}\" in our records."),
            ),
            R::TagKeyDuplication { id, key } => with(
                Code::TagKeyDuplication,
                format!("The TagKey \"{key}\" has duplication with others on \"{id}\", case-insensitive."),
            ),
            R::TagQuota { id, count, max } => with(
                Code::OperationDeniedQuotaExceed,
                format!(
                    "The quota of tags on resource is beyond permitted range: \"{id}\" would carry {count} tags (at most {max})."
                ),
            ),

            R::VpcNotFound { id } => with(Code::InvalidVpcIdNotFound, format!("Specified VPC \"{id}\" does not exist.")),
            R::VSwitchNotFound { id } => {
                with(Code::InvalidVSwitchIdNotFound, format!("Specified virtual switch \"{id}\" does not exist."))
            }
            R::VpcPending { id } => with(Code::IncorrectVpcStatus, pending(&id)),
            R::VSwitchPending { id } => with(Code::IncorrectVSwitchStatus, pending(&id)),
            R::VpcHasVSwitches { id, count } => with(
                Code::DependencyViolationVSwitch,
                format!("Specified object has dependent resources: VPC \"{id}\" still has {count} vSwitch(es)."),
            ),
            R::VSwitchUsedByBuild { id, execution_id } => with(
                Code::DependencyViolation,
                format!("Specified object has dependent resources: the transit instance of build \"{execution_id}\" runs in vSwitch \"{id}\"."),
            ),
            R::VSwitchUsedByTemplate { id, pipeline_id } => with(
                Code::DependencyViolation,
                format!("Specified object has dependent resources: image template \"{pipeline_id}\" uses vSwitch \"{id}\"."),
            ),
            R::Cidr { problem, requested } => problem.to_error(&requested),
        }
    }
}

/// `IncorrectVpcStatus` / `IncorrectVSwitchStatus`: a network still `Pending`.
fn pending(id: &str) -> String {
    format!("\"{id}\" is Pending; only an Available resource can be deleted.")
}
