//! The version history panel: every save of the flow, newest first, with when and by whom
//! each was published. Viewing a version lists how it differs from the canvas; restoring one
//! asks first, then the server saves it as a new draft (nothing is lost) and the canvas shows
//! it; rolling back runs an earlier published version again at once.

use leptos::{prelude::*, task::spawn_local};

use super::{Designer, Notice, plural};
use crate::{
    api::flows::{flow_versions, load_flow_version, restore_flow_version, rollback_flow},
    components::{confirm::ConfirmButton, feedback::loaded},
    format::{date_of, time_of_day},
    model::flows::{FlowVersion, Publication, PublishedHow},
};

#[component]
pub(super) fn History(designer: Designer, opened: Option<i64>) -> impl IntoView {
    // Reloads after every save, restore, publish or roll back.
    let versions = LocalResource::new(move || {
        designer.version.track();
        designer.published.track();
        flow_versions(designer.flow_id.get_value())
    });
    let viewing = RwSignal::new(opened);
    let listing = move || {
        Suspend::new(async move {
            loaded(
                versions.await.map(|versions| versions.into_iter().map(|version| view! { <VersionRow designer version viewing /> }).collect_view()),
            )
        })
    };
    view! {
        <aside class="fd-inspector fd-history" aria-label="Version history">
            <header class="fd-inspect-head">
                <h2>"Version history"</h2>
                <button type="button" class="icon" aria-label="Close version history" on:click=move |_| designer.history.set(false)>"×"</button>
            </header>
            <p class="hint">
                "Every save is a version; the published one runs. Restoring a version saves it again as the newest draft; rolling back runs an earlier published version again at once."
            </p>
            <ol class="fd-versions" role="list">
                <Suspense fallback=|| view! { <li class="loading">"Loading versions…"</li> }>{listing}</Suspense>
            </ol>
        </aside>
    }
}

#[component]
fn VersionRow(designer: Designer, version: FlowVersion, viewing: RwSignal<Option<i64>>) -> impl IntoView {
    let number = version.version;
    let current = move || designer.version.get() == number;
    let running = move || designer.published.get() == Some(number);
    let publications = version.publications.iter().map(|publication| view! { <li>{published_line(publication)}</li> }).collect_view();
    let ran = !version.publications.is_empty();
    let open = move || viewing.get() == Some(number);
    let who = version.saved_by.clone().map(|name| format!(" by {name}")).unwrap_or_default();
    let when = format!("{} {}", date_of(&version.created_at), time_of_day(&version.created_at));
    let summary =
        format!("{} block{}, {} connection{}", version.blocks, plural(version.blocks as usize), version.edges, plural(version.edges as usize));
    view! {
        <li class="fd-version" class:open=open>
            <button
                type="button"
                class="fd-version-head"
                aria-expanded=move || open().to_string()
                on:click=move |_| viewing.update(|shown| *shown = if *shown == Some(number) { None } else { Some(number) })
            >
                <span class="fd-version-number">{format!("Version {number}")}</span>
                {move || running().then(|| view! { <span class="badge ok">"running"</span> })}
                {move || (current() && !running()).then(|| view! { <span class="badge">"draft"</span> })}
                <span class="sub">{format!("{} · {when}{who}", version.note)}</span>
                <span class="sub">{summary}</span>
            </button>
            <ul class="fd-publications sub" role="list">{publications}</ul>
            <Show when=open>
                <VersionDetail designer number ran />
            </Show>
        </li>
    }
}

/// "Published 12 Dec 2026 14:03 by alice", and the like.
fn published_line(publication: &Publication) -> String {
    let how = match publication.how {
        PublishedHow::Published => "Published",
        PublishedHow::RolledBack => "Rolled back to",
        PublishedHow::Imported => "Imported and published",
        PublishedHow::Upgraded => "Running when drafts were introduced",
    };
    let who = publication.published_by.as_ref().map(|name| format!(" by {name}")).unwrap_or_default();
    format!("{how} {} {}{who}", date_of(&publication.published_at), time_of_day(&publication.published_at))
}

/// Runs this earlier published version again, after asking.
#[component]
fn RollbackButton(designer: Designer, number: i64) -> impl IntoView {
    let busy = RwSignal::new(false);
    let roll_back = Callback::new(move |()| {
        busy.set(true);
        spawn_local(async move {
            match rollback_flow(designer.flow_id.get_value(), number).await {
                Ok(version) => {
                    designer.published.set(Some(version));
                    designer.notice.set(Some(Notice::Info(format!("Rolled back: version {version} runs again. Your draft is unchanged."))));
                }
                Err(error) => designer.refuse(format!("Not rolled back: {}", error.message)),
            }
            busy.set(false);
        });
    });
    view! {
        <ConfirmButton
            label=format!("Roll back to version {number}")
            question=format!("Run version {number} again from now on?")
            on_confirm=roll_back
            busy
        />
    }
}

/// One version opened: how it differs from the canvas, and restoring it.
#[component]
fn VersionDetail(designer: Designer, number: i64, ran: bool) -> impl IntoView {
    let detail = LocalResource::new(move || load_flow_version(designer.flow_id.get_value(), number));
    let restoring = RwSignal::new(false);
    let restore = Callback::new(move |()| {
        restoring.set(true);
        spawn_local(async move {
            match restore_flow_version(designer.flow_id.get_value(), number).await {
                Ok(flow) => {
                    let saved = flow.version;
                    designer.load_saved(flow);
                    designer.notice.set(Some(Notice::Info(format!(
                        "Restored version {number} as draft version {saved}; publish it to run it. Undo brings back the canvas as it was."
                    ))));
                }
                Err(error) => designer.refuse(format!("Version {number} was not restored: {}", error.message)),
            }
            restoring.set(false);
        });
    });
    let body = move || {
        Suspend::new(async move {
            loaded(detail.await.map(|detail| {
                let differences = designer.editor.with_value(|editor| editor.compare(&detail.document.blocks, &detail.document.edges));
                let list = |title: &'static str, names: Vec<String>| {
                    (!names.is_empty()).then(|| {
                        let items = names.into_iter().map(|name| view! { <li>{name}</li> }).collect_view();
                        view! {
                            <h3>{title}</h3>
                            <ul class="fd-diff">{items}</ul>
                        }
                    })
                };
                let edges = (differences.edges_there + differences.edges_here > 0).then(|| {
                    view! {
                        <p class="sub">
                            {format!(
                                "Connections: {} only in this version, {} only on the canvas.",
                                differences.edges_there,
                                differences.edges_here,
                            )}
                        </p>
                    }
                });
                let same = differences.is_empty().then(|| view! { <p class="hint">"Same blocks and connections as the canvas."</p> });
                let question = if designer.dirty.get_untracked() {
                    format!("Restore version {number}? Your unsaved changes stay in the undo history only.")
                } else {
                    format!("Restore version {number} as the newest draft?")
                };
                let roll_back = move || (ran && designer.published.get() != Some(number)).then(|| view! { <RollbackButton designer number /> });
                view! {
                    <p class="sub">{format!("Named \"{}\".", detail.document.name)}</p>
                    {same}
                    {list("Only in this version", differences.only_there)}
                    {list("Only on the canvas", differences.only_here)}
                    {list("Different in this version", differences.changed)}
                    {edges}
                    <div class="row-actions">
                        <ConfirmButton label=format!("Restore version {number}") question on_confirm=restore busy=restoring />
                        {roll_back}
                    </div>
                }
            }))
        })
    };
    view! {
        <div class="fd-version-detail">
            <Suspense fallback=|| view! { <p class="loading">"Loading the version…"</p> }>{body}</Suspense>
        </div>
    }
}
