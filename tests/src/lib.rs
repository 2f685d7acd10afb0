//! Helpers for the integration tests: start the real `outflow` binary on port 0 with a
//! temporary SQLite file, talk HTTP to it, stop it by PID.
//!
//! The binary comes from `OUTFLOW_BIN` (set by `./x test`), else from the cargo target
//! folder this test binary was built into.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use tempfile::TempDir;

pub mod api;
pub mod receiver;

/// The API key of the admin every test server is bootstrapped with.
pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";

/// A running `outflow serve` with its own data folder; killed when dropped.
pub struct TestServer {
    child: Child,
    pub base_url: String,
    pub data_dir: TempDir,
}

pub fn outflow_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("OUTFLOW_BIN") {
        return PathBuf::from(path);
    }
    // target/<profile>/deps/<test binary> → target/<profile>/outflow
    let exe = std::env::current_exe().expect("the test binary knows its own path");
    exe.parent().and_then(Path::parent).expect("test binaries live in target/<profile>/deps").join("outflow")
}

impl TestServer {
    pub fn start() -> TestServer {
        Self::start_with(&[])
    }

    /// Starts a server with extra environment settings, e.g. a short retry schedule.
    pub fn start_with(env: &[(&str, &str)]) -> TestServer {
        let data_dir = tempfile::tempdir().expect("a temporary folder can be made");
        Self::start_in_with(data_dir, env)
    }

    /// Starts a server on an existing data folder (e.g. to restart after a stop).
    pub fn start_in(data_dir: TempDir) -> TestServer {
        Self::start_in_with(data_dir, &[])
    }

    pub fn start_in_with(data_dir: TempDir, env: &[(&str, &str)]) -> TestServer {
        let bin = outflow_bin();
        assert!(bin.exists(), "no outflow binary at {}; run ./x build first", bin.display());
        let mut child = Command::new(&bin)
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir.path())
            .env("OUTFLOW_BOOTSTRAP_API_KEY", ADMIN_KEY)
            .env("RUST_LOG", std::env::var("OUTFLOW_TEST_LOG").unwrap_or_else(|_| "warn".into()))
            .env_remove("OUTFLOW_DATABASE_URL")
            .env_remove("OUTFLOW_ADDR")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the outflow binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Outflow is listening on ") {
                    let _ = sender.send(url.trim().to_string());
                }
            }
        });
        let base_url = match receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("outflow did not report its address within 30 s");
            }
        };
        TestServer { child, base_url, data_dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for a clean exit; returns the data folder for a restart.
    pub fn stop(mut self) -> TempDir {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        assert!(status.is_ok_and(|status| status.success()), "SIGTERM could be sent");
        let exit = wait_with_timeout(&mut self.child, Duration::from_secs(15));
        assert!(exit.is_some_and(|status| status.success()), "outflow exits cleanly on SIGTERM: {exit:?}");
        self.take_data_dir()
    }

    /// Kills the process at once (SIGKILL), as a crash would; returns the data folder.
    pub fn crash(mut self) -> TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.take_data_dir()
    }

    fn take_data_dir(mut self) -> TempDir {
        let placeholder = tempfile::tempdir().expect("a temporary folder can be made");
        std::mem::replace(&mut self.data_dir, placeholder)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    None
}

/// An HTTP client that sends the admin's API key.
pub fn admin_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = format!("Bearer {ADMIN_KEY}").parse().expect("the key is a valid header value");
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::Client::builder().default_headers(headers).build().expect("the client builds")
}
