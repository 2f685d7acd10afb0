//! The landing page: what Outflow does and where to start.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Alert activity, turned into automation"</h1>
            <p class="page-summary">
                "Every change in an alert's life is a trigger: started, suspended, resumed, terminated, commented, escalated, delivered or failed, responded to, or unable to reach anyone. Each trigger runs an outbound integration and starts flows you draw on the canvas."
            </p>
        </section>
        <div class="cards">
            <A href="/integrations" attr:class="card">
                <h2>"Integrations"</h2>
                <p>"Send a webhook, run a script or reach an Integration Agent when a trigger fires."</p>
            </A>
            <A href="/flows" attr:class="card">
                <h2>"Flows"</h2>
                <p>"Connect triggers to steps on a visual canvas."</p>
            </A>
            <A href="/activity" attr:class="card">
                <h2>"Activity"</h2>
                <p>"See every run, step by step, and re-send what failed."</p>
            </A>
        </div>
    }
}
