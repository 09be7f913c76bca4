//! A small seeded random source, written here so that a seed gives the same population on every
//! platform and with every version of every dependency (there are none). Only integer arithmetic
//! and IEEE-exact float operations: no `exp` or `ln`, whose last bits vary between C libraries.

/// SplitMix64 (Steele, Lea and Flood, 2014): one `u64` of state, good enough statistics for
/// synthetic data, and trivially reproducible.
/// Public so that other models of the register (the matching market simulation) draw from the
/// same generator rather than a copy of it.
#[derive(Debug, Clone)]
pub struct Random {
    state: u64,
}

impl Random {
    pub fn new(seed: u64) -> Self {
        Random { state: seed }
    }

    /// An independent stream for one part of the population, so that changing how households
    /// are drawn leaves the children unchanged.
    pub(crate) fn stream(seed: u64, part: u64) -> Self {
        let mut mixer = Random::new(seed ^ part.wrapping_mul(0xA076_1D64_78BD_642F));
        Random::new(mixer.next_u64())
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Lemire's multiply-shift; the tiny bias is irrelevant here.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in lo..=hi.
    pub(crate) fn between(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One item, uniformly.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// One item by weight. Falls back to the last item if the weights do not add up.
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> Option<&'a T> {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut at = self.below(total as usize) as u32;
        for (item, weight) in items {
            if at < *weight {
                return Some(item);
            }
            at -= weight;
        }
        items.last().map(|(item, _)| item)
    }

    /// A positive, right-skewed factor with mean 1 (see [`skewed_at`]).
    #[cfg(test)]
    pub(crate) fn skewed(&mut self) -> f64 {
        skewed_at(self.unit())
    }

    /// Shuffles in place (Fisher–Yates).
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// A positive, right-skewed factor with mean 1 at quantile `u` in [0, 1): a log-normal
/// (σ = 0.6) read from its quantile table, interpolated, so that it needs no `exp`. Time spent
/// waiting is skewed like this: most children wait a few months, a few wait years.
pub(crate) fn skewed_at(u: f64) -> f64 {
    let at = u.clamp(0.0, 1.0) * (SKEWED_QUANTILES.len() - 1) as f64;
    let i = at as usize;
    let frac = at - i as f64;
    match (SKEWED_QUANTILES.get(i), SKEWED_QUANTILES.get(i + 1)) {
        (Some(a), Some(b)) => a + (b - a) * frac,
        (Some(a), None) => *a,
        _ => 1.0,
    }
}

/// Evenly spread quantiles in a scattered order (a Weyl sequence: the golden ratio's multiples,
/// from a random start). Drawing a skewed value at these rather than at independent uniforms
/// keeps the mean of even a few dozen draws close to the distribution's, so a small data set
/// still shows the published averages.
#[derive(Debug, Clone)]
pub(crate) struct Spread {
    next: f64,
}

impl Spread {
    pub(crate) fn new(rng: &mut Random) -> Self {
        Spread { next: rng.unit() }
    }

    pub(crate) fn next_quantile(&mut self) -> f64 {
        let u = self.next;
        self.next = (self.next + 0.618_033_988_749_894_9).fract();
        u
    }
}

/// Quantiles of a log-normal with σ = 0.6 at 0, 1/32, …, 1 (the ends clipped at 0.15% and
/// 99.7%), scaled so that the piecewise-linear distribution they define has mean exactly 1.
const SKEWED_QUANTILES: [f64; 33] = [
    0.1400, 0.2717, 0.3309, 0.3767, 0.4166, 0.4532, 0.4878, 0.5213, 0.5542, 0.5868, 0.6195, 0.6526,
    0.6861, 0.7205, 0.7559, 0.7925, 0.8307, 0.8707, 0.9129, 0.9577, 1.0057, 1.0574, 1.1138, 1.1758,
    1.2451, 1.3236, 1.4145, 1.5227, 1.6565, 1.8318, 2.0854, 2.5399, 4.3196,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Random::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let mut r = Random::new(7);
        let b: Vec<u64> = (0..5).map(|_| r.next_u64()).collect();
        assert_eq!(a, b);
        assert_ne!(
            Random::stream(7, 1).next_u64(),
            Random::stream(7, 2).next_u64()
        );
    }

    #[test]
    fn skewed_has_mean_one_and_a_long_tail() {
        let mut r = Random::new(1);
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| r.skewed()).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
        let over_two = draws.iter().filter(|d| **d > 2.0).count() as f64 / n as f64;
        assert!(over_two > 0.02 && over_two < 0.10, "{over_two}");
    }

    #[test]
    fn below_and_between_stay_in_range() {
        let mut r = Random::new(3);
        for _ in 0..10_000 {
            assert!(r.below(7) < 7);
            let x = r.between(3, 5);
            assert!((3..=5).contains(&x));
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.between(4, 4), 4);
    }
}
