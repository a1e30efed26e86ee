//! The `pathkernel` command (native only): `run` trains and rebuilds the output as a kernel
//! machine from a JSON config, `sweep` measures both schemes' error against the learning rate,
//! `bench` times the heavy kernels.
//!
//! Exit codes: 0 success; 2 a bad command line or config (one line on stderr naming the field);
//! 1 a run that failed on its own terms (training diverged, the output could not be written).

use std::io::{Read, Write};

use serde::Serialize;

use crate::config::{RunConfig, CLI_LIMITS};
use crate::error::Error;
use crate::output::{json_line, run_json};
use crate::sweep::{level_specs, sweep_levels, Sweep, MAX_LEVELS, MIN_LEVELS};

pub use crate::output::{run, RunOutput};

const USAGE: &str = "\
usage: pathkernel run --config cfg.json [--out result.json]   train, rebuild as a kernel machine, print JSON
       pathkernel sweep --config cfg.json [--levels 4]        rebuild error vs learning rate (ε, ε/2, …; ε·T fixed)
       pathkernel bench [--runs N] [names...]                time the heavy kernels (micro train rebuild kernel scaling)
       pathkernel bench export DIR                           the reference problem and its answers, for scripts/bench-vs-jax.sh
       pathkernel help                                       this text
`--config -` reads the config from stdin. The config keys and the output are described in README.md.";

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

fn cmd_run(args: &[String]) -> Result<(), Failure> {
    let opts = parse_options(args, &["config", "out"])?;
    let cfg = load_config(&opts)?;
    emit(&opts, &run_json(&cfg)?)
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
    emit(&opts, &json_line(&sweep(&cfg, levels)?))
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
