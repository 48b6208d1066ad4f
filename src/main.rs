//! The `ecs-imagebuilder-emulator` binary: parse flags, start logging, serve until Ctrl-C/SIGTERM;
//! or, as `ecs-imagebuilder-emulator lint …`, check template files offline (`lint.rs`).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use ecs_imagebuilder_emulator::app::App;
use ecs_imagebuilder_emulator::config::Config;
use ecs_imagebuilder_emulator::telemetry;

/// mimalloc instead of the C library's allocator: a request allocates and frees many small
/// buffers, and glibc's `malloc`/`free` (with its fast-bin consolidation on every larger allocation)
/// took about a quarter of the CPU of a cached Describe (README, Performance). Built with
/// `no_thp` (Cargo.toml): on a kernel with transparent huge pages `always`, mimalloc's regions
/// became huge pages and 10 000 builds in flight took 75–78 MiB instead of ~62. Built with `override`
/// too, so SQLite's `malloc`/`free` are mimalloc's: sqlx copies each value out of SQLite on a
/// connection's thread and frees it on the thread that took the row, and glibc's `free` of another
/// thread's memory waits for that thread's arena lock (40% of the engine thread's sleeps during a
/// tick); mimalloc hands such frees back without a lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|first| first == "lint") {
        let status = ecs_imagebuilder_emulator::lint::run(args, &mut std::io::stdout(), &mut std::io::stderr());
        return ExitCode::from(status);
    }
    let config = Config::parse();
    telemetry::init();
    let app = match App::build(config.clone()).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("ecs-imagebuilder-emulator: {err}");
            return ExitCode::FAILURE;
        }
    };
    let addr = match app.local_addr() {
        Ok(addr) => addr,
        Err(err) => {
            eprintln!("ecs-imagebuilder-emulator: {err}");
            return ExitCode::FAILURE;
        }
    };
    // The first stdout line is a contract: tests and scripts read the chosen port from it (and,
    // with --tls, the scheme and the CA file clients must trust).
    let (scheme, ca) = match app.tls() {
        Some(tls) => ("https", format!(", tls-ca: {}", tls.ca_path.display())),
        None => ("http", String::new()),
    };
    println!(
        "ecs-imagebuilder-emulator listening on {scheme}://{addr} (db: {}, clock: {}, phase-duration: {}, auth: {}{}{ca})",
        ecs_imagebuilder_emulator::store::display_db(&config.db),
        config.time_scale.map_or_else(|| config.clock.as_str().to_string(), |f| format!("real x{f}")),
        config.phase_duration.map_or_else(|| "realistic".to_string(), |ms| format!("{ms}ms")),
        config.auth.as_str(),
        config.id_seed.map_or_else(String::new, |seed| format!(", id-seed: {seed}"))
    );
    let _ = std::io::stdout().flush();
    match app.run(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ecs-imagebuilder-emulator: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
