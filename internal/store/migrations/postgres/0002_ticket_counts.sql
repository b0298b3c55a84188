-- Running counts of the inbox views, kept by triggers on tickets so every
-- path (services, bulk loader, manual SQL) keeps them right. Only the
-- statuses the views count (new, open, pending) are tracked; 0 stands for
-- "no assignee" / "no team". Each change goes to one of 8 shards chosen at
-- random, so concurrent ticket writes do not queue on one counter row;
-- readers sum the shards.

CREATE TABLE ticket_counts (
    status      TEXT NOT NULL,
    assignee_id BIGINT NOT NULL,
    team_id     BIGINT NOT NULL,
    shard       SMALLINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (status, assignee_id, team_id, shard)
);

INSERT INTO ticket_counts (status, assignee_id, team_id, shard, n)
SELECT status, coalesce(assignee_id, 0), coalesce(team_id, 0), 0, COUNT(*)
FROM tickets WHERE status IN ('new', 'open', 'pending')
GROUP BY status, coalesce(assignee_id, 0), coalesce(team_id, 0);

CREATE FUNCTION ticket_counts_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('new', 'open', 'pending') THEN
        INSERT INTO ticket_counts AS c (status, assignee_id, team_id, shard, n)
        VALUES (OLD.status, coalesce(OLD.assignee_id, 0), coalesce(OLD.team_id, 0), floor(random() * 8)::smallint, -1)
        ON CONFLICT (status, assignee_id, team_id, shard) DO UPDATE SET n = c.n - 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('new', 'open', 'pending') THEN
        INSERT INTO ticket_counts AS c (status, assignee_id, team_id, shard, n)
        VALUES (NEW.status, coalesce(NEW.assignee_id, 0), coalesce(NEW.team_id, 0), floor(random() * 8)::smallint, 1)
        ON CONFLICT (status, assignee_id, team_id, shard) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tickets_counts_insert_delete AFTER INSERT OR DELETE ON tickets
FOR EACH ROW EXECUTE FUNCTION ticket_counts_trigger();

CREATE TRIGGER tickets_counts_update AFTER UPDATE OF status, assignee_id, team_id ON tickets
FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
      OR OLD.team_id IS DISTINCT FROM NEW.team_id)
EXECUTE FUNCTION ticket_counts_trigger();
