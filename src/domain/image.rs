//! The custom image ([`Image`]) and the rules that do not need the store: the status and `Progress` an image shows at a
//! given emulator time (a `CopyImage` copy moves `Creating` → `Available`, or `CreateFailed` when a
//! scripted outcome or fault fails it), and the attribute values `ModifyImageAttribute` and
//! `ImportImageOptions` accept, as enums with their exact wire text.

use super::wire_enum::wire_enum;

wire_enum! {
    /// `Architecture` of an image (`ImportImageOptions.Architecture`).
    pub enum Architecture { X86_64 => "x86_64", Arm64 => "arm64" }
}

wire_enum! {
    /// `OSType` of an image (`ImportImageOptions.OSType`).
    pub enum OsType { Windows => "windows", Linux => "linux" }
}

wire_enum! {
    /// `BootMode` (SDK model of ModifyImageAttribute: BIOS, UEFI, UEFI-Preferred; an import takes
    /// BIOS or UEFI).
    pub enum BootMode { Bios => "BIOS", Uefi => "UEFI", UefiPreferred => "UEFI-Preferred" }
}

wire_enum! {
    /// `LicenseType` (SDK model: Auto, Aliyun, BYOL).
    pub enum LicenseType { Auto => "Auto", Aliyun => "Aliyun", Byol => "BYOL" }
}

wire_enum! {
    /// `NvmeSupport` (`supported`, `unsupported`, and `auto` where a template or ModifyImageAttribute
    /// allows it).
    pub enum NvmeSupport { Supported => "supported", Unsupported => "unsupported", Auto => "auto" }
}

wire_enum! {
    /// `ImdsSupport` (`v1`, `v2`).
    pub enum ImdsSupport { V1 => "v1", V2 => "v2" }
}

wire_enum! {
    /// `Status` of an image (the `DescribeImages` `Status` filter values, in its order).
    pub enum ImageStatus {
        Creating => "Creating",
        Waiting => "Waiting",
        Available => "Available",
        UnAvailable => "UnAvailable",
        CreateFailed => "CreateFailed",
        Deprecated => "Deprecated",
    }
}

wire_enum! {
    /// `DiskDeviceMapping.Format` of an import (`RAW`, `VHD`, `QCOW2`).
    pub enum DiskFormat { Raw => "RAW", Vhd => "VHD", Qcow2 => "QCOW2" }
}

/// A custom image (built by an execution, or a `CopyImage` copy), as stored: the one image type
/// of the domain. Public images are world data (`catalog::PublicImage`).
#[derive(Debug, Clone)]
pub struct Image {
    pub id: String,
    pub account: String,
    pub region: String,
    pub name: String,
    pub family: Option<String>,
    pub description: Option<String>,
    pub nvme_support: Option<NvmeSupport>,
    pub status: ImageStatus,
    pub source_image: String,
    pub execution_id: Option<String>,
    pub copied_from: Option<String>,
    pub size_gib: i64,
    pub platform: String,
    pub os_name: String,
    pub architecture: String,
    pub created_ms: i64,
    pub resource_group_id: Option<String>,
    pub boot_mode: Option<BootMode>,
    pub license_type: Option<LicenseType>,
    pub is_public: bool,
    pub copy_started_ms: Option<i64>,
    pub copy_ready_ms: Option<i64>,
    pub copy_error: Option<String>,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    pub imds_support: Option<ImdsSupport>,
}

impl Image {
    /// The facts that decide its status and progress on the clock.
    pub fn lifecycle(&self) -> Lifecycle {
        Lifecycle {
            status: self.status,
            copy_started_ms: self.copy_started_ms,
            copy_ready_ms: self.copy_ready_ms,
            copy_failed: self.copy_error.is_some(),
        }
    }
}

mod rules;

pub use rules::{check_cancel_copy, check_copy, check_delete, check_share_quota, copy_failure};

/// The lifecycle facts of one image, as stored.
#[derive(Debug, Clone, Copy)]
pub struct Lifecycle {
    /// The stored status (`Available`, `Deprecated`, `Creating` for a copy in flight, …).
    pub status: ImageStatus,
    pub copy_started_ms: Option<i64>,
    pub copy_ready_ms: Option<i64>,
    pub copy_failed: bool,
}

impl Lifecycle {
    /// The status at `now_ms`: a copy is `Creating` until it is due, then `Available` (or
    /// `CreateFailed` when scripted to fail).
    pub fn status(&self, now_ms: i64) -> ImageStatus {
        match (self.status, self.copy_ready_ms) {
            (ImageStatus::Creating, Some(ready)) if now_ms >= ready => {
                if self.copy_failed {
                    ImageStatus::CreateFailed
                } else {
                    ImageStatus::Available
                }
            }
            (status, _) => status,
        }
    }

    /// `Progress` at `now_ms`: `100%` for a finished image, else the elapsed share of the copy
    /// (whole percent, at most 99 while it is still `Creating`).
    pub fn progress(&self, now_ms: i64) -> String {
        match (self.copy_started_ms, self.copy_ready_ms) {
            (Some(start), Some(ready)) if self.status(now_ms) == ImageStatus::Creating => {
                let span = (ready - start).max(1);
                let done = ((now_ms - start).clamp(0, span) * 100 / span).min(99);
                format!("{done}%")
            }
            _ => "100%".to_string(),
        }
    }

    pub fn is_available(&self, now_ms: i64) -> bool {
        self.status(now_ms) == ImageStatus::Available
    }
}

/// The English `OSNameEn` of an image from its Chinese `OSName` (the catalog's names follow the
/// console's: `… 64位` is `… 64 bit`, `ARM版` is `ARM`, `数据中心版` is `Datacenter`, `英文版` is
/// `English`).
pub fn os_name_en(os_name: &str) -> String {
    let mut en = os_name.to_string();
    for (zh, english) in [("64位", "64 bit"), (" ARM版", " ARM"), ("数据中心版", "Datacenter"), ("英文版", " English")]
    {
        en = en.replace(zh, english);
    }
    en.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How long a `CopyImage` copy takes with realistic timing: as long as a build's copy step
/// (emulator choice; the real service discloses none). `--phase-duration` replaces it.
pub const REALISTIC_COPY_MS: i64 = 120_000;

/// `Status` values ModifyImageAttribute may set (SDK model: Deprecated, Available).
pub const SETTABLE_STATUSES: &[ImageStatus] = &[ImageStatus::Deprecated, ImageStatus::Available];

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(failed: bool) -> Lifecycle {
        Lifecycle {
            status: ImageStatus::Creating,
            copy_started_ms: Some(1_000),
            copy_ready_ms: Some(11_000),
            copy_failed: failed,
        }
    }

    #[test]
    fn a_copy_moves_from_creating_to_available_with_progress_on_the_clock() {
        let c = copy(false);
        assert_eq!((c.status(1_000), c.progress(1_000).as_str()), (ImageStatus::Creating, "0%"));
        assert_eq!((c.status(6_000), c.progress(6_000).as_str()), (ImageStatus::Creating, "50%"));
        assert_eq!((c.status(10_999), c.progress(10_999).as_str()), (ImageStatus::Creating, "99%"));
        assert_eq!((c.status(11_000), c.progress(11_000).as_str()), (ImageStatus::Available, "100%"));
    }

    #[test]
    fn a_scripted_copy_failure_ends_create_failed() {
        assert_eq!(copy(true).status(20_000), ImageStatus::CreateFailed);
        assert!(!copy(true).is_available(20_000));
    }

    #[test]
    fn english_os_names_have_no_chinese() {
        assert_eq!(os_name_en("Alibaba Cloud Linux  3.2104 LTS 64位"), "Alibaba Cloud Linux 3.2104 LTS 64 bit");
        assert_eq!(
            os_name_en("Alibaba Cloud Linux  3.2104 LTS 64位 ARM版"),
            "Alibaba Cloud Linux 3.2104 LTS 64 bit ARM"
        );
        assert_eq!(
            os_name_en("Windows Server  2022 数据中心版 64位英文版"),
            "Windows Server 2022 Datacenter 64 bit English"
        );
    }

    #[test]
    fn built_images_keep_their_stored_status() {
        let built = Lifecycle {
            status: ImageStatus::Deprecated,
            copy_started_ms: None,
            copy_ready_ms: None,
            copy_failed: false,
        };
        assert_eq!((built.status(0), built.progress(0).as_str()), (ImageStatus::Deprecated, "100%"));
    }
}
