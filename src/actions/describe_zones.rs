//! `DescribeZones` (ECS): the zones of a region with the instance types, disk categories and
//! network types offered there (`Verbose=false` leaves the lists out). Answered from the catalog;
//! an out-of-stock type is still offered, its stock is DescribeAvailableResource's business.
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describezones>

use serde_json::{json, Value};

use super::{region, Ctx};
use crate::catalog;
use crate::error::{ApiError, ApiResult};

/// Disk categories every zone offers (system and data disks alike).
pub const DISK_CATEGORIES: &[&str] = &["cloud_efficiency", "cloud_ssd", "cloud_essd", "cloud_auto"];

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    super::check_charge_type(ctx.params)?;
    match ctx.params.opt_str("SpotStrategy") {
        None | Some("NoSpot" | "SpotWithPriceLimit" | "SpotAsPriceGo") => {}
        Some(_) => return Err(ApiError::invalid_param("SpotStrategy")),
    }
    let verbose = ctx.params.opt_bool("Verbose")?.unwrap_or(true);
    let types: Vec<&str> = ctx.state.catalog.instance_types().iter().map(|t| t.id).collect();
    let mut families: Vec<&str> = ctx.state.catalog.instance_types().iter().map(|t| t.family()).collect();
    families.dedup();
    let zones: Vec<Value> = catalog::zones(&region)
        .into_iter()
        .map(|zone| {
            let local_name = zone.clone();
            if !verbose {
                return json!({ "ZoneId": zone, "LocalName": local_name, "ZoneType": "AvailabilityZone" });
            }
            json!({
                "ZoneId": zone,
                "LocalName": local_name,
                "ZoneType": "AvailabilityZone",
                "AvailableResourceCreation": { "ResourceTypes": ["Instance", "Disk", "VSwitch"] },
                "AvailableInstanceTypes": { "InstanceTypes": types },
                "AvailableDiskCategories": { "DiskCategories": DISK_CATEGORIES },
                "AvailableVolumeCategories": { "VolumeCategories": [] },
                "AvailableDedicatedHostTypes": { "DedicatedHostType": [] },
                "DedicatedHostGenerations": { "DedicatedHostGeneration": [] },
                "AvailableResources": { "ResourcesInfo": [{
                    "IoOptimized": true,
                    "InstanceTypes": { "supportedInstanceType": types },
                    "InstanceTypeFamilies": { "supportedInstanceTypeFamily": families },
                    "InstanceGenerations": { "supportedInstanceGeneration": ["ecs-3", "ecs-4", "ecs-5"] },
                    "SystemDiskCategories": { "supportedSystemDiskCategory": DISK_CATEGORIES },
                    "DataDiskCategories": { "supportedDataDiskCategory": DISK_CATEGORIES },
                    "NetworkTypes": { "supportedNetworkCategory": ["vpc"] },
                }]},
            })
        })
        .collect();
    Ok(json!({ "Zones": { "Zone": zones } }))
}
