-- Staff web application (issue 5).
-- Same placeholders as V1 in schema.rs: {pk} {int} {path} {blob}.
-- The interface language each user chose ('zh' or 'en'; NULL = the default, Chinese).
ALTER TABLE app_user ADD COLUMN locale TEXT;
