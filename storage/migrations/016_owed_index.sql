-- The scheduler's read of what is owed on given days, or returned: by plan, state and due day,
-- so a fire reads the rows it decides on instead of every assignment of every open plan.
CREATE INDEX assignments_owed ON assignments(plan_id, state, due_date);
