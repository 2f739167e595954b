//! Who may do what: roles (三员分立 and the ledger roles), organisation scopes and field rules.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ledger::Severity;

/// A user's single role. One role per account makes "one account holds two admin roles"
/// unrepresentable, and there is no superuser variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: organisations and user accounts.
    SystemAdmin,
    /// 安全管理员: roles, security policy, unlocking.
    SecurityAdmin,
    /// 审计管理员: reads and verifies the audit trail.
    AuditAdmin,
    /// 整改办: runs the ledger, reviews, closes and signs off.
    Office,
    /// 纪委监委监督: reads all in scope, verifies.
    Supervisor,
    /// 联络员: plans and reports for its organisation's measures.
    Liaison,
    /// 责任人: reports on own measures.
    Owner,
    /// 领导: reads dashboards.
    Leader,
}

/// What a request wants to do; checked against the role before any data is touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ManageOrganisations,
    ManageUsers,
    AssignRoles,
    UnlockUsers,
    EditPolicy,
    ReadAudit,
    ReadLedger,
    EditPlan,
    EditMeasure,
    Report,
    Review,
    SignOff,
    Reopen,
    /// Draft, issue, review and close supervision notices (督办单); monthly lists.
    SuperviseNotices,
    /// Reply to a supervision notice addressed to one's unit.
    ReplyNotice,
    /// Record meetings, rules, accountability, money, site visits and talks.
    EditRegisters,
    /// Record a look-back's result (回头看: holds or relapsed; a relapse reopens the item).
    LookBack,
    /// Draw closed items for re-verification (抽查复核) and record what was found.
    ReVerify,
    /// Read the quality flags for paper rectification.
    ReadQualityFlags,
    /// Add or replace a year of the working-day calendar (system configuration).
    ManageCalendar,
    /// Set the traffic-light rules of the daily supervision run.
    EditLightRules,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
        Role::Office,
        Role::Supervisor,
        Role::Liaison,
        Role::Owner,
        Role::Leader,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
            Role::Office => "office",
            Role::Supervisor => "supervisor",
            Role::Liaison => "liaison",
            Role::Owner => "owner",
            Role::Leader => "leader",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
            Role::Office => "整改办",
            Role::Supervisor => "纪委监委监督",
            Role::Liaison => "联络员",
            Role::Owner => "责任人",
            Role::Leader => "领导",
        }
    }

    /// One of the three separated administrators (三员).
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }

    /// Admins and approvers get the short idle timeout.
    pub fn is_privileged(self) -> bool {
        self.is_admin() || self == Role::Office
    }

    /// The role's capabilities. Admin roles never touch the ledger; ledger roles never administer.
    pub fn may(self, action: Action) -> bool {
        use Action as A;
        use Role as R;
        match self {
            R::SystemAdmin => matches!(
                action,
                A::ManageOrganisations | A::ManageUsers | A::ManageCalendar
            ),
            R::SecurityAdmin => matches!(action, A::AssignRoles | A::UnlockUsers | A::EditPolicy),
            R::AuditAdmin => matches!(action, A::ReadAudit),
            R::Office => matches!(
                action,
                A::ReadLedger
                    | A::EditPlan
                    | A::EditMeasure
                    | A::Review
                    | A::SignOff
                    | A::Reopen
                    | A::Report
                    | A::SuperviseNotices
                    | A::EditRegisters
                    | A::LookBack
                    | A::ReVerify
                    | A::ReadQualityFlags
                    | A::EditLightRules
            ),
            R::Supervisor => matches!(
                action,
                A::ReadLedger | A::Reopen | A::ReVerify | A::ReadQualityFlags
            ),
            R::Liaison => matches!(
                action,
                A::ReadLedger | A::EditMeasure | A::Report | A::ReplyNotice
            ),
            R::Owner => matches!(action, A::ReadLedger | A::Report),
            R::Leader => matches!(action, A::ReadLedger),
        }
    }

    /// Measure fields this role may set through an edit. State, signer and sign-off are never
    /// fields: they change only through transitions.
    pub fn may_set_measure_field(self, field: &str) -> bool {
        match self {
            Role::Office => MEASURE_FIELDS.contains(&field),
            Role::Liaison => matches!(field, "text" | "owner_id" | "liaison_id" | "leader_id"),
            _ => false,
        }
    }
}

/// Every editable measure field.
pub const MEASURE_FIELDS: [&str; 10] = [
    "text",
    "kind",
    "responsible_unit_id",
    "lead_unit_id",
    "co_unit_ids",
    "leader_id",
    "owner_id",
    "liaison_id",
    "deadline",
    "seq",
];

/// Check that every field a request sets is allowed for the role; name the first that is not.
pub fn check_measure_fields<'a>(
    role: Role,
    fields: impl IntoIterator<Item = &'a str>,
) -> Result<(), FieldError> {
    for f in fields {
        if !role.may_set_measure_field(f) {
            return Err(FieldError::new(
                f,
                "field_forbidden",
                format!(
                    "角色 {} 不能修改该字段 (role may not set this field)",
                    role.label_zh()
                ),
            ));
        }
    }
    Ok(())
}

/// A node's position in the organisation tree as a materialised path of ids: `/1/4/9/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, example = "/1/4/9/")]
pub struct OrgPath(String);

impl OrgPath {
    pub fn root(id: i64) -> OrgPath {
        OrgPath(format!("/{id}/"))
    }
    pub fn child(&self, id: i64) -> OrgPath {
        OrgPath(format!("{}{id}/", self.0))
    }
    /// Accepts only the canonical form `/n/…/n/` with positive ids.
    pub fn parse(s: &str) -> Option<OrgPath> {
        let inner = s.strip_prefix('/')?.strip_suffix('/')?;
        inner
            .split('/')
            .all(|p| !p.is_empty() && !p.starts_with('0') && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| OrgPath(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// `self` is `other` or one of its ancestors.
    pub fn contains(&self, other: &OrgPath) -> bool {
        other.0.starts_with(&self.0)
    }
    /// The exclusive upper bound of the subtree for a range scan: `/1/4/` → `/1/40` … as text,
    /// `'/'` + 1 is `'0'`, so every descendant sorts in `[self, upper)` under byte order.
    pub fn upper_bound(&self) -> String {
        let mut s = self.0.clone();
        s.pop();
        s.push('0');
        s
    }
    pub fn depth(&self) -> usize {
        self.0.matches('/').count() - 1
    }
}

/// Which office tier may sign off a problem of a given severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOffTier {
    /// The inspected organisation's own office (leading group) may sign off.
    Organisation,
    /// Only an office above the inspected organisation (the inspecting body) may sign off.
    Inspecting,
}

/// Sign-off rule by severity: levels at or above `inspecting_from` need the inspecting body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOffPolicy {
    pub inspecting_from: u8,
}

impl Default for SignOffPolicy {
    fn default() -> Self {
        SignOffPolicy {
            inspecting_from: Severity::SERIOUS.level(),
        }
    }
}

impl SignOffPolicy {
    pub fn tier(&self, severity: Severity) -> SignOffTier {
        if severity.level() >= self.inspecting_from {
            SignOffTier::Inspecting
        } else {
            SignOffTier::Organisation
        }
    }

    /// May an office scoped at `office` sign off a problem of the organisation at `inspected`?
    pub fn may_sign_off(&self, office: &OrgPath, inspected: &OrgPath, severity: Severity) -> bool {
        match self.tier(severity) {
            SignOffTier::Organisation => office.contains(inspected),
            SignOffTier::Inspecting => office.contains(inspected) && office != inspected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_ACTIONS: [Action; 21] = [
        Action::ManageOrganisations,
        Action::ManageUsers,
        Action::AssignRoles,
        Action::UnlockUsers,
        Action::EditPolicy,
        Action::ReadAudit,
        Action::ReadLedger,
        Action::EditPlan,
        Action::EditMeasure,
        Action::Report,
        Action::Review,
        Action::SignOff,
        Action::Reopen,
        Action::SuperviseNotices,
        Action::ReplyNotice,
        Action::EditRegisters,
        Action::LookBack,
        Action::ReVerify,
        Action::ReadQualityFlags,
        Action::ManageCalendar,
        Action::EditLightRules,
    ];

    #[test]
    fn three_admins_are_separated_and_none_is_a_superuser() {
        let admin_actions = |r: Role| {
            ALL_ACTIONS
                .iter()
                .filter(|a| r.may(**a))
                .copied()
                .collect::<Vec<_>>()
        };
        let sys = admin_actions(Role::SystemAdmin);
        let sec = admin_actions(Role::SecurityAdmin);
        let aud = admin_actions(Role::AuditAdmin);
        for a in &sys {
            assert!(!sec.contains(a) && !aud.contains(a));
        }
        for a in &sec {
            assert!(!aud.contains(a));
        }
        for r in Role::ALL {
            let n = ALL_ACTIONS.iter().filter(|a| r.may(**a)).count();
            assert!(n < ALL_ACTIONS.len(), "{r:?} may do everything");
            if r.is_admin() {
                assert!(!r.may(Action::ReadLedger), "{r:?} reads the ledger");
            }
        }
    }

    #[test]
    fn field_rules_name_the_forbidden_field() {
        assert!(check_measure_fields(Role::Office, ["deadline", "responsible_unit_id"]).is_ok());
        let e = check_measure_fields(Role::Liaison, ["text", "responsible_unit_id"]).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("responsible_unit_id", "field_forbidden")
        );
        assert_eq!(
            check_measure_fields(Role::Owner, ["text"])
                .unwrap_err()
                .field,
            "text"
        );
        assert_eq!(
            check_measure_fields(Role::Office, ["state"])
                .unwrap_err()
                .field,
            "state"
        );
    }

    #[test]
    fn org_paths_scope_subtrees() {
        let city = OrgPath::root(1);
        let org = city.child(4);
        let unit = org.child(9);
        let other = city.child(40);
        assert!(city.contains(&unit) && org.contains(&unit) && unit.contains(&unit));
        assert!(!org.contains(&other), "/1/4/ must not contain /1/40/");
        assert!(unit.as_str() >= org.as_str() && unit.as_str() < org.upper_bound().as_str());
        assert!(other.as_str() >= org.upper_bound().as_str());
        assert_eq!(OrgPath::parse("/1/4/").unwrap(), org);
        assert!(
            OrgPath::parse("/1//").is_none()
                && OrgPath::parse("1/4/").is_none()
                && OrgPath::parse("/01/").is_none()
        );
        assert_eq!(unit.depth(), 3);
    }

    #[test]
    fn serious_problems_need_the_inspecting_body() {
        let p = SignOffPolicy::default();
        let city = OrgPath::root(1);
        let org = city.child(4);
        assert!(p.may_sign_off(&org, &org, Severity::GENERAL));
        assert!(!p.may_sign_off(&org, &org, Severity::SERIOUS));
        assert!(p.may_sign_off(&city, &org, Severity::SERIOUS));
        assert!(!p.may_sign_off(&city.child(5), &org, Severity::GENERAL));
    }
}
