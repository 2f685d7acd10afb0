//! The routed application of each bundle and the HTML document around it. Every page but the
//! designer is hydrated from here: the server renders the router of the bundle the address
//! loads ([`Bundle::for_path`]), and that bundle's `frontend` build hydrates the same router
//! (see [`crate::bundles`]; the designer is a bundle of its own, see [`crate::pages::designer`]).

use leptos::{either::Either, prelude::*};
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
    path,
};

use crate::{
    bundles::Bundle,
    components::layout::Layout,
    mark_hydrated,
    pages::{
        account::AccountPage,
        activity::ActivityPage,
        agents::AgentsPage,
        alert::AlertPage,
        alerts::AlertsPage,
        audit::AuditPage,
        designer::DesignerPage,
        endpoints::EndpointsPage,
        flows::FlowsPage,
        home::HomePage,
        integration::IntegrationPage,
        integrations::IntegrationsPage,
        login::{LoginPage, SetupPage},
        not_found::NotFoundPage,
        people::PeoplePage,
        run::RunPage,
        workflows::WorkflowsPage,
    },
};

/// Picks the saved theme before the first paint so dark-mode users never see a white flash.
const THEME_BOOT_SCRIPT: &str = "try{var t=localStorage.getItem('outflow-theme');if(t){document.documentElement.dataset.theme=t}}catch(e){}";

/// The HTML document around every page: the server renders it with the router of the bundle
/// the address loads, which the browser then hydrates.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    #[cfg(feature = "ssr")]
    let bundle = use_context::<http::request::Parts>().map_or(Bundle::Start, |request| Bundle::for_path(request.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let bundle = Bundle::Start;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <script nonce=leptos::nonce::use_nonce()>{THEME_BOOT_SCRIPT}</script>
                <PageScripts options bundle />
                <MetaTags />
            </head>
            <body>{app_of(bundle)}</body>
        </html>
    }
}

/// The page's code: the designer's bundle on a designer address (it renders the designer into
/// the page the server sent, see [`crate::pages::designer`]), the hydration of the page's
/// bundle anywhere else.
#[component]
fn PageScripts(mut options: LeptosOptions, bundle: Bundle) -> impl IntoView {
    if bundle == Bundle::Designer {
        let nonce = leptos::nonce::use_nonce();
        let (script, wasm) = (bundle.script(), bundle.wasm());
        Either::Left(view! {
            <link rel="modulepreload" href=script.clone() nonce=nonce.clone() />
            <link rel="preload" href=wasm.clone() r#as="fetch" r#type="application/wasm" crossorigin="" nonce=nonce.clone() />
            <script type="module" nonce=nonce>{format!("import init from '{script}';init({{module_or_path:'{wasm}'}})")}</script>
        })
    } else {
        // Leptos names the hydration files after `output_name`.
        options.output_name = bundle.stem().into();
        Either::Right(view! { <HydrationScripts options /> })
    }
}

/// A fresh nonce for this page's two inline scripts (the theme; the hydration or the designer's
/// loader) and the policy that allows only them, our own files and the wasm they load.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    leptos::nonce::provide_nonce();
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else { return };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The router of the bundle `bundle` (the designer's address renders the flows bundle's frame,
/// which the designer's bundle fills in).
pub fn app_of(bundle: Bundle) -> AnyView {
    match bundle {
        Bundle::Start => StartApp().into_any(),
        Bundle::Workflows => WorkflowsApp().into_any(),
        Bundle::Alerts => AlertsApp().into_any(),
        Bundle::Integrations => IntegrationsApp().into_any(),
        Bundle::Integration => IntegrationApp().into_any(),
        Bundle::Flows | Bundle::Designer => FlowsApp().into_any(),
        Bundle::Endpoints => EndpointsApp().into_any(),
        Bundle::Activity => ActivityApp().into_any(),
        Bundle::Run => RunApp().into_any(),
        Bundle::People => PeopleApp().into_any(),
    }
}

/// The browser entry point of each hydrated bundle: `frontend` calls the one its feature names.
#[cfg(feature = "hydrate")]
pub mod hydrate {
    use leptos::mount::hydrate_body;

    pub fn start() {
        hydrate_body(super::StartApp);
    }
    pub fn workflows() {
        hydrate_body(super::WorkflowsApp);
    }
    pub fn alerts() {
        hydrate_body(super::AlertsApp);
    }
    pub fn integrations() {
        hydrate_body(super::IntegrationsApp);
    }
    pub fn integration() {
        hydrate_body(super::IntegrationApp);
    }
    pub fn flows() {
        hydrate_body(super::FlowsApp);
    }
    pub fn endpoints() {
        hydrate_body(super::EndpointsApp);
    }
    pub fn activity() {
        hydrate_body(super::ActivityApp);
    }
    pub fn run() {
        hydrate_body(super::RunApp);
    }
    pub fn people() {
        hydrate_body(super::PeopleApp);
    }
}

/// What every bundle's pages sit in: the stylesheet, the title, the router and the frame.
#[component]
fn Frame(children: Children) -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    view! {
        <Stylesheet id="outflow" href="/outflow.css" />
        <Title formatter=|page: String| if page.is_empty() { "Outflow".to_string() } else { format!("{page} · Outflow") } />
        <Router>
            <Layout>{children()}</Layout>
        </Router>
    }
}

#[component]
fn StartApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| elsewhere(Bundle::Start)>
                <Route path=StaticSegment("") view=HomePage />
                <Route path=StaticSegment("audit") view=AuditPage />
                <Route path=StaticSegment("account") view=AccountPage />
                <Route path=StaticSegment("login") view=LoginPage />
                <Route path=StaticSegment("setup") view=SetupPage />
            </Routes>
        </Frame>
    }
}

#[component]
fn WorkflowsApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| elsewhere(Bundle::Workflows)>
                <Route path=StaticSegment("workflows") view=WorkflowsPage />
            </Routes>
        </Frame>
    }
}

#[component]
fn AlertsApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| elsewhere(Bundle::Alerts)>
                <Route path=StaticSegment("alerts") view=AlertsPage />
                <Route path=path!("/alerts/:id") view=AlertPage />
            </Routes>
        </Frame>
    }
}

#[component]
fn IntegrationsApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| elsewhere(Bundle::Integrations)>
                <Route path=StaticSegment("integrations") view=IntegrationsPage />
            </Routes>
        </Frame>
    }
}

#[component]
fn IntegrationApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| elsewhere(Bundle::Integration)>
                // Before `:id`: routes match in order, and "new" is not an id.
                <Route path=path!("/integrations/new") view=IntegrationPage />
                <Route path=path!("/integrations/:id") view=IntegrationPage />
            </Routes>
        </Frame>
    }
}

#[component]
fn FlowsApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| elsewhere(Bundle::Flows)>
                <Route path=StaticSegment("flows") view=FlowsPage />
                <Route path=path!("/flows/:id") view=DesignerPage />
            </Routes>
        </Frame>
    }
}

#[component]
fn EndpointsApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| elsewhere(Bundle::Endpoints)>
                <Route path=StaticSegment("endpoints") view=EndpointsPage />
            </Routes>
        </Frame>
    }
}

#[component]
fn ActivityApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| elsewhere(Bundle::Activity)>
                <Route path=StaticSegment("activity") view=ActivityPage />
            </Routes>
        </Frame>
    }
}

#[component]
fn RunApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| elsewhere(Bundle::Run)>
                <Route path=path!("/activity/:id") view=RunPage />
            </Routes>
        </Frame>
    }
}

#[component]
fn PeopleApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| elsewhere(Bundle::People)>
                <Route path=StaticSegment("people") view=PeoplePage />
                <Route path=StaticSegment("agents") view=AgentsPage />
            </Routes>
        </Frame>
    }
}

/// What a bundle's router shows at an address none of its pages answer: "Page not found" when
/// the address is its own (the server rendered the same), otherwise the page belongs to another
/// bundle (a link, a redirect or "back" led there inside the app), so it loads anew and the
/// server answers it with that bundle. The load waits a turn: the router records the address
/// in the history only once this view is drawn, and `replace` then takes that entry over.
fn elsewhere(this: Bundle) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let path = location.pathname.get_untracked();
    if Bundle::for_path(&path) == this {
        return Either::Left(view! { <NotFoundPage /> });
    }
    #[cfg(feature = "browser")]
    {
        let search = location.search.get_untracked();
        let address = if search.is_empty() { path } else { format!("{path}?{search}") } + &location.hash.get_untracked();
        // Scripts and tests wait for the next page to be hydrated.
        if let Some(body) = web_sys::window().and_then(|window| window.document()).and_then(|document| document.body()) {
            let _ = body.remove_attribute("data-hydrated");
        }
        set_timeout(
            move || {
                if let Some(window) = web_sys::window() {
                    // Loading a same-origin address cannot fail.
                    let _ = window.location().replace(&address);
                }
            },
            std::time::Duration::ZERO,
        );
    }
    Either::Right(view! { <p class="loading">"Loading…"</p> })
}
