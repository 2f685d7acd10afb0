//! Which browser bundle a page loads. Each group of pages is a wasm bundle of its own, so a
//! page downloads only its group's code: the app's pages are hydrated by `frontend`, built
//! once per bundle (one cargo feature each, named as [`Bundle::stem`]), and the Flow Designer
//! is `designer-frontend` (see [`crate::pages::designer`]). The server picks the bundle from
//! the address ([`Bundle::for_path`]) and renders that bundle's router ([`crate::routes`]), so
//! what it sends is exactly what the bundle hydrates. A link into another group reaches that
//! bundle's router as an address it has no page for and loads the page anew.

/// A browser bundle: a group of pages and the code that brings them to life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bundle {
    /// The start page, signing in, the account page, the audit log, "Page not found".
    Start,
    /// Workflows and their forms.
    Workflows,
    /// The alerts and one alert.
    Alerts,
    /// The integrations.
    Integrations,
    /// The integration editor: a new integration or one of them.
    Integration,
    /// The flows, and the designer's frame inside the app.
    Flows,
    /// The endpoints webhooks send to.
    Endpoints,
    /// Activity: the runs.
    Activity,
    /// One run.
    Run,
    /// People, groups and Integration Agents.
    People,
    /// The Flow Designer (`/flows/{id}`): not hydrated, it draws the designer into its frame.
    Designer,
}

impl Bundle {
    /// Every bundle, in the order `./x` builds them.
    pub const ALL: [Bundle; 11] = [
        Bundle::Start,
        Bundle::Workflows,
        Bundle::Alerts,
        Bundle::Integrations,
        Bundle::Integration,
        Bundle::Flows,
        Bundle::Endpoints,
        Bundle::Activity,
        Bundle::Run,
        Bundle::People,
        Bundle::Designer,
    ];

    /// The bundle the page at `path` loads: the designer's for a designer address, otherwise
    /// by the first segment and whether a second one names one of them; an address no page
    /// answers is the start bundle's "Page not found".
    pub fn for_path(path: &str) -> Bundle {
        if crate::pages::designer::is_designer_path(path) {
            return Bundle::Designer;
        }
        let mut segments = path.split('/').filter(|segment| !segment.is_empty());
        let (first, one_of_them) = (segments.next().unwrap_or_default(), segments.next().is_some());
        match (first, one_of_them) {
            ("workflows", _) => Bundle::Workflows,
            ("alerts", _) => Bundle::Alerts,
            ("integrations", false) => Bundle::Integrations,
            ("integrations", true) => Bundle::Integration,
            ("flows", _) => Bundle::Flows,
            ("endpoints", _) => Bundle::Endpoints,
            ("activity", false) => Bundle::Activity,
            ("activity", true) => Bundle::Run,
            ("people" | "agents", _) => Bundle::People,
            _ => Bundle::Start,
        }
    }

    /// The name `./x` gives the bundle's files, `/pkg/{stem}.js` and `/pkg/{stem}_bg.wasm`;
    /// for a hydrated bundle also the `frontend` feature that builds it.
    pub const fn stem(self) -> &'static str {
        match self {
            Bundle::Start => "start",
            Bundle::Workflows => "workflows",
            Bundle::Alerts => "alerts",
            Bundle::Integrations => "integrations",
            Bundle::Integration => "integration",
            Bundle::Flows => "flows",
            Bundle::Endpoints => "endpoints",
            Bundle::Activity => "activity",
            Bundle::Run => "run",
            Bundle::People => "people",
            Bundle::Designer => "designer",
        }
    }

    /// The bundle's JavaScript, which loads its wasm.
    pub fn script(self) -> String {
        format!("/pkg/{}.js", self.stem())
    }

    /// The bundle's wasm.
    pub fn wasm(self) -> String {
        format!("/pkg/{}_bg.wasm", self.stem())
    }
}

#[cfg(test)]
mod tests {
    use super::Bundle;

    #[test]
    fn a_page_loads_the_bundle_of_its_group() {
        for (path, bundle) in [
            ("/", Bundle::Start),
            ("/login", Bundle::Start),
            ("/account", Bundle::Start),
            ("/audit", Bundle::Start),
            ("/does-not-exist", Bundle::Start),
            ("/workflows", Bundle::Workflows),
            ("/alerts", Bundle::Alerts),
            ("/alerts/al_1", Bundle::Alerts),
            ("/integrations", Bundle::Integrations),
            ("/integrations/", Bundle::Integrations),
            ("/integrations/new", Bundle::Integration),
            ("/integrations/in_1", Bundle::Integration),
            ("/flows", Bundle::Flows),
            ("/flows/fl_1/", Bundle::Flows),
            ("/endpoints", Bundle::Endpoints),
            ("/flows/fl_1", Bundle::Designer),
            ("/activity", Bundle::Activity),
            ("/activity/run_1", Bundle::Run),
            ("/agents", Bundle::People),
        ] {
            assert_eq!(Bundle::for_path(path), bundle, "{path}");
        }
    }

    /// `./x` builds a hydrated bundle with the `frontend` feature of its stem.
    #[test]
    fn every_hydrated_bundle_is_a_frontend_feature() {
        let manifest = include_str!("../../frontend/Cargo.toml");
        for bundle in Bundle::ALL.into_iter().filter(|bundle| *bundle != Bundle::Designer) {
            assert!(manifest.contains(&format!("\n{} = []", bundle.stem())), "{bundle:?}");
        }
    }
}
