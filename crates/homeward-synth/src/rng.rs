//! Deterministic random streams: one per (seed, purpose, index), so output never depends on thread
//! scheduling or on how many persons come after a given one.

/// SplitMix64's golden-ratio increment.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: a good 64-bit mixing function.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Purposes keep the streams of different generation steps independent of each other.
pub(crate) mod purpose {
    pub const PERSON: u64 = 1;
    pub const FAMILY: u64 = 2;
    pub const LIST: u64 = 3;
    pub const LIST_ROW: u64 = 4;
    pub const LIST_ORDER: u64 = 5;
    pub const VISIT: u64 = 6;
    pub const EVENT: u64 = 7;
    pub const ENQUIRY: u64 = 8;
    pub const LIST_RENDER: u64 = 9;
}

/// A SplitMix64 generator; tiny, fast, and stable across library versions.
#[derive(Clone, Debug)]
pub(crate) struct Stream(u64);

impl Stream {
    /// The stream for `index` within `purpose` of scenario `seed`.
    pub(crate) fn new(seed: u64, purpose: u64, index: u64) -> Self {
        let a = mix(seed ^ purpose.wrapping_mul(GOLDEN));
        Stream(mix(a ^ mix(index.wrapping_add(0x6A09_E667_F3BC_C909))))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in 0..n (0 when n is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in lo..=hi.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// A standard normal deviate (Box-Muller).
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A uniformly chosen element, or `None` for an empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// An index drawn with the given (unnormalised, non-negative) weights.
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }
}

/// Cumulative weights for drawing ranks from a long frequency table in O(log n).
#[derive(Clone, Debug)]
pub(crate) struct Cumulative(Vec<f64>);

impl Cumulative {
    /// Zipf-like weights `1 / (rank + 1 + offset)^exponent` for `n` ranks.
    pub(crate) fn zipf(n: usize, exponent: f64, offset: f64) -> Self {
        let mut acc = 0.0;
        let cum = (0..n)
            .map(|r| {
                acc += 1.0 / (r as f64 + 1.0 + offset).powf(exponent);
                acc
            })
            .collect();
        Cumulative(cum)
    }

    /// Draws a rank.
    pub(crate) fn sample(&self, rng: &mut Stream) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        self.0
            .partition_point(|c| *c <= x)
            .min(self.0.len().saturating_sub(1))
    }
}

/// The logistic function.
pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..5).map(|_| Stream::new(7, 1, 3).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Stream::new(7, 1, 3).next_u64(),
            Stream::new(7, 1, 4).next_u64()
        );
        assert_ne!(
            Stream::new(7, 1, 3).next_u64(),
            Stream::new(7, 2, 3).next_u64()
        );
        assert_ne!(
            Stream::new(7, 1, 3).next_u64(),
            Stream::new(8, 1, 3).next_u64()
        );
    }

    #[test]
    fn zipf_favours_low_ranks() {
        let c = Cumulative::zipf(300, 1.0, 0.0);
        let mut rng = Stream::new(1, 1, 1);
        let mut counts = vec![0usize; 300];
        for _ in 0..100_000 {
            counts[c.sample(&mut rng)] += 1;
        }
        assert!(counts[0] > counts[10] * 5);
        assert!(counts[299] > 0);
    }

    #[test]
    fn unit_and_below_stay_in_range() {
        let mut rng = Stream::new(3, 3, 3);
        for _ in 0..10_000 {
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(rng.below(7) < 7);
            let r = rng.range(-2, 2);
            assert!((-2..=2).contains(&r));
        }
    }
}
