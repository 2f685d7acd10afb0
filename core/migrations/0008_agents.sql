-- Integration Agents: registered agents, the users allowed to pick each one, and what the
-- runs table needs to route work to agents instead of the cloud worker.

CREATE TABLE agents (
    id                TEXT    PRIMARY KEY,
    name              TEXT    NOT NULL UNIQUE,
    services          TEXT    NOT NULL CHECK (json_valid(services)),
    -- SHA-256 of the agent's token, like API keys; the token itself is shown once.
    token_hash        TEXT    NOT NULL UNIQUE,
    version           TEXT,
    last_heartbeat_at INTEGER,
    created_at        INTEGER NOT NULL
);

-- Users who may select an agent for their integrations (admins may select any).
CREATE TABLE agent_users (
    agent_id TEXT    NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, user_id)
);

-- A queued run is agent work: `agent_targets` (JSON array of agent ids) names the agents
-- that may take it; when NULL, any agent serving `agent_service` may. `agent_id` (already
-- in the table) is the agent that leased it last; `lease_until` its lease.
ALTER TABLE runs ADD COLUMN agent_service TEXT;
ALTER TABLE runs ADD COLUMN agent_targets TEXT CHECK (agent_targets IS NULL OR json_valid(agent_targets));

CREATE INDEX runs_queued ON runs (created_at) WHERE status = 'queued';
