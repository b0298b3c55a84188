-- Chats that end by themselves. A chat nobody accepts within the channel's
-- queue_timeout (seconds; 0 never), or whose visitor left while it rang,
-- ends as missed and is answered by email; an ongoing chat ends
-- end_after_left seconds (0 never) after its visitor left. queued_at is
-- when a chat last started ringing (started, or transferred to a queue).
-- The sweep finds candidates among the open chats through chats_status_id.
ALTER TABLE chat_channels ADD COLUMN queue_timeout INTEGER NOT NULL DEFAULT 180;
ALTER TABLE chat_channels ADD COLUMN end_after_left INTEGER NOT NULL DEFAULT 600;
ALTER TABLE chats ADD COLUMN queued_at TEXT;
UPDATE chats SET queued_at = started_at WHERE status = 'queued';
