//! Content-addressed evidence blobs (SHA-256 key): a local directory for a single server, or a
//! table in the database so several servers on one PostgreSQL share them.

use std::path::PathBuf;

use crate::{Store, StoreError, WriteTx};

#[derive(Debug, Clone)]
pub enum BlobLocation {
    Directory(PathBuf),
    Database,
}

/// Hex SHA-256 of the content: the blob's key.
pub fn blob_key(data: &[u8]) -> String {
    hex::encode(rectify_security::crypto::sha256(data))
}

fn valid_key(key: &str) -> bool {
    key.len() == 64
        && key
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl WriteTx {
    /// Store bytes under their hash (idempotent) and return the key. With a directory store the
    /// file is written via a temporary name and renamed, so a crash leaves no partial blob.
    pub async fn put_blob(
        &mut self,
        loc: &BlobLocation,
        data: &[u8],
    ) -> Result<String, StoreError> {
        let key = blob_key(data);
        match loc {
            BlobLocation::Database => {
                sqlx::query("INSERT INTO blob (sha256, size, data) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
                    .bind(key.clone())
                    .bind(data.len() as i64)
                    .bind(data.to_vec())
                    .execute(self.conn())
                    .await?;
            }
            BlobLocation::Directory(dir) => {
                let sub = dir.join(&key[..2]);
                let path = sub.join(&key);
                if tokio::fs::try_exists(&path).await.unwrap_or(false) {
                    return Ok(key);
                }
                tokio::fs::create_dir_all(&sub)
                    .await
                    .map_err(|e| StoreError::Io(format!("{}: {e}", sub.display())))?;
                let tmp = sub.join(format!(
                    ".{key}.{}.tmp",
                    rectify_security::crypto::random_token(6)
                ));
                let res = async {
                    tokio::fs::write(&tmp, data).await?;
                    let f = tokio::fs::File::open(&tmp).await?;
                    f.sync_all().await?;
                    tokio::fs::rename(&tmp, &path).await
                }
                .await;
                if let Err(e) = res {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    return Err(StoreError::Io(format!("{}: {e}", path.display())));
                }
            }
        }
        Ok(key)
    }
}

impl Store {
    pub async fn get_blob(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        if !valid_key(key) {
            return Err(StoreError::not_found("blob", key));
        }
        match self.blob_location() {
            BlobLocation::Database => {
                let v: Option<Vec<u8>> =
                    sqlx::query_scalar("SELECT data FROM blob WHERE sha256 = $1")
                        .bind(key.to_string())
                        .fetch_optional(self.pool())
                        .await?;
                v.ok_or_else(|| StoreError::not_found("blob", key))
            }
            BlobLocation::Directory(dir) => tokio::fs::read(dir.join(&key[..2]).join(key))
                .await
                .map_err(|_| StoreError::not_found("blob", key)),
        }
    }
}
