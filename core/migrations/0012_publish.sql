-- Draft and publish: a save writes a new version (the draft); only a published version runs.
-- `published_graph` copies the published version's graph so starting a run reads one row.
-- Every flow that existed before ran what it saved, so its newest version is published.

ALTER TABLE flows ADD COLUMN published_version INTEGER;
ALTER TABLE flows ADD COLUMN published_graph TEXT CHECK (published_graph IS NULL OR json_valid(published_graph));

-- Each time a version was made the running one: by Publish, by Roll back, or by an import.
CREATE TABLE flow_publications (
    flow_id      TEXT    NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    published_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- published, rolled back, imported, upgraded
    note         TEXT    NOT NULL,
    FOREIGN KEY (flow_id, version) REFERENCES flow_versions (flow_id, version) ON DELETE CASCADE
);
CREATE INDEX flow_publications_flow ON flow_publications (flow_id, version);

UPDATE flows SET published_version = version, published_graph = graph;
INSERT INTO flow_publications (flow_id, version, published_at, published_by, note)
    SELECT id, version, updated_at, NULL, 'upgraded' FROM flows;
