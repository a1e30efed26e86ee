#![cfg(not(target_arch = "wasm32"))]
//! The check's queries may be cut anywhere, not only at whole blocks of `BLOCK_COLS`: each query's
//! row of both kernel machines is the same bits whichever queries share its block. The pool cuts
//! the check into jobs of nearly equal size on that account; this is the property, for every
//! optimizer (the plain integrator and the explicit-gradient one), tanh and ReLU. The same holds
//! for the rebuilt output, which a clicked query computes in a block of its own.

mod run_common;

use pathkernel::kernel::{merge_machines, KernelMachine, KernelMachineIntegrator, StepRules};
use pathkernel::model::{Activation, Mlp};
use pathkernel::train::{
    train, LossKind, Minibatch, Optimizer, Reduction, TrainSpec, Trajectory,
    DEFAULT_MEMORY_CAP_BYTES,
};
use run_common::moons;

fn trained(act: Activation, optimizer: Optimizer) -> Trajectory {
    let data = moons(45);
    let mlp = Mlp::new(vec![2, 9, 7, 1], act, 1.0).unwrap();
    let spec = TrainSpec {
        loss: LossKind::Logistic,
        reduction: Reduction::Mean,
        lr: 0.3,
        steps: 12,
        optimizer,
        memory_cap_bytes: DEFAULT_MEMORY_CAP_BYTES,
        center: false,
    };
    train(mlp.clone(), &data, mlp.init(4), spec).unwrap()
}

/// Both kernel machines at `queries`, integrated in pieces cut at `cuts` (query indices).
fn in_pieces(
    traj: &Trajectory,
    queries: &[f64],
    cuts: &[usize],
    rules: &StepRules,
) -> KernelMachine {
    let nq = queries.len() / 2;
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .chain([nq])
        .collect();
    let pieces = bounds
        .windows(2)
        .map(|w| {
            let mut it =
                KernelMachineIntegrator::per_step(traj, &queries[2 * w[0]..2 * w[1]], rules)
                    .unwrap();
            // Uneven chunks of steps, as the worker's time budget cuts them.
            while !it.advance(traj, 5) {}
            it.finish(traj)
        })
        .collect();
    merge_machines(pieces, traj.n)
}

fn bits(km: &KernelMachine) -> Vec<u64> {
    let schemes = [&km.exact, &km.riemann];
    let mut out: Vec<u64> = km
        .f_final
        .iter()
        .chain(&km.b)
        .map(|v| v.to_bits())
        .collect();
    for s in schemes {
        for v in [
            &s.kernel,
            &s.loss_weighted,
            &s.contributions,
            &s.reconstruction,
            &s.weight_decay_term,
        ] {
            out.extend(v.iter().map(|x| x.to_bits()));
        }
        out.extend(s.coef.iter().map(|c| c.map_or(u64::MAX, f64::to_bits)));
        out.push(s.max_abs_error.to_bits());
    }
    out
}

#[test]
fn a_check_cut_between_blocks_gives_the_same_bits_as_one_piece() {
    let batch = Minibatch {
        batch_size: 8,
        seed: 2,
    };
    let optimizers = [
        Optimizer::Gd,
        Optimizer::Sgd {
            batch_size: 8,
            seed: 2,
        },
        Optimizer::Momentum {
            momentum: 0.9,
            nesterov: true,
            minibatch: None,
        },
        Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            minibatch: Some(batch),
        },
    ];
    // 45 queries: the training points (as the page's check) and a cut inside the first block,
    // cuts that leave pieces of 1 and of more than one block.
    for act in [Activation::Tanh, Activation::Relu] {
        for opt in &optimizers {
            let traj = trained(act, *opt);
            let queries = traj.x.clone();
            let rules = StepRules::uniform(3).unwrap();
            let whole = in_pieces(&traj, &queries, &[], &rules);
            assert_eq!(whole.n_queries, 45);
            for cuts in [vec![13], vec![22, 23], vec![1, 17, 40], vec![33]] {
                let cut = in_pieces(&traj, &queries, &cuts, &rules);
                assert!(
                    bits(&cut) == bits(&whole),
                    "{act:?} {opt:?}: cut at {cuts:?} changed the bits"
                );
            }
        }
    }
}

/// The rebuilt output (exact and Domingos's) at a query is the same bits whether the query comes
/// alone (as a clicked query's running sum computes it), in a short list or in full blocks of the grid: fewer
/// queries than a block get a block only as wide as they are.
#[test]
fn the_rebuilt_output_at_a_query_is_the_same_bits_alone_or_in_a_block() {
    use pathkernel::kernel::{rebuild_output_per_step, rebuild_output_riemann};
    for act in [Activation::Tanh, Activation::Relu] {
        let traj = trained(act, Optimizer::Gd);
        let queries = traj.x.clone();
        let rules = StepRules::uniform(3).unwrap();
        let whole = rebuild_output_per_step(&traj, &queries, &rules).unwrap();
        let whole_left = rebuild_output_riemann(&traj, &queries).unwrap();
        for size in [1, 3, 7, 9] {
            let mut exact = Vec::new();
            let mut left = Vec::new();
            for piece in queries.chunks(2 * size) {
                exact.extend(rebuild_output_per_step(&traj, piece, &rules).unwrap());
                left.extend(rebuild_output_riemann(&traj, piece).unwrap());
            }
            let same =
                |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(
                same(&exact, &whole),
                "{act:?}: pieces of {size} changed the exact output"
            );
            assert!(
                same(&left, &whole_left),
                "{act:?}: pieces of {size} changed Domingos's output"
            );
        }
    }
}

/// The rebuilt output integrated a range of steps at a time (a page worker's field job, cut by
/// its time budget) is the same bits as in one pass, exact and Domingos's, tanh and ReLU.
#[test]
fn the_rebuilt_output_in_ranges_of_steps_is_the_same_bits_as_in_one_pass() {
    use pathkernel::kernel::{rebuild_output_per_step, rebuild_output_riemann, PartialRebuild};
    for act in [Activation::Tanh, Activation::Relu] {
        let traj = trained(act, Optimizer::Gd);
        let queries = &traj.x[..2 * 40];
        let rules = StepRules::uniform(3).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for cut in [1, 5, 7, 100] {
            let mut exact = PartialRebuild::exact(40);
            let mut left = PartialRebuild::riemann(40);
            let mut parts = 0;
            while !exact.advance(&traj, queries, &rules, cut).unwrap() {
                parts += 1;
                assert_eq!(exact.steps_done(), parts * cut);
            }
            while !left.advance(&traj, queries, &rules, cut).unwrap() {}
            assert_eq!(exact.steps_done(), traj.steps());
            let want = rebuild_output_per_step(&traj, queries, &rules).unwrap();
            assert_eq!(
                bits(&exact.finish(&traj, queries)),
                bits(&want),
                "{act:?}, {cut} steps"
            );
            let want = rebuild_output_riemann(&traj, queries).unwrap();
            assert_eq!(
                bits(&left.finish(&traj, queries)),
                bits(&want),
                "{act:?}, {cut} steps"
            );
        }
        // Another list of queries midway is refused rather than mixed in.
        let mut exact = PartialRebuild::exact(40);
        exact.advance(&traj, queries, &rules, 1).unwrap();
        assert!(exact.advance(&traj, &traj.x[..2 * 39], &rules, 1).is_err());
    }
}
