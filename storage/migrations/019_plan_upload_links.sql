-- An upload link is for a report's material or, for a province admin, for a plan notice to
-- import (`/plan import` without a file): `purpose` says which, and a plan link has no
-- material. SQLite cannot drop a NOT NULL in place, so the table is rebuilt (nothing
-- references it).
CREATE TABLE upload_links_new (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    purpose TEXT NOT NULL DEFAULT 'report' CHECK (purpose IN ('report', 'plan')),
    material_id INTEGER REFERENCES materials(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    claimed_at TEXT,
    used_at TEXT,
    files INTEGER,
    CHECK ((purpose = 'report') = (material_id IS NOT NULL))
);

INSERT INTO upload_links_new
    (id, contact_id, unit_id, purpose, material_id, created_at, expires_at, claimed_at,
     used_at, files)
SELECT id, contact_id, unit_id, 'report', material_id, created_at, expires_at, claimed_at,
       used_at, files
FROM upload_links;

DROP TABLE upload_links;

ALTER TABLE upload_links_new RENAME TO upload_links;
