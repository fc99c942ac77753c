-- Small attachments (forms, short PDFs, voice notes) are kept in the database, written in the
-- same statement as their blob row and the same transaction as the report that carries them:
-- no file to create, fsync and rename per report, and a crash can never leave a report
-- pointing at a missing file. A blob with content is complete here; one without is a file at
-- its rel_path under files/. SQLite keeps the bytes on overflow pages, so reading the other
-- columns does not touch them.
ALTER TABLE blobs ADD COLUMN content BLOB;
