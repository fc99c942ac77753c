-- Progress that does not grow with the province: each unit's counts over a plan, and the plan's
-- over every unit, kept by the database in the same transaction as every change to an
-- assignment (whichever statement makes it: a report, a review, an import, a date moved, a
-- 签收), so `/status` reads one page of ready rows and its header one row instead of a GROUP BY
-- over every assignment. Overdue depends on the clock, so it is not counted here: `first_due`
-- (the earliest due time among what the unit still owes) says whether a unit is late now, and
-- the late assignments are counted only for the units shown. `plan_due` counts what is owed by
-- due time, and `plan_first_due` the units by their earliest due time, so the assignments and
-- the units overdue in a whole plan are each a sum over a few due times.
CREATE TABLE unit_progress (
    plan_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,  -- accepted
    pending INTEGER NOT NULL DEFAULT 0,
    returned INTEGER NOT NULL DEFAULT 0,
    not_applicable INTEGER NOT NULL DEFAULT 0,
    outstanding INTEGER NOT NULL DEFAULT 0,  -- not submitted or returned
    first_due TEXT,  -- the earliest due_at among the outstanding ones
    unacked INTEGER NOT NULL DEFAULT 0,  -- not acknowledged (签收) yet
    PRIMARY KEY (plan_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX unit_progress_late ON unit_progress(plan_id, first_due);
-- The units yet to 签收 a plan, without reading those that have.
CREATE INDEX unit_progress_unacked ON unit_progress(plan_id, unit_id) WHERE unacked > 0;

CREATE TABLE plan_progress (
    plan_id INTEGER PRIMARY KEY,
    units INTEGER NOT NULL DEFAULT 0,  -- units with something in the plan
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    pending INTEGER NOT NULL DEFAULT 0,
    returned INTEGER NOT NULL DEFAULT 0,
    not_applicable INTEGER NOT NULL DEFAULT 0,
    outstanding INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE plan_due (
    plan_id INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    outstanding INTEGER NOT NULL,
    PRIMARY KEY (plan_id, due_at)
) WITHOUT ROWID;

CREATE TABLE plan_first_due (
    plan_id INTEGER NOT NULL,
    first_due TEXT NOT NULL,
    units INTEGER NOT NULL,
    PRIMARY KEY (plan_id, first_due)
) WITHOUT ROWID;

-- Whether a unit behind with its 签收 has anyone to ask, from the index alone.
CREATE INDEX contacts_unit_role ON contacts(unit_id, role);

-- A page of /status walks the units in the official order (`sort`) and stops at its end.
CREATE INDEX units_sort ON units(sort, id);

INSERT INTO unit_progress (plan_id, unit_id, total, done, pending, returned, not_applicable,
    outstanding, first_due, unacked)
SELECT plan_id, unit_id, COUNT(*), SUM(state = 'accepted'), SUM(state = 'pending'),
    SUM(state = 'returned'), SUM(state = 'not_applicable'),
    SUM(state IN ('not_submitted', 'returned')),
    MIN(CASE WHEN state IN ('not_submitted', 'returned') THEN due_at END), SUM(acked = 0)
FROM assignments GROUP BY plan_id, unit_id;

INSERT INTO plan_progress
    (plan_id, units, total, done, pending, returned, not_applicable, outstanding)
SELECT plan_id, COUNT(*), SUM(total), SUM(done), SUM(pending), SUM(returned),
    SUM(not_applicable), SUM(outstanding)
FROM unit_progress GROUP BY plan_id;

INSERT INTO plan_due (plan_id, due_at, outstanding)
SELECT plan_id, due_at, COUNT(*) FROM assignments
WHERE state IN ('not_submitted', 'returned') AND due_at IS NOT NULL GROUP BY plan_id, due_at;

INSERT INTO plan_first_due (plan_id, first_due, units)
SELECT plan_id, first_due, COUNT(*) FROM unit_progress
WHERE first_due IS NOT NULL GROUP BY plan_id, first_due;

-- The plan's rows follow its units' rows.
CREATE TRIGGER unit_progress_to_plan_on_insert AFTER INSERT ON unit_progress BEGIN
    INSERT INTO plan_progress
        (plan_id, units, total, done, pending, returned, not_applicable, outstanding)
    VALUES (NEW.plan_id, 1, NEW.total, NEW.done, NEW.pending, NEW.returned,
        NEW.not_applicable, NEW.outstanding)
    ON CONFLICT (plan_id) DO UPDATE SET units = units + 1, total = total + excluded.total,
        done = done + excluded.done, pending = pending + excluded.pending,
        returned = returned + excluded.returned,
        not_applicable = not_applicable + excluded.not_applicable,
        outstanding = outstanding + excluded.outstanding;
    INSERT INTO plan_first_due (plan_id, first_due, units)
    SELECT NEW.plan_id, NEW.first_due, 1 WHERE NEW.first_due IS NOT NULL
    ON CONFLICT (plan_id, first_due) DO UPDATE SET units = units + 1; END;

CREATE TRIGGER unit_progress_to_plan_on_update AFTER UPDATE OF
    total, done, pending, returned, not_applicable, outstanding ON unit_progress BEGIN
    UPDATE plan_progress SET total = total + NEW.total - OLD.total,
        done = done + NEW.done - OLD.done, pending = pending + NEW.pending - OLD.pending,
        returned = returned + NEW.returned - OLD.returned,
        not_applicable = not_applicable + NEW.not_applicable - OLD.not_applicable,
        outstanding = outstanding + NEW.outstanding - OLD.outstanding
    WHERE plan_id = NEW.plan_id; END;

CREATE TRIGGER unit_progress_to_plan_on_delete AFTER DELETE ON unit_progress BEGIN
    UPDATE plan_progress SET units = units - 1, total = total - OLD.total,
        done = done - OLD.done, pending = pending - OLD.pending,
        returned = returned - OLD.returned, not_applicable = not_applicable - OLD.not_applicable,
        outstanding = outstanding - OLD.outstanding
    WHERE plan_id = OLD.plan_id;
    DELETE FROM plan_progress WHERE plan_id = OLD.plan_id AND units = 0;
    UPDATE plan_first_due SET units = units - 1
    WHERE plan_id = OLD.plan_id AND first_due = OLD.first_due;
    DELETE FROM plan_first_due WHERE plan_id = OLD.plan_id AND first_due = OLD.first_due
        AND units = 0; END;

CREATE TRIGGER unit_progress_first_due_on_update AFTER UPDATE OF first_due ON unit_progress
    WHEN OLD.first_due IS NOT NEW.first_due BEGIN
    UPDATE plan_first_due SET units = units - 1
    WHERE plan_id = OLD.plan_id AND first_due = OLD.first_due;
    DELETE FROM plan_first_due WHERE plan_id = OLD.plan_id AND first_due = OLD.first_due
        AND units = 0;
    INSERT INTO plan_first_due (plan_id, first_due, units)
    SELECT NEW.plan_id, NEW.first_due, 1 WHERE NEW.first_due IS NOT NULL
    ON CONFLICT (plan_id, first_due) DO UPDATE SET units = units + 1; END;

-- A new assignment adds itself to its unit's row; its due time can only lower `first_due`.
CREATE TRIGGER assignments_progress_on_insert AFTER INSERT ON assignments BEGIN
    INSERT INTO unit_progress (plan_id, unit_id, total, done, pending, returned, not_applicable,
        outstanding, first_due, unacked)
    VALUES (NEW.plan_id, NEW.unit_id, 1, NEW.state = 'accepted', NEW.state = 'pending',
        NEW.state = 'returned', NEW.state = 'not_applicable',
        NEW.state IN ('not_submitted', 'returned'),
        CASE WHEN NEW.state IN ('not_submitted', 'returned') THEN NEW.due_at END, NEW.acked = 0)
    ON CONFLICT (plan_id, unit_id) DO UPDATE SET total = total + 1,
        unacked = unacked + excluded.unacked,
        done = done + excluded.done, pending = pending + excluded.pending,
        returned = returned + excluded.returned,
        not_applicable = not_applicable + excluded.not_applicable,
        outstanding = outstanding + excluded.outstanding,
        first_due = CASE WHEN first_due IS NULL OR excluded.first_due < first_due
            THEN COALESCE(excluded.first_due, first_due) ELSE first_due END;
    INSERT INTO plan_due (plan_id, due_at, outstanding)
    SELECT NEW.plan_id, NEW.due_at, 1
    WHERE NEW.state IN ('not_submitted', 'returned') AND NEW.due_at IS NOT NULL
    ON CONFLICT (plan_id, due_at) DO UPDATE SET outstanding = outstanding + 1; END;

-- A change that matters is the old assignment leaving its row and the new one joining its
-- row (the same row, unless it moved to another unit or plan); `first_due` is read again from
-- the few assignments of those rows (assignments_plan covers it).
CREATE TRIGGER assignments_progress_on_update
    AFTER UPDATE OF state, due_at, unit_id, plan_id ON assignments
    WHEN OLD.state IS NOT NEW.state OR OLD.due_at IS NOT NEW.due_at
        OR OLD.unit_id IS NOT NEW.unit_id OR OLD.plan_id IS NOT NEW.plan_id BEGIN
    INSERT INTO unit_progress (plan_id, unit_id) VALUES (NEW.plan_id, NEW.unit_id)
    ON CONFLICT (plan_id, unit_id) DO NOTHING;
    UPDATE unit_progress SET
        total = total + (plan_id = NEW.plan_id AND unit_id = NEW.unit_id)
            - (plan_id = OLD.plan_id AND unit_id = OLD.unit_id),
        done = done + (plan_id = NEW.plan_id AND unit_id = NEW.unit_id
                AND NEW.state = 'accepted')
            - (plan_id = OLD.plan_id AND unit_id = OLD.unit_id AND OLD.state = 'accepted'),
        pending = pending + (plan_id = NEW.plan_id AND unit_id = NEW.unit_id
                AND NEW.state = 'pending')
            - (plan_id = OLD.plan_id AND unit_id = OLD.unit_id AND OLD.state = 'pending'),
        returned = returned + (plan_id = NEW.plan_id AND unit_id = NEW.unit_id
                AND NEW.state = 'returned')
            - (plan_id = OLD.plan_id AND unit_id = OLD.unit_id AND OLD.state = 'returned'),
        not_applicable = not_applicable + (plan_id = NEW.plan_id AND unit_id = NEW.unit_id
                AND NEW.state = 'not_applicable')
            - (plan_id = OLD.plan_id AND unit_id = OLD.unit_id
                AND OLD.state = 'not_applicable'),
        outstanding = outstanding + (plan_id = NEW.plan_id AND unit_id = NEW.unit_id
                AND NEW.state IN ('not_submitted', 'returned'))
            - (plan_id = OLD.plan_id AND unit_id = OLD.unit_id
                AND OLD.state IN ('not_submitted', 'returned')),
        unacked = unacked + (plan_id = NEW.plan_id AND unit_id = NEW.unit_id AND NEW.acked = 0)
            - (plan_id = OLD.plan_id AND unit_id = OLD.unit_id AND OLD.acked = 0),
        first_due = (SELECT MIN(a.due_at) FROM assignments a
            WHERE a.plan_id = unit_progress.plan_id AND a.unit_id = unit_progress.unit_id
            AND a.state IN ('not_submitted', 'returned'))
    WHERE (plan_id = NEW.plan_id AND unit_id = NEW.unit_id)
        OR (plan_id = OLD.plan_id AND unit_id = OLD.unit_id);
    DELETE FROM unit_progress WHERE plan_id = OLD.plan_id AND unit_id = OLD.unit_id
        AND total = 0;
    UPDATE plan_due SET outstanding = outstanding - 1
    WHERE plan_id = OLD.plan_id AND due_at = OLD.due_at
        AND OLD.state IN ('not_submitted', 'returned');
    DELETE FROM plan_due WHERE plan_id = OLD.plan_id AND due_at = OLD.due_at
        AND outstanding = 0;
    INSERT INTO plan_due (plan_id, due_at, outstanding)
    SELECT NEW.plan_id, NEW.due_at, 1
    WHERE NEW.state IN ('not_submitted', 'returned') AND NEW.due_at IS NOT NULL
    ON CONFLICT (plan_id, due_at) DO UPDATE SET outstanding = outstanding + 1; END;

CREATE TRIGGER assignments_progress_on_delete AFTER DELETE ON assignments BEGIN
    UPDATE unit_progress SET total = total - 1, done = done - (OLD.state = 'accepted'),
        pending = pending - (OLD.state = 'pending'),
        returned = returned - (OLD.state = 'returned'),
        not_applicable = not_applicable - (OLD.state = 'not_applicable'),
        outstanding = outstanding - (OLD.state IN ('not_submitted', 'returned')),
        unacked = unacked - (OLD.acked = 0),
        first_due = (SELECT MIN(a.due_at) FROM assignments a
            WHERE a.plan_id = OLD.plan_id AND a.unit_id = OLD.unit_id
            AND a.state IN ('not_submitted', 'returned'))
    WHERE plan_id = OLD.plan_id AND unit_id = OLD.unit_id;
    DELETE FROM unit_progress WHERE plan_id = OLD.plan_id AND unit_id = OLD.unit_id
        AND total = 0;
    UPDATE plan_due SET outstanding = outstanding - 1
    WHERE plan_id = OLD.plan_id AND due_at = OLD.due_at
        AND OLD.state IN ('not_submitted', 'returned');
    DELETE FROM plan_due WHERE plan_id = OLD.plan_id AND due_at = OLD.due_at
        AND outstanding = 0; END;

-- 签收 alone (the common change: a unit acknowledging a whole plan) moves one number.
CREATE TRIGGER assignments_progress_on_ack AFTER UPDATE OF acked ON assignments
    WHEN OLD.acked IS NOT NEW.acked AND OLD.state IS NEW.state AND OLD.due_at IS NEW.due_at
        AND OLD.unit_id IS NEW.unit_id AND OLD.plan_id IS NEW.plan_id BEGIN
    UPDATE unit_progress SET unacked = unacked + (NEW.acked = 0) - (OLD.acked = 0)
    WHERE plan_id = NEW.plan_id AND unit_id = NEW.unit_id; END;
