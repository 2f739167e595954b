-- Staff web application (issue 5).
-- Same placeholders as V1 in schema.rs: {pk} {int} {path} {blob}.
CREATE TABLE IF NOT EXISTS migration_note_v3 (id {int});
DROP TABLE migration_note_v3;
