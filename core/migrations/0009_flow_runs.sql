-- Flow runs (SPEC §6): one execution of a flow's graph, started by a trigger event, the
-- flow's HTTP trigger, the API, a designer test or a re-run, with one record per step that
-- ran or waits. Blocks without a record are pending, running or skipped: the engine's
-- planner derives which from the graph and the records.

-- Only enabled flows start from triggers and their HTTP trigger.
ALTER TABLE flows ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1));

-- The graphs runs execute, by SHA-256 of their JSON: a run keeps the graph it started with
-- whatever is saved or deleted later, and a thousand runs of one version share one copy.
CREATE TABLE flow_snapshots (
    hash  TEXT PRIMARY KEY,
    graph TEXT NOT NULL CHECK (json_valid(graph))
) WITHOUT ROWID;

CREATE TABLE flow_runs (
    id             TEXT    PRIMARY KEY,
    flow_id        TEXT    REFERENCES flows (id) ON DELETE SET NULL,
    flow_name      TEXT    NOT NULL,
    flow_version   INTEGER NOT NULL,
    workflow_id    TEXT    NOT NULL,
    snapshot       TEXT    NOT NULL REFERENCES flow_snapshots (hash),
    started_by     TEXT    NOT NULL CHECK (started_by IN ('trigger', 'http', 'api', 'test', 'rerun')),
    -- The trigger block it started from, and that block's trigger key ('status', …, 'http').
    trigger_block  TEXT    NOT NULL,
    trigger        TEXT    NOT NULL,
    payload        TEXT    NOT NULL CHECK (json_valid(payload)),
    alert_id       INTEGER REFERENCES alerts (event_identifier) ON DELETE SET NULL,
    event_id       INTEGER REFERENCES events (id) ON DELETE SET NULL,
    -- Whose rights its Outflow steps act with.
    acting_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    rerun_of       TEXT    REFERENCES flow_runs (id) ON DELETE SET NULL,
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
    reason         TEXT,
    -- The outputs of the step that finished last: the run's result.
    output         TEXT    CHECK (output IS NULL OR json_valid(output)),
    steps_run      INTEGER NOT NULL DEFAULT 0,
    -- Held by the process executing it; cleared at start (one server per database).
    lease_until    INTEGER,
    -- A run parked on a long Delay is taken up again at this time.
    wake_at        INTEGER,
    created_at     INTEGER NOT NULL,
    started_at     INTEGER,
    finished_at    INTEGER,
    updated_at     INTEGER NOT NULL
);

CREATE INDEX flow_runs_open ON flow_runs (wake_at) WHERE status IN ('pending', 'running');
CREATE INDEX flow_runs_created ON flow_runs (created_at);
CREATE INDEX flow_runs_flow ON flow_runs (flow_id, created_at);
CREATE INDEX flow_runs_alert ON flow_runs (alert_id);

-- A step that finished, or a Delay that waits. Written before any block after it starts.
CREATE TABLE flow_run_steps (
    run_id      TEXT    NOT NULL REFERENCES flow_runs (id) ON DELETE CASCADE,
    block_id    TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('waiting', 'succeeded', 'failed')),
    inputs      TEXT    CHECK (inputs IS NULL OR json_valid(inputs)),
    outputs     TEXT    CHECK (outputs IS NULL OR json_valid(outputs)),
    -- The output ports it activated, a JSON array.
    ports       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(ports)),
    -- [[at, line], …]
    logs        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(logs)),
    error       TEXT,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    due_at      INTEGER,
    PRIMARY KEY (run_id, block_id)
) WITHOUT ROWID;
