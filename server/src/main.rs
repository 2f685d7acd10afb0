//! The `outflow` binary: parses the command line and hands over to the library.

use clap::Parser;
use outflow_server::cli::{Cli, Command};

// glibc's per-thread arenas bloated RSS past 1 GiB under a delivery backlog and spent a
// fifth of the CPU in malloc/free; mimalloc keeps both small.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Stack of each runtime thread. Tokio's 2 MiB overflowed in debug builds when a UI server
/// function ran under the session gate, the body limit and request tracing (its future is
/// large and polled in place); the memory is reserved, not used, until needed.
const THREAD_STACK_BYTES: usize = 8 << 20;

fn main() -> std::process::ExitCode {
    // Transparent huge pages back a 4 KiB allocation with 2 MiB of memory: mimalloc's arena
    // in huge pages held ~24 MiB of an idle server's 58 MiB. Outflow's heap is many small
    // objects, which gain nothing from them, so the process takes none (under the kernel's
    // "always" setting too; mimalloc is built not to ask for them under "madvise").
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::thread::disable_transparent_huge_pages(true) {
        eprintln!("outflow: cannot turn transparent huge pages off for this process: {error}");
    }
    match tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(THREAD_STACK_BYTES).build() {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("outflow: cannot start its runtime: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::process::ExitCode {
    let cli = Cli::parse();
    outflow_server::telemetry::init();
    let outcome = match cli.command {
        Command::Serve(args) => outflow_server::serve::run(args.into_config()).await.map_err(|error| error.to_string()),
        Command::Agent(args) => outflow_server::agent::run(args).await.map_err(|error| error.to_string()),
        Command::Flows(command) => outflow_server::flows_cli::run(command).await,
        Command::MigrateDb(args) => outflow_server::cli::migrate_db(args).await,
        Command::Openapi => {
            println!("{:#}", outflow_server::routes::document());
            Ok(())
        }
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "outflow stopped");
            eprintln!("outflow: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
