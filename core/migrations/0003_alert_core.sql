-- The alerting core: forms, devices, groups, alerts, notifications, responses, comments,
-- escalation state, and the activity event log every integration and flow consumes.

CREATE TABLE forms (
    id          TEXT    PRIMARY KEY,
    workflow_id TEXT    NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    properties  TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(properties)),
    responses   TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(responses)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (workflow_id, name)
);

CREATE TABLE devices (
    id            TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('email', 'sms', 'voice', 'push', 'webhook')),
    address       TEXT    NOT NULL,
    delay_seconds INTEGER NOT NULL DEFAULT 0 CHECK (delay_seconds >= 0),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    test_outcome  TEXT    NOT NULL DEFAULT 'delivered' CHECK (test_outcome IN ('delivered', 'failed')),
    created_at    INTEGER NOT NULL,
    UNIQUE (user_id, name)
);

CREATE TABLE groups (
    id                 INTEGER PRIMARY KEY,
    target_name        TEXT    NOT NULL UNIQUE,
    escalation_seconds INTEGER NOT NULL CHECK (escalation_seconds >= 0),
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at         INTEGER NOT NULL
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, position)
);

CREATE TABLE alerts (
    event_identifier  INTEGER PRIMARY KEY AUTOINCREMENT,
    form_id           TEXT    NOT NULL REFERENCES forms (id),
    properties        TEXT    NOT NULL CHECK (json_valid(properties)),
    recipients        TEXT    NOT NULL CHECK (json_valid(recipients)),
    priority          TEXT    NOT NULL CHECK (priority IN ('LOW', 'MEDIUM', 'HIGH')),
    status            TEXT    NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'TERMINATED')),
    initiator_user_id INTEGER REFERENCES users (id),
    assignee_user_id  INTEGER REFERENCES users (id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

CREATE INDEX alerts_created ON alerts (created_at);
CREATE INDEX alerts_form ON alerts (form_id, created_at);

-- Which member of each targeted group is being notified, and when the next one is due.
CREATE TABLE alert_groups (
    alert_id    INTEGER NOT NULL REFERENCES alerts (event_identifier) ON DELETE CASCADE,
    group_id    INTEGER NOT NULL REFERENCES groups (id),
    position    INTEGER NOT NULL,
    escalate_at INTEGER,
    PRIMARY KEY (alert_id, group_id)
);

CREATE INDEX alert_groups_due ON alert_groups (escalate_at) WHERE escalate_at IS NOT NULL;

-- One per recipient user per device. Device name and id are copied so history survives
-- a device being renamed or removed.
CREATE TABLE notifications (
    id           TEXT    PRIMARY KEY,
    alert_id     INTEGER NOT NULL REFERENCES alerts (event_identifier) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    device_id    TEXT    NOT NULL,
    device_name  TEXT    NOT NULL,
    group_id     INTEGER REFERENCES groups (id),
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
    message      TEXT,
    due_at       INTEGER NOT NULL,
    lease_until  INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    completed_at INTEGER
);

CREATE INDEX notifications_alert ON notifications (alert_id);
CREATE INDEX notifications_due ON notifications (due_at) WHERE status = 'pending';

CREATE TABLE responses (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER NOT NULL REFERENCES alerts (event_identifier) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    device_name TEXT,
    choice      TEXT    NOT NULL,
    annotation  TEXT,
    created_at  INTEGER NOT NULL
);

CREATE INDEX responses_alert ON responses (alert_id);

CREATE TABLE comments (
    id             INTEGER PRIMARY KEY,
    alert_id       INTEGER NOT NULL REFERENCES alerts (event_identifier) ON DELETE CASCADE,
    author_user_id INTEGER NOT NULL REFERENCES users (id),
    text           TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE INDEX comments_alert ON comments (alert_id);

-- The activity event log: one row per trigger event, written in the same transaction as
-- the change that caused it. `fields` holds the trigger's own payload fields (SPEC §3).
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id   INTEGER NOT NULL REFERENCES alerts (event_identifier) ON DELETE CASCADE,
    trigger    TEXT    NOT NULL CHECK (trigger IN ('status', 'comment', 'escalation', 'delivery', 'response', 'responses', 'recipient_failure')),
    fields     TEXT    NOT NULL CHECK (json_valid(fields)),
    created_at INTEGER NOT NULL
);

CREATE INDEX events_alert ON events (alert_id, id);
