//! Dispatch planning: what one trigger event starts — which of its form's enabled
//! integrations record a run (and whether the form being off skips them), and whether the
//! form's flows start. Pure, so every store backend's dispatcher makes the same decisions;
//! the store only reads the inputs and writes the plan.

use outflow_model::{integrations::IntegrationAction, trigger::Trigger};

/// The form an event's alert belongs to, as the plan needs it.
#[derive(Clone, Copy, Debug)]
pub struct EventForm<'a> {
    pub name: &'a str,
    pub enabled: bool,
}

/// What one event starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventPlan {
    /// The integrations (by index into those given) that record a run for the event.
    pub runs: Vec<usize>,
    /// Why those runs send nothing (the form is off): they are recorded as skipped.
    pub skipped: Option<String>,
    /// Whether the form's published, enabled flows with this trigger start.
    pub start_flows: bool,
}

/// Plans an event of `trigger` on `form`, given the actions of the form's enabled
/// integrations of that trigger. A "Run flows only" integration records no run; flows start
/// only on an enabled form, and, but for a flow-native trigger (Responses), only through an
/// integration: a flow never starts from a trigger whose integration is missing or off.
pub fn plan_event(trigger: Trigger, form: EventForm<'_>, integrations: &[&IntegrationAction]) -> EventPlan {
    EventPlan {
        runs: integrations.iter().enumerate().filter(|(_, action)| action.sends()).map(|(index, _)| index).collect(),
        skipped: (!form.enabled).then(|| format!("The form \"{}\" is disabled, so nothing was sent.", form.name)),
        start_flows: form.enabled && trigger.starts_flows(!integrations.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: EventForm<'static> = EventForm { name: "Incident", enabled: true };
    const OFF: EventForm<'static> = EventForm { name: "Incident", enabled: false };

    fn webhook() -> IntegrationAction {
        IntegrationAction::Webhook { endpoint_id: "ep_1".into(), path: String::new() }
    }

    #[test]
    fn flows_start_only_through_an_integration_of_the_trigger() {
        assert!(!plan_event(Trigger::Status, ON, &[]).start_flows, "no integration, no flow");
        assert!(plan_event(Trigger::Status, ON, &[&webhook()]).start_flows);
        assert!(plan_event(Trigger::Responses, ON, &[]).start_flows, "Responses belongs to flows alone");
    }

    #[test]
    fn run_flows_only_records_no_run_but_starts_the_flows() {
        let plan = plan_event(Trigger::Comment, ON, &[&IntegrationAction::FlowsOnly]);
        assert_eq!(plan, EventPlan { runs: vec![], skipped: None, start_flows: true });
        let plan = plan_event(Trigger::Comment, ON, &[&IntegrationAction::FlowsOnly, &webhook()]);
        assert_eq!(plan.runs, [1]);
    }

    #[test]
    fn a_disabled_form_skips_its_runs_with_the_reason_and_starts_no_flow() {
        let plan = plan_event(Trigger::Status, OFF, &[&webhook()]);
        assert_eq!(plan.runs, [0]);
        assert_eq!(plan.skipped.as_deref(), Some("The form \"Incident\" is disabled, so nothing was sent."));
        assert!(!plan.start_flows);
        assert!(!plan_event(Trigger::Responses, OFF, &[]).start_flows);
    }
}
