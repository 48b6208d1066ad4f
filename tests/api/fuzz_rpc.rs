//! Property-based fuzzing of the RPC front door: whatever a client sends, the emulator answers with
//! a documented 4xx or a 2xx, never a 5xx, and never hangs.
//!
//! * `generated_requests_get_a_documented_4xx_or_a_2xx`: for every action of `Action::ALL`, random
//!   subsets of the parameter names openapi.yaml documents for it under `x-actions` (flattened ones
//!   with random `.N` / `.Field` suffixes), with hostile values, sent as a GET query, a POST query
//!   or a POST form body. A 4xx carries a `Code` of the error table (or a `Missing<Param>` code) at
//!   that code's documented status; a 2xx carries no `Code`. Fixed seeds, so CI is reproducible.
//! * `malformed_raw_requests_get_a_4xx`: 1 000 malformed requests over raw TCP (bad
//!   percent-encoding, invalid UTF-8 bytes, huge lists, 1 MB bodies, 100 KB query strings, wrong
//!   types, broken HTTP), each with a timeout; every one gets a 4xx.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use ecs_imagebuilder_emulator::actions::Action;
use ecs_imagebuilder_emulator::error::Code;
use futures::StreamExt;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, BASE_IMAGE, REGION};

/// Generated requests in total, spread evenly over the actions (env `FUZZ_RPC_CASES` for a longer
/// local hunt; CI uses this default).
const TOTAL_CASES: u32 = 256;
/// Seed byte of the generated requests (env `FUZZ_RPC_SEED` to explore other inputs locally).
const SEED: u8 = 0x5e;
/// Timeout of one request: a request that takes longer counts as a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Query strings longer than this (encoded) go in a form body instead: reqwest's URLs stop at
/// 64 KB (the raw-TCP test below sends longer request lines).
const MAX_QUERY_BYTES: usize = 60 * 1024;

// ---- openapi.yaml, read as text ----------------------------------------------------------------

/// One documented parameter of an action: its wire name, whether it is flattened (`Name.N…`,
/// `Name.Field`), and the field names that appear in its schema (for flattened suffixes).
#[derive(Debug, Clone)]
struct ParamSpec {
    name: String,
    flatten: bool,
    fields: Vec<String>,
}

#[derive(Debug, Clone)]
struct ActionSpec {
    action: Action,
    params: Vec<ParamSpec>,
}

fn openapi_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The lines of the root-level block `key:` (up to the next root-level key).
fn root_block<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    let mut lines = text.lines().skip_while(|l| l.trim_end() != key);
    assert!(lines.next().is_some(), "openapi.yaml has no root-level `{key}` block");
    lines.take_while(|l| l.trim().is_empty() || l.starts_with(' ') || l.starts_with('#')).collect()
}

/// Children of `lines` at exactly `depth` spaces: `name:` → the lines under it.
fn children<'a>(lines: &[&'a str], depth: usize) -> Vec<(String, Vec<&'a str>)> {
    let mut out: Vec<(String, Vec<&'a str>)> = Vec::new();
    for line in lines {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if indent(line) == depth {
            if let Some(key) = line.trim().strip_suffix(':') {
                out.push((key.to_string(), Vec::new()));
                continue;
            }
        }
        if indent(line) > depth {
            if let Some((_, body)) = out.last_mut() {
                body.push(line);
            }
        }
    }
    out
}

/// Capitalised keys (`ImageName:`, `OSSBucket:`) that appear in a parameter's schema lines.
fn schema_fields(lines: &[&str]) -> Vec<String> {
    let mut fields = BTreeSet::new();
    for line in lines {
        let text = line.trim().trim_start_matches("- ");
        if let Some((key, _)) = text.split_once(':') {
            if key.starts_with(|c: char| c.is_ascii_uppercase()) && key.chars().all(|c| c.is_ascii_alphanumeric()) {
                fields.insert(key.to_string());
            }
        }
    }
    fields.into_iter().collect()
}

/// The parameter entries (`- name: …` or `- $ref: …`) of a `parameters:` list at `depth`.
fn parameter_entries<'a>(lines: &[&'a str], depth: usize) -> Vec<Vec<&'a str>> {
    let mut entries: Vec<Vec<&'a str>> = Vec::new();
    let mut inside = false;
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        if indent(line) == depth - 2 {
            inside = line.trim() == "parameters:";
            continue;
        }
        if !inside || indent(line) < depth {
            continue;
        }
        if indent(line) == depth && line.trim_start().starts_with("- ") {
            entries.push(vec![line]);
        } else if let Some(entry) = entries.last_mut() {
            entry.push(line);
        }
    }
    entries
}

fn value_of<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let text = line.trim().trim_start_matches("- ");
    text.strip_prefix(key)?.strip_prefix(':').map(|v| v.trim().trim_matches('\'').trim_matches('"'))
}

/// Every action's documented parameters, from `x-actions` (references resolved against
/// `components.parameters`).
fn action_specs() -> Vec<ActionSpec> {
    let text = openapi_text();
    let components = root_block(&text, "components:");
    let shared: Vec<(String, ParamSpec)> = children(&components, 2)
        .into_iter()
        .filter(|(key, _)| key == "parameters")
        .flat_map(|(_, body)| children(&body, 4))
        .filter_map(|(key, body)| {
            let name = body.iter().find_map(|l| value_of(l, "name"))?.to_string();
            let flatten = body.iter().any(|l| l.contains("x-flatten: true"));
            Some((key, ParamSpec { name, flatten, fields: schema_fields(&body) }))
        })
        .collect();

    let actions = root_block(&text, "x-actions:");
    let mut specs = Vec::new();
    for (name, body) in children(&actions, 2) {
        let action = Action::from_name(&name).unwrap_or_else(|| panic!("x-actions documents unknown action {name}"));
        let mut params = Vec::new();
        for entry in parameter_entries(&body, 6) {
            if let Some(reference) = value_of(entry[0], "$ref") {
                let key = reference.rsplit('/').next().unwrap_or_default();
                let spec = shared.iter().find(|(k, _)| k == key).map(|(_, s)| s.clone());
                params.push(spec.unwrap_or_else(|| panic!("{name}: unresolved parameter reference {reference}")));
            } else if let Some(param) = value_of(entry[0], "name") {
                let flatten = entry.iter().any(|l| l.contains("x-flatten: true"));
                params.push(ParamSpec { name: param.to_string(), flatten, fields: schema_fields(&entry[1..]) });
            }
        }
        assert!(params.iter().any(|p| p.name == "RegionId"), "{name}: no RegionId parameter found in openapi.yaml");
        specs.push(ActionSpec { action, params });
    }
    specs
}

#[test]
fn openapi_parameters_are_read_for_every_action() {
    let specs = action_specs();
    let documented: BTreeSet<&str> = specs.iter().map(|s| s.action.name()).collect();
    let served: BTreeSet<&str> = Action::ALL.iter().map(|a| a.name()).collect();
    assert_eq!(documented, served);
    let create = specs.iter().find(|s| s.action == Action::CreateImagePipeline).expect("CreateImagePipeline");
    let names: Vec<&str> = create.params.iter().map(|p| p.name.as_str()).collect();
    for expected in ["RegionId", "BaseImageType", "SystemDiskSize", "ToRegionId", "Tag", "ImportImageOptions"] {
        assert!(names.contains(&expected), "CreateImagePipeline parameters read: {names:?}");
    }
    let import = create.params.iter().find(|p| p.name == "ImportImageOptions").expect("ImportImageOptions");
    assert!(import.flatten && import.fields.iter().any(|f| f == "OSSBucket"), "{import:?}");
}

// ---- generated requests ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Transport {
    GetQuery,
    PostQuery,
    PostForm,
    /// Half the parameters in the query, half in the form body.
    PostMixed,
}

#[derive(Clone)]
struct Case {
    transport: Transport,
    version: String,
    params: Vec<(String, String)>,
}

/// Long values are cut, so a failing case stays readable.
fn shorten(text: &str) -> String {
    const MAX: usize = 300;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…({} bytes)", &text[..cut], text.len()),
        None => text.to_string(),
    }
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params: Vec<(String, String)> = self.params.iter().map(|(k, v)| (shorten(k), shorten(v))).collect();
        f.debug_struct("Case")
            .field("transport", &self.transport)
            .field("version", &self.version)
            .field("params", &params)
            .finish()
    }
}

/// Values aimed at every validation path: valid-looking ones, empty, huge, unicode, numbers out
/// of range, booleans, list-ish, template text.
fn value_strategy(known_ids: Vec<String>) -> BoxedStrategy<String> {
    let valid: Vec<String> = [
        REGION,
        "cn-beijing",
        "ap-southeast-1",
        "xx-nowhere-1",
        "IMAGE",
        "IMAGE_FAMILY",
        "OSS",
        BASE_IMAGE,
        "win2022_21H2_x64_dtc_en-us_40G_alibase_20240716.vhd",
        "acs:ubuntu_22_04_x64",
        "ecs.g6.large",
        "vsw-cnhangzhoua0001",
        "rg-acfmdefault000001",
        "ip-0000000000000000000",
        "exec-00000000000000000000",
        "m-000000000000000000",
        "ic-0000000000000000000",
        "RUN echo hello",
        "RUN yum install -y nginx\nRESTART\nUSER nobody",
        "FROM aliyun\nRUN 'unterminated",
        "COMPONENT ic-0000000000000000000",
        "Linux",
        "Windows",
        "Build",
        "Test",
        "1.0.0",
        "1.*.0",
        "SELF",
        "ALIYUN",
        "imagepipeline",
        "imagecomponent",
        "Standard",
        "Customized",
        "grub",
        "x86_64",
        "arm64",
        "UEFI",
        "windows",
        "supported",
        "disable",
        "BUILDING,PREPARING",
        "ALL",
        "self",
        "others",
        "1234567890123456",
        "web-template",
        "team",
        "aliyun:reserved",
        "http://example.com/x",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(known_ids)
    .collect();
    let numbers = [
        "0",
        "1",
        "19",
        "20",
        "500",
        "501",
        "-1",
        "-0",
        "+5",
        "1.5",
        "1e3",
        "NaN",
        "inf",
        " 40 ",
        "0x10",
        "00040",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "99999999999999999999999999",
    ];
    let booleans = ["True", "true", "TRUE", "false", "False", "maybe", "yes", "1"];
    let unicode = [
        "模板名称",
        "é",
        "😀😀",
        "\u{202e}rtl",
        "nul\u{0}byte",
        "line\r\nbreak",
        "\u{200b}",
        "a\u{fffd}b",
        "Ωmega",
        "%zz%",
        "a&b=c",
        "..",
        ",,,",
    ];
    prop_oneof![
        6 => proptest::sample::select(valid),
        2 => Just(String::new()),
        2 => proptest::sample::select(numbers.to_vec()).prop_map(String::from),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        2 => proptest::sample::select(booleans.to_vec()).prop_map(String::from),
        2 => proptest::sample::select(unicode.to_vec()).prop_map(String::from),
        2 => "\\PC{0,64}",
        1 => (1000usize..=20 * 1024).prop_map(|n| "a".repeat(n)),
        1 => proptest::sample::select(vec![16 * 1024, 16 * 1024 + 1, 20 * 1024]).prop_map(|n| "RUN x\n".repeat(n / 6)),
        1 => (1usize..=2000).prop_map(|n| "é".repeat(n)),
    ]
    .boxed()
}

/// A dotted suffix for a flattened (or, sometimes, a scalar) parameter: list indices (valid,
/// 0, 21, huge) and field names, up to a deep nesting.
fn suffix_strategy(fields: Vec<String>) -> BoxedStrategy<String> {
    let mut segments: Vec<String> =
        ["1", "2", "0", "21", "999999", "01", "-1", "4294967296", "x"].iter().map(|s| s.to_string()).collect();
    segments.extend(fields);
    segments.extend(["Key", "Value", "TagKey", "TagValues"].iter().map(|s| s.to_string()));
    prop_oneof![
        8 => proptest::collection::vec(proptest::sample::select(segments.clone()), 1..=3),
        1 => proptest::collection::vec(proptest::sample::select(segments), 4..=40),
    ]
    .prop_map(|parts| parts.join("."))
    .boxed()
}

fn name_strategy(param: &ParamSpec) -> BoxedStrategy<String> {
    let base = param.name.clone();
    let suffix = suffix_strategy(param.fields.clone());
    if param.flatten {
        prop_oneof![
            9 => suffix.prop_map({
                let base = base.clone();
                move |s| format!("{base}.{s}")
            }),
            1 => Just(base),
        ]
        .boxed()
    } else {
        prop_oneof![
            9 => Just(base.clone()),
            1 => suffix.prop_map(move |s| format!("{base}.{s}")),
        ]
        .boxed()
    }
}

fn case_strategy(spec: &ActionSpec, seeded: &Seeded) -> BoxedStrategy<Case> {
    let names = proptest::strategy::Union::new(spec.params.iter().map(name_strategy)).boxed();
    let pair = (names, value_strategy(seeded.ids()));
    let baseline = seeded.baseline(spec.action);
    let transport = prop_oneof![
        Just(Transport::GetQuery),
        Just(Transport::PostQuery),
        Just(Transport::PostForm),
        Just(Transport::PostMixed),
    ];
    let version = prop_oneof![
        19 => Just("2014-05-26".to_string()),
        1 => proptest::sample::select(vec!["", "2016-01-01", "2014-05-26 "]).prop_map(String::from),
    ];
    // Mostly a valid RegionId, sent last so that it wins over a generated one: most requests then
    // get past the region check into the action's own validation.
    let valid_region = proptest::bool::weighted(0.8);
    // Half the cases start from valid required parameters, to get deeper into the action.
    let with_baseline = proptest::bool::weighted(0.5);
    (transport, version, valid_region, with_baseline, proptest::collection::vec(pair, 0..12))
        .prop_map(move |(transport, version, valid_region, with_baseline, generated)| {
            let mut params = if with_baseline { baseline.clone() } else { Vec::new() };
            params.extend(generated);
            if valid_region {
                params.retain(|(k, _)| k != "RegionId");
                params.push(("RegionId".to_string(), REGION.to_string()));
            }
            Case { transport, version, params }
        })
        .boxed()
}

fn encode(pairs: &[(String, String)]) -> String {
    let mut encoder = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        encoder.append_pair(k, v);
    }
    encoder.finish()
}

/// Sends one generated case; returns (status, body text).
async fn send(app: &TestApp, action: Action, case: &Case) -> Result<(u16, String), String> {
    let mut common =
        vec![("Action".to_string(), action.name().to_string()), ("Format".to_string(), "JSON".to_string())];
    if !case.version.is_empty() {
        common.push(("Version".to_string(), case.version.clone()));
    }
    let split = |transport: Transport| match transport {
        Transport::GetQuery | Transport::PostQuery => {
            (common.iter().chain(case.params.iter()).cloned().collect::<Vec<_>>(), Vec::new())
        }
        Transport::PostForm => (common.clone(), case.params.clone()),
        Transport::PostMixed => {
            let (a, b): (Vec<_>, Vec<_>) = case.params.iter().cloned().enumerate().partition(|(i, _)| i % 2 == 0);
            let query = common.iter().cloned().chain(a.into_iter().map(|(_, p)| p)).collect();
            (query, b.into_iter().map(|(_, p)| p).collect())
        }
    };
    let mut transport = case.transport;
    let (mut query, mut form) = split(transport);
    if encode(&query).len() > MAX_QUERY_BYTES {
        transport = Transport::PostForm;
        (query, form) = split(transport);
    }
    let url = format!("{}/?{}", app.base_url, encode(&query));
    let request = match transport {
        Transport::GetQuery => app.client.get(url),
        _ => app.client.post(url).header("content-type", "application/x-www-form-urlencoded").body(encode(&form)),
    };
    let response =
        request.timeout(REQUEST_TIMEOUT).send().await.map_err(|e| shorten(&format!("request failed: {e}")))?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| format!("body not read: {e}"))?;
    Ok((status, text))
}

/// The property: 2xx without `Code`, or 4xx with a known `Code` at its documented status.
fn check_reply(status: u16, text: &str) -> Result<(), String> {
    let shown = shorten(text);
    let body: Value = serde_json::from_str(text).map_err(|e| format!("{status}: body is not JSON ({e}): {shown}"))?;
    let code = body.get("Code").and_then(Value::as_str);
    match status {
        200..=299 => match code {
            None if body.get("RequestId").is_some() => Ok(()),
            None => Err(format!("{status}: a success body without RequestId: {shown}")),
            Some(code) => Err(format!("{status}: a success body with Code {code}: {shown}")),
        },
        400..=499 => {
            let code = code.ok_or_else(|| format!("{status}: an error body without Code: {shown}"))?;
            let same_code: Vec<&Code> = Code::ALL.iter().filter(|c| c.as_str() == code).collect();
            match same_code.iter().find(|c| c.status().as_u16() == status).or(same_code.first()) {
                Some(known) if known.status().as_u16() == status => Ok(()),
                Some(known) => Err(format!("{status}: Code {code} is documented with status {}", known.status())),
                None if code.starts_with("Missing") && status == 400 => Ok(()),
                None => Err(format!("{status}: Code {code} is not in the error table: {shown}")),
            }
        }
        _ => Err(format!("status {status} (neither 2xx nor 4xx): {shown}")),
    }
}

/// Resources made before the run, so generated requests reach existing templates, builds, images
/// and components.
struct Seeded {
    pipeline: String,
    execution: String,
    image: String,
    running_pipeline: String,
    running_execution: String,
    component: String,
}

impl Seeded {
    async fn create(app: &TestApp) -> Seeded {
        let pipeline = app.create_pipeline(&[("Name", "fuzz-seed"), ("AddAccount.1", "1234567890123456")]).await;
        let execution = app.start(&pipeline).await;
        app.run_builds_to_completion().await;
        let image = app.execution(&execution).await["ImageId"].as_str().unwrap_or_default().to_string();
        // The scheduler does not run in tests: this build stays in PREPARING.
        let running_pipeline = app.create_pipeline(&[("Name", "fuzz-running")]).await;
        let running_execution = app.start(&running_pipeline).await;
        let component =
            app.call_in_region("CreateImageComponent", &[("Name", "fuzz-component"), ("Content", "RUN echo hi")]).await;
        let component = component.assert_ok()["ImageComponentId"].as_str().unwrap_or_default().to_string();
        Seeded { pipeline, execution, image, running_pipeline, running_execution, component }
    }

    fn ids(&self) -> Vec<String> {
        [&self.pipeline, &self.execution, &self.image, &self.running_pipeline, &self.running_execution, &self.component]
            .into_iter()
            .cloned()
            .collect()
    }

    /// Valid values for the action's required parameters; generated ones come after and win.
    fn baseline(&self, action: Action) -> Vec<(String, String)> {
        let pairs: Vec<(&str, &str)> = match action.name() {
            "CreateImagePipeline" => vec![("BaseImageType", "IMAGE"), ("BaseImage", BASE_IMAGE)],
            "DeleteImagePipeline" | "StartImagePipelineExecution" | "DescribeImagePipelineExecutions" => {
                vec![("ImagePipelineId", &self.pipeline)]
            }
            "CancelImagePipelineExecution" => vec![("ExecutionId", &self.running_execution)],
            "DescribeImageSharePermission" | "DeleteImage" => vec![("ImageId", &self.image)],
            "CreateImageComponent" => vec![("Content", "RUN echo hi")],
            "DeleteImageComponent" => vec![("ImageComponentId", &self.component)],
            "TagResources" => {
                vec![("ResourceType", "imagepipeline"), ("ResourceId.1", &self.pipeline), ("Tag.1.Key", "fuzz")]
            }
            "UntagResources" | "ListTagResources" => {
                vec![("ResourceType", "imagepipeline"), ("ResourceId.1", &self.pipeline)]
            }
            _ => vec![],
        };
        pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
}

#[test]
fn generated_requests_get_a_documented_4xx_or_a_2xx() {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let app = runtime.block_on(TestApp::spawn());
    let seeded = runtime.block_on(Seeded::create(&app));
    let specs = action_specs();
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u32>().ok());
    let total = env("FUZZ_RPC_CASES").unwrap_or(TOTAL_CASES);
    let seed_byte = env("FUZZ_RPC_SEED").map_or(SEED, |s| s as u8);
    let per_action = total.div_ceil(specs.len() as u32);

    let mut sent = 0u32;
    // Answers by Code ("OK" for a 2xx), to show in the log what the run reached.
    let seen = std::cell::RefCell::new(std::collections::BTreeMap::<String, usize>::new());
    for (index, spec) in specs.iter().enumerate() {
        let config = ProptestConfig {
            cases: per_action,
            failure_persistence: None,
            max_shrink_iters: 256,
            ..ProptestConfig::default()
        };
        // A fixed seed per action: the same requests on every run.
        let mut seed = [seed_byte; 32];
        seed[0] = index as u8;
        let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
        let result = runner.run(&case_strategy(spec, &seeded), |case| {
            let (status, text) = runtime.block_on(send(&app, spec.action, &case)).map_err(TestCaseError::fail)?;
            check_reply(status, &text).map_err(|e| TestCaseError::fail(format!("{}: {e}", spec.action.name())))?;
            let code = serde_json::from_str::<Value>(&text).ok().and_then(|b| b["Code"].as_str().map(String::from));
            *seen.borrow_mut().entry(code.unwrap_or_else(|| "OK".into())).or_default() += 1;
            Ok(())
        });
        if let Err(err) = result {
            panic!("{}: {err}", spec.action.name());
        }
        sent += per_action;
    }
    // The server is still healthy afterwards.
    let reply = runtime.block_on(app.call_in_region("DescribeImagePipelines", &[]));
    reply.assert_ok();
    let seen = seen.into_inner();
    eprintln!(
        "fuzz_rpc: {sent} generated requests over {} actions in {:?}; {} distinct answers: {seen:?}",
        specs.len(),
        started.elapsed(),
        seen.len()
    );
}

// ---- malformed raw requests --------------------------------------------------------------------

/// A tiny deterministic generator (SplitMix64), so the 1 000 requests are the same on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const COMMON: &str = "Version=2014-05-26&Format=JSON";

/// One raw HTTP/1.1 request: the request line's target (raw bytes) and an optional form body.
struct Raw {
    label: &'static str,
    method: &'static str,
    target: Vec<u8>,
    headers: Vec<String>,
    body: Vec<u8>,
    /// Send the whole request as these bytes instead (broken HTTP).
    verbatim: Option<Vec<u8>>,
}

impl Raw {
    fn get(label: &'static str, query: impl Into<Vec<u8>>) -> Raw {
        let mut target = b"/?".to_vec();
        target.extend(query.into());
        Raw { label, method: "GET", target, headers: Vec::new(), body: Vec::new(), verbatim: None }
    }

    fn form(label: &'static str, query: &str, body: impl Into<Vec<u8>>) -> Raw {
        Raw {
            label,
            method: "POST",
            target: format!("/?{query}").into_bytes(),
            headers: vec!["Content-Type: application/x-www-form-urlencoded".into()],
            body: body.into(),
            verbatim: None,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        if let Some(raw) = &self.verbatim {
            return raw.clone();
        }
        let mut out = Vec::with_capacity(self.target.len() + self.body.len() + 256);
        out.extend(self.method.as_bytes());
        out.push(b' ');
        out.extend(&self.target);
        out.extend(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for h in &self.headers {
            out.extend(h.as_bytes());
            out.extend(b"\r\n");
        }
        if !self.headers.iter().any(|h| h.to_ascii_lowercase().starts_with("content-length:")) {
            out.extend(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend(b"\r\n");
        out.extend(&self.body);
        out
    }
}

fn huge_list(prefix: &str, field: &str, n: usize) -> String {
    (1..=n).map(|i| format!("&{prefix}.{i}{field}=v{i}")).collect()
}

/// The `i`-th malformed request. Every one is something the emulator must refuse with a 4xx.
fn malformed(i: usize, rng: &mut SplitMix) -> Raw {
    let garbage_pct = ["%", "%z", "%zz", "%4", "%G1", "%%", "%-1", "%+"];
    match i % 20 {
        // Bad percent-encoding inside the region: an unknown region (404).
        0 => {
            let g = rng.pick(&garbage_pct);
            Raw::get(
                "bad percent-encoding",
                format!("Action=DescribeImages&{COMMON}&RegionId=cn-{g}hangzhou&PageSize=%G1"),
            )
        }
        // Raw (not percent-encoded) invalid UTF-8 bytes in the request line: refused by HTTP (400).
        1 => {
            let bad: &[&[u8]] = &[b"\xff\xfe", b"\xc3\x28", b"\xe2\x82", b"\xf0\x28\x8c\x28", b"\x80"];
            let mut q = format!("Action=DescribeImages&{COMMON}&RegionId=").into_bytes();
            q.extend(*rng.pick(bad));
            Raw::get("raw invalid UTF-8 in the query", q)
        }
        // Percent-encoded invalid UTF-8: decoded lossily, still an unknown region / template.
        2 => {
            let bad = ["%FF%FE", "%C3%28", "%E2%82", "%80", "%ED%A0%80"];
            let b = rng.pick(&bad);
            if rng.below(2) == 0 {
                Raw::get(
                    "encoded invalid UTF-8 (region)",
                    format!("Action=DescribeImagePipelines&{COMMON}&RegionId={b}"),
                )
            } else {
                Raw::get(
                    "encoded invalid UTF-8 (id)",
                    format!("Action=DeleteImagePipeline&{COMMON}&RegionId={REGION}&ImagePipelineId=ip-{b}"),
                )
            }
        }
        // Huge lists, past every documented limit.
        3 => {
            let n = 21 + rng.below(3000);
            let (action, prefix, field) = *rng.pick(&[
                ("CreateImagePipeline", "ToRegionId", ""),
                ("CreateImagePipeline", "AddAccount", ""),
                ("CreateImagePipeline", "Tag", ".Key"),
                ("DescribeImagePipelines", "ImagePipelineId", ""),
                ("TagResources", "ResourceId", ""),
                ("DescribeImageComponents", "ImageComponentId", ""),
            ]);
            let base = if action == "CreateImagePipeline" {
                format!("&BaseImageType=IMAGE&BaseImage={BASE_IMAGE}")
            } else if action == "TagResources" {
                "&ResourceType=imagepipeline&Tag.1.Key=k".to_string()
            } else {
                String::new()
            };
            Raw::get(
                "huge list",
                format!("Action={action}&{COMMON}&RegionId={REGION}{base}{}", huge_list(prefix, field, n)),
            )
        }
        // 1 MB bodies: under the limit with a too-long BuildContent, or past the 1 MiB limit.
        4 => {
            if rng.below(2) == 0 {
                let body = format!(
                    "RegionId={REGION}&BaseImageType=IMAGE&BaseImage={BASE_IMAGE}&BuildContent={}",
                    "a".repeat(1_000_000)
                );
                Raw::form("1 MB form body", &format!("Action=CreateImagePipeline&{COMMON}"), body)
            } else {
                let body = format!("RegionId={REGION}&Name={}", "b".repeat(1024 * 1024 + rng.below(4096)));
                Raw::form("body over 1 MiB", &format!("Action=DescribeImagePipelines&{COMMON}"), body)
            }
        }
        // 100 KB query strings.
        5 => {
            let (action, param) = *rng.pick(&[
                ("CreateImagePipeline", "BuildContent"),
                ("CreateImagePipeline", "Name"),
                ("CreateImagePipeline", "Description"),
                ("CreateImageComponent", "Content"),
                ("DescribeImagePipelines", "Name"),
            ]);
            let base = match action {
                "CreateImagePipeline" => format!("&BaseImageType=IMAGE&BaseImage={BASE_IMAGE}"),
                "CreateImageComponent" if param != "Content" => "&Content=RUN%20x".to_string(),
                _ => String::new(),
            };
            let value = "x".repeat(100 * 1024 + rng.below(1024));
            Raw::get("100 KB query string", format!("Action={action}&{COMMON}&RegionId={REGION}{base}&{param}={value}"))
        }
        // Wrong types.
        6 => {
            let (action, extra) = *rng.pick(&[
                ("CreateImagePipeline", "SystemDiskSize=abc"),
                ("CreateImagePipeline", "SystemDiskSize=1.5"),
                ("CreateImagePipeline", "InternetMaxBandwidthOut=-5"),
                ("CreateImagePipeline", "DeleteInstanceOnFailure=maybe"),
                ("CreateImagePipeline", "AdvancedOptions.RetainCloudAssistant=yes"),
                ("CreateImagePipeline", "ToRegionId.x=cn-beijing"),
                ("CreateImagePipeline", "Tag.0.Key=k"),
                ("DescribeImagePipelines", "MaxResults=0"),
                ("DescribeImagePipelines", "MaxResults=99999999999999999999"),
                ("DescribeImagePipelines", "MaxResults=ten"),
                ("DescribeImages", "PageSize=0x10"),
                ("DescribeImages", "PageNumber=-1"),
                ("DeleteImage", "ImageId=m-x&Force=perhaps"),
                ("UntagResources", "ResourceType=imagepipeline&ResourceId.1=ip-x&All=maybe"),
            ]);
            let base = if action == "CreateImagePipeline" {
                format!("&BaseImageType=IMAGE&BaseImage={BASE_IMAGE}")
            } else {
                String::new()
            };
            Raw::get("wrong type", format!("Action={action}&{COMMON}&RegionId={REGION}{base}&{extra}"))
        }
        // Common parameters missing or wrong.
        7 => {
            let q = *rng.pick(&[
                "Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou",
                "Action=DescribeImages&Format=JSON&RegionId=cn-hangzhou",
                "Action=DescribeImages&Version=2099-01-01&Format=JSON&RegionId=cn-hangzhou",
                "Action=NoSuchAction&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou",
                "Action=DescribeImages&Version=2014-05-26&Format=YAML&RegionId=cn-hangzhou",
                "Action=&Version=&Format=JSON",
                "Action=DescribeImages&Version=2014-05-26&Format=JSON",
                "&&&&=&=x&Action",
            ]);
            Raw::get("common parameters", q)
        }
        // Deeply dotted names, keys without values, duplicated keys.
        8 => {
            let depth = 10 + rng.below(500);
            let dotted: String = (0..depth).map(|d| format!(".{}", d % 7)).collect();
            Raw::get(
                "deeply dotted names",
                format!("Action=CreateImagePipeline&{COMMON}&RegionId={REGION}&BaseImageType=IMAGE&BaseImage={BASE_IMAGE}&Tag{dotted}=x&ImageOptions{dotted}&Tag.1.Key"),
            )
        }
        // A form body with raw invalid UTF-8 and no RegionId.
        9 => {
            let mut body = b"Name=\xff\xfe\xfd&Description=\xc3\x28&RegionId".to_vec();
            body.extend(std::iter::repeat_n(b'\x80', rng.below(64)));
            Raw::form("invalid UTF-8 form body", &format!("Action=DescribeImagePipelines&{COMMON}"), body)
        }
        // A body that is not a form (JSON, binary) under a form content type: parameters missing.
        10 => {
            let bodies: &[&[u8]] =
                &[&b"{\"RegionId\":\"cn-hangzhou\"}"[..], &b"\x00\x01\x02\x03\xff"[..], &b"%%%%%%"[..], &b"=&=&="[..]];
            let body = *rng.pick(bodies);
            Raw::form("non-form body", &format!("Action=DeleteImagePipeline&{COMMON}"), body.to_vec())
        }
        // Methods other than GET/POST.
        11 => {
            let method = *rng.pick(&["PUT", "DELETE", "PATCH", "OPTIONS"]);
            let mut raw = Raw::get("unsupported method", format!("Action=DescribeImages&{COMMON}&RegionId={REGION}"));
            raw.method = method;
            raw
        }
        // Broken HTTP: not HTTP at all, a bad header, a bad Content-Length, a bad request line.
        12 => {
            let broken: &[&[u8]] = &[
                &b"GARBAGE\r\n\r\n"[..],
                &b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\nConnection: close\r\n\r\n"[..],
                &b"POST /?Action=DescribeImages HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n"[..],
                &b"GET /?a=b c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
                &b"GET /?\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
                &b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\nabcde"[..],
                &b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n"[..],
            ];
            let verbatim = *rng.pick(broken);
            let mut raw = Raw::get("broken HTTP", "");
            raw.verbatim = Some(verbatim.to_vec());
            raw
        }
        // A body shorter than its Content-Length: refused once the body timeout passes.
        13 => {
            let mut raw = Raw::form(
                "truncated body",
                &format!("Action=DescribeImagePipelines&{COMMON}"),
                format!("RegionId={REGION}&Name=x"),
            );
            raw.headers.push("Content-Length: 100000".into());
            raw
        }
        // Out-of-range numbers and enums that are not the documented ones.
        14 => {
            let extra = *rng.pick(&[
                "SystemDiskSize=19",
                "SystemDiskSize=501",
                "SystemDiskSize=9223372036854775808",
                "InternetMaxBandwidthOut=101",
                "BaseImageType=DOCKER",
                "RepairMode=Everything",
                "NvmeSupport=maybe",
                "AdvancedOptions.ImageNameSuffix=enable",
            ]);
            Raw::get(
                "out of range",
                format!("Action=CreateImagePipeline&{COMMON}&RegionId={REGION}&BaseImageType=IMAGE&BaseImage={BASE_IMAGE}&{extra}"),
            )
        }
        // Unicode in IDs and names where only ASCII is allowed.
        15 => {
            let v = *rng.pick(&["%E6%A8%A1%E6%9D%BF", "%F0%9F%98%80", "%E2%80%AE", "%00", "%0D%0A"]);
            let (action, param) = *rng.pick(&[
                ("DeleteImagePipeline", "ImagePipelineId"),
                ("CancelImagePipelineExecution", "ExecutionId"),
                ("DeleteImage", "ImageId"),
                ("DeleteImageComponent", "ImageComponentId"),
                ("DescribeImageSharePermission", "ImageId"),
            ]);
            Raw::get("unicode ID", format!("Action={action}&{COMMON}&RegionId={REGION}&{param}={v}"))
        }
        // Many tiny parameters (a 100 KB query of pairs).
        16 => {
            let n = 5000 + rng.below(5000);
            let pairs: String = (0..n).map(|i| format!("&p{i}=")).collect();
            Raw::get("many parameters", format!("Action=DescribeImages&{COMMON}&RegionId=xx-none{pairs}"))
        }
        // Paging tokens and IDs the emulator never issued.
        17 => {
            let action = *rng.pick(&["DescribeImagePipelines", "DescribeImageComponents", "ListTagResources"]);
            let token = *rng.pick(&["garbage", "%FF", "eyJ4IjoxfQ", "0", "-1"]);
            let extra = if action == "ListTagResources" { "&ResourceType=imagepipeline&ResourceId.1=ip-x" } else { "" };
            Raw::get("bad NextToken", format!("Action={action}&{COMMON}&RegionId={REGION}{extra}&NextToken={token}"))
        }
        // Template text that breaks the parser's rules.
        18 => {
            let content = *rng.pick(&[
                "FROM%20a%0AFROM%20b",
                "RUN%20'open",
                "USER",
                "RESTART%20now",
                "BOGUS%20command",
                "RUN%20x%5C",
                "COMPONENT%20ic-none",
                "ENV",
            ]);
            Raw::get(
                "bad template",
                format!("Action=CreateImagePipeline&{COMMON}&RegionId={REGION}&BaseImageType=IMAGE&BaseImage={BASE_IMAGE}&BuildContent={content}"),
            )
        }
        // Required parameters given as empty values.
        _ => {
            let action = *rng.pick(&[
                "DeleteImagePipeline&ImagePipelineId=",
                "StartImagePipelineExecution&ImagePipelineId=",
                "CancelImagePipelineExecution&ExecutionId=",
                "CreateImagePipeline&BaseImageType=",
                "DeleteImage&ImageId=",
                "CreateImageComponent&Content=",
                "TagResources&ResourceType=",
            ]);
            Raw::get("empty required value", format!("Action={action}&{COMMON}&RegionId={REGION}"))
        }
    }
}

/// The status and body of a raw answer, or why there was none.
type RawResult = Result<(u16, Vec<u8>), String>;

/// Sends `raw` on a fresh connection; returns the status and the body.
async fn send_raw(addr: &str, raw: &Raw) -> RawResult {
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let (mut reader, mut writer) = stream.into_split();
    let bytes = raw.bytes();
    // Write while reading: the server may answer (and stop reading) before a big body is sent.
    let write = tokio::spawn(async move {
        let _ = writer.write_all(&bytes).await;
        let _ = writer.flush().await;
        writer
    });
    let mut response = Vec::new();
    let read = reader.read_to_end(&mut response).await;
    drop(write.await);
    if response.is_empty() {
        return Err(format!("no response ({read:?})"));
    }
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n").map_or(response.len(), |p| p + 4);
    let head = String::from_utf8_lossy(&response[..head_end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("no status line in {head:?}"))?;
    Ok((status, response[head_end..].to_vec()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_raw_requests_get_a_4xx() {
    const COUNT: usize = 1000;
    let started = Instant::now();
    // A short body timeout, so the truncated bodies are refused quickly.
    let app = TestApp::spawn_with(|c| c.body_timeout_ms = 300).await;
    let addr = app.base_url.trim_start_matches("http://").to_string();
    let mut rng = SplitMix(0x0dd5_eed5_2026_1123);
    let requests: Vec<Raw> = (0..COUNT).map(|i| malformed(i, &mut rng)).collect();

    let results: Vec<(usize, RawResult)> = futures::stream::iter(requests.iter().enumerate())
        .map(|(i, raw)| {
            let addr = addr.clone();
            async move {
                let result = match tokio::time::timeout(REQUEST_TIMEOUT, send_raw(&addr, raw)).await {
                    Ok(result) => result,
                    Err(_) => Err(format!("no answer within {REQUEST_TIMEOUT:?} (hang)")),
                };
                (i, result)
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;

    let mut failures = Vec::new();
    for (i, result) in results {
        let raw = &requests[i];
        let target = String::from_utf8_lossy(&raw.target);
        let shown: String = target.chars().take(160).collect();
        match result {
            Ok((status, body)) if (400..500).contains(&status) => {
                // An answer of the emulator itself (not of the HTTP layer) has a known Code.
                if let Ok(json) = serde_json::from_slice::<Value>(&body) {
                    if let Err(e) = check_reply(status, &String::from_utf8_lossy(&body)) {
                        failures.push(format!("#{i} {} {} {shown}: {e}: {json}", raw.label, raw.method));
                    }
                }
            }
            Ok((status, body)) => {
                let body: String = String::from_utf8_lossy(&body).chars().take(300).collect();
                failures.push(format!("#{i} {} {} {shown}: status {status}: {body}", raw.label, raw.method));
            }
            Err(e) => failures.push(format!("#{i} {} {} {shown}: {e}", raw.label, raw.method)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {COUNT} malformed requests did not get a 4xx:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // The server is still healthy afterwards.
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
    eprintln!("fuzz_rpc: {COUNT} malformed raw requests in {:?}", started.elapsed());
}
