-- Call Flow and the Schedule trigger (issue 20): a run may be started by another run's
-- Call Flow step, which it names with the step and its For Each iteration ('' outside
-- loops), and records how deeply calls nest; one called run per calling step and
-- iteration, so a caller resumed after a crash finds its run again. Runs may also be
-- started by a schedule. A flow may cap how many of its runs go at once: the others wait,
-- in order, as 'queued'. An endpoint may cap the requests it takes per second and at once.
--
-- `started_by` and `status` are CHECKed, so flow_runs is rebuilt. Foreign keys stay on inside
-- this migration's transaction, and dropping a table deletes its rows first: flow_run_steps
-- (ON DELETE CASCADE) would lose its rows, and runs linking to others (rerun_of, restart_of,
-- ON DELETE SET NULL) their links. So both tables are copied aside, dropped, and built anew
-- from the copies.

CREATE TABLE flow_runs_kept AS SELECT * FROM flow_runs;
CREATE TABLE flow_run_steps_kept AS SELECT * FROM flow_run_steps;
DROP TABLE flow_run_steps;
DROP TABLE flow_runs;

CREATE TABLE flow_runs (
    id                  TEXT    PRIMARY KEY,
    flow_id             TEXT    REFERENCES flows (id) ON DELETE SET NULL,
    flow_name           TEXT    NOT NULL,
    flow_version        INTEGER NOT NULL,
    workflow_id         TEXT    NOT NULL,
    snapshot            TEXT    NOT NULL REFERENCES flow_snapshots (hash),
    started_by          TEXT    NOT NULL CHECK (started_by IN ('trigger', 'http', 'api', 'test', 'rerun', 'call', 'schedule')),
    trigger_block       TEXT    NOT NULL,
    trigger             TEXT    NOT NULL,
    payload             TEXT    NOT NULL CHECK (json_valid(payload)),
    alert_id            INTEGER REFERENCES alerts (event_identifier) ON DELETE SET NULL,
    event_id            INTEGER REFERENCES events (id) ON DELETE SET NULL,
    acting_user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    rerun_of            TEXT    REFERENCES flow_runs (id) ON DELETE SET NULL,
    status              TEXT    NOT NULL CHECK (status IN ('queued', 'pending', 'running', 'succeeded', 'failed')),
    reason              TEXT,
    output              TEXT    CHECK (output IS NULL OR json_valid(output)),
    steps_run           INTEGER NOT NULL DEFAULT 0,
    lease_until         INTEGER,
    wake_at             INTEGER,
    created_at          INTEGER NOT NULL,
    started_at          INTEGER,
    finished_at         INTEGER,
    updated_at          INTEGER NOT NULL,
    chain_depth         INTEGER NOT NULL DEFAULT 0,
    restart_of          TEXT    REFERENCES flow_runs (id) ON DELETE SET NULL,
    restart_from        TEXT,
    restart_origin      TEXT,
    called_by           TEXT    REFERENCES flow_runs (id) ON DELETE SET NULL,
    called_by_block     TEXT,
    called_by_iteration TEXT,
    call_depth          INTEGER NOT NULL DEFAULT 0
);

INSERT INTO flow_runs (id, flow_id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload,
                       alert_id, event_id, acting_user_id, rerun_of, status, reason, output, steps_run, lease_until, wake_at,
                       created_at, started_at, finished_at, updated_at, chain_depth, restart_of, restart_from, restart_origin)
    SELECT id, flow_id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload,
           alert_id, event_id, acting_user_id, rerun_of, status, reason, output, steps_run, lease_until, wake_at,
           created_at, started_at, finished_at, updated_at, chain_depth, restart_of, restart_from, restart_origin
    FROM flow_runs_kept;
DROP TABLE flow_runs_kept;

CREATE INDEX flow_runs_open ON flow_runs (wake_at) WHERE status IN ('pending', 'running');
CREATE INDEX flow_runs_created ON flow_runs (created_at);
CREATE INDEX flow_runs_flow ON flow_runs (flow_id, created_at);
CREATE INDEX flow_runs_alert ON flow_runs (alert_id);
CREATE INDEX flow_runs_chained ON flow_runs (flow_id, created_at) WHERE chain_depth > 0;
CREATE INDEX flow_runs_restarts ON flow_runs (restart_of) WHERE restart_of IS NOT NULL;
CREATE UNIQUE INDEX flow_runs_calls ON flow_runs (called_by, called_by_block, called_by_iteration) WHERE called_by IS NOT NULL;
-- The worker lets queued runs go, oldest first, while fewer than the limit are going.
CREATE INDEX flow_runs_queued ON flow_runs (flow_id, created_at) WHERE status = 'queued';
CREATE INDEX flow_runs_going ON flow_runs (flow_id) WHERE status IN ('pending', 'running');

-- As in 0011: a run refused at once, and a run ending, count in the dashboard's minutes.
CREATE TRIGGER run_minutes_flow_run_inserted AFTER INSERT ON flow_runs
WHEN NEW.status IN ('succeeded', 'failed')
BEGIN
    INSERT INTO run_minutes (minute, workflow_id, status, runs)
    VALUES (COALESCE(NEW.finished_at, NEW.updated_at) / 60000, NEW.workflow_id, NEW.status, 1)
    ON CONFLICT (minute, workflow_id, status) DO UPDATE SET runs = runs + 1;
END;

CREATE TRIGGER run_minutes_flow_run_ended AFTER UPDATE OF status ON flow_runs
WHEN NEW.status <> OLD.status AND NEW.status IN ('succeeded', 'failed')
BEGIN
    INSERT INTO run_minutes (minute, workflow_id, status, runs)
    VALUES (COALESCE(NEW.finished_at, NEW.updated_at) / 60000, NEW.workflow_id, NEW.status, 1)
    ON CONFLICT (minute, workflow_id, status) DO UPDATE SET runs = runs + 1;
END;

-- As in 0013.
CREATE TABLE flow_run_steps (
    run_id      TEXT    NOT NULL REFERENCES flow_runs (id) ON DELETE CASCADE,
    iteration   TEXT    NOT NULL DEFAULT '',
    block_id    TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('waiting', 'succeeded', 'failed')),
    inputs      TEXT    CHECK (inputs IS NULL OR json_valid(inputs)),
    outputs     TEXT    CHECK (outputs IS NULL OR json_valid(outputs)),
    ports       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(ports)),
    logs        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(logs)),
    error       TEXT,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    due_at      INTEGER,
    PRIMARY KEY (run_id, iteration, block_id)
) WITHOUT ROWID;
INSERT INTO flow_run_steps (run_id, iteration, block_id, status, inputs, outputs, ports, logs, error, started_at, finished_at, due_at)
    SELECT run_id, iteration, block_id, status, inputs, outputs, ports, logs, error, started_at, finished_at, due_at FROM flow_run_steps_kept;
DROP TABLE flow_run_steps_kept;
CREATE INDEX flow_run_steps_iterations ON flow_run_steps (run_id, block_id, status, iteration) WHERE iteration != '';

ALTER TABLE flows ADD COLUMN max_concurrent_runs INTEGER CHECK (max_concurrent_runs IS NULL OR max_concurrent_runs BETWEEN 1 AND 1000);
ALTER TABLE endpoints ADD COLUMN max_per_second INTEGER CHECK (max_per_second IS NULL OR max_per_second BETWEEN 1 AND 10000);
ALTER TABLE endpoints ADD COLUMN max_concurrent INTEGER CHECK (max_concurrent IS NULL OR max_concurrent BETWEEN 1 AND 1000);
