-- Inbox counters without deadlocks: each connection writes to its own
-- shard (its backend pid modulo 8), so concurrent transactions rarely
-- touch the same counter row, and a status/assignee/team change applies
-- its two deltas in key order, so two transactions can never wait on
-- each other's counter rows in opposite orders.

CREATE OR REPLACE FUNCTION ticket_counts_bump(st TEXT, a BIGINT, t BIGINT, d INTEGER) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO ticket_counts AS c (status, assignee_id, team_id, shard, n)
    VALUES (st, coalesce(a, 0), coalesce(t, 0), (pg_backend_pid() % 8)::smallint, d)
    ON CONFLICT (status, assignee_id, team_id, shard) DO UPDATE SET n = c.n + excluded.n
$$;

CREATE OR REPLACE FUNCTION ticket_counts_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    counted CONSTANT TEXT[] := ARRAY['new', 'open', 'pending'];
    old_on BOOLEAN := TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = ANY (counted);
    new_on BOOLEAN := TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = ANY (counted);
BEGIN
    IF old_on AND new_on
       AND ROW(NEW.status, coalesce(NEW.assignee_id, 0), coalesce(NEW.team_id, 0))
         < ROW(OLD.status, coalesce(OLD.assignee_id, 0), coalesce(OLD.team_id, 0)) THEN
        PERFORM ticket_counts_bump(NEW.status, NEW.assignee_id, NEW.team_id, 1);
        PERFORM ticket_counts_bump(OLD.status, OLD.assignee_id, OLD.team_id, -1);
        RETURN NULL;
    END IF;
    IF old_on THEN
        PERFORM ticket_counts_bump(OLD.status, OLD.assignee_id, OLD.team_id, -1);
    END IF;
    IF new_on THEN
        PERFORM ticket_counts_bump(NEW.status, NEW.assignee_id, NEW.team_id, 1);
    END IF;
    RETURN NULL;
END
$$;
