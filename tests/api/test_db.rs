//! The database a `TestApp` runs on, chosen by the environment variable `IBE_TEST_DB` (issue 15):
//! unset (or empty), a SQLite file in the test's own temporary folder, as always; a `postgres://…`
//! base URL (`scripts/postgres.sh start` prints one), a fresh PostgreSQL schema per test, `t_<uuid>`,
//! made with `psql` and dropped when the last `TestApp` using it is gone. The emulator gets the base
//! URL with `options=-c search_path=t_<uuid>`, which sqlx's `PgConnectOptions` (the `options` query
//! parameter, percent-decoded) and libpq both send at connection start, so every table, index and
//! `_sqlx_migrations` of that test live in its schema.

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The environment variable naming the test database.
pub const ENV: &str = "IBE_TEST_DB";

/// Where the tests' databases live.
#[derive(Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file per test.
    Sqlite,
    /// A schema per test in the PostgreSQL database at this base URL.
    Postgres(String),
}

/// Reads the backend from `value` (the content of `IBE_TEST_DB`); anything but nothing or a
/// `postgres://` / `postgresql://` URL is a mistake worth stopping for.
pub fn backend_from(value: Option<&str>) -> Backend {
    match value.map(str::trim) {
        None | Some("") => Backend::Sqlite,
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Backend::Postgres(url.to_string())
        }
        Some(other) => panic!("{ENV}={other}: expected nothing (SQLite) or a postgres:// URL"),
    }
}

/// The backend `IBE_TEST_DB` asks for.
pub fn backend() -> Backend {
    backend_from(std::env::var(ENV).ok().as_deref())
}

/// True (after noting why) when the tests run on PostgreSQL: see the `skip_on_postgres!` macro.
pub fn skip_on_postgres(module: &str, why: &str) -> bool {
    if backend() == Backend::Sqlite {
        return false;
    }
    let thread = std::thread::current();
    let test = thread.name().unwrap_or(module);
    eprintln!("SKIPPED on PostgreSQL: {test}: {why}");
    if let Some(path) = std::env::var_os(SKIPS_ENV) {
        use std::io::Write;
        let line = format!("{test}: {why}\n");
        if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = file.write_all(line.as_bytes());
        }
    }
    true
}

/// The environment variable naming the file where skipped tests are listed.
pub const SKIPS_ENV: &str = "IBE_TEST_SKIPS";

/// `base` with the search path set to `schema`: a connection made from it creates and finds its
/// tables in that schema.
pub fn schema_url(base: &str, schema: &str) -> String {
    assert!(
        !schema.is_empty() && schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "schema names are [a-z0-9_]: {schema}"
    );
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-c%20search_path%3D{schema}")
}

/// A new schema name, unique per test: `t_` and 32 hex digits (PostgreSQL allows 63 bytes).
pub fn new_schema_name() -> String {
    format!("t_{}", uuid::Uuid::new_v4().simple())
}

/// The database of one test: its URL for `--db`, a temporary folder (SQLite file, TLS folder,
/// snapshots) and, on PostgreSQL, the schema to drop at the end.
pub struct TestDb {
    pub url: String,
    dir: tempfile::TempDir,
    schema: Option<PgSchema>,
}

impl TestDb {
    /// A fresh database on the backend `IBE_TEST_DB` asks for.
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend() {
            Backend::Sqlite => {
                TestDb { url: dir.path().join("emulator.db").to_string_lossy().into_owned(), dir, schema: None }
            }
            Backend::Postgres(base) => {
                let schema = PgSchema::create(&base);
                TestDb { url: schema_url(&base, &schema.name), dir, schema: Some(schema) }
            }
        }
    }

    /// The test's temporary folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Drops the PostgreSQL schema now and waits for it (what dropping the value does in the
    /// background); true if there was one and it is gone.
    pub fn drop_schema_now(&mut self) -> bool {
        let Some(mut schema) = self.schema.take() else { return false };
        schema.dropped =
            schema.start_drop().and_then(|mut child| child.wait().ok()).is_some_and(|status| status.success());
        schema.dropped
    }

    /// The PostgreSQL schema of this test, if it runs on PostgreSQL.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_ref().map(|schema| schema.name.as_str())
    }
}

/// A schema made for one test; dropped (with everything in it) when this value is.
struct PgSchema {
    base: String,
    name: String,
    /// Set once dropped on purpose (`TestDb::drop_schema_now`).
    dropped: bool,
}

impl PgSchema {
    fn create(base: &str) -> PgSchema {
        let name = new_schema_name();
        psql(base, &format!("CREATE SCHEMA {name}"));
        PgSchema { base: base.to_string(), name, dropped: false }
    }
}

impl PgSchema {
    /// Starts `DROP SCHEMA … CASCADE` in a `psql` of its own and returns it.
    fn start_drop(&self) -> Option<Child> {
        Command::new("psql")
            .args(["-X", "-q", "-d", &self.base, "-c", "SET lock_timeout = '10s'"])
            .args(["-c", &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name)])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        // Not waited for: the emulator of the test may still be closing its connections on this
        // thread's runtime; the lock timeout keeps a stuck drop from lingering. A schema left
        // behind dies with the throw-away cluster.
        if self.dropped {
            return;
        }
        if let Some(mut child) = self.start_drop() {
            std::thread::spawn(move || child.wait());
        }
    }
}

/// Runs one SQL command with `psql` against `url`; returns its unaligned output.
pub fn psql(url: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{ENV} is set: psql is needed to make each test's schema ({e})"));
    assert!(output.status.success(), "psql -c {sql:?} on {url}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn the_backend_follows_the_variable() {
    assert_eq!(backend_from(None), Backend::Sqlite);
    assert_eq!(backend_from(Some("")), Backend::Sqlite);
    assert_eq!(
        backend_from(Some("postgres://postgres@127.0.0.1:5432/postgres")),
        Backend::Postgres("postgres://postgres@127.0.0.1:5432/postgres".into())
    );
    assert_eq!(backend_from(Some("postgresql://u@h/db")), Backend::Postgres("postgresql://u@h/db".into()));
    assert!(std::panic::catch_unwind(|| backend_from(Some("sqlite://x.db"))).is_err(), "other URLs are refused");
}

#[test]
fn the_schema_url_sets_the_search_path() {
    assert_eq!(
        schema_url("postgres://postgres@127.0.0.1:5432/postgres", "t_1"),
        "postgres://postgres@127.0.0.1:5432/postgres?options=-c%20search_path%3Dt_1"
    );
    assert_eq!(
        schema_url("postgres://u@h/db?sslmode=disable", "t_2"),
        "postgres://u@h/db?sslmode=disable&options=-c%20search_path%3Dt_2",
        "an existing query string is kept"
    );
    assert!(std::panic::catch_unwind(|| schema_url("postgres://u@h/db", "t; DROP")).is_err(), "names are never quoted");
    let (a, b) = (new_schema_name(), new_schema_name());
    assert_ne!(a, b);
    assert!(a.starts_with("t_") && a.len() == 34, "{a}");
}

/// On PostgreSQL (`IBE_TEST_DB` set; scripts/test.sh runs this with its throw-away cluster): each
/// test gets its own schema, a connection made from its URL lands in it, and the schema is gone
/// once the test's database is dropped (`drop_schema_now` waits for what `Drop` starts in the
/// background). On SQLite: the file lives in the test's folder.
#[test]
fn each_test_gets_its_own_database() {
    let (mut a, b) = (TestDb::new(), TestDb::new());
    assert_ne!(a.url, b.url);
    let Backend::Postgres(base) = backend() else {
        assert_eq!(a.schema(), None);
        assert!(a.url.starts_with(&*a.dir().to_string_lossy()), "{}", a.url);
        return;
    };
    let schema = a.schema().expect("a schema").to_string();
    let exists = |name: &str| psql(&base, &format!("SELECT count(*) FROM pg_namespace WHERE nspname = '{name}'"));
    assert_eq!(exists(&schema), "1", "the schema is made");
    assert_eq!(psql(&a.url, "SELECT current_schema()"), schema, "the URL's search path is the test's schema");
    psql(&a.url, "CREATE TABLE probe (id BIGINT)");
    assert_eq!(psql(&base, &format!("SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}'")), "1");
    assert_eq!(
        psql(&b.url, "SELECT count(*) FROM pg_tables WHERE tablename = 'probe' AND schemaname = current_schema()"),
        "0"
    );
    assert!(a.drop_schema_now(), "the schema is dropped");
    assert_eq!(exists(&schema), "0", "the schema is gone");
    assert_eq!(exists(b.schema().expect("b's schema")), "1", "the other test's schema stays");
}
