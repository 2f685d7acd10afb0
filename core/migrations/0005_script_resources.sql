-- What scripts of a workflow share: named constants (`constants['Name']`) and libraries
-- (`require('Name')`).
CREATE TABLE constants (
    id          TEXT    PRIMARY KEY,
    workflow_id TEXT    NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (workflow_id, name)
);

CREATE TABLE libraries (
    id          TEXT    PRIMARY KEY,
    workflow_id TEXT    NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    script      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (workflow_id, name)
);
