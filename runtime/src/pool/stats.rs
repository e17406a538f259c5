//! What a pool counts of its calls: outcomes by kind, and a histogram of
//! their durations.

use std::time::Duration;

use crate::error::Error;

/// Calls of a [`Pool`](crate::Pool) that faulted, by kind (see
/// [`Error::is_fault`]); part of [`PoolStats`](crate::PoolStats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolFaults {
    /// [`Error::Trap`]: the guest trapped (`unreachable`, which is also how
    /// a Go panic in a plain `//go:wasmexport` function ends; a bad memory
    /// access; a stack overflow), or a host function failed or panicked.
    pub trap: u64,
    /// [`Error::GuestPanic`]: a Go export of a generated client panicked
    /// (the shim recovered it).
    pub guest_panic: u64,
    /// [`Error::FuelExhausted`].
    pub fuel: u64,
    /// [`Error::DeadlineExceeded`].
    pub deadline: u64,
    /// [`Error::MemoryLimit`].
    pub memory_limit: u64,
    /// [`Error::Cancelled`], and async calls whose future was dropped
    /// before they ended.
    pub cancelled: u64,
    /// [`Error::Poisoned`]: the call reached an instance already unusable.
    pub poisoned: u64,
    /// Any other fault: [`Error::Exited`], [`Error::BadReply`], and calls
    /// whose closure panicked.
    pub other: u64,
}

impl PoolFaults {
    /// All faults, of every kind.
    pub fn total(&self) -> u64 {
        self.trap
            + self.guest_panic
            + self.fuel
            + self.deadline
            + self.memory_limit
            + self.cancelled
            + self.poisoned
            + self.other
    }

    fn count(&mut self, kind: Fault) {
        let n = match kind {
            Fault::Trap => &mut self.trap,
            Fault::GuestPanic => &mut self.guest_panic,
            Fault::Fuel => &mut self.fuel,
            Fault::Deadline => &mut self.deadline,
            Fault::MemoryLimit => &mut self.memory_limit,
            Fault::Cancelled => &mut self.cancelled,
            Fault::Poisoned => &mut self.poisoned,
            Fault::Other => &mut self.other,
        };
        *n += 1;
    }
}

/// Quantiles of the time a [`Pool`](crate::Pool)'s calls took, from the
/// call to its end (waiting for an instance and making one included);
/// part of [`PoolStats`](crate::PoolStats). Zero before the first call.
///
/// The quantiles come from a histogram with 16 buckets per power of two:
/// each is within 3.2% of the exact quantile of the calls so far. `max`
/// is exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolLatency {
    /// The median.
    pub p50: Duration,
    /// 90% of the calls took at most this long.
    pub p90: Duration,
    /// 99% of the calls took at most this long.
    pub p99: Duration,
    /// The longest call.
    pub max: Duration,
}

/// How a pool call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    Ok,
    /// An error that is not a fault.
    Error,
    Fault(Fault),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Trap,
    GuestPanic,
    Fuel,
    Deadline,
    MemoryLimit,
    Cancelled,
    Poisoned,
    Other,
}

impl Ended {
    /// How a call that returned `result` ended.
    pub(crate) fn of<R>(result: &Result<R, Error>) -> Ended {
        match result {
            Ok(_) => Ended::Ok,
            Err(e) => Ended::of_error(e),
        }
    }

    pub(crate) fn of_error(e: &Error) -> Ended {
        if !e.is_fault() {
            return Ended::Error;
        }
        Ended::Fault(match e {
            Error::Trap { .. } => Fault::Trap,
            Error::GuestPanic { .. } => Fault::GuestPanic,
            Error::FuelExhausted { .. } => Fault::Fuel,
            Error::DeadlineExceeded { .. } => Fault::Deadline,
            Error::MemoryLimit { .. } => Fault::MemoryLimit,
            Error::Cancelled { .. } => Fault::Cancelled,
            Error::Poisoned { .. } => Fault::Poisoned,
            _ => Fault::Other,
        })
    }
}

/// The counts of a pool's calls, kept under its lock.
#[derive(Debug, Default)]
pub(crate) struct CallCounts {
    pub(crate) calls: u64,
    pub(crate) errors: u64,
    pub(crate) faults: PoolFaults,
    pub(crate) latency: Histogram,
}

impl CallCounts {
    /// Counts a call that ended so, after `elapsed`.
    pub(crate) fn record(&mut self, ended: Ended, elapsed: Duration) {
        self.calls += 1;
        match ended {
            Ended::Ok => {}
            Ended::Error => self.errors += 1,
            Ended::Fault(kind) => self.faults.count(kind),
        }
        self.latency
            .record(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
    }

    pub(crate) fn latency(&self) -> PoolLatency {
        let [p50, p90, p99] = self.latency.quantiles([0.5, 0.9, 0.99]);
        PoolLatency {
            p50: Duration::from_nanos(p50),
            p90: Duration::from_nanos(p90),
            p99: Duration::from_nanos(p99),
            max: Duration::from_nanos(self.latency.max),
        }
    }
}

/// Bits of a value kept below its leading one: 16 buckets per power of
/// two, so a bucket is at most 1/16 of its lower bound wide.
const SUB_BITS: u32 = 4;
const SUB: u64 = 1 << SUB_BITS;
/// Values below 16 exactly, then 16 buckets for each power of two up to
/// 2^64: 976 counters (7.6 KiB).
const BUCKETS: usize = ((64 - SUB_BITS + 1) as u64 * SUB) as usize;

/// A log-linear histogram of nanoseconds (the layout of HdrHistogram with
/// 4 bits of precision): recording is an index computation and an
/// increment, with no allocation and no error path, and its memory is
/// fixed. A quantile is the middle of the bucket it falls in (kept
/// between the smallest and largest values recorded, which are exact),
/// within 1/32 of the exact value.
#[derive(Debug)]
pub(crate) struct Histogram {
    counts: Box<[u64]>,
    total: u64,
    min: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            total: 0,
            min: u64::MAX,
            max: 0,
        }
    }
}

/// The bucket of `v`.
fn index(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros(); // at least SUB_BITS
    let sub = (v >> (exp - SUB_BITS)) & (SUB - 1);
    (u64::from(exp - SUB_BITS + 1) * SUB + sub) as usize
}

/// The middle of bucket `i`.
fn middle(i: usize) -> u64 {
    let i = i as u64;
    if i < SUB {
        return i;
    }
    let shift = i / SUB - 1;
    let low = (SUB + i % SUB) << shift;
    let width = 1u64 << shift;
    low + (width - 1) / 2
}

impl Histogram {
    pub(crate) fn record(&mut self, v: u64) {
        self.counts[index(v)] += 1;
        self.total += 1;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// The quantiles `qs` (each in 0..=1, ascending) in one pass; zeros
    /// when nothing was recorded.
    pub(crate) fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [u64; N] {
        let mut out = [0; N];
        if self.total == 0 {
            return out;
        }
        // The rank of the value each quantile is: at least the first.
        let ranks = qs.map(|q| ((q * self.total as f64).ceil() as u64).clamp(1, self.total));
        let (mut seen, mut next) = (0u64, 0usize);
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            while next < N && seen >= ranks[next] {
                out[next] = middle(i).clamp(self.min, self.max);
                next += 1;
            }
            if next == N {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn buckets_cover_every_value_in_order() {
        assert_eq!(index(0), 0);
        assert_eq!(index(15), 15);
        assert_eq!(index(16), 16);
        assert_eq!(index(31), 31);
        assert_eq!(index(32), 32);
        assert_eq!(index(33), 32);
        assert_eq!(index(u64::MAX), BUCKETS - 1);
        for i in 0..BUCKETS - 1 {
            // Each bucket's middle falls in it.
            assert_eq!(index(middle(i)), i, "bucket {i}");
        }
    }

    #[test]
    fn no_values_give_zeros_and_one_value_gives_itself() {
        let mut h = Histogram::default();
        assert_eq!(h.quantiles([0.5, 0.99]), [0, 0]);
        h.record(1_234_567);
        let [p50, p99] = h.quantiles([0.5, 0.99]);
        // Kept between the smallest and largest values, which are exact.
        assert_eq!((p50, p99), (1_234_567, 1_234_567));
    }

    proptest! {
        #[test]
        fn quantiles_are_within_a_32nd_of_the_exact_ones(
            mut values in prop::collection::vec(
                prop_oneof![0u64..100, 0u64..1_000_000, 0u64..u64::MAX / 2],
                1..400,
            )
        ) {
            let mut h = Histogram::default();
            for &v in &values {
                h.record(v);
            }
            values.sort_unstable();
            let qs = [0.5, 0.9, 0.99, 1.0];
            let got = h.quantiles(qs);
            for (q, got) in qs.iter().zip(got) {
                let rank = ((q * values.len() as f64).ceil() as usize).max(1);
                let exact = values[rank - 1];
                let err = got.abs_diff(exact);
                prop_assert!(err <= exact / 32, "q {q}: got {got}, exact {exact}");
            }
            prop_assert_eq!(h.max, *values.last().expect("values"));
        }
    }
}
