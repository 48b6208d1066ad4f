//! HTTPS (`--tls`): the server certificate is signed by the emulator's own CA and names the
//! loopback addresses and `--tls-name`s; the CA is kept across restarts while the server
//! certificate is re-issued; plain HTTP to the HTTPS port fails with a clear error; handshakes
//! live inside the accept loop's timeouts and connection cap.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ecs_imagebuilder_emulator::app::App;
use ecs_imagebuilder_emulator::clock::ManualClock;
use ecs_imagebuilder_emulator::config::Config;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An emulator serving HTTPS with its database (and so its CA folder) in `dir`.
struct TlsApp {
    addr: SocketAddr,
    ca_path: PathBuf,
    names: Vec<String>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl TlsApp {
    async fn start(dir: &Path, tweak: impl FnOnce(&mut Config)) -> TlsApp {
        let mut config = Config::for_tests(dir.join("emulator.db").to_string_lossy().into_owned());
        config.tls = true;
        tweak(&mut config);
        let app = App::build_with_clock(config, ManualClock::starting_at(1_700_000_000_000)).await.expect("app builds");
        let addr = app.local_addr().expect("bound");
        let tls = app.tls().expect("--tls is on");
        let (ca_path, names) = (tls.ca_path.clone(), tls.names.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run(async move {
            let _ = stopped.await;
        }));
        TlsApp { addr, ca_path, names, stop: Some(stop), server: Some(server) }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
    }

    fn url(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.addr.port())
    }
}

/// A client that trusts only the CA in `ca_path` (no built-in roots), keeping the peer's
/// certificate of each response.
fn client_trusting(ca_path: &Path) -> reqwest::Client {
    let pem = std::fs::read(ca_path).expect("CA file");
    let ca = reqwest::Certificate::from_pem(&pem).expect("a PEM certificate");
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .tls_info(true)
        .build()
        .expect("client")
}

/// The server certificate (DER) a response came over.
fn peer_certificate(response: &reqwest::Response) -> Vec<u8> {
    let info = response.extensions().get::<reqwest::tls::TlsInfo>().expect("TLS info");
    info.peer_certificate().expect("a server certificate").to_vec()
}

/// Whether an error chain mentions a certificate problem (rustls: "invalid peer certificate").
fn is_certificate_error(err: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        if e.to_string().to_ascii_lowercase().contains("certificate") {
            return true;
        }
        source = e.source();
    }
    false
}

#[tokio::test]
async fn https_is_served_with_a_certificate_signed_by_the_emulators_ca_for_its_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = TlsApp::start(dir.path(), |c| c.tls_names = vec!["emulator.test".into()]).await;
    assert_eq!(app.ca_path, dir.path().join("emulator.db.tls").join("ca.pem"), "the CA lives beside the database");
    assert_eq!(app.names, ["localhost", "127.0.0.1", "::1", "emulator.test"]);
    let client = client_trusting(&app.ca_path);

    // By address, by `localhost`, and an RPC call answered as usual.
    for host in ["127.0.0.1", "localhost"] {
        let health = client.get(app.url(host, "/_emulator/health")).send().await.expect("HTTPS to {host}");
        assert_eq!(health.status(), 200, "{host}");
    }
    let rpc = client
        .get(app.url("127.0.0.1", "/"))
        .query(&[
            ("Action", "DescribeImageComponents"),
            ("Version", "2014-05-26"),
            ("Format", "JSON"),
            ("RegionId", "cn-hangzhou"),
        ])
        .send()
        .await
        .expect("RPC over HTTPS");
    assert_eq!(rpc.status(), 200);
    let body: Value = rpc.json().await.expect("JSON");
    assert!(body.get("ImageComponent").is_some(), "{body}");

    // An extra name is in the certificate (and answered as a Host).
    let named = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&app.ca_path).expect("CA")).expect("PEM"))
        .resolve("emulator.test", app.addr)
        .resolve("not-in-the-certificate.test", app.addr)
        .build()
        .expect("client");
    let answered = named.get(app.url("emulator.test", "/_emulator/health")).send().await.expect("the extra name");
    assert_eq!(answered.status(), 200);
    // A name that is not in the certificate is refused by the client's own checks.
    let err = named
        .get(app.url("not-in-the-certificate.test", "/_emulator/health"))
        .send()
        .await
        .expect_err("a name outside the certificate");
    assert!(is_certificate_error(&err), "{err:?}");

    // A client that does not trust this CA (here: another emulator's) refuses the server.
    let other_dir = tempfile::tempdir().expect("temp dir");
    let other = TlsApp::start(other_dir.path(), |_| {}).await;
    let stranger = client_trusting(&other.ca_path);
    let err = stranger.get(app.url("127.0.0.1", "/_emulator/health")).send().await.expect_err("untrusted CA");
    assert!(is_certificate_error(&err), "{err:?}");
    other.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn the_ca_is_kept_across_restarts_and_the_server_certificate_is_reissued() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = TlsApp::start(dir.path(), |_| {}).await;
    let ca_pem = std::fs::read(&first.ca_path).expect("CA file");
    let key_path = first.ca_path.with_file_name("ca-key.pem");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).expect("CA key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the CA key is private");
    }
    let client = client_trusting(&first.ca_path);
    let response = client.get(first.url("127.0.0.1", "/_emulator/health")).send().await.expect("first run");
    let first_leaf = peer_certificate(&response);
    first.stop().await;

    let second = TlsApp::start(dir.path(), |_| {}).await;
    assert_eq!(std::fs::read(&second.ca_path).expect("CA file"), ca_pem, "the same CA file, untouched");
    // The client made for the first run (trusting the CA read then) trusts the second.
    let response = client.get(second.url("127.0.0.1", "/_emulator/health")).send().await.expect("second run");
    assert_eq!(response.status(), 200);
    assert_ne!(peer_certificate(&response), first_leaf, "a new server certificate at each start");
    second.stop().await;

    // A CA folder with a key that does not match its certificate stops the start-up.
    let other = tempfile::tempdir().expect("temp dir");
    let stranger = TlsApp::start(other.path(), |_| {}).await;
    std::fs::copy(stranger.ca_path.with_file_name("ca-key.pem"), &key_path).expect("swap the key");
    stranger.stop().await;
    let mut config = Config::for_tests(dir.path().join("emulator.db").to_string_lossy().into_owned());
    config.tls = true;
    let err = App::build(config).await.err().expect("a mismatched CA is refused");
    assert!(err.to_string().contains("do not belong together"), "{err}");
    // So does a folder with only one of the two files.
    std::fs::remove_file(&key_path).expect("remove the key");
    let mut config = Config::for_tests(dir.path().join("emulator.db").to_string_lossy().into_owned());
    config.tls = true;
    let err = App::build(config).await.err().expect("a CA without its key is refused");
    assert!(err.to_string().contains("has only one of ca.pem and ca-key.pem"), "{err}");
    assert_eq!(std::fs::read(dir.path().join("emulator.db.tls").join("ca.pem")).expect("CA"), ca_pem, "left as it was");
}

#[tokio::test]
async fn plain_http_to_the_https_port_gets_a_clear_400_invalid_parameter() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = TlsApp::start(dir.path(), |_| {}).await;
    let response = reqwest::get(format!("http://{}/_emulator/health", app.addr)).await.expect("an HTTP answer");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("an Alibaba error body");
    assert_eq!(body["Code"], "InvalidParameter");
    assert!(body["Message"].as_str().unwrap_or_default().contains("https://"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_handshake_that_never_starts_or_stalls_is_cut_and_counts_against_the_cap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = TlsApp::start(dir.path(), |c| c.header_timeout_ms = 300).await;
    // Connected, never a ClientHello: closed.
    let mut silent = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "a silent connection is closed: {closed:?}");
    // The first bytes of a TLS record, then nothing: closed too.
    let mut stalled = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    stalled.write_all(&[0x16, 0x03, 0x01, 0x00]).await.expect("write");
    let closed = tokio::time::timeout(Duration::from_secs(5), stalled.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "a stalled handshake is cut: {closed:?}");
    app.stop().await;

    // Stalled handshakes hold connection slots: past the cap and its reserve, a quick 503.
    use ecs_imagebuilder_emulator::domain::limits::RESERVE_CONNECTIONS;
    let app = TlsApp::start(dir.path(), |c| c.max_connections = 1).await;
    let mut held = Vec::new();
    for _ in 0..=RESERVE_CONNECTIONS {
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
        stream.write_all(&[0x16, 0x03, 0x01]).await.expect("write");
        held.push(stream);
    }
    let answered = crate::helpers::probe_until_503(app.addr).await;
    assert!(answered.starts_with("HTTP/1.1 503"), "{answered}");
    drop(held);
    // Once they are gone, HTTPS is served again.
    let client = client_trusting(&app.ca_path);
    let mut status = None;
    for _ in 0..50 {
        if let Ok(response) = client.get(app.url("127.0.0.1", "/_emulator/health")).send().await {
            status = Some(response.status());
            if response.status() == 200 {
                break;
            }
        }
    }
    assert_eq!(status.map(|s| s.as_u16()), Some(200));
    app.stop().await;
}

#[tokio::test]
async fn the_binary_prints_https_and_the_ca_path_with_ibe_tls_and_the_http_line_otherwise() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("line.db").to_string_lossy().into_owned();
    let first_line = |tls: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ecs-imagebuilder-emulator"));
        command.args(["--listen", "127.0.0.1:0", "--db", &db]).env("RUST_LOG", "warn");
        command.env_remove("IBE_TLS").env_remove("IBE_TLS_DIR").env_remove("IBE_TLS_NAMES");
        if tls {
            command.env("IBE_TLS", "true");
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn the binary");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("first line");
        (child, line)
    };

    let (mut child, line) = first_line(true);
    let ca = format!("{db}.tls/ca.pem");
    assert!(line.starts_with("ecs-imagebuilder-emulator listening on https://127.0.0.1:"), "{line}");
    assert!(line.trim_end().ends_with(&format!(", tls-ca: {ca})")), "{line}");
    let address = line.split("https://").nth(1).and_then(|r| r.split_whitespace().next()).expect("address");
    let health = client_trusting(Path::new(&ca)).get(format!("https://{address}/_emulator/health")).send().await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(health.expect("HTTPS with the printed CA").status(), 200);

    let (mut child, line) = first_line(false);
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("ecs-imagebuilder-emulator listening on http://127.0.0.1:"), "{line}");
    assert!(!line.contains("tls-ca"), "{line}");
}
