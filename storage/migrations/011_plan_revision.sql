-- Counts replacements of a plan in place (`plan import --replace`): caches of a plan's
-- materials and units are keyed by (plan id, revision), so every process sees the new ones.
ALTER TABLE plans ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
