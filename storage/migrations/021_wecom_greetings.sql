-- The last day (the bureau's calendar day) each WeCom user was greeted on opening the app
-- (the enter_agent event): one greeting a day at most, however often they come back.
CREATE TABLE wecom_greetings (
    user_ref TEXT PRIMARY KEY,
    day TEXT NOT NULL
);
