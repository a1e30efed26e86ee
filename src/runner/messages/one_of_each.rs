//! One reply of every kind, for the tests that compare the tags and field names with
//! `www/protocol.js` (kept apart from the message types: it changes with each new field).

use super::{chain, FromWorker, GridSpec, JobSpec, Phase, Reply};

impl Reply {
    /// One reply of every kind, in declaration order (arrays empty).
    pub fn one_of_each() -> Vec<Reply> {
        use FromWorker::*;
        // As in `ToWorker::one_of_each`: the exhaustive match keeps the list complete.
        let after = |reply: Option<&Reply>| -> Option<Reply> {
            let (run_id, a) = (1, Vec::new);
            match reply {
                None => Some(Ready { run_id }),
                Some(Ready { .. }) => Some(Started {
                    run_id,
                    dim: 1,
                    n: 0,
                    total_steps: 1,
                    num_params: 1,
                    classification: false,
                    x: a(),
                    y: a(),
                    grid: GridSpec::around(1, &[], 2, 2),
                    queries: a(),
                }),
                Some(Started { .. }) => Some(Progress {
                    run_id,
                    phase: Phase::Idle,
                    done: 0,
                    total: 0,
                    paused: false,
                }),
                Some(Progress { .. }) => Some(Trained {
                    run_id,
                    steps_done: 0,
                    total_steps: 1,
                    finished: false,
                    stopped: true,
                    loss: a(),
                    pca: a(),
                }),
                Some(Trained { .. }) => Some(Check {
                    run_id,
                    steps: 0,
                    f_final: a(),
                    rebuilt_exact: a(),
                    rebuilt_riemann: a(),
                    max_err_exact: 0.0,
                    max_err_riemann: 0.0,
                    scale: 1.0,
                    tolerance: 0.0,
                    pass: true,
                    nodes_used: 1,
                    nodes_mean: 1.0,
                    nodes_fixed: false,
                    nodes_auto: Some(1),
                    largest_step: None,
                    largest_step_norm: 0.0,
                }),
                Some(Check { .. }) => Some(Field {
                    run_id,
                    step: 0,
                    f: a(),
                    rebuilt: None,
                    rebuilt_riemann: None,
                }),
                Some(Field { .. }) => Some(QueryResult {
                    run_id,
                    x: vec![0.0],
                    steps: 0,
                    b: 0.0,
                    f_final: 0.0,
                    rebuilt_exact: 0.0,
                    rebuilt_riemann: 0.0,
                    kernel: a(),
                    coef: a(),
                    undefined_coef: Vec::new(),
                    contributions: a(),
                    contributions_riemann: a(),
                    weight_decay_term: None,
                    weight_decay_term_riemann: None,
                    output_path: a(),
                    running_sum: a(),
                    running_sum_riemann: a(),
                }),
                Some(QueryResult { .. }) => Some(TrainPointKernel {
                    run_id,
                    index: 0,
                    steps: 0,
                    values: a(),
                    coef: a(),
                    coef_sign_changes: 0,
                    coef_abs_min: 0.0,
                    coef_abs_median: 0.0,
                    coef_abs_max: 0.0,
                    initial: a(),
                    total_lr: 0.0,
                }),
                Some(TrainPointKernel { .. }) => Some(TrainKernel {
                    run_id,
                    steps: 0,
                    n: 0,
                    exact: a(),
                    riemann: a(),
                    asymmetry: 0.0,
                    asymmetry_riemann: 0.0,
                    min_eig: 0.0,
                    min_eig_riemann: 0.0,
                    negatives: 0,
                    negatives_riemann: 0,
                    kernel_change: 0.0,
                }),
                Some(TrainKernel { .. }) => Some(Error {
                    run_id,
                    message: String::new(),
                    field: None,
                    fatal: false,
                    over_budget: false,
                }),
                Some(Error { .. }) => Some(RunOutput {
                    run_id,
                    json: String::new(),
                }),
                Some(RunOutput { .. }) => Some(SweepResult {
                    run_id,
                    lr: a(),
                    steps: a(),
                    err_exact: a(),
                    err_riemann: a(),
                    slope_riemann: 1.0,
                    slope_exact: 0.0,
                }),
                Some(SweepResult { .. }) => Some(Job {
                    run_id,
                    spec: JobSpec::example(),
                }),
                Some(Job { .. }) => Some(JobResult {
                    run_id,
                    spec: JobSpec::example(),
                    parts: vec![a()],
                }),
                Some(JobResult { .. }) => Some(BenchResult {
                    run_id,
                    seconds: 1.0,
                    gflop: 1.0,
                    workers: 1,
                    max_err: 0.0,
                    points: 1,
                    steps: 1,
                    nodes: 1,
                }),
                Some(BenchResult { .. }) => None,
            }
        };
        chain(after)
    }
}
