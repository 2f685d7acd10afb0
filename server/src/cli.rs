//! The command line of the `outflow` binary (SPEC §8). Each flag has an environment twin.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(name = "outflow", version, about = "Turns incident-alert activity into automation.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start everything: API, UI and workers, with migrations run first.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, env = "OUTFLOW_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Folder for the SQLite database and other local state.
    #[arg(long, env = "OUTFLOW_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Database URL; defaults to `sqlite://<data-dir>/outflow.db`.
    #[arg(long, env = "OUTFLOW_DATABASE_URL")]
    pub database_url: Option<String>,

    /// API key for the first admin, used only while the database has no admin yet.
    #[arg(long, env = "OUTFLOW_BOOTSTRAP_API_KEY", hide_env_values = true)]
    pub bootstrap_api_key: Option<String>,

    /// Install the example workflow (a form, two users with devices, a group) at start.
    #[arg(long)]
    pub example: bool,
}

impl ServeArgs {
    pub fn into_config(self) -> Config {
        let database_url = self.database_url.unwrap_or_else(|| {
            format!("sqlite://{}", self.data_dir.join("outflow.db").display())
        });
        Config {
            addr: self.addr,
            data_dir: self.data_dir,
            database_url,
            bootstrap_api_key: self.bootstrap_api_key.filter(|key| !key.trim().is_empty()),
            install_example: self.example,
        }
    }
}
