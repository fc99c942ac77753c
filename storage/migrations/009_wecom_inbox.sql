-- WeCom callbacks answered 200 but not yet handled. WeCom never resends a callback it got
-- a 200 for, so each is written here before answering, crossed off once handled, and
-- replayed at the next start if a crash came between (the processed keys stop a second effect).
CREATE TABLE wecom_inbox (
    id INTEGER PRIMARY KEY,
    msg_key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL
);
