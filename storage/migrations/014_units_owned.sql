-- Units belong to the bureau, not to a plan: managed on their own (`units import`, `/unit`).
-- A retired unit keeps its history (assignments, reports, contacts) but is offered for nothing new.
ALTER TABLE units ADD COLUMN retired_at TEXT;
-- The official order among units with the same parent, as the bureau gives it (a unit file's
-- `sort`). `sort` becomes the position in the whole tree (parents first, then `seq`), derived
-- from it on every change, so every listing that orders by `sort` follows the official order.
ALTER TABLE units ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE units SET seq = sort;

-- Raised by every change to a unit, whoever makes it (an import, a chat command, another
-- process): a process keeps its copy of the tree until the number moves.
CREATE TABLE unit_revision (n INTEGER NOT NULL);
INSERT INTO unit_revision (n) VALUES (0);
CREATE TRIGGER units_revision_on_insert AFTER INSERT ON units BEGIN
    UPDATE unit_revision SET n = n + 1; END;
CREATE TRIGGER units_revision_on_update AFTER UPDATE ON units BEGIN
    UPDATE unit_revision SET n = n + 1; END;
CREATE TRIGGER units_revision_on_delete AFTER DELETE ON units BEGIN
    UPDATE unit_revision SET n = n + 1; END;
