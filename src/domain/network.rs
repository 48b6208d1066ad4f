//! VPCs and vSwitches (VPC API 2016-04-28) as pure data and rules: IPv4 CIDR blocks (parsing,
//! containment, overlap, the reserved ranges), the mask bounds, the `Pending` → `Available`
//! status computed from the creation time and the emulator clock, and free-block allocation
//! for `CidrMask`.

use super::limits;
use super::refusal::Refusal;
use super::wire_enum::wire_enum;
use crate::error::{ApiError, Code};

/// A VPC made through CreateVpc (the built-in default VPCs are in the catalog).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpc {
    pub id: String,
    pub account: String,
    pub region: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub cidr_block: String,
    pub resource_group_id: Option<String>,
    pub vrouter_id: String,
    pub route_table_id: String,
    pub created_ms: i64,
    /// The IPv6 block of a VPC created with `EnableIpv6=true`; `None`: IPv6 not enabled.
    pub ipv6_cidr_block: Option<String>,
}

/// A vSwitch made through CreateVSwitch, in one of the account's VPCs or the default VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VSwitch {
    pub id: String,
    pub account: String,
    pub region: String,
    pub vpc_id: String,
    pub zone_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub cidr_block: String,
    pub resource_group_id: Option<String>,
    pub created_ms: i64,
}

/// How a new vSwitch's block is chosen: given, or the first free block of a mask length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidrRequest {
    Block(String),
    Mask(u8),
}

/// An IPv4 CIDR block whose address is its network address (`10.0.0.0/16`, not `10.0.0.1/16`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: u32,
    pub mask: u8,
}

/// Ranges no VPC or vSwitch may use (CreateVpc / CreateVSwitch `CidrBlock` docs:
/// https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-createvpc).
const RESERVED: &[Cidr] = &[
    Cidr { addr: 100 << 24 | 64 << 16, mask: 10 },
    Cidr { addr: 224 << 24, mask: 4 },
    Cidr { addr: 127 << 24, mask: 8 },
    Cidr { addr: 169 << 24 | 254 << 16, mask: 16 },
];

impl Cidr {
    /// Parses `a.b.c.d/n`; `None` when malformed or when host bits are set.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (ip, mask) = text.split_once('/')?;
        let mask: u8 = mask.parse().ok().filter(|m| *m <= 32)?;
        if mask.to_string().len() != text.len() - ip.len() - 1 {
            return None;
        }
        let octets: Vec<&str> = ip.split('.').collect();
        if octets.len() != 4 {
            return None;
        }
        let mut addr = 0u32;
        for octet in octets {
            if octet.is_empty() || octet.len() > 3 || !octet.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            addr = addr << 8 | u32::from(octet.parse::<u8>().ok()?);
        }
        let cidr = Cidr { addr, mask };
        (addr & !cidr.netmask() == 0).then_some(cidr)
    }

    fn netmask(self) -> u32 {
        if self.mask == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.mask))
        }
    }

    fn last(self) -> u32 {
        self.addr | !self.netmask()
    }

    /// Whether `other` lies entirely inside this block.
    pub fn contains(self, other: Cidr) -> bool {
        other.mask >= self.mask && other.addr & self.netmask() == self.addr
    }

    pub fn overlaps(self, other: Cidr) -> bool {
        self.addr <= other.last() && other.addr <= self.last()
    }

    /// Whether the block touches one of the reserved ranges.
    pub fn is_reserved(self) -> bool {
        RESERVED.iter().any(|r| r.overlaps(self))
    }

    /// Number of addresses in the block.
    pub fn size(self) -> i64 {
        1i64 << (32 - u32::from(self.mask))
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [a, b, c, d] = self.addr.to_be_bytes();
        write!(f, "{a}.{b}.{c}.{d}/{}", self.mask)
    }
}

/// Why a CIDR block was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CidrProblem {
    /// Malformed, wrong mask length, or reserved: `400 InvalidParameter` in the docs.
    Invalid,
    /// A vSwitch block outside its VPC's block (also `400 InvalidParameter`).
    OutsideVpc,
    /// Overlaps a sibling vSwitch: `400 InvalidCidrBlock.Overlapped`.
    Overlapped,
}

impl CidrProblem {
    /// The documented error: `400 InvalidParameter` ("Specified CIDR block is not valid [in VPC].")
    /// or `400 InvalidCidrBlock.Overlapped`.
    pub fn to_error(self, cidr: &str) -> ApiError {
        match self {
            CidrProblem::Invalid => ApiError::with_message(
                Code::InvalidParameter,
                format!("Specified CIDR block is not valid: \"{cidr}\"."),
            ),
            CidrProblem::OutsideVpc => ApiError::with_message(
                Code::InvalidParameter,
                format!("Specified CIDR block is not valid in VPC: \"{cidr}\" is not inside the VPC's CIDR block."),
            ),
            CidrProblem::Overlapped => ApiError::with_message(
                Code::InvalidCidrBlockOverlapped,
                format!("Specified CIDR block overlapped with other subnets: \"{cidr}\"."),
            ),
        }
    }
}

/// A VPC's `CidrBlock`: well formed, mask 16–28, outside the reserved ranges.
pub fn check_vpc_cidr(text: &str) -> Result<Cidr, CidrProblem> {
    let cidr = Cidr::parse(text).ok_or(CidrProblem::Invalid)?;
    let (min, max) = limits::VPC_MASK;
    if !(min..=max).contains(&cidr.mask) || cidr.is_reserved() {
        return Err(CidrProblem::Invalid);
    }
    Ok(cidr)
}

/// A vSwitch's `CidrBlock`: well formed, mask 16–29, inside the VPC's block, no overlap with a
/// sibling's block.
pub fn check_vswitch_cidr(text: &str, vpc: Cidr, siblings: &[Cidr]) -> Result<Cidr, CidrProblem> {
    let cidr = Cidr::parse(text).ok_or(CidrProblem::Invalid)?;
    let (min, max) = limits::VSWITCH_MASK;
    if !(min..=max).contains(&cidr.mask) || cidr.is_reserved() {
        return Err(CidrProblem::Invalid);
    }
    if !vpc.contains(cidr) {
        return Err(CidrProblem::OutsideVpc);
    }
    if siblings.iter().any(|s| s.overlaps(cidr)) {
        return Err(CidrProblem::Overlapped);
    }
    Ok(cidr)
}

/// The first free block of length `mask` inside `vpc` (`CidrMask` instead of `CidrBlock`).
pub fn allocate(vpc: Cidr, mask: u8, siblings: &[Cidr]) -> Result<Cidr, CidrProblem> {
    let (min, max) = limits::VSWITCH_MASK;
    if !(min..=max).contains(&mask) || mask < vpc.mask {
        return Err(CidrProblem::Invalid);
    }
    let step = 1u64 << (32 - u32::from(mask));
    let mut addr = u64::from(vpc.addr);
    while addr <= u64::from(vpc.last()) {
        let candidate = Cidr { addr: u32::try_from(addr).map_err(|_| CidrProblem::Invalid)?, mask };
        match siblings.iter().find(|s| s.overlaps(candidate)) {
            None => return Ok(candidate),
            // Skip past the sibling in one step, aligned up to the candidate size.
            Some(s) => addr = (u64::from(s.last()) + 1).div_ceil(step) * step,
        }
    }
    Err(CidrProblem::Overlapped)
}

/// The /56 IPv6 block Alibaba assigns a VPC when IPv6 is enabled (`EnableIpv6=true`), derived from
/// the VPC's ID so that it is stable: `2408:4005:xxxx:xx00::/56` (the BGP range Alibaba uses in
/// the CreateVpc documentation's examples).
pub fn ipv6_block(vpc_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(vpc_id.as_bytes());
    format!("2408:4005:{:x}:{:x}00::/56", u16::from_be_bytes([digest[0], digest[1]]), digest[2])
}

/// Addresses instances can use in a vSwitch block.
pub fn available_ips(cidr: Cidr) -> i64 {
    (cidr.size() - limits::VSWITCH_RESERVED_ADDRESSES).max(0)
}

wire_enum! {
    /// `Status` of a VPC or vSwitch (the documented states of DescribeVpcs / DescribeVSwitches).
    pub enum NetworkStatus { Pending => "Pending", Available => "Available" }
}

/// `Pending` until `pending_ms` after creation, then `Available`, computed at read time from the
/// emulator clock.
pub fn status(created_ms: i64, now_ms: i64, pending_ms: i64) -> NetworkStatus {
    if now_ms >= created_ms.saturating_add(pending_ms) {
        NetworkStatus::Available
    } else {
        NetworkStatus::Pending
    }
}

/// How long new networks stay `Pending` under a `--phase-duration` setting.
pub fn pending_ms(phase_duration_ms: Option<i64>) -> i64 {
    match phase_duration_ms {
        Some(0) => 0,
        _ => limits::NETWORK_PENDING_MS,
    }
}

/// `VpcName` / `VSwitchName`: 1–128 characters, not starting with `http(s)://`.
pub fn is_valid_name(s: &str) -> bool {
    within(s, limits::VPC_NAME_CHARS) && !starts_with_url(s)
}

/// `Description`: 1–256 characters, not starting with `http(s)://`.
pub fn is_valid_description(s: &str) -> bool {
    within(s, limits::VPC_DESCRIPTION_CHARS) && !starts_with_url(s)
}

fn within(s: &str, (min, max): (usize, usize)) -> bool {
    (min..=max).contains(&s.chars().count())
}

fn starts_with_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// The block of a new vSwitch: `request` checked (or, for a mask, chosen) against the VPC's block
/// and the sibling vSwitches' blocks.
pub fn place_vswitch(request: &CidrRequest, vpc: Cidr, siblings: &[Cidr]) -> Result<Cidr, Refusal> {
    match request {
        CidrRequest::Block(text) => check_vswitch_cidr(text, vpc, siblings)
            .map_err(|problem| Refusal::Cidr { problem, requested: text.clone() }),
        CidrRequest::Mask(mask) => {
            allocate(vpc, *mask, siblings).map_err(|problem| Refusal::Cidr { problem, requested: format!("/{mask}") })
        }
    }
}

/// Which kind of network a delete checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkKind {
    Vpc,
    VSwitch,
}

/// A delete needs the tenant's network (`created_ms`: `None` when it has none) to be `Available`.
pub fn check_deletable(
    kind: NetworkKind,
    id: &str,
    created_ms: Option<i64>,
    now_ms: i64,
    pending_ms: i64,
) -> Result<(), Refusal> {
    let id = id.to_string();
    let Some(created_ms) = created_ms else {
        return Err(match kind {
            NetworkKind::Vpc => Refusal::VpcNotFound { id },
            NetworkKind::VSwitch => Refusal::VSwitchNotFound { id },
        });
    };
    if status(created_ms, now_ms, pending_ms) != NetworkStatus::Available {
        return Err(match kind {
            NetworkKind::Vpc => Refusal::VpcPending { id },
            NetworkKind::VSwitch => Refusal::VSwitchPending { id },
        });
    }
    Ok(())
}

/// A VPC is deleted only once it has no vSwitches.
pub fn check_vpc_empty(id: &str, vswitches: i64) -> Result<(), Refusal> {
    if vswitches > 0 {
        Err(Refusal::VpcHasVSwitches { id: id.to_string(), count: vswitches })
    } else {
        Ok(())
    }
}

/// A vSwitch is deleted only while no running build (`build`: its execution) and no template
/// (`template`) uses it.
pub fn check_vswitch_unused(id: &str, build: Option<String>, template: Option<String>) -> Result<(), Refusal> {
    if let Some(execution_id) = build {
        return Err(Refusal::VSwitchUsedByBuild { id: id.to_string(), execution_id });
    }
    if let Some(pipeline_id) = template {
        return Err(Refusal::VSwitchUsedByTemplate { id: id.to_string(), pipeline_id });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        Cidr::parse(s).unwrap_or_else(|| panic!("{s} parses"))
    }

    #[test]
    fn parses_only_network_addresses() {
        assert_eq!(c("10.0.0.0/16").to_string(), "10.0.0.0/16");
        for bad in ["10.0.0.1/16", "10.0.0.0", "10.0.0/16", "10.0.0.256/24", "10.0.0.0/33", "10.0.0.0/016", "a.b.c.d/8"]
        {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn vpc_blocks_follow_mask_bounds_and_reserved_ranges() {
        assert!(check_vpc_cidr("192.168.0.0/16").is_ok());
        assert!(check_vpc_cidr("10.1.0.0/28").is_ok());
        assert_eq!(check_vpc_cidr("10.0.0.0/8"), Err(CidrProblem::Invalid));
        assert_eq!(check_vpc_cidr("10.0.0.0/29"), Err(CidrProblem::Invalid));
        assert_eq!(check_vpc_cidr("100.64.0.0/16"), Err(CidrProblem::Invalid));
        assert_eq!(check_vpc_cidr("169.254.0.0/16"), Err(CidrProblem::Invalid));
    }

    #[test]
    fn vswitch_blocks_are_inside_and_disjoint() {
        let vpc = c("172.16.0.0/16");
        let siblings = [c("172.16.0.0/24")];
        assert!(check_vswitch_cidr("172.16.1.0/24", vpc, &siblings).is_ok());
        assert_eq!(check_vswitch_cidr("172.16.0.128/25", vpc, &siblings), Err(CidrProblem::Overlapped));
        assert_eq!(check_vswitch_cidr("172.17.0.0/24", vpc, &siblings), Err(CidrProblem::OutsideVpc));
        assert_eq!(check_vswitch_cidr("172.16.0.0/30", vpc, &siblings), Err(CidrProblem::Invalid));
        assert_eq!(allocate(vpc, 24, &siblings), Ok(c("172.16.1.0/24")));
        assert_eq!(allocate(c("10.0.0.0/28"), 29, &[c("10.0.0.0/29"), c("10.0.0.8/29")]), Err(CidrProblem::Overlapped));
        assert_eq!(available_ips(c("192.168.1.0/24")), 252);
    }

    #[test]
    fn status_turns_available_after_the_pending_time() {
        assert_eq!(status(1_000, 3_999, 3_000), NetworkStatus::Pending);
        assert_eq!(status(1_000, 4_000, 3_000), NetworkStatus::Available);
        assert_eq!(pending_ms(Some(0)), 0);
        assert_eq!(pending_ms(None), limits::NETWORK_PENDING_MS);
    }
}
