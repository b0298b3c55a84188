-- Running counts of the inbox views, kept by triggers on tickets so every
-- path (services, bulk loader, manual SQL) keeps them right. Only the
-- statuses the views count (new, open, pending) are tracked; 0 stands for
-- "no assignee" / "no team". SQLite has one writer, so one shard (0).

CREATE TABLE ticket_counts (
    status      TEXT NOT NULL,
    assignee_id INTEGER NOT NULL,
    team_id     INTEGER NOT NULL,
    shard       INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (status, assignee_id, team_id, shard)
) STRICT, WITHOUT ROWID;

INSERT INTO ticket_counts (status, assignee_id, team_id, shard, n)
SELECT status, coalesce(assignee_id, 0), coalesce(team_id, 0), 0, COUNT(*)
FROM tickets WHERE status IN ('new', 'open', 'pending')
GROUP BY status, coalesce(assignee_id, 0), coalesce(team_id, 0);

CREATE TRIGGER tickets_counts_insert AFTER INSERT ON tickets
WHEN NEW.status IN ('new', 'open', 'pending')
BEGIN
    INSERT INTO ticket_counts (status, assignee_id, team_id, shard, n)
    VALUES (NEW.status, coalesce(NEW.assignee_id, 0), coalesce(NEW.team_id, 0), 0, 1)
    ON CONFLICT (status, assignee_id, team_id, shard) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_counts_delete AFTER DELETE ON tickets
WHEN OLD.status IN ('new', 'open', 'pending')
BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE status = OLD.status AND assignee_id = coalesce(OLD.assignee_id, 0)
      AND team_id = coalesce(OLD.team_id, 0) AND shard = 0;
END;

CREATE TRIGGER tickets_counts_update_old AFTER UPDATE OF status, assignee_id, team_id ON tickets
WHEN OLD.status IN ('new', 'open', 'pending')
 AND (OLD.status IS NOT NEW.status OR OLD.assignee_id IS NOT NEW.assignee_id OR OLD.team_id IS NOT NEW.team_id)
BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE status = OLD.status AND assignee_id = coalesce(OLD.assignee_id, 0)
      AND team_id = coalesce(OLD.team_id, 0) AND shard = 0;
END;

CREATE TRIGGER tickets_counts_update_new AFTER UPDATE OF status, assignee_id, team_id ON tickets
WHEN NEW.status IN ('new', 'open', 'pending')
 AND (OLD.status IS NOT NEW.status OR OLD.assignee_id IS NOT NEW.assignee_id OR OLD.team_id IS NOT NEW.team_id)
BEGIN
    INSERT INTO ticket_counts (status, assignee_id, team_id, shard, n)
    VALUES (NEW.status, coalesce(NEW.assignee_id, 0), coalesce(NEW.team_id, 0), 0, 1)
    ON CONFLICT (status, assignee_id, team_id, shard) DO UPDATE SET n = n + 1;
END;
