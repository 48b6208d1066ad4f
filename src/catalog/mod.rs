//! The built-in world a template is validated against: Alibaba Cloud region IDs, public base images
//! and image families per region, instance types (with a stock flag for the transit-instance
//! fallback rule), and the vSwitches and resource groups every account sees.
//!
//! All of it is static data shared by every account. Fixture files (control-plane issue) will add
//! to it; custom images made by builds live in the store, not here.

pub mod components;

use crate::error::{ApiResult, Code};

/// Real Alibaba Cloud ECS region IDs (public regions, 2024–2025).
pub const REGIONS: &[&str] = &[
    "cn-qingdao",
    "cn-beijing",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-nanjing",
    "cn-fuzhou",
    "cn-wuhan-lr",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-chengdu",
    "cn-hongkong",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "us-east-1",
    "us-west-1",
    "na-south-1",
    "eu-west-1",
    "eu-central-1",
    "me-east-1",
    "me-central-1",
];

pub fn is_region(id: &str) -> bool {
    REGIONS.contains(&id)
}

/// The operating-system family of an image, which decides what Image Builder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsType {
    Linux,
    Windows,
    /// An OS Image Builder cannot build from (`InvalidImage.OsTypeUnsupported`).
    Unsupported,
}

/// A public image offered in every region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicImage {
    pub id: &'static str,
    pub name: &'static str,
    pub family: Option<&'static str>,
    pub os_type: OsType,
    pub platform: &'static str,
    pub os_name: &'static str,
    pub architecture: &'static str,
    /// `system` for Alibaba's public images, `marketplace` for marketplace images (which cannot be
    /// distributed: `InvalidImage.ImageOwnerAliasUnsupported`).
    pub owner_alias: &'static str,
    /// Whether `RepairMode` may be used on it (`InvalidImage.NotSupportRepair`). Emulator rule:
    /// end-of-life distributions (CentOS 7) cannot be repaired.
    pub repairable: bool,
    pub size_gib: i64,
    /// Creation date, so the newest image of a family can be chosen (`IMAGE_FAMILY` bases).
    pub created: &'static str,
}

const fn linux(
    id: &'static str,
    family: &'static str,
    platform: &'static str,
    os_name: &'static str,
    created: &'static str,
) -> PublicImage {
    PublicImage {
        id,
        name: id,
        family: Some(family),
        os_type: OsType::Linux,
        platform,
        os_name,
        architecture: "x86_64",
        owner_alias: "system",
        repairable: true,
        size_gib: 20,
        created,
    }
}

/// Public images, identical in every region (as Alibaba's are).
pub const PUBLIC_IMAGES: &[PublicImage] = &[
    linux(
        "aliyun_3_x64_20G_alibase_20240819.vhd",
        "acs:alibaba_cloud_linux_3_2104_lts_x64",
        "Aliyun",
        "Alibaba Cloud Linux  3.2104 LTS 64位",
        "2024-08-19T00:00:00Z",
    ),
    linux(
        "aliyun_3_x64_20G_alibase_20240528.vhd",
        "acs:alibaba_cloud_linux_3_2104_lts_x64",
        "Aliyun",
        "Alibaba Cloud Linux  3.2104 LTS 64位",
        "2024-05-28T00:00:00Z",
    ),
    linux(
        "aliyun_2_1903_x64_20G_alibase_20240628.vhd",
        "acs:alibaba_cloud_linux_2_1903_x64",
        "Aliyun",
        "Alibaba Cloud Linux  2.1903 LTS 64位",
        "2024-06-28T00:00:00Z",
    ),
    linux(
        "ubuntu_22_04_x64_20G_alibase_20240710.vhd",
        "acs:ubuntu_22_04_x64",
        "Ubuntu",
        "Ubuntu  22.04 64位",
        "2024-07-10T00:00:00Z",
    ),
    linux(
        "ubuntu_20_04_x64_20G_alibase_20240508.vhd",
        "acs:ubuntu_20_04_x64",
        "Ubuntu",
        "Ubuntu  20.04 64位",
        "2024-05-08T00:00:00Z",
    ),
    linux(
        "debian_12_6_x64_20G_alibase_20240717.vhd",
        "acs:debian_12_x64",
        "Debian",
        "Debian  12.6 64位",
        "2024-07-17T00:00:00Z",
    ),
    linux(
        "anolisos_8_9_x64_20G_rhck_alibase_20240724.vhd",
        "acs:anolis_8_x64",
        "Anolis",
        "Anolis OS  8.9 RHCK 64位",
        "2024-07-24T00:00:00Z",
    ),
    PublicImage {
        repairable: false,
        ..linux(
            "centos_7_9_x64_20G_alibase_20240628.vhd",
            "acs:centos_7_9_x64",
            "CentOS",
            "CentOS  7.9 64位",
            "2024-06-28T00:00:00Z",
        )
    },
    PublicImage {
        architecture: "arm64",
        ..linux(
            "aliyun_3_arm64_20G_alibase_20240819.vhd",
            "acs:alibaba_cloud_linux_3_2104_lts_arm64",
            "Aliyun",
            "Alibaba Cloud Linux  3.2104 LTS 64位 ARM版",
            "2024-08-19T00:00:00Z",
        )
    },
    PublicImage {
        id: "win2022_21H2_x64_dtc_en-us_40G_alibase_20240716.vhd",
        name: "win2022_21H2_x64_dtc_en-us_40G_alibase_20240716.vhd",
        family: Some("acs:windows_server_2022_datacenter_en-us"),
        os_type: OsType::Windows,
        platform: "Windows Server 2022",
        os_name: "Windows Server  2022 数据中心版 64位英文版",
        architecture: "x86_64",
        owner_alias: "system",
        repairable: true,
        size_gib: 40,
        created: "2024-07-16T00:00:00Z",
    },
    PublicImage {
        id: "freebsd_13_2_x64_30G_alibase_20230720.vhd",
        name: "freebsd_13_2_x64_30G_alibase_20230720.vhd",
        family: None,
        os_type: OsType::Unsupported,
        platform: "FreeBSD",
        os_name: "FreeBSD  13.2 64位",
        architecture: "x86_64",
        owner_alias: "system",
        repairable: false,
        size_gib: 30,
        created: "2023-07-20T00:00:00Z",
    },
    PublicImage {
        id: "m-marketplacewordpress01",
        name: "WordPress 6.5 on Alibaba Cloud Linux 3",
        family: None,
        os_type: OsType::Linux,
        platform: "Aliyun",
        os_name: "Alibaba Cloud Linux  3.2104 LTS 64位",
        architecture: "x86_64",
        owner_alias: "marketplace",
        repairable: true,
        size_gib: 40,
        created: "2024-06-01T00:00:00Z",
    },
];

/// An instance type a transit instance can use.
#[derive(Debug, Clone, Copy)]
pub struct InstanceType {
    pub id: &'static str,
    pub cpu: u32,
    pub memory_gib: u32,
    /// Whether stock is available; the default transit type falls back when it is not.
    pub in_stock: bool,
}

impl InstanceType {
    /// The instance family: the ID without its size, `ecs.g6.large` → `ecs.g6`.
    pub fn family(&self) -> &str {
        self.id.rsplit_once('.').map_or(self.id, |(family, _)| family)
    }

    /// `X86` or `ARM` (families whose name ends in `r`, like `ecs.g6r`, are Yitian/Kunpeng ARM).
    pub fn cpu_architecture(&self) -> &'static str {
        if self.family().ends_with('r') {
            "ARM"
        } else {
            "X86"
        }
    }

    /// The instance category DescribeInstanceTypes reports, from the family letter
    /// (<https://www.alibabacloud.com/help/en/ecs/user-guide/overview-of-instance-families>).
    pub fn category(&self) -> &'static str {
        match self.family().strip_prefix("ecs.").and_then(|f| f.chars().next()) {
            Some('c') => "Compute-optimized",
            Some('r') => "Memory-optimized",
            Some('t') => "Shared",
            _ => "General-purpose",
        }
    }
}

/// A type by ID; `in_stock` decides the transit-instance fallback.
const fn itype(id: &'static str, cpu: u32, memory_gib: u32) -> InstanceType {
    InstanceType { id, cpu, memory_gib, in_stock: true }
}

pub const INSTANCE_TYPES: &[InstanceType] = &[
    itype("ecs.g6.large", 2, 8),
    itype("ecs.g6.xlarge", 4, 16),
    itype("ecs.g6.2xlarge", 8, 32),
    itype("ecs.g7.large", 2, 8),
    itype("ecs.g7.xlarge", 4, 16),
    itype("ecs.g8i.large", 2, 8),
    itype("ecs.c6.large", 2, 4),
    itype("ecs.c7.large", 2, 4),
    itype("ecs.r6.large", 2, 16),
    itype("ecs.t6-c1m1.large", 2, 2),
    itype("ecs.g6r.large", 2, 8),
];

/// The catalog in force: the built-in data plus what a fixtures file added.
#[derive(Debug, Clone)]
pub struct Catalog {
    images: Vec<PublicImage>,
    instance_types: Vec<InstanceType>,
    /// Fixture vSwitches: (region, ID, zone).
    extra_vswitches: Vec<(String, String, String)>,
    extra_resource_groups: Vec<String>,
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::builtin()
    }
}

impl Catalog {
    pub fn builtin() -> Self {
        Catalog {
            images: PUBLIC_IMAGES.to_vec(),
            instance_types: INSTANCE_TYPES.to_vec(),
            extra_vswitches: Vec::new(),
            extra_resource_groups: Vec::new(),
        }
    }

    /// A public image by ID (every public image exists in every region).
    pub fn public_image(&self, id: &str) -> Option<&PublicImage> {
        self.images.iter().find(|image| image.id == id)
    }

    pub fn public_images(&self) -> &[PublicImage] {
        &self.images
    }

    /// The newest public image of a family (`BaseImageType=IMAGE_FAMILY`).
    pub fn latest_in_family(&self, family: &str) -> Option<&PublicImage> {
        self.images.iter().filter(|image| image.family == Some(family)).max_by_key(|image| image.created)
    }

    /// The CPU architecture of an instance type: the ARM families (`g6r`, `c6r`, `g8y`, `c8y`,
    /// `r8y`) are `arm64`, the rest `x86_64` (ECS instance family docs).
    pub fn instance_architecture(id: &str) -> &'static str {
        let family = id.strip_prefix("ecs.").and_then(|rest| rest.split('.').next()).unwrap_or_default();
        if ["g6r", "c6r", "g8y", "c8y", "r8y"].contains(&family) {
            "arm64"
        } else {
            "x86_64"
        }
    }

    pub fn instance_type(&self, id: &str) -> Option<&InstanceType> {
        self.instance_types.iter().find(|t| t.id == id)
    }

    /// The transit instance type when a template names none: the smallest type in stock,
    /// `ecs.g6.large`, falling back to `ecs.g6.xlarge` (docs/reference.md §5.5).
    pub fn default_transit_type(&self) -> &'static str {
        ["ecs.g6.large", "ecs.g6.xlarge"]
            .into_iter()
            .find(|id| self.instance_type(id).is_some_and(|t| t.in_stock))
            .unwrap_or("ecs.g6.xlarge")
    }

    pub fn is_vswitch(&self, region: &str, id: &str) -> bool {
        self.vswitch_zone(region, id).is_some()
    }

    /// The zone a vSwitch of `region` is in, if the vSwitch exists.
    pub fn vswitch_zone(&self, region: &str, id: &str) -> Option<String> {
        builtin_vswitch_zone(region, id).or_else(|| {
            self.extra_vswitches.iter().find(|(r, v, _)| r == region && v == id).map(|(_, _, zone)| zone.clone())
        })
    }

    /// Every vSwitch of `region` with its zone: the built-in pair, then the fixtures'.
    pub fn vswitches_in(&self, region: &str) -> Vec<(String, String)> {
        let builtin = vswitches(region).into_iter().zip(zones(region));
        let extra = self.extra_vswitches.iter().filter(|(r, _, _)| r == region).map(|(_, v, z)| (v.clone(), z.clone()));
        builtin.chain(extra).collect()
    }

    pub fn is_resource_group(&self, id: &str) -> bool {
        RESOURCE_GROUPS.contains(&id) || self.extra_resource_groups.iter().any(|rg| rg == id)
    }

    /// Every resource group an account sees: the built-in ones (the default first), then the fixtures'.
    pub fn resource_groups(&self) -> Vec<&str> {
        RESOURCE_GROUPS.iter().copied().chain(self.extra_resource_groups.iter().map(String::as_str)).collect()
    }

    /// Every instance type, in catalog order.
    pub fn instance_types(&self) -> &[InstanceType] {
        &self.instance_types
    }

    /// The rule for an optional `ResourceGroupId` of a create or copy call: absent, or a group that
    /// exists (`404 InvalidResourceGroup.NotFound` otherwise).
    pub fn check_resource_group(&self, id: Option<&str>) -> ApiResult<()> {
        match id {
            Some(rg) if !self.is_resource_group(rg) => Err(Code::InvalidResourceGroupNotFound.into()),
            _ => Ok(()),
        }
    }

    /// Adds (or replaces, by ID) a public image.
    pub fn add_image(&mut self, image: PublicImage) {
        self.images.retain(|i| i.id != image.id);
        self.images.push(image);
    }

    /// Adds (or replaces, by ID, e.g. to mark one out of stock) an instance type.
    pub fn set_instance_type(&mut self, instance_type: InstanceType) {
        self.instance_types.retain(|t| t.id != instance_type.id);
        self.instance_types.push(instance_type);
    }

    /// Adds a vSwitch of `region`; without a `zone` it is in the region's first zone.
    pub fn add_vswitch(&mut self, region: &str, id: &str, zone: Option<&str>) {
        let zone = zone.map(str::to_string).or_else(|| zones(region).into_iter().next()).unwrap_or_default();
        self.extra_vswitches.push((region.to_string(), id.to_string(), zone));
    }

    pub fn add_resource_group(&mut self, id: &str) {
        self.extra_resource_groups.push(id.to_string());
    }
}

/// The built-in vSwitches of every region: an `a`/`b` pair named after the region, e.g.
/// `vsw-cnhangzhoua0001` and `vsw-cnhangzhoub0001`, in the region's first and second zone.
const VSWITCH_ZONES: &[char] = &['a', 'b'];

/// The built-in vSwitch IDs of a region (visible to every account).
pub fn vswitches(region: &str) -> Vec<String> {
    let compact = compact(region);
    VSWITCH_ZONES.iter().map(|zone| format!("vsw-{compact}{zone}0001")).collect()
}

/// Zone letters of the regions whose public zones are not simply `a`, `b`, `c` (Alibaba retires
/// and opens zones, so older regions start further down the alphabet). See
/// <https://www.alibabacloud.com/help/en/ecs/user-guide/regions-and-zones>.
const ZONE_LETTERS: &[(&str, &[char])] = &[
    ("cn-hangzhou", &['h', 'i', 'j', 'k']),
    ("cn-shanghai", &['e', 'f', 'g', 'l']),
    ("cn-beijing", &['h', 'i', 'j', 'k', 'l']),
    ("cn-shenzhen", &['c', 'd', 'e', 'f']),
    ("cn-qingdao", &['b', 'c']),
    ("cn-zhangjiakou", &['a', 'b', 'c']),
    ("cn-hongkong", &['b', 'c', 'd']),
    ("ap-southeast-1", &['a', 'b', 'c']),
    ("ap-northeast-1", &['a', 'b', 'c']),
    ("us-west-1", &['a', 'b']),
    ("eu-central-1", &['a', 'b', 'c']),
];

/// The zone IDs of a region, e.g. `cn-hangzhou-h`; empty for a region we do not know.
pub fn zones(region: &str) -> Vec<String> {
    if !is_region(region) {
        return Vec::new();
    }
    let letters = ZONE_LETTERS.iter().find(|(r, _)| *r == region).map_or(&['a', 'b'][..], |(_, l)| l);
    letters.iter().map(|letter| format!("{region}-{letter}")).collect()
}

/// The zone of a built-in vSwitch: `…a0001` is in the region's first zone, `…b0001` in its second.
fn builtin_vswitch_zone(region: &str, id: &str) -> Option<String> {
    let index = vswitches(region).iter().position(|v| v == id)?;
    zones(region).into_iter().nth(index)
}

fn compact(region: &str) -> String {
    region.chars().filter(|c| *c != '-').collect()
}

/// The CIDR block of every region's built-in default VPC, as Alibaba gives default VPCs
/// (https://www.alibabacloud.com/help/en/vpc/user-guide/default-vpcs-and-default-vswitches).
pub const DEFAULT_VPC_CIDR: &str = "172.16.0.0/12";
/// When the built-in networks were "created": 2024-01-01T00:00:00Z.
pub const BUILTIN_NETWORK_CREATED_MS: i64 = 1_704_067_200_000;

/// A region's built-in default VPC (shared by every account, always `Available`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinVpc {
    pub id: String,
    pub vrouter_id: String,
    pub route_table_id: String,
}

pub fn default_vpc(region: &str) -> BuiltinVpc {
    let compact = compact(region);
    BuiltinVpc {
        id: format!("vpc-{compact}0001"),
        vrouter_id: format!("vrt-{compact}0001"),
        route_table_id: format!("vtb-{compact}0001"),
    }
}

/// A built-in (or fixture) vSwitch: in the region's default VPC, with a zone and a /20 block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinVSwitch {
    pub id: String,
    pub vpc_id: String,
    pub zone_id: String,
    pub cidr_block: String,
}

impl Catalog {
    /// The built-in vSwitches of a region followed by the fixtures' ones (with their zones, as
    /// [`Catalog::vswitches_in`] gives them), each with its own /20 of the default VPC's block:
    /// 172.16.0.0/20, 172.16.16.0/20, ...
    pub fn builtin_vswitches(&self, region: &str) -> Vec<BuiltinVSwitch> {
        let vpc_id = default_vpc(region).id;
        self.vswitches_in(region)
            .into_iter()
            .enumerate()
            .map(|(i, (id, zone_id))| BuiltinVSwitch {
                id,
                vpc_id: vpc_id.clone(),
                zone_id,
                // 256 blocks of /20 fit in a /12; fixtures never come close.
                cidr_block: format!("172.{}.{}.0/20", 16 + (i * 16) / 256, (i * 16) % 256),
            })
            .collect()
    }
}

/// Resource groups every account has. The first one is the account's default group.
/// The account's default resource group: where a resource is until it joins another.
pub const DEFAULT_RESOURCE_GROUP: &str = "rg-acfmdefault000001";

pub const RESOURCE_GROUPS: &[&str] = &[DEFAULT_RESOURCE_GROUP, "rg-acfmdev0000000001", "rg-acfmprod000000001"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_resolves_to_its_newest_image() {
        let catalog = Catalog::builtin();
        let image = catalog.latest_in_family("acs:alibaba_cloud_linux_3_2104_lts_x64");
        assert_eq!(image.map(|i| i.id), Some("aliyun_3_x64_20G_alibase_20240819.vhd"));
        assert!(catalog.latest_in_family("acs:nothing").is_none());
    }

    #[test]
    fn the_default_transit_type_falls_back_when_out_of_stock() {
        let mut catalog = Catalog::builtin();
        assert_eq!(catalog.default_transit_type(), "ecs.g6.large");
        catalog.set_instance_type(InstanceType { id: "ecs.g6.large", cpu: 2, memory_gib: 8, in_stock: false });
        assert_eq!(catalog.default_transit_type(), "ecs.g6.xlarge");
    }

    #[test]
    fn every_region_has_two_vswitches_of_its_own() {
        let catalog = Catalog::builtin();
        assert!(catalog.is_vswitch("cn-hangzhou", "vsw-cnhangzhoua0001"));
        assert!(!catalog.is_vswitch("cn-beijing", "vsw-cnhangzhoua0001"));
        assert_eq!(vswitches("ap-southeast-1"), vec!["vsw-apsoutheast1a0001", "vsw-apsoutheast1b0001"]);
    }

    #[test]
    fn every_vswitch_has_a_zone_of_its_region() {
        let mut catalog = Catalog::builtin();
        assert_eq!(zones("cn-hangzhou"), vec!["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"]);
        assert_eq!(zones("me-east-1"), vec!["me-east-1-a", "me-east-1-b"]);
        assert!(zones("mars-north-1").is_empty());
        assert_eq!(catalog.vswitch_zone("cn-hangzhou", "vsw-cnhangzhoub0001").as_deref(), Some("cn-hangzhou-i"));
        catalog.add_vswitch("cn-hangzhou", "vsw-fixture", None);
        catalog.add_vswitch("cn-hangzhou", "vsw-fixture2", Some("cn-hangzhou-k"));
        assert_eq!(catalog.vswitch_zone("cn-hangzhou", "vsw-fixture").as_deref(), Some("cn-hangzhou-h"));
        assert_eq!(catalog.vswitch_zone("cn-hangzhou", "vsw-fixture2").as_deref(), Some("cn-hangzhou-k"));
        for region in REGIONS {
            let zones = zones(region);
            assert!(zones.len() >= 2, "{region}");
            for (vsw, zone) in catalog.vswitches_in(region) {
                assert!(zones.contains(&zone), "{region}: {vsw} in {zone}");
            }
        }
    }

    #[test]
    fn the_catalog_has_one_image_for_each_error_path() {
        assert!(PUBLIC_IMAGES.iter().any(|i| i.os_type == OsType::Windows));
        assert!(PUBLIC_IMAGES.iter().any(|i| i.os_type == OsType::Unsupported));
        assert!(PUBLIC_IMAGES.iter().any(|i| i.owner_alias == "marketplace"));
        assert!(PUBLIC_IMAGES.iter().any(|i| !i.repairable && i.os_type == OsType::Linux));
    }
}
