//! Helpers for the integration tests: start the real `outflow` binary on port 0 with a
//! temporary data folder and its own database, talk HTTP to it, stop it by PID.
//!
//! The binary comes from `OUTFLOW_BIN` (set by `./x test`), else from the cargo target
//! folder this test binary was built into. The database is a SQLite file in the data
//! folder, or, when `OUTFLOW_TEST_POSTGRES` names a PostgreSQL server
//! (`postgres://user@host:port`), a fresh database there, kept for the data folder's life
//! (a restarted server finds its data again).

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use tempfile::TempDir;

pub mod api;
pub mod bench;
pub mod flows;
pub mod receiver;

/// The API key of the admin every test server is bootstrapped with.
pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";

/// The PostgreSQL server the tests run on (`OUTFLOW_TEST_POSTGRES`), if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("OUTFLOW_TEST_POSTGRES").ok().filter(|url| !url.is_empty())
}

/// The PostgreSQL database of the data folder `data_dir` when the tests run on PostgreSQL:
/// created on first use (named in the folder, so a restart finds it).
pub fn postgres_database(data_dir: &Path) -> Option<String> {
    let server = postgres_server()?;
    let named = data_dir.join("test-database-url");
    if let Ok(url) = std::fs::read_to_string(&named) {
        return Some(url);
    }
    let name = format!(
        "outflow_it_{}_{}",
        std::process::id(),
        data_dir.file_name().and_then(|name| name.to_str()).unwrap_or("db").replace(|c: char| !c.is_ascii_alphanumeric(), "_").to_lowercase()
    );
    let url = create_postgres_database(&server, &name);
    std::fs::write(&named, &url).expect("the data folder takes a file");
    Some(url)
}

/// Creates the empty database `name` on the PostgreSQL server `server`; answers its URL.
pub fn create_postgres_database(server: &str, name: &str) -> String {
    let created = Command::new("psql")
        .args([format!("{server}/postgres").as_str(), "-v", "ON_ERROR_STOP=1", "-qc", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql runs");
    assert!(created.success(), "database {name} is created on {server}");
    format!("{server}/{name}")
}

/// A running `outflow serve` with its own data folder; killed when dropped.
pub struct TestServer {
    child: Child,
    pub base_url: String,
    pub data_dir: TempDir,
    /// Every line the server printed to stdout so far.
    stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
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
        Self::start_at(data_dir, "127.0.0.1:0", env)
    }

    /// Starts a server on a given address, e.g. to restart one where its clients expect it.
    pub fn start_at(data_dir: TempDir, addr: &str, env: &[(&str, &str)]) -> TestServer {
        let database_url = postgres_database(data_dir.path());
        Self::spawn(data_dir, addr, database_url.as_deref(), env)
    }

    /// Starts a server on the data folder with the database `database_url` names, whichever
    /// engine the tests run on (e.g. SQLite to copy from, then the PostgreSQL copy).
    pub fn start_on(data_dir: TempDir, database_url: &str) -> TestServer {
        Self::spawn(data_dir, "127.0.0.1:0", Some(database_url), &[])
    }

    fn spawn(data_dir: TempDir, addr: &str, database_url: Option<&str>, env: &[(&str, &str)]) -> TestServer {
        let bin = outflow_bin();
        assert!(bin.exists(), "no outflow binary at {}; run ./x build first", bin.display());
        let mut child = Command::new(&bin)
            .arg("serve")
            .args(["--addr", addr])
            .arg("--data-dir")
            .arg(data_dir.path())
            .args(database_url.map(|url| format!("--database-url={url}")))
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
        let printed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = printed.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Outflow is listening on ") {
                    let _ = sender.send(url.trim().to_string());
                }
                lines.lock().expect("the stdout log is not poisoned").push(line);
            }
        });
        let base_url = match receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("outflow did not report its address within 30 s");
            }
        };
        TestServer { child, base_url, data_dir, stdout: printed }
    }

    /// Another instance on this server's database (PostgreSQL), with a data folder of its own
    /// holding the same secret key, started with `env`.
    pub fn another_instance(&self, env: &[(&str, &str)]) -> TestServer {
        let data_dir = tempfile::tempdir().expect("a temporary folder can be made");
        for shared in ["test-database-url", "secret.key"] {
            std::fs::copy(self.data_dir.path().join(shared), data_dir.path().join(shared)).expect("the first instance's file is copied");
        }
        Self::start_in_with(data_dir, env)
    }

    /// Everything the database holds, as bytes to search: the SQLite file and its WAL, or a
    /// dump of the PostgreSQL database.
    pub fn stored_bytes(&self) -> Vec<u8> {
        match postgres_database(self.data_dir.path()) {
            Some(url) => Command::new("pg_dump").arg(&url).output().expect("pg_dump runs").stdout,
            None => {
                let file = self.data_dir.path().join("outflow.db");
                let mut bytes = std::fs::read(&file).expect("the database file is readable");
                bytes.extend(std::fs::read(file.with_extension("db-wal")).unwrap_or_default());
                bytes
            }
        }
    }

    /// The first column of the first row `sql` answers, as text, read from the database
    /// behind the server's back (`?1` is `param`); `None` when there is no row.
    pub fn query_one(&self, sql: &str, param: &str) -> Option<String> {
        match postgres_database(self.data_dir.path()) {
            Some(url) => {
                let sql = sql.replace("?1", &format!("'{}'", param.replace('\'', "''")));
                let output = Command::new("psql").args([url.as_str(), "-Atc", &sql]).output().expect("psql runs");
                let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
                (output.status.success() && !text.is_empty()).then_some(text)
            }
            None => {
                let path = self.data_dir.path().join("outflow.db");
                let db = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
                db.query_row(sql, [param], |row| row.get::<_, rusqlite::types::Value>(0)).ok().map(|value| match value {
                    rusqlite::types::Value::Integer(number) => number.to_string(),
                    rusqlite::types::Value::Real(number) => number.to_string(),
                    rusqlite::types::Value::Text(text) => text,
                    rusqlite::types::Value::Null | rusqlite::types::Value::Blob(_) => String::new(),
                })
            }
        }
    }

    /// What the server has printed to stdout so far, a line each.
    pub fn printed(&self) -> Vec<String> {
        self.stdout.lock().expect("the stdout log is not poisoned").clone()
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

/// A running `outflow agent` connected to a test server; killed when dropped.
pub struct TestAgent {
    child: Child,
    /// Every line the agent printed to stdout so far.
    stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl TestAgent {
    /// Starts `outflow agent --server <server> --token <token>` with `--service NAME=URL`
    /// for each service, and waits until it says it is connected.
    pub fn start(server: &TestServer, token: &str, services: &[(&str, &str)]) -> TestAgent {
        let agent = Self::spawn(server, token, services, &[]);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if agent.printed().iter().any(|line| line.starts_with("Outflow agent ")) {
                return agent;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the agent did not connect within 30 s");
    }

    /// Starts the agent without waiting for it to connect (e.g. to see it refused).
    pub fn spawn(server: &TestServer, token: &str, services: &[(&str, &str)], env: &[(&str, &str)]) -> TestAgent {
        let mut command = Command::new(outflow_bin());
        command.arg("agent").args(["--server", &server.base_url, "--token", token]);
        for (name, url) in services {
            command.args(["--service", &format!("{name}={url}")]);
        }
        let mut child = command
            .env("RUST_LOG", std::env::var("OUTFLOW_TEST_LOG").unwrap_or_else(|_| "warn".into()))
            .env_remove("OUTFLOW_AGENT_SERVICES")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the outflow binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let printed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = printed.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                lines.lock().expect("the stdout log is not poisoned").push(line);
            }
        });
        TestAgent { child, stdout: printed }
    }

    pub fn printed(&self) -> Vec<String> {
        self.stdout.lock().expect("the stdout log is not poisoned").clone()
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn stop(mut self) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        wait_with_timeout(&mut self.child, Duration::from_secs(30))
    }

    /// Kills the agent at once (SIGKILL), mid-job if it holds one.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits up to `timeout` for the agent to exit on its own.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        wait_with_timeout(&mut self.child, timeout)
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// POSTs JSON with `client` and answers the JSON reply, for benchmark setups (which fail loudly).
pub async fn post_json(client: &reqwest::Client, server: &TestServer, path: &str, body: serde_json::Value) -> serde_json::Value {
    let answer = client.post(server.url(path)).json(&body).send().await.expect("the server answers");
    answer.json().await.expect("a JSON answer")
}

/// The peak resident memory of a process (`VmHWM`), in KiB; 0 when it cannot be read.
pub fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| status.lines().find(|line| line.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|line| line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()))
        .unwrap_or_default()
}

/// An HTTP client that sends the admin's API key.
pub fn admin_client() -> reqwest::Client {
    client_with_key(ADMIN_KEY)
}

/// A client that sends `Authorization: Bearer <key>` with every request.
pub fn client_with_key(key: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = format!("Bearer {key}").parse().expect("the key is a valid header value");
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::Client::builder().default_headers(headers).build().expect("the client builds")
}

/// The admin's sign-in password in tests that use the browser side.
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// Posts the sign-in form as a browser on one of the server's pages would (no redirects
/// followed), answering the raw response.
pub async fn post_login(server: &TestServer, target_name: &str, password: &str, next: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("the client builds")
        .post(server.url("/auth/login"))
        .header(reqwest::header::ORIGIN, &server.base_url)
        .form(&[("targetName", target_name), ("password", password), ("next", next)])
        .send()
        .await
        .expect("the server answers")
}

/// A browser-like client signed in as the admin (whose password is set through the API).
pub async fn admin_browser(server: &TestServer) -> reqwest::Client {
    browser_as(server, "admin", ADMIN_PASSWORD).await
}

/// A browser-like client signed in as `target_name` (whose password the admin sets through
/// the API), sending the server's own `Origin` as its pages do.
pub async fn browser_as(server: &TestServer, target_name: &str, password: &str) -> reqwest::Client {
    let set = admin_client()
        .put(server.url(&format!("/api/v1/users/{target_name}/password")))
        .json(&serde_json::json!({"password": password}))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(set.status(), 204, "{target_name}'s password can be set");
    let response = post_login(server, target_name, password, "/").await;
    let cookie = response.headers()[reqwest::header::SET_COOKIE].to_str().expect("a cookie").split(';').next().unwrap_or_default().to_string();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, cookie.parse().expect("the cookie is a valid header value"));
    headers.insert(reqwest::header::ORIGIN, server.base_url.parse().expect("the base URL is a valid header value"));
    reqwest::Client::builder().default_headers(headers).build().expect("the client builds")
}
