//! Matching: which families could be a child's family and how well they fit, explained; ranked
//! suggestions; spread recommendations for the whole register; the best overall assignment.
//!
//! Pure: no I/O, no clock, no database. Callers turn profiles into [`Unit`]s and [`Family`]s
//! (checked at that boundary, so the solvers never see an inconsistent record) and get back
//! scores, sentences and lists. Suggestions, never decisions: everything here ranks and explains;
//! people decide.

pub mod compat;
pub mod facts;
pub mod flow;
pub mod geography;
pub mod market;
pub mod spread;
pub mod suggest;

pub use compat::{
    Blocked, Constraint, Criterion, Explanation, Line, Score, Verdict, Weights, check, explain,
    score,
};
pub use facts::{Family, Invalid, Unit};
pub use spread::{Assignment, Recommendation, Spread, SpreadSettings, best_assignment, spread};
pub use suggest::{Suggestion, children_for, families_for};

#[cfg(test)]
mod tests;
