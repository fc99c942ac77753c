-- Scheduled pushes: per-contact reminder settings, 签收 (acknowledgements), job marks, urging.

-- A contact's own reminder settings; no row means the plan's defaults.
CREATE TABLE reminder_prefs (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
    enabled INTEGER NOT NULL DEFAULT 1,
    at_time TEXT,
    away_from TEXT,
    away_to TEXT,
    updated_at TEXT NOT NULL
);

-- 签收: one row per unit x material once announced (noticed_on, a local day) or acknowledged.
CREATE TABLE acks (
    unit_id INTEGER NOT NULL REFERENCES units(id),
    material_id INTEGER NOT NULL REFERENCES materials(id),
    noticed_on TEXT,
    acked_at TEXT,
    acked_by INTEGER REFERENCES contacts(id),
    PRIMARY KEY (unit_id, material_id)
);

-- The last fire time each scheduled job has been run up to, committed with what it queued.
CREATE TABLE schedule_marks (
    job TEXT PRIMARY KEY,
    fired_at TEXT NOT NULL
);

-- 催办: who urged which unit, when, about what.
CREATE TABLE urges (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    by_contact INTEGER REFERENCES contacts(id),
    at TEXT NOT NULL,
    codes TEXT NOT NULL DEFAULT '[]',
    message TEXT
);
CREATE INDEX urges_unit ON urges(unit_id, at);

CREATE INDEX outbox_created ON outbox(created_at);

-- An urging that waits for the admin's confirmation (the same unit was urged within the hour).
CREATE TABLE pending_urges (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
    args TEXT NOT NULL,
    created_at TEXT NOT NULL
);
