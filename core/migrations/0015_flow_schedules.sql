-- The Schedule trigger (issue 20): per schedule trigger block of a flow, the last due time
-- handled (fired or skipped). The scheduler advances it with a compare-and-set in the same
-- transaction that creates that due time's run, so neither a crash nor a second server fires
-- a due time twice or loses one. `fingerprint` is the cron and time zone it was armed with:
-- when the published schedule changes it is armed anew from that moment (no burst of old
-- times); turning the flow off deletes its rows, so turning it on again starts afresh.
--
-- A schedule's runs are stored with started_by 'trigger' and trigger 'schedule' (0009's CHECK
-- lists the other ways a run starts, and changing it would mean rebuilding flow_runs) and are
-- read back as started by the schedule.
CREATE TABLE flow_schedules (
    flow_id     TEXT    NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    block_id    TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    last_due    INTEGER NOT NULL,
    PRIMARY KEY (flow_id, block_id)
) WITHOUT ROWID;
