-- Office files (issue 4): ledger import/export.
-- Same placeholders as V1 in schema.rs: {pk} {int} {path} {blob}.
CREATE TABLE IF NOT EXISTS migration_note_v2 (id {int});
DROP TABLE migration_note_v2;
