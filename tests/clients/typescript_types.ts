// Type-checked (`tsc --noEmit --strict`) against `api.d.ts`, the types openapi-typescript
// generated from a running Outflow's document: the flow execution API, a listing and an
// error answer read as a TypeScript user would write them. A document change that breaks
// them fails the generated-clients test.
import type { components, operations, paths } from "./api";

type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;

const start: Json<operations["start_run"]["requestBody"]> = { trigger: "t1", payload: { ticket: "INC-4711" } };
const started: Json<operations["start_run"]["responses"][202]> = { runId: "frun_1", status: "running" };
const hook: Json<paths["/api/v1/flows/{id}/http"]["post"]["responses"][202]> = started;
const test: Json<operations["test_run"]["requestBody"]> = { trigger: "t1", payload: {}, blocks: null, edges: null };
const missing: Json<operations["get_flow"]["responses"][404]> = { error: { code: "not_found", message: "No flow with id x.", details: null } };
const page: Json<operations["list_alerts"]["responses"][200]> = { items: [], total: 0, limit: 50, offset: 0 };
const query: operations["list_runs"]["parameters"]["query"] = { flowId: "fl_1", limit: 10, offset: 20, status: "failed" };
const location: components["schemas"]["Location"][] = ["cloud", { agents: ["ag_1"] }];

export { start, started, hook, test, missing, page, query, location };
