//! The stored text of a build's plan (`execution_plans.plan`): [`encode_plan`] writes version 3,
//! [`decode_plan`] reads versions 1 to 3.
//!
//! The engine decodes a build's whole plan each time a step of it is due, so the format is made to
//! be read fast. Versions 1 and 2 were JSON (a bare array of steps; then `{"v":2,"steps":[…]}`),
//! whose step messages are full of escaped quotes: reading them was a quarter of the engine
//! thread's time in a tick. Version 3 is a run of tokens in an order the steps give, with nothing
//! to unescape: token text (`domain::tokens`: `5:hello` a text, `3000;` a number, `~` an absent
//! text).
//!
//! A plan is `3;`, its number of steps, and each step's status, duration, message and effect: the
//! effect's name, then its fields in the order [`Effect`] declares them (an absent error of
//! `Finish` is `~`, a present one its code and info). E.g. a one-step plan:
//! `3;1;7:SUCCESS0;14:Build success!6:Finish7:SUCCESS~`.

use std::fmt;

use super::step::{Effect, ErrorInfo, NewImage, Step, TransitInstance};
use crate::domain::execution::Status;
use crate::domain::image::NvmeSupport;
use crate::domain::tokens::{Reader, TokenError, Writer};

/// The version written by [`encode_plan`]. Versions 1 and 2 (JSON) are still read, so builds in
/// flight and snapshots from before keep working.
pub const PLAN_FORMAT: u32 = 3;

/// Why a stored plan could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError(String);

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanError {}

impl From<TokenError> for PlanError {
    fn from(err: TokenError) -> Self {
        PlanError(format!("unreadable plan: {err}"))
    }
}

/// A plan as stored (version 3).
pub fn encode_plan(steps: &[Step]) -> String {
    let mut out = Writer::with_capacity(64 + steps.len() * 96);
    out.number(i64::from(PLAN_FORMAT));
    out.count(steps.len());
    for step in steps {
        out.text(step.status.as_str());
        out.number(step.duration_ms);
        out.text(&step.message);
        write_effect(&mut out, &step.effect);
    }
    out.finish()
}

/// Reads a stored plan of any known format: version 3, version 2's `{"v":2,"steps":[…]}`, or
/// version 1's bare JSON array; the format is told by the first character.
pub fn decode_plan(text: &str) -> Result<Vec<Step>, PlanError> {
    match text.trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str(text).map_err(json_error),
        Some(b'{') => decode_json_v2(text),
        _ => decode_v3(text),
    }
}

/// The number of steps in a stored plan (any format; the console's step counts), without
/// reading the steps of a version-3 one.
pub fn plan_len(text: &str) -> Result<usize, PlanError> {
    match text.trim_start().as_bytes().first() {
        Some(b'[' | b'{') => decode_plan(text).map(|steps| steps.len()),
        _ => header(text).map(|(_, count)| count),
    }
}

fn json_error(err: serde_json::Error) -> PlanError {
    PlanError(format!("unreadable plan: {err}"))
}

fn unknown_version(version: i64) -> PlanError {
    PlanError(format!("unknown plan format version {version} (this emulator reads 1, 2 and 3)"))
}

/// A JSON plan of a version other than 2 (version 1 has no version field; version 3 is not JSON).
fn unknown_json_version(version: u32) -> PlanError {
    PlanError(format!("unknown JSON plan format version {version} (JSON plans are versions 1 and 2)"))
}

/// A version-2 plan, its version checked once its steps are read (read first, on its own, it cost
/// a second pass over every plan). Only steps that do not decode have the version read again, so
/// an unknown version says so.
fn decode_json_v2(text: &str) -> Result<Vec<Step>, PlanError> {
    #[derive(serde::Deserialize)]
    struct PlanIn {
        v: u32,
        steps: Vec<Step>,
    }
    #[derive(serde::Deserialize)]
    struct PlanVersion {
        v: u32,
    }
    match serde_json::from_str::<PlanIn>(text) {
        Ok(PlanIn { v: 2, steps }) => Ok(steps),
        Ok(PlanIn { v, .. }) => Err(unknown_json_version(v)),
        Err(err) => match serde_json::from_str::<PlanVersion>(text) {
            Ok(PlanVersion { v }) if v != 2 => Err(unknown_json_version(v)),
            _ => Err(json_error(err)),
        },
    }
}

fn decode_v3(text: &str) -> Result<Vec<Step>, PlanError> {
    let (mut reader, count) = header(text)?;
    let mut steps = Vec::with_capacity(count);
    for _ in 0..count {
        let status = read_status(&mut reader)?;
        let duration_ms = reader.number()?;
        let message = reader.text()?.to_owned();
        let effect = read_effect(&mut reader)?;
        steps.push(Step { status, duration_ms, message, effect });
    }
    reader.end("text after the last step")?;
    Ok(steps)
}

/// The reader after a version-3 plan's header (`3;` and the step count), and the count.
fn header(text: &str) -> Result<(Reader<'_>, usize), PlanError> {
    let mut reader = Reader::new(text);
    let version = reader.number().map_err(|_| PlanError("unreadable plan: no format version".into()))?;
    if version != i64::from(PLAN_FORMAT) {
        return Err(unknown_version(version));
    }
    // A plan's steps are each more than 8 bytes, so a larger count is a lie, not an allocation.
    let count = reader.count(text.len() / 8)?;
    Ok((reader, count))
}

fn read_status(r: &mut Reader<'_>) -> Result<Status, TokenError> {
    let at = r.at();
    let text = r.text()?;
    Status::parse(text).ok_or(TokenError::new("an unknown status", at))
}

fn write_effect(out: &mut Writer, effect: &Effect) {
    match effect {
        Effect::Note => out.text("Note"),
        Effect::CreateNetwork { vpc_id, vswitch_id } => {
            out.text("CreateNetwork");
            out.text(vpc_id);
            out.text(vswitch_id);
        }
        Effect::CreateInstance { instance } => {
            out.text("CreateInstance");
            out.text(&instance.id);
            out.text(&instance.purpose);
            out.text(&instance.instance_type);
            out.number(instance.system_disk_size);
            out.number(instance.internet_max_bandwidth_out);
            out.text(&instance.vswitch_id);
            out.text(&instance.source_image);
        }
        Effect::RunCommand { failure } => {
            out.text("RunCommand");
            out.optional(failure.as_deref());
        }
        Effect::RestartInstance { instance_id } => {
            out.text("RestartInstance");
            out.text(instance_id);
        }
        Effect::CreateImage { image } => {
            out.text("CreateImage");
            out.text(&image.id);
            out.text(&image.name);
            out.optional(image.family.as_deref());
            out.optional(image.description.as_deref());
            out.optional(image.nvme_support.map(NvmeSupport::as_str));
            out.text(&image.source_image);
            out.number(image.size_gib);
            out.text(&image.platform);
            out.text(&image.os_name);
            out.text(&image.architecture);
        }
        Effect::CopyImage { target_region, image_id, failure } => {
            out.text("CopyImage");
            out.text(target_region);
            out.text(image_id);
            out.optional(failure.as_deref());
        }
        Effect::ShareImage { account, failure } => {
            out.text("ShareImage");
            out.text(account);
            out.optional(failure.as_deref());
        }
        Effect::ReleaseInstance { instance_id } => {
            out.text("ReleaseInstance");
            out.text(instance_id);
        }
        Effect::ReleaseNetwork { vpc_id, vswitch_id } => {
            out.text("ReleaseNetwork");
            out.text(vpc_id);
            out.text(vswitch_id);
        }
        Effect::Fail { code, info } => {
            out.text("Fail");
            out.text(code);
            out.text(info);
        }
        Effect::PartialFailure { code, info } => {
            out.text("PartialFailure");
            out.text(code);
            out.text(info);
        }
        Effect::Hold => out.text("Hold"),
        Effect::Finish { status, error } => {
            out.text("Finish");
            out.text(status.as_str());
            match error {
                Some(error) => {
                    out.text(&error.code);
                    out.text(&error.info);
                }
                None => out.optional(None),
            }
        }
    }
}

fn read_effect(r: &mut Reader<'_>) -> Result<Effect, PlanError> {
    let name_at = r.at();
    Ok(match r.text()? {
        "Note" => Effect::Note,
        "CreateNetwork" => Effect::CreateNetwork { vpc_id: r.owned()?, vswitch_id: r.owned()? },
        "CreateInstance" => Effect::CreateInstance {
            instance: TransitInstance {
                id: r.owned()?,
                purpose: r.owned()?,
                instance_type: r.owned()?,
                system_disk_size: r.number()?,
                internet_max_bandwidth_out: r.number()?,
                vswitch_id: r.owned()?,
                source_image: r.owned()?,
            },
        },
        "RunCommand" => Effect::RunCommand { failure: r.optional()? },
        "RestartInstance" => Effect::RestartInstance { instance_id: r.owned()? },
        "CreateImage" => Effect::CreateImage {
            image: NewImage {
                id: r.owned()?,
                name: r.owned()?,
                family: r.optional()?,
                description: r.optional()?,
                nvme_support: match r.optional()? {
                    Some(text) => Some(NvmeSupport::parse(&text).ok_or_else(|| r.error("an unknown NvmeSupport"))?),
                    None => None,
                },
                source_image: r.owned()?,
                size_gib: r.number()?,
                platform: r.owned()?,
                os_name: r.owned()?,
                architecture: r.owned()?,
            },
        },
        "CopyImage" => Effect::CopyImage { target_region: r.owned()?, image_id: r.owned()?, failure: r.optional()? },
        "ShareImage" => Effect::ShareImage { account: r.owned()?, failure: r.optional()? },
        "ReleaseInstance" => Effect::ReleaseInstance { instance_id: r.owned()? },
        "ReleaseNetwork" => Effect::ReleaseNetwork { vpc_id: r.owned()?, vswitch_id: r.owned()? },
        "Fail" => Effect::Fail { code: r.owned()?, info: r.owned()? },
        "PartialFailure" => Effect::PartialFailure { code: r.owned()?, info: r.owned()? },
        "Hold" => Effect::Hold,
        "Finish" => Effect::Finish {
            status: read_status(r)?,
            error: if r.absent() { None } else { Some(ErrorInfo { code: r.owned()?, info: r.owned()? }) },
        },
        _ => return Err(TokenError::new("an unknown step effect", name_at).into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A step of every effect, with texts the format must carry as they are: quotes, colons,
    /// semicolons, digits, `~`, multi-byte characters, an empty text, a NUL; and negative numbers.
    fn every_effect() -> Vec<Step> {
        let tricky = "say \"1:2;3\" ~ 中文 ✓\0".to_string();
        let image = NewImage {
            id: "m-1".into(),
            name: "12:ab".into(),
            family: Some("~".into()),
            description: None,
            nvme_support: Some(NvmeSupport::Auto),
            source_image: "aliyun_3_x64_20G_alibase_20240819.vhd".into(),
            size_gib: 40,
            platform: "Aliyun".into(),
            os_name: "Alibaba Cloud Linux  3.2104 LTS 64位".into(),
            architecture: "x86_64".into(),
        };
        let instance = TransitInstance {
            id: "i-1".into(),
            purpose: "build".into(),
            instance_type: "ecs.g6.large".into(),
            system_disk_size: 40,
            internet_max_bandwidth_out: -1,
            vswitch_id: "vsw-1".into(),
            source_image: String::new(),
        };
        let effects = vec![
            Effect::Note,
            Effect::CreateNetwork { vpc_id: "vpc-1".into(), vswitch_id: "vsw-1".into() },
            Effect::CreateInstance { instance },
            Effect::RunCommand { failure: None },
            Effect::RunCommand { failure: Some(tricky.clone()) },
            Effect::RestartInstance { instance_id: "i-1".into() },
            Effect::CreateImage { image: NewImage { nvme_support: None, family: None, ..image.clone() } },
            Effect::CreateImage { image },
            Effect::CopyImage { target_region: "cn-beijing".into(), image_id: "m-2".into(), failure: None },
            Effect::CopyImage { target_region: "cn-beijing".into(), image_id: "m-3".into(), failure: Some("x".into()) },
            Effect::ShareImage { account: "1234567890123456".into(), failure: Some(String::new()) },
            Effect::ReleaseInstance { instance_id: "i-1".into() },
            Effect::ReleaseNetwork { vpc_id: "vpc-1".into(), vswitch_id: "vsw-1".into() },
            Effect::Fail { code: "Disk.Full".into(), info: tricky.clone() },
            Effect::PartialFailure { code: "Copy.Failed".into(), info: "no quota".into() },
            Effect::Hold,
            Effect::Finish {
                status: Status::Failed,
                error: Some(ErrorInfo { code: "C".into(), info: tricky.clone() }),
            },
            Effect::Finish { status: Status::Success, error: None },
        ];
        effects
            .into_iter()
            .enumerate()
            .map(|(i, effect)| Step {
                status: Status::ALL[i % Status::ALL.len()],
                duration_ms: match i {
                    3 => -5,
                    4 => i64::MIN,
                    5 => i64::MAX,
                    _ => i64::try_from(i).expect("small") * 1000,
                },
                message: if i % 2 == 0 { tricky.clone() } else { format!("Step {i}: \"ok\"") },
                effect,
            })
            .collect()
    }

    #[test]
    fn every_effect_round_trips_through_version_3() {
        let steps = every_effect();
        let encoded = encode_plan(&steps);
        assert!(encoded.starts_with(&format!("3;{};", steps.len())), "{encoded}");
        assert_eq!(decode_plan(&encoded), Ok(steps.clone()));
        assert_eq!(plan_len(&encoded), Ok(steps.len()));
        assert_eq!(decode_plan(&encode_plan(&[])), Ok(Vec::new()));
    }

    /// The format as the module's documentation shows it.
    #[test]
    fn a_one_step_plan_is_the_documented_text() {
        let step = Step {
            status: Status::Success,
            duration_ms: 0,
            message: "Build success!".into(),
            effect: Effect::Finish { status: Status::Success, error: None },
        };
        assert_eq!(encode_plan(&[step]), "3;1;7:SUCCESS0;14:Build success!6:Finish7:SUCCESS~");
    }

    /// A build in flight stored before plans had a format version (a real row:
    /// `tests/fixtures/plan-v1.json`) still decodes, as does version 2's JSON; both re-encode as
    /// version 3 to the same steps.
    #[test]
    fn versions_1_and_2_from_before_decode() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/fixtures/plan-v1.json")).expect("fixture");
        let plan = fixture["plan"].as_str().expect("plan column");
        assert!(plan.starts_with('['), "the fixture is the old bare-array format");
        let steps = decode_plan(plan).expect("version 1 decodes");
        assert!(steps.len() > 3);
        assert!(matches!(steps[0].effect, Effect::CreateNetwork { .. }));
        assert!(matches!(steps.last().map(|s| &s.effect), Some(Effect::Finish { status: Status::Success, .. })));
        let runtime: super::super::Runtime =
            serde_json::from_str(fixture["runtime"].as_str().expect("runtime column")).expect("runtime decodes");
        assert_eq!(runtime.live.instances.len(), 1);
        assert_eq!(plan_len(plan), Ok(steps.len()));

        let every = every_effect();
        let version_2 = serde_json::json!({"v": 2, "steps": every}).to_string();
        assert_eq!(decode_plan(&version_2), Ok(every.clone()));
        assert_eq!(plan_len(&version_2), Ok(every.len()));

        assert_eq!(decode_plan(&encode_plan(&steps)), Ok(steps));
    }

    #[test]
    fn an_unknown_version_is_refused_as_such() {
        for (unknown, version) in [("4;0;", 4), ("0;", 0), ("-2;", -2)] {
            let err = decode_plan(unknown).expect_err("an unknown version is refused").to_string();
            assert!(err.starts_with(&format!("unknown plan format version {version} ")), "{unknown}: {err}");
        }
        for (unknown, version) in [(r#"{"v":3,"steps":[]}"#, 3), (r#"{"v":4,"steps":[{"new":"shape"}]}"#, 4)] {
            let err = decode_plan(unknown).expect_err("an unknown version is refused").to_string();
            assert!(err.starts_with(&format!("unknown JSON plan format version {version} ")), "{unknown}: {err}");
        }
    }

    /// A damaged plan (a snapshot's, edited by hand) is an error, never a panic or a wrong plan: every
    /// cut of a real one, a step count that lies, text after the last step, a text cut inside a
    /// character, and numbers that overflow.
    #[test]
    fn a_damaged_plan_is_an_error() {
        let encoded = encode_plan(&every_effect());
        for cut in (0..encoded.len()).filter(|&at| encoded.is_char_boundary(at)) {
            assert!(decode_plan(&encoded[..cut]).is_err(), "cut at {cut} decoded");
        }
        let lying = encoded.replacen(&format!("3;{};", every_effect().len()), "3;999999999999;", 1);
        assert!(decode_plan(&lying).is_err());
        assert!(decode_plan(&format!("{encoded}x")).expect_err("trailing").to_string().contains("after the last step"));
        for damaged in [
            "",
            "not json",
            "3;",
            "3;-1;",
            "3;1;7:SUCCESS0;1:\u{4e2d}4:Note",
            "3;1;7:SUCCESS99999999999999999999;1:x4:Note",
            "3;1;7:SUCCESS0;1:x7:Unknown",
            "3;1;7:UNKNOWN0;1:x4:Note",
            "3;1;7:SUCCESS0;1:x11:CreateImage4:m-123:ab~~8:whatever",
        ] {
            assert!(decode_plan(damaged).is_err(), "{damaged:?} decoded");
        }
    }
}
