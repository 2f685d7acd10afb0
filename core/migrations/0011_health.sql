-- Health at a glance (the dashboard and the Endpoints page): per-minute aggregates kept as
-- runs end and deliveries are attempted, so a page view reads a day's worth of small rows
-- through their primary keys and never the runs, flow runs or attempts themselves.

-- Runs (integration and flow runs alike) that reached an outcome, per minute, workflow and
-- outcome. The triggers below keep it: whichever code path records an outcome, the
-- database counts it in the same transaction. (SQLite has no trigger for INSERT OR UPDATE,
-- so each table has one of each, with the same body.)
CREATE TABLE run_minutes (
    -- The minute the outcome was recorded: milliseconds since the epoch / 60000.
    minute      INTEGER NOT NULL,
    workflow_id TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed', 'skipped', 'discarded')),
    runs        INTEGER NOT NULL,
    PRIMARY KEY (minute, workflow_id, status)
) WITHOUT ROWID;

-- An integration run belongs to its alert's form's workflow (as `runs::run_workflow` says).
CREATE TRIGGER run_minutes_run_inserted AFTER INSERT ON runs
WHEN NEW.status IN ('succeeded', 'failed', 'skipped', 'discarded')
BEGIN
    INSERT INTO run_minutes (minute, workflow_id, status, runs)
    SELECT NEW.updated_at / 60000, f.workflow_id, NEW.status, 1
    FROM alerts a JOIN forms f ON f.id = a.form_id WHERE a.event_identifier = NEW.alert_id
    ON CONFLICT (minute, workflow_id, status) DO UPDATE SET runs = runs + 1;
END;

CREATE TRIGGER run_minutes_run_ended AFTER UPDATE OF status ON runs
WHEN NEW.status <> OLD.status AND NEW.status IN ('succeeded', 'failed', 'skipped', 'discarded')
BEGIN
    INSERT INTO run_minutes (minute, workflow_id, status, runs)
    SELECT NEW.updated_at / 60000, f.workflow_id, NEW.status, 1
    FROM alerts a JOIN forms f ON f.id = a.form_id WHERE a.event_identifier = NEW.alert_id
    ON CONFLICT (minute, workflow_id, status) DO UPDATE SET runs = runs + 1;
END;

-- A flow run that is refused (`ops::chains`) is written failed at once.
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

-- The outcomes recorded before this migration, so the charts start with today's history.
INSERT INTO run_minutes (minute, workflow_id, status, runs)
SELECT minute, workflow_id, status, COUNT(*) FROM (
    SELECT r.updated_at / 60000 AS minute, f.workflow_id, r.status
    FROM runs r JOIN alerts a ON a.event_identifier = r.alert_id JOIN forms f ON f.id = a.form_id
    WHERE r.status IN ('succeeded', 'failed', 'skipped', 'discarded')
    UNION ALL
    SELECT COALESCE(finished_at, updated_at) / 60000, workflow_id, status FROM flow_runs WHERE status IN ('succeeded', 'failed')
) GROUP BY minute, workflow_id, status;

-- Webhook delivery attempts to each endpoint, per minute and latency bucket (an index into
-- `outflow_model::dashboard::LATENCY_BOUNDS_MS`; one past its end for slower ones), split
-- by whether the endpoint answered 2xx. Written with the attempt (`store::health`).
CREATE TABLE delivery_minutes (
    endpoint_id TEXT    NOT NULL,
    minute      INTEGER NOT NULL,
    bucket      INTEGER NOT NULL,
    succeeded   INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, minute, bucket)
) WITHOUT ROWID;

-- Each endpoint's latest attempt and latest failure, for "failing endpoints".
CREATE TABLE endpoint_status (
    endpoint_id     TEXT    PRIMARY KEY,
    last_attempt_at INTEGER NOT NULL,
    last_ok         INTEGER NOT NULL CHECK (last_ok IN (0, 1)),
    failed_at       INTEGER,
    failed_run_id   TEXT,
    last_error      TEXT
) WITHOUT ROWID;

-- A deleted endpoint's figures go with it.
CREATE TRIGGER endpoint_health_deleted AFTER DELETE ON endpoints
BEGIN
    DELETE FROM delivery_minutes WHERE endpoint_id = OLD.id;
    DELETE FROM endpoint_status WHERE endpoint_id = OLD.id;
END;
