-- The State Council's holiday schedules (放假安排) for years the calendar library does not
-- know yet, or corrects: each day off with its holiday's name, and each 调休 make-up working
-- day. `year` is the schedule a day belongs to (元旦 may reach into the year before); an
-- imported year replaces the library's days of that year (domain/holiday_calendar.py).
CREATE TABLE holidays (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT,
    year INTEGER NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX holidays_year ON holidays(year);

-- A due date moved off a holiday by the plan's `deadline_on_holiday: next_workday` (Civil
-- Code art. 203): the date the plan file set; NULL when it was not moved.
ALTER TABLE materials ADD COLUMN moved_from TEXT;
