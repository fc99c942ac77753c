-- Telegram updates received but not yet fully handled: replayed after a crash,
-- because Telegram forgets an update once the next getUpdates confirms it.
CREATE TABLE telegram_inbox (
    update_id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL
);

-- Button actions too long for Telegram's 64-byte callback_data, under a short token.
CREATE TABLE telegram_callbacks (
    token TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    created_at TEXT NOT NULL
);
