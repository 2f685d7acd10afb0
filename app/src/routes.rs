//! The routed application and the HTML document around it: every page but the designer's
//! frame is hydrated from here (the designer is a bundle of its own, see
//! [`crate::pages::designer`]).

use leptos::{either::Either, prelude::*};
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
    path,
};

use crate::{
    components::layout::Layout,
    mark_hydrated,
    pages::{
        account::AccountPage,
        activity::ActivityPage,
        agents::AgentsPage,
        alert::AlertPage,
        alerts::AlertsPage,
        audit::AuditPage,
        designer::{DESIGNER_SCRIPT, DESIGNER_WASM, DesignerPage},
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

/// The HTML document around every page; the server renders it, the browser hydrates `<App/>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <script nonce=leptos::nonce::use_nonce()>{THEME_BOOT_SCRIPT}</script>
                <PageScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The page's code: the designer's own bundle on a designer address (it renders the designer
/// into the page the server sent, see [`crate::pages::designer`]), the app's hydration anywhere else.
#[component]
fn PageScripts(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let designer = use_context::<http::request::Parts>().is_some_and(|request| crate::pages::designer::is_designer_path(request.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let designer = false;
    if designer {
        let nonce = leptos::nonce::use_nonce();
        Either::Left(view! {
            <link rel="modulepreload" href=DESIGNER_SCRIPT nonce=nonce.clone() />
            <link rel="preload" href=DESIGNER_WASM r#as="fetch" r#type="application/wasm" crossorigin="" nonce=nonce.clone() />
            <script type="module" nonce=nonce>{format!("import init from '{DESIGNER_SCRIPT}';init({{module_or_path:'{DESIGNER_WASM}'}})")}</script>
        })
    } else {
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

/// The routed application: one page per top-level section of the navigation.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    view! {
        <Stylesheet id="outflow" href="/outflow.css" />
        <Title formatter=|page: String| if page.is_empty() { "Outflow".to_string() } else { format!("{page} · Outflow") } />
        <Router>
            <Layout>
                <Routes fallback=not_found>
                    <Route path=StaticSegment("") view=HomePage />
                    <Route path=StaticSegment("integrations") view=IntegrationsPage />
                    // Before `:id`: routes match in order, and "new" is not an id.
                    <Route path=path!("/integrations/new") view=IntegrationPage />
                    <Route path=path!("/integrations/:id") view=IntegrationPage />
                    <Route path=StaticSegment("flows") view=FlowsPage />
                    <Route path=path!("/flows/:id") view=DesignerPage />
                    <Route path=StaticSegment("endpoints") view=EndpointsPage />
                    <Route path=StaticSegment("activity") view=ActivityPage />
                    <Route path=path!("/activity/:id") view=RunPage />
                    <Route path=StaticSegment("workflows") view=WorkflowsPage />
                    <Route path=StaticSegment("alerts") view=AlertsPage />
                    <Route path=path!("/alerts/:id") view=AlertPage />
                    <Route path=StaticSegment("people") view=PeoplePage />
                    <Route path=StaticSegment("agents") view=AgentsPage />
                    <Route path=StaticSegment("audit") view=AuditPage />
                    <Route path=StaticSegment("account") view=AccountPage />
                    <Route path=StaticSegment("login") view=LoginPage />
                    <Route path=StaticSegment("setup") view=SetupPage />
                </Routes>
            </Layout>
        </Router>
    }
}

fn not_found() -> impl IntoView {
    view! { <NotFoundPage /> }
}
