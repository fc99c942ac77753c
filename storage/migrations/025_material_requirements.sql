-- What a material's report must be (报送要求: 加盖公章的PDF;照片不少于3张), as the plan file
-- says it, and the blank forms (模板) it comes with: files kept in the attachment store like
-- any report's, linked here in the plan file's order. `path` is the file as the plan file
-- names it, relative to it, so that an export writes it back where it was.
ALTER TABLE materials ADD COLUMN requirement TEXT;
CREATE TABLE material_templates (
    id INTEGER PRIMARY KEY,
    material_id INTEGER NOT NULL REFERENCES materials(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    mime TEXT,
    size INTEGER NOT NULL,
    UNIQUE (material_id, seq)
);
