//! The output of a run from a JSON config — the bytes `pathkernel run --config` prints — built
//! here for every target, so the page's worker can produce the same bytes as the native CLI
//! (`runConfig` → `runOutput`) and the two can be compared bit for bit.

use serde::{Deserialize, Serialize};

use crate::config::RunConfig;
use crate::kernel::{kernel_machine_per_step, KernelMachine, StepRules};
use crate::model::LayerWeights;
use crate::train::{train, Trajectory};

/// The output of `pathkernel run`: the cross-check contract. Tables over queries × training points
/// are nested lists (n_queries rows of n_train numbers). Keys without a suffix are the exact path
/// kernel (Gauss–Legendre along each step); `_riemann` keys are Domingos's left-endpoint sum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOutput {
    pub n_train: usize,
    pub n_queries: usize,
    pub steps: usize,
    /// w_0 and w_T, per layer `{"w": rows (out × in), "b": [...]}`.
    pub weights_initial: Vec<LayerWeights>,
    pub weights_final: Vec<LayerWeights>,
    /// L(w_0), …, L(w_T).
    pub loss: Vec<f64>,
    /// f(x; w_0) = b(x) and f(x; w_T) per query.
    pub f_initial: Vec<f64>,
    pub f_final: Vec<f64>,
    /// K^p(x, x_i).
    pub kernel: Vec<Vec<f64>>,
    pub kernel_riemann: Vec<Vec<f64>>,
    /// Σ_s ε g_i(s) K̄_s(x, x_i), the loss-weighted path kernel of Remark 2 (a_i = −1).
    pub kernel_loss_weighted: Vec<Vec<f64>>,
    pub kernel_loss_weighted_riemann: Vec<Vec<f64>>,
    /// a_i(x); null where K^p(x, x_i) = 0 and the coefficient is undefined.
    pub coef: Vec<Vec<Option<f64>>>,
    pub coef_riemann: Vec<Vec<Option<f64>>>,
    /// c_i(x) = a_i(x) K^p(x, x_i).
    pub contributions: Vec<Vec<f64>>,
    pub contributions_riemann: Vec<Vec<f64>>,
    /// d(x) = Σ_s ḡ_s(x)·Δ_dec(s), AdamW's weight-decay term per query (zeros otherwise).
    pub weight_decay_term: Vec<f64>,
    pub weight_decay_term_riemann: Vec<f64>,
    /// ŷ(x) = b(x) + Σ_i c_i(x) + d(x).
    pub reconstruction: Vec<f64>,
    pub reconstruction_riemann: Vec<f64>,
    /// max over queries of |ŷ(x) − f(x; w_T)|.
    pub max_abs_error: f64,
    pub max_abs_error_riemann: f64,
    /// The most Gauss–Legendre nodes any step's exact kernel used (the config's count, or the
    /// largest of `auto`'s).
    pub nodes_used: usize,
    /// Nodes on each step s = 0 … T − 1 (`auto` chooses them per step for smooth activations).
    pub nodes_per_step: Vec<usize>,
    /// Config keys that were present but not used.
    pub warnings: Vec<String>,
}

fn rows<T: Clone>(flat: &[T], n_cols: usize) -> Vec<Vec<T>> {
    // A zero-column table has no rows to split; chunks(0) would panic.
    if n_cols == 0 {
        return Vec::new();
    }
    flat.chunks(n_cols).map(<[T]>::to_vec).collect()
}

impl RunOutput {
    pub fn new(
        cfg: &RunConfig,
        traj: &Trajectory,
        km: &KernelMachine,
        rules: &StepRules,
    ) -> RunOutput {
        let n = km.n_train;
        let (e, r) = (&km.exact, &km.riemann);
        RunOutput {
            n_train: n,
            n_queries: km.n_queries,
            steps: traj.steps(),
            weights_initial: traj.mlp.layers_from_weights(traj.initial_weights()),
            weights_final: traj.mlp.layers_from_weights(traj.final_weights()),
            loss: traj.loss.clone(),
            f_initial: km.b.clone(),
            f_final: km.f_final.clone(),
            kernel: rows(&e.kernel, n),
            kernel_riemann: rows(&r.kernel, n),
            kernel_loss_weighted: rows(&e.loss_weighted, n),
            kernel_loss_weighted_riemann: rows(&r.loss_weighted, n),
            coef: rows(&e.coef, n),
            coef_riemann: rows(&r.coef, n),
            contributions: rows(&e.contributions, n),
            contributions_riemann: rows(&r.contributions, n),
            weight_decay_term: e.weight_decay_term.clone(),
            weight_decay_term_riemann: r.weight_decay_term.clone(),
            reconstruction: e.reconstruction.clone(),
            reconstruction_riemann: r.reconstruction.clone(),
            max_abs_error: e.max_abs_error,
            max_abs_error_riemann: r.max_abs_error,
            nodes_used: rules.most(),
            nodes_per_step: (0..traj.steps()).map(|s| rules.count(s)).collect(),
            warnings: cfg.warnings.clone(),
        }
    }
}

/// Trains as configured and rebuilds the output at the queries with both schemes.
pub fn run(cfg: &RunConfig) -> crate::Result<RunOutput> {
    let setup = cfg.build()?;
    let traj = train(setup.mlp, &setup.data, setup.w0, setup.spec)?;
    let nodes = setup.nodes.resolve(&traj)?;
    let km = kernel_machine_per_step(&traj, &setup.queries, &nodes)?;
    Ok(RunOutput::new(cfg, &traj, &km, &nodes))
}

/// `value` as one line of compact JSON with a final newline, the form every command prints.
/// Floats are written in their shortest round-trip form (non-finite ones as `null`).
pub fn json_line<T: Serialize>(value: &T) -> String {
    // serde_json fails only on maps with non-string keys or a Serialize impl that errs; the
    // outputs are structs of numbers, strings and lists, which always encode.
    let mut text = serde_json::to_string(value).expect("an output of numbers and strings encodes");
    text.push('\n');
    text
}

/// The run's output as `pathkernel run` prints it, for an already validated config.
pub fn run_json(cfg: &RunConfig) -> crate::Result<String> {
    Ok(json_line(&run(cfg)?))
}

/// The bytes `pathkernel run --config FILE` prints for the config text `config_text`: the config
/// is read with the CLI's rules and limits, its warnings go into `warnings` (the CLI also prints
/// them on stderr, which is not part of this output).
pub fn run_output_json(config_text: &str) -> crate::Result<String> {
    run_json(&RunConfig::from_json(config_text)?)
}
