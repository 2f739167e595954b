-- Staff web application (issue 5).
-- Same placeholders as V1 in schema.rs: {pk} {int} {path} {blob}.
-- The interface language each user chose ('zh' or 'en'; NULL = the default, Chinese).
ALTER TABLE app_user ADD COLUMN locale TEXT;
-- The dashboard's aggregates read only these columns: a covering index spares them the
-- measure rows (whose long texts make a table scan read many pages).
CREATE INDEX measure_dashboard ON measure(org_path, state, deadline, inspection_id, responsible_unit_id, closed_at);
-- The ledger sorted by deadline orders by this exact expression (no deadline = last), so the
-- first page of "overdue, by deadline" reads the index from the start instead of sorting.
CREATE INDEX measure_deadline_sort ON measure ((COALESCE(deadline, '9999-12-31')), id);
