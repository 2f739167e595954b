//! Organisation tree and people.

use rectify_core::access::OrgPath;
use rectify_core::text;
use rectify_core::unit_names;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::audit::{Actor, AuditEvent, now_text};
use crate::{Store, StoreError, WriteTx};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: OrgPath,
    pub name: String,
    pub kind: String,
    pub principal_leader_id: Option<i64>,
    pub version: i64,
}

/// How ledgers name units: each unit's label (written on export) and aliases (read on import).
#[derive(Debug, Clone, Default)]
pub struct UnitNames {
    pub labels: HashMap<i64, String>,
    pub aliases: HashMap<i64, Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Person {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewPerson {
    pub organisation_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
}

fn org(row: &sqlx::any::AnyRow) -> Result<Organisation, StoreError> {
    let path: String = row.try_get("path")?;
    Ok(Organisation {
        id: row.try_get("id")?,
        parent_id: row.try_get("parent_id")?,
        path: OrgPath::parse(&path)
            .ok_or_else(|| StoreError::Config(format!("corrupt organisation path {path}")))?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        principal_leader_id: row.try_get("principal_leader_id")?,
        version: row.try_get("version")?,
    })
}

impl WriteTx {
    /// Create an organisation under `parent_id` (or a root).
    pub async fn create_organisation(
        &mut self,
        actor: &Actor,
        n: &NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        let name = text::bounded("name", &n.name, text::NAME_MAX)?;
        let kind = text::bounded("kind", &n.kind, 50)?;
        let parent = match n.parent_id {
            Some(p) => Some(self.organisation(p).await?),
            None => None,
        };
        // Insert with a placeholder path, then set the real one from the new id.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organisation (parent_id, path, name, kind, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(n.parent_id)
        .bind(format!("/pending-{}/", rectify_security::crypto::random_token(12)))
        .bind(name)
        .bind(kind)
        .bind(now_text())
        .fetch_one(self.conn())
        .await?;
        let path = match &parent {
            Some(p) => p.path.child(id),
            None => OrgPath::root(id),
        };
        sqlx::query("UPDATE organisation SET path = $1 WHERE id = $2")
            .bind(path.as_str().to_string())
            .bind(id)
            .execute(self.conn())
            .await?;
        let o = self.organisation(id).await?;
        self.audit(
            actor,
            AuditEvent::ok("organisation.create", "organisation", id).after(json!(o)),
        )
        .await?;
        Ok(o)
    }

    pub async fn organisation(&mut self, id: i64) -> Result<Organisation, StoreError> {
        let row = sqlx::query("SELECT * FROM organisation WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", id))?;
        org(&row)
    }

    pub async fn set_principal_leader(
        &mut self,
        actor: &Actor,
        org_id: i64,
        person_id: i64,
    ) -> Result<(), StoreError> {
        let before = self.organisation(org_id).await?;
        sqlx::query(
            "UPDATE organisation SET principal_leader_id = $1, version = version + 1 WHERE id = $2",
        )
        .bind(person_id)
        .bind(org_id)
        .execute(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEvent::ok("organisation.set_principal_leader", "organisation", org_id)
                .before(json!({"principal_leader_id": before.principal_leader_id}))
                .after(json!({"principal_leader_id": person_id})),
        )
        .await?;
        Ok(())
    }

    pub async fn create_person(
        &mut self,
        actor: &Actor,
        n: &NewPerson,
    ) -> Result<Person, StoreError> {
        let name = text::bounded("name", &n.name, text::NAME_MAX)?;
        let title = text::optional("title", n.title.as_deref(), text::NAME_MAX)?;
        let phone = text::optional("phone", n.phone.as_deref(), 40)?;
        self.organisation(n.organisation_id).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO person (organisation_id, name, title, phone) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(n.organisation_id)
        .bind(name.clone())
        .bind(title.clone())
        .bind(phone.clone())
        .fetch_one(self.conn())
        .await?;
        let p = Person {
            id,
            organisation_id: n.organisation_id,
            name,
            title,
            phone,
        };
        // Phone numbers are personal information: the audit row records that one was set, not its value.
        self.audit(
            actor,
            AuditEvent::ok("person.create", "person", id)
                .after(json!({"organisation_id": p.organisation_id, "name": p.name, "title": p.title, "phone_set": p.phone.is_some()})),
        )
        .await?;
        Ok(p)
    }
}

impl Store {
    pub async fn organisation(&self, id: i64) -> Result<Organisation, StoreError> {
        let row = sqlx::query("SELECT * FROM organisation WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", id))?;
        org(&row)
    }

    /// Whether the subtree at `scope` holds every organisation (what is counted over the whole
    /// database is then within it).
    pub async fn covers_every_organisation(&self, scope: &OrgPath) -> Result<bool, StoreError> {
        let outside: Option<i64> =
            sqlx::query_scalar("SELECT id FROM organisation WHERE path < $1 OR path >= $2 LIMIT 1")
                .bind(scope.as_str().to_string())
                .bind(scope.upper_bound())
                .fetch_optional(self.pool())
                .await?;
        Ok(outside.is_none())
    }

    /// Organisations in the subtree at `scope`, in tree order.
    pub async fn organisations_in(&self, scope: &OrgPath) -> Result<Vec<Organisation>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM organisation WHERE path >= $1 AND path < $2 ORDER BY path")
                .bind(scope.as_str().to_string())
                .bind(scope.upper_bound())
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(org).collect()
    }

    pub async fn person(&self, id: i64) -> Result<Person, StoreError> {
        let row =
            sqlx::query("SELECT id, organisation_id, name, title, phone FROM person WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or_else(|| StoreError::not_found("person", id))?;
        Ok(Person {
            id: row.try_get("id")?,
            organisation_id: row.try_get("organisation_id")?,
            name: row.try_get("name")?,
            title: row.try_get("title")?,
            phone: row.try_get("phone")?,
        })
    }

    /// Every organisation's ledger aliases (`unit_names::aliases`) and label
    /// (`unit_names::labels`), over the whole organisation table so that a unit is written
    /// the same way in every ledger and read back wherever it is imported.
    pub async fn unit_names(&self) -> Result<UnitNames, StoreError> {
        let rows = sqlx::query("SELECT id, parent_id, name FROM organisation")
            .fetch_all(self.pool())
            .await?;
        let mut all: Vec<(i64, Option<i64>, String)> = Vec::with_capacity(rows.len());
        for r in &rows {
            all.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        let units: Vec<unit_names::Unit> = all
            .iter()
            .map(|(id, parent, name)| unit_names::Unit {
                id: *id,
                parent: *parent,
                name,
            })
            .collect();
        let aliases = unit_names::aliases(&units);
        Ok(UnitNames {
            labels: unit_names::labels(&aliases),
            aliases,
        })
    }

    /// People of the organisations in `scope`.
    pub async fn people_in(&self, scope: &OrgPath) -> Result<Vec<Person>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.organisation_id, p.name, p.title, p.phone FROM person p JOIN organisation o ON o.id = p.organisation_id \
             WHERE o.path >= $1 AND o.path < $2 ORDER BY p.id",
        )
        .bind(scope.as_str().to_string())
        .bind(scope.upper_bound())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Person {
                    id: row.try_get("id")?,
                    organisation_id: row.try_get("organisation_id")?,
                    name: row.try_get("name")?,
                    title: row.try_get("title")?,
                    phone: row.try_get("phone")?,
                })
            })
            .collect()
    }
}
