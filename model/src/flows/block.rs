//! What a block is and offers, read from the catalogue: its type, title, ports, outputs,
//! inputs, and its settings as text, names or numbers.

use super::{
    Block, BlockKind, ERROR_PORT, OutPorts, Outputs, StepKind, StepSettings, StepSpec,
    outputs::{JsonType, Output, trigger_offers},
    settings, step_spec, trigger_label,
};
use crate::{forms::PropertyDef, trigger::Trigger};

/// What a block is, once its trigger or step key is known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BlockType {
    Trigger(Trigger),
    Step(&'static StepSpec),
}

impl Block {
    /// The block's type, or `None` for an unknown trigger or step key.
    pub fn block_type(&self) -> Option<BlockType> {
        match self.kind {
            BlockKind::Trigger => match self.trigger.as_deref() {
                // A flow-native trigger (HTTP, …) is described in the catalogue like a step.
                Some(key) => match step_spec(key) {
                    Some(spec) if spec.starts_flow => Some(BlockType::Step(spec)),
                    _ => Trigger::from_key(key).map(BlockType::Trigger),
                },
                None => None,
            },
            BlockKind::Step => self.step.as_deref().and_then(step_spec).filter(|spec| !spec.starts_flow).map(BlockType::Step),
        }
    }

    /// The type's name as the palette shows it.
    pub fn type_name(&self) -> String {
        match self.block_type() {
            Some(BlockType::Trigger(trigger)) => trigger_label(trigger).to_string(),
            Some(BlockType::Step(spec)) => spec.name.to_string(),
            None => self.step.clone().or_else(|| self.trigger.clone()).unwrap_or_default(),
        }
    }

    /// What the canvas shows as its title: the label, or the type's name.
    pub fn title(&self) -> String {
        if self.label.trim().is_empty() { self.type_name() } else { self.label.clone() }
    }

    /// Input ports: one `in` for steps; none for what starts a flow.
    pub fn in_ports(&self) -> Vec<String> {
        match self.block_type() {
            Some(BlockType::Step(spec)) if !spec.starts_flow => vec!["in".to_string()],
            _ => Vec::new(),
        }
    }

    /// Output ports, given the form's response choices (the Responses trigger has one per
    /// choice): the ports a success activates, then [`ERROR_PORT`] for a step that can fail.
    pub fn out_ports(&self, response_choices: &[String]) -> Vec<String> {
        let mut ports = self.success_ports(response_choices);
        // A Switch case named `error` already is that port; it is not drawn twice.
        if let Some(BlockType::Step(spec)) = self.block_type()
            && spec.can_fail
            && !ports.iter().any(|port| port == ERROR_PORT)
        {
            ports.push(ERROR_PORT.to_string());
        }
        ports
    }

    /// The output ports a success may activate (every port but [`ERROR_PORT`]).
    pub fn success_ports(&self, response_choices: &[String]) -> Vec<String> {
        match self.block_type() {
            Some(BlockType::Trigger(Trigger::Responses)) => response_choices.to_vec(),
            Some(BlockType::Trigger(_)) => vec!["out".to_string()],
            Some(BlockType::Step(spec)) => match spec.out_ports {
                OutPorts::Fixed(ports) => ports.iter().map(|port| port.to_string()).collect(),
                OutPorts::CasesOf(setting) => {
                    let mut ports = self.names_setting(setting);
                    ports.push("default".to_string());
                    ports
                }
            },
            None => Vec::new(),
        }
    }

    /// The outputs later steps can reference as `${id.output}` (the first segment of a
    /// placeholder's path).
    pub fn outputs(&self) -> Vec<String> {
        self.offered_outputs(&[]).into_iter().map(|output| output.path).collect()
    }

    /// What the block offers later steps, with types: a trigger's payload fields with a
    /// `properties.<name>` output for each of the form's `properties` flagged for outbound
    /// integrations, or a step's declared outputs.
    pub fn offered_outputs(&self, properties: &[PropertyDef]) -> Vec<Output> {
        match self.block_type() {
            Some(BlockType::Trigger(trigger)) => trigger_offers(trigger, properties),
            Some(BlockType::Step(spec)) => {
                let mut offered: Vec<Output> = match spec.outputs {
                    Outputs::Fixed(specs) => specs.iter().map(Output::from).collect(),
                    Outputs::Named(setting) => self
                        .names_setting(setting)
                        .into_iter()
                        // A script may leave one unset.
                        .map(|path| Output { path, json_type: JsonType::Any, nullable: false, optional: true })
                        .collect(),
                };
                if spec.can_fail {
                    // Only when it failed, for the path on its error port.
                    offered.push(Output { path: ERROR_PORT.to_string(), json_type: JsonType::String, nullable: false, optional: true });
                }
                offered
            }
            None => Vec::new(),
        }
    }

    /// The inputs the block takes: the catalogue's, or a script's named ones.
    pub fn input_specs(&self) -> Vec<(String, String, bool, bool)> {
        match self.block_type() {
            // A Script's and a Call Flow's inputs are the names the block declares.
            Some(BlockType::Step(spec)) if matches!(spec.kind, StepKind::Script | StepKind::CallFlow) => {
                self.names_setting("inputs").into_iter().map(|name| (name.clone(), name, false, false)).collect()
            }
            Some(BlockType::Step(spec)) => {
                spec.inputs.iter().map(|input| (input.key.to_string(), input.label.to_string(), input.required, input.multiline)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// A list setting as names (see [`settings::names`]).
    pub fn names_setting(&self, key: &str) -> Vec<String> {
        settings::names(&self.settings, key)
    }

    /// A setting as text, as an editor shows it.
    pub fn setting_text(&self, key: &str) -> String {
        settings::text(&self.settings, key)
    }

    /// The step type a step block names (an unknown or missing key is [`StepKind::Unknown`]).
    pub fn step_kind(&self) -> StepKind {
        StepKind::from_key(self.step.as_deref().unwrap_or_default())
    }

    /// What is wrong with the values of the settings that are set (a missing one is reported
    /// as missing, not here).
    pub fn setting_problems(&self) -> Vec<String> {
        let Some(BlockType::Step(spec)) = self.block_type() else { return Vec::new() };
        let Err(problems) = StepSettings::parse(&spec.kind, &self.settings) else { return Vec::new() };
        let title = self.title();
        problems
            .into_iter()
            .filter(|problem| !self.setting_text(problem.key).trim().is_empty())
            .map(|problem| format!("\"{title}\" {}", problem.message))
            .collect()
    }
}
