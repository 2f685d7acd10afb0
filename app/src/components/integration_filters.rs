//! The Integrations page's filters: workflow, form, trigger, action and last run's status,
//! as one [`Filter`] value whose [`Filter::admits`] is the one test a row passes.

use leptos::prelude::*;

use super::fields::{Choice, Field};
use crate::{
    api::integrations::WorkflowOutbound,
    model::{
        integrations::{ActionKind, Integration},
        runs::RunStatus,
        trigger::Trigger,
    },
};

/// How an integration's last run went, as the filter tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LastRun {
    Never,
    Ended(RunStatus),
}

impl LastRun {
    fn of(integration: &Integration) -> LastRun {
        integration.last_run.as_ref().map_or(LastRun::Never, |run| LastRun::Ended(run.status))
    }
}

/// What the listing shows; `None` anywhere shows all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub workflow: Option<String>,
    pub form: Option<String>,
    pub trigger: Option<Trigger>,
    pub action: Option<ActionKind>,
    pub last_run: Option<LastRun>,
}

impl Filter {
    pub fn admits(&self, integration: &Integration) -> bool {
        self.workflow.as_ref().is_none_or(|id| *id == integration.workflow_id)
            && self.form.as_ref().is_none_or(|id| *id == integration.form_id)
            && self.trigger.is_none_or(|trigger| trigger == integration.trigger)
            && self.action.is_none_or(|kind| kind == integration.action.kind())
            && self.last_run.is_none_or(|wanted| wanted == LastRun::of(integration))
    }

    /// Whether anything is filtered out.
    pub fn narrows(&self) -> bool {
        *self != Filter::default()
    }
}

/// The option that filters nothing.
fn all<T>(text: &str) -> (Option<T>, String) {
    (None, text.to_string())
}

/// The filters' choices (all "All" at first): made once per page, so they outlive each
/// re-read of the listing.
#[derive(Clone, Copy, Default)]
pub struct Filters {
    workflow: RwSignal<Option<String>>,
    form: RwSignal<Option<String>>,
    trigger: RwSignal<Option<Trigger>>,
    action: RwSignal<Option<ActionKind>>,
    last_run: RwSignal<Option<LastRun>>,
}

impl Filters {
    /// The filter chosen (tracked: a change re-runs the caller).
    pub fn get(self) -> Filter {
        Filter {
            workflow: self.workflow.get(),
            form: self.form.get(),
            trigger: self.trigger.get(),
            action: self.action.get(),
            last_run: self.last_run.get(),
        }
    }
}

/// The controls, offering the catalog's workflows and forms.
#[component]
pub fn FilterControls(filters: Filters, catalog: Vec<WorkflowOutbound>) -> impl IntoView {
    let workflows = std::iter::once(all("All workflows"))
        .chain(catalog.iter().map(|listing| (Some(listing.workflow.id.clone()), listing.workflow.name.clone())))
        .collect();
    let forms = std::iter::once(all("All forms"))
        .chain(
            catalog
                .iter()
                .flat_map(|listing| listing.forms.iter().map(|form| (Some(form.id.clone()), format!("{} › {}", listing.workflow.name, form.name)))),
        )
        .collect();
    let triggers = std::iter::once(all("All triggers"))
        .chain(
            Trigger::ALL
                .into_iter()
                .filter(|trigger| *trigger != Trigger::Responses)
                .map(|trigger| (Some(trigger), trigger.display_name().to_string())),
        )
        .collect();
    let actions = std::iter::once(all("All actions")).chain(ActionKind::ALL.into_iter().map(|kind| (Some(kind), kind.label().to_string()))).collect();
    let last_runs = [all("Any last run"), (Some(LastRun::Never), "Never ran".to_string())]
        .into_iter()
        .chain(
            RunStatus::ALL
                .into_iter()
                .filter(|status| *status != RunStatus::Running)
                .map(|status| (Some(LastRun::Ended(status)), status.key().to_string())),
        )
        .collect();
    view! {
        <div class="filters integration-filters" role="search" aria-label="Integration filters">
            <Field label="Workflow"><Choice value=filters.workflow options=workflows /></Field>
            <Field label="Form"><Choice value=filters.form options=forms /></Field>
            <Field label="Trigger"><Choice value=filters.trigger options=triggers /></Field>
            <Field label="Action"><Choice value=filters.action options=actions /></Field>
            <Field label="Last run"><Choice value=filters.last_run options=last_runs /></Field>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::integrations::{IntegrationAction, LastRun as Run, Location};

    fn integration(trigger: Trigger, action: IntegrationAction, last: Option<RunStatus>) -> Integration {
        Integration {
            id: "in_1".into(),
            workflow_id: "wf_1".into(),
            form_id: "fm_1".into(),
            form_name: "Incident".into(),
            name: "Desk".into(),
            trigger,
            action,
            location: Location::Cloud,
            enabled: true,
            created_at: String::new(),
            last_run: last.map(|status| Run { id: "run_1".into(), status, created_at: String::new() }),
        }
    }

    #[test]
    fn each_filter_narrows_on_its_own_field() {
        let webhook = IntegrationAction::Webhook { endpoint_id: "ep_1".into(), path: String::new() };
        let failed = integration(Trigger::Status, webhook.clone(), Some(RunStatus::Failed));
        let never = integration(Trigger::Comment, IntegrationAction::Script { script: String::new() }, None);
        assert!(Filter::default().admits(&failed) && !Filter::default().narrows());
        let by = |filter: Filter| (filter.admits(&failed), filter.admits(&never));
        assert_eq!(by(Filter { trigger: Some(Trigger::Comment), ..Filter::default() }), (false, true));
        assert_eq!(by(Filter { action: Some(ActionKind::Webhook), ..Filter::default() }), (true, false));
        assert_eq!(by(Filter { last_run: Some(LastRun::Never), ..Filter::default() }), (false, true));
        assert_eq!(by(Filter { last_run: Some(LastRun::Ended(RunStatus::Failed)), ..Filter::default() }), (true, false));
        assert_eq!(by(Filter { workflow: Some("wf_2".into()), ..Filter::default() }), (false, false));
        assert_eq!(by(Filter { form: Some("fm_1".into()), ..Filter::default() }), (true, true));
    }
}
