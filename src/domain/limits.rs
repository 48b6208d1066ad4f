//! Every documented limit, in one place, each with its source in `docs/reference.md`.

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

// ---- Emulator resource limits (emulator choices; README "Reliability" lists each and what
// happens when it is reached). None of these come from Alibaba: they keep one emulator process
// bounded in memory, file descriptors and time whatever its clients send. ----

/// Bytes of one journalled parameter value; a longer value keeps its first bytes and a marker
/// saying how many were dropped ([`JOURNAL_TRUNCATION_MARKER`]).
pub const JOURNAL_MAX_VALUE_BYTES: usize = 2 * 1024;
/// Bytes of one journal entry's parameters (names and values) together; parameters past it are
/// dropped and a `…` parameter says how many.
pub const JOURNAL_MAX_ENTRY_BYTES: usize = 16 * 1024;
/// Total bytes the journal keeps; the oldest entries go first when a new one would exceed it.
pub const JOURNAL_MAX_TOTAL_BYTES: usize = 16 * 1024 * 1024;
/// Entries the journal keeps; the oldest go first.
pub const JOURNAL_MAX_ENTRIES: usize = 10_000;
/// Entries one `GET /_emulator/requests` returns at most (`limit` above it is a 400).
pub const JOURNAL_MAX_PAGE: usize = 1_000;
/// What a truncated journal value ends with (followed by the number of bytes dropped).
pub const JOURNAL_TRUNCATION_MARKER: &str = "…[truncated ";

/// Largest body of a JSON control-plane request (`/_emulator/*` other than snapshot uploads).
/// How long `/_emulator/ready` waits for the database to answer before saying not ready (ours).
pub const READY_DB_TIMEOUT_MS: u64 = 2_000;
pub const MAX_CONTROL_BODY_BYTES: usize = 64 * 1024;
/// Default largest snapshot upload (`PUT /_emulator/snapshots/{name}`); `--max-snapshot-bytes`.
pub const DEFAULT_MAX_SNAPSHOT_BYTES: u64 = 256 * 1024 * 1024;
/// Snapshots kept at most (saves and uploads beyond it are refused with `409`).
pub const MAX_SNAPSHOTS: usize = 64;
/// Fault rules kept at most, and the longest `message` / match field of one rule.
pub const MAX_FAULT_RULES: usize = 256;
pub const MAX_FAULT_FIELD_BYTES: usize = 1024;
/// The longest latency one fault rule adds (a request held longer only ties up a connection).
pub const MAX_FAULT_LATENCY_MS: u64 = 60_000;
/// How long a snapshot's validation and copy may take before the restore is abandoned.
pub const RESTORE_TIME_LIMIT_MS: u64 = 30_000;

/// Signature nonces remembered (as SHA-256 digests, for the 15-minute window; about 80 bytes each,
/// so at most ~20 MiB); past it the oldest are forgotten first. Only correctly signed requests add
/// one, and 250 000 in 15 minutes is ~280 signed calls a second.
pub const MAX_REMEMBERED_NONCES: usize = 250_000;

/// Default cap on open client connections (`--max-connections`); a few more are served one
/// request each so health checks still get through, and past those new connections are closed.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Connections accepted past the cap, each for one request with a short header timeout.
pub const RESERVE_CONNECTIONS: usize = 16;
/// Header timeout of a reserve connection.
pub const RESERVE_HEADER_TIMEOUT_MS: u64 = 1_000;

/// Largest request target hyper parses (the `http` crate's URI limit): 65 534 bytes.
pub const MAX_REQUEST_TARGET_BYTES: usize = 65_534;

/// Latest instant the emulator clock may show: 9999-12-31T23:59:59Z (timestamps are four-digit years).
pub const MAX_CLOCK_MS: i64 = 253_402_300_799_000;

/// Fixtures file size read at most.
pub const MAX_FIXTURES_BYTES: u64 = 16 * 1024 * 1024;

// ---- VPC (2016-04-28). Sources: the VPC API reference pages cited per item. ----
/// `PageSize` of DescribeVpcs / DescribeVSwitches: 1–50, default 10; `PageNumber` from 1
/// (https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevpcs).
pub const VPC_PAGE_SIZE: (i64, i64) = (1, 50);
pub const DEFAULT_VPC_PAGE_SIZE: i64 = 10;
/// Mask length of a VPC's `CidrBlock`: 16–28
/// (https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-createvpc).
pub const VPC_MASK: (u8, u8) = (16, 28);
/// Mask length of a vSwitch's `CidrBlock` / `CidrMask`: 16–29
/// (https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-createvswitch).
pub const VSWITCH_MASK: (u8, u8) = (16, 29);
/// Addresses of every vSwitch block the system keeps (the first and the last three, same page).
pub const VSWITCH_RESERVED_ADDRESSES: i64 = 4;
/// `VpcName` / `VSwitchName`: 1–128 characters; `Description`: 1–256 characters; neither may
/// start with `http://` or `https://` (CreateVpc / CreateVSwitch pages).
pub const VPC_NAME_CHARS: (usize, usize) = (1, 128);
pub const VPC_DESCRIPTION_CHARS: (usize, usize) = (1, 256);
/// How long a new VPC or vSwitch stays `Pending` before it is `Available`, in emulator time.
/// Alibaba documents the two states, not the delay; a few seconds is what the console shows.
/// `--phase-duration 0` makes it immediate.
pub const NETWORK_PENDING_MS: i64 = 3_000;
/// `MaxResults` of DescribeInstanceTypes: 1–1600, default 1600 (ecs20140526 SDK model docstring,
/// <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstancetypes>).
pub const INSTANCE_TYPES_MAX_RESULTS: (i64, i64) = (1, 1600);
/// `InstanceTypes.N` of DescribeInstanceTypes: at most 10 (same source).
pub const MAX_INSTANCE_TYPES_FILTER: usize = 10;
/// `PageSize` of ResourceManager ListResourceGroups: 1–100, default 10
/// (<https://www.alibabacloud.com/help/en/resource-management/resource-group/developer-reference/api-resourcemanager-2020-03-31-listresourcegroups>).
pub const RESOURCE_GROUP_PAGE_SIZE: (i64, i64) = (1, 100);
pub const DEFAULT_RESOURCE_GROUP_PAGE_SIZE: i64 = 10;
/// `ResourceGroupIds.N` of ListResourceGroups: at most 100 (same source).
pub const MAX_RESOURCE_GROUP_ID_FILTER: usize = 100;
/// `PageSize` of BssOpenApi QueryAvailableInstances: 1–300, default 20
/// (<https://www.alibabacloud.com/help/en/user-center/developer-reference/api-bssopenapi-2017-12-14-queryavailableinstances>).
pub const BSS_PAGE_SIZE: (i64, i64) = (1, 300);
pub const DEFAULT_BSS_PAGE_SIZE: i64 = 20;
