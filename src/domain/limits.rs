//! Every documented limit, in one place, each with its source in `shared/spec/api-spec.md`.

/// `Tag.N`: at most 20 tags per request and per resource (§2.11, SEED-003 `子级条数 <= 20`).
pub const MAX_TAGS: usize = 20;
/// Tag keys and values: at most 128 characters (§2.11).
pub const MAX_TAG_KEY_CHARS: usize = 128;
pub const MAX_TAG_VALUE_CHARS: usize = 128;
/// Template / component `Name`: 2–128 characters (§2.11).
pub const NAME_CHARS: (usize, usize) = (2, 128);
/// `Description`: 2–256 characters (§2.11).
pub const DESCRIPTION_CHARS: (usize, usize) = (2, 256);
/// `ImageOptions.ImageName` (the image name prefix): 2–64 characters (§3.1.1).
pub const IMAGE_NAME_CHARS: (usize, usize) = (2, 64);
/// `ImageOptions.ImageFamily`: 2–128 characters (§3.1.1).
pub const IMAGE_FAMILY_CHARS: (usize, usize) = (2, 128);
/// `SystemDiskSize` in GiB: 20–500, default 40 (§3.1.1).
pub const SYSTEM_DISK_GIB: (i64, i64) = (20, 500);
pub const DEFAULT_SYSTEM_DISK_GIB: i64 = 40;
/// `InternetMaxBandwidthOut` in Mbit/s: 0–100, default 0 (§3.1.1).
pub const BANDWIDTH_MBPS: (i64, i64) = (0, 100);
/// `AddAccount.N` and `ToRegionId.N`: N 1–20 (§3.1.1; metadata says 21, every prose source and the
/// error codes say 20 — §8).
pub const MAX_ADD_ACCOUNTS: usize = 20;
pub const MAX_TO_REGIONS: usize = 20;
/// `ImagePipelineId.N` filter of DescribeImagePipelines: N 1–20 (§3.2).
pub const MAX_PIPELINE_ID_FILTER: usize = 20;
/// `ExecutionId` of DescribeImagePipelineExecutions as a comma-separated list: the size limit behind
/// `InvalidExecutionId.SizeExceeded` is undocumented; 20 matches the family's other ID lists.
pub const MAX_EXECUTION_ID_FILTER: usize = 20;
/// `PageSize` of DescribeImages / DescribeImageSharePermission: 1–100, default 10 (ECS docs).
pub const PAGE_SIZE: (i64, i64) = (1, 100);
pub const DEFAULT_PAGE_SIZE: i64 = 10;
/// `ImportImageOptions.DiskDeviceMappings.N`: one system disk plus up to 16 data disks (§3.1.1).
pub const MAX_DISK_DEVICE_MAPPINGS: usize = 17;
/// `DiskDeviceMappings.N.DiskImageSize` in GiB: 1–2048 (§3.1.1).
pub const DISK_IMAGE_GIB: (i64, i64) = (1, 2048);
/// `OSSBucket` ≤ 63 characters, `OSSObject` ≤ 1023 characters (§3.1.1).
pub const MAX_OSS_BUCKET_CHARS: usize = 63;
pub const MAX_OSS_OBJECT_CHARS: usize = 1023;
/// `ClientToken`: ASCII, at most 64 characters (§2.8).
pub const MAX_CLIENT_TOKEN_CHARS: usize = 64;
/// `MaxResults` of the Describe actions: 1–500, default 50 (§2.10).
pub const MAX_RESULTS: (i64, i64) = (1, 500);
pub const DEFAULT_MAX_RESULTS: i64 = 50;
/// Largest request body we read. BuildContent (16 KB) percent-encoded can triple, and a template
/// carries two of them; 1 MiB leaves headroom while refusing abuse (emulator choice).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// `ImageComponentId.N` filter of DescribeImageComponents: N 1–20 (§7.2).
pub const MAX_COMPONENT_ID_FILTER: usize = 20;
/// `ResourceId.N` of TagResources / UntagResources / ListTagResources: N 1–50 (§7.4).
pub const MAX_TAG_RESOURCE_IDS: usize = 50;
/// `TagFilter.N` of ListTagResources and the `TagValues.N` of each: N 1–5 (§7.4).
pub const MAX_TAG_FILTERS: usize = 5;
pub const MAX_TAG_FILTER_VALUES: usize = 5;
/// Items per page of ListTagResources, which takes no page size: 50 (ECS ListTagResources docs;
/// emulator choice where the docs are silent).
pub const TAG_RESOURCES_PAGE_SIZE: i64 = 50;
/// Nesting depth of a YAML component (mappings and sequences): the format needs 4 levels
/// (Tasks → task → Properties → a Json property); deeper input is refused (emulator choice,
/// keeps parsing of untrusted text bounded).
pub const MAX_YAML_DEPTH: usize = 16;
/// `PageSize` default of DescribeTags: 50 (ECS DescribeTags docs; bounds as `PAGE_SIZE`).
pub const DESCRIBE_TAGS_DEFAULT_PAGE_SIZE: i64 = 50;
/// `AddAccount.N` / `RemoveAccount.N` of ModifyImageSharePermission: only the first 10 of each are
/// processed, the rest ignored; an image is shared with at most 50 accounts
/// (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimagesharepermission).
pub const MAX_SHARE_ACCOUNTS_PER_CALL: usize = 10;
pub const MAX_SHARE_ACCOUNTS_PER_IMAGE: usize = 50;
