//! The exact solver behind spread recommendations and the best overall assignment: a maximum
//! weight b-matching on a bipartite graph of children (units) and families, where each unit
//! takes at most `per_unit` families, each family appears at most `per_family` times, and each
//! pair at most once. The one-to-one assignment is the case `per_unit = per_family = 1`.
//!
//! It is a min-cost flow solved by successive shortest paths (costs are negated weights), with
//! Johnson potentials so that Dijkstra applies, one unit of supply at a time: adding one unit
//! of supply at a node and routing it along the shortest path in the residual graph keeps the
//! flow optimal, so after each unit's turn the flow is the best one for the units seen so far.
//! A unit may also leave a place empty (an edge to the sink of cost 0), so a pair is only used
//! when it adds weight. Searches stop at the first sink reached and only the nodes they settled
//! have their potentials moved (the others move together, which changes no reduced cost), which
//! keeps each search local when few families are contested.
//!
//! Weights are whole numbers, so totals are exact and can be compared with other solvers'.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The candidate pairs: for each unit, the families it may be given and the weight of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    families: usize,
    /// `starts[u]..starts[u + 1]` are unit `u`'s edges.
    starts: Vec<usize>,
    /// The unit each edge leaves from.
    owners: Vec<u32>,
    targets: Vec<u32>,
    weights: Vec<i64>,
}

impl Default for Graph {
    /// No units and no families.
    fn default() -> Self {
        Graph {
            families: 0,
            starts: vec![0],
            owners: Vec::new(),
            targets: Vec::new(),
            weights: Vec::new(),
        }
    }
}

/// Why a graph could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GraphInvalid {
    #[error("unit {unit} lists family {family}, but there are only {families} families")]
    NoSuchFamily {
        unit: usize,
        family: usize,
        families: usize,
    },
    #[error("unit {unit} lists family {family} twice")]
    Repeated { unit: usize, family: usize },
    #[error("unit {unit}'s weight for family {family} is not positive")]
    NotPositive { unit: usize, family: usize },
    #[error("too many units or families for the solver")]
    TooLarge,
}

impl Graph {
    /// A graph over `families` families, from each unit's list of (family, weight). Weights must
    /// be positive (a pair worth nothing is no candidate) and below 2^40, so no sum overflows.
    pub fn new(families: usize, units: Vec<Vec<(usize, i64)>>) -> Result<Graph, GraphInvalid> {
        let mut graph = Graph {
            families,
            ..Graph::default()
        };
        if u32::try_from(families + units.len() + 1).is_err() {
            return Err(GraphInvalid::TooLarge);
        }
        for (unit, mut list) in units.into_iter().enumerate() {
            list.sort_unstable_by_key(|&(f, _)| f);
            for pair in list.windows(2) {
                if pair[0].0 == pair[1].0 {
                    return Err(GraphInvalid::Repeated {
                        unit,
                        family: pair[0].0,
                    });
                }
            }
            for (family, weight) in list {
                if family >= families {
                    return Err(GraphInvalid::NoSuchFamily {
                        unit,
                        family,
                        families,
                    });
                }
                if weight <= 0 || weight >= 1 << 40 {
                    return Err(GraphInvalid::NotPositive { unit, family });
                }
                graph.owners.push(unit as u32);
                graph.targets.push(family as u32);
                graph.weights.push(weight);
            }
            graph.starts.push(graph.targets.len());
        }
        Ok(graph)
    }

    pub fn units(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn families(&self) -> usize {
        self.families
    }

    pub fn edges(&self) -> usize {
        self.targets.len()
    }

    fn edges_of(&self, unit: usize) -> std::ops::Range<usize> {
        self.starts[unit]..self.starts[unit + 1]
    }

    /// Unit `u`'s candidates, as (family, weight).
    pub fn candidates(&self, unit: usize) -> impl Iterator<Item = (usize, i64)> + '_ {
        self.edges_of(unit)
            .map(|e| (self.targets[e] as usize, self.weights[e]))
    }
}

/// The solver's answer: for each unit, the families it was given, and the total weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BMatching {
    pub lists: Vec<Vec<(usize, i64)>>,
    pub total: i64,
}

/// Node numbers in the residual graph: units, then families, then the sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    /// Reached from a unit along its candidate edge (by edge index).
    Take(usize),
    /// Reached from a family by giving up the unit's edge to it (by edge index).
    GiveUp(usize),
    /// The sink, reached from a unit leaving a place empty.
    LeaveEmpty(usize),
    /// The sink, reached from a family with room.
    Room(usize),
    Start,
}

/// The maximum-weight b-matching of `graph`.
pub fn b_matching(graph: &Graph, per_unit: u32, per_family: u32) -> BMatching {
    let n = graph.units();
    let m = graph.families();
    let sink = n + m;
    let mut used = vec![false; graph.edges()];
    // For each family, the edges that use it now.
    let mut holders: Vec<Vec<usize>> = vec![Vec::new(); m];
    let mut potential = vec![0i64; n + m + 1];
    // Feasible to begin with: every unit -> family edge has reduced cost -w + 0 - pi(f) >= 0.
    for (e, &f) in graph.targets.iter().enumerate() {
        let f = n + f as usize;
        potential[f] = potential[f].min(-graph.weights[e]);
    }
    potential[sink] = potential[n..sink].iter().copied().min().unwrap_or(0).min(0);

    let mut search = Search::new(n + m + 1);
    let reduced = |potential: &[i64], from: usize, to: usize, cost: i64| {
        cost + potential[from] - potential[to]
    };

    for source in 0..n {
        for _ in 0..per_unit {
            search.start(source);
            while let Some((d, x)) = search.next() {
                if x == sink {
                    break;
                }
                if x < n {
                    for e in graph.edges_of(x) {
                        if !used[e] {
                            let f = n + graph.targets[e] as usize;
                            let cost = reduced(&potential, x, f, -graph.weights[e]);
                            search.relax(f, d + cost, Via::Take(e));
                        }
                    }
                    let cost = reduced(&potential, x, sink, 0);
                    search.relax(sink, d + cost, Via::LeaveEmpty(x));
                } else {
                    let f = x - n;
                    for &e in &holders[f] {
                        let u = graph.owners[e] as usize;
                        let cost = reduced(&potential, x, u, graph.weights[e]);
                        search.relax(u, d + cost, Via::GiveUp(e));
                    }
                    if holders[f].len() < per_family as usize {
                        let cost = reduced(&potential, x, sink, 0);
                        search.relax(sink, d + cost, Via::Room(f));
                    }
                }
            }
            let Search {
                dist,
                via,
                settled,
                order,
                ..
            } = &search;
            if !settled[sink] {
                break;
            }
            // Moving the potentials even when the unit's place stays empty keeps every residual
            // edge's reduced cost non-negative, including the way back from the sink to this
            // unit, so the potentials stay a proof of optimality (linear programming duality).
            let end = dist[sink];
            for &x in order {
                potential[x] += dist[x] - end;
            }
            if via[sink] == Via::LeaveEmpty(source) {
                // Every further place for this unit would stay empty too: nothing improves.
                break;
            }
            // Walk the path back from the sink, changing which pairs are used.
            let mut at = sink;
            loop {
                match via[at] {
                    Via::Start => break,
                    Via::LeaveEmpty(u) => at = u,
                    Via::Room(f) => at = n + f,
                    Via::Take(e) => {
                        used[e] = true;
                        holders[graph.targets[e] as usize].push(e);
                        at = graph.owners[e] as usize;
                    }
                    Via::GiveUp(e) => {
                        used[e] = false;
                        let f = graph.targets[e] as usize;
                        holders[f].retain(|&h| h != e);
                        at = n + f;
                    }
                }
            }
        }
    }

    let mut lists = vec![Vec::new(); n];
    let mut total = 0;
    for (u, list) in lists.iter_mut().enumerate() {
        for e in graph.edges_of(u) {
            if used[e] {
                list.push((graph.targets[e] as usize, graph.weights[e]));
                total += graph.weights[e];
            }
        }
        list.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    BMatching { lists, total }
}

/// One shortest-path search: distances, how each node was reached, and what it touched, so
/// that the next search resets only those. The sink is the last node.
struct Search {
    dist: Vec<i64>,
    via: Vec<Via>,
    settled: Vec<bool>,
    touched: Vec<usize>,
    order: Vec<usize>,
    /// (distance, whether the node is not the sink, node): among nodes at the same distance the
    /// sink comes first, so a search ends as soon as a shortest path is known, instead of first
    /// settling every node that ties with it (scores take few distinct values, so ties are many).
    heap: BinaryHeap<Reverse<(i64, bool, usize)>>,
    sink: usize,
}

impl Search {
    fn new(nodes: usize) -> Search {
        Search {
            sink: nodes - 1,
            dist: vec![i64::MAX; nodes],
            via: vec![Via::Start; nodes],
            settled: vec![false; nodes],
            touched: Vec::new(),
            order: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn start(&mut self, source: usize) {
        for &x in &self.touched {
            self.dist[x] = i64::MAX;
            self.settled[x] = false;
        }
        self.touched.clear();
        self.order.clear();
        self.heap.clear();
        self.relax(source, 0, Via::Start);
    }

    fn relax(&mut self, to: usize, d: i64, how: Via) {
        if d < self.dist[to] {
            if self.dist[to] == i64::MAX {
                self.touched.push(to);
            }
            self.dist[to] = d;
            self.via[to] = how;
            self.heap.push(Reverse((d, to != self.sink, to)));
        }
    }

    /// The nearest node not yet settled, settling it.
    fn next(&mut self) -> Option<(i64, usize)> {
        while let Some(Reverse((d, _, x))) = self.heap.pop() {
            if !self.settled[x] && d == self.dist[x] {
                self.settled[x] = true;
                self.order.push(x);
                return Some((d, x));
            }
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every subset of the edges that keeps to the capacities, and the best total among them.
    fn brute_force(graph: &Graph, per_unit: u32, per_family: u32) -> i64 {
        let edges: Vec<(usize, usize, i64)> = (0..graph.units())
            .flat_map(|u| graph.candidates(u).map(move |(f, w)| (u, f, w)))
            .collect();
        let mut best = 0;
        for subset in 0u32..(1 << edges.len()) {
            let mut per_u = vec![0u32; graph.units()];
            let mut per_f = vec![0u32; graph.families()];
            let mut total = 0;
            let mut fits = true;
            for (i, &(u, f, w)) in edges.iter().enumerate() {
                if subset & (1 << i) != 0 {
                    per_u[u] += 1;
                    per_f[f] += 1;
                    total += w;
                    fits &= per_u[u] <= per_unit && per_f[f] <= per_family;
                }
            }
            if fits {
                best = best.max(total);
            }
        }
        best
    }

    fn graphs() -> impl Strategy<Value = (Graph, u32, u32)> {
        (1usize..5, 1usize..5)
            .prop_flat_map(|(units, families)| {
                let pairs: Vec<(usize, usize)> = (0..units)
                    .flat_map(|u| (0..families).map(move |f| (u, f)))
                    .collect();
                (
                    Just((units, families)),
                    proptest::sample::subsequence(pairs.clone(), 0..=pairs.len().min(12)),
                    proptest::collection::vec(1i64..100, 12),
                    1u32..4,
                    1u32..4,
                )
            })
            .prop_map(
                |((units, families), pairs, weights, per_unit, per_family)| {
                    let mut lists = vec![Vec::new(); units];
                    for (i, (u, f)) in pairs.into_iter().enumerate() {
                        lists[u].push((f, weights[i]));
                    }
                    (Graph::new(families, lists).unwrap(), per_unit, per_family)
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]

        #[test]
        fn the_total_is_the_brute_force_optimum((graph, per_unit, per_family) in graphs()) {
            let found = b_matching(&graph, per_unit, per_family);
            prop_assert_eq!(found.total, brute_force(&graph, per_unit, per_family));
            let mut load = vec![0u32; graph.families()];
            for (u, list) in found.lists.iter().enumerate() {
                prop_assert!(list.len() <= per_unit as usize);
                for &(f, w) in list {
                    prop_assert!(graph.candidates(u).any(|c| c == (f, w)), "only candidate pairs");
                    load[f] += 1;
                }
                let mut families: Vec<usize> = list.iter().map(|p| p.0).collect();
                families.dedup();
                prop_assert_eq!(families.len(), list.len(), "no family twice in one list");
            }
            prop_assert!(load.iter().all(|&l| l <= per_family));
            let sum: i64 = found.lists.iter().flatten().map(|p| p.1).sum();
            prop_assert_eq!(sum, found.total);
        }

        #[test]
        fn the_one_to_one_assignment_is_the_brute_force_optimum((graph, _, _) in graphs()) {
            let found = b_matching(&graph, 1, 1);
            prop_assert_eq!(found.total, brute_force(&graph, 1, 1));
        }
    }

    #[test]
    fn a_contested_family_goes_where_it_adds_most() {
        // Both units want family 0; unit 1 has nowhere else worth going.
        let graph = Graph::new(2, vec![vec![(0, 10), (1, 9)], vec![(0, 8)]]).unwrap();
        let found = b_matching(&graph, 1, 1);
        assert_eq!(found.lists, vec![vec![(1, 9)], vec![(0, 8)]]);
        assert_eq!(found.total, 17);
    }

    #[test]
    fn bad_graphs_are_refused_not_solved() {
        assert_eq!(
            Graph::new(1, vec![vec![(1, 5)]]),
            Err(GraphInvalid::NoSuchFamily {
                unit: 0,
                family: 1,
                families: 1
            })
        );
        assert_eq!(
            Graph::new(1, vec![vec![(0, 5), (0, 6)]]),
            Err(GraphInvalid::Repeated { unit: 0, family: 0 })
        );
        assert_eq!(
            Graph::new(1, vec![vec![(0, 0)]]),
            Err(GraphInvalid::NotPositive { unit: 0, family: 0 })
        );
    }

    #[test]
    fn an_empty_graph_has_nothing_to_give() {
        let graph = Graph::new(3, vec![vec![], vec![]]).unwrap();
        let found = b_matching(&graph, 2, 2);
        assert_eq!(found.total, 0);
        assert!(found.lists.iter().all(Vec::is_empty));
    }
}
