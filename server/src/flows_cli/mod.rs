//! `outflow flows export|apply`: flows as code. `export` writes each flow of a workflow to a
//! folder as one JSON file ([`file`]: the SPEC §6 format with forms and endpoints named, keys
//! in a stable order); `apply` makes a workflow's flows match such a folder — on the same
//! server or another one with the same form and endpoint names — creating and updating by
//! name, printing what changes, refusing an invalid file whole, and changing nothing the
//! second time. It talks to a server over the REST API with an API key, like any client;
//! it never sees an endpoint's secrets (a flow holds only the endpoint's name). Both work on
//! what runs: `export` writes each flow's published version, `apply` publishes what it saves.

pub mod api;
pub mod file;

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    path::{Path, PathBuf},
};

use clap::{Args, Subcommand};
use outflow_model::flows::{Flow, FlowDocument, FlowSave, Issue, validate};

use self::{
    api::{Api, ApiFailure},
    file::{Directory, FlowFile},
};

#[derive(Debug, Subcommand)]
pub enum FlowsCommand {
    /// Write each flow of a workflow to a folder, one JSON file per flow.
    Export(ExportArgs),
    /// Create or update a workflow's flows to match the files in a folder (by form and name).
    Apply(ApplyArgs),
}

/// Which server and workflow, and the API key to use.
#[derive(Debug, Args)]
pub struct Remote {
    /// The Outflow server, e.g. https://outflow.example.com.
    #[arg(long, env = "OUTFLOW_SERVER")]
    pub server: String,

    /// An API key of a user who may read (export) or edit (apply) the workflow.
    #[arg(long, env = "OUTFLOW_TOKEN", hide_env_values = true)]
    pub token: String,

    /// The workflow, by name (or id).
    #[arg(long, env = "OUTFLOW_WORKFLOW")]
    pub workflow: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub remote: Remote,

    /// The folder to write to (created when missing). Flow files there of flows the workflow
    /// no longer has are removed; other files are left alone.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The folder of flow files (`*.json`), as `outflow flows export` writes them.
    pub dir: PathBuf,

    #[command(flatten)]
    pub remote: Remote,

    /// Print what would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Also delete the workflow's flows that have no file.
    #[arg(long)]
    pub prune: bool,
}

pub async fn run(command: FlowsCommand) -> Result<(), String> {
    match command {
        FlowsCommand::Export(args) => export(args).await,
        FlowsCommand::Apply(args) => apply(args).await,
    }
}

impl From<ApiFailure> for String {
    fn from(failure: ApiFailure) -> String {
        failure.0
    }
}

async fn export(args: ExportArgs) -> Result<(), String> {
    let api = Api::new(&args.remote.server, &args.remote.token)?;
    let workflow = api.workflow(&args.remote.workflow).await?;
    let directory = api.directory(&workflow).await?;
    let mut flows = api.flows(&workflow).await?;
    flows.sort_by(|a, b| (&a.form_name, &a.name).cmp(&(&b.form_name, &b.name)));
    let names = file::file_names(&flows.iter().map(|flow| (flow.form_name.clone(), flow.name.clone())).collect::<Vec<_>>());
    std::fs::create_dir_all(&args.out).map_err(|error| format!("cannot create {}: {error}", args.out.display()))?;
    for (flow, name) in flows.iter().zip(&names) {
        let (file, notes) = file::to_file(&flow.document(), &flow.form_name, &directory);
        for note in notes {
            eprintln!("{name}: warning: {note}");
        }
        let path = args.out.join(name);
        let text = file::to_text(&file);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        }
        println!("wrote {name} (\"{}\", form \"{}\")", flow.name, flow.form_name);
    }
    let written: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    for (name, path) in json_files(&args.out)? {
        let is_flow_file = std::fs::read_to_string(&path).ok().is_some_and(|text| file::parse(&text).is_ok());
        if !written.contains(name.as_str()) && is_flow_file {
            std::fs::remove_file(&path).map_err(|error| format!("cannot remove {}: {error}", path.display()))?;
            println!("removed {name} (the workflow has no such flow)");
        }
    }
    let count = if flows.len() == 1 { "1 flow".to_string() } else { format!("{} flows", flows.len()) };
    println!("Exported {count} of workflow \"{}\" to {}.", workflow.name, args.out.display());
    Ok(())
}

/// The `*.json` files of a folder, by name.
fn json_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|extension| extension == "json"))
        .filter_map(|path| Some((path.file_name()?.to_str()?.to_string(), path)))
        .collect();
    files.sort();
    Ok(files)
}

/// One file, read and resolved against the target workflow.
struct Wanted {
    file_name: String,
    file: FlowFile,
    document: FlowDocument,
}

/// What apply does to one flow.
enum Change<'a> {
    Create(&'a Wanted),
    Update { wanted: &'a Wanted, current: &'a Flow, summary: String },
    Unchanged,
    Delete(&'a Flow),
    Keep(&'a Flow),
}

async fn apply(args: ApplyArgs) -> Result<(), String> {
    let api = Api::new(&args.remote.server, &args.remote.token)?;
    let workflow = api.workflow(&args.remote.workflow).await?;
    let directory = api.directory(&workflow).await?;
    let (wanted, refusals) = read_folder(&args.dir, &directory)?;
    if !refusals.is_empty() {
        for (file_name, problems) in &refusals {
            eprintln!("{file_name}: refused");
            for problem in problems {
                eprintln!("  - {problem}");
            }
        }
        return Err(format!("Nothing was applied: {} of {} files refused.", refusals.len(), refusals.len() + wanted.len()));
    }
    let flows = api.flows(&workflow).await?;
    let changes = plan(&wanted, &flows, &directory, args.prune);
    let mut counts = BTreeMap::<&str, usize>::new();
    for change in &changes {
        let line = match change {
            Change::Create(wanted) => format!(
                "+ create \"{}\" (form \"{}\") from {}: {} blocks, {} edges",
                wanted.file.name,
                wanted.file.form,
                wanted.file_name,
                wanted.file.blocks.len(),
                wanted.file.edges.len()
            ),
            Change::Update { wanted, summary, .. } => {
                format!("~ update \"{}\" (form \"{}\") from {}: {summary}", wanted.file.name, wanted.file.form, wanted.file_name)
            }
            Change::Delete(flow) => format!("- delete \"{}\" (form \"{}\"): no file", flow.name, flow.form_name),
            Change::Unchanged | Change::Keep(_) => String::new(),
        };
        if !line.is_empty() {
            println!("{line}");
        }
        *counts.entry(change.kind()).or_default() += 1;
    }
    for change in &changes {
        if let Change::Keep(flow) = change {
            println!("  kept \"{}\" (form \"{}\"): no file; --prune deletes it", flow.name, flow.form_name);
        }
    }
    let count = |kind: &str| counts.get(kind).copied().unwrap_or_default();
    let changing = count("create") + count("update") + count("delete");
    if changing == 0 {
        println!("No changes: {} flows already match {}.", count("unchanged"), args.dir.display());
        return Ok(());
    }
    let mut summary = String::new();
    let _ = write!(
        summary,
        "{} to create, {} to update, {} to delete, {} unchanged",
        count("create"),
        count("update"),
        count("delete"),
        count("unchanged")
    );
    if args.dry_run {
        println!("Dry run: {summary}; nothing was changed.");
        return Ok(());
    }
    for change in &changes {
        match change {
            Change::Create(wanted) => {
                api.import(&wanted.document).await.map_err(|failure| format!("{}: {failure}", wanted.file_name))?;
            }
            Change::Update { wanted, current, .. } => {
                let save = FlowSave {
                    base_version: current.version,
                    name: wanted.document.name.clone(),
                    blocks: wanted.document.blocks.clone(),
                    edges: wanted.document.edges.clone(),
                    enabled: None,
                    // The file says the limit; none in it lifts it.
                    max_concurrent_runs: Some(wanted.document.max_concurrent_runs.unwrap_or(0)),
                };
                api.save(&current.id, &save).await.map_err(|failure| format!("{}: {failure}", wanted.file_name))?;
                api.publish(&current.id).await.map_err(|failure| format!("{}: {failure}", wanted.file_name))?;
            }
            Change::Delete(flow) => api.delete(&flow.id).await?,
            Change::Unchanged | Change::Keep(_) => {}
        }
    }
    println!("Applied: {summary}.");
    Ok(())
}

impl Change<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Change::Create(_) => "create",
            Change::Update { .. } => "update",
            Change::Unchanged => "unchanged",
            Change::Delete(_) => "delete",
            Change::Keep(_) => "keep",
        }
    }
}

/// Every flow file of the folder resolved against the workflow, and the files refused with
/// their problems (unreadable, unknown names, a graph the server would refuse, a flow twice).
#[allow(clippy::type_complexity)]
fn read_folder(dir: &Path, directory: &Directory) -> Result<(Vec<Wanted>, Vec<(String, Vec<String>)>), String> {
    let mut wanted = Vec::new();
    let mut refusals = Vec::new();
    let mut seen = BTreeMap::<(String, String), String>::new();
    for (file_name, path) in json_files(dir)? {
        let text = std::fs::read_to_string(&path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let parsed = match file::parse(&text) {
            Ok(parsed) => parsed,
            Err(error) => {
                refusals.push((file_name, vec![format!("not a flow file: {error}")]));
                continue;
            }
        };
        if let Some(other) = seen.insert((parsed.form.clone(), parsed.name.clone()), file_name.clone()) {
            refusals.push((file_name, vec![format!("{other} already holds the flow \"{}\" of form \"{}\"", parsed.name, parsed.form)]));
            continue;
        }
        let document = match file::to_document(&parsed, directory) {
            Ok(document) => document,
            Err(issues) => {
                refusals.push((file_name, issues.iter().map(describe_issue).collect()));
                continue;
            }
        };
        let choices = directory.form_by_name(&parsed.form).map(|form| form.choices.clone()).unwrap_or_default();
        let check = validate(&document.blocks, &document.edges, &choices);
        if !check.is_ok() {
            refusals.push((file_name, check.errors.iter().map(describe_issue).collect()));
            continue;
        }
        wanted.push(Wanted { file_name, file: parsed, document });
    }
    Ok((wanted, refusals))
}

/// `[cycle] blocks "a", "b": …`: an issue with the blocks it names.
fn describe_issue(issue: &Issue) -> String {
    let code = serde_json::to_value(issue.code).ok().and_then(|code| code.as_str().map(str::to_string)).unwrap_or_default();
    let blocks = issue.blocks.iter().map(|id| format!("\"{id}\"")).collect::<Vec<_>>().join(", ");
    match issue.blocks.len() {
        0 => format!("[{code}] {}", issue.message),
        1 => format!("[{code}] block {blocks}: {}", issue.message),
        _ => format!("[{code}] blocks {blocks}: {}", issue.message),
    }
}

/// What to do for each file, then for each flow without one.
fn plan<'a>(wanted: &'a [Wanted], flows: &'a [Flow], directory: &Directory, prune: bool) -> Vec<Change<'a>> {
    let by_key: BTreeMap<(&str, &str), &Flow> = flows.iter().map(|flow| ((flow.form_name.as_str(), flow.name.as_str()), flow)).collect();
    let mut changes = Vec::new();
    let mut matched = BTreeSet::new();
    for wanted in wanted {
        let Some(current) = by_key.get(&(wanted.file.form.as_str(), wanted.file.name.as_str())) else {
            changes.push(Change::Create(wanted));
            continue;
        };
        matched.insert(current.id.as_str());
        let (now, _) = file::to_file(&current.document(), &current.form_name, directory);
        if now == wanted.file {
            changes.push(Change::Unchanged);
        } else {
            changes.push(Change::Update { wanted, current, summary: file::describe_change(&now, &wanted.file) });
        }
    }
    for flow in flows.iter().filter(|flow| !matched.contains(flow.id.as_str())) {
        changes.push(if prune { Change::Delete(flow) } else { Change::Keep(flow) });
    }
    changes
}
