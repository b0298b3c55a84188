-- Whether the site signed a chat visitor's identity (external id and the
-- email that came with it) or the visitor typed what they gave: agents see
-- the difference. Existing visitors start unverified (nothing recorded
-- which of their emails was signed); a signed-in visitor becomes verified
-- again on their next page load.
ALTER TABLE chat_visitors ADD COLUMN verified BOOLEAN NOT NULL DEFAULT FALSE;
