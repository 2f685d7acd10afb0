//! The one-click example: a workflow with a form, two users with devices and a group, so a
//! newcomer sees alerts, notifications and escalations within a minute of the first start.

use outflow_model::{
    forms::{NewForm, PropertyDef, PropertyKind, ResponseAction, ResponseOption},
    people::{DeviceKind, NewDevice, NewGroup, NewUser, Role, TestOutcome},
    workflows::Workflow,
};

use crate::store::{self, Actor, Store, StoreError, StoreResult};

pub const EXAMPLE_WORKFLOW: &str = "Example: Service desk";

struct ExamplePerson {
    target_name: &'static str,
    first_name: &'static str,
    last_name: &'static str,
    email: &'static str,
    phone: &'static str,
}

const PEOPLE: [ExamplePerson; 2] = [
    ExamplePerson { target_name: "mmcbride", first_name: "Mary", last_name: "McBride", email: "mary.mcbride@example.com", phone: "+1 555 0100" },
    ExamplePerson { target_name: "jsmith", first_name: "John", last_name: "Smith", email: "john.smith@example.com", phone: "+1 555 0101" },
];

fn property(name: &str, kind: PropertyKind, include_in_outbound: bool, values: &[&str]) -> PropertyDef {
    PropertyDef { name: name.into(), kind, include_in_outbound, values: values.iter().map(|value| value.to_string()).collect() }
}

fn response(choice: &str, action: ResponseAction) -> ResponseOption {
    ResponseOption { choice: choice.into(), action }
}

/// Installs the example; refuses (409) when it is installed already. People that exist
/// already are kept as they are.
pub async fn install_example(store: &Store, actor: Option<&Actor>) -> StoreResult<Workflow> {
    let workflow = store::create_workflow(store, actor, EXAMPLE_WORKFLOW).await.map_err(|error| match error {
        StoreError::Conflict(_) => StoreError::Conflict("The example workflow is installed already.".into()),
        other => other,
    })?;
    let form = NewForm {
        name: "Major incident".into(),
        enabled: true,
        properties: vec![
            property("number", PropertyKind::Text, true, &[]),
            property("severity", PropertyKind::List, true, &["low", "medium", "high", "critical"]),
            property("summary", PropertyKind::Text, true, &[]),
            property("customer impact", PropertyKind::Boolean, false, &[]),
        ],
        responses: vec![
            response("Acknowledge", ResponseAction::None),
            response("Accept", ResponseAction::AssignToUser),
            response("Escalate", ResponseAction::Escalate),
            response("Resolve", ResponseAction::EndAlert),
        ],
    };
    store::create_form(store, actor, &workflow.id, &form).await?;
    for person in &PEOPLE {
        if store::get_user(store, person.target_name).await.is_ok() {
            continue;
        }
        let user = NewUser {
            target_name: person.target_name.into(),
            first_name: person.first_name.into(),
            last_name: person.last_name.into(),
            roles: vec![Role::Responder],
        };
        store::create_user(store, actor, &user).await?;
        let devices = [("Work Email", DeviceKind::Email, person.email, 0), ("Mobile Phone", DeviceKind::Sms, person.phone, 60)];
        for (name, kind, address, delay_seconds) in devices {
            let device =
                NewDevice { name: name.into(), kind, address: address.into(), delay_seconds, active: true, test_outcome: TestOutcome::Delivered };
            store::add_device(store, actor, person.target_name, &device).await?;
        }
    }
    if store::get_group(store, "Database-Team").await.is_err() {
        let group = NewGroup {
            target_name: "Database-Team".into(),
            members: PEOPLE.iter().map(|person| person.target_name.to_string()).collect(),
            escalation_seconds: 300,
        };
        store::create_group(store, actor, &group).await?;
    }
    Ok(workflow)
}
