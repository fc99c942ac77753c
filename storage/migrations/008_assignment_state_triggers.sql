-- An assignment's state, latest live report, submission time and reported count follow its
-- reports; the database keeps them so, whichever statement adds or reviews a report (and one
-- trip to the database thread fewer per report). Not-applicable stays as it is. Trigger bodies
-- keep their inner ';' off the end of a line: migrations are split on ';' + newline.
CREATE TRIGGER reports_keep_assignment_on_insert AFTER INSERT ON reports BEGIN
    UPDATE assignments SET
    last_report_id = (SELECT id FROM reports WHERE assignment_id = assignments.id AND status != 'withdrawn' ORDER BY id DESC LIMIT 1),
    state = CASE WHEN state = 'not_applicable' THEN state ELSE COALESCE((SELECT status FROM reports WHERE assignment_id = assignments.id AND status != 'withdrawn' ORDER BY id DESC LIMIT 1), 'not_submitted') END,
    submitted_at = (SELECT submitted_at FROM reports WHERE assignment_id = assignments.id AND status != 'withdrawn' ORDER BY id DESC LIMIT 1),
    reported_count = COALESCE((SELECT SUM(count) FROM reports WHERE assignment_id = assignments.id AND status IN ('pending', 'accepted')), 0)
    WHERE id = NEW.assignment_id; END;

CREATE TRIGGER reports_keep_assignment_on_update AFTER UPDATE OF status, count ON reports BEGIN
    UPDATE assignments SET
    last_report_id = (SELECT id FROM reports WHERE assignment_id = assignments.id AND status != 'withdrawn' ORDER BY id DESC LIMIT 1),
    state = CASE WHEN state = 'not_applicable' THEN state ELSE COALESCE((SELECT status FROM reports WHERE assignment_id = assignments.id AND status != 'withdrawn' ORDER BY id DESC LIMIT 1), 'not_submitted') END,
    submitted_at = (SELECT submitted_at FROM reports WHERE assignment_id = assignments.id AND status != 'withdrawn' ORDER BY id DESC LIMIT 1),
    reported_count = COALESCE((SELECT SUM(count) FROM reports WHERE assignment_id = assignments.id AND status IN ('pending', 'accepted')), 0)
    WHERE id = NEW.assignment_id; END;
