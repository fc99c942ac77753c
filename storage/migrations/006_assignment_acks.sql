-- Whether the unit has acknowledged (签收) the material, kept beside the state so /status can
-- tell the unacknowledged units from the index alone instead of joining every row to acks.
ALTER TABLE assignments ADD COLUMN acked INTEGER NOT NULL DEFAULT 0;
UPDATE assignments SET acked = 1 WHERE EXISTS (
    SELECT 1 FROM acks k
    WHERE k.unit_id = assignments.unit_id AND k.material_id = assignments.material_id
    AND k.acked_at IS NOT NULL
);
DROP INDEX assignments_plan;
CREATE INDEX assignments_plan ON assignments(plan_id, unit_id, state, due_at, acked);
