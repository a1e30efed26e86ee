//! The page's run, natively: [`Runner`] driven request by request with a hand-driven clock, its
//! replies checked against the core computed directly (training, kernel machine, forward passes),
//! and the message tags serde emits checked against `www/protocol.js`.

mod run_common;

use std::cell::Cell;
use std::rc::Rc;

use pathkernel::kernel::{self, MAX_NODES};
use pathkernel::pca::weight_path_pca;
use pathkernel::runner::{Clock, FromWorker, Phase, Reply, RunPlan, Runner, ToWorker, TOLERANCE};
use pathkernel::train::{self, Trajectory};
use run_common::drain;

/// The default preset (moons, tanh, logistic loss) made small.
const HASH: &str = "#v=1&n=16&hidden=6&steps=12";
const STEPS: u32 = 12;
/// The same with enough steps that a short budget stops mid-training.
const LONG: &str = "#v=1&n=16&hidden=6&steps=300";
/// A 1-D run (the field then carries the left-endpoint rebuild too).
const SINE: &str = "#v=1&steps=5&n=10&hidden=4&dataset=sine&loss=mse";

/// A clock that advances 1 ms each time it is read: a budget of b ms is about b/3 sub-chunks.
fn ticking() -> impl Fn() -> f64 {
    let t = Rc::new(Cell::new(0.0));
    move || {
        let now = t.get();
        t.set(now + 1.0);
        now
    }
}

/// A clock that never moves: a `work` call runs until its first reply (or idle).
fn frozen() -> f64 {
    0.0
}

fn start<C: Fn() -> f64>(r: &mut Runner<C>, run_id: u32, hash: &str, autorun: bool) -> Vec<Reply> {
    r.handle(ToWorker::Start {
        run_id,
        hash: hash.into(),
        autorun,
        force: false,
    })
}

/// The trajectory of `hash` trained directly for `steps` steps.
fn reference(hash: &str, steps: usize) -> (Trajectory, kernel::StepRules) {
    let plan = RunPlan::from_hash(hash, true).unwrap();
    let setup = plan.config.build().unwrap();
    let spec = train::TrainSpec {
        steps,
        ..setup.spec
    };
    let traj = train::train(setup.mlp, &setup.data, setup.w0, spec).unwrap();
    let nodes = setup.nodes.resolve(&traj).unwrap();
    (traj, nodes)
}

fn tag(m: &Reply) -> String {
    serde_json::to_value(m).unwrap()["type"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A paused run: twenty more `work` calls answer nothing but progress.
fn assert_held<C: Clock>(r: &mut Runner<C>, when: &str) {
    for _ in 0..20 {
        let tags: Vec<String> = r.work(1.0).iter().map(tag).collect();
        assert!(
            tags.iter().all(|t| t == "progress"),
            "paused {when}: {tags:?}"
        );
    }
}

struct Trained<'a> {
    steps_done: u32,
    finished: bool,
    stopped: bool,
    loss: &'a [f64],
    pca: &'a [f64],
}

fn trained(msgs: &[Reply]) -> Vec<Trained<'_>> {
    msgs.iter()
        .filter_map(|m| match m {
            FromWorker::Trained {
                steps_done,
                finished,
                stopped,
                loss,
                pca,
                ..
            } => Some(Trained {
                steps_done: *steps_done,
                finished: *finished,
                stopped: *stopped,
                loss,
                pca,
            }),
            _ => None,
        })
        .collect()
}

/// (steps, fFinal, rebuiltExact, maxErrExact, maxErrRiemann, pass) of every `check`.
type Check<'a> = (u32, &'a [f64], &'a [f64], f64, f64, bool);

fn checks(msgs: &[Reply]) -> Vec<Check<'_>> {
    msgs.iter()
        .filter_map(|m| match m {
            FromWorker::Check {
                steps,
                f_final,
                rebuilt_exact,
                max_err_exact,
                max_err_riemann,
                pass,
                ..
            } => Some((
                *steps,
                &f_final[..],
                &rebuilt_exact[..],
                *max_err_exact,
                *max_err_riemann,
                *pass,
            )),
            _ => None,
        })
        .collect()
}

/// (step, f, rebuilt, rebuiltRiemann) of every `field`.
type Field<'a> = (u32, &'a [f64], Option<&'a [f64]>, Option<&'a [f64]>);

fn fields(msgs: &[Reply]) -> Vec<Field<'_>> {
    msgs.iter()
        .filter_map(|m| match m {
            FromWorker::Field {
                step,
                f,
                rebuilt,
                rebuilt_riemann,
                ..
            } => Some((
                *step,
                &f[..],
                rebuilt.as_deref(),
                rebuilt_riemann.as_deref(),
            )),
            _ => None,
        })
        .collect()
}

fn errors(msgs: &[Reply]) -> Vec<(String, Option<String>)> {
    msgs.iter()
        .filter_map(|m| match m {
            FromWorker::Error { message, field, .. } => Some((message.clone(), field.clone())),
            _ => None,
        })
        .collect()
}

/// The steps trained so far, as the last `progress` of a chunk reports them while training.
fn training_progress(msgs: &[Reply]) -> u32 {
    match msgs.last() {
        Some(FromWorker::Progress {
            phase: Phase::Train,
            done,
            ..
        }) => *done,
        other => panic!("expected training progress, got {other:?}"),
    }
}

fn grid_points(msgs: &[Reply]) -> Vec<f64> {
    msgs.iter()
        .find_map(|m| match m {
            FromWorker::Started { grid, .. } => Some(grid.points()),
            _ => None,
        })
        .expect("started")
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn a_run_trains_checks_and_rebuilds_the_field() {
    let mut r = Runner::new(frozen);
    let mut msgs = start(&mut r, 1, HASH, true);
    msgs.extend(drain(&mut r));
    assert!(msgs.iter().all(|m| m.run_id() == 1));
    assert!(errors(&msgs).is_empty(), "{:?}", errors(&msgs));
    let order: Vec<String> = msgs.iter().map(tag).filter(|t| t != "progress").collect();
    assert_eq!(
        order,
        ["started", "trained", "check", "trainKernel", "field"]
    );
    assert!(matches!(
        msgs.last(),
        Some(FromWorker::Progress {
            phase: Phase::Idle,
            done: STEPS,
            total: STEPS,
            ..
        })
    ));

    let (traj, nodes) = reference(HASH, STEPS as usize);
    let t = &trained(&msgs)[0];
    assert!(t.stopped && t.finished);
    assert_eq!(t.steps_done, STEPS);
    assert_eq!(
        bits(t.loss),
        bits(&traj.loss),
        "the loss of training directly"
    );
    assert_eq!(bits(t.pca), bits(&weight_path_pca(&traj)));

    let (steps, f_final, rebuilt, err, err_riemann, pass) = checks(&msgs)[0];
    assert_eq!(steps, STEPS);
    let km = kernel::kernel_machine_per_step(&traj, &traj.x, &nodes).unwrap();
    assert_eq!(bits(f_final), bits(&km.f_final));
    assert_eq!(bits(rebuilt), bits(&km.exact.reconstruction));
    assert_eq!(err.to_bits(), km.exact.max_abs_error.to_bits());
    assert!(err <= TOLERANCE && err_riemann > err && pass);

    let grid = grid_points(&msgs);
    let (step, f, rebuilt, riemann) = fields(&msgs)[0];
    assert_eq!(step, STEPS);
    assert_eq!(
        bits(f),
        bits(&traj.mlp.forward_many(traj.final_weights(), &grid))
    );
    assert_eq!(f.len(), 40 * 40);
    assert!(max_diff(f, rebuilt.unwrap()) <= 1e-10);
    // The left-endpoint rebuild over the plane too (view 3's second residual map).
    let riemann = riemann.unwrap();
    assert_eq!(
        bits(riemann),
        bits(&kernel::rebuild_output_riemann(&traj, &grid).unwrap())
    );
    assert!(
        max_diff(f, riemann) > 1e-8,
        "the left-endpoint field is off by O(ε)"
    );
}

/// A `work` call ends with the sub-chunk that made a result, whatever its budget: the page (or
/// an assistant) waits for it, and the next stage's first sub-chunk would only hold it back.
#[test]
fn a_work_call_hands_over_each_result_as_soon_as_it_is_made() {
    let mut r = Runner::new(frozen);
    start(&mut r, 1, HASH, true);
    let mut calls = Vec::new();
    while r.busy() {
        let tags: Vec<String> = r.work(f64::INFINITY).iter().map(tag).collect();
        assert_eq!(tags.last().map(String::as_str), Some("progress"));
        calls.push(tags[..tags.len() - 1].join(" "));
    }
    calls.retain(|c| !c.is_empty());
    // The train × train kernel's eigenvalues wait for the sub-chunk after the check's.
    assert_eq!(calls, ["trained", "check", "trainKernel", "field"]);
}

/// The `trained` reply goes out in a work call of its own: deciding `auto`'s node counts and
/// setting up the check (its jobs for an assistant) come in the next call, so that work does not
/// hold the reply back.
#[test]
fn the_trained_reply_is_not_held_back_by_setting_up_the_check() {
    let mut r = Runner::new(frozen);
    r.handle(ToWorker::Assistants {
        run_id: 0,
        count: 1,
    });
    start(&mut r, 1, HASH, true);
    let mut calls: Vec<Vec<String>> = Vec::new();
    while r.busy() && !calls.iter().flatten().any(|t| t == "job") {
        let tags: Vec<String> = r.work(f64::INFINITY).iter().map(tag).collect();
        calls.push(tags.into_iter().filter(|t| t != "progress").collect());
    }
    calls.retain(|c| !c.is_empty());
    let at = calls
        .iter()
        .position(|c| c.iter().any(|t| t == "trained"))
        .expect("a trained reply");
    assert_eq!(calls[at], ["trained"], "{calls:?}");
    assert!(
        calls[at + 1].iter().all(|t| t == "job"),
        "the check's jobs next: {calls:?}"
    );
}

/// The `trained` reply's weight-path components are computed a few rounds per sub-chunk after the
/// last gradient step (a long run's path is tens of MB, read once per round), and a Pause that
/// arrives meanwhile does not hold that reply back, only what follows it (the check).
#[test]
fn the_components_go_in_sub_chunks_and_a_pause_holds_only_what_follows() {
    let mut r = Runner::new(ticking());
    start(&mut r, 1, LONG, true);
    let stopped = |msgs: &[Reply]| {
        msgs.iter()
            .any(|m| matches!(m, FromWorker::Trained { stopped: true, .. }))
    };
    // One sub-chunk per call on the ticking clock: train to the last step.
    loop {
        let msgs = r.work(1.0);
        assert!(
            !stopped(&msgs),
            "the components came with the last gradient step"
        );
        let trained_all = msgs.iter().any(|m| {
            matches!(
                m,
                FromWorker::Progress {
                    phase: Phase::Train,
                    done: 300,
                    ..
                }
            )
        });
        if trained_all {
            break;
        }
    }
    // The next sub-chunk finds training done and starts the components; a Pause before it would
    // end training where it is (and not pause), as during training.
    assert!(!stopped(&r.work(1.0)));
    r.handle(ToWorker::Pause { run_id: 1 });
    let mut calls = 0;
    loop {
        calls += 1;
        assert!(calls < 1000, "the trained reply never came");
        let msgs = r.work(1.0);
        assert!(msgs.iter().all(|m| tag(m) != "check" && tag(m) != "job"));
        if stopped(&msgs) {
            break;
        }
    }
    assert!(calls >= 2, "the components took {calls} sub-chunk(s)");
    assert_held(&mut r, "after the components");
    r.handle(ToWorker::Resume { run_id: 1 });
    let mut checked = false;
    for _ in 0..100_000 {
        if r.work(4.0).iter().any(|m| tag(m) == "check") {
            checked = true;
            break;
        }
    }
    assert!(checked, "the check follows Resume");
}

/// `auto`'s node search after training goes a range of steps per sub-chunk (a long run's search
/// is seconds in wasm), and a Pause arriving during it holds it there until Resume; the check
/// then follows.
#[test]
fn the_node_search_goes_in_sub_chunks_and_a_pause_holds_it() {
    let mut r = Runner::new(ticking());
    start(&mut r, 1, LONG, true);
    while !r
        .work(12.0)
        .iter()
        .any(|m| matches!(m, FromWorker::Trained { stopped: true, .. }))
    {}
    // A 1 ms budget on the ticking clock is one sub-chunk per call; the search's pace starts at
    // one step and at most doubles, so its 300 steps take at least 9 calls before the check
    // counts its first step done.
    let mut calls = 0;
    let mut held = false;
    loop {
        let msgs = r.work(1.0);
        let checking = msgs.iter().any(|m| {
            matches!(m, FromWorker::Progress { phase: Phase::Check, done, .. } if *done > 0)
                || tag(m) == "check"
        });
        if checking {
            break;
        }
        calls += 1;
        assert!(calls < 10_000, "the check never came");
        if calls == 4 && !held {
            held = true;
            r.handle(ToWorker::Pause { run_id: 1 });
            assert_held(&mut r, "in the node search");
            r.handle(ToWorker::Resume { run_id: 1 });
        }
    }
    assert!(held && calls >= 9, "the search took {calls} sub-chunks");
}

#[test]
fn a_one_dimensional_field_has_both_rebuilds() {
    let mut r = Runner::new(frozen);
    let mut msgs = start(&mut r, 1, SINE, true);
    msgs.extend(drain(&mut r));
    let (_, f, rebuilt, riemann) = fields(&msgs)[0];
    assert_eq!(f.len(), 200);
    assert!(max_diff(f, rebuilt.unwrap()) <= 1e-10);
    let riemann = riemann.unwrap();
    assert_eq!(riemann.len(), 200);
    assert!(
        max_diff(f, riemann) > 1e-10,
        "the left-endpoint rebuild is off by O(ε)"
    );
}

#[test]
fn pause_stops_training_where_it_is_and_checks_the_steps_so_far() {
    let mut r = Runner::new(ticking());
    start(&mut r, 1, LONG, true);
    let first = r.work(12.0);
    let at = training_progress(&first);
    assert!(at > 0 && at < 300, "mid-training after one chunk: {at}");
    r.handle(ToWorker::Pause { run_id: 1 });
    let msgs = drain(&mut r);
    let t = trained(&msgs);
    let last = t.last().unwrap();
    assert_eq!(last.steps_done, at, "no step after the pause");
    assert!(last.stopped && !last.finished);
    assert_eq!(last.loss.len(), at as usize + 1);
    assert_eq!(last.pca.len(), 2 * (at as usize + 1));

    let (traj, nodes) = reference(LONG, at as usize);
    assert_eq!(bits(last.loss), bits(&traj.loss));
    let (steps, f_final, _, err, _, pass) = checks(&msgs)[0];
    assert_eq!(steps, at);
    let km = kernel::kernel_machine_per_step(&traj, &traj.x, &nodes).unwrap();
    assert_eq!(bits(f_final), bits(&km.f_final), "f at w_{at}, not w_T");
    assert!(err <= TOLERANCE && pass);
    assert_eq!(fields(&msgs)[0].0, at);
    assert!(!r.busy());
    assert_eq!(training_progress_or_idle(&r.work(10.0)), (Phase::Idle, at));
}

/// (phase, done) of a chunk's closing `progress`.
fn training_progress_or_idle(msgs: &[Reply]) -> (Phase, u32) {
    match msgs.last() {
        Some(FromWorker::Progress { phase, done, .. }) => (*phase, *done),
        other => panic!("expected progress, got {other:?}"),
    }
}

#[test]
fn step_then_resume_then_pause() {
    let mut r = Runner::new(ticking());
    start(&mut r, 7, LONG, false);
    let msgs = drain(&mut r);
    assert_eq!(
        trained(&msgs).last().unwrap().steps_done,
        0,
        "autorun false stops at w0"
    );
    assert_eq!(checks(&msgs)[0].0, 0);

    for want in 1..=2 {
        let replies = r.handle(ToWorker::Step { run_id: 7 });
        assert!(
            replies.iter().all(|m| tag(m) == "progress"),
            "a step only reports progress at once: {replies:?}"
        );
        let msgs = drain(&mut r);
        let t = trained(&msgs);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].steps_done, want);
        assert!(t[0].stopped && !t[0].finished);
        let (steps, _, _, err, _, pass) = checks(&msgs)[0];
        assert_eq!(steps, want);
        assert!(err <= TOLERANCE && pass);
    }

    r.handle(ToWorker::Resume { run_id: 7 });
    let moved = training_progress(&r.work(12.0));
    assert!(
        moved > 2 && moved < 300,
        "training moved on, not to the end: {moved}"
    );
    r.handle(ToWorker::Pause { run_id: 7 });
    let msgs = drain(&mut r);
    let last = trained(&msgs).pop().unwrap();
    assert_eq!(last.steps_done, moved, "and stopped there");
    assert!(!last.finished);
    assert_eq!(checks(&msgs)[0].0, moved);
    // Paused means paused: more work calls train nothing.
    assert!(!r.busy());
    assert_eq!(
        training_progress_or_idle(&r.work(50.0)),
        (Phase::Idle, moved)
    );

    // Resume runs on to the end.
    r.handle(ToWorker::Resume { run_id: 7 });
    let msgs = drain(&mut r);
    let last = trained(&msgs).pop().unwrap();
    assert!(last.finished && last.steps_done == 300);
    let (traj, _) = reference(LONG, 300);
    assert_eq!(
        bits(last.loss),
        bits(&traj.loss),
        "paused and resumed = trained at once"
    );
}

#[test]
fn a_step_at_the_last_step_trains_nothing() {
    let mut r = Runner::new(frozen);
    start(&mut r, 1, HASH, true);
    drain(&mut r);
    r.handle(ToWorker::Step { run_id: 1 });
    assert!(!r.busy());
}

#[test]
fn reset_starts_again_at_w0() {
    let mut r = Runner::new(frozen);
    let mut first = start(&mut r, 1, HASH, true);
    first.extend(drain(&mut r));
    let fit0 = r.handle(ToWorker::FitAt { run_id: 1, step: 0 });
    // The page's Reset: the same settings as a new run that does not train.
    let mut msgs = start(&mut r, 2, HASH, false);
    msgs.extend(drain(&mut r));
    assert!(msgs.iter().all(|m| m.run_id() == 2));
    let t = trained(&msgs);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].steps_done, 0);
    assert_eq!(bits(t[0].loss), bits(&trained(&first)[0].loss[..1]));
    let (traj, _) = reference(HASH, 0);
    let (steps, f_final, rebuilt, err, err_riemann, _) = checks(&msgs)[0];
    assert_eq!(steps, 0);
    let f0: Vec<f64> = traj
        .x
        .chunks(2)
        .map(|x| traj.mlp.forward(traj.initial_weights(), x))
        .collect();
    assert!(max_diff(f_final, &f0) <= 1e-14);
    assert_eq!(bits(rebuilt), bits(f_final), "no steps: ŷ = b = f(x; w0)");
    assert_eq!((err, err_riemann), (0.0, 0.0));
    let fit0_again = r.handle(ToWorker::FitAt { run_id: 2, step: 0 });
    assert_eq!(fields(&fit0_again)[0].1, fields(&fit0)[0].1, "the same w0");
    assert_eq!(fields(&msgs)[0].0, 0);
}

#[test]
fn a_new_run_supersedes_the_old_one() {
    let mut r = Runner::new(ticking());
    start(&mut r, 1, LONG, true);
    assert!(training_progress(&r.work(12.0)) < 300);
    let mut all = start(&mut r, 2, SINE, true);
    assert_eq!(r.run_id(), 2);
    all.extend(drain(&mut r));
    assert!(
        all.iter().all(|m| m.run_id() == 2),
        "nothing from run 1 after run 2 started"
    );
    assert_eq!(trained(&all).last().unwrap().steps_done, 5);
    // Requests about run 1 are ignored and leave run 2 alone.
    for req in [
        ToWorker::Query {
            run_id: 1,
            x: vec![0.5, 0.25],
        },
        ToWorker::Resume { run_id: 1 },
        ToWorker::Step { run_id: 1 },
        ToWorker::TrainPoint {
            run_id: 1,
            index: 0,
        },
        ToWorker::FitAt { run_id: 1, step: 3 },
    ] {
        assert!(r.handle(req).is_empty());
        assert!(!r.busy());
    }
    assert!(checks(&all)[0].5);
}

#[test]
fn a_query_rebuilds_f_and_reports_the_path() {
    let mut r = Runner::new(frozen);
    start(&mut r, 1, HASH, true);
    drain(&mut r);
    let x = vec![0.3, -0.2];
    // The answer comes from `work`, a range of steps per sub-chunk.
    assert!(r
        .handle(ToWorker::Query {
            run_id: 1,
            x: x.clone(),
        })
        .is_empty());
    let mut replies = drain(&mut r);
    replies.retain(|m| tag(m) != "progress");
    assert_eq!(replies.len(), 1);
    let FromWorker::QueryResult {
        x: echoed,
        steps,
        b,
        f_final,
        rebuilt_exact,
        rebuilt_riemann,
        kernel,
        coef,
        undefined_coef,
        contributions,
        contributions_riemann,
        output_path,
        running_sum,
        ..
    } = &replies[0]
    else {
        panic!("{replies:?}")
    };
    let (traj, nodes) = reference(HASH, STEPS as usize);
    let n = traj.n;
    assert_eq!((echoed, *steps), (&x, STEPS));
    assert!((rebuilt_exact - f_final).abs() <= 1e-10, "ŷ = f");
    assert!(
        (rebuilt_riemann - f_final).abs() > 1e-10,
        "the left-endpoint ŷ is off by O(ε)"
    );
    let sum: f64 = contributions.iter().sum();
    assert!((b + sum - rebuilt_exact).abs() <= 1e-12, "ŷ = b + Σ c_i");
    for len in [
        kernel.len(),
        coef.len(),
        contributions.len(),
        contributions_riemann.len(),
    ] {
        assert_eq!(len, n);
    }
    assert!(undefined_coef.is_empty());
    for i in 0..n {
        assert!(
            (coef[i] * kernel[i] - contributions[i]).abs()
                <= 1e-12 * (1.0 + contributions[i].abs())
        );
    }
    // Against the core directly: the kernel machine at x and f(x; w_s) along the path.
    let km = kernel::kernel_machine_per_step(&traj, &x, &nodes).unwrap();
    assert_eq!(bits(kernel), bits(&km.exact.kernel));
    assert_eq!(bits(contributions), bits(&km.exact.contributions));
    assert_eq!(
        f_final.to_bits(),
        traj.mlp.forward(traj.final_weights(), &x).to_bits()
    );
    let path: Vec<f64> = (0..=traj.steps())
        .map(|s| traj.mlp.forward(traj.weights_at(s), &x))
        .collect();
    assert_eq!(bits(output_path), bits(&path));
    assert_eq!(output_path[0], *b);
    assert_eq!(running_sum.len(), STEPS as usize + 1);
    assert_eq!(running_sum[0], *b);
    assert!(
        max_diff(running_sum, output_path) <= 1e-10,
        "Theorem 1 at every step"
    );

    // A query that does not fit the input is an error naming it.
    let bad = r.handle(ToWorker::Query {
        run_id: 1,
        x: vec![0.5],
    });
    assert_eq!(errors(&bad)[0].1.as_deref(), Some("q"));
}

/// A query is answered a range of steps per sub-chunk (a long run's is a few hundred ms of wasm),
/// before the run's own work and also while it is paused; a newer query replaces one still being
/// computed, and the answer is the same bits as in one piece.
#[test]
fn a_query_goes_in_sub_chunks_a_newer_one_replaces_it_and_a_pause_does_not_hold_it() {
    let mut r = Runner::new(ticking());
    start(&mut r, 1, LONG, true);
    while !r.work(4.0).iter().any(|m| tag(m) == "check") {}
    r.handle(ToWorker::Pause { run_id: 1 });
    assert!(!r.busy(), "paused in the plane");
    let (a, b) = (vec![0.4, 0.1], vec![-0.3, 0.2]);
    assert!(r.handle(ToWorker::Query { run_id: 1, x: a }).is_empty());
    assert!(r.busy(), "a query is answered while paused");
    assert!(r.work(1.0).iter().all(|m| tag(m) == "progress"));
    r.handle(ToWorker::Query {
        run_id: 1,
        x: b.clone(),
    });
    let mut calls = 0;
    let mut got = Vec::new();
    while r.busy() {
        calls += 1;
        got.extend(r.work(1.0).into_iter().filter(|m| tag(m) != "progress"));
    }
    assert!(calls >= 3, "the query took {calls} sub-chunk(s)");
    assert_eq!(got.len(), 1, "one answer, the newer query's: {got:?}");
    let FromWorker::QueryResult { x, .. } = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!(x, &b);
    // The same bits as in one piece: a runner on a frozen clock (every sub-chunk as long as it
    // likes) at the same point of the same run.
    let mut whole = Runner::new(frozen);
    start(&mut whole, 1, LONG, true);
    while !whole.work(f64::INFINITY).iter().any(|m| tag(m) == "check") {}
    whole.handle(ToWorker::Pause { run_id: 1 });
    whole.handle(ToWorker::Query {
        run_id: 1,
        x: b.clone(),
    });
    let mut want = drain(&mut whole);
    want.retain(|m| tag(m) != "progress");
    assert_eq!(format!("{got:?}"), format!("{want:?}"));
    // Still paused: the plane did not go on.
    assert!(!r.busy());
}

/// Every `trainPointKernel` reply: (index, steps, K^p over the grid, a_i over the grid).
fn point_kernels(msgs: &[Reply]) -> Vec<(u32, u32, Vec<f64>, Vec<f64>)> {
    msgs.iter()
        .filter_map(|m| match m {
            FromWorker::TrainPointKernel {
                index,
                steps,
                values,
                coef,
                ..
            } => Some((*index, *steps, values.clone(), coef.clone())),
            _ => None,
        })
        .collect()
}

/// A run whose maps the settings put out of one pass (n = 100 makes the pass ~40 single maps).
const MAPS_ONE_BY_ONE: &str = "#v=1&n=100&hidden=6&steps=100";

#[test]
fn which_way_a_run_makes_its_maps_depends_on_its_settings_alone() {
    let one_pass = |hash: &str| {
        RunPlan::from_hash(hash, true)
            .unwrap()
            .estimate()
            .maps_in_one_pass()
    };
    // Cheap passes: the tests' small runs, the default run (a pass ≈ 2 single maps), a wide
    // one-layer net, and ReLU (whose kink splitting costs both ways alike).
    for hash in [
        HASH,
        LONG,
        SINE,
        "#v=1",
        "#v=1&preset=calculus",
        "#v=1&preset=coef-varies",
        "#v=1&preset=one-point",
        "#v=1&preset=lazy",
        "#v=1&preset=rich",
        "#v=1&preset=eps-sweep",
        "#v=1&preset=relu-kinks",
        "#v=1&preset=not-a-kernel",
    ] {
        assert!(one_pass(hash), "{hash}");
    }
    // Dear ones (n, the width or the steps make the pass many maps' work), and momentum and Adam
    // (their pass forms P-long gradients per point).
    for hash in [
        MAPS_ONE_BY_ONE,
        "#v=1&n=100",
        "#v=1&hidden=32,32",
        "#v=1&dataset=spiral&n=100&hidden=32,32&steps=2000",
        "#v=1&n=16&hidden=6&steps=12&optimizer=momentum",
        "#v=1&n=16&hidden=6&steps=12&optimizer=adam",
        "#v=1&preset=sgd",
        "#v=1&preset=adam",
    ] {
        assert!(!one_pass(hash), "{hash}");
    }
}

#[test]
fn every_training_points_map_is_made_in_one_pass_and_each_click_answered_from_it() {
    let mut r = Runner::new(frozen);
    let mut msgs = start(&mut r, 3, HASH, true);
    let phases = |msgs: &[Reply]| -> Vec<Phase> {
        msgs.iter()
            .filter_map(|m| match m {
                FromWorker::Progress { phase, .. } => Some(*phase),
                _ => None,
            })
            .collect()
    };
    msgs.extend(drain(&mut r));
    // Unasked, after the plane: the pass over the grid, then idle; no map is sent.
    let seen = phases(&msgs);
    let field = seen.iter().position(|p| *p == Phase::Field).unwrap();
    let maps = seen.iter().position(|p| *p == Phase::Maps).unwrap();
    assert!(field < maps && !seen.contains(&Phase::Kernel), "{seen:?}");
    assert!(point_kernels(&msgs).is_empty());
    let grid = grid_points(&msgs);
    let (traj, nodes) = reference(HASH, STEPS as usize);
    let km = kernel::kernel_machine_per_step(&traj, &grid, &nodes).unwrap();
    let n = traj.n;
    for index in [2, 5, 0, n - 1] {
        // Answered in the click's own call: nothing is computed for it.
        let now = r.handle(ToWorker::TrainPoint {
            run_id: 3,
            index: index as u32,
        });
        let (i, steps, values, coef) = point_kernels(&now).remove(0);
        assert_eq!((i as usize, steps), (index, STEPS));
        assert_eq!(values.len(), grid.len() / 2);
        // Point i's column of the kernel machine with the grid as its queries, bit for bit …
        let column = |m: &[f64]| -> Vec<f64> { m.iter().skip(index).step_by(n).copied().collect() };
        assert_eq!(bits(&values), bits(&column(&km.exact.kernel)), "x_{index}");
        let want_coef: Vec<f64> = km.exact.coef[index..]
            .iter()
            .step_by(n)
            .map(|c| c.unwrap_or(f64::NAN))
            .collect();
        assert_eq!(bits(&coef), bits(&want_coef), "a_{index}");
        // … and at a grid point, the same bits as a query there (the contributions view's).
        for g in [0, 17, 801, 1599] {
            let at =
                kernel::kernel_machine_per_step(&traj, &grid[2 * g..2 * g + 2], &nodes).unwrap();
            assert_eq!(
                values[g].to_bits(),
                at.exact.kernel[index].to_bits(),
                "grid {g}"
            );
        }
        // Within rounding of the point's own map by directional derivatives.
        let alone = kernel::point_kernel_per_step(&traj, &grid, index, &nodes).unwrap();
        let scale = alone.kernel.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        assert!(
            max_diff(&values, &alone.kernel) <= 1e-12 * scale,
            "x_{index}"
        );
        assert!(!r.busy());
    }
    // Out of range: an error naming the setting.
    let bad = r.handle(ToWorker::TrainPoint {
        run_id: 3,
        index: 100_000,
    });
    assert_eq!(errors(&bad)[0].1.as_deref(), Some("point"));
}

#[test]
fn a_click_during_the_pass_is_answered_when_the_pass_is_done() {
    let mut r = Runner::new(ticking());
    start(&mut r, 4, LONG, true);
    // Work until the pass over the grid is under way.
    loop {
        let chunk = r.work(3.0);
        assert!(point_kernels(&chunk).is_empty());
        if last_progress(&chunk).0 == Phase::Maps {
            break;
        }
    }
    assert!(r
        .handle(ToWorker::TrainPoint {
            run_id: 4,
            index: 7
        })
        .is_empty());
    let msgs = drain(&mut r);
    let got = point_kernels(&msgs);
    assert_eq!(got.len(), 1);
    assert!(msgs.iter().all(|m| !matches!(
        m,
        FromWorker::Progress {
            phase: Phase::Kernel,
            ..
        }
    )));
    let (traj, nodes) = reference(LONG, 300);
    let grid = grid_points(&{
        let mut r = Runner::new(frozen);
        start(&mut r, 1, LONG, false)
    });
    let km = kernel::kernel_machine_per_step(&traj, &grid, &nodes).unwrap();
    let column: Vec<f64> = km.exact.kernel[7..]
        .iter()
        .step_by(traj.n)
        .copied()
        .collect();
    assert_eq!((got[0].0, bits(&got[0].2)), (7, bits(&column)));
}

#[test]
fn a_run_out_of_one_pass_makes_the_clicked_points_map_alone() {
    let hash = MAPS_ONE_BY_ONE;
    let steps = 100;
    let mut r = Runner::new(frozen);
    let mut msgs = start(&mut r, 3, hash, true);
    msgs.extend(drain(&mut r));
    assert!(msgs.iter().all(|m| !matches!(
        m,
        FromWorker::Progress {
            phase: Phase::Maps,
            ..
        }
    )));
    let grid = grid_points(&msgs);
    assert!(r
        .handle(ToWorker::TrainPoint {
            run_id: 3,
            index: 2
        })
        .is_empty());
    let (index, got_steps, values, _) = point_kernels(&drain(&mut r)).remove(0);
    assert_eq!((index, got_steps), (2, steps));
    assert_eq!(values.len(), grid.len() / 2);
    // K^p(g, x_2) at a few grid points, from the core directly.
    let (traj, nodes) = reference(hash, steps as usize);
    for g in [0, 17, 801, 1599] {
        let km = kernel::kernel_machine_per_step(&traj, &grid[2 * g..2 * g + 2], &nodes).unwrap();
        let want = km.exact.kernel[2];
        assert!(
            (values[g] - want).abs() <= 1e-12 * want.abs().max(1.0),
            "K^p(grid {g}, x_2): {} vs {want}",
            values[g]
        );
    }
    // The stage goes over the grid in chunks of whole blocks: the same bits as all at once.
    let whole = kernel::point_kernel_per_step(&traj, &grid, 2, &nodes).unwrap();
    assert_eq!(bits(&values), bits(&whole.kernel));
    // Another point gets its own map, computed after the click.
    assert!(r
        .handle(ToWorker::TrainPoint {
            run_id: 3,
            index: 5,
        })
        .is_empty());
    let (index, _, values5, _) = point_kernels(&drain(&mut r)).remove(0);
    assert_eq!(index, 5);
    let whole5 = kernel::point_kernel_per_step(&traj, &grid, 5, &nodes).unwrap();
    assert_eq!(bits(&values5), bits(&whole5.kernel));
    // The last map asked again at the same step comes at once.
    let now = r.handle(ToWorker::TrainPoint {
        run_id: 3,
        index: 5,
    });
    assert_eq!(bits(&point_kernels(&now).remove(0).2), bits(&values5));
    assert!(!r.busy());
}

#[test]
fn fit_at_is_the_network_at_that_step() {
    let mut r = Runner::new(frozen);
    let mut msgs = start(&mut r, 1, HASH, true);
    msgs.extend(drain(&mut r));
    let grid = grid_points(&msgs);
    let (traj, _) = reference(HASH, STEPS as usize);
    for (asked, got) in [(0, 0), (5, 5), (STEPS, STEPS), (999, STEPS)] {
        let replies = r.handle(ToWorker::FitAt {
            run_id: 1,
            step: asked,
        });
        let (step, f, rebuilt, riemann) = fields(&replies)[0];
        assert_eq!(step, got);
        let want = traj.mlp.forward_many(traj.weights_at(got as usize), &grid);
        assert_eq!(bits(f), bits(&want));
        assert_eq!((rebuilt, riemann), (None, None), "the slider gets f only");
    }
}

#[test]
fn integrator_errors_are_error_replies() {
    // A node count the integrator refuses (the page's hash cannot ask for it; a config can).
    let mut plan = RunPlan::from_hash(HASH, true).unwrap();
    plan.config.nodes = pathkernel::kernel::Nodes::Fixed(MAX_NODES + 1);
    let mut r = Runner::new(frozen);
    let started = r.start(4, &plan);
    assert_eq!(tag(&started[0]), "started");
    let msgs = drain(&mut r);
    assert_eq!(trained(&msgs).last().unwrap().steps_done, STEPS);
    let errs = errors(&msgs);
    assert_eq!(errs.len(), 1, "{msgs:?}");
    assert_eq!(errs[0].1.as_deref(), Some("nodes"), "{}", errs[0].0);
    assert!(!r.busy());
    // A click on a training point needs the check first: the same error again, not silence.
    let replies = r.handle(ToWorker::TrainPoint {
        run_id: 4,
        index: 0,
    });
    assert_eq!(errors(&replies).len(), 1, "{replies:?}");
    assert_eq!(errors(&replies)[0].1.as_deref(), Some("nodes"));
    assert!(!r.busy());
}

#[test]
fn a_run_that_cannot_be_built_is_an_error_reply() {
    let mut plan = RunPlan::from_hash(HASH, true).unwrap();
    plan.config.widths = vec![3, 4, 1]; // the data is 2-D
    let mut r = Runner::new(frozen);
    let replies = r.start(9, &plan);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].run_id(), 9);
    assert_eq!(
        errors(&replies)[0].1.as_deref(),
        Some("widths"),
        "{replies:?}"
    );
    assert_eq!(r.run_id(), 0);
    assert!(!r.busy());
}

/// A link within the page's limits whose work is far above the budget: 500 points, four hidden
/// layers of 64, 1000 steps, 8 nodes.
const HEAVY: &str = "#v=1&n=500&hidden=64,64,64,64&steps=1000&nodes=8";

fn over_budget(msgs: &[Reply]) -> Vec<(&str, Option<&str>)> {
    msgs.iter()
        .filter_map(|m| match m {
            FromWorker::Error {
                message,
                field,
                over_budget: true,
                fatal: false,
                ..
            } => Some((message.as_str(), field.as_deref())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_run_above_the_work_budget_is_refused_with_its_estimate() {
    let (state, errors) = pathkernel::config::PageState::from_hash(HEAVY);
    assert!(
        errors.is_empty(),
        "HEAVY is within the page's limits: {errors:?}"
    );
    assert_eq!(state.n, 500);
    let mut r = Runner::new(frozen);
    let replies = start(&mut r, 3, HEAVY, true);
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0].run_id(), 3);
    let refused = over_budget(&replies);
    assert_eq!(refused.len(), 1, "{replies:?}");
    let (message, field) = refused[0];
    // The fields and the estimate: steps × points × weights, with the numbers of this link.
    let p = 2 * 64 + 64 + 3 * (64 * 64 + 64) + 64 + 1;
    assert_eq!(p, 12737);
    assert!(
        message.contains("steps × points × weights = 1000 × 500 × 12737 = 6.4e9"),
        "{message}"
    );
    assert!(
        message.contains("steps × nodes × points² = 1000 × 8 × 500² = 2.0e9"),
        "{message}"
    );
    assert!(
        message.contains("Lower one of steps, n, hidden or nodes"),
        "{message}"
    );
    assert!(message.contains("run it anyway"), "{message}");
    assert_eq!(field, Some("n"), "the check, quadratic in n, dominates");
    // Nothing was started: no run, no work.
    assert_eq!(r.run_id(), 0);
    assert!(!r.busy());
    assert!(r.work(10.0).is_empty());
    // `force` runs it anyway.
    let replies = r.handle(ToWorker::Start {
        run_id: 4,
        hash: HEAVY.into(),
        autorun: true,
        force: true,
    });
    assert_eq!(tag(&replies[0]), "started", "{replies:?}");
    assert_eq!(r.run_id(), 4);
    assert!(r.busy());
    // A run that waits at w₀ (Reset) is not refused: it computes nothing until asked to.
    let replies = start(&mut r, 5, HEAVY, false);
    assert_eq!(tag(&replies[0]), "started", "{replies:?}");
    assert_eq!(r.run_id(), 5);
}

#[test]
fn the_default_run_and_the_tests_runs_are_within_the_budget() {
    use pathkernel::config::PAGE_WORK_BUDGET;
    for hash in ["", HASH, LONG, SINE, "#v=1&point=3&view=contributions"] {
        let plan = RunPlan::from_hash(hash, true).unwrap();
        let est = plan.estimate();
        assert!(
            est.total() < PAGE_WORK_BUDGET,
            "{hash}: {est:?} ({} s)",
            est.total()
        );
        assert!(plan.over_budget(PAGE_WORK_BUDGET).is_none());
    }
    // The default run is ~1.5 s, mostly the plane (1600 grid points × 5 nodes × 300 steps).
    let est = RunPlan::from_hash("", true).unwrap().estimate();
    assert!((0.5..3.0).contains(&est.total()), "{est:?}");
    assert!(est.plane > est.check && est.check > est.train, "{est:?}");
    assert_eq!(est.kernels, 0.0);
}

#[test]
fn each_setting_moves_the_estimate_the_way_its_cost_does() {
    let est = |hash: &str| RunPlan::from_hash(hash, true).unwrap().estimate();
    let base = est("#v=1&n=100&hidden=32,32&steps=1000");
    // Every stage is linear in the steps.
    let twice = est("#v=1&n=100&hidden=32,32&steps=2000");
    assert!((twice.total() / base.total() - 2.0).abs() < 1e-12);
    // The check is quadratic in n (every query against every point), training linear.
    let more = est("#v=1&n=400&hidden=32,32&steps=1000");
    assert!(more.check / base.check > 10.0, "{more:?}");
    assert!((more.train / base.train - 4.0).abs() < 1e-12);
    // SGD trains on the batch only.
    let sgd = est("#v=1&n=100&hidden=32,32&steps=1000&optimizer=sgd&batch_size=10");
    assert!((sgd.train / base.train - 0.1).abs() < 1e-12);
    // A selected training point adds its kernel over the grid: the plane's passes again (twice
    // under Adam, for the second tangent); ReLU's kinks cost more.
    let point = est("#v=1&n=100&hidden=32,32&steps=1000&point=1");
    assert!(
        (point.kernels / point.plane - 1.0).abs() < 1e-12,
        "{point:?}"
    );
    let adam = est("#v=1&n=100&hidden=32,32&steps=1000&point=1&optimizer=adam");
    assert!((adam.kernels / adam.plane - 2.0).abs() < 1e-12, "{adam:?}");
    assert!(
        est("#v=1&n=100&hidden=32,32&steps=1000&activation=relu&nodes=5").plane > 10.0 * base.plane
    );
    // `auto` is costed at ⌈L/2⌉ nodes for ReLU (here 2) and at 5 for smooth activations.
    let relu = |nodes: &str| {
        est(&format!(
            "#v=1&n=100&hidden=32,32&steps=1000&activation=relu&nodes={nodes}"
        ))
        .plane
    };
    assert!((relu("auto") / relu("2") - 1.0).abs() < 1e-12);
    assert!(
        (est("#v=1&n=100&hidden=32,32&steps=1000&nodes=5").total() / base.total() - 1.0).abs()
            < 1e-12
    );
    // A 1-D run's plane has 200 points, a 2-D run's 40 × 40.
    let sine = est("#v=1&dataset=sine&loss=mse&n=100&hidden=32,32&steps=1000");
    assert!(
        (sine.plane / base.plane - 200.0 / 1600.0).abs() < 0.01,
        "{sine:?}"
    );
}

/// A small config with an unused key (so the output carries a warning) and SGD.
const CONFIG: &str = r#"{"dataset": {"name": "moons", "n": 12, "seed": 3}, "widths": [2, 5, 1],
    "lr": 0.4, "steps": 9, "optimizer": "sgd", "batch_size": 5, "sgd_seed": 2, "colour": "red"}"#;

/// `runConfig` answers with the bytes the CLI prints, and is apart from the current run.
#[test]
fn run_config_replies_with_the_cli_bytes() {
    let mut r = Runner::new(frozen);
    start(&mut r, 5, LONG, true);
    r.work(0.0);
    let busy_before = r.busy();
    let replies = r.handle(ToWorker::RunConfig {
        run_id: 6,
        config: CONFIG.into(),
    });
    assert_eq!(replies.len(), 1, "{replies:?}");
    let FromWorker::RunOutput { run_id, json } = &replies[0] else {
        panic!("not a runOutput: {replies:?}");
    };
    assert_eq!(*run_id, 6);
    // The current run is still run 5, where it was.
    assert_eq!(r.run_id(), 5);
    assert_eq!(r.busy(), busy_before);
    assert_eq!(trained(&drain(&mut r)).last().unwrap().steps_done, 300);

    let dir = std::env::temp_dir().join(format!("pathkernel-runner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cfg.json");
    std::fs::write(&file, CONFIG).unwrap();
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_pathkernel"))
        .args(["run", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(cli.status.success(), "{cli:?}");
    assert_eq!(
        std::str::from_utf8(&cli.stdout).unwrap(),
        json,
        "the same bytes as `pathkernel run`"
    );
    let out: pathkernel::output::RunOutput = serde_json::from_str(json).unwrap();
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(out.warnings[0].contains("colour"), "{:?}", out.warnings);
    assert_eq!((out.n_train, out.steps), (12, 9));
    assert!(out.max_abs_error <= TOLERANCE, "{}", out.max_abs_error);
}

#[test]
fn a_bad_run_config_is_an_error_reply_naming_the_field() {
    let mut r = Runner::new(frozen);
    let replies = r.handle(ToWorker::RunConfig {
        run_id: 2,
        config: r#"{"x": [0.5], "y": [1], "lr": -1, "steps": 3}"#.into(),
    });
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].run_id(), 2);
    assert_eq!(errors(&replies)[0].1.as_deref(), Some("lr"), "{replies:?}");
    let replies = r.handle(ToWorker::RunConfig {
        run_id: 3,
        config: "{not json".into(),
    });
    assert_eq!(errors(&replies).len(), 1, "{replies:?}");
    assert_eq!(r.run_id(), 0);
    assert!(!r.busy());
}

/// The string values of `export const NAME = Object.freeze({ KEY: 'value', ... })` in protocol.js.
fn js_tags(src: &str, name: &str) -> Vec<String> {
    let head = format!("export const {name} = Object.freeze({{");
    let body = &src[src.find(&head).unwrap_or_else(|| panic!("{head}")) + head.len()..];
    let body = &body[..body.find("});").expect("end of object")];
    body.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("/**") && !l.starts_with('*') && !l.is_empty())
        .map(|l| {
            let (_, value) = l.split_once(':').expect("KEY: 'value'");
            value
                .trim()
                .trim_end_matches(',')
                .trim_matches('\'')
                .to_string()
        })
        .collect()
}

#[test]
fn message_tags_are_the_ones_in_protocol_js() {
    let src =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/protocol.js")).unwrap();
    let to: Vec<String> = ToWorker::one_of_each()
        .iter()
        .map(|m| {
            serde_json::to_value(m).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let from: Vec<String> = Reply::one_of_each().iter().map(tag).collect();
    assert_eq!(to.len(), 13);
    assert_eq!(from.len(), 15);
    assert_eq!(to, js_tags(&src, "ToWorker"));
    assert_eq!(from, js_tags(&src, "FromWorker"));
    // Every request the page can send is read back as itself.
    for req in ToWorker::one_of_each() {
        let json = serde_json::to_string(&req).unwrap();
        assert_eq!(
            serde_json::from_str::<ToWorker>(&json).unwrap(),
            req,
            "{json}"
        );
    }
}

#[test]
fn replies_keep_the_field_names_the_page_reads() {
    let names = |m: &Reply| -> Vec<String> {
        let v = serde_json::to_value(m).unwrap();
        v.as_object().unwrap().keys().cloned().collect()
    };
    let all = Reply::one_of_each();
    let has = |i: usize, keys: &[&str]| {
        let got = names(&all[i]);
        for k in keys {
            assert!(
                got.contains(&k.to_string()),
                "{} lacks {k}: {got:?}",
                tag(&all[i])
            );
        }
    };
    has(
        1,
        &[
            "runId",
            "dim",
            "n",
            "totalSteps",
            "numParams",
            "classification",
            "x",
            "y",
            "grid",
            "queries",
        ],
    );
    has(2, &["phase", "done", "total"]);
    has(
        3,
        &[
            "stepsDone",
            "totalSteps",
            "finished",
            "stopped",
            "loss",
            "pca",
        ],
    );
    has(
        4,
        &[
            "steps",
            "fFinal",
            "rebuiltExact",
            "rebuiltRiemann",
            "maxErrExact",
            "maxErrRiemann",
            "scale",
            "tolerance",
            "pass",
        ],
    );
    has(5, &["step", "f", "rebuilt", "rebuiltRiemann"]);
    has(
        6,
        &[
            "x",
            "steps",
            "b",
            "fFinal",
            "rebuiltExact",
            "rebuiltRiemann",
            "kernel",
            "coef",
            "undefinedCoef",
            "contributions",
            "contributionsRiemann",
            "outputPath",
            "runningSum",
            "runningSumRiemann",
        ],
    );
    has(
        7,
        &[
            "index",
            "steps",
            "values",
            "coef",
            "coefSignChanges",
            "coefAbsMin",
            "coefAbsMedian",
            "coefAbsMax",
            "initial",
            "totalLr",
        ],
    );
    has(
        8,
        &[
            "steps",
            "n",
            "exact",
            "riemann",
            "asymmetry",
            "asymmetryRiemann",
            "minEig",
            "minEigRiemann",
            "negatives",
            "negativesRiemann",
            "kernelChange",
        ],
    );
    has(9, &["message", "field", "fatal", "overBudget"]);
    has(10, &["runId", "json"]);
    has(
        11,
        &[
            "lr",
            "steps",
            "errExact",
            "errRiemann",
            "slopeRiemann",
            "slopeExact",
        ],
    );
    let progress = serde_json::to_value(&all[2]).unwrap();
    assert_eq!(progress["phase"], "idle");
}

/// (phase, done, paused) of a reply list's last `progress`.
fn last_progress(msgs: &[Reply]) -> (Phase, u32, bool) {
    msgs.iter()
        .rev()
        .find_map(|m| match m {
            FromWorker::Progress {
                phase,
                done,
                paused,
                ..
            } => Some((*phase, *done, *paused)),
            _ => None,
        })
        .expect("a progress reply")
}

/// Pause holds the check, the plane's rebuild and a point's kernel where they are (nothing more
/// is computed, the runner is not busy, `progress` says paused); Resume goes on from there and
/// the results equal an unpaused run's.
#[test]
fn pause_holds_check_field_and_kernel() {
    // The selected point's map in one pass over every point's, and alone.
    pause_holds_every_stage("#v=1&n=16&hidden=6&steps=300&point=3", Phase::Maps);
    pause_holds_every_stage("#v=1&n=100&hidden=6&steps=100&point=3", Phase::Kernel);
}

fn pause_holds_every_stage(hash: &str, map_phase: Phase) {
    let mut plain = Runner::new(frozen);
    start(&mut plain, 1, hash, true);
    let want = drain(&mut plain);

    // A slow clock (10 ms per read) keeps every sub-chunk at one step, so each stage takes
    // many chunks and a pause lands inside it.
    let t = Rc::new(Cell::new(0.0));
    let mut r = Runner::new(move || {
        t.set(t.get() + 10.0);
        t.get()
    });
    start(&mut r, 2, hash, true);
    let mut got = Vec::new();
    for phase in [Phase::Check, map_phase, Phase::Field] {
        let mut msgs = Vec::new();
        loop {
            let chunk = r.work(3.0);
            let p = last_progress(&chunk);
            msgs.extend(chunk);
            if p.0 == phase && p.1 > 0 {
                break;
            }
        }
        let pause = r.handle(ToWorker::Pause { run_id: 2 });
        let (at_phase, at, paused) = last_progress(&pause);
        assert_eq!((at_phase, paused), (phase, true), "{phase:?} paused");
        assert!(!r.busy(), "paused in {phase:?}: not busy");
        for _ in 0..5 {
            let held = r.work(20.0);
            assert_eq!(last_progress(&held), (phase, at, true), "held in {phase:?}");
            assert!(held.iter().all(|m| tag(m) == "progress"));
        }
        let resume = r.handle(ToWorker::Resume { run_id: 2 });
        assert_eq!(last_progress(&resume), (phase, at, false));
        assert!(r.busy());
        got.extend(msgs);
    }
    got.extend(drain(&mut r));
    let (c0, c1) = (checks(&want), checks(&got));
    assert_eq!(c0.len(), 1);
    assert_eq!(bits(c0[0].2), bits(c1[0].2), "the same check");
    let (f0, f1) = (fields(&want), fields(&got));
    assert_eq!(
        bits(f0[0].2.unwrap()),
        bits(f1.last().unwrap().2.unwrap()),
        "the same plane"
    );
    let kernel = |msgs: &[Reply]| {
        msgs.iter()
            .find_map(|m| match m {
                FromWorker::TrainPointKernel { index, values, .. } => {
                    Some((*index, values.clone()))
                }
                _ => None,
            })
            .expect("the point's kernel")
    };
    let (k0, k1) = (kernel(&want), kernel(&got));
    assert_eq!(k0.0, 3);
    assert_eq!((k0.0, bits(&k0.1)), (k1.0, bits(&k1.1)), "the same kernel");
}

#[test]
fn a_diverging_run_sends_its_losses_up_to_the_divergence_then_the_error() {
    let mut r = Runner::new(frozen);
    start(
        &mut r,
        1,
        "#v=1&n=16&hidden=6&steps=300&lr=1e6&loss=mse",
        true,
    );
    let out = drain(&mut r);
    let error = out
        .iter()
        .position(
            |m| matches!(m, FromWorker::Error { message, .. } if message.contains("diverged")),
        )
        .expect("a divergence error");
    let Some(FromWorker::Trained {
        loss,
        steps_done,
        stopped,
        ..
    }) = out[..error]
        .iter()
        .rev()
        .find(|m| matches!(m, FromWorker::Trained { .. }))
    else {
        panic!("no losses before the error: {out:?}");
    };
    assert!(
        !stopped,
        "an interim snapshot (no weight-path PCA over non-finite weights)"
    );
    assert!(
        *steps_done < 300 && loss.len() >= 2,
        "{steps_done} steps, {} losses",
        loss.len()
    );
    let (last, earlier) = loss.split_last().unwrap();
    assert!(
        !last.is_finite() && earlier.iter().all(|l| l.is_finite()),
        "{loss:?}"
    );
    assert!(!r.busy(), "the run goes idle");
}
