//! Rules of custom images that do not need the store: the status and `Progress` an image shows at a
//! given emulator time (a `CopyImage` copy moves `Creating` → `Available`, or `CreateFailed` when a
//! scripted outcome or fault fails it), and the attribute values `ModifyImageAttribute` accepts.

mod rules;

pub use rules::{check_cancel_copy, check_copy, check_delete, check_share_quota, copy_failure};

/// The lifecycle facts of one image, as stored.
#[derive(Debug, Clone, Copy)]
pub struct Lifecycle<'a> {
    /// The stored status (`Available`, `Deprecated`, `Creating` for a copy in flight, …).
    pub status: &'a str,
    pub copy_started_ms: Option<i64>,
    pub copy_ready_ms: Option<i64>,
    pub copy_failed: bool,
}

impl Lifecycle<'_> {
    /// The status at `now_ms`: a copy is `Creating` until it is due, then `Available` (or
    /// `CreateFailed` when scripted to fail).
    pub fn status(&self, now_ms: i64) -> &str {
        match (self.status, self.copy_ready_ms) {
            ("Creating", Some(ready)) if now_ms >= ready => {
                if self.copy_failed {
                    "CreateFailed"
                } else {
                    "Available"
                }
            }
            (status, _) => status,
        }
    }

    /// `Progress` at `now_ms`: `100%` for a finished image, else the elapsed share of the copy
    /// (whole percent, at most 99 while it is still `Creating`).
    pub fn progress(&self, now_ms: i64) -> String {
        match (self.copy_started_ms, self.copy_ready_ms) {
            (Some(start), Some(ready)) if self.status(now_ms) == "Creating" => {
                let span = (ready - start).max(1);
                let done = ((now_ms - start).clamp(0, span) * 100 / span).min(99);
                format!("{done}%")
            }
            _ => "100%".to_string(),
        }
    }

    pub fn is_available(&self, now_ms: i64) -> bool {
        self.status(now_ms) == "Available"
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

/// `BootMode` values of ModifyImageAttribute (SDK model: BIOS, UEFI, UEFI-Preferred).
pub const BOOT_MODES: &[&str] = &["BIOS", "UEFI", "UEFI-Preferred"];
/// `LicenseType` values of ModifyImageAttribute (SDK model: Auto, Aliyun, BYOL).
pub const LICENSE_TYPES: &[&str] = &["Auto", "Aliyun", "BYOL"];
/// `Status` values ModifyImageAttribute may set (SDK model: Deprecated, Available).
pub const SETTABLE_STATUSES: &[&str] = &["Deprecated", "Available"];

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(failed: bool) -> Lifecycle<'static> {
        Lifecycle { status: "Creating", copy_started_ms: Some(1_000), copy_ready_ms: Some(11_000), copy_failed: failed }
    }

    #[test]
    fn a_copy_moves_from_creating_to_available_with_progress_on_the_clock() {
        let c = copy(false);
        assert_eq!((c.status(1_000), c.progress(1_000).as_str()), ("Creating", "0%"));
        assert_eq!((c.status(6_000), c.progress(6_000).as_str()), ("Creating", "50%"));
        assert_eq!((c.status(10_999), c.progress(10_999).as_str()), ("Creating", "99%"));
        assert_eq!((c.status(11_000), c.progress(11_000).as_str()), ("Available", "100%"));
    }

    #[test]
    fn a_scripted_copy_failure_ends_create_failed() {
        assert_eq!(copy(true).status(20_000), "CreateFailed");
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
        let built = Lifecycle { status: "Deprecated", copy_started_ms: None, copy_ready_ms: None, copy_failed: false };
        assert_eq!((built.status(0), built.progress(0).as_str()), ("Deprecated", "100%"));
    }
}
