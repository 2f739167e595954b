-- Three measure indexes that no page needs (issue 4: every index on `measure` costs a bulk
-- import about 0.2 s per 100,000 rows). Each query that used one has another index as fast:
-- - measure_path (org_path, id): every scope range is served as well by measure_dashboard,
--   which leads with org_path;
-- - measure_deadline (deadline, id): a deadline range is also written on the deadline-sort
--   expression, so measure_deadline_sort serves it;
-- - measure_unit (responsible_unit_id, id): the unit filter also names the unit's path (a
--   measure's org_path is its responsible unit's), so measure_dashboard serves it.
DROP INDEX measure_path;
DROP INDEX measure_deadline;
DROP INDEX measure_unit;
