-- A bound person's code for another unit, held until they confirm the move (the button carries
-- no code); the invite stays unused until then.
CREATE TABLE pending_binds (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
    invite_id INTEGER NOT NULL REFERENCES invites(id),
    created_at TEXT NOT NULL
);
