//! `DescribeZones` (ECS): the zones of a region with the instance types, disk categories and
//! network types offered there (`Verbose=false` leaves the lists out). Answered from the catalog;
//! an out-of-stock type is still offered, its stock is DescribeAvailableResource's business.
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describezones>

use serde::Serialize;

use super::{region, Ctx};
use crate::catalog;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;

/// Disk categories every zone offers (system and data disks alike).
pub const DISK_CATEGORIES: &[&str] = &["cloud_efficiency", "cloud_ssd", "cloud_essd", "cloud_auto"];

pub struct Request {
    region: String,
    verbose: bool,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    super::check_charge_type(params)?;
    match params.opt_str("SpotStrategy") {
        None | Some("NoSpot" | "SpotWithPriceLimit" | "SpotAsPriceGo") => {}
        Some(_) => return Err(ApiError::invalid_param("SpotStrategy")),
    }
    let verbose = params.opt_bool("Verbose")?.unwrap_or(true);
    Ok(Request { region, verbose })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    zones: Zones,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Zones {
    zone: Vec<Zone>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Zone {
    zone_id: String,
    local_name: String,
    zone_type: &'static str,
    /// Left out with `Verbose=false`.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    offers: Option<Offers>,
}

/// What a zone offers (`Verbose=true`, the default).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Offers {
    available_resource_creation: ResourceTypes,
    available_instance_types: InstanceTypes,
    available_disk_categories: DiskCategories,
    available_volume_categories: VolumeCategories,
    available_dedicated_host_types: DedicatedHostTypes,
    dedicated_host_generations: DedicatedHostGenerations,
    available_resources: AvailableResources,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResourceTypes {
    resource_types: &'static [&'static str],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceTypes {
    instance_types: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DiskCategories {
    disk_categories: &'static [&'static str],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct VolumeCategories {
    volume_categories: [&'static str; 0],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DedicatedHostTypes {
    dedicated_host_type: [&'static str; 0],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DedicatedHostGenerations {
    dedicated_host_generation: [&'static str; 0],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AvailableResources {
    resources_info: Vec<ResourcesInfo>,
}

/// The SDK model's lower-camel inner keys (`supportedInstanceType`, …) are kept as they are.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResourcesInfo {
    io_optimized: bool,
    instance_types: SupportedTypes,
    instance_type_families: SupportedFamilies,
    instance_generations: SupportedGenerations,
    system_disk_categories: SupportedSystemDisks,
    data_disk_categories: SupportedDataDisks,
    network_types: SupportedNetworks,
}

#[derive(Serialize)]
struct SupportedTypes {
    #[serde(rename = "supportedInstanceType")]
    items: Vec<&'static str>,
}

#[derive(Serialize)]
struct SupportedFamilies {
    #[serde(rename = "supportedInstanceTypeFamily")]
    items: Vec<String>,
}

#[derive(Serialize)]
struct SupportedGenerations {
    #[serde(rename = "supportedInstanceGeneration")]
    items: &'static [&'static str],
}

#[derive(Serialize)]
struct SupportedSystemDisks {
    #[serde(rename = "supportedSystemDiskCategory")]
    items: &'static [&'static str],
}

#[derive(Serialize)]
struct SupportedDataDisks {
    #[serde(rename = "supportedDataDiskCategory")]
    items: &'static [&'static str],
}

#[derive(Serialize)]
struct SupportedNetworks {
    #[serde(rename = "supportedNetworkCategory")]
    items: &'static [&'static str],
}

pub async fn execute(ctx: &Ctx<'_>, Request { region, verbose }: Request) -> ApiResult<Response> {
    let types: Vec<&'static str> = ctx.state.catalog.instance_types().iter().map(|t| t.id).collect();
    let mut families: Vec<String> =
        ctx.state.catalog.instance_types().iter().map(|t| t.family().to_string()).collect();
    families.dedup();
    let zone = catalog::zones(&region)
        .into_iter()
        .map(|zone| Zone {
            local_name: zone.clone(),
            zone_id: zone,
            zone_type: "AvailabilityZone",
            offers: verbose.then(|| Offers {
                available_resource_creation: ResourceTypes { resource_types: &["Instance", "Disk", "VSwitch"] },
                available_instance_types: InstanceTypes { instance_types: types.clone() },
                available_disk_categories: DiskCategories { disk_categories: DISK_CATEGORIES },
                available_volume_categories: VolumeCategories { volume_categories: [] },
                available_dedicated_host_types: DedicatedHostTypes { dedicated_host_type: [] },
                dedicated_host_generations: DedicatedHostGenerations { dedicated_host_generation: [] },
                available_resources: AvailableResources {
                    resources_info: vec![ResourcesInfo {
                        io_optimized: true,
                        instance_types: SupportedTypes { items: types.clone() },
                        instance_type_families: SupportedFamilies { items: families.clone() },
                        instance_generations: SupportedGenerations { items: &["ecs-3", "ecs-4", "ecs-5"] },
                        system_disk_categories: SupportedSystemDisks { items: DISK_CATEGORIES },
                        data_disk_categories: SupportedDataDisks { items: DISK_CATEGORIES },
                        network_types: SupportedNetworks { items: &["vpc"] },
                    }],
                },
            }),
        })
        .collect();
    Ok(Response { zones: Zones { zone } })
}
