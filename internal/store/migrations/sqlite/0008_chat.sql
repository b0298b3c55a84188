-- Live chat: chat channels (one per website widget), proactive invitation
-- rules, the site's visitors and their page views, chats (each one a
-- ticket with channel 'chat'), the ordered log the visitor sees (entries
-- numbered per chat, so a reconnecting widget asks for what came after the
-- last number it has), and the agents' chat status.

CREATE TABLE chat_channels (
    id              INTEGER PRIMARY KEY,
    public_key      TEXT NOT NULL UNIQUE, -- the id in the embed snippet
    name            TEXT NOT NULL,
    team_id         INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    mailbox_id      INTEGER REFERENCES mailboxes (id) ON DELETE SET NULL, -- transcripts and offline replies
    origins         TEXT NOT NULL DEFAULT '',  -- allowed page origins, one per line
    color           TEXT NOT NULL DEFAULT '#2563eb',
    greeting        TEXT NOT NULL DEFAULT '',
    position        TEXT NOT NULL DEFAULT 'right' CHECK (position IN ('right', 'left')),
    languages       TEXT NOT NULL DEFAULT '',  -- offered languages, comma-separated; '' = all
    prechat         TEXT NOT NULL DEFAULT '{}', -- pre-chat fields: {"name":"required|optional|off","email":...}
    max_upload      INTEGER NOT NULL DEFAULT 10485760,
    token_secret    TEXT NOT NULL, -- signs visitor tokens (secret)
    identity_secret TEXT NOT NULL, -- the site signs logged-in users with it (secret)
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE TABLE chat_invitations (
    id          INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    url_pattern TEXT NOT NULL DEFAULT '*', -- glob on the page URL
    min_seconds INTEGER NOT NULL DEFAULT 0, -- time on the page
    min_visits  INTEGER NOT NULL DEFAULT 0, -- visits to the site, this one included
    greeting    TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX chat_invitations_channel ON chat_invitations (channel_id, position, id);

CREATE TABLE chat_visitors (
    id            INTEGER PRIMARY KEY,
    channel_id    INTEGER NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    contact_id    INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    external_id   TEXT NOT NULL DEFAULT '', -- the site's user id, from a signed identity
    name          TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT '',
    timezone      TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    referrer      TEXT NOT NULL DEFAULT '',
    current_url   TEXT NOT NULL DEFAULT '',
    current_title TEXT NOT NULL DEFAULT '',
    visits        INTEGER NOT NULL DEFAULT 1,
    page_views    INTEGER NOT NULL DEFAULT 0,
    first_seen_at TEXT NOT NULL,
    visit_at      TEXT NOT NULL, -- when the current visit began
    last_seen_at  TEXT NOT NULL
) STRICT;
CREATE INDEX chat_visitors_seen ON chat_visitors (last_seen_at, id);
CREATE INDEX chat_visitors_contact ON chat_visitors (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX chat_visitors_external ON chat_visitors (channel_id, external_id) WHERE external_id <> '';

CREATE TABLE chat_page_views (
    id         INTEGER PRIMARY KEY,
    visitor_id INTEGER NOT NULL REFERENCES chat_visitors (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL
) STRICT;
CREATE INDEX chat_page_views_visitor ON chat_page_views (visitor_id, id);

CREATE TABLE chats (
    id              INTEGER PRIMARY KEY,
    channel_id      INTEGER NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    visitor_id      INTEGER NOT NULL REFERENCES chat_visitors (id) ON DELETE CASCADE,
    ticket_id       INTEGER NOT NULL UNIQUE REFERENCES tickets (id) ON DELETE CASCADE,
    team_id         INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    agent_id        INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'active', 'ended')),
    last_seq        INTEGER NOT NULL DEFAULT 0,
    visitor_seen    INTEGER NOT NULL DEFAULT 0, -- the visitor has read up to this entry
    agent_seen      INTEGER NOT NULL DEFAULT 0, -- the agent has read up to this entry
    rating          INTEGER,                    -- 1 (bad) to 5 (good)
    rating_comment  TEXT NOT NULL DEFAULT '',
    transcript_to   TEXT NOT NULL DEFAULT '',
    started_at      TEXT NOT NULL,
    accepted_at     TEXT,
    ended_at        TEXT
) STRICT;
CREATE INDEX chats_status ON chats (status, team_id, id);
CREATE INDEX chats_agent ON chats (agent_id, status, id);
CREATE INDEX chats_visitor ON chats (visitor_id, id);

CREATE TABLE chat_entries (
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('message', 'event')),
    author     TEXT NOT NULL CHECK (author IN ('visitor', 'agent', 'system')),
    agent_id   INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    name       TEXT NOT NULL DEFAULT '', -- the author's name as shown
    message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    client_id  TEXT, -- the widget's id for a visitor message: a resend is a no-op
    body       TEXT NOT NULL DEFAULT '',
    event      TEXT NOT NULL DEFAULT '', -- for kind 'event': accepted, transferred, ended, ...
    created_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, seq)
) STRICT;
CREATE UNIQUE INDEX chat_entries_client ON chat_entries (chat_id, client_id) WHERE client_id IS NOT NULL;

ALTER TABLE agents ADD COLUMN chat_status TEXT NOT NULL DEFAULT 'offline' CHECK (chat_status IN ('online', 'away', 'offline'));
ALTER TABLE agents ADD COLUMN chat_seen_at TEXT; -- the agent app was last connected
