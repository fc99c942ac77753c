-- Progress bulletins (通报): a draft per author until sent, then kept as sent.
CREATE TABLE bulletins (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    scope_unit_id INTEGER REFERENCES units(id),
    author_id INTEGER NOT NULL REFERENCES contacts(id),
    text TEXT NOT NULL,
    remark TEXT,
    groups INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX bulletins_author ON bulletins(author_id, sent_at);
CREATE INDEX bulletins_sent ON bulletins(sent_at)
