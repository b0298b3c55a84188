-- Unassigned inbox views in activity order. PostgreSQL does not treat
-- "assignee_id IS NULL" as an equality for ordering, so tickets_assignee
-- cannot return them sorted: without this index a deep page (or a rare
-- status) sorts every unassigned ticket of the status (38 ms at 1M).
CREATE INDEX tickets_unassigned ON tickets (status, last_activity_at, id) WHERE assignee_id IS NULL;
