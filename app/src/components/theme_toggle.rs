//! Light/dark switch. The choice lives on `<html data-theme>` and in `localStorage`; without
//! a saved choice the operating system's preference applies (see `style/outflow.css`).

use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Theme {
    Light,
    Dark,
}

impl Theme {
    fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    fn other(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

#[component]
pub fn ThemeToggle() -> impl IntoView {
    // The server cannot know the saved theme; the browser corrects it once hydrated.
    let theme = RwSignal::new(None::<Theme>);
    Effect::new(move |_| {
        if theme.get_untracked().is_none() {
            theme.set(Some(browser::current_theme()));
        }
    });
    let toggle = move |_| {
        let next = theme.get().unwrap_or(Theme::Light).other();
        browser::apply_theme(next);
        theme.set(Some(next));
    };
    let label = move || match theme.get() {
        Some(Theme::Dark) => "Dark",
        Some(Theme::Light) => "Light",
        None => "Theme",
    };
    view! {
        <button
            class="theme-toggle"
            type="button"
            data-theme-state=move || theme.get().map(Theme::as_str).unwrap_or("unknown")
            title="Switch between light and dark"
            on:click=toggle
        >
            <span aria-hidden="true">"◐"</span>
            " "
            {label}
        </button>
    }
}

#[cfg(feature = "browser")]
mod browser {
    use super::Theme;

    fn root() -> Option<web_sys::Element> {
        web_sys::window()?.document()?.document_element()
    }

    pub(super) fn current_theme() -> Theme {
        let explicit = root().and_then(|root| root.get_attribute("data-theme"));
        let prefers_dark = web_sys::window()
            .and_then(|window| window.match_media("(prefers-color-scheme: dark)").ok().flatten())
            .is_some_and(|query| query.matches());
        match explicit.as_deref() {
            Some("dark") => Theme::Dark,
            Some("light") => Theme::Light,
            _ if prefers_dark => Theme::Dark,
            _ => Theme::Light,
        }
    }

    pub(super) fn apply_theme(theme: Theme) {
        if let Some(root) = root() {
            // Setting an attribute on <html> cannot fail for a valid name.
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
        let storage = web_sys::window().and_then(|window| window.local_storage().ok().flatten());
        if let Some(storage) = storage {
            // Private browsing may refuse storage; the theme still applies to this page.
            let _ = storage.set_item("outflow-theme", theme.as_str());
        }
    }
}

#[cfg(not(feature = "browser"))]
mod browser {
    use super::Theme;

    pub(super) fn current_theme() -> Theme {
        Theme::Light
    }

    pub(super) fn apply_theme(_theme: Theme) {}
}
