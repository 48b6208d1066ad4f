//! `TestApp`: a real emulator on a free port with a fresh database and a manual clock, plus typed
//! helpers to call it the ways real clients do. The database is a temporary SQLite file, or a
//! PostgreSQL schema of its own when `IBE_TEST_DB` names a cluster (`test_db`).

use std::sync::Arc;

use ecs_imagebuilder_emulator::app::App;
use ecs_imagebuilder_emulator::clock::ManualClock;
use ecs_imagebuilder_emulator::config::Config;
use ecs_imagebuilder_emulator::engine::Engine;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::test_db::TestDb;

/// A base image every test can build from.
pub const BASE_IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";
pub const REGION: &str = "cn-hangzhou";

pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub engine: Arc<Engine>,
    pub config: Config,
    // Keeps the database (file or schema) alive for the life of the test.
    db: Arc<TestDb>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// A JSON response: status and body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The error `Code`, if the body has one.
    pub fn code(&self) -> Option<&str> {
        self.body.get("Code").and_then(Value::as_str)
    }

    /// Asserts a documented error: HTTP status and Code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!((self.status.as_u16(), self.code()), (status, Some(code)), "body: {}", self.body);
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        assert!(self.body.get("Code").is_none(), "a success body must not carry Code: {}", self.body);
        &self.body
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Spawns with a tweaked configuration (quota, …).
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let db = Arc::new(TestDb::new());
        let mut config = Config::for_tests(db.url.clone());
        tweak(&mut config);
        let clock = ManualClock::starting_at(1_700_000_000_000);
        TestApp::boot(config, clock, db).await
    }

    /// Spawns on a SQLite file whatever `IBE_TEST_DB` says (tests that need both backends).
    pub async fn spawn_sqlite() -> TestApp {
        let db = Arc::new(TestDb::sqlite());
        let config = Config::for_tests(db.url.clone());
        TestApp::boot(config, ManualClock::starting_at(1_700_000_000_000), db).await
    }

    async fn boot(config: Config, clock: ManualClock, db: Arc<TestDb>) -> TestApp {
        // `IBE_TEST_LOG=warn` (an env-filter) shows the emulator's log, e.g. why a request was a 500.
        if let Ok(filter) = std::env::var("IBE_TEST_LOG") {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
        let app = App::build_with_clock(config.clone(), clock.clone()).await.expect("app builds");
        let addr = app.local_addr().expect("bound");
        let engine = app.state().engine.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run(async move {
            let _ = stopped.await;
        }));
        TestApp {
            base_url: format!("http://{addr}"),
            client: reqwest::Client::new(),
            clock,
            engine,
            config,
            db,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// Runs SQL on the test's database behind the emulator's back (a corrupt row, a fake
    /// migration): on SQLite through a connection of its own, on PostgreSQL through `psql`.
    pub async fn raw_sql(&self, sql: &str) {
        match crate::test_db::backend() {
            crate::test_db::Backend::Sqlite => {
                use sqlx::Connection;
                let mut conn = self.sqlite_connection().await;
                sqlx::raw_sql(sql).execute(&mut conn).await.expect("raw sql");
                conn.close().await.expect("close");
            }
            crate::test_db::Backend::Postgres(_) => {
                let (url, sql) = (self.db.url.clone(), sql.to_string());
                tokio::task::spawn_blocking(move || crate::test_db::psql(&url, &sql)).await.expect("psql");
            }
        }
    }

    /// The first column of the first row `sql` returns, as text, read behind the emulator's back
    /// (how a thing is stored, where no API shows it).
    pub async fn raw_text(&self, sql: &str) -> String {
        match crate::test_db::backend() {
            crate::test_db::Backend::Sqlite => {
                use sqlx::{Connection, Row};
                let mut conn = self.sqlite_connection().await;
                let row = sqlx::query(sql).fetch_one(&mut conn).await.expect("raw query");
                let value: String = row
                    .try_get::<String, _>(0)
                    .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))
                    .expect("a text or integer column");
                conn.close().await.expect("close");
                value
            }
            crate::test_db::Backend::Postgres(_) => {
                let (url, sql) = (self.db.url.clone(), sql.to_string());
                tokio::task::spawn_blocking(move || crate::test_db::psql(&url, &sql)).await.expect("psql")
            }
        }
    }

    /// A connection of its own to the test's SQLite database.
    async fn sqlite_connection(&self) -> sqlx::SqliteConnection {
        use sqlx::Connection;
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", self.db.url)).await.expect("open")
    }

    /// The URL the emulator was given (`--db`).
    pub fn db_url(&self) -> &str {
        &self.db.url
    }

    /// A new emulator on this test's database, or why it refused to start.
    pub async fn build_another(&self) -> Result<App, String> {
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().expect("addr");
        App::build_with_clock(config, self.clock.clone()).await.map_err(|e| e.to_string())
    }

    /// Stops the server gracefully and starts a new one on the same database.
    pub async fn restart(mut self) -> TestApp {
        self.shutdown().await;
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().expect("addr");
        TestApp::boot(config, self.clock.clone(), self.db.clone()).await
    }

    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
    }

    /// Applies every build step due now (the scheduler loop does not run in tests).
    pub async fn tick(&self) -> usize {
        self.engine.tick().await.expect("tick")
    }

    /// Moves simulated time forward by `ms` and applies what became due.
    pub async fn advance(&self, ms: i64) -> usize {
        self.clock.advance(ms);
        self.tick().await
    }

    /// Runs builds to completion: advances time in large steps until nothing is due any more.
    pub async fn run_builds_to_completion(&self) {
        self.tick().await;
        for _ in 0..10_000 {
            if self.advance(600_000).await == 0 {
                return;
            }
        }
        panic!("builds did not finish");
    }

    /// StartImagePipelineExecution; returns the ExecutionId.
    pub async fn start(&self, pipeline_id: &str) -> String {
        let reply = self.call_in_region("StartImagePipelineExecution", &[("ImagePipelineId", pipeline_id)]).await;
        reply.assert_ok()["ExecutionId"].as_str().expect("ExecutionId").to_string()
    }

    /// The execution's item from DescribeImagePipelineExecutions.
    pub async fn execution(&self, execution_id: &str) -> Value {
        let reply = self.call_in_region("DescribeImagePipelineExecutions", &[("ExecutionId", execution_id)]).await;
        reply.assert_ok()["ImagePipelineExecution"]["ImagePipelineExecutionSet"][0].clone()
    }

    /// The execution's current `Status`.
    pub async fn status(&self, execution_id: &str) -> String {
        self.execution(execution_id).await["Status"].as_str().expect("Status").to_string()
    }

    /// A control-plane call: `method` on `/_emulator{path}` with an optional JSON body.
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/_emulator{path}", self.base_url);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.client.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("admin request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// V1-style GET: every parameter in the query string, `Format=JSON`.
    pub async fn call(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        let mut query: Vec<(&str, &str)> = vec![("Action", action), ("Version", "2014-05-26"), ("Format", "JSON")];
        query.extend_from_slice(params);
        let response = self.client.get(&self.base_url).query(&query).send().await.expect("request sent");
        reply(response).await
    }

    /// An action of another product: `version` is that product's API version (JSON, V1 style).
    pub async fn call_version(&self, version: &str, action: &str, params: &[(&str, &str)]) -> Reply {
        let mut query: Vec<(&str, &str)> = vec![("Action", action), ("Version", version), ("Format", "JSON")];
        query.extend_from_slice(params);
        let response = self.client.get(&self.base_url).query(&query).send().await.expect("request sent");
        reply(response).await
    }

    /// Like [`TestApp::call`] with `RegionId=cn-hangzhou` added.
    pub async fn call_in_region(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        let mut all = vec![("RegionId", REGION)];
        all.extend_from_slice(params);
        self.call(action, &all).await
    }

    /// Creates a template from `BASE_IMAGE` with extra parameters; panics unless it succeeds.
    pub async fn create_pipeline(&self, extra: &[(&str, &str)]) -> String {
        let mut params = vec![("BaseImageType", "IMAGE"), ("BaseImage", BASE_IMAGE)];
        params.extend_from_slice(extra);
        let reply = self.call_in_region("CreateImagePipeline", &params).await;
        reply.assert_ok()["ImagePipelineId"].as_str().expect("ImagePipelineId").to_string()
    }

    /// CreateImagePipeline with the given extra parameters (not asserted).
    pub async fn try_create(&self, extra: &[(&str, &str)]) -> Reply {
        let mut params = vec![("BaseImageType", "IMAGE"), ("BaseImage", BASE_IMAGE)];
        params.extend_from_slice(extra);
        self.call_in_region("CreateImagePipeline", &params).await
    }

    /// DescribeImagePipelines of one template; returns its item, if any.
    pub async fn describe_pipeline(&self, id: &str) -> Option<Value> {
        let reply = self.call_in_region("DescribeImagePipelines", &[("ImagePipelineId.1", id)]).await;
        reply.assert_ok()["ImagePipeline"]["ImagePipelineSet"].as_array().and_then(|set| set.first().cloned())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply { status, body, headers }
}

/// Opens plain TCP connections to `addr` (at most 50) until one is answered `HTTP/1.1 503` — the
/// quick refusal past the connection cap and its reserve — and returns the last answer read (the
/// server accepts in order, so the first probes may still wait behind connections it has not
/// accepted yet).
pub async fn probe_until_503(addr: impl tokio::net::ToSocketAddrs + Copy) -> String {
    use tokio::io::AsyncReadExt;
    let mut answered = String::new();
    for _ in 0..50 {
        let mut probe = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let mut bytes = Vec::new();
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), probe.read_to_end(&mut bytes)).await;
        answered = String::from_utf8_lossy(&bytes).to_string();
        if read.is_ok() && answered.starts_with("HTTP/1.1 503") {
            break;
        }
    }
    answered
}

/// The string `key` of a response item (panics, naming the item, when it is missing).
pub fn text(item: &Value, key: &str) -> String {
    item[key].as_str().unwrap_or_else(|| panic!("{key} missing in {item}")).to_string()
}

/// An action in `region` as `account` (its 16-digit access key is the account).
pub async fn call_as(app: &TestApp, account: &str, region: &str, action: &str, extra: &[(&str, &str)]) -> Reply {
    let mut params = vec![("RegionId", region), ("AccessKeyId", account)];
    params.extend_from_slice(extra);
    app.call(action, &params).await
}
