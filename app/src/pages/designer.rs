//! `/flows/:id`: the Flow Designer for one flow. The canvas is built in the browser only
//! (after hydration): it is pointer-driven and has nothing useful to render on the server.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{api::flows::load_designer, components::designer::FlowDesigner, components::feedback::loaded};

#[component]
pub fn DesignerPage() -> impl IntoView {
    let params = use_params_map();
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    let designer = move || {
        let id = params.with(|params| params.get("id").unwrap_or_default());
        mounted.get().then(|| {
            let data = LocalResource::new(move || load_designer(id.clone()));
            view! {
                <Suspense fallback=|| view! { <p class="loading">"Opening the designer…"</p> }>
                    {move || Suspend::new(async move { loaded(data.await.map(|data| view! { <FlowDesigner data /> })) })}
                </Suspense>
            }
        })
    };
    view! {
        <Title text="Flow Designer" />
        {move || (!mounted.get()).then(|| view! { <p class="loading">"Opening the designer…"</p> })}
        {designer}
    }
}
