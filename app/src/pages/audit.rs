//! The Audit page (admins): who created, changed or deleted which configuration object,
//! when, and which fields changed from what to what.

use leptos::prelude::*;

use crate::{
    api::session::audit_log,
    components::{empty_state::EmptyState, feedback::loaded, page::PageHeader, table::DataTable},
    format::{date_of, time_of_day},
    model::{Page, access::AuditEntry, limits::PAGE_DEFAULT},
};

#[component]
pub fn AuditPage() -> impl IntoView {
    let offset = RwSignal::new(0_u32);
    let entries = Resource::new(move || offset.get(), audit_log);
    let listing = move || Suspend::new(async move { loaded(entries.await.map(|page| view! { <AuditList page offset /> })) });
    view! {
        <PageHeader title="Audit" summary="Every change to workflows, forms, endpoints, integrations, people, keys and members: who, when, and what changed." />
        <section class="panel">
            <Transition fallback=|| view! { <p class="loading">"Loading the audit log…"</p> }>{listing}</Transition>
        </section>
    }
}

#[component]
fn AuditList(page: Page<AuditEntry>, offset: RwSignal<u32>) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <EmptyState title="Nothing changed yet">"Changes to configuration appear here as people make them."</EmptyState> }.into_any();
    }
    let shown = format!("{}–{} of {}", page.offset + 1, page.offset as usize + page.items.len(), page.total);
    let rows = page.items.into_iter().map(|entry| view! { <AuditRow entry /> }).collect_view();
    let has_more = i64::from(page.offset + page.limit) < page.total;
    view! {
        <DataTable label="Audit log" headers=&["When", "Who", "Action", "Object", "Changes"]>{rows}</DataTable>
        <div class="pager">
            <span class="sub">{shown}</span>
            <button class="button small" disabled=move || offset.get() == 0 on:click=move |_| offset.update(|o| *o = o.saturating_sub(PAGE_DEFAULT))>"Newer"</button>
            <button class="button small" disabled=!has_more on:click=move |_| offset.update(|o| *o += PAGE_DEFAULT)>"Older"</button>
        </div>
    }
    .into_any()
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    let changes = entry
        .changes
        .as_object()
        .map(|fields| {
            fields
                .iter()
                .map(|(field, values)| {
                    let (before, after) = (short(values.get(0)), short(values.get(1)));
                    view! { <li><code>{field.clone()}</code>": "{before}" → "{after}</li> }
                })
                .collect_view()
        })
        .unwrap_or_default();
    view! {
        <tr>
            <td>{date_of(&entry.at)}" "{time_of_day(&entry.at)}</td>
            <td>{entry.actor}</td>
            <td>{entry.action.as_str()}</td>
            <td>{entry.object_kind}" "<strong>{entry.object_name}</strong></td>
            <td><ul class="changes">{changes}</ul></td>
        </tr>
    }
}

/// A value as one short line: long scripts and objects are cut.
fn short(value: Option<&serde_json::Value>) -> String {
    let text = match value {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    if text.chars().count() > 80 { format!("{}…", text.chars().take(80).collect::<String>()) } else { text }
}
