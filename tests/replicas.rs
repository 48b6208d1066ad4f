//! Several emulator processes on one PostgreSQL database behave as one emulator (issue 15): what
//! one replica writes the others serve at once, the one-build and one-ClientToken rules hold
//! across replicas, the control state (clock, fault rules, journal, reset) is shared, readiness
//! follows the database, and a replica killed with SIGKILL in the middle of a load loses nothing
//! acknowledged and applies no build step twice.
//!
//! Each test starts real processes (the binary Cargo built for this test) on a schema of its own
//! in the cluster `IBE_TEST_DB` names; without a `postgres://` URL there every test is skipped with
//! a message (scripts/test.sh runs them in its PostgreSQL step). The tests run one at a time
//! ([`SERIAL`]): each starts three or four processes, each with its own connection pools.

#[path = "api/test_db.rs"]
#[allow(dead_code)]
mod test_db;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use test_db::{Backend, TestDb};

/// One test at a time: each runs several processes with their own pools.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const REGION: &str = "cn-hangzhou";
const BASE_IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";

/// The test's PostgreSQL database, or `None` (and a message) when `IBE_TEST_DB` is not a
/// PostgreSQL URL.
fn postgres_db(test: &str) -> Option<TestDb> {
    match test_db::backend() {
        Backend::Postgres(_) => Some(TestDb::new()),
        Backend::Sqlite => {
            eprintln!("{test}: skipped: IBE_TEST_DB is not a postgres:// URL (replicas share a PostgreSQL database)");
            None
        }
    }
}

/// One emulator process.
struct Replica {
    child: Child,
    base: String,
    args: Vec<String>,
}

impl Replica {
    /// Starts the binary on `db` with `extra` flags and waits for its "listening on" line.
    fn start(db: &str, extra: &[&str]) -> Replica {
        let mut args: Vec<String> = vec!["--listen".into(), "127.0.0.1:0".into(), "--db".into(), db.into()];
        args.extend(extra.iter().map(|a| a.to_string()));
        Replica::start_args(args)
    }

    fn start_args(args: Vec<String>) -> Replica {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ecs-imagebuilder-emulator"))
            .args(&args)
            .env_remove("IBE_DB")
            .env_remove("IBE_LISTEN")
            // `IBE_REPLICA_LOG=warn` (an env-filter) shows more of each replica's log.
            .env("RUST_LOG", std::env::var("IBE_REPLICA_LOG").unwrap_or_else(|_| "error".into()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the emulator binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = sender.send(first);
            }
            // Keep draining so the process never blocks on a full pipe.
            for _ in lines {}
        });
        let line = receiver.recv_timeout(Duration::from_secs(60)).expect("the emulator prints its address");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Replica { child, base, args }
    }

    /// Kills the process with SIGKILL (no shutdown: transactions in flight die with it).
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A new process with the same flags (a new port).
    fn restart(&mut self) {
        self.kill();
        *self = Replica::start_args(self.args.clone());
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An HTTP client for the replicas.
#[derive(Clone)]
struct Client(reqwest::Client);

/// Status and JSON body of an answer.
#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    fn code(&self) -> Option<&str> {
        self.body.get("Code").and_then(Value::as_str)
    }

    #[track_caller]
    fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "body: {}", self.body);
        &self.body
    }

    #[track_caller]
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.code()), (status, Some(code)), "body: {}", self.body);
    }
}

impl Client {
    fn new() -> Client {
        Client(reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client"))
    }

    /// An RPC call (V1 style, JSON) in the test region; `Err` if the replica could not be reached.
    async fn try_call(&self, base: &str, action: &str, params: &[(&str, &str)]) -> Result<Reply, reqwest::Error> {
        let mut query: Vec<(&str, &str)> =
            vec![("Action", action), ("Version", "2014-05-26"), ("Format", "JSON"), ("RegionId", REGION)];
        query.extend_from_slice(params);
        let response = self.0.get(base).query(&query).send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        Ok(Reply { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) })
    }

    async fn call(&self, base: &str, action: &str, params: &[(&str, &str)]) -> Reply {
        self.try_call(base, action, params).await.unwrap_or_else(|e| panic!("{action} on {base}: {e}"))
    }

    async fn admin(&self, base: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.0.request(method, format!("{base}/_emulator{path}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{path} on {base}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        Reply { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
    }

    async fn create(&self, base: &str, extra: &[(&str, &str)]) -> Reply {
        let mut params = vec![("BaseImageType", "IMAGE"), ("BaseImage", BASE_IMAGE)];
        params.extend_from_slice(extra);
        self.call(base, "CreateImagePipeline", &params).await
    }

    /// The template's item from DescribeImagePipelines on `base`, if it is there.
    async fn template(&self, base: &str, id: &str) -> Option<Value> {
        let reply = self.call(base, "DescribeImagePipelines", &[("ImagePipelineId.1", id)]).await;
        reply.ok()["ImagePipeline"]["ImagePipelineSet"].as_array().and_then(|set| set.first().cloned())
    }

    /// The execution's item from DescribeImagePipelineExecutions on `base`.
    async fn execution(&self, base: &str, pipeline: &str, id: &str) -> Value {
        let params = [("ImagePipelineId", pipeline), ("ExecutionId", id)];
        let reply = self.call(base, "DescribeImagePipelineExecutions", &params).await;
        reply.ok()["ImagePipelineExecution"]["ImagePipelineExecutionSet"][0].clone()
    }
}

fn text(item: &Value, key: &str) -> String {
    item[key].as_str().unwrap_or_else(|| panic!("{key} missing in {item}")).to_string()
}

/// Three manual-clock replicas on one fresh database.
fn three_manual(db: &TestDb) -> Vec<Replica> {
    (0..3).map(|_| Replica::start(&db.url, &["--clock", "manual", "--phase-duration", "1s"])).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_one_replica_writes_the_others_serve_with_paging_and_client_tokens() {
    let _serial = SERIAL.lock().await;
    let Some(db) = postgres_db("what_one_replica_writes_the_others_serve") else { return };
    let replicas = three_manual(&db);
    let client = Client::new();
    let [a, b, c] = [&replicas[0].base, &replicas[1].base, &replicas[2].base];

    let first = text(client.create(a, &[("Name", "first")]).await.ok(), "ImagePipelineId");
    for other in [b, c] {
        let item = client.template(other, &first).await.expect("visible at once on every replica");
        assert_eq!(text(&item, "Name"), "first");
    }

    // Paging: a NextToken from one replica is followed on the next ones.
    let mut made: BTreeSet<String> = [first].into();
    for i in 0..6 {
        let name = format!("paged-{i}");
        made.insert(text(client.create([a, b, c][i % 3], &[("Name", &name)]).await.ok(), "ImagePipelineId"));
    }
    let mut seen = BTreeSet::new();
    let mut token = String::new();
    for page in 0.. {
        let base = [a, b, c][page % 3];
        let mut params = vec![("MaxResults", "2")];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let reply = client.call(base, "DescribeImagePipelines", &params).await;
        let body = reply.ok();
        for item in body["ImagePipeline"]["ImagePipelineSet"].as_array().expect("set") {
            assert!(seen.insert(text(item, "ImagePipelineId")), "no template twice across pages");
        }
        token = body["NextToken"].as_str().unwrap_or_default().to_string();
        if token.is_empty() {
            break;
        }
        assert!(page < 10, "paging ends");
    }
    assert_eq!(seen, made, "pages read across the three replicas list every template once");

    // A ClientToken used on one replica answers the same template on the others.
    let params = [("Name", "tokened"), ("ClientToken", "one-token")];
    let id = text(client.create(a, &params).await.ok(), "ImagePipelineId");
    for other in [b, c] {
        assert_eq!(text(client.create(other, &params).await.ok(), "ImagePipelineId"), id);
    }
    assert!(!made.contains(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_starts_spread_over_three_replicas_make_one_build() {
    let _serial = SERIAL.lock().await;
    let Some(db) = postgres_db("sixty_four_starts_spread_over_three_replicas_make_one_build") else { return };
    let replicas = three_manual(&db);
    let client = Client::new();
    let pipeline = text(client.create(&replicas[0].base, &[]).await.ok(), "ImagePipelineId");
    let calls = (0..64).map(|i| {
        let (client, base, pipeline) = (client.clone(), replicas[i % 3].base.clone(), pipeline.clone());
        async move { client.call(&base, "StartImagePipelineExecution", &[("ImagePipelineId", &pipeline)]).await }
    });
    let replies = futures::future::join_all(calls).await;
    let ok: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    let codes: Vec<(u16, Option<&str>)> = replies.iter().map(|r| (r.status, r.code())).collect();
    assert_eq!(ok.len(), 1, "{codes:?}");
    for refused in replies.iter().filter(|r| r.status != 200) {
        refused.assert_error(403, "InvalidImagePipeline.HasRunningExecution");
    }
    for replica in &replicas {
        let listed =
            client.call(&replica.base, "DescribeImagePipelineExecutions", &[("ImagePipelineId", &pipeline)]).await;
        assert_eq!(listed.ok()["TotalCount"], 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_creates_with_one_client_token_over_three_replicas_make_one_template() {
    let _serial = SERIAL.lock().await;
    let Some(db) = postgres_db("thirty_two_creates_with_one_client_token") else { return };
    let replicas = three_manual(&db);
    let client = Client::new();
    let calls = (0..32).map(|i| {
        let (client, base) = (client.clone(), replicas[i % 3].base.clone());
        async move { client.create(&base, &[("Name", "raced"), ("ClientToken", "raced-token")]).await }
    });
    let replies = futures::future::join_all(calls).await;
    let ids: BTreeSet<String> = replies.iter().map(|r| text(r.ok(), "ImagePipelineId")).collect();
    assert_eq!(ids.len(), 1, "every replica answers the one template: {ids:?}");
    let listed = client.call(&replicas[2].base, "DescribeImagePipelines", &[]).await;
    assert_eq!(listed.ok()["TotalCount"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clock_faults_journal_builds_and_reset_are_shared() {
    let _serial = SERIAL.lock().await;
    let Some(db) = postgres_db("clock_faults_journal_builds_and_reset_are_shared") else { return };
    let replicas = three_manual(&db);
    let client = Client::new();
    let [a, b, c] = [&replicas[0].base, &replicas[1].base, &replicas[2].base];

    // The clock: advanced on A, read on B and C.
    let before = client.admin(b, "GET", "/clock", None).await.ok()["nowMs"].as_i64().expect("nowMs");
    let advanced = client.admin(a, "POST", "/clock/advance", Some(json!({ "seconds": 3600 }))).await;
    let now = advanced.ok()["nowMs"].as_i64().expect("nowMs");
    assert_eq!(now, before + 3_600_000);
    for other in [b, c] {
        assert_eq!(client.admin(other, "GET", "/clock", None).await.ok()["nowMs"], now);
    }
    // A template created on C after the advance carries the shared time.
    let id = text(client.create(c, &[("Name", "timed")]).await.ok(), "ImagePipelineId");
    let created = client.template(a, &id).await.expect("template");
    assert!(text(&created, "CreationTime").starts_with(&now_prefix(now)), "{created}");

    // A build started on A is driven by the clock advanced on B, and seen finished on C.
    let execution =
        text(client.call(a, "StartImagePipelineExecution", &[("ImagePipelineId", &id)]).await.ok(), "ExecutionId");
    client.admin(b, "POST", "/clock/advance", Some(json!({ "seconds": 600 }))).await.ok();
    let finished = wait_for(Duration::from_secs(30), || async {
        let item = client.execution(c, &id, &execution).await;
        (item["Status"] == "SUCCESS").then_some(item)
    })
    .await;
    assert_eq!(finished["Status"], "SUCCESS");

    // A fault rule added on B fires on C and A, and its count holds across replicas.
    let rule = client
        .admin(
            b,
            "POST",
            "/faults",
            Some(json!({ "action": "DescribeRegions", "error": "Throttling.User", "count": 2 })),
        )
        .await;
    assert_eq!(rule.status, 201, "{}", rule.body);
    client.call(c, "DescribeRegions", &[]).await.assert_error(400, "Throttling.User");
    client.call(a, "DescribeRegions", &[]).await.assert_error(400, "Throttling.User");
    client.call(b, "DescribeRegions", &[]).await.ok();
    let listed = client.admin(a, "GET", "/faults", None).await;
    assert_eq!(listed.ok()["faults"][0]["fired"], 2, "{}", listed.body);

    // The journal: a call answered by A is listed by C right after.
    let marked = client.call(a, "DescribeImagePipelines", &[("Name", "journal-marker")]).await;
    let request_id = text(marked.ok(), "RequestId");
    let journal = client.admin(c, "GET", "/requests?action=DescribeImagePipelines&limit=1", None).await;
    assert_eq!(journal.ok()["requests"][0]["requestId"], request_id.as_str(), "{}", journal.body);
    assert_eq!(journal.body["requests"][0]["params"]["Name"], "journal-marker");

    // Reset on C: the resources, journal and fault rules are gone for A and B too.
    client.admin(b, "POST", "/faults", Some(json!({ "action": "DescribeRegions", "error": "InternalError" }))).await;
    client.call(a, "DescribeRegions", &[]).await.assert_error(500, "InternalError");
    assert_eq!(client.admin(c, "POST", "/reset", None).await.status, 200);
    assert!(client.template(a, &id).await.is_none(), "the template is gone on A");
    client.call(b, "DescribeRegions", &[]).await.ok();
    assert_eq!(client.admin(a, "GET", "/faults", None).await.ok()["faults"], json!([]));
    let journal = client.admin(b, "GET", "/requests?action=DescribeRegions", None).await;
    assert_eq!(journal.ok()["count"], 1, "only the call made after the reset: {}", journal.body);
    assert_eq!(client.admin(a, "GET", "/clock", None).await.ok()["nowMs"], now + 600_000, "reset keeps the clock");
}

/// `yyyy-MM-ddTHH` of a time (what a `CreationTime` made at that time starts with).
fn now_prefix(ms: i64) -> String {
    let seconds = ms / 1000;
    let days = seconds.div_euclid(86_400);
    let hour = seconds.rem_euclid(86_400) / 3600;
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}")
}

/// Polls `probe` until it gives a value, failing after `deadline` (waiting for a condition, not
/// measuring time).
async fn wait_for<T, F, Fut>(deadline: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(start.elapsed() < deadline, "condition not met within {deadline:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_replica_is_ready_and_one_whose_database_went_away_is_not() {
    let _serial = SERIAL.lock().await;
    let Some(db) = postgres_db("every_replica_is_ready_and_one_whose_database_went_away_is_not") else { return };
    let Some(mut doomed) = postgres_db("the fourth replica's database") else { return };
    let replicas = three_manual(&db);
    let fourth = Replica::start(&doomed.url, &["--clock", "manual"]);
    let client = Client::new();
    for replica in replicas.iter().chain([&fourth]) {
        assert_eq!(client.admin(&replica.base, "GET", "/ready", None).await.status, 200);
    }
    assert!(doomed.drop_schema_now(), "the fourth replica's schema is dropped");
    let ready = client.admin(&fourth.base, "GET", "/ready", None).await;
    assert_eq!((ready.status, &ready.body["ready"]), (503, &json!(false)), "{}", ready.body);
    for replica in &replicas {
        assert_eq!(client.admin(&replica.base, "GET", "/ready", None).await.status, 200, "the others stay ready");
    }
}

/// What the load acknowledged: templates created and builds started (with the template).
#[derive(Default)]
struct Acknowledged {
    templates: Vec<String>,
    builds: Vec<(String, String)>,
}

/// One worker of the load: create a template on one replica, start it on the next; only what was
/// answered 200 counts as acknowledged (calls to a dead replica fail and are not).
async fn load(
    client: Client,
    bases: Arc<std::sync::RwLock<Vec<String>>>,
    started: Arc<AtomicUsize>,
    worker: usize,
    rounds: usize,
) -> Acknowledged {
    let mut done = Acknowledged::default();
    for round in 0..rounds {
        let pick = |k: usize| bases.read().map(|b| b[(worker + round + k) % b.len()].clone()).unwrap_or_default();
        let name = format!("load-{worker}-{round}");
        let params = [("BaseImageType", "IMAGE"), ("BaseImage", BASE_IMAGE), ("Name", name.as_str())];
        let Ok(created) = client.try_call(&pick(0), "CreateImagePipeline", &params).await else { continue };
        if created.status != 200 {
            continue;
        }
        let template = text(&created.body, "ImagePipelineId");
        done.templates.push(template.clone());
        let start = [("ImagePipelineId", template.as_str())];
        if let Ok(reply) = client.try_call(&pick(1), "StartImagePipelineExecution", &start).await {
            if reply.status == 200 {
                started.fetch_add(1, Ordering::SeqCst);
                done.builds.push((text(&reply.body, "ExecutionId"), template));
            }
        }
    }
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_killed_mid_load_loses_nothing_acknowledged_and_applies_no_step_twice() {
    let _serial = SERIAL.lock().await;
    let Some(db) = postgres_db("a_replica_killed_mid_load") else { return };
    let mut replicas: Vec<Replica> =
        (0..3).map(|_| Replica::start(&db.url, &["--clock", "real", "--phase-duration", "20ms"])).collect();
    let client = Client::new();
    let bases = Arc::new(std::sync::RwLock::new(replicas.iter().map(|r| r.base.clone()).collect::<Vec<_>>()));
    let started = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> =
        (0..8).map(|w| tokio::spawn(load(client.clone(), bases.clone(), started.clone(), w, 30))).collect();

    // Mid-load: builds are in flight on every replica's scheduler when replica 1 dies.
    wait_for(Duration::from_secs(120), || async { (started.load(Ordering::SeqCst) >= 20).then_some(()) }).await;
    replicas[1].kill();
    wait_for(Duration::from_secs(120), || async { (started.load(Ordering::SeqCst) >= 60).then_some(()) }).await;
    replicas[1].restart();
    if let Ok(mut b) = bases.write() {
        b[1] = replicas[1].base.clone();
    }
    let mut acknowledged = Acknowledged::default();
    for worker in workers {
        let done = worker.await.expect("load worker");
        acknowledged.templates.extend(done.templates);
        acknowledged.builds.extend(done.builds);
    }
    assert!(acknowledged.builds.len() >= 60, "the load started builds: {}", acknowledged.builds.len());

    // Every acknowledged create is there, on every replica.
    for template in &acknowledged.templates {
        for replica in &replicas {
            assert!(client.template(&replica.base, template).await.is_some(), "{template} on {}", replica.base);
        }
    }
    // Every started build ends, and each step was applied once.
    let mut timelines: BTreeMap<usize, usize> = BTreeMap::new();
    for (execution, template) in &acknowledged.builds {
        let base = &replicas[timelines.len() % 3].base;
        let item = wait_for(Duration::from_secs(120), || async {
            let item = client.execution(base, template, execution).await;
            matches!(
                item["Status"].as_str(),
                Some("SUCCESS" | "FAILED" | "TEST_FAILED" | "CANCELLED" | "PARTITION_SUCCESS")
            )
            .then_some(item)
        })
        .await;
        assert_eq!(item["Status"], "SUCCESS", "{item}");
        assert_eq!(text(&item, "ImagePipelineId"), *template);
        let detail = client.admin(base, "GET", &format!("/executions/{execution}"), None).await;
        let detail = detail.ok();
        assert_eq!(detail["remainingSteps"], 0, "{detail}");
        let timeline = detail["timeline"].as_array().expect("timeline");
        let distinct: BTreeSet<String> = timeline.iter().map(Value::to_string).collect();
        assert_eq!(distinct.len(), timeline.len(), "a step recorded twice: {detail}");
        *timelines.entry(timeline.len()).or_default() += 1;
        let resources = detail["transitResources"].as_array().expect("transit resources");
        let ids: BTreeSet<&str> = resources.iter().filter_map(|r| r["id"].as_str()).collect();
        assert_eq!(ids.len(), resources.len(), "a transit resource created twice: {detail}");
        assert!(resources.iter().all(|r| r["released"].is_string()), "every transit resource released: {detail}");
        assert_eq!(detail["images"].as_array().map(Vec::len), Some(1), "one image per build: {detail}");
    }
    assert_eq!(timelines.len(), 1, "every build went through the same steps once: {timelines:?}");
}
