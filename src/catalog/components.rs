//! The built-in, read-only system components (`Owner=ALIYUN`, docs/reference.md §6.6): the same set in
//! every region, listed by DescribeImageComponents and usable in templates by ID or by ARN like
//! custom components, never deletable or taggable.
//!
//! The real catalogue is undocumented (docs/reference.md §9 item 14); these entries are realistic examples.
//! Their ARN account field is [`SYSTEM_ACCOUNT`], our choice: the docs do not say which AliUid
//! system components are published under.

use crate::domain::component::{self, Component, ComponentType, Owner, SystemType, Version};
use crate::domain::template::VersionPattern;

/// The account in system component ARNs:
/// `acs:ecs:<region>:1000000000000000:imagecomponent/<name>/<x.y.z>` (emulator choice).
pub const SYSTEM_ACCOUNT: &str = "1000000000000000";

/// One system component version.
struct Entry {
    id: &'static str,
    name: &'static str,
    version: Version,
    component_type: ComponentType,
    system_type: SystemType,
    description: &'static str,
    /// When it was published (ms since the epoch), its `CreationTime`.
    published_ms: i64,
    content: &'static str,
}

const fn v(major: u32, minor: u32, patch: u32) -> Version {
    Version { major, minor, patch }
}

const ENTRIES: &[Entry] = &[
    Entry {
        id: "ic-aliyuncmsagent1000000",
        name: "cloudmonitor-agent",
        version: v(1, 0, 0),
        component_type: ComponentType::Build,
        system_type: SystemType::Linux,
        description: "Installs the CloudMonitor agent.",
        published_ms: 1_704_067_200_000, // 2024-01-01
        content: "Parameters:
  Region:
    Type: String
    DefaultValue: cn-hangzhou
Tasks:
  - Name: InstallCloudMonitor
    Action: RunShellCommand
    Properties:
      commandContent: bash /usr/local/share/cloudmonitor/install.sh --region {{ Region }}
",
    },
    Entry {
        id: "ic-aliyuncmsagent1010000",
        name: "cloudmonitor-agent",
        version: v(1, 1, 0),
        component_type: ComponentType::Build,
        system_type: SystemType::Linux,
        description: "Installs the CloudMonitor agent and starts it at boot.",
        published_ms: 1_717_200_000_000, // 2024-06-01
        content: "Parameters:
  Region:
    Type: String
    DefaultValue: cn-hangzhou
Tasks:
  - Name: InstallCloudMonitor
    Action: RunShellCommand
    Properties:
      commandContent: bash /usr/local/share/cloudmonitor/install.sh --region {{ Region }}
  - Name: EnableCloudMonitor
    Action: RunShellCommand
    Properties:
      commandContent: systemctl enable cloudmonitor
",
    },
    Entry {
        id: "ic-aliyunsshhardening100",
        name: "security-hardening",
        version: v(1, 0, 0),
        component_type: ComponentType::Build,
        system_type: SystemType::Linux,
        description: "Applies the baseline SSH and audit hardening.",
        published_ms: 1_706_745_600_000, // 2024-02-01
        content: "RUN sed -i 's/^#\\?PermitRootLogin.*/PermitRootLogin prohibit-password/' /etc/ssh/sshd_config
RUN chmod 600 /etc/ssh/sshd_config
RUN systemctl enable auditd
",
    },
    Entry {
        id: "ic-aliyuntimezone1000000",
        name: "timezone",
        version: v(1, 0, 0),
        component_type: ComponentType::Build,
        system_type: SystemType::Linux,
        description: "Sets the system time zone.",
        published_ms: 1_709_251_200_000, // 2024-03-01
        content: "Parameters:
  TimeZone:
    Type: String
    DefaultValue: Asia/Shanghai
Tasks:
  - Name: SetTimeZone
    Action: RunShellCommand
    Properties:
      commandContent: timedatectl set-timezone {{ TimeZone }}
",
    },
    Entry {
        id: "ic-aliyundockerce1000000",
        name: "docker-ce",
        version: v(1, 0, 0),
        component_type: ComponentType::Build,
        system_type: SystemType::Linux,
        description: "Installs Docker CE from the Alibaba Cloud mirror (needs public network access).",
        published_ms: 1_711_929_600_000, // 2024-04-01
        content: "Tasks:
  - Name: InstallDocker
    Action: RunShellCommand
    Properties:
      commandContent: dnf config-manager --add-repo https://mirrors.aliyun.com/docker-ce/linux/centos/docker-ce.repo && dnf install -y docker-ce
  - Name: EnableDocker
    Action: RunShellCommand
    Properties:
      commandContent: systemctl enable docker
  - Name: Restart
    Action: Reboot
",
    },
    Entry {
        id: "ic-aliyunkernelupd100000",
        name: "kernel-upgrade",
        version: v(1, 0, 0),
        component_type: ComponentType::Build,
        system_type: SystemType::Linux,
        description: "Upgrades the kernel and reboots (needs public network access).",
        published_ms: 1_714_521_600_000, // 2024-05-01
        content: "Tasks:
  - Name: UpgradeKernel
    Action: RunShellCommand
    Properties:
      commandContent: yum update -y kernel
  - Name: Reboot
    Action: Reboot
    Properties:
      forceStop: false
",
    },
    Entry {
        id: "ic-aliyunsshdcheck100000",
        name: "sshd-check",
        version: v(1, 0, 0),
        component_type: ComponentType::Test,
        system_type: SystemType::Linux,
        description: "Checks that sshd is running.",
        published_ms: 1_706_745_600_000, // 2024-02-01
        content: "RUN systemctl is-active sshd\n",
    },
    Entry {
        id: "ic-aliyuncloudinit100000",
        name: "cloud-init-check",
        version: v(1, 0, 0),
        component_type: ComponentType::Test,
        system_type: SystemType::Linux,
        description: "Checks that cloud-init finished without errors.",
        published_ms: 1_709_251_200_000, // 2024-03-01
        content: "Tasks:
  - Name: CloudInitStatus
    Action: RunShellCommand
    Properties:
      commandContent: cloud-init status --long
",
    },
    Entry {
        id: "ic-aliyunwinupdate100000",
        name: "windows-update",
        version: v(1, 0, 0),
        component_type: ComponentType::Build,
        system_type: SystemType::Windows,
        description: "Installs pending Windows updates.",
        published_ms: 1_711_929_600_000, // 2024-04-01
        content: "Tasks:
  - Name: InstallUpdates
    Action: RunPowerShellCommand
    Properties:
      commandContent: Install-WindowsUpdate -AcceptAll -IgnoreReboot
  - Name: Restart
    Action: Reboot
",
    },
];

impl Entry {
    fn component(&self, region: &str) -> Component {
        let parameters = if component::is_yaml(self.content) {
            component::parse_yaml(self.content, self.system_type).map(|y| y.parameters).unwrap_or_default()
        } else {
            Vec::new()
        };
        Component {
            id: self.id.to_string(),
            account: SYSTEM_ACCOUNT.to_string(),
            region: region.to_string(),
            name: self.name.to_string(),
            description: Some(self.description.to_string()),
            system_type: self.system_type,
            component_type: self.component_type,
            version: self.version,
            content: self.content.to_string(),
            parameters,
            owner: Owner::System,
            resource_group_id: None,
            created_ms: self.published_ms,
        }
    }
}

/// Every system component, as seen in `region`.
pub fn all(region: &str) -> Vec<Component> {
    ENTRIES.iter().map(|e| e.component(region)).collect()
}

/// Whether `id` is a system component's ID.
pub fn is_system(id: &str) -> bool {
    ENTRIES.iter().any(|e| e.id == id)
}

/// The system component with this ID, as seen in `region`.
pub fn by_id(region: &str, id: &str) -> Option<Component> {
    ENTRIES.iter().find(|e| e.id == id).map(|e| e.component(region))
}

/// The highest version of the system component `name` matching `pattern`.
pub fn latest(region: &str, name: &str, pattern: &VersionPattern) -> Option<Component> {
    ENTRIES
        .iter()
        .filter(|e| e.name == name && e.version.matches(pattern))
        .max_by_key(|e| e.version)
        .map(|e| e.component(region))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::template::{self, Context};
    use std::collections::HashSet;

    #[test]
    fn every_system_component_is_valid_and_unique() {
        let mut ids = HashSet::new();
        let mut versions = HashSet::new();
        for entry in ENTRIES {
            assert!(ids.insert(entry.id), "duplicate id {}", entry.id);
            assert!(versions.insert((entry.name, entry.version)), "duplicate version of {}", entry.name);
            assert!(crate::domain::names::is_valid_name(entry.name), "{}", entry.name);
            let valid = if component::is_yaml(entry.content) {
                component::parse_yaml(entry.content, entry.system_type).is_ok()
            } else {
                template::parse(entry.content, Context::Component).is_ok_and(|p| !p.steps.is_empty())
            };
            assert!(valid, "{} has invalid content", entry.id);
        }
    }

    #[test]
    fn the_highest_matching_version_wins() {
        let any = VersionPattern { major: Some(1), minor: None, patch: None };
        assert_eq!(latest("cn-hangzhou", "cloudmonitor-agent", &any).map(|c| c.version), Some(v(1, 1, 0)));
        let exact = VersionPattern { major: Some(1), minor: Some(0), patch: None };
        assert_eq!(
            latest("cn-hangzhou", "cloudmonitor-agent", &exact).map(|c| c.id),
            Some("ic-aliyuncmsagent1000000".into())
        );
        assert!(latest(
            "cn-hangzhou",
            "cloudmonitor-agent",
            &VersionPattern { major: Some(2), minor: None, patch: None }
        )
        .is_none());
        let tz = by_id("cn-beijing", "ic-aliyuntimezone1000000").expect("exists");
        assert_eq!(tz.region, "cn-beijing");
        assert_eq!(tz.parameters[0].default.as_deref(), Some("Asia/Shanghai"));
    }
}
