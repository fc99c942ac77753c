-- A material reported with text or a count alone (a plan's `text_only: true`); every other
-- material is a document and needs at least one attached file.
ALTER TABLE materials ADD COLUMN text_only INTEGER NOT NULL DEFAULT 0;
