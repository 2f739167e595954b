-- Office files (issue 4): ledger import/export.
-- Same placeholders as V1 in schema.rs: {pk} {int} {path} {blob}.

-- 备注: free remarks carried by the xlsx ledger (export writes it, import reads it).
ALTER TABLE measure ADD COLUMN remarks TEXT;
