-- Outbound integrations: endpoints, integrations, and the durable runs that carry each
-- trigger event to them, with every attempt and log line.

CREATE TABLE endpoints (
    id                TEXT    PRIMARY KEY,
    workflow_id       TEXT    NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL,
    base_url          TEXT    NOT NULL,
    -- The auth settings with secrets masked, for display without decrypting.
    auth_masked       TEXT    NOT NULL CHECK (json_valid(auth_masked)),
    -- The full auth settings, AES-GCM sealed.
    auth_sealed       TEXT    NOT NULL,
    signing_secret    TEXT    NOT NULL,
    trust_self_signed INTEGER NOT NULL DEFAULT 0 CHECK (trust_self_signed IN (0, 1)),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (workflow_id, name)
);

CREATE TABLE integrations (
    id         TEXT    PRIMARY KEY,
    form_id    TEXT    NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    trigger    TEXT    NOT NULL,
    action     TEXT    NOT NULL CHECK (json_valid(action)),
    location   TEXT    NOT NULL CHECK (json_valid(location)),
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (form_id, trigger)
);

-- How far the dispatcher has read the event log; moved in the transaction that creates
-- the runs, so each event becomes its runs exactly once.
CREATE TABLE dispatch_cursor (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_id INTEGER NOT NULL
);
INSERT INTO dispatch_cursor (id, last_event_id) VALUES (1, 0);

CREATE TABLE runs (
    id               TEXT    PRIMARY KEY,
    integration_id   TEXT    REFERENCES integrations (id) ON DELETE SET NULL,
    integration_name TEXT    NOT NULL,
    alert_id         INTEGER NOT NULL REFERENCES alerts (event_identifier) ON DELETE CASCADE,
    event_id         INTEGER REFERENCES events (id),
    trigger          TEXT    NOT NULL,
    payload          TEXT    NOT NULL CHECK (json_valid(payload)),
    webhook_id       TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'skipped', 'queued', 'discarded')),
    reason           TEXT,
    attempt_count    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    lease_until      INTEGER,
    agent_id         TEXT,
    rerun_of         TEXT    REFERENCES runs (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE INDEX runs_due ON runs (next_attempt_at) WHERE status = 'pending';
CREATE INDEX runs_created ON runs (created_at);
CREATE INDEX runs_integration ON runs (integration_id, created_at);
CREATE INDEX runs_alert ON runs (alert_id);

CREATE TABLE run_attempts (
    run_id           TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    number           INTEGER NOT NULL,
    started_at       INTEGER NOT NULL,
    duration_ms      INTEGER NOT NULL,
    url              TEXT,
    status_code      INTEGER,
    response_excerpt TEXT,
    error            TEXT,
    PRIMARY KEY (run_id, number)
);

CREATE TABLE run_logs (
    id     INTEGER PRIMARY KEY,
    run_id TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    at     INTEGER NOT NULL,
    line   TEXT    NOT NULL
);

CREATE INDEX run_logs_run ON run_logs (run_id, id);
