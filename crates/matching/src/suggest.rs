//! Ranked suggestions: the families that could be a child's family, best first, and the children
//! a family could be matched with. Only pairs that meet every hard constraint are suggested.
//!
//! Congestion-aware: a family already at the register's limit of open links cannot take another
//! link now, so it is listed after the families that can (and marked as such), whatever its
//! score; among children, the one who has waited longer comes first when scores tie.

use crate::compat::{Score, Weights, score};
use crate::facts::{Family, Unit};

/// One suggestion: which family (or child) by its place in the slice given, and its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    pub index: usize,
    pub score: Score,
}

/// The best `limit` families for a unit, best first.
pub fn families_for(
    unit: &Unit,
    families: &[Family],
    weights: Weights,
    limit: usize,
) -> Vec<Suggestion> {
    let mut found: Vec<Suggestion> = families
        .iter()
        .enumerate()
        .filter_map(|(index, family)| {
            score(unit, family, weights)
                .ok()
                .map(|score| Suggestion { index, score })
        })
        .collect();
    let key = |s: &Suggestion| {
        let f = &families[s.index];
        (f.at_link_limit, std::cmp::Reverse(s.score), f.id)
    };
    top(&mut found, limit, key);
    found
}

/// The best `limit` units for a family, best first.
pub fn children_for(
    family: &Family,
    units: &[Unit],
    weights: Weights,
    limit: usize,
) -> Vec<Suggestion> {
    let mut found: Vec<Suggestion> = units
        .iter()
        .enumerate()
        .filter_map(|(index, unit)| {
            score(unit, family, weights)
                .ok()
                .map(|score| Suggestion { index, score })
        })
        .collect();
    let key = |s: &Suggestion| {
        let u = &units[s.index];
        (
            std::cmp::Reverse(s.score),
            std::cmp::Reverse(u.waited_days),
            u.id,
        )
    };
    top(&mut found, limit, key);
    found
}

/// Keeps the `limit` smallest by `key`, in order, without sorting what is cut.
pub(crate) fn top<T, K: Ord>(items: &mut Vec<T>, limit: usize, key: impl Fn(&T) -> K) {
    if limit == 0 {
        items.clear();
        return;
    }
    if items.len() > limit {
        items.select_nth_unstable_by_key(limit - 1, &key);
        items.truncate(limit);
        // What was cut must not stay allocated: at the United States' scale each of 66,000
        // lists would otherwise keep room for every compatible family (over 10 GB in all).
        items.shrink_to_fit();
    }
    items.sort_unstable_by_key(key);
}
