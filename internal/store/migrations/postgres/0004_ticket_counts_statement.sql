-- Inserts and deletes of tickets update the inbox counters once per
-- statement (grouped, in key order) rather than once per row, so bulk
-- loads pay one small upsert per chunk. Updates stay per row (they need
-- the column list and the WHEN clause of tickets_counts_update).

DROP TRIGGER tickets_counts_insert_delete ON tickets;

CREATE FUNCTION ticket_counts_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_counts AS c (status, assignee_id, team_id, shard, n)
        SELECT status, coalesce(assignee_id, 0), coalesce(team_id, 0), (pg_backend_pid() % 8)::smallint, COUNT(*)
        FROM new_rows WHERE status IN ('new', 'open', 'pending')
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (status, assignee_id, team_id, shard) DO UPDATE SET n = c.n + excluded.n;
    ELSE
        INSERT INTO ticket_counts AS c (status, assignee_id, team_id, shard, n)
        SELECT status, coalesce(assignee_id, 0), coalesce(team_id, 0), (pg_backend_pid() % 8)::smallint, -COUNT(*)
        FROM old_rows WHERE status IN ('new', 'open', 'pending')
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (status, assignee_id, team_id, shard) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tickets_counts_insert AFTER INSERT ON tickets
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_rows();

CREATE TRIGGER tickets_counts_delete AFTER DELETE ON tickets
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_rows();
