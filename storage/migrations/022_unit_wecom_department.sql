-- A unit's WeCom (企业微信) department: a member of it who writes to the app while unbound is
-- bound as the unit's reporter. One department names at most one unit.
ALTER TABLE units ADD COLUMN wecom_department INTEGER;
CREATE UNIQUE INDEX units_wecom_department ON units(wecom_department)
    WHERE wecom_department IS NOT NULL;

-- What WeCom's directory (user/get) last said of a member: the name (NULL when WeCom gave only
-- the userid) and departments (JSON ids, most specific first). Asked again on the first message
-- of a new day; a failed ask keeps what was known and is not repeated within the hour.
CREATE TABLE wecom_people (
    user_ref TEXT PRIMARY KEY,
    name TEXT,
    departments TEXT NOT NULL DEFAULT '[]',
    fetched_at TEXT,
    tried_at TEXT NOT NULL
);
