-- A plan's `deadline_on_holiday` (keep | next_workday) as its file said it: materials.moved_from
-- marks only the dates that did move, so a plan whose dates all fell on working days lost it.
ALTER TABLE plans ADD COLUMN deadline_on_holiday TEXT NOT NULL DEFAULT 'keep';
UPDATE plans SET deadline_on_holiday = 'next_workday'
    WHERE id IN (SELECT plan_id FROM materials WHERE moved_from IS NOT NULL);
-- The years of the holiday schedules the plan file carried (`holidays:`), as a JSON list: their
-- days are in `holidays` with every other import's, and a plan export writes those years back.
ALTER TABLE plans ADD COLUMN holiday_years TEXT NOT NULL DEFAULT '[]';
