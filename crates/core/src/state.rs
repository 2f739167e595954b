//! The measure state machine: which transitions exist, from where, and why one is refused.
//!
//! ```text
//! draft ──assign──▶ assigned ──report──▶ in_progress ──submit──▶ submitted ──close──▶ closed
//!                      │                      ▲                     │   └─close_ongoing▶ closed_ongoing
//!                      └────────submit────────┼─────────────────────┤
//!                                             └──report── returned ◀┘ return
//! closed / closed_ongoing ──reopen (relapse)──▶ reopened ──report/submit──▶ …
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::ledger::MeasureKind;

/// Where a measure stands. `overdue` is not a state: it is derived from state and deadline.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MeasureState {
    Draft,
    Assigned,
    InProgress,
    Submitted,
    Returned,
    Closed,
    /// Closed as ongoing (长期坚持): signed off but kept under periodic review.
    ClosedOngoing,
    /// Reopened after a relapse (反弹) found at look-back.
    Reopened,
}

impl MeasureState {
    pub const ALL: [MeasureState; 8] = [
        MeasureState::Draft,
        MeasureState::Assigned,
        MeasureState::InProgress,
        MeasureState::Submitted,
        MeasureState::Returned,
        MeasureState::Closed,
        MeasureState::ClosedOngoing,
        MeasureState::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureState::Draft => "draft",
            MeasureState::Assigned => "assigned",
            MeasureState::InProgress => "in_progress",
            MeasureState::Submitted => "submitted",
            MeasureState::Returned => "returned",
            MeasureState::Closed => "closed",
            MeasureState::ClosedOngoing => "closed_ongoing",
            MeasureState::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Chinese label shown in the UI.
    pub fn label_zh(self) -> &'static str {
        match self {
            MeasureState::Draft => "草拟",
            MeasureState::Assigned => "已交办",
            MeasureState::InProgress => "正在整改",
            MeasureState::Submitted => "待审核",
            MeasureState::Returned => "已退回",
            MeasureState::Closed => "已销号",
            MeasureState::ClosedOngoing => "已销号(长期坚持)",
            MeasureState::Reopened => "已重新打开",
        }
    }

    /// Closed in either form: counts as done for sign-off and is never overdue.
    pub fn is_closed(self) -> bool {
        matches!(self, MeasureState::Closed | MeasureState::ClosedOngoing)
    }

    /// States in which the owner can still report progress.
    pub fn accepts_reports(self) -> bool {
        matches!(
            self,
            MeasureState::Assigned
                | MeasureState::InProgress
                | MeasureState::Returned
                | MeasureState::Reopened
        )
    }
}

impl fmt::Display for MeasureState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action on a measure's state. Field edits (text, deadline, owners) are not transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// Hand the measure to its unit and owner (交办). Needs unit, owner and deadline.
    Assign,
    /// A progress report arrived.
    Report,
    /// The unit submits the measure for review as done.
    Submit,
    /// The office returns it with a reason (退回).
    Return,
    /// The office accepts the evidence and closes it (销号).
    Close,
    /// The office closes an ongoing measure as ongoing (长期坚持).
    CloseOngoing,
    /// A look-back found a relapse (反弹): the item opens again, history intact.
    Reopen,
}

impl Transition {
    pub const ALL: [Transition; 7] = [
        Transition::Assign,
        Transition::Report,
        Transition::Submit,
        Transition::Return,
        Transition::Close,
        Transition::CloseOngoing,
        Transition::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Assign => "assign",
            Transition::Report => "report",
            Transition::Submit => "submit",
            Transition::Return => "return",
            Transition::Close => "close",
            Transition::CloseOngoing => "close_ongoing",
            Transition::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Transitions that must carry a reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, Transition::Return | Transition::Reopen)
    }
}

/// Facts about the measure that some transitions require.
#[derive(Debug, Clone, Copy)]
pub struct Readiness {
    pub kind: MeasureKind,
    pub has_unit: bool,
    pub has_owner: bool,
    pub has_deadline: bool,
    pub has_reason: bool,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot {action} a measure that is {from} (不允许的状态变更)")]
    NotAllowed {
        from: MeasureState,
        action: &'static str,
    },
    #[error("assigning needs a responsible unit, an owner and a deadline; missing: {missing}")]
    NotReady { missing: &'static str },
    #[error("only an ongoing (长期坚持) measure can be closed as ongoing")]
    NotOngoing,
    #[error("{action} needs a reason")]
    ReasonRequired { action: &'static str },
}

impl TransitionError {
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::NotAllowed { .. } => "illegal_transition",
            TransitionError::NotReady { .. } => "not_ready",
            TransitionError::NotOngoing => "not_ongoing",
            TransitionError::ReasonRequired { .. } => "reason_required",
        }
    }
}

impl MeasureState {
    /// The state after `t`, or why `t` is refused. The only way a state changes.
    pub fn apply(self, t: Transition, r: Readiness) -> Result<MeasureState, TransitionError> {
        use MeasureState as S;
        use Transition as T;
        if t.needs_reason() && !r.has_reason {
            return Err(TransitionError::ReasonRequired { action: t.as_str() });
        }
        let next = match (self, t) {
            (S::Draft, T::Assign) => {
                let missing = if !r.has_unit {
                    Some("responsible_unit")
                } else if !r.has_owner {
                    Some("owner")
                } else if !r.has_deadline {
                    Some("deadline")
                } else {
                    None
                };
                if let Some(missing) = missing {
                    return Err(TransitionError::NotReady { missing });
                }
                S::Assigned
            }
            (S::Assigned | S::InProgress | S::Returned | S::Reopened, T::Report) => S::InProgress,
            (S::Assigned | S::InProgress | S::Returned | S::Reopened, T::Submit) => S::Submitted,
            (S::Submitted, T::Return) => S::Returned,
            (S::Submitted, T::Close) => S::Closed,
            (S::Submitted, T::CloseOngoing) => {
                if r.kind != MeasureKind::Ongoing {
                    return Err(TransitionError::NotOngoing);
                }
                S::ClosedOngoing
            }
            (S::Closed | S::ClosedOngoing, T::Reopen) => S::Reopened,
            (from, t) => {
                return Err(TransitionError::NotAllowed {
                    from,
                    action: t.as_str(),
                });
            }
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ready(kind: MeasureKind) -> Readiness {
        Readiness {
            kind,
            has_unit: true,
            has_owner: true,
            has_deadline: true,
            has_reason: true,
        }
    }

    #[test]
    fn the_happy_path_and_a_return() {
        let r = ready(MeasureKind::TimeBound);
        let mut s = MeasureState::Draft;
        for (t, want) in [
            (Transition::Assign, MeasureState::Assigned),
            (Transition::Report, MeasureState::InProgress),
            (Transition::Submit, MeasureState::Submitted),
            (Transition::Return, MeasureState::Returned),
            (Transition::Report, MeasureState::InProgress),
            (Transition::Submit, MeasureState::Submitted),
            (Transition::Close, MeasureState::Closed),
            (Transition::Reopen, MeasureState::Reopened),
        ] {
            s = s.apply(t, r).unwrap();
            assert_eq!(s, want, "after {t:?}");
        }
    }

    #[test]
    fn refusals_name_their_reason() {
        let mut r = ready(MeasureKind::TimeBound);
        assert_eq!(
            MeasureState::Draft
                .apply(Transition::Close, r)
                .unwrap_err()
                .code(),
            "illegal_transition"
        );
        assert_eq!(
            MeasureState::Submitted
                .apply(Transition::CloseOngoing, r)
                .unwrap_err(),
            TransitionError::NotOngoing
        );
        r.has_owner = false;
        assert_eq!(
            MeasureState::Draft
                .apply(Transition::Assign, r)
                .unwrap_err(),
            TransitionError::NotReady { missing: "owner" }
        );
        r.has_reason = false;
        assert_eq!(
            MeasureState::Submitted
                .apply(Transition::Return, r)
                .unwrap_err()
                .code(),
            "reason_required"
        );
        assert!(
            MeasureState::Submitted
                .apply(Transition::CloseOngoing, ready(MeasureKind::Ongoing))
                .is_ok()
        );
    }

    #[test]
    fn reopen_only_from_closed_and_with_a_reason() {
        let r = ready(MeasureKind::Ongoing);
        for s in MeasureState::ALL {
            let got = s.apply(Transition::Reopen, r);
            if s.is_closed() {
                assert_eq!(got, Ok(MeasureState::Reopened));
                let no_reason = Readiness {
                    has_reason: false,
                    ..r
                };
                assert_eq!(
                    s.apply(Transition::Reopen, no_reason).unwrap_err().code(),
                    "reason_required"
                );
            } else {
                assert_eq!(got.unwrap_err().code(), "illegal_transition", "from {s:?}");
            }
        }
        // A reopened measure goes round the loop again and can be closed again.
        let mut s = MeasureState::Reopened;
        for t in [Transition::Report, Transition::Submit, Transition::Close] {
            s = s.apply(t, r).unwrap();
        }
        assert_eq!(s, MeasureState::Closed);
    }

    #[test]
    fn names_round_trip() {
        for s in MeasureState::ALL {
            assert_eq!(MeasureState::parse(s.as_str()), Some(s));
        }
        for t in Transition::ALL {
            assert_eq!(Transition::parse(t.as_str()), Some(t));
        }
    }

    fn any_transition() -> impl Strategy<Value = Transition> {
        prop::sample::select(Transition::ALL.to_vec())
    }

    proptest! {
        /// Random operation sequences: a closed measure is only ever reached through review
        /// (submitted), nothing leaves draft except assignment, and a refused transition leaves
        /// the state unchanged.
        #[test]
        fn random_sequences_keep_the_invariants(
            ops in prop::collection::vec((any_transition(), any::<bool>(), any::<bool>()), 0..60),
            ongoing in any::<bool>(),
        ) {
            let kind = if ongoing { MeasureKind::Ongoing } else { MeasureKind::TimeBound };
            let mut s = MeasureState::Draft;
            let mut ever_assigned = false;
            for (t, complete, reason) in ops {
                let r = Readiness { kind, has_unit: complete, has_owner: complete, has_deadline: complete, has_reason: reason };
                if let Ok(next) = s.apply(t, r) {
                        if next.is_closed() && !s.is_closed() {
                            prop_assert_eq!(s, MeasureState::Submitted);
                        }
                        if next == MeasureState::ClosedOngoing {
                            prop_assert!(ongoing);
                        }
                        if s == MeasureState::Draft {
                            prop_assert_eq!(t, Transition::Assign);
                            prop_assert!(complete);
                            ever_assigned = true;
                        }
                        if t.needs_reason() { prop_assert!(reason); }
                        s = next;
                }
                if s != MeasureState::Draft { prop_assert!(ever_assigned); }
            }
        }
    }
}
