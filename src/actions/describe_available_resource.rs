//! `DescribeAvailableResource` (ECS): what can be created in each zone of a region, with the stock
//! the build engine uses: an out-of-stock instance type answers `Status=SoldOut`,
//! `StatusCategory=WithoutStock` (and a zone whose every matching type is sold out does too).
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeavailableresource>

use serde_json::{json, Value};

use super::describe_zones::DISK_CATEGORIES;
use super::{region, Ctx};
use crate::catalog::{self, InstanceType};
use crate::error::{ApiError, ApiResult, Code};

/// System disks: 20–2048 GiB; data disks: 20–32768 GiB (ESSD limits, ECS block storage docs).
const SYSTEM_DISK_GIB: (u32, u32) = (20, 2048);
const DATA_DISK_GIB: (u32, u32) = (20, 32768);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Destination {
    Zone,
    IoOptimized,
    InstanceType,
    Network,
    Ddh,
    SystemDisk,
    DataDisk,
}

impl Destination {
    fn parse(text: &str) -> Option<Destination> {
        Some(match text {
            "Zone" => Destination::Zone,
            "IoOptimized" => Destination::IoOptimized,
            "InstanceType" => Destination::InstanceType,
            "Network" => Destination::Network,
            "ddh" => Destination::Ddh,
            "SystemDisk" => Destination::SystemDisk,
            "DataDisk" => Destination::DataDisk,
            _ => return None,
        })
    }
}

fn stock(available: bool) -> (&'static str, &'static str) {
    if available {
        ("Available", "WithStock")
    } else {
        ("SoldOut", "WithoutStock")
    }
}

fn supported(value: &str, available: bool) -> Value {
    let (status, category) = stock(available);
    json!({ "Value": value, "Status": status, "StatusCategory": category })
}

fn disk(value: &str, (min, max): (u32, u32)) -> Value {
    json!({ "Value": value, "Status": "Available", "StatusCategory": "WithStock", "Min": min, "Max": max, "Unit": "GiB" })
}

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let params = ctx.params;
    let region = region(params)?;
    let destination = params.required_str("DestinationResource")?;
    let destination = Destination::parse(destination).ok_or_else(|| ApiError::invalid_param("DestinationResource"))?;
    super::check_charge_type(params)?;
    let io_optimized = match params.opt_str("IoOptimized") {
        None | Some("optimized") => true,
        Some("none") => false,
        Some(_) => return Err(ApiError::invalid_param("IoOptimized")),
    };
    let resource_type = params.opt_str("ResourceType").unwrap_or("instance");
    if !matches!(resource_type, "instance" | "disk" | "reservedinstance" | "ddh") {
        return Err(ApiError::invalid_param("ResourceType"));
    }
    let zones = catalog::zones(&region);
    let zones: Vec<String> = match params.opt_str("ZoneId") {
        None => zones,
        Some(zone) if zones.iter().any(|z| z == zone) => vec![zone.to_string()],
        Some(zone) => {
            return Err(ApiError::with_message(
                Code::InvalidZoneIdNotFound,
                format!("The specified zone \"{zone}\" does not exist in region {region}."),
            ))
        }
    };
    let wanted_type = params.opt_str("InstanceType");
    let needs_type = matches!(destination, Destination::SystemDisk)
        || (destination == Destination::DataDisk && resource_type == "instance");
    if needs_type && wanted_type.is_none() {
        return Err(ApiError::missing("InstanceType"));
    }
    let cores = params.opt_i64("Cores")?;
    let memory = params
        .opt_str("Memory")
        .map(|m| m.parse::<f64>())
        .transpose()
        .map_err(|_| ApiError::invalid_param("Memory"))?;
    // Non-I/O-optimized instances are retired: nothing matches them.
    let types: Vec<&InstanceType> = ctx
        .state
        .catalog
        .instance_types()
        .iter()
        .filter(|_| io_optimized)
        .filter(|t| wanted_type.is_none_or(|w| w == t.id))
        .filter(|t| cores.is_none_or(|c| i64::from(t.cpu) == c))
        .filter(|t| memory.is_none_or(|m| (f64::from(t.memory_gib) - m).abs() < f64::EPSILON))
        .collect();

    let mut available_zones = Vec::new();
    for zone in zones {
        if types.is_empty() && destination != Destination::DataDisk {
            continue;
        }
        let any_in_stock = types.iter().any(|t| t.in_stock) || (types.is_empty() && resource_type == "disk");
        let (status, category) = stock(any_in_stock);
        let resources: Vec<Value> = match destination {
            Destination::Zone => vec![resource("Zone", vec![supported(&zone, any_in_stock)])],
            Destination::IoOptimized => vec![resource("IoOptimized", vec![supported("optimized", any_in_stock)])],
            Destination::InstanceType => {
                vec![resource("InstanceType", types.iter().map(|t| supported(t.id, t.in_stock)).collect())]
            }
            Destination::Network => vec![resource("Network", vec![supported("vpc", any_in_stock)])],
            Destination::Ddh => vec![resource("DedicatedHost", Vec::new())],
            Destination::SystemDisk => {
                vec![resource("SystemDisk", DISK_CATEGORIES.iter().map(|c| disk(c, SYSTEM_DISK_GIB)).collect())]
            }
            Destination::DataDisk => {
                vec![resource("DataDisk", DISK_CATEGORIES.iter().map(|c| disk(c, DATA_DISK_GIB)).collect())]
            }
        };
        available_zones.push(json!({
            "ZoneId": zone,
            "RegionId": region,
            "Status": status,
            "StatusCategory": category,
            "AvailableResources": { "AvailableResource": resources },
        }));
    }
    Ok(json!({ "AvailableZones": { "AvailableZone": available_zones } }))
}

fn resource(kind: &str, items: Vec<Value>) -> Value {
    json!({ "Type": kind, "SupportedResources": { "SupportedResource": items } })
}
