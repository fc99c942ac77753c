-- What the WeCom channel sent, kept so that a retry sends a byte-identical request (which
-- WeCom's enable_duplicate_check then drops if the first one did arrive):
-- * media uploaded once (media/upload ids live three days), found by the content's SHA-256;
-- * the task_id of a template card sent recently to a member, found by the card's content;
-- * download links for files over WeCom's 20 MB limit, served by the bot's HTTP server.
CREATE TABLE wecom_media (
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    media_id TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (sha256, kind)
);

CREATE TABLE wecom_card_tasks (
    digest TEXT PRIMARY KEY,
    task_id TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE wecom_downloads (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX wecom_downloads_path ON wecom_downloads (path, size);
