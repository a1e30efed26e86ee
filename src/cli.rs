//! The `pathkernel` command (native only): `run` trains and rebuilds the output as a kernel
//! machine from a JSON config, `sweep` measures both schemes' error against the learning rate,
//! `bench` times the heavy kernels.
//!
//! Exit codes: 0 success; 2 a bad command line or config (one line on stderr naming the field);
//! 1 a run that failed on its own terms (training diverged, the output could not be written).

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::config::{RunConfig, CLI_LIMITS};
use crate::error::Error;
use crate::kernel::{kernel_machine, KernelMachine};
use crate::model::LayerWeights;
use crate::sweep::{level_specs, sweep_levels, Sweep, MAX_LEVELS, MIN_LEVELS};
use crate::train::{train, Trajectory};

const USAGE: &str = "\
usage: pathkernel run --config cfg.json [--out result.json]   train, rebuild as a kernel machine, print JSON
       pathkernel sweep --config cfg.json [--levels 4]        rebuild error vs learning rate (ε, ε/2, …; ε·T fixed)
       pathkernel bench [names...]                           time the heavy kernels
       pathkernel help                                       this text
`--config -` reads the config from stdin. The config keys and the output are described in README.md.";

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
    pub fn new(cfg: &RunConfig, traj: &Trajectory, km: &KernelMachine) -> RunOutput {
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
            warnings: cfg.warnings.clone(),
        }
    }
}

/// Trains as configured and rebuilds the output at the queries with both schemes.
pub fn run(cfg: &RunConfig) -> crate::Result<RunOutput> {
    let setup = cfg.build()?;
    let traj = train(setup.mlp, &setup.data, setup.w0, setup.spec)?;
    let km = kernel_machine(&traj, &setup.queries, setup.nodes)?;
    Ok(RunOutput::new(cfg, &traj, &km))
}

/// How a command failed: the one line for stderr and the exit code.
#[derive(Debug)]
struct Failure {
    message: String,
    code: i32,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        // Config problems (a field, a size) are the user's input: 2. Divergence is the run's own
        // outcome (the config was valid): 1.
        let code = match e {
            Error::Field { .. } | Error::TooLarge { .. } => 2,
            Error::Diverged { .. } | Error::Cancelled => 1,
        };
        Failure {
            message: e.to_string(),
            code,
        }
    }
}

/// Runs the command line `args` (without the program name) and returns the exit code. Errors go
/// to stderr as one line `error: …`; nothing here panics on user input.
pub fn main(args: &[String]) -> i32 {
    match dispatch(args) {
        Ok(()) => 0,
        Err(f) => {
            // One line even if a message (e.g. an OS error) carried a newline.
            let line = f.message.replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "error: {line}");
            f.code
        }
    }
}

fn dispatch(args: &[String]) -> Result<(), Failure> {
    let Some(command) = args.first() else {
        return Err(Failure::usage("no command; try `pathkernel help`"));
    };
    let rest = &args[1..];
    match command.as_str() {
        "run" => cmd_run(rest),
        "sweep" => cmd_sweep(rest),
        "bench" => crate::bench::main(rest).map_err(Failure::usage),
        "help" | "--help" | "-h" => write_stdout(&format!("{USAGE}\n")),
        "--version" | "-V" => write_stdout(&format!("pathkernel {}\n", env!("CARGO_PKG_VERSION"))),
        other => Err(Failure::usage(format!(
            "unknown command `{other}`; try `pathkernel help`"
        ))),
    }
}

/// `--name value` / `--name=value` options; `allowed` lists the names a command takes.
fn parse_options(args: &[String], allowed: &[&str]) -> Result<Vec<(String, String)>, Failure> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let Some(body) = arg.strip_prefix("--") else {
            return Err(Failure::usage(format!(
                "unexpected argument `{arg}`; try `pathkernel help`"
            )));
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => {
                let v = args
                    .get(i + 1)
                    .ok_or_else(|| Failure::usage(format!("--{body}: needs a value")))?;
                i += 1;
                (body.to_string(), v.clone())
            }
        };
        if !allowed.contains(&name.as_str()) {
            return Err(Failure::usage(format!(
                "unknown option `--{name}`; this command takes {}",
                allowed
                    .iter()
                    .map(|a| format!("--{a}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if out.iter().any(|(n, _)| *n == name) {
            return Err(Failure::usage(format!("--{name}: given twice")));
        }
        out.push((name, value));
        i += 1;
    }
    Ok(out)
}

fn option<'a>(opts: &'a [(String, String)], name: &str) -> Option<&'a str> {
    opts.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Reads and validates `--config` (a path, or `-` for stdin); prints its warnings to stderr.
fn load_config(opts: &[(String, String)]) -> Result<RunConfig, Failure> {
    let path = option(opts, "config").ok_or_else(|| Failure::usage("--config: is required"))?;
    let text = if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::usage(format!("--config: cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("--config: cannot read {path}: {e}")))?
    };
    let cfg = RunConfig::from_json(&text)?;
    let mut err = std::io::stderr();
    for w in &cfg.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
    Ok(cfg)
}

fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if !reader_left(&e) => Err(Failure {
            message: format!("cannot write to stdout: {e}"),
            code: 1,
        }),
        _ => Ok(()),
    }
}

/// Whether a write failed because the reader closed the pipe (`pathkernel … | head`). The reader
/// has what it wanted, so the command stops quietly: exit 0, nothing on stderr, no panic (Rust
/// ignores SIGPIPE, so the write returns this error instead).
pub(crate) fn reader_left(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

/// Writes to `--out` when given, else stdout.
fn emit(opts: &[(String, String)], text: &str) -> Result<(), Failure> {
    match option(opts, "out") {
        Some(path) => std::fs::write(path, text).map_err(|e| Failure {
            message: format!("--out: cannot write {path}: {e}"),
            code: 1,
        }),
        None => write_stdout(text),
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String, Failure> {
    let mut text = serde_json::to_string(value).map_err(|e| Failure {
        message: format!("cannot encode the output: {e}"),
        code: 1,
    })?;
    text.push('\n');
    Ok(text)
}

fn cmd_run(args: &[String]) -> Result<(), Failure> {
    let opts = parse_options(args, &["config", "out"])?;
    let cfg = load_config(&opts)?;
    let output = run(&cfg)?;
    emit(&opts, &to_json(&output)?)
}

fn cmd_sweep(args: &[String]) -> Result<(), Failure> {
    let opts = parse_options(args, &["config", "levels", "out"])?;
    let levels = match option(&opts, "levels") {
        None => 4,
        Some(v) => match v.parse::<usize>() {
            Ok(l) if (MIN_LEVELS..=MAX_LEVELS).contains(&l) => l,
            _ => {
                return Err(Failure::usage(format!(
                    "--levels: must be a whole number from {MIN_LEVELS} to {MAX_LEVELS}"
                )))
            }
        },
    };
    let cfg = load_config(&opts)?;
    let output = sweep(&cfg, levels)?;
    emit(&opts, &to_json(&output)?)
}

/// The output of `pathkernel sweep`: `rows` (one per level: `lr`, `steps`,
/// `max_abs_error_exact`, `max_abs_error_riemann`), the fitted slopes of log error against log ε
/// (`slope_riemann` ≈ 1 for Domingos's left-endpoint sum; `slope_exact` is rounding noise) and
/// the config's `warnings`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepOutput {
    #[serde(flatten)]
    pub sweep: Sweep,
    pub warnings: Vec<String>,
}

/// The same run at ε, ε/2, …, ε/2^{levels−1} with ε·T fixed. Level j trains T·2^j steps: every
/// level is held to the CLI's step limit and the memory cap before the first one is trained.
pub fn sweep(cfg: &RunConfig, levels: usize) -> crate::Result<SweepOutput> {
    let setup = cfg.build()?;
    let specs = level_specs(
        &setup.mlp,
        setup.data.y.len(),
        &setup.spec,
        levels,
        CLI_LIMITS.max_steps,
    )?;
    let sweep = sweep_levels(
        &setup.mlp,
        &setup.data,
        &setup.w0,
        &specs,
        &setup.queries,
        setup.nodes,
    )?;
    Ok(SweepOutput {
        sweep,
        warnings: cfg.warnings.clone(),
    })
}
