-- Restart from a step (issue 20): a run restarted from a step names the run it restarts and
-- that step, and the first run of its chain of restarts, whose id names every Webhook
-- step's Idempotency-Key (the same across restarts). The records it reuses are copied.

ALTER TABLE flow_runs ADD COLUMN restart_of TEXT REFERENCES flow_runs (id) ON DELETE SET NULL;
ALTER TABLE flow_runs ADD COLUMN restart_from TEXT;
ALTER TABLE flow_runs ADD COLUMN restart_origin TEXT;

-- A run page lists the runs that restart it.
CREATE INDEX flow_runs_restarts ON flow_runs (restart_of) WHERE restart_of IS NOT NULL;
