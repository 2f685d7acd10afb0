-- For Each (issue 20): a step inside a loop runs once per item, so a step record is keyed
-- by the iteration too: one item index per loop around the block, outermost first, joined
-- by '/' ('' outside every loop). Rebuilt because the key changes; records copy over as
-- the root iteration.

CREATE TABLE flow_run_steps_new (
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

INSERT INTO flow_run_steps_new (run_id, iteration, block_id, status, inputs, outputs, ports, logs, error, started_at, finished_at, due_at)
    SELECT run_id, '', block_id, status, inputs, outputs, ports, logs, error, started_at, finished_at, due_at FROM flow_run_steps;
DROP TABLE flow_run_steps;
ALTER TABLE flow_run_steps_new RENAME TO flow_run_steps;

-- The run page counts each block's iterations and lists the failed ones without reading
-- the records themselves.
CREATE INDEX flow_run_steps_iterations ON flow_run_steps (run_id, block_id, status, iteration) WHERE iteration != '';
