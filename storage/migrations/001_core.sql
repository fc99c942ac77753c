CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    short_name TEXT,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES units(id),
    region_id INTEGER REFERENCES units(id),
    path TEXT NOT NULL,
    sort INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX units_path ON units(path);

CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    document TEXT,
    issued_on TEXT,
    notes TEXT NOT NULL DEFAULT '[]',
    reminders TEXT NOT NULL DEFAULT '{}',
    assessment TEXT NOT NULL DEFAULT '{}',
    active INTEGER NOT NULL DEFAULT 1,
    imported_at TEXT NOT NULL,
    UNIQUE (code, year)
);

CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    no INTEGER NOT NULL,
    title TEXT NOT NULL,
    UNIQUE (plan_id, no)
);

CREATE TABLE materials (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    deadline_expr TEXT NOT NULL,
    deadline_kind TEXT NOT NULL,
    window_start TEXT,
    due_date TEXT,
    targets TEXT NOT NULL DEFAULT '{}',
    target_unit TEXT,
    applies_to TEXT NOT NULL,
    sort INTEGER NOT NULL,
    UNIQUE (plan_id, code)
);

-- One row per unit x material. State and effective due date are kept here,
-- updated in the same transaction as every report or decision, so listings
-- never have to re-derive them from the report history.
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    material_id INTEGER NOT NULL REFERENCES materials(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    state TEXT NOT NULL DEFAULT 'not_submitted',
    due_date TEXT,
    due_at TEXT,
    na_reason TEXT,
    last_report_id INTEGER,
    submitted_at TEXT,
    reported_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (material_id, unit_id)
);
CREATE INDEX assignments_unit ON assignments(unit_id, plan_id);
-- Covers the per-unit status counts, so /status over thousands of units reads only the index.
CREATE INDEX assignments_plan ON assignments(plan_id, unit_id, state, due_at);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    user_ref TEXT NOT NULL,
    display_name TEXT,
    unit_id INTEGER REFERENCES units(id),
    role TEXT,
    locale TEXT,
    unreachable INTEGER NOT NULL DEFAULT 0,
    bound_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (channel, user_ref)
);
CREATE INDEX contacts_unit ON contacts(unit_id);

CREATE TABLE invites (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    role TEXT NOT NULL,
    created_by INTEGER REFERENCES contacts(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    used_by INTEGER REFERENCES contacts(id)
);

CREATE TABLE bind_failures (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    user_ref TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX bind_failures_who ON bind_failures(channel, user_ref, at);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    rel_path TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    contact_id INTEGER REFERENCES contacts(id),
    count INTEGER,
    note TEXT,
    status TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    reviewed_at TEXT,
    reviewer_id INTEGER REFERENCES contacts(id),
    return_reason TEXT,
    source_key TEXT UNIQUE
);
CREATE INDEX reports_assignment ON reports(assignment_id, id);
CREATE INDEX reports_status ON reports(status);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    name TEXT NOT NULL,
    mime TEXT,
    size INTEGER NOT NULL
);
CREATE INDEX attachments_report ON attachments(report_id);

-- A report being put together over several messages (phone flow).
CREATE TABLE drafts (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
    material_id INTEGER REFERENCES materials(id),
    count INTEGER,
    note TEXT,
    started_at TEXT NOT NULL
);

CREATE TABLE draft_files (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES drafts(contact_id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    name TEXT NOT NULL,
    mime TEXT,
    size INTEGER NOT NULL
);

CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    contact_id INTEGER REFERENCES contacts(id),
    reason TEXT NOT NULL,
    new_due_date TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at TEXT NOT NULL,
    decided_by INTEGER REFERENCES contacts(id),
    decided_at TEXT,
    refuse_reason TEXT
);
CREATE INDEX requests_status ON requests(status);

CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    chat_ref TEXT NOT NULL,
    title TEXT,
    subscribed INTEGER NOT NULL DEFAULT 0,
    subscribed_by INTEGER REFERENCES contacts(id),
    events INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel, chat_ref)
);

-- Every push to a person or a group: written in the transaction that decided it.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idem_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    chat_ref TEXT NOT NULL,
    contact_id INTEGER REFERENCES contacts(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_queue ON outbox(status, channel, not_before);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES contacts(id),
    action TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    subject TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_unit ON audit(unit_id, at);

-- Inbound messages already handled, keyed per channel (update ids, MsgIds).
CREATE TABLE processed (
    channel TEXT NOT NULL,
    key TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (channel, key)
);

-- A question the bot asked (e.g. the reason for a return): the next plain text answers it.
CREATE TABLE prompts (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
    action TEXT NOT NULL,
    created_at TEXT NOT NULL
);
