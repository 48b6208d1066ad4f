//! The simulation plan of one build: the ordered steps an execution walks through (docs/reference.md §5),
//! computed once when the build starts, with every ID it will create generated up front. Pure: no
//! I/O. Failures and cancellation replace the remaining steps with a tail that releases what
//! exists and ends in the terminal status ([`failure_tail`], [`cancel_tail`]).

use super::rules::{self, CommandCheck};
pub use crate::domain::build::{Durations, Effect, ErrorInfo, Live, NewImage, Step, TransitInstance};
use crate::domain::component::{self, Resolved, Work};
use crate::domain::execution::Status;
use crate::domain::outcome::{phase_order, Outcome, OutcomeRule, SCRIPTED_ERROR_CODE};
use crate::domain::pipeline::{ImageNameSuffix, Pipeline};
use crate::domain::template::{Command, Program};
use crate::ids::Kind;

/// Realistic step durations (emulator choice; the real service discloses none).
mod realistic {
    pub const NETWORK: i64 = 3_000;
    pub const INSTANCE: i64 = 30_000;
    pub const IMPORT: i64 = 120_000;
    pub const REPAIR: i64 = 60_000;
    pub const COMMAND: i64 = 10_000;
    pub const RESTART: i64 = 30_000;
    pub const IMAGE: i64 = 90_000;
    pub const COPY: i64 = 120_000;
    pub const SHARE: i64 = 5_000;
    pub const RELEASE: i64 = 10_000;
}

/// What the start of a build knows: the template, its parsed programs, and the resolved base.
pub struct PlanInput<'a> {
    pub pipeline: &'a Pipeline,
    pub execution_id: &'a str,
    pub build: &'a Program,
    pub test: Option<&'a Program>,
    pub base: BaseImage,
    pub instance_type: String,
    pub durations: Durations,
    /// The components the programs' `COMPONENT` commands resolved to when the build started.
    pub components: &'a Resolved,
    /// Where the IDs of what the build creates come from (seeded or random).
    pub new_id: &'a dyn Fn(Kind) -> String,
}

/// The resolved source image of a template or build: a public image, a custom image, or what an
/// OSS import will make. CreateImagePipeline checks `os_type`, `owner_alias` and `repairable`; a
/// build uses the rest.
#[derive(Debug, Clone)]
pub struct BaseImage {
    pub id: String,
    pub os_type: crate::catalog::OsType,
    /// `system`, `marketplace`, … for public images; `self` or `others` for custom ones.
    pub owner_alias: String,
    pub repairable: bool,
    pub size_gib: i64,
    pub platform: String,
    pub os_name: String,
    pub architecture: String,
}

/// Steps being assembled, with their phase-relative durations fixed at the end.
struct Builder {
    steps: Vec<Step>,
}

impl Builder {
    fn push(&mut self, status: Status, realistic_ms: i64, message: impl Into<String>, effect: Effect) {
        self.steps.push(Step { status, duration_ms: realistic_ms, message: message.into(), effect });
    }
}

/// The full plan of a build that nothing interrupts.
pub fn build_plan(input: &PlanInput<'_>) -> Vec<Step> {
    let p = input.pipeline;
    let mut b = Builder { steps: Vec::new() };

    // PREPARING: network, (OSS import), the build instance.
    let vswitch_id = match &p.vswitch_id {
        Some(v) => {
            b.push(
                Status::Preparing,
                realistic::NETWORK,
                format!("Use vswitch \"{v}\" for the transition instance."),
                Effect::Note,
            );
            v.clone()
        }
        None => {
            let vpc_id = (input.new_id)(Kind::Vpc);
            let vswitch_id = (input.new_id)(Kind::VSwitch);
            b.push(
                Status::Preparing,
                realistic::NETWORK,
                format!("Create transition vpc \"{vpc_id}\" success!"),
                Effect::CreateNetwork { vpc_id, vswitch_id: vswitch_id.clone() },
            );
            vswitch_id
        }
    };
    if let Some(import) = &p.import_image_options {
        let objects: Vec<String> =
            import.disk_device_mappings.iter().map(|d| format!("oss://{}/{}", d.oss_bucket, d.oss_object)).collect();
        b.push(
            Status::Preparing,
            realistic::IMPORT,
            format!("Import image \"{}\" from {} success!", input.base.id, objects.join(", ")),
            Effect::Note,
        );
    }
    let build_instance = TransitInstance {
        id: (input.new_id)(Kind::Instance),
        purpose: "build".into(),
        instance_type: input.instance_type.clone(),
        system_disk_size: p.system_disk_size,
        internet_max_bandwidth_out: p.internet_max_bandwidth_out,
        vswitch_id: vswitch_id.clone(),
        source_image: input.base.id.clone(),
    };
    b.push(
        Status::Preparing,
        realistic::INSTANCE,
        format!(
            "Create transition instance \"{}\" ({}, {} GiB system disk) success!",
            build_instance.id, build_instance.instance_type, build_instance.system_disk_size
        ),
        Effect::CreateInstance { instance: build_instance.clone() },
    );

    // REPAIRING: only with RepairMode.
    if let Some(mode) = &p.repair_mode {
        let items = if p.repair_items.is_empty() { String::new() } else { format!(" ({})", p.repair_items.join(", ")) };
        b.push(
            Status::Repairing,
            realistic::REPAIR,
            format!("Repair source image \"{}\" in {mode} mode{items} success!", input.base.id),
            Effect::Note,
        );
    }

    // BUILDING: each command, then the image.
    let mut sim = rules::Simulation::new(p.internet_max_bandwidth_out);
    push_commands(&mut b, Status::Building, input.build, &build_instance.id, &mut sim, "command", input.components);
    let image_name = output_image_name(p, input.execution_id);
    let image = NewImage {
        id: (input.new_id)(Kind::Image),
        name: image_name,
        family: p.effective_image_family().map(str::to_string),
        description: p.image_options.description.clone(),
        nvme_support: p.effective_nvme_support(),
        source_image: input.base.id.clone(),
        size_gib: p.system_disk_size.max(input.base.size_gib),
        platform: input.base.platform.clone(),
        os_name: input.base.os_name.clone(),
        architecture: input.base.architecture.clone(),
    };
    b.push(
        Status::Building,
        realistic::IMAGE,
        format!("Create image \"{}\" ({}) success!", image.id, image.name),
        Effect::CreateImage { image: image.clone() },
    );

    // TESTING: only with TestContent, on a fresh instance from the new image.
    let mut test_instance_id = None;
    if let Some(test) = input.test {
        let instance = TransitInstance {
            id: (input.new_id)(Kind::Instance),
            purpose: "test".into(),
            source_image: image.id.clone(),
            ..build_instance.clone()
        };
        b.push(
            Status::Testing,
            realistic::INSTANCE,
            format!("Create test instance \"{}\" from image \"{}\" success!", instance.id, image.id),
            Effect::CreateInstance { instance: instance.clone() },
        );
        let mut test_sim = rules::Simulation::new(p.internet_max_bandwidth_out);
        push_commands(&mut b, Status::Testing, test, &instance.id, &mut test_sim, "test command", input.components);
        test_instance_id = Some(instance.id);
    }

    // DISTRIBUTING: copies, then shares (of the image and its copies).
    for region in &p.to_region_ids {
        let failure =
            (region == &p.region).then(|| format!("The image cannot be copied to its own region \"{region}\"."));
        let image_id = (input.new_id)(Kind::Image);
        let message = match &failure {
            None => format!("Copy image \"{}\" to region \"{region}\" as \"{image_id}\" success!", image.id),
            Some(why) => format!("Copy image \"{}\" to region \"{region}\" failed: {why}", image.id),
        };
        b.push(
            Status::Distributing,
            realistic::COPY,
            message,
            Effect::CopyImage { target_region: region.clone(), image_id, failure },
        );
    }
    for account in &p.add_accounts {
        let failure =
            (account == &p.account).then(|| "An image cannot be shared with the account that owns it.".to_string());
        let message = match &failure {
            None => format!("Share image \"{}\" with account \"{account}\" success!", image.id),
            Some(why) => format!("Share image \"{}\" with account \"{account}\" failed: {why}", image.id),
        };
        b.push(
            Status::Distributing,
            realistic::SHARE,
            message,
            Effect::ShareImage { account: account.clone(), failure },
        );
    }

    // RELEASING: every temporary resource.
    let mut live = Live { instances: vec![build_instance.id.clone()], network: None };
    if let Some(id) = test_instance_id {
        live.instances.push(id);
    }
    if let Some(Effect::CreateNetwork { vpc_id, vswitch_id }) =
        b.steps.first().map(|s| &s.effect).filter(|e| matches!(e, Effect::CreateNetwork { .. }))
    {
        live.network = Some((vpc_id.clone(), vswitch_id.clone()));
    }
    for step in release_steps(&live, Status::Releasing, false) {
        b.steps.push(step);
    }
    b.push(
        Status::Success,
        0,
        format!("Build image \"{}\" success!", image.id),
        Effect::Finish { status: Status::Success, error: None },
    );

    apply_durations(b.steps, input.durations)
}

fn push_commands(
    b: &mut Builder,
    status: Status,
    program: &Program,
    instance_id: &str,
    sim: &mut rules::Simulation,
    noun: &str,
    components: &Resolved,
) {
    let total = program.steps.len();
    for (index, step) in program.steps.iter().enumerate() {
        let position = format!("{}/{total}", index + 1);
        match &step.command {
            Command::Restart => b.push(
                status,
                realistic::RESTART,
                format!("Run {noun} {position}: restart instance \"{instance_id}\" success!"),
                Effect::RestartInstance { instance_id: instance_id.to_string() },
            ),
            Command::From { .. } => b.push(
                status,
                0,
                format!(
                    "Skip {noun} {position}: FROM is deprecated; the base image comes from BaseImageType/BaseImage."
                ),
                Effect::Note,
            ),
            Command::Component { reference, params } => {
                let at = Site { status, instance_id, noun, position: &position, line: step.line };
                push_component(b, &at, components.get(&reference.to_string()), &reference.to_string(), params, sim);
            }
            command => {
                let text = rules::describe(command);
                let failure = match sim.check(command) {
                    CommandCheck::Ok => None,
                    CommandCheck::Fails(why) => Some(format!("Line {}: {text}: {why}", step.line)),
                };
                let message = match &failure {
                    None => format!("Run {noun} {position} (line {}): {text} success!", step.line),
                    Some(why) => format!("Run {noun} {position} failed. {why}"),
                };
                b.push(status, realistic::COMMAND, message, Effect::RunCommand { failure });
            }
        }
    }
}

/// Where a `COMPONENT` command runs: its phase, instance, and place in the program.
struct Site<'a> {
    status: Status,
    instance_id: &'a str,
    noun: &'a str,
    position: &'a str,
    line: usize,
}

/// One step per command (command-line format) or task (YAML) of the resolved component, run on
/// the same simulated instance as the template's own commands; messages name the component and
/// its version.
fn push_component(
    b: &mut Builder,
    at: &Site<'_>,
    component: Option<&component::Component>,
    reference: &str,
    args: &[(String, String)],
    sim: &mut rules::Simulation,
) {
    let Site { status, instance_id, noun, position, line } = *at;
    let resolved = match component {
        None => Err(format!("the component \"{reference}\" was not resolved")),
        Some(c) => c
            .steps(args)
            .map(|steps| (c, steps))
            .map_err(|why| format!("the component {} cannot run: {why}", c.label())),
    };
    let (component, steps) = match resolved {
        Ok(found) => found,
        Err(why) => {
            let failure = Some(format!("Line {line}: {why}"));
            let message = format!("Run {noun} {position} failed. Line {line}: {why}");
            b.push(status, realistic::COMMAND, message, Effect::RunCommand { failure });
            return;
        }
    };
    let label = format!("component {}", component.label());
    let count = steps.len();
    for (index, step) in steps.iter().enumerate() {
        let sub = format!("{label} step {}/{count} ({})", index + 1, step.label);
        let (text, check, restart) = match &step.work {
            Work::Command(Command::Restart) | Work::Reboot => ("restart instance".to_string(), CommandCheck::Ok, true),
            Work::Command(command) => (rules::describe(command), sim.check(command), false),
            Work::Shell { script, username } => {
                let text = rules::describe(&Command::Run { script: script.clone() });
                let check = match username {
                    Some(name) => match sim.check(&Command::User { name: name.clone() }) {
                        CommandCheck::Ok => sim.check(&Command::Run { script: script.clone() }),
                        fails => fails,
                    },
                    None => sim.check(&Command::Run { script: script.clone() }),
                };
                (text, check, false)
            }
            Work::Download { source, destination } => {
                let copy = Command::Copy { source: source.clone(), dest: destination.clone(), source_is_url: true };
                (format!("download {source} to {destination}"), sim.check(&copy), false)
            }
            Work::Other(what) => (what.clone(), CommandCheck::Ok, false),
        };
        if restart {
            b.push(
                status,
                realistic::RESTART,
                format!("Run {noun} {position} (line {line}): {sub}: restart instance \"{instance_id}\" success!"),
                Effect::RestartInstance { instance_id: instance_id.to_string() },
            );
            continue;
        }
        let failure = match check {
            CommandCheck::Ok => None,
            CommandCheck::Fails(why) => Some(format!("Line {line}: {sub}: {text}: {why}")),
        };
        let message = match &failure {
            None => format!("Run {noun} {position} (line {line}): {sub}: {text} success!"),
            Some(why) => format!("Run {noun} {position} failed. {why}"),
        };
        b.push(status, realistic::COMMAND, message, Effect::RunCommand { failure });
    }
}

/// `{ImageName}_{ExecutionId}`, or the bare prefix with `ImageNameSuffix=disable`; without a
/// prefix the template ID stands in (docs/reference.md §9 item 9 suggestion).
pub fn output_image_name(p: &Pipeline, execution_id: &str) -> String {
    let prefix = p.effective_image_name().unwrap_or(&p.id);
    if p.advanced_options.image_name_suffix == Some(ImageNameSuffix::Disable) {
        prefix.to_string()
    } else {
        format!("{prefix}_{execution_id}")
    }
}

/// Steps releasing `live` resources. With `keep_instances` (a failed build with
/// `DeleteInstanceOnFailure=false`) the instances and the network they sit in are kept.
pub fn release_steps(live: &Live, status: Status, keep_instances: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    if keep_instances {
        return steps;
    }
    for instance_id in &live.instances {
        steps.push(Step {
            status,
            duration_ms: realistic::RELEASE,
            message: format!("Release transition instance \"{instance_id}\" success!"),
            effect: Effect::ReleaseInstance { instance_id: instance_id.clone() },
        });
    }
    if let Some((vpc_id, vswitch_id)) = &live.network {
        steps.push(Step {
            status,
            duration_ms: realistic::NETWORK,
            message: format!("Release transition vpc \"{vpc_id}\" success!"),
            effect: Effect::ReleaseNetwork { vpc_id: vpc_id.clone(), vswitch_id: vswitch_id.clone() },
        });
    }
    steps
}

/// After a failure in PREPARING/REPAIRING/BUILDING (→ FAILED) or TESTING (→ TEST_FAILED):
/// release what exists, then finish.
pub fn failure_tail(
    live: &Live,
    terminal: Status,
    error: ErrorInfo,
    keep_instances: bool,
    durations: Durations,
) -> Vec<Step> {
    let mut steps = release_steps(live, Status::Releasing, keep_instances);
    steps.push(Step {
        status: terminal,
        duration_ms: 0,
        message: error.info.clone(),
        effect: Effect::Finish { status: terminal, error: Some(error) },
    });
    apply_durations(steps, durations)
}

/// After a cancel: release what exists while CANCELLING, then CANCELLED.
pub fn cancel_tail(live: &Live, durations: Durations) -> Vec<Step> {
    let mut steps = release_steps(live, Status::Cancelling, false);
    steps.push(Step {
        status: Status::Cancelled,
        duration_ms: 0,
        message: "The image pipeline execution is cancelled.".into(),
        effect: Effect::Finish { status: Status::Cancelled, error: None },
    });
    apply_durations(steps, durations)
}

/// Replaces realistic durations by `PerPhase` ones: each run of same-status steps shares the
/// phase duration evenly (the last step takes the remainder). Terminal steps take no time.
fn apply_durations(mut steps: Vec<Step>, durations: Durations) -> Vec<Step> {
    let Durations::PerPhase(phase_ms) = durations else {
        return steps;
    };
    let mut start = 0;
    while start < steps.len() {
        let status = steps[start].status;
        let end = steps[start..].iter().position(|s| s.status != status).map_or(steps.len(), |n| start + n);
        let count = i64::try_from(end - start).unwrap_or(1).max(1);
        let share = phase_ms / count;
        for (i, step) in steps[start..end].iter_mut().enumerate() {
            let last = start + i + 1 == end;
            step.duration_ms = if status.is_terminal() {
                0
            } else if last {
                phase_ms - share * (count - 1)
            } else {
                share
            };
        }
        start = end;
    }
    steps
}

/// Rewrites a plan so the build follows a scripted outcome (see `domain::outcome`).
pub fn apply_outcome(steps: &mut Vec<Step>, outcome: Outcome, rule: &OutcomeRule) {
    let code = rule.error_code.clone().unwrap_or_else(|| SCRIPTED_ERROR_CODE.to_string());
    // Where a phase starts: its first step, or where it would be if the template skips it.
    let phase_start = |steps: &[Step], phase: Status| {
        steps
            .iter()
            .position(|s| !s.status.is_terminal() && phase_order(s.status) >= phase_order(phase))
            .unwrap_or(steps.len().saturating_sub(1))
    };
    let insert = |steps: &mut Vec<Step>, phase: Status, message: String, effect: Effect| {
        let at = phase_start(steps, phase);
        steps.insert(at, Step { status: phase, duration_ms: 0, message, effect });
    };
    let fail = |phase: Status| {
        let info = rule
            .message
            .clone()
            .unwrap_or_else(|| format!("Scripted failure at {} (emulator outcome).", phase.as_str()));
        (info.clone(), Effect::Fail { code: code.clone(), info })
    };
    match outcome {
        Outcome::Fail(phase) => {
            let (message, effect) = fail(phase);
            insert(steps, phase, message, effect);
        }
        Outcome::TestFailed => {
            let (message, effect) = fail(Status::Testing);
            insert(steps, Status::Testing, message, effect);
        }
        Outcome::Hold(phase) => {
            let message = format!(
                "Held at {} by a scripted outcome; release with POST /_emulator/executions/{{id}}/release.",
                phase.as_str()
            );
            insert(steps, phase, message, Effect::Hold);
        }
        Outcome::PartitionSuccess => {
            let why =
                rule.message.clone().unwrap_or_else(|| "Scripted distribution failure (emulator outcome).".into());
            let mut hit = false;
            let everything = rule.regions.is_empty() && rule.accounts.is_empty();
            for step in steps.iter_mut() {
                match &mut step.effect {
                    Effect::CopyImage { target_region, failure, .. }
                        if rule.regions.contains(target_region) || (everything && !hit) =>
                    {
                        *failure = Some(why.clone());
                        step.message = format!("Copy image to region \"{target_region}\" failed: {why}");
                        hit = true;
                    }
                    Effect::ShareImage { account, failure }
                        if rule.accounts.contains(account) || (everything && !hit) =>
                    {
                        *failure = Some(why.clone());
                        step.message = format!("Share image with account \"{account}\" failed: {why}");
                        hit = true;
                    }
                    _ => {}
                }
            }
            if !hit {
                insert(steps, Status::Distributing, why.clone(), Effect::PartialFailure { code, info: why });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(status: Status) -> Step {
        Step { status, duration_ms: 7, message: String::new(), effect: Effect::Note }
    }

    #[test]
    fn per_phase_durations_split_each_phase_evenly() {
        let steps = vec![
            step(Status::Preparing),
            step(Status::Preparing),
            step(Status::Preparing),
            step(Status::Building),
            step(Status::Success),
        ];
        let out = apply_durations(steps, Durations::PerPhase(1_000));
        let durations: Vec<i64> = out.iter().map(|s| s.duration_ms).collect();
        assert_eq!(durations, [333, 333, 334, 1_000, 0]);
        let untouched = apply_durations(vec![step(Status::Building)], Durations::Realistic);
        assert_eq!(untouched[0].duration_ms, 7);
    }

    #[test]
    fn keeping_instances_keeps_the_network_too() {
        let live = Live { instances: vec!["i-1".into()], network: Some(("vpc-1".into(), "vsw-1".into())) };
        assert!(release_steps(&live, Status::Releasing, true).is_empty());
        let steps = release_steps(&live, Status::Releasing, false);
        assert_eq!(steps.len(), 2);
        assert!(matches!(steps[1].effect, Effect::ReleaseNetwork { .. }));
    }
}

#[cfg(test)]
mod new_image_format_tests {
    use super::*;

    #[test]
    fn a_new_image_stored_in_a_plan_before_the_typed_model_loads_and_stores_back_unchanged() {
        for stored in [
            r#"{"id":"m-1","name":"n","family":null,"description":null,"nvme_support":"auto","source_image":"s","size_gib":40,"platform":"Aliyun","os_name":"o","architecture":"x86_64"}"#,
            r#"{"id":"m-1","name":"n","family":"f","description":"d","nvme_support":null,"source_image":"s","size_gib":20,"platform":"Others Linux","os_name":"o","architecture":"arm64"}"#,
        ] {
            let image: NewImage = serde_json::from_str(stored).unwrap_or_else(|e| panic!("{e}: {stored}"));
            assert_eq!(serde_json::to_string(&image).ok().as_deref(), Some(stored));
        }
    }
}
