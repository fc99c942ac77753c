-- When each file of a draft arrived: a file sent alone is taken by `/plan import` sent
-- afterwards only within a few minutes (handlers.plan_upload). Rows from before have none.
ALTER TABLE draft_files ADD COLUMN sent_at TEXT;
