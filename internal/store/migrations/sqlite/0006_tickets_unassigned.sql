-- Nothing to do on SQLite: it treats "assignee_id IS NULL" as an equality,
-- so tickets_assignee (assignee_id, status, last_activity_at, id) already
-- returns unassigned tickets of a status in activity order. PostgreSQL's
-- 0006_tickets_unassigned.sql adds a partial index for the same views.
SELECT 1;
