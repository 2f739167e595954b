-- Supervision engine (issue 6).
-- Same placeholders as V1 in schema.rs: {pk} {int} {path} {blob}.
CREATE TABLE IF NOT EXISTS migration_note_v4 (id {int});
DROP TABLE migration_note_v4;
