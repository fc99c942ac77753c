-- What the last digest sent to each admin said, as a set of facts (a report awaiting review,
-- a unit newly overdue on a material, a unit yet to 签收): the next digest goes out only when
-- the facts changed, and says first what changed. Written in the transaction that queues it.
CREATE TABLE digest_state (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    facts TEXT NOT NULL
);
