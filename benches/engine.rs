//! Engine benchmark (not a test): starts N builds through the real HTTP API of an in-process
//! emulator on a manual clock, measures the process RSS with all N in flight, then advances the
//! clock phase by phase and measures how many build steps (transitions) the engine applies per
//! second. Run: `cargo bench --bench engine` (N defaults to 10 000; `IBE_BENCH_BUILDS` changes it).

use std::time::Instant;

use ecs_imagebuilder_emulator::app::App;
use ecs_imagebuilder_emulator::clock::ManualClock;
use ecs_imagebuilder_emulator::config::Config;
use serde_json::Value;

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

async fn call(client: &reqwest::Client, base: &str, params: &[(&str, &str)]) -> Value {
    let mut query = vec![("Version", "2014-05-26"), ("Format", "JSON"), ("RegionId", "cn-hangzhou")];
    query.extend_from_slice(params);
    let response = client.get(base).query(&query).send().await.expect("request");
    response.json().await.expect("json")
}

#[tokio::main]
async fn main() {
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

    // Each build: network + instance, 4 commands + image, 1 test command, 1 copy + 1 share, release.
    let started = Instant::now();
    let ids: Vec<usize> = (0..builds).collect();
    for chunk in ids.chunks(64) {
        let calls = chunk.iter().map(|i| {
            let client = client.clone();
            let base = base.clone();
            async move {
                let name = format!("bench{i}");
                let created = call(
                    &client,
                    &base,
                    &[
                        ("Action", "CreateImagePipeline"),
                        ("BaseImageType", "IMAGE"),
                        ("BaseImage", "aliyun_3_x64_20G_alibase_20240819.vhd"),
                        ("Name", &name),
                        ("InternetMaxBandwidthOut", "10"),
                        ("BuildContent", "RUN yum install -y nginx\nENV A=\"1\"\nWORKDIR /srv\nRESTART"),
                        ("TestContent", "RUN nginx -t"),
                        ("ToRegionId.1", "cn-beijing"),
                        ("AddAccount.1", "1234567890123456"),
                    ],
                )
                .await;
                let Some(id) = created["ImagePipelineId"].as_str().map(str::to_string) else {
                    panic!("create failed: {created}")
                };
                let started =
                    call(&client, &base, &[("Action", "StartImagePipelineExecution"), ("ImagePipelineId", &id)]).await;
                assert!(started["ExecutionId"].is_string(), "{started}");
            }
        });
        futures::future::join_all(calls).await;
    }
    let start_secs = started.elapsed().as_secs_f64();
    let (in_flight_rss, _) = rss_mib();
    let t = Instant::now();
    let first = engine.tick().await.expect("tick");

    let mut transitions = first;
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
    let (final_rss, peak_rss) = rss_mib();
    let done = call(
        &client,
        &base,
        &[("Action", "DescribeImagePipelineExecutions"), ("ExecutionId", "x"), ("Status", "SUCCESS")],
    )
    .await;
    let _ = done;
    println!("builds started:            {builds} (created + started over HTTP in {start_secs:.1} s)");
    println!("RSS idle / in flight:      {idle_rss:.1} MiB / {in_flight_rss:.1} MiB (all {builds} builds in flight)");
    println!(
        "transitions applied:       {transitions} in {tick_secs:.2} s of ticking = {:.0} transitions/s",
        transitions as f64 / tick_secs.max(1e-9)
    );
    println!("RSS after / peak:          {final_rss:.1} MiB / {peak_rss:.1} MiB");
}
