-- Who posted a comment or response when it differs from its author/recipient ("X on behalf
-- of Y": an admin, or a script or flow acting for a user). NULL: the author posted it.
ALTER TABLE comments ADD COLUMN posted_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE responses ADD COLUMN posted_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
-- How many flows or scripts, each starting the next (through an alert it created or a call
-- into Outflow), led to this alert or flow run: 0 when a person started it. Bounded by
-- `ops::chains`.
ALTER TABLE alerts ADD COLUMN chain_depth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flow_runs ADD COLUMN chain_depth INTEGER NOT NULL DEFAULT 0;
CREATE INDEX flow_runs_chained ON flow_runs (flow_id, created_at) WHERE chain_depth > 0;
-- Who last saved an integration: a script's delegated rights never exceed theirs.
ALTER TABLE integrations ADD COLUMN saved_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
