//! `/flows/:id`: the Flow Designer for one flow. The canvas is built in the browser only
//! (after hydration): it is pointer-driven and has nothing useful to render on the server.
//! The flow is requested as soon as the route matches ([`DesignerLoad`]), while the page's
//! code chunk is still loading.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{
        UiError,
        flows::{DesignerData, load_designer},
    },
    components::{designer::FlowDesigner, feedback::loaded},
};

/// The flow the designer opens, requested by the route's `data()` (see `app::DesignerRoute`).
/// A local resource: the server renders the loading line and never fetches it.
#[derive(Clone, Copy)]
pub struct DesignerLoad(LocalResource<Result<DesignerData, UiError>>);

impl DesignerLoad {
    pub fn start() -> DesignerLoad {
        let params = use_params_map();
        DesignerLoad(LocalResource::new(move || load_designer(params.with(|params| params.get("id").unwrap_or_default()))))
    }
}

#[component]
pub fn DesignerPage(load: DesignerLoad) -> impl IntoView {
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    let designer = move || {
        mounted.get().then(|| {
            view! {
                <Suspense fallback=|| view! { <p class="loading">"Opening the designer…"</p> }>
                    {move || Suspend::new(async move { loaded(load.0.await.map(|data| view! { <FlowDesigner data /> })) })}
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
