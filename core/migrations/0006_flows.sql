-- Flows (SPEC §6): a form's graphs of blocks and edges, and every saved version of each.
-- The current graph is kept on the flow for fast reads; `flow_versions` is the history.

CREATE TABLE flows (
    id         TEXT    PRIMARY KEY,
    form_id    TEXT    NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    -- The newest version; a save names the version it was edited from and must match it.
    version    INTEGER NOT NULL,
    -- {"blocks": [...], "edges": [...]} in the export format.
    graph      TEXT    NOT NULL CHECK (json_valid(graph)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (form_id, name)
);

CREATE TABLE flow_versions (
    flow_id    TEXT    NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    graph      TEXT    NOT NULL CHECK (json_valid(graph)),
    blocks     INTEGER NOT NULL,
    edges      INTEGER NOT NULL,
    saved_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- created, saved, imported, restored from N
    note       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (flow_id, version)
);
