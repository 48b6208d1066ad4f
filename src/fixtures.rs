//! `--fixtures FILE`: a YAML or JSON file that declares access keys (with their accounts),
//! additions to the catalog (public images, instance types and their stock, vSwitches, resource
//! groups), and templates and components to create. Loaded at start, before `/_emulator/ready`
//! answers 200. Templates and components go through the same action handlers as API calls, with a
//! `ClientToken` derived from their fixture name, so loading the same file again creates nothing.
//!
//! ```yaml
//! access_keys:
//!   - { id: LTAI5tCiKey, secret: s3cret, account: "1234567812345678" }
//! images:
//!   - { id: m-golden0000000000001, name: golden, family: golden-family, platform: Ubuntu }
//! instance_types:
//!   - { id: ecs.g6.large, cpu: 2, memory_gib: 8, in_stock: false }
//! vswitches:
//!   - { id: vsw-ci0000000000000001, region: cn-hangzhou, zone: cn-hangzhou-i }
//! resource_groups: [rg-ci00000000000001]
//! templates:
//!   - name: web
//!     account: "1234567812345678"
//!     region: cn-hangzhou
//!     params: { BaseImageType: IMAGE, BaseImage: aliyun_3_x64_20G_alibase_20240819.vhd, Name: web }
//! components:
//!   - { name: base-tools, params: { Name: base-tools, Content: "RUN echo hi" } }
//!   # `id`: the component gets this ID instead of a generated one, to mirror an account's existing
//!   # component that a test suite refers to (`COMPONENT ic-…`).
//!   - { name: theirs, id: ic-bp122acttbs2sxdyq2ky, params: { Name: theirs, Content: "RUN echo hi" } }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use yaml_rust2::parser::{Event, EventReceiver, Parser};
use yaml_rust2::{Yaml, YamlLoader};

use crate::actions::{self, Action, Ctx};
use crate::auth::caller::{Caller, DEFAULT_ACCOUNT};
use crate::auth::AccessKey;
use crate::catalog::{Catalog, InstanceType, OsType, PublicImage};
use crate::domain::limits::MAX_FIXTURES_BYTES;
use crate::params::Params;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixtures {
    /// With `--auth strict`: the token `/_emulator/*` requires (`--admin-token` wins).
    #[serde(default)]
    pub admin_token: Option<String>,
    #[serde(default)]
    pub access_keys: Vec<KeyFixture>,
    #[serde(default)]
    pub images: Vec<ImageFixture>,
    #[serde(default)]
    pub instance_types: Vec<InstanceTypeFixture>,
    #[serde(default)]
    pub vswitches: Vec<VSwitchFixture>,
    #[serde(default)]
    pub resource_groups: Vec<String>,
    #[serde(default)]
    pub components: Vec<CallFixture>,
    #[serde(default)]
    pub templates: Vec<CallFixture>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFixture {
    pub id: String,
    pub secret: String,
    pub account: String,
}

/// A public image (in every region), like the built-in ones.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageFixture {
    pub id: String,
    pub name: Option<String>,
    pub family: Option<String>,
    /// `linux` (default), `windows`, or `unsupported`.
    pub os_type: Option<String>,
    pub platform: Option<String>,
    pub os_name: Option<String>,
    pub architecture: Option<String>,
    /// `system` (default) or `marketplace`.
    pub owner_alias: Option<String>,
    pub repairable: Option<bool>,
    pub size_gib: Option<i64>,
    /// `yyyy-MM-ddTHH:mm:ssZ`, for choosing a family's newest image (default: now-ish, newest).
    pub created: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceTypeFixture {
    pub id: String,
    pub cpu: Option<u32>,
    pub memory_gib: Option<u32>,
    pub in_stock: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VSwitchFixture {
    pub id: String,
    pub region: String,
    /// One of the region's zones (DescribeZones); default: its first.
    pub zone: Option<String>,
}

/// A resource created through its API action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallFixture {
    /// Unique within its list; makes loading idempotent.
    pub name: String,
    /// Components only: the ID to give the component (`ic-` and 20 lowercase letters or digits).
    pub id: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// The action's parameters, flattened as on the wire (`Tag.1.Key`, `ImageOptions.ImageName`).
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
}

/// Reads a fixtures file (JSON if it parses as JSON, else YAML). YAML aliases (`*name`) are
/// refused: expanding nested ones lets a few hundred bytes become gigabytes.
pub fn read(path: &Path) -> Result<Fixtures, String> {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read fixtures {}: {e}", path.display()))?.len();
    if size > MAX_FIXTURES_BYTES {
        return Err(format!("fixtures {}: {size} bytes, more than the {MAX_FIXTURES_BYTES} accepted", path.display()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read fixtures {}: {e}", path.display()))?;
    let value = match serde_json::from_str::<Value>(&text) {
        Ok(value) => value,
        Err(_) => {
            refuse_aliases(&text).map_err(|e| format!("fixtures {}: {e}", path.display()))?;
            let docs = YamlLoader::load_from_str(&text).map_err(|e| format!("fixtures {}: {e}", path.display()))?;
            docs.first().map(yaml_to_json).unwrap_or(Value::Null)
        }
    };
    if value.is_null() {
        return Ok(Fixtures::default());
    }
    serde_json::from_value(value).map_err(|e| format!("fixtures {}: {e}", path.display()))
}

/// Scans the YAML's events and refuses any alias, before anything is expanded.
fn refuse_aliases(text: &str) -> Result<(), String> {
    struct Aliases(bool);
    impl EventReceiver for Aliases {
        fn on_event(&mut self, event: Event) {
            if matches!(event, Event::Alias(_)) {
                self.0 = true;
            }
        }
    }
    let mut found = Aliases(false);
    Parser::new_from_str(text).load(&mut found, true).map_err(|e| e.to_string())?;
    if found.0 {
        return Err("YAML aliases (*name) are not supported in fixtures; write the values out".into());
    }
    Ok(())
}

fn yaml_to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(r) => {
            r.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
        }
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Real(r) => r.clone(),
                        Yaml::Boolean(b) => b.to_string(),
                        _ => String::new(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Value::Null,
    }
}

/// Fixture text lives as long as the process: leaking it once at start lets fixture images use
/// the same `&'static str` catalog type as the built-in ones.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The access keys of the fixtures.
pub fn keys(fixtures: &Fixtures) -> Result<HashMap<String, AccessKey>, String> {
    let mut keys = HashMap::new();
    for key in &fixtures.access_keys {
        if key.account.len() != 16 || !key.account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("access key {}: account \"{}\" must be 16 digits", key.id, key.account));
        }
        keys.insert(key.id.clone(), AccessKey { secret: key.secret.clone(), account: key.account.clone() });
    }
    Ok(keys)
}

/// The built-in catalog with the fixtures' additions.
pub fn catalog(fixtures: &Fixtures) -> Result<Catalog, String> {
    let mut catalog = Catalog::builtin();
    for image in &fixtures.images {
        let os_type = match image.os_type.as_deref().unwrap_or("linux") {
            "linux" => OsType::Linux,
            "windows" => OsType::Windows,
            "unsupported" => OsType::Unsupported,
            other => {
                return Err(format!("image {}: os_type \"{other}\" is not linux, windows or unsupported", image.id))
            }
        };
        catalog.add_image(PublicImage {
            id: leak(image.id.clone()),
            name: leak(image.name.clone().unwrap_or_else(|| image.id.clone())),
            family: image.family.clone().map(leak),
            os_type,
            platform: leak(image.platform.clone().unwrap_or_else(|| "Others Linux".into())),
            os_name: leak(image.os_name.clone().unwrap_or_else(|| image.id.clone())),
            architecture: leak(image.architecture.clone().unwrap_or_else(|| "x86_64".into())),
            owner_alias: leak(image.owner_alias.clone().unwrap_or_else(|| "system".into())),
            repairable: image.repairable.unwrap_or(true),
            size_gib: image.size_gib.unwrap_or(20),
            created: leak(image.created.clone().unwrap_or_else(|| "2099-01-01T00:00:00Z".into())),
        });
    }
    for t in &fixtures.instance_types {
        let existing = catalog.instance_type(&t.id).copied();
        catalog.set_instance_type(InstanceType {
            id: existing.map_or_else(|| leak(t.id.clone()), |e| e.id),
            cpu: t.cpu.or(existing.map(|e| e.cpu)).unwrap_or(2),
            memory_gib: t.memory_gib.or(existing.map(|e| e.memory_gib)).unwrap_or(8),
            in_stock: t.in_stock.unwrap_or(true),
        });
    }
    for v in &fixtures.vswitches {
        if !crate::catalog::is_region(&v.region) {
            return Err(format!("vSwitch {}: unknown region \"{}\"", v.id, v.region));
        }
        if let Some(zone) = &v.zone {
            if !crate::catalog::zones(&v.region).contains(zone) {
                return Err(format!("vSwitch {}: zone \"{zone}\" is not a zone of {}", v.id, v.region));
            }
        }
        catalog.add_vswitch(&v.region, &v.id, v.zone.as_deref());
    }
    for rg in &fixtures.resource_groups {
        catalog.add_resource_group(rg);
    }
    Ok(catalog)
}

/// Creates the fixtures' components, then templates, through their actions. A fixture changed since
/// it was first loaded is an error (its ClientToken no longer matches).
pub async fn create_resources(state: &AppState, fixtures: &Fixtures) -> Result<(), String> {
    for (kind, action_name, list) in [
        ("component", "CreateImageComponent", &fixtures.components),
        ("template", "CreateImagePipeline", &fixtures.templates),
    ] {
        if list.is_empty() {
            continue;
        }
        let action = Action::lookup(crate::product::Product::Ecs, action_name)
            .ok_or_else(|| format!("fixture {kind}s are not supported"))?;
        for fixture in list {
            let mut params = Params::default();
            for (key, value) in &fixture.params {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                params.insert(key.clone(), text);
            }
            params.insert("RegionId", fixture.region.clone().unwrap_or_else(|| "cn-hangzhou".into()));
            let token = format!("fixture-{}", fixture.name);
            if !token.is_ascii() || token.len() > crate::domain::limits::MAX_CLIENT_TOKEN_CHARS {
                return Err(format!(
                    "{kind} fixture name \"{}\" must be ASCII and at most 56 characters",
                    fixture.name
                ));
            }
            params.insert("ClientToken", token);
            let caller = Caller {
                access_key_id: None,
                account: fixture.account.clone().unwrap_or_else(|| DEFAULT_ACCOUNT.to_string()),
            };
            if let Some(id) = &fixture.id {
                let valid = kind == "component"
                    && id.strip_prefix("ic-").is_some_and(|rest| {
                        rest.len() == 20 && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                    });
                if !valid {
                    return Err(format!(
                        "{kind} fixture \"{}\": `id` is for components only, `ic-` and 20 lowercase letters or digits",
                        fixture.name
                    ));
                }
            }
            let created = actions::dispatch(action, &Ctx { state, caller: &caller, params: &params })
                .await
                .map_err(|e| format!("{kind} fixture \"{}\": {e}", fixture.name))?;
            if let Some(id) = &fixture.id {
                let generated = created["ImageComponentId"].as_str().unwrap_or_default();
                if generated != id {
                    let renamed = state
                        .store
                        .rename_component(generated, id)
                        .await
                        .map_err(|e| format!("component fixture \"{}\": {e}", fixture.name))?;
                    if !renamed {
                        return Err(format!("component fixture \"{}\": the ID \"{id}\" is taken", fixture.name));
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_aliases_are_refused_before_they_expand() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("bomb.yaml");
        let mut bomb = String::from("a: &a [\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"];
        for pair in names.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            bomb.push_str(&format!(
                "{next}: &{next} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        assert!(bomb.len() < 600, "a small file: {} bytes", bomb.len());
        std::fs::write(&path, &bomb).expect("write");
        let err = read(&path).map(|_| ()).expect_err("aliases are refused");
        assert!(err.contains("aliases"), "{err}");

        std::fs::write(&path, "resource_groups: [rg-ci00000000000001]\nadmin_token: t0ken\n").expect("write");
        let fixtures = read(&path).expect("plain YAML still loads");
        assert_eq!(fixtures.resource_groups, vec!["rg-ci00000000000001".to_string()]);
        assert_eq!(fixtures.admin_token.as_deref(), Some("t0ken"));
    }
}
