-- The email channel: mailboxes, the threading index of Message-IDs, the
-- record of every inbound message (deduplication, flood control, audit),
-- the durable outbound queue, and bounce marks on contact addresses.

CREATE TABLE mailboxes (
    id               INTEGER PRIMARY KEY,
    address          TEXT NOT NULL UNIQUE, -- lower-cased
    name             TEXT NOT NULL DEFAULT '',
    team_id          INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    inbound          TEXT NOT NULL CHECK (inbound IN ('smtp', 'imap', 'pipe')),
    imap_url         TEXT NOT NULL DEFAULT '', -- imaps://user:pass@host:993/INBOX (secret)
    smtp_url         TEXT NOT NULL DEFAULT '', -- outbound relay (secret); '' = none configured
    ack_enabled      INTEGER NOT NULL DEFAULT 0,
    ack_subject      TEXT NOT NULL DEFAULT '',
    ack_body         TEXT NOT NULL DEFAULT '',
    reopen_days      INTEGER NOT NULL DEFAULT 30,
    active           INTEGER NOT NULL DEFAULT 1,
    status           TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'failing')),
    last_error       TEXT NOT NULL DEFAULT '',
    last_error_at    TEXT,
    last_fetch_at    TEXT,
    imap_uidvalidity INTEGER NOT NULL DEFAULT 0,
    imap_last_uid    INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

-- Which mailbox a ticket's conversation runs through (replies go out from it).
CREATE TABLE ticket_mailboxes (
    ticket_id  INTEGER PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE
) STRICT;
CREATE INDEX ticket_mailboxes_mailbox ON ticket_mailboxes (mailbox_id);

-- Every Message-ID we received or sent, for threading by In-Reply-To and
-- References (ids without angle brackets, as they appear).
CREATE TABLE mail_ids (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    message_row INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX mail_ids_message_id ON mail_ids (message_id, id);
CREATE INDEX mail_ids_ticket ON mail_ids (ticket_id);

-- Every message accepted for a mailbox, once: dedupe_key is a hash of the
-- Message-ID and the content, so a redelivery is recognised.
CREATE TABLE inbound_mail (
    id          INTEGER PRIMARY KEY,
    mailbox_id  INTEGER REFERENCES mailboxes (id) ON DELETE SET NULL,
    dedupe_key  TEXT NOT NULL UNIQUE,
    message_id  TEXT NOT NULL DEFAULT '', -- the Message-ID header
    from_addr   TEXT NOT NULL DEFAULT '', -- lower-cased
    subject     TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL DEFAULT 'normal', -- normal, auto_reply, bounce
    outcome     TEXT NOT NULL,                  -- what ingest did (see mailin)
    ticket_id   INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    message_row INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    raw_sha256  TEXT REFERENCES blobs (sha256),
    size        INTEGER NOT NULL DEFAULT 0,
    source      TEXT NOT NULL DEFAULT '', -- smtp, imap, pipe
    detail      TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL
) STRICT;
CREATE INDEX inbound_mail_from ON inbound_mail (from_addr, received_at);
CREATE INDEX inbound_mail_mailbox ON inbound_mail (mailbox_id, id);

-- The durable outbound queue. raw is the complete message, built when the
-- reply was saved, so every attempt sends the same bytes and Message-ID.
CREATE TABLE outbound_mail (
    id              INTEGER PRIMARY KEY,
    mailbox_id      INTEGER REFERENCES mailboxes (id) ON DELETE SET NULL,
    ticket_id       INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
    message_row     INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    purpose         TEXT NOT NULL DEFAULT 'reply', -- reply, ack
    message_id      TEXT NOT NULL UNIQUE,          -- our Message-ID header
    mail_from       TEXT NOT NULL,                 -- envelope sender
    rcpt            TEXT NOT NULL,                 -- envelope recipients, comma separated
    raw             BLOB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until    TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT
) STRICT;
CREATE INDEX outbound_mail_due ON outbound_mail (status, next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX outbound_mail_message ON outbound_mail (message_row) WHERE message_row IS NOT NULL;

-- Bounces mark the address they were for.
ALTER TABLE contact_emails ADD COLUMN bounce_status TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_emails ADD COLUMN bounced_at TEXT;

-- The whole text of an email when body_text holds only what the sender
-- wrote now (quoted history and signature stripped); '' when nothing was
-- stripped.
ALTER TABLE messages ADD COLUMN full_text TEXT NOT NULL DEFAULT '';
