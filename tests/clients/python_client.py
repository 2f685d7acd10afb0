"""Uses the Python client that openapi-python-client generated from a running Outflow's
/api/v1/openapi.json, as a new user would, and checks every answer against the document.

Run by tests/tests/generated_clients.rs with:
  OUTFLOW_URL        the server, e.g. http://127.0.0.1:41234
  OUTFLOW_KEY        an admin's API key
  OUTFLOW_RECEIVER   a URL that accepts webhooks
  OUTFLOW_DOCUMENT   the OpenAPI document the client was generated from
and the generated package importable as `outflow_client`. Prints one line per step; any
failure raises (non-zero exit), naming the call.
"""

import json
import os
import time

from openapi_schema_validator import OAS31Validator

from outflow_client import AuthenticatedClient
from outflow_client.api.alerts import list_alerts, start_alert
from outflow_client.api.dashboard import get_dashboard
from outflow_client.api.endpoints import create_endpoint
from outflow_client.api.flows import get_flow, http_trigger, import_flow, start_run
from outflow_client.api.forms import create_form, trigger_sample_payload
from outflow_client.api.integrations import create_integration, list_integrations
from outflow_client.api.runs import get_run, list_runs
from outflow_client.api.workflows import create_workflow
from outflow_client.models import (
    Alert,
    Dashboard,
    Endpoint,
    Form,
    Integration,
    Workflow,
    Block,
    BlockKind,
    BlockSettings,
    Edge,
    EndpointAuthType0,
    EndpointAuthType0Type,
    ErrorBody,
    Flow,
    FlowDocument,
    IntegrationActionType0,
    IntegrationActionType0Type,
    NewAlert,
    NewAlertProperties,
    NewEndpoint,
    NewForm,
    NewIntegration,
    NewWorkflow,
    PageAlertSummary,
    PageRunSummary,
    Position,
    PropertyDef,
    PropertyKind,
    ResponseOption,
    Run,
    RunStatus,
    StartedFlowRun,
    StartFlowRun,
    StartFlowRunPayload,
    Trigger,
)
from outflow_client.types import Response

DOCUMENT = json.load(open(os.environ["OUTFLOW_DOCUMENT"]))
client = AuthenticatedClient(base_url=os.environ["OUTFLOW_URL"], token=os.environ["OUTFLOW_KEY"], raise_on_unexpected_status=True)


def answer(response: Response, method: str, path: str, status: int, kind: type):
    """The parsed answer of a call, after checking its status and that its JSON is what the
    document promises for that status."""
    where = f"{method.upper()} {path}"
    assert response.status_code == status, f"{where} answered {response.status_code}: {response.content[:300]!r}"
    documented = DOCUMENT["paths"][path][method]["responses"][str(status)]
    schema = documented.get("content", {}).get("application/json", {}).get("schema")
    if schema is not None:
        # The document's components travel with the schema so that its $refs resolve.
        OAS31Validator({**schema, "components": DOCUMENT["components"]}).validate(json.loads(response.content))
    assert isinstance(response.parsed, kind), f"{where}: the client read {type(response.parsed).__name__}, not {kind.__name__}"
    return response.parsed


def run_reaching_an_end(run_id: str) -> Run:
    deadline = time.time() + 20
    while True:
        run = answer(get_run.sync_detailed(id=run_id, client=client), "get", "/api/v1/runs/{id}", 200, Run)
        if run.status not in (RunStatus.PENDING, RunStatus.QUEUED, RunStatus.RUNNING) or time.time() > deadline:
            return run
        time.sleep(0.1)


workflow = answer(create_workflow.sync_detailed(client=client, body=NewWorkflow(name="Python client")), "post", "/api/v1/workflows", 201, Workflow)
print("created workflow", workflow.id)

form = answer(
    create_form.sync_detailed(
        id=workflow.id,
        client=client,
        body=NewForm(
            name="Incident",
            properties=[PropertyDef(name="number", type_=PropertyKind.TEXT, include_in_outbound=True)],
            responses=[ResponseOption(choice="Acknowledge")],
        ),
    ),
    "post",
    "/api/v1/workflows/{id}/forms",
    201,
    Form,
)
print("created form", form.id)

sampled = trigger_sample_payload.sync_detailed(id=form.id, trigger=Trigger.STATUS, client=client)
answer(sampled, "get", "/api/v1/forms/{id}/triggers/{trigger}/sample-payload", 200, object)
sample = json.loads(sampled.content)
assert sample["properties"] == {"number": "Example number"} and sample["eventProperties"] == [{"number": "Example number"}], sample
print("sample payload of status:", ", ".join(sorted(sample)))

endpoint = answer(
    create_endpoint.sync_detailed(
        client=client,
        body=NewEndpoint(workflow_id=workflow.id, name="Desk", base_url=os.environ["OUTFLOW_RECEIVER"], auth=EndpointAuthType0(type_=EndpointAuthType0Type.NONE)),
    ),
    "post",
    "/api/v1/endpoints",
    201,
    Endpoint,
)
print("created endpoint", endpoint.id)

integration = answer(
    create_integration.sync_detailed(
        client=client,
        body=NewIntegration(
            form_id=form.id,
            name="Open ticket",
            trigger=Trigger.STATUS,
            action=IntegrationActionType0(type_=IntegrationActionType0Type.WEBHOOK, endpoint_id=endpoint.id, path="/tickets"),
        ),
    ),
    "post",
    "/api/v1/integrations",
    201,
    Integration,
)
listed = answer(list_integrations.sync_detailed(client=client, workflow_id=workflow.id), "get", "/api/v1/integrations", 200, list)
assert [item.id for item in listed] == [integration.id], listed
print("created integration", integration.id, "running in", listed[0].location)

started = []
for number in range(5):
    properties = NewAlertProperties.from_dict({"number": f"INC-{number}"})
    alert = answer(
        start_alert.sync_detailed(client=client, body=NewAlert(form_id=form.id, recipients=["admin"], properties=properties)),
        "post",
        "/api/v1/alerts",
        201,
        Alert,
    )
    started.append(alert.event_identifier)
print("started alerts", started)

seen, offset = [], 0
while True:
    page = answer(list_alerts.sync_detailed(client=client, form_id=form.id, limit=2, offset=offset), "get", "/api/v1/alerts", 200, PageAlertSummary)
    seen += [item.event_identifier for item in page.items]
    offset += len(page.items)
    if not page.items or offset >= page.total:
        break
assert sorted(seen) == sorted(started), f"paging through list_alerts gave {seen}, not {started}"
print("paged through", len(seen), "alerts, two at a time")

# Each alert's status trigger starts one run of the integration.
deadline = time.time() + 20
while True:
    runs, offset = [], 0
    while True:
        page = answer(list_runs.sync_detailed(client=client, integration_id=integration.id, limit=2, offset=offset), "get", "/api/v1/runs", 200, PageRunSummary)
        runs += page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            break
    if len(runs) >= len(started) or time.time() > deadline:
        break
    time.sleep(0.2)
assert len(runs) == len(started) and len({run.id for run in runs}) == len(runs), f"list_runs paged {len(runs)} runs"
print("paged through", len(runs), "integration runs, two at a time")

script = "output.ticket = 'T-' + input.number;"
document = FlowDocument(
    name="Open ticket by HTTP",
    form_id=form.id,
    blocks=[
        Block(id="h1", kind=BlockKind.TRIGGER, trigger="http", settings=BlockSettings.from_dict({"auth": "apiKey"}), position=Position(x=40, y=80)),
        Block.from_dict(
            {"id": "x1", "kind": "step", "step": "script", "label": "Ticket", "position": {"x": 260, "y": 80},
             "settings": {"inputs": "number", "outputs": "ticket", "script": script}, "inputs": {"number": "${h1.body.number}"}}
        ),
    ],
    edges=[Edge(from_="h1", from_port="out", to="x1", to_port="in")],
)
flow = answer(import_flow.sync_detailed(client=client, body=document), "post", "/api/v1/flows/import", 201, Flow)
print("imported flow", flow.id)

started_run = answer(
    start_run.sync_detailed(id=flow.id, client=client, body=StartFlowRun(trigger="h1", payload=StartFlowRunPayload.from_dict({"body": {"number": "INC-7"}}))),
    "post",
    "/api/v1/flows/{id}/runs",
    202,
    StartedFlowRun,
)
run = run_reaching_an_end(started_run.run_id)
assert run.status == RunStatus.SUCCEEDED, f"the run by id ended {run.status}: {run.reason}"
assert run.flow.output.to_dict() == {"ticket": "T-INC-7"}, run.flow.output
print("started run", run.id, "by id:", run.status, run.flow.output.to_dict())

hooked = answer(http_trigger.sync_detailed(id=flow.id, client=client, body={"number": "INC-8"}), "post", "/api/v1/flows/{id}/http", 202, StartedFlowRun)
run = run_reaching_an_end(hooked.run_id)
assert run.status == RunStatus.SUCCEEDED and run.flow.output.to_dict() == {"ticket": "T-INC-8"}, (run.status, run.reason)
print("HTTP trigger started run", run.id, run.status, run.flow.output.to_dict())

# The dashboard counts the integration's deliveries to the endpoint and the flow runs.
deadline = time.time() + 20
while True:
    dashboard = answer(get_dashboard.sync_detailed(client=client), "get", "/api/v1/dashboard", 200, Dashboard)
    health = next(item for item in dashboard.endpoints if item.endpoint_id == endpoint.id)
    if health.attempts >= len(started) or time.time() > deadline:
        break
    time.sleep(0.2)
assert health.attempts == len(started) and len(health.hours) == 24, health
ended = dashboard.last_hour.runs.succeeded + dashboard.last_hour.runs.failed
assert ended >= len(started) + 2, dashboard.last_hour.runs
print("dashboard:", ended, "runs ended in the last hour;", health.attempts, "deliveries to the endpoint, p50", health.latency.p_50_ms, "ms")

missing = answer(get_flow.sync_detailed(id="flw_missing", client=client), "get", "/api/v1/flows/{id}", 404, ErrorBody)
assert missing.error.code == "not_found", missing
print("a missing flow answers", missing.error.code)
print("python client: ok")
