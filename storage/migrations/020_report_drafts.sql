-- A report draft stays open while files keep coming (WeCom sends each photo on its own) and
-- closes by itself after a quiet while (handlers.report_drafts): touched_at is its last
-- activity. report_id marks a draft that adds files to a report awaiting review (`/append`).
ALTER TABLE drafts ADD COLUMN touched_at TEXT;
ALTER TABLE drafts ADD COLUMN report_id INTEGER REFERENCES reports(id);
UPDATE drafts SET touched_at = started_at;
CREATE INDEX drafts_touched ON drafts(touched_at);
