-- Canned responses: saved replies that agents insert into the composer,
-- with {{placeholders}} filled for the ticket at hand. team_id NULL means
-- every agent sees it, otherwise only that team's members (and admins);
-- deleting the team shares its responses with everyone, as it leaves its
-- tickets and mailboxes without a team. (0008 is the live chat's.)

CREATE TABLE canned_responses (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    shortcut   TEXT, -- lower-cased keyword; NULL when none
    team_id    INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    created_by INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    uses       INTEGER NOT NULL DEFAULT 0,
    title_key  TEXT NOT NULL DEFAULT '', -- the title case- and accent-folded by the store, to sort by
    search     TEXT NOT NULL DEFAULT '', -- title, shortcut and body folded the same way, to search in
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX canned_responses_shortcut ON canned_responses (shortcut) WHERE shortcut IS NOT NULL;
CREATE INDEX canned_responses_team ON canned_responses (team_id);
