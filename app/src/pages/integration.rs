//! The page of one outbound integration (`/integrations/:id`) or of a new one
//! (`/integrations/new`, optionally `?workflow=` to start on that workflow's first form):
//! the integration editor with everything it picks from.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    api::{
        UiError,
        integrations::{default_scripts, outbound_catalog},
    },
    components::{feedback::loaded, integration_form::IntegrationForm},
};

#[component]
pub fn IntegrationPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get("id"));
    let catalog = Resource::new(move || id.get(), |_| outbound_catalog());
    let scripts = Resource::new(|| (), |_| default_scripts());
    let editor = move || {
        Suspend::new(async move {
            let both: Result<_, UiError> = async { Ok((catalog.await?, scripts.await?)) }.await;
            loaded(both.and_then(|(catalog, scripts)| {
                let integration = match id.get_untracked() {
                    Some(id) => Some(
                        catalog
                            .iter()
                            .flat_map(|listing| listing.integrations.iter())
                            .find(|integration| integration.id == id)
                            .cloned()
                            .ok_or_else(|| UiError { message: format!("There is no integration with id {id}. It may have been deleted.") })?,
                    ),
                    None => None,
                };
                let workflow = query.read_untracked().get("workflow");
                Ok(view! { <IntegrationForm catalog scripts integration workflow /> })
            }))
        })
    };
    view! {
        <A href="/integrations" attr:class="back">"← All integrations"</A>
        <Transition fallback=|| view! { <p class="loading">"Loading the integration…"</p> }>{editor}</Transition>
    }
}
