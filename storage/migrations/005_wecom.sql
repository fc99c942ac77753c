-- WeCom (企业微信) channel and the signed upload page.

-- Group robots registered with /subscribe_webhook: the key is a secret, never echoed or logged.
CREATE TABLE wecom_robots (
    id INTEGER PRIMARY KEY,
    webhook_key TEXT NOT NULL UNIQUE,
    title TEXT,
    created_by INTEGER REFERENCES contacts(id),
    created_at TEXT NOT NULL
);

-- A WeCom user's report command and media, held for a short window and then handled together,
-- because WeCom delivers each picture as its own message. Media are already in the file store.
CREATE TABLE wecom_batch (
    id INTEGER PRIMARY KEY,
    user_ref TEXT NOT NULL,
    msg_key TEXT NOT NULL UNIQUE,
    text TEXT,
    sha256 TEXT,
    name TEXT,
    mime TEXT,
    size INTEGER,
    received_at TEXT NOT NULL
);
CREATE INDEX wecom_batch_user ON wecom_batch(user_ref, id);

-- Numbered choices last shown to a WeCom user, when there were more than a card holds.
CREATE TABLE wecom_choices (
    user_ref TEXT NOT NULL,
    position INTEGER NOT NULL,
    action TEXT NOT NULL,
    PRIMARY KEY (user_ref, position)
);

-- One-time upload links, bound to a contact, a unit and a material; the URL carries an HMAC.
CREATE TABLE upload_links (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    material_id INTEGER NOT NULL REFERENCES materials(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    claimed_at TEXT,
    used_at TEXT,
    files INTEGER
);

-- The signing key for upload links when BOT_UPLOAD_SECRET is not set: made once, kept.
CREATE TABLE upload_keys (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL
);
