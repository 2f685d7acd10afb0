-- Sign-in, workflow membership and the audit log.

-- Browser sessions. Only a digest of the cookie value is kept, like API keys.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One-time links that let a user set a password (the first admin's, printed at start).
CREATE TABLE password_links (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

-- Who may work on a workflow besides admins. The owner is added as a member on creation.
CREATE TABLE workflow_members (
    workflow_id TEXT    NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (workflow_id, user_id)
);
INSERT INTO workflow_members (workflow_id, user_id)
    SELECT id, owner_user_id FROM workflows WHERE owner_user_id IS NOT NULL;

-- Who created, changed or deleted which object, with a diff of its non-secret fields.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_name  TEXT    NOT NULL,
    action      TEXT    NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    object_kind TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    object_name TEXT    NOT NULL,
    changes     TEXT    NOT NULL CHECK (json_valid(changes))
);
CREATE INDEX audit_log_at ON audit_log (at);
