//! The one error table: every Alibaba wire code we answer with, its HTTP status and its default
//! message, plus [`ApiError`], the error every action returns.
//!
//! Codes, statuses and fixed messages come from `docs/reference.md` (per-action tables first,
//! then the common gateway codes of §2.7). Where the documentation prints `%s`, the default message
//! is the emulator's own text suggested in docs/reference.md §9 and call sites usually give a precise one.

use axum::http::StatusCode;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident => ($code:literal, $status:literal, $message:literal); )+) => {
        /// A documented wire error code. The variant names the failure; the wire string lives only here.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $( $(#[$doc])* $variant, )+ }

        impl Code {
            /// The `Code` field on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )+ }
            }
            /// The documented HTTP status.
            pub fn status(self) -> StatusCode {
                let status = match self { $( Code::$variant => $status, )+ };
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            /// The documented message, or the emulator's text where the docs print `%s`.
            pub fn default_message(self) -> &'static str {
                match self { $( Code::$variant => $message, )+ }
            }
            /// Every code, for tests and documentation.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )+ ];
        }
    };
}

error_codes! {
    // ---- Gateway / common (docs/reference.md §2.7) ----
    /// A common parameter such as `Action` or `Version` is missing.
    MissingParameter => ("MissingParameter", 400, "The input parameter that is mandatory for processing this request is not supplied.");
    /// A parameter has the wrong type or an unsupported value (docs/reference.md §9 item 3).
    InvalidParameter => ("InvalidParameter", 400, "The specified parameter is not valid.");
    InvalidVersion => ("InvalidVersion", 400, "Specified parameter Version is not valid.");
    InvalidActionNotFound => ("InvalidAction.NotFound", 404, "Specified api is not found, please check your url and method.");
    UnsupportedHttpMethod => ("UnsupportedHTTPMethod", 403, "This http method is not supported.");
    IdempotentParameterMismatch => ("IdempotentParameterMismatch", 400, "The request is retried with updated parameters.");
    InvalidRegionIdNotFound => ("InvalidRegionId.NotFound", 404, "The specified RegionId does not exist.");
    InvalidNextToken => ("Invalid.NextToken", 403, "The specified NextToken is not valid.");
    /// A request the emulator refuses to run: sent from another site by a browser, or to a `Host`
    /// it does not answer to (DNS rebinding). ECS's common `Forbidden` code.
    Forbidden => ("Forbidden", 403, "User not authorized to operate on the specified resource.");
    /// Signature checks (`--auth strict`, docs/reference.md §P3).
    IncompleteSignature => ("IncompleteSignature", 400, "The request signature does not conform to Aliyun standards.");
    SignatureDoesNotMatch => ("SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation.");
    InvalidAccessKeyIdNotFound => ("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found.");
    SignatureNonceUsed => ("SignatureNonceUsed", 400, "Specified signature nonce was used already.");
    InvalidTimeStampExpired => ("InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired.");
    InvalidTimeStampFormat => ("InvalidTimeStamp.Format", 400, "Specified time stamp or date value is not well formatted.");
    /// Flow control (fault injection); SDKs treat codes containing `Throttling` as retryable.
    ThrottlingUser => ("Throttling.User", 400, "Request was denied due to user flow control.");
    Throttling => ("Throttling", 400, "You have made too many requests within a short time; your request is denied due to request throttling.");
    InternalError => ("InternalError", 500, "The request processing has failed due to some unknown error, exception or failure.");
    ServiceUnavailable => ("ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server.");
    /// A required action parameter is missing. docs/reference.md §9 item 2 recommends the modern POP form
    /// `Missing<Param>` with `<Param> is mandatory for this action.`; the code string is built per
    /// parameter (see [`ApiError::missing`]), this entry only carries the status.
    MissingActionParameter => ("Missing", 400, "A parameter is mandatory for this action.");

    // ---- Shared validation (docs/reference.md §2.11) ----
    InvalidNameMalformed => ("InvalidName.Malformed", 400, "The specified Name is not valid.");
    InvalidDescriptionMalformed => ("InvalidDescription.Malformed", 400, "The specified Description is not valid.");
    DuplicateTagKey => ("Duplicate.TagKey", 400, "The Tag.N.Key contain duplicate key.");
    InvalidTagKeyMalformed => ("InvalidTagKey.Malformed", 400, "The specified Tag.N.Key is not valid. Tag keys cannot be empty or null, support up to 128 characters, cannot start with \"aliyun\" or \"acs:\", and cannot contain \"http://\" or \"https://\".");
    InvalidTagValueMalformed => ("InvalidTagValue.Malformed", 400, "The specified Tag.N.Value is not valid. Tag values support up to 128 characters, and cannot contain \"http://\" or \"https://\".");
    NumberExceedTags => ("NumberExceed.Tags", 400, "The Tags parameter's number is exceed , Valid : 20.");

    // ---- CreateImagePipeline (docs/reference.md §3.1.4) ----
    InvalidImageNameMalformed => ("InvalidImageName.Malformed", 400, "The specified ImageName is not valid.");
    InvalidBaseImageTypeNotSupportedValue => ("InvalidBaseImageType.NotSupportedValue", 400, "The specified BaseImageType is not supported.");
    InvalidSystemDiskSizeNotSupportedValue => ("InvalidSystemDiskSize.NotSupportedValue", 400, "The specified SystemDiskSize should be between 20 and 500.");
    InvalidInternetMaxBandwidthOutNotSupportedValue => ("InvalidInternetMaxBandwidthOut.NotSupportedValue", 400, "The specified InternetMaxBandwidthOut should be between 0 and 100.");
    InvalidAddAccountSizeExceededMaxNumber => ("InvalidAddAccountSize.ExceededMaxNumber", 400, "The number of AddAccount.N exceeds the upper limit 20.");
    InvalidToRegionIdSizeExceededMaxNumber => ("InvalidToRegionIdSize.ExceededMaxNumber", 400, "The number of ToRegionId.N exceeds the upper limit 20.");
    InvalidBuildContentLengthExceeded => ("InvalidBuildContent.LengthExceeded", 400, "The size of BuildContent exceeds 16 KB.");
    InvalidImageTemplateCommandSizeExceededMaxNumber => ("InvalidImageTemplateCommandSize.ExceededMaxNumber", 400, "The number of commands exceeds the upper limit 127.");
    DuplicatedCommandFrom => ("DuplicatedCommand.FROM", 400, "The command FROM can appear only once.");
    InvalidCommandOrderFrom => ("InvalidCommandOrder.FROM", 400, "The command FROM must be the first command.");
    InvalidImageTemplateCommandNotSupported => ("InvalidImageTemplateCommand.NotSupported", 400, "The command is not supported.");
    InvalidCommandContentRun => ("InvalidCommandContent.RUN", 400, "The content of command RUN is invalid.");
    InvalidCommandContentEnv => ("InvalidCommandContent.ENV", 400, "The content of command ENV is invalid.");
    InvalidCommandContentWorkdir => ("InvalidCommandContent.WORKDIR", 400, "The content of command WORKDIR is invalid.");
    InvalidCommandContentCopy => ("InvalidCommandContent.COPY", 400, "The content of command COPY is invalid.");
    InvalidCommandContentUser => ("InvalidCommandContent.USER", 400, "The content of command USER is invalid.");
    InvalidCommandContentFrom => ("InvalidCommandContent.FROM", 400, "The content of command FROM is invalid.");
    InvalidCommandContentCmd => ("InvalidCommandContent.CMD", 400, "The content of command CMD is invalid.");
    InvalidCommandContentEntrypoint => ("InvalidCommandContent.ENTRYPOINT", 400, "The content of command ENTRYPOINT is invalid.");
    QuotaExceedImagePipeline => ("QuotaExceed.ImagePipeline", 400, "The image template quota of your account in this region is used up.");
    NoPermission => ("NoPermission", 400, "This operation is not allowed.");
    EmptyCommandContentLabel => ("EmptyCommandContent.LABEL", 400, "The content of command LABEL cannot be empty.");
    EmptyCommandContentEnv => ("EmptyCommandContent.ENV", 400, "The content of command ENV cannot be empty.");
    EmptyCommandContentEntrypoint => ("EmptyCommandContent.ENTRYPOINT", 400, "The content of command ENTRYPOINT cannot be empty.");
    EmptyCommandContentCmd => ("EmptyCommandContent.CMD", 400, "The content of command CMD cannot be empty.");
    EmptyCommandContentCopy => ("EmptyCommandContent.COPY", 400, "The content of command COPY cannot be empty.");
    EmptyCommandContentWorkdir => ("EmptyCommandContent.WORKDIR", 400, "The content of command WORKDIR cannot be empty.");
    EmptyCommandContentUser => ("EmptyCommandContent.USER", 400, "The content of command USER cannot be empty.");
    EmptyCommandContentRun => ("EmptyCommandContent.RUN", 400, "The content of command RUN cannot be empty.");
    NotEmptyCommandContentRestart => ("NotEmptyCommandContent.RESTART", 400, "The command RESTART cannot have content.");
    InvalidImageOsTypeUnsupported => ("InvalidImage.OsTypeUnsupported", 400, "The specified base image does not support image building.");
    InvalidParameterBuildContent => ("InvalidParameter.BuildContent", 400, "The specified BuildContent is invalid.");
    InvalidParameterTestContent => ("InvalidParameter.TestContent", 400, "The specified TestContent is invalid.");
    InvalidImageComponentNotSupported => ("InvalidImageComponent.NotSupported", 400, "The specified image component is not supported here.");
    InvalidParameterCombination => ("InvalidParameterCombination", 400, "Invalid combination of parameters.");
    InvalidParameterRepairMode => ("InvalidParameter.RepairMode", 400, "The specified parameter RepairMode is invalid.");
    InvalidImageFamilyMalformed => ("InvalidImageFamily.Malformed", 400, "The format of the specified image family is invalid.");
    InvalidImageImageOwnerAliasUnsupported => ("InvalidImage.ImageOwnerAliasUnsupported", 400, "The specified base image does not support distributing.");
    InvalidParameterImportImageOptionsArchitecture => ("InvalidParameter.ImportImageOptionsArchitecture", 400, "The specified parameter ImportImageOptions.Architecture is invalid. The correct value should be in [x86_64, arm64].");
    InvalidParameterImportImageOptionsOsType => ("InvalidParameter.ImportImageOptionsOSType", 400, "The specified parameter ImportImageOptions.OSType is invalid. The correct value should be in [windows, linux].");
    InvalidParameterImportImageOptionsBootMode => ("InvalidParameter.ImportImageOptionsBootMode", 400, "The specified parameter ImportImageOptions.BootMode is invalid. The correct value should be in [BIOS, UEFI].");
    InvalidImportImageOptionsDiskDeviceMappingsLengthLimitExceeded => ("InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded", 400, "The length of the specified parameter ImportImageOptions.DiskDeviceMappings exceeds the limit(17).");
    InvalidParameterImportImageOptionsDiskDeviceMappingsOssObject => ("InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject", 400, "The specified parameter ImportImageOptions.DiskDeviceMappings.OSSObject is invalid. OSSObject supports up to 1023 characters, and cannot start with http:// or https://.");
    InvalidParameterImportImageOptionsDiskDeviceMappingsOssBucket => ("InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket", 400, "The specified parameter ImportImageOptions.DiskDeviceMappings.OSSBucket is invalid. OSSBucket supports up to 63 characters, only lowercase letters, numbers, and dashes are allowed, and cannot start or end with a dash.");
    InvalidParameterImportImageOptionsPlatform => ("InvalidParameter.ImportImageOptionsPlatform", 400, "The specified parameter ImportImageOptions.Platform is invalid.");
    InvalidParameterImportImageOptionsLicenseType => ("InvalidParameter.ImportImageOptionsLicenseType", 400, "The specified parameter ImportImageOptions.LicenseType is invalid. The correct value should be in [Auto, Aliyun, BYOL].");
    InvalidParameterImportImageOptionsFeaturesNvmeSupport => ("InvalidParameter.ImportImageOptionsFeaturesNvmeSupport", 400, "The specified parameter ImportImageOptions.Features.NvmeSupport is invalid. The correct value should be in [supported, unsupported].");
    InvalidParameterNvmeSupport => ("InvalidParameter.NvmeSupport", 400, "The specified parameter NvmeSupport is invalid. The correct value should be in [supported, unsupported, auto].");
    InvalidParameterImportImageOptionsDiskDeviceMappingsFormat => ("InvalidParameter.ImportImageOptionsDiskDeviceMappingsFormat", 400, "The specified parameter ImportImageOptions.DiskDeviceMappings.Format is invalid. The correct value should be in [RAW, VHD, QCOW2].");
    InvalidOperationDiskImageSizeExceeded => ("InvalidOperation.DiskImageSizeExceeded", 400, "The disk size exceeds the limit. Please check the specified parameter ImportImageOptions.DiskDeviceMappings.DiskImageSize and ImportImageOptions.DiskDeviceMappings.OSSObject. Ensure that each of them is between 1 and 2048 in size.");
    InvalidImageOptionsDescription => ("InvalidImageOptions.Description", 400, "The specified parameter ImageOptions.Description is invalid. The length should be between 2 to 256 characters, and cannot start with http:// or https://.");
    InvalidImageNameDuplicated => ("InvalidImageName.Duplicated", 400, "The specified image name is already in use in the target region. Please try a different one.");
    InvalidImageNotSupportRepair => ("InvalidImage.NotSupportRepair", 400, "The specified base image does not support repair.");
    InvalidAdvancedOptionsImageNameSuffix => ("InvalidAdvancedOptions.ImageNameSuffix", 400, "The specified parameter AdvancedOptions.ImageNameSuffix is invalid. The correct value should be in [disable].");
    ImagePipelineNotSupportWindowsInstance => ("ImagePipeline.NotSupportWindowsInstance", 403, "Image pipeline does not support windows instance at this time.");
    InvalidImageNotFound => ("InvalidImage.NotFound", 404, "The specified image does not exist.");
    InvalidResourceGroupNotFound => ("InvalidResourceGroup.NotFound", 404, "The ResourceGroup provided does not exist in our records.");
    ImageComponentNotFound => ("ImageComponent.NotFound", 404, "The specified image component is not found.");
    InvalidInstanceTypeNotFound => ("InvalidInstanceType.NotFound", 404, "The specified instance type does not exist.");
    /// A `ZoneId` that is not a zone of the region (DescribeZones / DescribeAvailableResource).
    InvalidZoneIdNotFound => ("InvalidZoneId.NotFound", 404, "The specified zone does not exist.");
    /// ResourceManager GetResourceGroup: no such group for this account.
    EntityNotExistsResourceGroup => ("EntityNotExists.ResourceGroup", 404, "The specified resource group does not exist. You must first create a resource group.");
    /// ResourceManager: a resource group ID that is not well formed.
    InvalidParameterResourceGroupId => ("InvalidParameter.ResourceGroupId", 400, "The ResourceGroupId is invalid.");
    InvalidVSwitchIdNotFound => ("InvalidVSwitchId.NotFound", 404, "The specified VSwitchId does not exist.");
    MissingParameterRepairMode => ("MissingParameter.RepairMode", 404, "The specified parameter RepairMode is missing.");
    MissingParameterImportImageOptions => ("MissingParameter.ImportImageOptions", 404, "The specified parameter ImportImageOptions is missing.");
    MissingParameterImportImageOptionsDiskDeviceMappingsOssObject => ("MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject", 404, "The specified parameter ImportImageOptions.DiskDeviceMappings.OSSObject is missing.");
    MissingParameterImportImageOptionsDiskDeviceMappingsOssBucket => ("MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket", 404, "The specified parameter ImportImageOptions.DiskDeviceMappings.OSSBucket is missing.");
    MissingParameterImageOptionsDiskDeviceMappings => ("MissingParameter.ImageOptionsDiskDeviceMappings", 404, "The specified parameter ImportImageOptions.DiskDeviceMappings is missing.");

    // ---- Build executions (docs/reference.md §4.1–§4.3) ----
    InvalidImagePipelineBaseImageNotFound => ("InvalidImagePipeline.BaseImageNotFound", 404, "The BaseImage of the specified ImagePipeline is not found.");
    StartImagePipelineExecutionFailed => ("StartImagePipelineExecution.Failed", 500, "Start image pipeline execution failed.");
    InvalidStatusCancelFailed => ("InvalidStatus.CancelFailed", 400, "Failed to cancel execution,status is success, failed or cancelled.");
    InvalidStatusImagePipelineExecution => ("InvalidStatus.ImagePipelineExecution", 403, "The execution cannot be cancelled in its current status.");
    InvalidImagePipelineExecutionNotFound => ("InvalidImagePipelineExecution.NotFound", 404, "The specified image pipeline execution does not exist!");
    InvalidImagePipelineExecutionIdNotFound => ("InvalidImagePipelineExecutionId.NotFound", 404, "The specified ImagePipelineExecutionId does not exist.");
    InvalidParameterStatus => ("InvalidParameter.Status", 400, "The specified Status is not valid.");
    MissingParameterImagePipelineId => ("MissingParameter.ImagePipelineId", 400, "The specified parameter ImagePipelineId should not be empty.");
    InvalidExecutionIdSizeExceeded => ("InvalidExecutionId.SizeExceeded", 400, "ExecutionId list exceeds maximum size.");

    // ---- ECS image actions served for build results (DescribeImages, DeleteImage, DescribeImageSharePermission) ----
    InvalidImageIdNotFound => ("InvalidImageId.NotFound", 404, "The specified ImageId does not exist.");
    // ModifyImageSharePermission (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimagesharepermission)
    QuotaExceedShareImageUser => ("QuotaExceed.ShareImageUser", 403, "The shared Image user Quota exceeds.");
    /// Sic: the documented code is spelled `Forbbiden`.
    InvalidAccountForbbiden => ("InvalidAccount.Forbbiden", 404, "The specified Account does not yourself.");
    InvalidAccountNotFound => ("InvalidAccount.NotFound", 404, "The specified parameter \"AddAccount.n\" or \"RemoveAccount.n\" does not exist.");
    OperationDeniedInvalidImageStatus => ("OperationDenied.InvalidImageStatus", 403, "The specified image cannot be shared when it is deprecated.");
    ImagePublic => ("Image.Public", 403, "The specified image is public image.");
    ImageNotPublic => ("Image.NotPublic", 403, "The specified image is not public image.");
    InvalidParameterIsPublic => ("InvalidParameter.IsPublic", 403, "The specified parameter IsPublic is conflicted with other parameters.");
    InvalidOperationServiceKeyEncryptedImageUnsupported => ("InvalidOperation.ServiceKeyEncryptedImageUnsupported", 403, "The specified service key encrypted image is not supported for this operation. Please switch to a CMK (Customer Master Key) encrypted image and retry.");
    // CopyImage / CancelCopyImage (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-copyimage)
    SourceRegionNotFound => ("SourceRegion.NotFound", 400, "The source region not found.");
    DestinationRegionNotFound => ("DestinationRegion.NotFound", 400, "The destination region not found.");
    IncorrectImageStatus => ("IncorrectImageStatus", 400, "The image not available.");
    InvalidEncryptedNotMatchKmsKeyId => ("InvalidEncrypted.NotMatchKmsKeyId", 400, "The specified parameter Encrypted must be true when KmsKeyId is not empty.");
    OperationDeniedCommunityImage => ("OperationDenied.CommunityImage", 400, "Community image does not support copy.");
    OperationDeniedImageCopyConflict => ("OperationDenied.ImageCopyConflict", 400, "The same image cannot be copied concurrently. Please wait until the last copy is completed before performing the next operation.");
    OperationDeniedImageCopying => ("OperationDenied.ImageCopying", 403, "The image is currently being copied. Please try again later.");
    OperationDeniedSameRegionOnly => ("OperationDenied.SameRegionOnly", 403, "The image shared from others can not be copied to another region directly.");
    /// Sic: the documented code is spelled `Deined`.
    OperationDeinedEncryptedSnapshot => ("OperationDeined.EncryptedSnapshot", 403, "The image contains encrypted snapshots, which do not support copying to non-encrypted ones.");
    // ModifyImageAttribute (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimageattribute)
    InvalidBootModeNotSupport => ("InvalidBootMode.NotSupport", 400, "The specified parameter BootMode is not supported.");
    InvalidLicenseTypeNotSupported => ("InvalidLicenseType.NotSupported", 400, "The specified parameter LicenseType is not supported.");
    InvalidParameterFeaturesImdsSupport => ("InvalidParameter.FeaturesImdsSupport", 400, "The specified parameter Features.ImdsSupport is not supported.");
    ImageStatusNotAvailable => ("ImageStatus.NotAvailable", 403, "The specified image status is not available.");
    ImageStatusNotDeprecated => ("ImageStatus.NotDeprecated", 403, "The specified image status is not deprecated.");
    InvalidOperationFeaturesImdsSupportNotMatch => ("InvalidOperation.FeaturesImdsSupportNotMatch", 403, "The specified parameter Features.ImdsSupport can not be set to v1 from v2.");
    InvalidStatusImageIsCreating => ("InvalidStatus.ImageIsCreating", 403, "The operation cannot be performed because the image is creating. Please wait until the creation is complete and try again.");
    ImageUseShared => ("ImageUseShared", 403, "The specified image has been shared to others. You can use the DescribeImageSharePermission API to query the users who have been shared.");

    // ---- Template text in components (docs/reference.md §7.1; used by the parser's component context) ----
    InvalidContentLengthExceeded => ("InvalidContent.LengthExceeded", 400, "The size of Content exceeds 16 KB.");
    InvalidParameterContent => ("InvalidParameter.Content", 400, "The image component content is invalid.");
    InvalidCommandComponent => ("InvalidCommand.Component", 400, "Image component does not support component command.");
    NotSupportedCommandFrom => ("NotSupportedCommand.FROM", 404, "Image component does not support the FROM command.");

    // ---- DescribeImagePipelines / DeleteImagePipeline (docs/reference.md §3.2, §3.3) ----
    InvalidImagePipelineIdSizeExceededMaxNumber => ("InvalidImagePipelineIdSize.ExceededMaxNumber", 400, "The number of specified ImagePipelineId.N parameters exceeds the upper limit. Valid values of N: 1 to 20.");
    InvalidImagePipelineHasRunningExecution => ("InvalidImagePipeline.HasRunningExecution", 403, "The specified image pipeline has a running execution.");
    InvalidImagePipelineNotFound => ("InvalidImagePipeline.NotFound", 404, "The specified ImagePipelineId does not exist.");

    // ---- Image components (docs/reference.md §7.1–§7.3) ----
    InvalidSystemTypeNotSupportedValue => ("InvalidSystemType.NotSupportedValue", 400, "The specified SystemType is not supported. Valid values: Linux, Windows.");
    InvalidComponentTypeNotSupportedValue => ("InvalidComponentType.NotSupportedValue", 400, "The specified ComponentType is not supported. Valid values: Build, Test.");
    MissingParameterContent => ("MissingParameter.Content", 400, "The parameter Content is mandatory for this action.");
    QuotaExceedImageComponent => ("QuotaExceed.ImageComponent", 400, "Image component quota exceeded in current region.");
    InvalidParameterComponentVersion => ("InvalidParameter.ComponentVersion", 400, "The specified ComponentVersion is invalid.");
    InvalidComponentVersionExist => ("InvalidComponentVersion.Exist", 403, "The specified ComponentVersion does exist with the specified Name.");
    InvalidParameterOwner => ("InvalidParameter.Owner", 400, "The specified parameter \"Owner\" is not valid.");
    InvalidImageComponentIdSizeExceededMaxNumber => ("InvalidImageComponentIdSize.ExceededMaxNumber", 400, "The number of ImageComponentId.N exceeds the upper limit 20.");
    InvalidImageComponentInUse => ("InvalidImageComponent.InUse", 403, "The current component is being used by the image pipeline and cannot be deleted.");
    InvalidImageComponentNotFound => ("InvalidImageComponent.NotFound", 404, "The specified image component does not exist.");

    // ---- TagResources / UntagResources / ListTagResources (docs/reference.md §7.4) ----
    NumberExceedResourceIds => ("NumberExceed.ResourceIds", 400, "The ResourceIds parameter's number is exceed , Valid : 50.");
    OperationDeniedQuotaExceed => ("OperationDenied.QuotaExceed", 400, "The quota of tags on resource is beyond permitted range.");
    InvalidTagCount => ("InvalidTagCount", 400, "The number of TagFilter.N or TagFilter.N.TagValues.N exceeds the upper limit 5.");
    InvalidResourceIdNotSupported => ("InvalidResourceId.NotSupported", 403, "The specified ResourceId does not support tagging.");
    MissingParameterResourceIds => ("MissingParameter.ResourceIds", 404, "The parameter - ResourceIds.N should not be null.");
    MissingParameterResourceType => ("MissingParameter.ResourceType", 404, "The parameter - ResourceType should not be null.");
    MissingParameterTags => ("MissingParameter.Tags", 404, "The parameter - Tags should not be null.");
    MissingParameterRegionId => ("MissingParameter.RegionId", 404, "The parameter - RegionId should not be null.");
    InvalidResourceIdNotFound => ("InvalidResourceId.NotFound", 404, "The specified ResourceIds are not found in our records.");
    InvalidResourceTypeNotFound => ("InvalidResourceType.NotFound", 404, "The ResourceType provided does not exist in our records.");
    /// `Tag.N.Value` without `Tag.N.Key` in ListTagResources (SDK model `ListTagResourcesRequestTag`).
    InvalidParameterTagValue => ("InvalidParameter.TagValue", 400, "The specified Tag.N.Value is invalid: Tag.N.Key must be specified with it.");
    /// Two keys that differ only in letter case (tag API docs: `403 TagKey.Duplication`).
    TagKeyDuplication => ("TagKey.Duplication", 403, "The TagKey has duplication with others, case-insensitive.");

    // ---- JoinResourceGroup (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-joinresourcegroup) ----
    /// A missing RegionId / ResourceId / ResourceGroupId: the JoinResourceGroup page documents the
    /// common code at 403, unlike every other action (400).
    MissingParameterForbidden => ("MissingParameter", 403, "The input parameter that is mandatory for processing this request is not supplied.");
    InvalidResourceGroupDuplicate => ("InvalidResourceGroup.Duplicate", 403, "The ResourceId provided has a ResourceGroup in our records.");

    // ---- DryRun (ECS: a request that would succeed answers 400 DryRunOperation) ----
    DryRunOperation => ("DryRunOperation", 400, "Request validation has been passed with DryRun flag set.");

    // ---- VPC API 2016-04-28 (the per-action error tables of
    // https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-createvpc and its
    // siblings createvswitch, deletevpc, deletevswitch, describevpcattribute). The docs spell
    // "Discription" in the two description codes; the wire strings keep it. ----
    InvalidVpcNameMalformed => ("InvalidVpcName.Malformed", 400, "Specified VPC name is not valid.");
    InvalidVpcDescriptionMalformed => ("InvalidVpcDiscription.Malformed", 400, "Specified VPC description is not valid.");
    InvalidVSwitchNameMalformed => ("InvalidVSwitchName.Malformed", 400, "Specified virtual switch name is not valid.");
    InvalidVSwitchDescriptionMalformed => ("InvalidVSwitchDiscription.Malformed", 400, "Specified virtual switch description is not valid.");
    /// `ZoneId` is not a zone of the region.
    ResourceNotAvailable => ("ResourceNotAvailable", 400, "Resource you requested is not available in this region or zone.");
    InvalidCidrBlockOverlapped => ("InvalidCidrBlock.Overlapped", 400, "Specified CIDR block overlapped with other subnets.");
    /// DeleteVpc while the VPC still has vSwitches.
    DependencyViolationVSwitch => ("DependencyViolation.VSwitch", 400, "Specified object has dependent resources");
    /// DeleteVSwitch while something (an image template, a build's transit instance) uses it.
    DependencyViolation => ("DependencyViolation", 400, "Specified object has dependent resources.");
    IncorrectVpcStatus => ("IncorrectVpcStatus", 400, "Current VPC status does not support this operation.");
    IncorrectVSwitchStatus => ("IncorrectVSwitchStatus", 400, "vpc subnet status not working.");
    InvalidVpcIdNotFound => ("InvalidVpcId.NotFound", 404, "Specified VPC does not exist.");
}

/// The error every action returns: a documented code plus the message sent to the client.
/// Internal failures carry their cause for the log; the client only ever sees `InternalError`.
/// Nothing logs when an error is made: the edge that answers the request logs it once
/// (`rpc::decode`'s log line, the control plane's and the console's error responses).
#[derive(Debug, Clone)]
pub struct ApiError {
    code: Code,
    /// Overrides the wire code string (only for the per-parameter `Missing<Param>` codes).
    code_override: Option<String>,
    message: Option<String>,
    /// What went wrong inside (internal errors only): for the log, never sent.
    cause: Option<std::sync::Arc<str>>,
}

impl ApiError {
    pub fn new(code: Code) -> Self {
        ApiError { code, code_override: None, message: None, cause: None }
    }

    /// The same code with a precise message (for codes documented as `%s`).
    pub fn with_message(code: Code, message: impl Into<String>) -> Self {
        ApiError { code, code_override: None, message: Some(message.into()), cause: None }
    }

    /// `400 Missing<Param>`: a required action parameter is absent (docs/reference.md §9 item 2).
    pub fn missing(param: &str) -> Self {
        let compact: String = param.chars().filter(|c| *c != '.').collect();
        ApiError {
            code: Code::MissingActionParameter,
            code_override: Some(format!("Missing{compact}")),
            message: Some(format!("{param} is mandatory for this action.")),
            cause: None,
        }
    }

    /// `400 MissingParameter` for a missing common parameter (`Action`, `Version`).
    pub fn missing_common(param: &str) -> Self {
        ApiError::with_message(
            Code::MissingParameter,
            format!("The input parameter \"{param}\" that is mandatory for processing this request is not supplied."),
        )
    }

    /// `400 InvalidParameter` naming the parameter (wrong type or unsupported value).
    pub fn invalid_param(param: &str) -> Self {
        ApiError::with_message(Code::InvalidParameter, format!("The specified parameter \"{param}\" is not valid."))
    }

    /// `500 InternalError`; the cause is kept for the log at the edge, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError { cause: Some(cause.to_string().into()), ..ApiError::new(Code::InternalError) }
    }

    /// The internal cause, for the log line of the request that failed.
    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    pub fn code(&self) -> Code {
        self.code
    }

    pub fn code_str(&self) -> &str {
        self.code_override.as_deref().unwrap_or(self.code.as_str())
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or(self.code.default_message())
    }
}

impl From<Code> for ApiError {
    fn from(code: Code) -> Self {
        ApiError::new(code)
    }
}

/// PostgreSQL's SQLSTATE `character_not_in_repertoire`: a text value it cannot hold, i.e. one with
/// a NUL character (SQLite stores those, and never reports this code).
const SQLSTATE_NOT_IN_REPERTOIRE: &str = "22021";

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        let code = err.as_database_error().and_then(|db| db.code().map(|c| c.into_owned()));
        if code.as_deref() == Some(SQLSTATE_NOT_IN_REPERTOIRE) {
            // A request value no stored value can equal: the caller's mistake, not ours.
            return ApiError::with_message(
                Code::InvalidParameter,
                "The specified parameter is not valid: it contains a NUL character.",
            );
        }
        ApiError::internal(err)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code_str(), self.status().as_u16(), self.message())?;
        match &self.cause {
            Some(cause) => write!(f, " [{cause}]"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_string_is_unique_and_every_status_is_an_error() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            // One wire code may be documented at two statuses by different actions (MissingParameter:
            // 400 everywhere, 403 in JoinResourceGroup); each (code, status) pair appears once.
            assert!(seen.insert((code.as_str(), code.status())), "duplicate wire code {}", code.as_str());
            assert!(code.status().is_client_error() || code.status().is_server_error());
            assert!(!code.default_message().is_empty());
        }
    }

    #[test]
    fn missing_builds_the_per_parameter_code() {
        let err = ApiError::missing("RegionId");
        assert_eq!(err.code_str(), "MissingRegionId");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(err.message(), "RegionId is mandatory for this action.");
    }

    #[test]
    fn create_pipeline_missing_parameter_codes_are_404_as_documented() {
        assert_eq!(Code::MissingParameterRepairMode.status(), StatusCode::NOT_FOUND);
        assert_eq!(Code::MissingParameterImportImageOptions.status(), StatusCode::NOT_FOUND);
        assert_eq!(Code::InvalidNextToken.status(), StatusCode::FORBIDDEN);
    }
}
