//! Timing in-process work against a baseline in the same run.
//!
//! The two sides are timed alternately, sample by sample, so that both see
//! the same machine (a noisy neighbour slows both); the figure of each side
//! is its median sample.

use std::time::{Duration, Instant};

/// How long one sample should take: long enough for the clock, short
/// enough for many samples.
const SAMPLE_TARGET: Duration = Duration::from_millis(20);

/// The median time of one run of `a` and of `b`, in nanoseconds, from
/// `samples` alternating samples each.
pub fn pair(samples: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let (iters_a, iters_b) = (calibrate(&mut a), calibrate(&mut b));
    let mut times_a = Vec::with_capacity(samples);
    let mut times_b = Vec::with_capacity(samples);
    for _ in 0..samples {
        times_a.push(sample(&mut a, iters_a));
        times_b.push(sample(&mut b, iters_b));
    }
    (median(times_a), median(times_b))
}

/// The median time of one run of `f`, in nanoseconds, from `samples`
/// samples: for work measured alone, such as the peer rows, where each
/// side runs in its own process.
pub fn single(samples: usize, mut f: impl FnMut()) -> f64 {
    let iters = calibrate(&mut f);
    median((0..samples).map(|_| sample(&mut f, iters)).collect())
}

/// How many runs of `f` make one sample of about [`SAMPLE_TARGET`] (at
/// least one); the first run also warms `f` up (lazy compilation, caches).
fn calibrate(f: &mut impl FnMut()) -> u32 {
    f();
    let once = sample(f, 1).max(1.0);
    (SAMPLE_TARGET.as_nanos() as f64 / once).clamp(1.0, 1e6) as u32
}

/// Nanoseconds per run of `f`, over `iters` runs.
fn sample(f: &mut impl FnMut(), iters: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

/// The median; the mean of the two middle values of an even count.
///
/// # Panics
///
/// If `v` is empty.
pub fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty(), "median of no samples");
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
