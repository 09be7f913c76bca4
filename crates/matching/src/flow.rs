//! The exact solver behind spread recommendations and the best overall assignment: a maximum
//! weight b-matching on a bipartite graph of children (units) and families, where each unit
//! takes at most `per_unit` families, each family appears at most `per_family` times, and each
//! pair at most once. The one-to-one assignment is the case `per_unit = per_family = 1`.
//!
//! It is a minimum-cost flow (costs are negated weights) solved by cost scaling, Goldberg and
//! Tarjan's push-relabel method:
//! - Each unit has `per_unit` places to fill. A place can go to a candidate family (capacity 1,
//!   so each pair is used at most once) or stay empty, which drains it into one outlet at cost
//!   0; a family drains what it takes into the same outlet, at most `per_family`. So a pair is
//!   only used when it adds weight.
//! - Every unit, family and the outlet has a price. A flow is *ε-optimal* when nothing that
//!   could carry more flow costs less than −ε after prices; with whole-number costs multiplied
//!   by more than the number of nodes, a 1-optimal flow is optimal (Goldberg and Tarjan, 1990).
//! - Each round divides ε by [`ALPHA`] and makes the flow ε-optimal again: it fills every pair
//!   that has become too cheap, then moves the resulting surplus on along what is cheap after
//!   prices (a *push*), lowering a price where there is nothing cheap (a *relabel*).
//!
//! What makes it fast on the registers, where scores take few distinct values and thousands of
//! children want the same few families (each measured in `benches/matching.rs`):
//! - **The network is not stored as arcs.** A unit's pairs are one run of (weight, family)
//!   with a used flag; a family keeps only the pairs it holds; the outlet's side is two
//!   counters per node. Nothing is stored twice, so the pairs stay in cache.
//! - **Each unit keeps its few best pairs** (by what they offer after the families' prices)
//!   and a bound on the rest. Prices only fall, so the bound stays true, and a unit finds its
//!   best pair without reading all of them (Goldberg and Kennedy's *k-best* idea). A graph
//!   keeps each unit's pairs heaviest first, and no pair offers more than its weight, so when a
//!   unit must read its pairs again it stops at the first one too light to matter.
//! - **A unit that must lower its price lowers it to its second-best offer** and takes the
//!   best pair at once, as a bidder in an auction does, so it does not come back for each ε.
//! - **It starts from prices where taking nothing is optimal** (each unit priced at its best
//!   pair), so the first round does not fill every pair only to empty them again.
//! - **It stops as soon as the flow is provably optimal**: after each round below one point of
//!   weight, the families' prices rounded to whole points give a dual bound (weak duality: for
//!   any family prices q ≥ 0, no b-matching weighs more than Σ per_family × q + Σ over units of
//!   their per_unit best positive w − q). When that bound equals the flow's weight, the flow is
//!   optimal and the remaining rounds are skipped.
//! - **Large graphs are renumbered** so that units and families that share pairs sit near each
//!   other in memory (a breadth-first order), which matters once the pairs outgrow the cache.
//!
//! Weights are whole numbers, so totals are exact and can be compared with other solvers'.

/// The candidate pairs: for each unit, the families it may be given and the weight of each,
/// heaviest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    families: usize,
    /// `starts[u]..starts[u + 1]` are unit `u`'s edges.
    starts: Vec<usize>,
    targets: Vec<u32>,
    /// Below 2^24 (see [`LIMIT`]).
    weights: Vec<u32>,
}

impl Default for Graph {
    /// No units and no families.
    fn default() -> Self {
        Graph {
            families: 0,
            starts: vec![0],
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
    #[error("unit {unit}'s weight for family {family} is above what the solver takes (2^24)")]
    TooHeavy { unit: usize, family: usize },
    #[error("too many units or families for the solver")]
    TooLarge,
}

/// The most units and families together, and the largest weight. Beyond that, the solver's
/// prices must also fit: costs are weights times (nodes + 1), and over all rounds a price falls
/// by at most about 4 × nodes × the largest cost (Goldberg and Tarjan: 3 × nodes × ε a round,
/// and the rounds' ε shrink geometrically), so (nodes + 1)² × the heaviest weight × 8 must stay
/// within 64 bits. The United States' register (126,000 nodes, weights about 2,000) is
/// thousands of times inside that.
const LIMIT: usize = 1 << 24;

impl Graph {
    /// A graph over `families` families, from each unit's list of (family, weight). Weights must
    /// be positive (a pair worth nothing is no candidate) and below 2^24 (a score is at most
    /// 1,000), as must the units and families together, and the two together within what the
    /// solver's prices can hold (see [`LIMIT`]).
    pub fn new<List>(
        families: usize,
        units: impl IntoIterator<Item = List>,
    ) -> Result<Graph, GraphInvalid>
    where
        List: IntoIterator<Item = (usize, i64)>,
    {
        let mut graph = Graph {
            families,
            ..Graph::default()
        };
        if families + 1 >= LIMIT {
            return Err(GraphInvalid::TooLarge);
        }
        let mut list = Vec::new();
        // For each family, the last unit seen to list it.
        let mut listed_by = vec![usize::MAX; families];
        let units = units.into_iter();
        let expected = units.size_hint().0;
        graph.starts.reserve(expected);
        for (unit, pairs) in units.enumerate() {
            if families + unit + 2 >= LIMIT {
                return Err(GraphInvalid::TooLarge);
            }
            list.clear();
            list.extend(pairs);
            for &(family, weight) in &list {
                if family >= families {
                    return Err(GraphInvalid::NoSuchFamily {
                        unit,
                        family,
                        families,
                    });
                }
                if listed_by[family] == unit {
                    return Err(GraphInvalid::Repeated { unit, family });
                }
                listed_by[family] = unit;
                if weight <= 0 {
                    return Err(GraphInvalid::NotPositive { unit, family });
                }
                if weight >= LIMIT as i64 {
                    return Err(GraphInvalid::TooHeavy { unit, family });
                }
            }
            // Heaviest first (the solver relies on it); lists of candidates come so already.
            if !list.windows(2).all(|pair| pair[0].1 >= pair[1].1) {
                list.sort_unstable_by_key(|&(family, weight)| (std::cmp::Reverse(weight), family));
            }
            if graph.targets.capacity() - graph.targets.len() < list.len() {
                // Room for the rest at the average so far, rather than doubling as it grows.
                let average = (graph.targets.len() + list.len()).div_ceil(unit + 1);
                let more = list.len() + average * expected.saturating_sub(unit + 1);
                graph.targets.reserve(more);
                graph.weights.reserve(more);
            }
            for &(family, weight) in &list {
                graph.targets.push(family as u32);
                // Checked above: positive and below 2^24.
                graph.weights.push(weight as u32);
            }
            graph.starts.push(graph.targets.len());
        }
        let nodes = (families + graph.units() + 2) as u128;
        let heaviest = graph.weights.iter().copied().max().unwrap_or(0) as u128;
        if nodes * nodes * heaviest * 8 >= 1 << 63 {
            return Err(GraphInvalid::TooLarge);
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
            .map(|e| (self.targets[e] as usize, i64::from(self.weights[e])))
    }
}

/// The solver's answer: for each unit, the families it was given, and the total weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BMatching {
    pub lists: Vec<Vec<(usize, i64)>>,
    pub total: i64,
}

/// How much ε shrinks between rounds: 4 was the fastest of 3 to 8 on the synthetic registers.
pub const ALPHA: i64 = 4;

/// The first round's ε is the largest cost divided by this: a first round at the largest cost
/// itself did nothing the next round did not redo.
const FIRST_ROUND: i64 = 16;

/// Graphs with more pairs than this are renumbered for locality first; below it the pairs fit
/// in cache and renumbering costs more than it saves (England's 431,638 pairs: no faster).
const RENUMBER_ABOVE: usize = 1 << 20;

/// The maximum-weight b-matching of `graph`.
pub fn b_matching(graph: &Graph, per_unit: u32, per_family: u32) -> BMatching {
    solve(graph, per_unit, per_family, graph.edges() > RENUMBER_ABOVE)
}

fn solve(graph: &Graph, per_unit: u32, per_family: u32, renumber: bool) -> BMatching {
    let order = if renumber {
        Order::breadth_first(graph)
    } else {
        Order::given(graph)
    };
    let mut solver = Solver::new(graph, &order, per_unit, per_family);
    solver.solve();
    let mut family_of = vec![0usize; graph.families()];
    for (f, &at) in order.families.iter().enumerate() {
        family_of[at as usize] = f;
    }
    let mut lists = vec![Vec::new(); graph.units()];
    let mut total = 0;
    for (u, list) in lists.iter_mut().enumerate() {
        let at = order.units[u] as usize;
        for pair in &solver.pairs[solver.start[at]..solver.start[at + 1]] {
            if pair.used() {
                let weight = i64::from(pair.weight);
                list.push((family_of[pair.family()], weight));
                total += weight;
            }
        }
        list.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    BMatching { lists, total }
}

/// Where each unit and family sits in the solver.
struct Order {
    units: Vec<u32>,
    families: Vec<u32>,
}

impl Order {
    fn given(graph: &Graph) -> Order {
        Order {
            units: (0..graph.units() as u32).collect(),
            families: (0..graph.families() as u32).collect(),
        }
    }

    /// Breadth first from each unit not yet reached: a unit, then its families, then their
    /// other units, each numbered as it is first met.
    fn breadth_first(graph: &Graph) -> Order {
        let (n, m) = (graph.units(), graph.families());
        // Who lists each family, as one run per family.
        let mut first = vec![0usize; m + 1];
        for &f in &graph.targets {
            first[f as usize + 1] += 1;
        }
        for f in 0..m {
            first[f + 1] += first[f];
        }
        let mut fill = first.clone();
        let mut listed_by = vec![0u32; graph.edges()];
        for u in 0..n {
            for &f in &graph.targets[graph.edges_of(u)] {
                listed_by[fill[f as usize]] = u as u32;
                fill[f as usize] += 1;
            }
        }
        const UNSEEN: u32 = u32::MAX;
        let mut units = vec![UNSEEN; n];
        let mut families = vec![UNSEEN; m];
        let (mut next_unit, mut next_family) = (0u32, 0u32);
        let mut queue = std::collections::VecDeque::new();
        for root in 0..n {
            if units[root] != UNSEEN {
                continue;
            }
            units[root] = next_unit;
            next_unit += 1;
            queue.push_back(root);
            while let Some(u) = queue.pop_front() {
                for e in graph.edges_of(u) {
                    let f = graph.targets[e] as usize;
                    if families[f] != UNSEEN {
                        continue;
                    }
                    families[f] = next_family;
                    next_family += 1;
                    for &other in &listed_by[first[f]..first[f + 1]] {
                        let other = other as usize;
                        if units[other] == UNSEEN {
                            units[other] = next_unit;
                            next_unit += 1;
                            queue.push_back(other);
                        }
                    }
                }
            }
        }
        for f in families.iter_mut().filter(|f| **f == UNSEEN) {
            *f = next_family;
            next_family += 1;
        }
        Order { units, families }
    }
}

/// One candidate pair as the solver holds it: its weight, and its family with the flag for
/// whether the unit has a place with it in the top bit.
#[derive(Debug, Clone, Copy)]
struct Pair {
    weight: u32,
    tag: u32,
}

const USED: u32 = 1 << 31;

impl Pair {
    fn family(self) -> usize {
        (self.tag & !USED) as usize
    }

    fn used(self) -> bool {
        self.tag & USED != 0
    }
}

/// The flow network, in the solver's numbering. Prices and surpluses are indexed by node:
/// the units, then the families, then the outlet.
struct Solver {
    units: usize,
    families: usize,
    per_unit: i64,
    per_family: i64,
    /// Costs are weights multiplied by this (more than the number of nodes).
    scale: i64,
    /// `start[u]..start[u + 1]` are unit `u`'s pairs.
    start: Vec<usize>,
    pairs: Vec<Pair>,
    /// For each unit, how many of its places stay empty (its flow to the outlet).
    empty: Vec<i64>,
    /// For each family, the pairs it holds (with their units), and how many places it passes
    /// to the outlet.
    held: Vec<Vec<(u32, u32)>>,
    drained: Vec<i64>,
    price: Vec<i64>,
    excess: Vec<i64>,
    /// The nodes with a surplus, the latest on top: working on the newest surplus first
    /// follows a displacement to its end while it is fresh.
    active: Vec<u32>,
    listed: Vec<bool>,
    /// For each unit, some of its free pairs that offer the most, and a bound on what any
    /// other pair offers: see [`Solver::best_offer`].
    cache: Vec<Vec<u32>>,
    bound: Vec<i64>,
    /// For each unit, how many pairs its cache keeps.
    keep: Vec<u16>,
    /// Where the outlet's search for a node to give back to resumes.
    outlet_next: usize,
    /// The weight of the pairs in use.
    weight: i64,
    scratch: Vec<(i64, u32)>,
}

/// What a unit's best options offer, read from its cache.
struct Offer {
    /// The best free pair, if any, and what it offers.
    pair: Option<(usize, i64)>,
    /// At least what the second-best free pair offers.
    second: i64,
    /// What leaving a place empty offers, if the unit can.
    outlet: Option<i64>,
}

impl Solver {
    fn new(graph: &Graph, order: &Order, per_unit: u32, per_family: u32) -> Solver {
        let (n, m) = (graph.units(), graph.families());
        let nodes = n + m + 1;
        let scale = nodes as i64 + 1;
        let mut by_position = vec![0usize; n];
        for (u, &at) in order.units.iter().enumerate() {
            by_position[at as usize] = u;
        }
        let mut start = Vec::with_capacity(n + 1);
        start.push(0);
        let mut pairs = Vec::with_capacity(graph.edges());
        let mut price = vec![0i64; nodes];
        let mut keep = Vec::with_capacity(n);
        for (at, &u) in by_position.iter().enumerate() {
            let first = pairs.len();
            for e in graph.edges_of(u) {
                pairs.push(Pair {
                    weight: graph.weights[e],
                    tag: order.families[graph.targets[e] as usize],
                });
            }
            // Heaviest first, as the graph keeps them: a family's price never rises above 0,
            // so a pair never offers more than its cost, and a unit reading its pairs in this
            // order can stop at the first that could not make the difference.
            let best = pairs.get(first).map_or(0, |p| i64::from(p.weight) * scale);
            start.push(pairs.len());
            // Each unit priced at its best pair: nothing offers more than it costs, so the
            // empty flow is optimal for these prices and the first round starts from there.
            price[at] = best;
            // Enough pairs that a unit rarely has to read all of its own again: about the
            // square root of how many it has (measured against fixed numbers from 4 to 32).
            let degree = graph.edges_of(u).len();
            keep.push(
                (degree.isqrt().max(per_unit as usize + 3)).min(usize::from(u16::MAX)) as u16,
            );
        }
        let mut excess = vec![i64::from(per_unit); n];
        excess.resize(nodes, 0);
        excess[n + m] = -(i64::from(per_unit) * n as i64);
        Solver {
            units: n,
            families: m,
            per_unit: i64::from(per_unit),
            per_family: i64::from(per_family),
            scale,
            start,
            pairs,
            empty: vec![0; n],
            held: vec![Vec::new(); m],
            drained: vec![0; m],
            price,
            excess,
            active: Vec::new(),
            listed: vec![false; nodes],
            cache: vec![Vec::new(); n],
            bound: vec![i64::MAX; n],
            keep,
            outlet_next: 0,
            weight: 0,
            scratch: Vec::new(),
        }
    }

    fn outlet(&self) -> usize {
        self.units + self.families
    }

    fn cost(&self, pair: Pair) -> i64 {
        i64::from(pair.weight) * self.scale
    }

    /// What pair `a` offers its unit: its weight, less its family's price (prices are kept
    /// with the opposite sign, so this is a sum).
    fn offer(&self, a: usize) -> i64 {
        let pair = self.pairs[a];
        self.price[self.units + pair.family()] + self.cost(pair)
    }

    /// What giving a held place back offers its family.
    fn return_offer(&self, (a, u): (u32, u32)) -> i64 {
        self.price[u as usize] - self.cost(self.pairs[a as usize])
    }

    /// Rounds of ε from the largest cost down to 1, or until the flow is shown optimal; the
    /// last round's ε.
    fn solve(&mut self) -> i64 {
        let most = self.pairs.iter().map(|&p| self.cost(p)).max().unwrap_or(0);
        let mut epsilon = (most / FIRST_ROUND).max(1);
        loop {
            self.refine(epsilon);
            // Above one point of weight a round leaves the flow too rough to prove.
            if epsilon == 1 || (epsilon <= self.scale && self.dual_bound() == self.weight) {
                return epsilon;
            }
            epsilon = (epsilon / ALPHA).max(1);
        }
    }

    /// An upper bound on any b-matching's weight (see the module's comment), from the families'
    /// prices rounded to whole points of weight.
    fn dual_bound(&self) -> i64 {
        let (n, outlet) = (self.units, self.outlet());
        let half = self.scale / 2;
        let q: Vec<i64> = (0..self.families)
            .map(|f| ((self.price[outlet] - self.price[n + f]).max(0) + half) / self.scale)
            .collect();
        let mut bound = q.iter().sum::<i64>() * self.per_family;
        let places = self.per_unit as usize;
        if places == 1 {
            for u in 0..n {
                let mut best = 0;
                for pair in &self.pairs[self.start[u]..self.start[u + 1]] {
                    let weight = i64::from(pair.weight);
                    if weight <= best {
                        break;
                    }
                    best = best.max(weight - q[pair.family()]);
                }
                bound += best;
            }
            return bound;
        }
        let mut best: Vec<i64> = Vec::with_capacity(places + 1);
        for u in 0..n {
            best.clear();
            for pair in &self.pairs[self.start[u]..self.start[u + 1]] {
                // Heaviest first, and q ≥ 0: no later pair gains more than its weight.
                let weight = i64::from(pair.weight);
                if weight <= 0 || (best.len() == places && weight <= best[places - 1]) {
                    break;
                }
                let gain = weight - q[pair.family()];
                if gain > 0 && (best.len() < places || gain > best[places - 1]) {
                    let at = best.partition_point(|&b| b >= gain);
                    best.insert(at, gain);
                    best.truncate(places);
                }
            }
            bound += best.iter().sum::<i64>();
        }
        bound
    }

    /// Makes the flow ε-optimal: fills everything too cheap after prices, then pushes every
    /// surplus on until none is left.
    fn refine(&mut self, epsilon: i64) {
        let (n, outlet) = (self.units, self.outlet());
        for u in 0..n {
            let price = self.price[u];
            // No pair outside the cache offers more than the bound.
            if price >= self.bound[u] {
                for i in 0..self.cache[u].len() {
                    let a = self.cache[u][i] as usize;
                    if !self.pairs[a].used() && self.offer(a) > price {
                        self.take(u, a);
                    }
                }
            } else {
                for a in self.start[u]..self.start[u + 1] {
                    if self.cost(self.pairs[a]) <= price {
                        break;
                    }
                    if !self.pairs[a].used() && self.offer(a) > price {
                        self.take(u, a);
                    }
                }
            }
            if self.empty[u] < self.per_unit && self.price[outlet] > price {
                self.send_to_outlet(u, self.per_unit - self.empty[u]);
            }
        }
        for f in 0..self.families {
            let v = n + f;
            let mut i = 0;
            while i < self.held[f].len() {
                if self.return_offer(self.held[f][i]) > self.price[v] {
                    self.give_back(f, i);
                } else {
                    i += 1;
                }
            }
            if self.drained[f] < self.per_family && self.price[outlet] > self.price[v] {
                self.send_to_outlet(v, self.per_family - self.drained[f]);
            }
        }
        for v in 0..outlet {
            let flow = self.outlet_flow(v);
            if flow > 0 && self.price[v] > self.price[outlet] {
                self.return_from_outlet(v, flow);
            }
        }
        for v in 0..=outlet {
            self.activate(v);
        }
        self.outlet_next = 0;
        while let Some(v) = self.active.pop() {
            let v = v as usize;
            self.listed[v] = false;
            if v < n {
                self.discharge_unit(v, epsilon);
            } else if v < outlet {
                self.discharge_family(v, epsilon);
            } else {
                self.discharge_outlet(epsilon);
            }
        }
    }

    fn activate(&mut self, v: usize) {
        if self.excess[v] > 0 && !self.listed[v] {
            self.listed[v] = true;
            self.active.push(v as u32);
        }
    }

    /// Unit `u` takes a place with pair `a`'s family.
    fn take(&mut self, u: usize, a: usize) {
        let f = self.pairs[a].family();
        self.pairs[a].tag |= USED;
        self.weight += i64::from(self.pairs[a].weight);
        self.held[f].push((a as u32, u as u32));
        self.excess[u] -= 1;
        self.excess[self.units + f] += 1;
        self.activate(self.units + f);
    }

    /// Family `f` gives the place it holds as `held[f][i]` back to its unit.
    fn give_back(&mut self, f: usize, i: usize) {
        let (a, u) = self.held[f].swap_remove(i);
        let (a, u) = (a as usize, u as usize);
        self.pairs[a].tag &= !USED;
        self.weight -= i64::from(self.pairs[a].weight);
        self.excess[self.units + f] -= 1;
        self.excess[u] += 1;
        // The pair is free again: if it offers more than the bound, the cache must know it.
        if self.offer(a) > self.bound[u] && !self.cache[u].contains(&(a as u32)) {
            self.cache[u].push(a as u32);
        }
        self.activate(u);
    }

    /// How much unit or family `v` passes to the outlet.
    fn outlet_flow(&self, v: usize) -> i64 {
        if v < self.units {
            self.empty[v]
        } else {
            self.drained[v - self.units]
        }
    }

    fn send_to_outlet(&mut self, v: usize, amount: i64) {
        if v < self.units {
            self.empty[v] += amount;
        } else {
            self.drained[v - self.units] += amount;
        }
        let outlet = self.outlet();
        self.excess[v] -= amount;
        self.excess[outlet] += amount;
        self.activate(outlet);
    }

    fn return_from_outlet(&mut self, v: usize, amount: i64) {
        if v < self.units {
            self.empty[v] -= amount;
        } else {
            self.drained[v - self.units] -= amount;
        }
        let outlet = self.outlet();
        self.excess[v] += amount;
        self.excess[outlet] -= amount;
        self.activate(v);
    }

    /// Reads unit `u`'s pairs afresh: its `keep` free pairs that offer the most go in its cache,
    /// and the bound is at least what any other pair offers. Pairs are read heaviest first and
    /// no pair offers more than its cost, so the reading stops at the first pair whose cost is
    /// no more than the `keep + 1`-th best offer found so far.
    fn recache(&mut self, u: usize) {
        let keep = usize::from(self.keep[u]);
        let mut offers = std::mem::take(&mut self.scratch);
        offers.clear();
        // The (keep + 1)-th best offer among those kept so far, once there are that many.
        let mut floor = i64::MIN;
        let mut unread = i64::MIN;
        for a in self.start[u]..self.start[u + 1] {
            let pair = self.pairs[a];
            if self.cost(pair) <= floor {
                unread = self.cost(pair);
                break;
            }
            if !pair.used() {
                let offer = self.offer(a);
                if offer > floor {
                    offers.push((offer, a as u32));
                    if offers.len() > 4 * (keep + 1) {
                        offers.select_nth_unstable_by(keep, |x, y| y.0.cmp(&x.0));
                        offers.truncate(keep + 1);
                        floor = offers[keep].0;
                    }
                }
            }
        }
        self.cache[u].clear();
        if offers.len() > keep {
            offers.select_nth_unstable_by(keep, |x, y| y.0.cmp(&x.0));
            self.bound[u] = offers[keep].0.max(unread);
            offers.truncate(keep);
        } else {
            self.bound[u] = i64::MIN;
        }
        self.cache[u].extend(offers.iter().map(|o| o.1));
        self.scratch = offers;
    }

    /// Unit `u`'s best offers. Prices only fall, so what a pair offers only falls, and the
    /// bound stays above every pair outside the cache; the cache's best is the unit's best
    /// while it is at least the bound (else the caller reads the pairs afresh).
    fn best_offer(&mut self, u: usize) -> Offer {
        let mut pair: Option<(usize, i64)> = None;
        let mut second = i64::MIN;
        let mut i = 0;
        while i < self.cache[u].len() {
            let a = self.cache[u][i] as usize;
            let offer = self.offer(a);
            if !self.pairs[a].used() {
                match pair {
                    Some((_, best)) if offer <= best => second = second.max(offer),
                    _ => {
                        second = pair.map_or(second, |p| p.1);
                        pair = Some((a, offer));
                    }
                }
            } else if offer <= self.bound[u] {
                // Taken, and no better than the pairs outside: it need not be watched.
                self.cache[u].swap_remove(i);
                continue;
            }
            i += 1;
        }
        let outlet = (self.empty[u] < self.per_unit).then_some(self.price[self.outlet()]);
        Offer {
            pair,
            second: second.max(self.bound[u]),
            outlet,
        }
    }

    fn discharge_unit(&mut self, u: usize, epsilon: i64) {
        while self.excess[u] > 0 {
            let offer = self.best_offer(u);
            let pair = offer.pair.map_or(i64::MIN, |p| p.1);
            let outlet = offer.outlet.unwrap_or(i64::MIN);
            let top = pair.max(outlet);
            if top < self.bound[u] {
                self.recache(u);
                continue;
            }
            let price = self.price[u];
            match offer.pair {
                Some((a, _)) if pair >= outlet => {
                    if top <= price {
                        // Taking the best pair fills it, so the price may fall to the next
                        // best offer, not just below the best: an auction's bid.
                        let next = offer.second.max(outlet);
                        self.price[u] = if next == i64::MIN { top } else { next } - epsilon;
                    }
                    self.take(u, a);
                }
                _ => {
                    if top <= price {
                        self.price[u] = top - epsilon;
                    }
                    let amount = self.excess[u].min(self.per_unit - self.empty[u]);
                    self.send_to_outlet(u, amount);
                }
            }
        }
    }

    /// A family's surplus: it passes places to the outlet, or gives places back to units it
    /// holds, or lowers its price.
    fn discharge_family(&mut self, v: usize, epsilon: i64) {
        let (f, outlet) = (v - self.units, self.outlet());
        while self.excess[v] > 0 {
            let drain = (self.drained[f] < self.per_family).then_some(self.price[outlet]);
            let price = self.price[v];
            if drain.is_some_and(|d| d > price) {
                let amount = self.excess[v].min(self.per_family - self.drained[f]);
                self.send_to_outlet(v, amount);
                continue;
            }
            // Every place that is cheap to give back, in one pass rather than starting over
            // after each.
            let mut best = drain.unwrap_or(i64::MIN);
            let mut gave = false;
            let mut i = 0;
            while i < self.held[f].len() && self.excess[v] > 0 {
                let offer = self.return_offer(self.held[f][i]);
                if offer > price {
                    self.give_back(f, i);
                    gave = true;
                } else {
                    best = best.max(offer);
                    i += 1;
                }
            }
            if !gave {
                // A family with a surplus holds more places than it passes on, so it holds one
                // and `best` is a real offer.
                self.price[v] = best.saturating_sub(epsilon);
            }
        }
    }

    /// The outlet's surplus (rare): it gives places back to units and families that pass it
    /// some, in order from where it stopped.
    fn discharge_outlet(&mut self, epsilon: i64) {
        let outlet = self.outlet();
        while self.excess[outlet] > 0 {
            let price = self.price[outlet];
            let found = (self.outlet_next..outlet)
                .find(|&v| self.outlet_flow(v) > 0 && self.price[v] > price);
            match found {
                Some(v) => {
                    self.outlet_next = v;
                    let amount = self.excess[outlet].min(self.outlet_flow(v));
                    self.return_from_outlet(v, amount);
                }
                None => {
                    let best = (0..outlet)
                        .filter(|&v| self.outlet_flow(v) > 0)
                        .map(|v| self.price[v])
                        .max();
                    self.price[outlet] = best.unwrap_or(price) - epsilon;
                    self.outlet_next = 0;
                }
            }
        }
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
                    // Scores take few distinct values on the registers: ties, often.
                    prop_oneof![
                        proptest::collection::vec(1i64..100, 12),
                        proptest::collection::vec(proptest::sample::select(vec![5i64, 10, 15]), 12),
                    ],
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
            // Renumbered (as large graphs are), the same optimum.
            let renumbered = solve(&graph, per_unit, per_family, true);
            prop_assert_eq!(renumbered.total, found.total);
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

    /// The best one-to-one total by the Hungarian method on the dense matrix (0 where a pair is
    /// no candidate; weights are positive, so a 0 taken is a unit or family left without a
    /// pair): an independent check on graphs too large for brute force.
    fn hungarian(graph: &Graph) -> i64 {
        let size = graph.units().max(graph.families());
        let mut profit = vec![vec![0i64; size]; size];
        for (u, row) in profit.iter_mut().enumerate().take(graph.units()) {
            for (f, w) in graph.candidates(u) {
                row[f] = w;
            }
        }
        // Minimise cost = −profit, rows 1..=size, with potentials (the classic O(n³) form).
        let (mut row, mut column) = (vec![0i64; size + 1], vec![0i64; size + 1]);
        let mut matched = vec![0usize; size + 1];
        for r in 1..=size {
            matched[0] = r;
            let mut free_column = 0;
            let mut least = vec![i64::MAX; size + 1];
            let mut used = vec![false; size + 1];
            let mut way = vec![0usize; size + 1];
            loop {
                used[free_column] = true;
                let (r0, mut delta, mut next) = (matched[free_column], i64::MAX, 0);
                for c in 1..=size {
                    if !used[c] {
                        let reduced = -profit[r0 - 1][c - 1] - row[r0] - column[c];
                        if reduced < least[c] {
                            least[c] = reduced;
                            way[c] = free_column;
                        }
                        if least[c] < delta {
                            delta = least[c];
                            next = c;
                        }
                    }
                }
                for c in 0..=size {
                    if used[c] {
                        row[matched[c]] += delta;
                        column[c] -= delta;
                    } else {
                        least[c] -= delta;
                    }
                }
                free_column = next;
                if matched[free_column] == 0 {
                    break;
                }
            }
            loop {
                let previous = way[free_column];
                matched[free_column] = matched[previous];
                free_column = previous;
                if free_column == 0 {
                    break;
                }
            }
        }
        (1..=size).map(|c| profit[matched[c] - 1][c - 1]).sum()
    }

    /// A register-like graph: `units` × `families`, about a third of pairs candidates, scores
    /// from a few values, from a fixed seed.
    fn tied_graph(units: usize, families: usize, seed: u64) -> Graph {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let mut lists = vec![Vec::new(); units];
        for list in &mut lists {
            for f in 0..families {
                if next() % 3 == 0 {
                    list.push((f, 1 + 24 * (next() % 36) as i64));
                }
            }
        }
        Graph::new(families, lists).unwrap()
    }

    #[test]
    fn the_assignment_equals_the_hungarian_method_where_brute_force_cannot_reach() {
        for seed in 1..=6 {
            let graph = tied_graph(60, 45, seed);
            assert_eq!(
                b_matching(&graph, 1, 1).total,
                hungarian(&graph),
                "seed {seed}"
            );
            assert_eq!(
                solve(&graph, 1, 1, true).total,
                hungarian(&graph),
                "seed {seed}"
            );
        }
    }

    #[test]
    fn the_solver_stops_early_once_the_flow_is_proved_optimal() {
        // The early stop is what the test above checks for exactness; this checks it is taken.
        let graph = tied_graph(60, 45, 1);
        let mut solver = Solver::new(&graph, &Order::given(&graph), 1, 1);
        let last = solver.solve();
        assert!(last > 1, "stopped at ε = {last}");
        assert_eq!(solver.dual_bound(), solver.weight);
        assert_eq!(solver.weight, hungarian(&graph));
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
        assert_eq!(
            Graph::new(1, vec![vec![(0, 1 << 24)]]),
            Err(GraphInvalid::TooHeavy { unit: 0, family: 0 })
        );
        // Each within its own limit, but together beyond what the prices can hold.
        assert_eq!(
            Graph::new(1 << 20, vec![vec![(0, 1 << 23)]]),
            Err(GraphInvalid::TooLarge)
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
