//! The contract as real clients meet it: the running binary's `/api/v1/openapi.json` passes
//! `openapi-spec-validator`, generates a Python client (openapi-python-client) and
//! TypeScript types (openapi-typescript) with no operation or schema left out, and the
//! Python client works against the same server (tests/clients/python_client.py). The tools
//! are the ones `./x setup` installs: a Python venv (`OUTFLOW_PY_TOOLS`, default
//! `~/.cache/outflow/tools/py`) and end2end's node packages.

use std::{
    path::{Path, PathBuf},
    process::Output,
};

use outflow_tests::{ADMIN_KEY, TestServer, receiver::Receiver};
use serde_json::Value;
use tokio::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repository").to_path_buf()
}

fn python_tools() -> PathBuf {
    let tools = std::env::var_os("OUTFLOW_PY_TOOLS").map(PathBuf::from).unwrap_or_else(|| {
        let cache = std::env::var_os("OUTFLOW_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(&std::env::var("HOME").unwrap_or_default()).join(".cache/outflow"));
        cache.join("tools/py")
    });
    assert!(tools.join("bin/openapi-python-client").exists(), "no Python tools at {}: run `./x setup`", tools.display());
    tools
}

fn node_tool(name: &str) -> PathBuf {
    let tool = repo().join("end2end/node_modules/.bin").join(name);
    assert!(tool.exists(), "no {} : run `./x setup`", tool.display());
    tool
}

/// Runs a tool and answers its output, failing the test with what it printed when it fails.
async fn run(command: &mut Command, what: &str) -> String {
    let Output { status, stdout, stderr } = command.output().await.unwrap_or_else(|error| panic!("{what} could not start: {error}"));
    let printed = format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr));
    assert!(status.success(), "{what} failed ({status}):\n{printed}");
    printed
}

fn operation_ids(document: &Value) -> Vec<String> {
    let mut ids: Vec<String> = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("a path item").values())
        .filter_map(|operation| operation["operationId"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn generated_python_and_typescript_clients_cover_the_api_and_the_python_one_works() {
    let python = python_tools();
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let work = tempfile::tempdir().expect("a temporary folder can be made");
    let document: Value = reqwest::get(server.url("/api/v1/openapi.json")).await.expect("the server answers").json().await.expect("a JSON document");
    let document_path = work.path().join("openapi.json");
    std::fs::write(&document_path, serde_json::to_vec_pretty(&document).expect("JSON serializes")).expect("the document can be written");
    let operations = operation_ids(&document);

    run(Command::new(python.join("bin/openapi-spec-validator")).arg(&document_path), "openapi-spec-validator").await;

    // The generator's hooks (ruff) come from the same venv.
    let path = format!("{}:{}", python.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    let package = work.path().join("py/outflow_client");
    let printed = run(
        Command::new(python.join("bin/openapi-python-client"))
            .args(["generate", "--meta", "none", "--path"])
            .arg(&document_path)
            .arg("--output-path")
            .arg(&package)
            .env("PATH", &path),
        "openapi-python-client",
    )
    .await;
    assert!(!printed.contains("Warning") && !printed.contains("Unable to"), "openapi-python-client left something out:\n{printed}");
    let mut python_operations: Vec<String> = walk(&package.join("api"))
        .into_iter()
        .filter(|file| file.extension().is_some_and(|extension| extension == "py"))
        .filter_map(|file| file.file_stem().and_then(|stem| stem.to_str()).map(str::to_string))
        .filter(|stem| stem != "__init__")
        .collect();
    python_operations.sort();
    assert_eq!(python_operations, operations, "the Python client has a function per operation");

    let types = work.path().join("ts/api.d.ts");
    run(Command::new(node_tool("openapi-typescript")).arg(&document_path).arg("-o").arg(&types), "openapi-typescript").await;
    let generated = std::fs::read_to_string(&types).expect("the types were written");
    let ts_block = generated.split("export interface operations {").nth(1).expect("the types list the operations");
    for id in &operations {
        assert!(ts_block.contains(&format!("\n    {id}: {{")), "the TypeScript types have no operation {id}");
    }
    std::fs::copy(repo().join("tests/clients/typescript_types.ts"), work.path().join("ts/check.ts")).expect("the check can be copied");
    run(
        Command::new(node_tool("tsc"))
            .args(["--noEmit", "--strict", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler"])
            .arg(work.path().join("ts/check.ts")),
        "tsc on tests/clients/typescript_types.ts",
    )
    .await;

    let printed = run(
        Command::new(python.join("bin/python"))
            .arg(repo().join("tests/clients/python_client.py"))
            .env("PYTHONPATH", work.path().join("py"))
            .env("OUTFLOW_URL", &server.base_url)
            .env("OUTFLOW_KEY", ADMIN_KEY)
            .env("OUTFLOW_RECEIVER", receiver.url(""))
            .env("OUTFLOW_DOCUMENT", &document_path),
        "tests/clients/python_client.py",
    )
    .await;
    assert!(printed.contains("python client: ok"), "{printed}");
    println!("{} operations: all in the Python client and the TypeScript types\n{printed}", operations.len());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())).filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}
