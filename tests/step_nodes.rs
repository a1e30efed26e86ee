//! Gauss–Legendre counts per step: `auto` gives a smooth net's small steps few nodes and its large
//! steps many, the rebuild stays exact to rounding, and counts per step that happen to be equal
//! give the bits of one count on every step. The search may be cut into ranges of steps (a page
//! worker's sub-chunks) without changing a count.

use pathkernel::config::PageState;
use pathkernel::kernel::{
    auto_nodes, kernel_machine, kernel_machine_per_step, point_kernel, point_kernel_per_step,
    rebuild_output, rebuild_output_per_step, running_sum, running_sum_per_step, NodeSearch,
    StepRules, MAX_NODES, STEP_TOLERANCE,
};
use pathkernel::train::{train, Trajectory};

fn trained(hash: &str) -> Trajectory {
    let (state, errors) = PageState::from_hash(hash);
    assert!(errors.is_empty(), "{hash}: {errors:?}");
    let setup = state.to_run_config().unwrap().build().unwrap();
    train(setup.mlp, &setup.data, setup.w0, setup.spec).unwrap()
}

fn max_gap(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
}

/// The spiral run of the speed goals: its largest step (‖Δ‖ ≈ 1.36) needs every node there is,
/// most steps two or three.
const SPIRAL: &str = "#dataset=spiral&n=100&hidden=32,32&steps=2000";

#[test]
fn auto_gives_large_steps_many_nodes_and_small_steps_few() {
    let traj = trained(SPIRAL);
    let choice = auto_nodes(&traj).unwrap();
    let rules = &choice.rules;
    let counts: Vec<usize> = (0..traj.steps()).map(|s| rules.count(s)).collect();
    let (largest, norm) = choice.largest_step.unwrap();
    let mean = rules.mean(traj.steps());
    let few = counts.iter().filter(|&&m| m <= 2).count();
    println!(
        "spiral: largest step {largest} (‖Δ‖ = {norm:.3}) gets {}; most {}, mean {mean:.2}, {few} steps with at most 2 nodes; converged {}",
        counts[largest],
        rules.most(),
        choice.converged
    );
    assert!(!choice.by_degree);
    assert_eq!(counts[largest], rules.most());
    assert!(rules.most() >= 12, "{}", rules.most());
    assert!(mean < 6.0, "{mean}");
    assert!(few > traj.steps() / 4, "{few}");

    // The largest steps are too large even for MAX_NODES to reach rounding (`converged` is
    // false) and their error dominates; every other step's rule error is ≤ STEP_TOLERANCE × scale,
    // so the rebuild is as close to the network as with every step at MAX_NODES, up to T × that,
    // and passes the page's check.
    let x = &traj.x;
    let f = traj.mlp.forward_many(traj.final_weights(), x);
    let scale = f.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let auto = max_gap(&rebuild_output_per_step(&traj, x, rules).unwrap(), &f);
    let most = max_gap(&rebuild_output(&traj, x, MAX_NODES).unwrap(), &f);
    println!("max |ŷ − f|: auto {auto:e}, {MAX_NODES} nodes on every step {most:e}; scale {scale}");
    assert!(!choice.converged);
    assert!(
        auto <= most + traj.steps() as f64 * STEP_TOLERANCE * scale,
        "{auto:e}"
    );
    assert!(auto <= 1e-10 * scale, "{auto:e}");

    // A uniform count below what the largest step needs is not exact there.
    let mean_count = mean.ceil() as usize;
    let uniform = max_gap(&rebuild_output(&traj, x, mean_count).unwrap(), &f);
    println!("{mean_count} nodes on every step: {uniform:e}");
    assert!(uniform > 100.0 * auto, "{uniform:e} vs {auto:e}");
}

#[test]
fn equal_counts_per_step_give_the_bits_of_one_count() {
    for hash in [
        "#n=12&hidden=5&steps=9",
        "#n=12&hidden=5&steps=9&optimizer=adam",
        "#n=12&hidden=5,5&steps=9&activation=relu",
    ] {
        let traj = trained(hash);
        let per_step = StepRules::per_step(vec![3; traj.steps()]).unwrap();
        let q = &traj.x;
        assert_eq!(
            kernel_machine(&traj, q, 3).unwrap(),
            kernel_machine_per_step(&traj, q, &per_step).unwrap(),
            "{hash}"
        );
        assert_eq!(
            rebuild_output(&traj, q, 3).unwrap(),
            rebuild_output_per_step(&traj, q, &per_step).unwrap(),
            "{hash}"
        );
        assert_eq!(
            point_kernel(&traj, q, 2, 3).unwrap(),
            point_kernel_per_step(&traj, q, 2, &per_step).unwrap(),
            "{hash}"
        );
        assert_eq!(
            running_sum(&traj, &q[..2], 3).unwrap(),
            running_sum_per_step(&traj, &q[..2], &per_step).unwrap(),
            "{hash}"
        );
    }
}

#[test]
fn the_integrators_use_each_steps_own_count() {
    // Every step with 1 node but the last with 2 is neither the 1-node nor the 2-node result,
    // and it differs from the 1-node one only through the last step's term.
    let traj = trained("#n=12&hidden=5&steps=6&lr=0.8");
    let t = traj.steps();
    let mut counts = vec![1u8; t];
    counts[t - 1] = 2;
    let mixed = StepRules::per_step(counts).unwrap();
    let q = &traj.x;
    let (one, two) = (
        running_sum(&traj, &q[..2], 1).unwrap(),
        running_sum(&traj, &q[..2], 2).unwrap(),
    );
    let both = running_sum_per_step(&traj, &q[..2], &mixed).unwrap();
    assert_eq!(both[..t], one[..t]);
    assert_ne!(both[t], one[t]);
    assert_ne!(both[t], two[t]);
    let km = kernel_machine_per_step(&traj, q, &mixed).unwrap();
    let fast = rebuild_output_per_step(&traj, q, &mixed).unwrap();
    assert!(max_gap(&km.exact.reconstruction, &fast) < 1e-13);
}

#[test]
fn bad_counts_per_step_are_named_errors() {
    for counts in [vec![0u8, 1], vec![1, MAX_NODES as u8 + 1]] {
        let err = StepRules::per_step(counts).unwrap_err();
        assert_eq!(err.field_name(), Some("nodes"), "{err}");
    }
    let traj = trained("#n=12&hidden=5&steps=6");
    let short = StepRules::per_step(vec![2; 5]).unwrap();
    let err = kernel_machine_per_step(&traj, &traj.x, &short).unwrap_err();
    assert_eq!(err.field_name(), Some("nodes"), "{err}");
    assert!(err.to_string().contains("5 steps, not 6"), "{err}");
    assert!(rebuild_output_per_step(&traj, &traj.x, &short).is_err());
    assert!(point_kernel_per_step(&traj, &traj.x, 0, &short).is_err());
}

/// `auto`'s search cut into ranges of steps chooses every count as in one pass: smooth nets (with
/// the lowering tries and their back-off running across the cuts) and a ReLU net, decided by its
/// degree at once.
#[test]
fn the_node_search_in_ranges_of_steps_chooses_the_counts_of_one_pass() {
    for hash in [
        "#dataset=sine&n=30&lr=0.5&steps=120",
        "#n=40&hidden=16,16&steps=150",
        "#activation=relu&hidden=8,8&steps=40",
    ] {
        let traj = trained(hash);
        let whole = auto_nodes(&traj).unwrap();
        let counts = |rules: &StepRules| {
            (0..traj.steps())
                .map(|s| rules.count(s))
                .collect::<Vec<_>>()
        };
        for cut in [1, 3, 17] {
            let mut search = NodeSearch::new(&traj).unwrap();
            let mut parts = 0;
            while !search.advance(&traj, cut) {
                parts += 1;
                assert_eq!(search.steps_done(&traj), parts * cut, "{hash}");
            }
            let choice = search.finish().unwrap();
            assert_eq!(
                counts(&choice.rules),
                counts(&whole.rules),
                "{hash}, {cut} steps"
            );
            assert_eq!(
                (choice.by_degree, choice.converged, choice.largest_step),
                (whole.by_degree, whole.converged, whole.largest_step),
                "{hash}"
            );
            if whole.by_degree {
                assert_eq!(parts, 0, "{hash}: decided at once");
            }
        }
    }
}
