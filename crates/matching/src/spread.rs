//! The register-wide views: spread recommendations (a short list of families for every child,
//! with no family on more than a few lists, so that interest is spread rather than piled on the
//! same popular families) and the best overall assignment (each child with at most one family,
//! each family with at most one child, the total fit as high as it can be).
//!
//! Both are solved exactly by [`crate::flow::b_matching`] on the candidate pairs, never greedily.
//! Both are decision support: they show staff where a child's realistic options are.

use crate::compat::{Score, Weights, score};
use crate::facts::{Family, Unit};
use crate::flow::{Graph, b_matching};
use crate::suggest::top;

/// How the register spreads its recommendations: register settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpreadSettings {
    /// Families on each child's list.
    pub per_child: u32,
    /// The most lists one family may be on.
    pub per_family: u32,
    /// How many of each child's best-scoring families the solver considers.
    pub candidates: usize,
    /// Extra weight for each full month a child has waited, on the score's scale of 1000.
    pub wait_points_per_month: u32,
}

impl Default for SpreadSettings {
    fn default() -> Self {
        SpreadSettings {
            per_child: 5,
            per_family: 8,
            candidates: 40,
            wait_points_per_month: 10,
        }
    }
}

/// Why spread settings were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SpreadInvalid {
    #[error("families per child must be between 1 and 20")]
    PerChild,
    #[error("lists per family must be between 1 and 100")]
    PerFamily,
    #[error("candidates per child must be at least the families per child, and at most 1,000")]
    Candidates,
    #[error("extra weight per month waited must be at most 100")]
    WaitWeight,
}

impl SpreadSettings {
    pub fn validate(self) -> Result<SpreadSettings, SpreadInvalid> {
        if !(1..=20).contains(&self.per_child) {
            return Err(SpreadInvalid::PerChild);
        }
        if !(1..=100).contains(&self.per_family) {
            return Err(SpreadInvalid::PerFamily);
        }
        if self.candidates < self.per_child as usize || self.candidates > 1000 {
            return Err(SpreadInvalid::Candidates);
        }
        if self.wait_points_per_month > 100 {
            return Err(SpreadInvalid::WaitWeight);
        }
        Ok(self)
    }

    /// The extra weight for a child who has waited this long.
    pub fn wait_bonus(self, waited_days: u32) -> i64 {
        i64::from(waited_days / 30) * i64::from(self.wait_points_per_month)
    }
}

/// For each unit, the families that meet every hard constraint and their scores, best first;
/// at most `limit` each when given. Shared between threads: one unit's candidates depend on
/// nothing else.
pub fn candidates(
    units: &[Unit],
    families: &[Family],
    weights: Weights,
    limit: Option<usize>,
    keep: impl Fn(&Family) -> bool + Sync,
) -> Vec<Vec<(usize, Score)>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = units.len().div_ceil(threads).max(1);
    // The approval, packed small and side by side: most pairs fail on it, and reading a dozen
    // bytes a family instead of the whole family keeps the scan in cache.
    let gates: Vec<Gate> = families.iter().map(|f| Gate::of(f, keep(f))).collect();
    let gates = &gates;
    std::thread::scope(|scope| {
        let workers: Vec<_> = units
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|unit| {
                            let mut found: Vec<(usize, Score)> = gates
                                .iter()
                                .enumerate()
                                .filter(|(_, g)| g.admits(unit))
                                .filter_map(|(i, _)| {
                                    score(unit, &families[i], weights).ok().map(|s| (i, s))
                                })
                                .collect();
                            let key = |p: &(usize, Score)| (std::cmp::Reverse(p.1), p.0);
                            top(&mut found, limit.unwrap_or(usize::MAX), key);
                            found
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker only scores; if one ever panicked, its units get no candidates rather
            // than the page failing.
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

/// A family's approval in a dozen bytes: a quick first part of [`crate::compat::check`] (which
/// the full score repeats), so that families that cannot be a unit's family are passed over
/// without reading the rest of them.
#[derive(Debug, Clone, Copy)]
struct Gate {
    open: bool,
    children: (u8, u8),
    ages: (u8, u8),
    /// The one gender the family is approved for, if any.
    gender: Option<crate::facts::Mask>,
    openness: crate::facts::Needs,
}

impl Gate {
    fn of(family: &Family, keep: bool) -> Gate {
        Gate {
            open: keep && family.active,
            children: (family.children_min, family.children_max),
            ages: (family.age_min_years, family.age_max_years),
            gender: family
                .gender
                .map(|g| crate::facts::Mask::of(kinlink_domain::child::Gender::ALL, [&g])),
            openness: family.openness,
        }
    }

    fn admits(&self, unit: &Unit) -> bool {
        self.open
            && (self.children.0..=self.children.1).contains(&unit.size)
            && unit.youngest_years >= self.ages.0
            && unit.oldest_years <= self.ages.1
            && self.gender.is_none_or(|g| g.covers(unit.genders))
            && unit.needs.within(self.openness)
    }
}

/// One family on a child's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recommendation {
    /// By its place in the families given.
    pub family: usize,
    pub score: Score,
}

/// Spread recommendations for the whole register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spread {
    /// For each unit, in the order given, its families, best first.
    pub lists: Vec<Vec<Recommendation>>,
    /// What the solver maximised: scores plus the extra weight for waiting.
    pub total_weight: i64,
    /// How many candidate pairs it chose among.
    pub candidate_pairs: usize,
}

/// Every unit's short list, such that no family is on more than `per_family` lists and the total
/// fit (with extra weight for the children who have waited longest) is as high as it can be.
/// Families at their link limit cannot take a link now, so they are on no list.
pub fn spread(
    units: &[Unit],
    families: &[Family],
    weights: Weights,
    settings: SpreadSettings,
) -> Result<Spread, SpreadInvalid> {
    let settings = settings.validate()?;
    let found = candidates(units, families, weights, Some(settings.candidates), |f| {
        !f.at_link_limit
    });
    let graph = candidate_graph(&found, families.len(), |u| {
        settings.wait_bonus(units[u].waited_days)
    });
    let solved = b_matching(&graph, settings.per_child, settings.per_family);
    Ok(Spread {
        lists: lists_of(&solved.lists, &found),
        total_weight: solved.total,
        candidate_pairs: graph.edges(),
    })
}

/// The best overall assignment: one family for each unit at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// For each unit, in the order given, its family, if it has one.
    pub families: Vec<Option<Recommendation>>,
    /// The sum of the scores of the pairs.
    pub total_score: i64,
    pub candidate_pairs: usize,
}

/// The one-to-one assignment of units to families with the highest total score, over every
/// pair that meets the hard constraints.
pub fn best_assignment(units: &[Unit], families: &[Family], weights: Weights) -> Assignment {
    let found = candidates(units, families, weights, None, |_| true);
    assign_candidates(&found, families.len())
}

/// The assignment over candidate pairs already found (as [`candidates`] gives them), exact
/// over all of them.
pub fn assign_candidates(found: &[Vec<(usize, Score)>], families: usize) -> Assignment {
    let pairs = found.iter().map(Vec::len).sum();
    // One-to-one is symmetric, and the solver's searches are shorter from the smaller side: the
    // other side then has places to spare, so augmenting paths end sooner.
    let lists: Vec<Vec<(usize, i64)>> = if families < found.len() {
        let mut by_family: Vec<Vec<(usize, i64)>> = vec![Vec::new(); families];
        for (u, list) in found.iter().enumerate() {
            for &(f, s) in list {
                by_family[f].push((u, pair_weight(s, 0)));
            }
        }
        let graph = graph_of_weights(by_family, found.len());
        let mut lists = vec![Vec::new(); found.len()];
        for (f, list) in b_matching(&graph, 1, 1).lists.into_iter().enumerate() {
            for (u, w) in list {
                lists[u].push((f, w));
            }
        }
        lists
    } else {
        let graph = candidate_graph(found, families, |_| 0);
        b_matching(&graph, 1, 1).lists
    };
    let lists = lists_of(&lists, found);
    Assignment {
        total_score: lists.iter().flatten().map(|r| i64::from(r.score.0)).sum(),
        families: lists.into_iter().map(|l| l.first().copied()).collect(),
        candidate_pairs: pairs,
    }
}

/// The weight the solver maximises for a pair: its score, plus one so that a pair meeting the
/// hard constraints but no weighted criterion is still worth making, plus the unit's bonus.
pub fn pair_weight(score: Score, bonus: i64) -> i64 {
    i64::from(score.0) + 1 + bonus
}

/// The solver's graph over candidate pairs (as [`candidates`] gives them): each pair weighs its
/// score plus one plus the unit's `bonus` (see [`pair_weight`]).
pub fn candidate_graph(
    found: &[Vec<(usize, Score)>],
    families: usize,
    bonus: impl Fn(usize) -> i64,
) -> Graph {
    let lists = found
        .iter()
        .enumerate()
        .map(|(u, list)| {
            list.iter()
                .map(|&(f, s)| (f, pair_weight(s, bonus(u))))
                .collect()
        })
        .collect();
    graph_of_weights(lists, families)
}

fn graph_of_weights(lists: Vec<Vec<(usize, i64)>>, targets: usize) -> Graph {
    // The lists come from `candidates`: each family once, in range, weights positive.
    Graph::new(targets, lists).unwrap_or_default()
}

fn lists_of(
    solved: &[Vec<(usize, i64)>],
    found: &[Vec<(usize, Score)>],
) -> Vec<Vec<Recommendation>> {
    solved
        .iter()
        .zip(found)
        .map(|(chosen, candidates)| {
            let mut list: Vec<Recommendation> = chosen
                .iter()
                .filter_map(|&(f, _)| {
                    candidates
                        .iter()
                        .find(|c| c.0 == f)
                        .map(|&(family, score)| Recommendation { family, score })
                })
                .collect();
            list.sort_unstable_by_key(|r| (std::cmp::Reverse(r.score), r.family));
            list
        })
        .collect()
}
