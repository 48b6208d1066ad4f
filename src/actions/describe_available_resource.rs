//! `DescribeAvailableResource` (ECS): what can be created in each zone of a region, with the stock
//! the build engine uses: an out-of-stock instance type answers `Status=SoldOut`,
//! `StatusCategory=WithoutStock` (and a zone whose every matching type is sold out does too).
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeavailableresource>

use serde::Serialize;

use super::describe_zones::DISK_CATEGORIES;
use super::{region, Ctx};
use crate::catalog::{self, InstanceType};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

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

pub struct Request {
    region: String,
    destination: Destination,
    io_optimized: bool,
    resource_type: String,
    zones: Vec<String>,
    wanted_type: Option<String>,
    cores: Option<i64>,
    memory: Option<f64>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
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
    Ok(Request {
        region,
        destination,
        io_optimized,
        resource_type: resource_type.to_string(),
        zones,
        wanted_type: wanted_type.map(str::to_string),
        cores,
        memory,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    available_zones: AvailableZones,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AvailableZones {
    available_zone: Vec<AvailableZone>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AvailableZone {
    zone_id: String,
    region_id: String,
    status: &'static str,
    status_category: &'static str,
    available_resources: AvailableResources,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AvailableResources {
    available_resource: Vec<AvailableResource>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AvailableResource {
    #[serde(rename = "Type")]
    kind: &'static str,
    supported_resources: SupportedResources,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SupportedResources {
    supported_resource: Vec<SupportedResource>,
}

/// One offer: its stock, and for a disk category its size range.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SupportedResource {
    value: String,
    status: &'static str,
    status_category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'static str>,
}

fn supported(value: &str, available: bool) -> SupportedResource {
    let (status, status_category) = stock(available);
    SupportedResource { value: value.to_string(), status, status_category, min: None, max: None, unit: None }
}

fn disk(value: &str, (min, max): (u32, u32)) -> SupportedResource {
    SupportedResource {
        value: value.to_string(),
        status: "Available",
        status_category: "WithStock",
        min: Some(min),
        max: Some(max),
        unit: Some("GiB"),
    }
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { region, destination, io_optimized, resource_type, zones, wanted_type, cores, memory } = request;
    // Non-I/O-optimized instances are retired: nothing matches them.
    let types: Vec<&InstanceType> = ctx
        .state
        .catalog
        .instance_types()
        .iter()
        .filter(|_| io_optimized)
        .filter(|t| wanted_type.as_deref().is_none_or(|w| w == t.id))
        .filter(|t| cores.is_none_or(|c| i64::from(t.cpu) == c))
        .filter(|t| memory.is_none_or(|m| (f64::from(t.memory_gib) - m).abs() < f64::EPSILON))
        .collect();

    let mut available_zone = Vec::new();
    for zone in zones {
        if types.is_empty() && destination != Destination::DataDisk {
            continue;
        }
        let any_in_stock = types.iter().any(|t| t.in_stock) || (types.is_empty() && resource_type == "disk");
        let (status, status_category) = stock(any_in_stock);
        let resources: Vec<AvailableResource> = match destination {
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
        available_zone.push(AvailableZone {
            zone_id: zone,
            region_id: region.clone(),
            status,
            status_category,
            available_resources: AvailableResources { available_resource: resources },
        });
    }
    Ok(Response { available_zones: AvailableZones { available_zone } })
}

fn resource(kind: &'static str, items: Vec<SupportedResource>) -> AvailableResource {
    AvailableResource { kind, supported_resources: SupportedResources { supported_resource: items } }
}
