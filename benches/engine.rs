//! Engine benchmark (not a test): starts N builds through the real HTTP API of an in-process
//! emulator on a manual clock, measures the process RSS with all N in flight, then advances the
//! clock phase by phase and measures how many build steps (transitions) the engine applies per
//! second. Then it starts N more builds and, while the engine ticks them, measures the latency of
//! StartImagePipelineExecution at concurrency 16 (each start on a template of its own).
//! Run: `cargo bench --bench engine` (N defaults to 10 000; `IBE_BENCH_BUILDS` changes it;
//! `IBE_BENCH_PHASE_MS=0` runs every build to completion in one tick; `IBE_BENCH_TICK_ONLY=1` stops
//! after the first ticking, for a profile of it: a line `ticking … (pid N)` marks its start). The last line,
//! `RESULT {json}`, is what `bench/ratios.py` reads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use ecs_imagebuilder_emulator::app::App;
use ecs_imagebuilder_emulator::clock::ManualClock;
use ecs_imagebuilder_emulator::config::Config;
use serde_json::Value;

/// The shipped binary's allocator (`src/main.rs`), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Resident memory of this process in MiB (current, peak) from /proc/self/status.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds this process has used so far, on every thread (user and system; `/proc/self/stat`
/// counts in USER_HZ, 100 per second on Linux): the work a tick did, apart from its waits. On a
/// shared VM it varies with the CPU's speed as wall time does, so A/B runs still interleave.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces) in brackets: utime and stime are
    // the 14th and 15th of the whole line.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = after.split_whitespace().skip(11).take(2).filter_map(|t| t.parse::<f64>().ok()).sum();
    ticks / 100.0
}

async fn call(client: &reqwest::Client, base: &str, params: &[(&str, &str)]) -> Value {
    let mut query = vec![("Version", "2014-05-26"), ("Format", "JSON"), ("RegionId", "cn-hangzhou")];
    query.extend_from_slice(params);
    let response = client.get(base).query(&query).send().await.expect("request");
    response.json().await.expect("json")
}

/// Creates a template like every benchmark build's: network + instance, 4 commands + image, 1 test
/// command, 1 copy + 1 share, release.
async fn create_template(client: &reqwest::Client, base: &str, name: &str) -> String {
    let created = call(
        client,
        base,
        &[
            ("Action", "CreateImagePipeline"),
            ("BaseImageType", "IMAGE"),
            ("BaseImage", "aliyun_3_x64_20G_alibase_20240819.vhd"),
            ("Name", name),
            ("InternetMaxBandwidthOut", "10"),
            ("BuildContent", "RUN yum install -y nginx\nENV A=\"1\"\nWORKDIR /srv\nRESTART"),
            ("TestContent", "RUN nginx -t"),
            ("ToRegionId.1", "cn-beijing"),
            ("AddAccount.1", "1234567890123456"),
        ],
    )
    .await;
    let Some(id) = created["ImagePipelineId"].as_str().map(str::to_string) else { panic!("create failed: {created}") };
    id
}

async fn start_build(client: &reqwest::Client, base: &str, id: &str) -> Value {
    call(client, base, &[("Action", "StartImagePipelineExecution"), ("ImagePipelineId", id)]).await
}

/// Creates and starts `builds` builds, 64 at a time; returns the seconds it took.
async fn start_builds(client: &reqwest::Client, base: &str, prefix: &str, builds: usize) -> f64 {
    let started = Instant::now();
    let ids: Vec<usize> = (0..builds).collect();
    for chunk in ids.chunks(64) {
        let calls = chunk.iter().map(|i| async move {
            let id = create_template(client, base, &format!("{prefix}{i}")).await;
            let started = start_build(client, base, &id).await;
            assert!(started["ExecutionId"].is_string(), "{started}");
        });
        futures::future::join_all(calls).await;
    }
    started.elapsed().as_secs_f64()
}

/// Ticks (advancing the manual clock by a phase between ticks) until a tick applies nothing;
/// returns (steps applied, seconds spent inside ticks).
async fn tick_to_the_end(
    engine: &ecs_imagebuilder_emulator::engine::Engine,
    clock: &ManualClock,
    phase_ms: i64,
) -> (usize, f64) {
    let t = Instant::now();
    let mut transitions = engine.tick().await.expect("tick");
    let mut tick_secs = t.elapsed().as_secs_f64();
    loop {
        clock.advance(phase_ms.max(1));
        let t = Instant::now();
        let applied = engine.tick().await.expect("tick");
        tick_secs += t.elapsed().as_secs_f64();
        transitions += applied;
        if applied == 0 {
            break;
        }
    }
    (transitions, tick_secs)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    const WORKERS: usize = 16;
    const STARTS_PER_WORKER: usize = 250;
    let builds: usize = std::env::var("IBE_BENCH_BUILDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_tests(dir.path().join("bench.db").to_string_lossy().into_owned());
    // IBE_BENCH_PHASE_MS=0: every build runs to completion in the first tick.
    let phase_ms: i64 = std::env::var("IBE_BENCH_PHASE_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(60_000);
    config.phase_duration = Some(phase_ms);
    let clock = ManualClock::starting_at(1_700_000_000_000);
    let app = App::build_with_clock(config, clock.clone()).await.expect("app");
    let base = format!("http://{}", app.local_addr().expect("addr"));
    let engine = app.state().engine.clone();
    tokio::spawn(app.run(std::future::pending()));
    let client = reqwest::Client::new();
    let (idle_rss, _) = rss_mib();

    // 1. N builds in flight, then ticked to the end alone.
    let start_secs = start_builds(&client, &base, "bench", builds).await;
    let (in_flight_rss, _) = rss_mib();
    // A line to attach a profiler at (`perf record -p PID`): the ticking starts now.
    println!("ticking {builds} builds (pid {})", std::process::id());
    let cpu_before = cpu_secs();
    let (transitions, tick_secs) = tick_to_the_end(&engine, &clock, phase_ms).await;
    let tick_cpu = cpu_secs() - cpu_before;
    let (final_rss, peak_rss) = rss_mib();
    #[allow(clippy::cast_precision_loss)]
    let rate = transitions as f64 / tick_secs.max(1e-9);
    #[allow(clippy::cast_precision_loss)]
    let cpu_per_step = tick_cpu * 1e6 / transitions.max(1) as f64;
    let cpu_line = format!("CPU while ticking:         {tick_cpu:.2} s, all threads = {cpu_per_step:.1} µs per step");
    if std::env::var_os("IBE_BENCH_TICK_ONLY").is_some() {
        println!("transitions applied:       {transitions} in {tick_secs:.2} s of ticking = {rate:.0} transitions/s");
        println!("{cpu_line}");
        return;
    }

    // 2. N more builds in flight; StartImagePipelineExecution at c=16 while the engine ticks them.
    start_builds(&client, &base, "again", builds).await;
    let mut spare: Vec<Vec<String>> = Vec::new();
    for w in 0..WORKERS {
        let names: Vec<String> = (0..STARTS_PER_WORKER).map(|i| format!("spare{w}x{i}")).collect();
        let ids = futures::future::join_all(names.iter().map(|n| create_template(&client, &base, n))).await;
        spare.push(ids);
    }
    let ticking = Arc::new(AtomicBool::new(true));
    let workers: Vec<_> = spare
        .into_iter()
        .map(|ids| {
            let (client, base, ticking) = (client.clone(), base.clone(), ticking.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for id in ids {
                    if !ticking.load(Ordering::Relaxed) {
                        break;
                    }
                    let t = Instant::now();
                    let started = start_build(&client, &base, &id).await;
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                    assert!(started["ExecutionId"].is_string(), "{started}");
                }
                latencies
            })
        })
        .collect();
    let (loaded_transitions, loaded_tick_secs) = tick_to_the_end(&engine, &clock, phase_ms).await;
    ticking.store(false, Ordering::Relaxed);
    let mut latencies: Vec<f64> = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    latencies.sort_by(f64::total_cmp);
    let (start_p50, start_p99) = (percentile(&latencies, 50.0), percentile(&latencies, 99.0));

    println!("builds started:            {builds} (created + started over HTTP in {start_secs:.1} s)");
    println!("RSS idle / in flight:      {idle_rss:.1} MiB / {in_flight_rss:.1} MiB (all {builds} builds in flight)");
    println!("transitions applied:       {transitions} in {tick_secs:.2} s of ticking = {rate:.0} transitions/s");
    println!("{cpu_line}");
    println!("RSS after / peak:          {final_rss:.1} MiB / {peak_rss:.1} MiB");
    println!(
        "starts at c={WORKERS} while {builds} builds tick: {} starts, p50 {start_p50:.1} ms, p99 {start_p99:.1} ms \
         ({loaded_transitions} steps in {loaded_tick_secs:.2} s of ticking meanwhile)",
        latencies.len()
    );
    println!(
        "start latency tail:        p90 {:.1} ms, p99.9 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 90.0),
        percentile(&latencies, 99.9),
        latencies.last().copied().unwrap_or(0.0)
    );
    println!(
        "RESULT {{\"builds\":{builds},\"steps\":{transitions},\"tick_s\":{tick_secs:.3},\"steps_per_s\":{rate:.0},\
         \"rss_idle_mib\":{idle_rss:.1},\"rss_in_flight_mib\":{in_flight_rss:.1},\"rss_peak_mib\":{peak_rss:.1},\
         \"starts\":{},\"start_p50_ms\":{start_p50:.2},\"start_p99_ms\":{start_p99:.2},\"loaded_tick_s\":{loaded_tick_secs:.3}}}",
        latencies.len()
    );
}
