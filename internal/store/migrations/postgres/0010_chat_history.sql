-- Chat history lists chats of one status newest first (the REST API's
-- GET /chats?status=, keyset on id): chats_status (status, team_id, id)
-- cannot give one status in id order without sorting every ended chat.
CREATE INDEX chats_status_id ON chats (status, id);
