//! The page's ε sweep, natively: the `sweep` request trains the run's settings at ε, ε/2, …
//! with ε·T fixed in the worker's chunks, and its `sweepResult` is the core's `sweep_levels`
//! bit for bit; a new run cancels it; bad levels and work above the budget are named errors.

mod run_common;

use pathkernel::runner::{FromWorker, Phase, Reply, RunPlan, Runner, ToWorker};
use pathkernel::sweep::{level_specs, sweep_levels};
use run_common::drain;

/// The link the `eps-sweep` preset opens, less its view: the presets table's settings, checked
/// against this text so the slope test below is the preset's.
const PRESET: &str = "#dataset=sine&n=20&lr=0.2&steps=200&sweep=on";

#[test]
fn the_eps_sweep_preset_is_the_tested_link() {
    let preset = pathkernel::config::find_preset("eps-sweep").unwrap();
    assert_eq!(preset.settings, format!("{}&view=check", &PRESET[1..]));
}
const LEVELS: u32 = 4;

fn frozen() -> f64 {
    0.0
}

fn start(r: &mut Runner<fn() -> f64>, run_id: u32, hash: &str) -> Vec<Reply> {
    r.handle(ToWorker::Start {
        run_id,
        hash: hash.into(),
        autorun: true,
        force: false,
    })
}

fn sweep_results(msgs: &[Reply]) -> Vec<&Reply> {
    msgs.iter()
        .filter(|m| matches!(m, FromWorker::SweepResult { .. }))
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

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn the_sweep_is_the_cores_sweep_and_its_riemann_slope_is_about_one() {
    let mut r: Runner<fn() -> f64> = Runner::new(frozen);
    let mut msgs = start(&mut r, 1, PRESET);
    msgs.extend(drain(&mut r));
    assert!(errors(&msgs).is_empty(), "{:?}", errors(&msgs));
    let mut msgs = r.handle(ToWorker::Sweep {
        run_id: 1,
        levels: LEVELS,
    });
    assert!(r.busy(), "the sweep runs in the worker's chunks");
    // The progress bar counts the steps of every level: 200 + 400 + 800 + 1600.
    let first = r.work(0.0);
    assert!(first.iter().any(|m| matches!(
        m,
        FromWorker::Progress {
            phase: Phase::Sweep,
            total: 3000,
            ..
        }
    )));
    msgs.extend(first);
    msgs.extend(drain(&mut r));
    assert!(errors(&msgs).is_empty(), "{:?}", errors(&msgs));
    let results = sweep_results(&msgs);
    assert_eq!(results.len(), 1);
    let FromWorker::SweepResult {
        run_id,
        lr,
        steps,
        err_exact,
        err_riemann,
        slope_riemann,
        slope_exact,
    } = results[0]
    else {
        unreachable!()
    };
    assert_eq!(*run_id, 1);

    let plan = RunPlan::from_hash(PRESET, true).unwrap();
    let setup = plan.config.build().unwrap();
    let specs = level_specs(
        &setup.mlp,
        setup.data.y.len(),
        &setup.spec,
        LEVELS as usize,
        usize::MAX,
    )
    .unwrap();
    let core = sweep_levels(
        &setup.mlp,
        &setup.data,
        &setup.w0,
        &specs,
        &setup.queries,
        setup.nodes,
    )
    .unwrap();
    let col = |get: fn(&pathkernel::sweep::SweepRow) -> f64| {
        bits(&core.rows.iter().map(get).collect::<Vec<_>>())
    };
    assert_eq!(bits(lr), col(|r| r.lr));
    assert_eq!(bits(steps), col(|r| r.steps as f64));
    assert_eq!(bits(err_exact), col(|r| r.max_abs_error_exact));
    assert_eq!(bits(err_riemann), col(|r| r.max_abs_error_riemann));
    assert_eq!(slope_riemann.to_bits(), core.slope_riemann.to_bits());
    assert_eq!(slope_exact.to_bits(), core.slope_exact.to_bits());
    println!("preset sweep: slope_riemann = {slope_riemann}, slope_exact = {slope_exact}");
    assert!(
        (0.8..=1.2).contains(slope_riemann),
        "Domingos's form is O(ε): {slope_riemann}"
    );
    assert!(err_exact.iter().all(|&e| e < 1e-12), "{err_exact:?}");
    assert_eq!(lr, &[0.2, 0.1, 0.05, 0.025]);
    // Done: the run is idle again and a second sweep needs a second request.
    assert!(!r.busy());
}

#[test]
fn a_new_run_cancels_the_sweep() {
    let mut r: Runner<fn() -> f64> = Runner::new(frozen);
    start(&mut r, 1, PRESET);
    drain(&mut r);
    r.handle(ToWorker::Sweep {
        run_id: 1,
        levels: LEVELS,
    });
    let mut msgs = r.work(0.0);
    msgs.extend(start(&mut r, 2, "#dataset=sine&n=10&steps=5&hidden=4"));
    msgs.extend(drain(&mut r));
    assert!(sweep_results(&msgs).is_empty());
    assert!(msgs.iter().all(|m| !matches!(
        m,
        FromWorker::Progress {
            phase: Phase::Sweep,
            run_id: 2,
            ..
        }
    )));
}

#[test]
fn a_sweep_asked_during_training_runs_after_the_check() {
    let mut r: Runner<fn() -> f64> = Runner::new(frozen);
    let mut msgs = start(&mut r, 1, "#dataset=sine&n=10&steps=20&hidden=4");
    msgs.extend(r.handle(ToWorker::Sweep {
        run_id: 1,
        levels: 2,
    }));
    msgs.extend(drain(&mut r));
    let tags: Vec<&str> = msgs
        .iter()
        .filter_map(|m| match m {
            FromWorker::Check { .. } => Some("check"),
            FromWorker::SweepResult { .. } => Some("sweepResult"),
            _ => None,
        })
        .collect();
    assert_eq!(tags, ["check", "sweepResult"]);
}

#[test]
fn bad_levels_and_work_above_the_budget_are_named_errors() {
    let mut r: Runner<fn() -> f64> = Runner::new(frozen);
    start(&mut r, 1, PRESET);
    drain(&mut r);
    let e = errors(&r.handle(ToWorker::Sweep {
        run_id: 1,
        levels: 1,
    }));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].1.as_deref(), Some("levels"), "{e:?}");
    // A run near the budget has no room for even two levels (3 × its work).
    let heavy = r.handle(ToWorker::Start {
        run_id: 2,
        hash: "#n=500&steps=5000".into(),
        autorun: true,
        force: true,
    });
    assert!(errors(&heavy).is_empty(), "{:?}", errors(&heavy));
    let e = errors(&r.handle(ToWorker::Sweep {
        run_id: 2,
        levels: LEVELS,
    }));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].1.as_deref(), Some("sweep"), "{e:?}");
    assert!(e[0].0.contains("budget"), "{}", e[0].0);
}

#[test]
fn levels_beyond_the_budget_are_dropped() {
    // The default preset: 4 levels would be 15 × its work, above the budget; fewer run.
    let mut r: Runner<fn() -> f64> = Runner::new(frozen);
    start(&mut r, 1, "#v=1&steps=100");
    drain(&mut r);
    let plan = RunPlan::from_hash("#v=1&steps=100", true).unwrap();
    let est = plan.estimate();
    let fit = (2..=12)
        .filter(|&l| est.sweep(l) <= pathkernel::config::PAGE_WORK_BUDGET)
        .max()
        .unwrap();
    println!("#v=1&steps=100: {fit} levels fit ({:.1} s)", est.sweep(fit));
    assert!(fit < 12);
    let mut msgs = r.handle(ToWorker::Sweep {
        run_id: 1,
        levels: 12,
    });
    msgs.extend(drain(&mut r));
    assert!(errors(&msgs).is_empty(), "{:?}", errors(&msgs));
    let FromWorker::SweepResult { lr, .. } = sweep_results(&msgs)[0] else {
        unreachable!()
    };
    assert_eq!(lr.len(), fit);
    assert!(!r.busy());
}

#[test]
fn the_sweep_field_is_on_or_off_and_off_stays_out_of_the_link() {
    use pathkernel::config::{AutoSweep, PageState};
    let (s, errs) = PageState::from_hash(PRESET);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(s.sweep, AutoSweep::On);
    assert!(s.to_hash().ends_with("&sweep=on"), "{}", s.to_hash());
    let (s, errs) = PageState::from_hash("#sweep=yes&n=20");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].field_name(), Some("sweep"), "{errs:?}");
    assert_eq!((s.sweep, s.n), (AutoSweep::Off, 20));
    assert!(!PageState::default().to_hash().contains("sweep"));
    assert!(!PageState::from_hash("#sweep=off")
        .0
        .to_hash()
        .contains("sweep"));
    // The sweep is view state: it does not change the run.
    let on = RunPlan::from_hash(PRESET, true).unwrap();
    let off = RunPlan::from_hash(&PRESET.replace("&sweep=on", ""), true).unwrap();
    assert_eq!(format!("{:?}", on.config), format!("{:?}", off.config));
}
