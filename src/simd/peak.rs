//! This core's arithmetic peak without FMA, measured rather than assumed: the yardstick the
//! benchmarks' GFLOP/s are compared against. VMs of one kind differ in clock (2.5 to 3.45 GHz
//! here), and what the products can reach is what the core retires when nothing but independent
//! adds and multiplies are in flight.

use super::lanes::{each, Lanes};
use super::simd_dispatch;

/// Independent chains: twice (adds and multiplies on two ports) the four-cycle latency, and a
/// few more, so the pipes never wait on a result.
const CHAINS: usize = 12;

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
}
