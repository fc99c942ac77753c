-- An assignment's latest live report, state, submission time and reported count follow its
-- reports; the database keeps them so, whichever statement adds or reviews a report (and one
-- trip to the database thread fewer per report). `report_progress` derives them once; the two
-- triggers copy them over. Not-applicable stays as it is.
CREATE VIEW report_progress AS SELECT a.id AS assignment_id,
    (SELECT id FROM reports WHERE assignment_id = a.id AND status != 'withdrawn'
        ORDER BY id DESC LIMIT 1) AS last_report_id,
    (SELECT status FROM reports WHERE assignment_id = a.id AND status != 'withdrawn'
        ORDER BY id DESC LIMIT 1) AS last_status,
    (SELECT submitted_at FROM reports WHERE assignment_id = a.id AND status != 'withdrawn'
        ORDER BY id DESC LIMIT 1) AS submitted_at,
    COALESCE((SELECT SUM(count) FROM reports WHERE assignment_id = a.id
        AND status IN ('pending', 'accepted')), 0) AS reported_count
FROM assignments a;

CREATE TRIGGER reports_keep_assignment_on_insert AFTER INSERT ON reports BEGIN
    UPDATE assignments SET (last_report_id, state, submitted_at, reported_count) = (SELECT
        p.last_report_id, CASE assignments.state WHEN 'not_applicable' THEN 'not_applicable'
        ELSE COALESCE(p.last_status, 'not_submitted') END, p.submitted_at, p.reported_count
        FROM report_progress p
        WHERE p.assignment_id = assignments.id) WHERE id = NEW.assignment_id; END;

CREATE TRIGGER reports_keep_assignment_on_update AFTER UPDATE OF status, count ON reports BEGIN
    UPDATE assignments SET (last_report_id, state, submitted_at, reported_count) = (SELECT
        p.last_report_id, CASE assignments.state WHEN 'not_applicable' THEN 'not_applicable'
        ELSE COALESCE(p.last_status, 'not_submitted') END, p.submitted_at, p.reported_count
        FROM report_progress p
        WHERE p.assignment_id = assignments.id) WHERE id = NEW.assignment_id; END;
