//! The register-wide views: spread recommendations (a short list of families for every child,
//! with no family on more than a few lists, so that interest is spread rather than piled on the
//! same popular families) and the best overall assignment (each child with at most one family,
//! each family with at most one child, the total fit as high as it can be).
//!
//! Both are solved exactly by [`crate::flow::b_matching`] on the candidate pairs, never greedily.
//! Both are decision support: they show staff where a child's realistic options are.

use crate::compat::{Score, Weights, best_possible_at, score, score_above};
use crate::facts::{Family, Mask, Unit};
use crate::flow::{Graph, b_matching};
use crate::geography::{AreaId, boundaries_apart};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

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

/// For each unit, the families that meet every hard constraint and their scores, best first
/// (among equal scores, the nearer first, then by area and the order given); at most `limit`
/// each when given. Shared between threads: one unit's candidates depend on nothing else.
pub fn candidates(
    units: &[Unit],
    families: &[Family],
    weights: Weights,
    limit: Option<usize>,
    keep: impl Fn(&Family) -> bool + Sync,
) -> Vec<Vec<(usize, Score)>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = units.len().div_ceil(threads).max(1);
    let layout = Layout::of(families, keep);
    let layout = &layout;
    std::thread::scope(|scope| {
        let workers: Vec<_> = units
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|unit| layout.best(unit, weights, limit))
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

/// The families as a unit reads them: by area, nearest areas first.
struct Layout {
    /// The families' places, grouped by area (areas in table order, places in the order given).
    places: Vec<u32>,
    /// The families themselves in that order: read one after another, not scattered (at the
    /// United States' scale, fetching each family from afar took most of the time).
    families: Vec<Family>,
    /// Each family's approval, in the same order.
    gates: Gates,
    /// For each area, its families' range in `places`.
    ranges: Vec<std::ops::Range<usize>>,
    /// For each area, every area with families, nearest first (then in table order), and how
    /// many boundaries away.
    nearest: Vec<Vec<(AreaId, u8)>>,
}

impl Layout {
    fn of(families: &[Family], keep: impl Fn(&Family) -> bool) -> Layout {
        let areas: Vec<AreaId> = AreaId::all().collect();
        let mut places: Vec<u32> = (0..families.len() as u32).collect();
        places.sort_by_key(|&i| families[i as usize].area.index());
        let families: Vec<Family> = places
            .iter()
            .map(|&i| families[i as usize].clone())
            .collect();
        let gates = Gates::of(&families, keep);
        let mut ranges = vec![0..0; areas.len()];
        let mut start = 0;
        for chunk in families.chunk_by(|a, b| a.area == b.area) {
            let area = chunk[0].area.index();
            ranges[area] = start..start + chunk.len();
            start += chunk.len();
        }
        let nearest = areas
            .iter()
            .map(|&home| {
                let mut by_distance: Vec<(AreaId, u8)> = areas
                    .iter()
                    .filter(|a| !ranges[a.index()].is_empty())
                    .map(|&a| (a, boundaries_apart(home, a)))
                    .collect();
                by_distance.sort_by_key(|&(a, d)| (d, a.index()));
                by_distance
            })
            .collect();
        Layout {
            places,
            families,
            gates,
            ranges,
            nearest,
        }
    }

    /// The unit's families, best first; its `limit` best when given. With a limit, a family
    /// that cannot make the list is not scored in full, and once the list is full of families
    /// no farther family could beat, the rest are not read at all.
    fn best(&self, unit: &Unit, weights: Weights, limit: Option<usize>) -> Vec<(usize, Score)> {
        let order = weights.heaviest_first();
        // The list so far, its worst on top; a family read later must score above the worst
        // to take its place. The key's second part is when the family was read.
        let mut kept: BinaryHeap<(Reverse<Score>, usize, u32)> = BinaryHeap::new();
        let limit = limit.unwrap_or(usize::MAX);
        let mut read = 0;
        let gate = self.gates.for_unit(unit);
        for &(area, apart) in &self.nearest[unit.home.index()] {
            let full = kept.len() >= limit;
            if full
                && kept
                    .peek()
                    .is_some_and(|w| w.0.0 >= best_possible_at(weights, apart))
            {
                break;
            }
            if unit.excluded.contains(area) {
                continue;
            }
            let range = self.ranges[area.index()].clone();
            for word in range.start / 64..range.end.div_ceil(64) {
                let mut admitting = gate.admitting(word) & Gates::within(&range, word);
                while admitting != 0 {
                    let at = word * 64 + admitting.trailing_zeros() as usize;
                    admitting &= admitting - 1;
                    let family = &self.families[at];
                    let found = match kept.peek() {
                        Some(&(Reverse(worst), ..)) if kept.len() >= limit => {
                            score_above(unit, family, weights, &order, worst)
                        }
                        _ => score(unit, family, weights).ok(),
                    };
                    if let Some(s) = found {
                        read += 1;
                        kept.push((Reverse(s), read, self.places[at]));
                        if kept.len() > limit {
                            kept.pop();
                        }
                    }
                }
            }
        }
        kept.into_sorted_vec()
            .into_iter()
            .map(|(Reverse(s), _, i)| (i as usize, s))
            .collect()
    }
}

/// The families' approvals as bit sets over their places in the layout: a quick first part of
/// [`crate::compat::check`] (which the full score repeats), so that families that cannot be a
/// unit's family are passed over without reading the rest of them. Most pairs fail here. For
/// each value a unit can bring (its size, its youngest and oldest child's age, its genders, each
/// need at each level) there is the set of families that approve it; the families that admit
/// a unit are where its sets all meet, found 64 families to an AND.
#[derive(Debug)]
struct Gates {
    /// Words in one set.
    words: usize,
    /// The sets, one after another: see the `*_at` functions for where each starts.
    sets: Vec<u64>,
    /// Sizes 0 to `sizes - 1` have a set each; larger sizes are approved by no family.
    sizes: usize,
    /// Ages 0 to `ages - 1` have a set each, for a unit's youngest and for its oldest; older
    /// ages read the last set (see [`Gates::for_unit`]).
    ages: usize,
}

/// The need levels a family's openness can record per category (3 bits each).
const LEVELS: usize = 8;

impl Gates {
    fn of(families: &[Family], keep: impl Fn(&Family) -> bool) -> Gates {
        let words = families.len().div_ceil(64);
        let sizes = families
            .iter()
            .map(|f| usize::from(f.children_max) + 2)
            .max()
            .unwrap_or(1);
        let ages = families
            .iter()
            .map(|f| usize::from(f.age_max_years.max(f.age_min_years)) + 2)
            .max()
            .unwrap_or(1);
        let count = 1 + sizes + 2 * ages + GENDER_MASKS + NEED_LANES * LEVELS;
        let mut gates = Gates {
            words,
            sets: vec![0; count * words],
            sizes,
            ages,
        };
        let mut sets = Vec::new();
        for (at, family) in families.iter().enumerate() {
            sets.clear();
            let mut admit = |set: usize| sets.push(set);
            if keep(family) && family.active {
                admit(0);
            }
            for size in family.children_min..=family.children_max {
                admit(gates.size_at(size));
            }
            for age in 0..ages as u8 {
                // A unit whose youngest is this old is not too young for the family; one whose
                // oldest is this old is not too old.
                if family.age_min_years <= age {
                    admit(gates.youngest_at(age));
                }
                if age <= family.age_max_years {
                    admit(gates.oldest_at(age));
                }
            }
            let approved = family.gender.map_or(u8::MAX, |g| {
                Mask::of(kinlink_domain::child::Gender::ALL, [&g]).bits()
            });
            for genders in 0..GENDER_MASKS as u8 {
                if approved & genders == genders {
                    admit(gates.genders_at(genders));
                }
            }
            let openness = family.openness.packed();
            for lane in 0..NEED_LANES {
                let open_to = ((openness >> (3 * lane)) & 0b111) as usize;
                for level in 0..=open_to {
                    admit(gates.need_at(lane, level));
                }
            }
            for &set in &sets {
                gates.sets[set * words + at / 64] |= 1 << (at % 64);
            }
        }
        gates
    }

    fn size_at(&self, size: u8) -> usize {
        1 + usize::from(size).min(self.sizes - 1)
    }

    fn youngest_at(&self, age: u8) -> usize {
        1 + self.sizes + usize::from(age).min(self.ages - 1)
    }

    fn oldest_at(&self, age: u8) -> usize {
        1 + self.sizes + self.ages + usize::from(age).min(self.ages - 1)
    }

    fn genders_at(&self, genders: u8) -> usize {
        1 + self.sizes + 2 * self.ages + usize::from(genders)
    }

    fn need_at(&self, lane: usize, level: usize) -> usize {
        1 + self.sizes + 2 * self.ages + GENDER_MASKS + lane * LEVELS + level
    }

    /// The sets a unit must be in, ready to meet word by word.
    fn for_unit(&self, unit: &Unit) -> UnitGate<'_> {
        let mut sets = [0usize; 5 + NEED_LANES];
        sets[..5].copy_from_slice(&[
            0,
            self.size_at(unit.size),
            // Larger ages than the sets hold fall to the last set: every family for the
            // youngest (none is too young) and none for the oldest (the last age is beyond
            // every family's).
            self.youngest_at(unit.youngest_years),
            self.oldest_at(unit.oldest_years),
            self.genders_at(unit.genders.bits()),
        ]);
        let mut count = 5;
        let needs = unit.needs.packed();
        for lane in 0..NEED_LANES {
            let level = ((needs >> (3 * lane)) & 0b111) as usize;
            if level > 0 {
                sets[count] = self.need_at(lane, level);
                count += 1;
            }
        }
        UnitGate {
            gates: self,
            sets,
            count,
        }
    }

    /// The bits of `word` that are places in `range`.
    fn within(range: &std::ops::Range<usize>, word: usize) -> u64 {
        let (first, end) = (word * 64, word * 64 + 64);
        let low = if range.start > first {
            u64::MAX << (range.start - first)
        } else {
            u64::MAX
        };
        let high = if range.end < end {
            u64::MAX >> (end - range.end)
        } else {
            u64::MAX
        };
        low & high
    }
}

/// Every combination of genders a unit's children can have: a mask below this.
const GENDER_MASKS: usize = 1 << kinlink_domain::child::Gender::ALL.len();
/// Need categories, 3 bits each in [`crate::facts::Needs`]' packing.
const NEED_LANES: usize = kinlink_domain::profile::NeedCategory::ALL.len();

/// One unit's sets in [`Gates`].
struct UnitGate<'a> {
    gates: &'a Gates,
    sets: [usize; 5 + NEED_LANES],
    count: usize,
}

impl UnitGate<'_> {
    /// Which of the 64 families in `word` admit the unit: bit `i` for place `64 × word + i`.
    fn admitting(&self, word: usize) -> u64 {
        let words = self.gates.words;
        self.sets[..self.count].iter().fold(u64::MAX, |bits, &set| {
            bits & self.gates.sets[set * words + word]
        })
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
    Ok(spread_over(&found, units, families.len(), settings))
}

/// Spread recommendations over each unit's candidates (families at their link limit already
/// left out), with settings already checked.
fn spread_over(
    found: &[Vec<(usize, Score)>],
    units: &[Unit],
    families: usize,
    settings: SpreadSettings,
) -> Spread {
    let graph = candidate_graph(found, families, |u| {
        settings.wait_bonus(units[u].waited_days)
    });
    let solved = b_matching(&graph, settings.per_child, settings.per_family);
    Spread {
        lists: lists_of(&solved.lists, found),
        total_weight: solved.total,
        candidate_pairs: graph.edges(),
    }
}

/// Both register-wide views, as [`spread`] and [`best_assignment`] give them, for less: every
/// unit's candidates are found once (a spread list's candidates are the first of them that
/// can take a link), and the two solves run side by side.
pub fn register_views(
    units: &[Unit],
    families: &[Family],
    weights: Weights,
    settings: SpreadSettings,
) -> Result<(Spread, Assignment), SpreadInvalid> {
    let settings = settings.validate()?;
    let all = candidates(units, families, weights, None, |_| true);
    let short: Vec<Vec<(usize, Score)>> = all
        .iter()
        .map(|list| {
            list.iter()
                .filter(|&&(f, _)| !families[f].at_link_limit)
                .take(settings.candidates)
                .copied()
                .collect()
        })
        .collect();
    Ok(std::thread::scope(|scope| {
        let spread = scope.spawn(|| spread_over(&short, units, families.len(), settings));
        let assignment = assign_candidates(&all, families.len());
        let spread = spread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (spread, assignment)
    }))
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
    // One-to-one is symmetric; the solver was faster from the children's side on England's
    // register (260 ms against 325 ms from the families').
    let graph = candidate_graph(found, families, |_| 0);
    let lists = b_matching(&graph, 1, 1).lists;
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
    let lists = found.iter().enumerate().map(|(u, list)| {
        let bonus = bonus(u);
        list.iter().map(move |&(f, s)| (f, pair_weight(s, bonus)))
    });
    // The lists come from `candidates`: each family once, in range, weights positive, best
    // first.
    Graph::new(families, lists).unwrap_or_default()
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
