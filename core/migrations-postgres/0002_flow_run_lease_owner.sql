-- Which instance holds a running flow run's lease (the `Store`'s instance name). Leases
-- are now short and renewed while a run executes; a process whose lease ran out and was
-- taken by another instance may no longer record the run's steps, so a run is executed by
-- one process at a time even when a step outlasts the lease.
ALTER TABLE flow_runs ADD COLUMN lease_owner TEXT;
