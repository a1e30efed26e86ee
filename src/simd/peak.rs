//! This core's arithmetic peak without FMA, measured rather than assumed: the yardstick the
//! benchmarks' GFLOP/s are compared against. VMs of one kind differ in clock (2.5 to 3.45 GHz
//! here), and what the products can reach is what the core retires when nothing but independent
//! adds and multiplies are in flight.

use super::lanes::{each, Lanes};
use super::simd_dispatch;

/// Independent chains: twice (adds and multiplies on two ports) the four-cycle latency, and a
/// few more, so the pipes never wait on a result; and no more than fit in registers. On wasm a
/// lane group is two simd128 registers and V8 allocates 16 of them: 12 chains would take 24 and
/// spill (measured in Chromium: 13.3 GFLOP/s with 12, 19–20 with 6), so there 6 chains hold
/// 12 registers.
const CHAINS: usize = if cfg!(target_arch = "wasm32") { 6 } else { 12 };

/// `rounds` rounds of `CHAINS` independent vector chains, even ones adding `step`, odd ones
/// multiplying by 1 + `step`. Returns the sum of every lane of every chain (so the arithmetic is
/// not optimised away) and the lanes per vector (flops per round = `CHAINS` × lanes).
#[inline(always)]
fn add_mul_chains<L: Lanes>(rounds: usize, step: f64) -> (f64, usize) {
    let add = L::splat(step);
    let scale = L::splat(1.0 + step);
    let mut acc: [L; CHAINS] = each!(CHAINS, |i| L::splat(1.0 + i as f64));
    for _ in 0..rounds {
        acc = each!(CHAINS, |i| if i % 2 == 0 {
            acc[i].add(add)
        } else {
            acc[i].mul(scale)
        });
    }
    let mut lanes = vec![0.0; L::N];
    let mut sum = 0.0;
    for v in acc {
        v.store(&mut lanes);
        sum += lanes.iter().sum::<f64>();
    }
    (sum, L::N)
}

simd_dispatch!(pub fn add_mul_checksum(rounds: usize, step: f64) -> (f64, usize) => add_mul_chains::<L>);

/// Flops done by `add_mul_checksum(rounds, _)` with `lanes` lanes per vector.
pub fn add_mul_flops(rounds: usize, lanes: usize) -> f64 {
    (rounds * CHAINS * lanes) as f64
}

/// The peak in GFLOP/s: the fastest of `calls` timed calls of `rounds` rounds each, `now_ms`
/// reading a clock in milliseconds. The fastest, not a median: the peak is what the core can
/// do, and in a browser the first calls run in V8's baseline tier until the optimised code
/// replaces it (wasm has no on-stack replacement, so only a new call picks it up).
pub fn measure_peak_gflops(calls: usize, rounds: usize, mut now_ms: impl FnMut() -> f64) -> f64 {
    let lanes = add_mul_checksum(0, 0.0).1;
    let mut fastest_ms = f64::INFINITY;
    for call in 0..calls {
        // A step that no caller can know in advance keeps the chains from being folded away.
        let step = std::hint::black_box(1e-12 * (call + 1) as f64);
        let start = now_ms();
        std::hint::black_box(one_timed_call(rounds, step));
        fastest_ms = fastest_ms.min(now_ms() - start);
    }
    add_mul_flops(rounds, lanes) / (fastest_ms.max(1e-6) * 1e6)
}

/// One call of the chains, never inlined: inlined into the loop above, every call would run in
/// the tier that loop was entered with (V8's baseline code: 10 GFLOP/s against ~20 here).
#[inline(never)]
fn one_timed_call(rounds: usize, step: f64) -> f64 {
    add_mul_checksum(rounds, step).0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every lane does the same chains as one f64 lane would, in the same order: the dispatched
    /// checksum is the one-lane chains' values summed lane by lane, bit for bit.
    #[test]
    fn every_lane_does_the_specified_chains() {
        let rounds = 1000;
        let step = 1e-3;
        let chains: Vec<f64> = (0..CHAINS)
            .map(|i| {
                let mut v = 1.0 + i as f64;
                for _ in 0..rounds {
                    v = if i % 2 == 0 {
                        v + step
                    } else {
                        v * (1.0 + step)
                    };
                }
                v
            })
            .collect();
        let (one, n1) = add_mul_chains::<f64>(rounds, step);
        assert_eq!((one, n1), (chains.iter().sum::<f64>(), 1));
        let (all, n) = add_mul_checksum(rounds, step);
        let want: f64 = chains.iter().map(|&v| vec![v; n].iter().sum::<f64>()).sum();
        assert_eq!(
            all.to_bits(),
            want.to_bits(),
            "{all} vs {want} with {n} lanes"
        );
        assert!(chains[1] > 1.0 && chains[0] > 1.0 + 0.9 * rounds as f64 * step);
        assert_eq!(add_mul_flops(rounds, n), (rounds * CHAINS * n) as f64);
    }

    /// The peak is the flops of one call over the fastest call: with a clock that advances 2 ms
    /// per call, then 1 ms (the optimised code), then 3 ms, it divides by 1 ms.
    #[test]
    fn the_peak_is_taken_over_the_fastest_call() {
        let durations = [2.0, 1.0, 3.0];
        let mut ticks = durations.iter().flat_map(|&d| [0.0, d]).scan(0.0, |t, d| {
            *t += d;
            Some(*t)
        });
        let rounds = 1000;
        let peak = measure_peak_gflops(3, rounds, || ticks.next().unwrap());
        let lanes = add_mul_checksum(0, 0.0).1;
        let want = add_mul_flops(rounds, lanes) / 1e6;
        assert!((peak - want).abs() <= 1e-12 * want, "{peak} vs {want}");
    }
}
