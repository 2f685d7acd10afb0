-- Workflows: the containers of forms, endpoints, integrations and flows.
CREATE TABLE workflows (
    id            TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    owner_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL
);
