-- A bureau runs several plans at once. Each has a lifecycle instead of one "active" flag:
-- draft (imported, admins only) -> published (owed, reminded) -> closed (history only).
-- Plans that were active stay published; the ones an import had deactivated are closed.
ALTER TABLE plans ADD COLUMN state TEXT NOT NULL DEFAULT 'draft';
UPDATE plans SET state = CASE WHEN active = 1 THEN 'published' ELSE 'closed' END;
-- The prefix that makes a material code unambiguous across plans (`fw-2.1`).
ALTER TABLE plans ADD COLUMN short TEXT;
-- 'plan' (imported from a file) or 'assignment' (an ad-hoc 交办 made in chat).
ALTER TABLE plans ADD COLUMN kind TEXT NOT NULL DEFAULT 'plan';
-- Who issued it: the root bureau for imported plans, the assigning unit for a 交办.
ALTER TABLE plans ADD COLUMN issuer_unit_id INTEGER REFERENCES units(id);
ALTER TABLE plans ADD COLUMN created_by INTEGER REFERENCES contacts(id);
ALTER TABLE plans ADD COLUMN published_at TEXT;
ALTER TABLE plans ADD COLUMN closed_at TEXT;
CREATE INDEX plans_state ON plans(state);

-- The plan an admin last named: the default of the next command that takes a plan.
CREATE TABLE plan_focus (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
    plan_id INTEGER NOT NULL REFERENCES plans(id)
);
