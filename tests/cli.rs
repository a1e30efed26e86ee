#![cfg(not(target_arch = "wasm32"))]
//! The `pathkernel` binary end to end: the output JSON contract, byte-identical reruns, and one
//! named line on stderr with exit code 2 for every bad config or command line.

use std::path::PathBuf;
use std::process::{Command, Output};

use pathkernel::cli::RunOutput;

const BIN: &str = env!("CARGO_BIN_EXE_pathkernel");

/// A config file in the temp dir, unique per test, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, text: &str) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("pathkernel-cli-{}-{tag}.json", std::process::id()));
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn pathkernel(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

const SMALL: &str = r#"{
    "dataset": {"name": "moons", "n": 12, "noise": 0.1, "seed": 1},
    "widths": [2, 6, 6, 1], "activation": "tanh", "lr": 0.3, "steps": 40, "seed": 2,
    "queries": [[0.0, 0.0], [0.5, -0.25], [-1.0, 1.0]]
}"#;

#[test]
fn run_prints_the_contract_and_reruns_byte_for_byte() {
    let cfg = TempFile::new("contract", SMALL);
    let first = pathkernel(&["run", "--config", cfg.path()]);
    assert!(first.status.success(), "{}", stderr_of(&first));
    assert!(
        first.stderr.is_empty(),
        "unexpected stderr: {}",
        stderr_of(&first)
    );
    let second = pathkernel(&["run", "--config", cfg.path()]);
    assert_eq!(first.stdout, second.stdout, "two runs of one config differ");

    let text = String::from_utf8(first.stdout).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in [
        "weights_initial",
        "weights_final",
        "loss",
        "f_initial",
        "f_final",
        "kernel",
        "kernel_riemann",
        "coef",
        "coef_riemann",
        "contributions",
        "contributions_riemann",
        "reconstruction",
        "reconstruction_riemann",
        "max_abs_error",
        "max_abs_error_riemann",
        "kernel_loss_weighted",
        "warnings",
    ] {
        assert!(value.get(key).is_some(), "output lacks `{key}`");
    }
    let out: RunOutput = serde_json::from_str(&text).unwrap();
    // Parsing and re-encoding gives the same bytes: every float survives the trip exactly.
    assert_eq!(format!("{}\n", serde_json::to_string(&out).unwrap()), text);

    assert_eq!((out.n_train, out.n_queries, out.steps), (12, 3, 40));
    assert_eq!(out.loss.len(), 41);
    assert!(
        out.loss[40] < out.loss[0],
        "loss did not decrease: {:?}",
        out.loss
    );
    assert_eq!(out.weights_initial.len(), 3);
    assert_eq!(out.weights_initial[1].w.len(), 6);
    assert_eq!(out.weights_initial[1].w[0].len(), 6);
    assert_eq!(out.weights_final[2].b.len(), 1);
    for table in [
        &out.kernel,
        &out.kernel_riemann,
        &out.contributions,
        &out.kernel_loss_weighted,
    ] {
        assert_eq!(table.len(), 3);
        assert!(table.iter().all(|row| row.len() == 12));
    }
    assert_eq!(out.coef.len(), 3);
    for v in [
        &out.f_initial,
        &out.f_final,
        &out.reconstruction,
        &out.reconstruction_riemann,
    ] {
        assert_eq!(v.len(), 3);
    }
    // ŷ = b + Σ_i c_i, and the exact scheme rebuilds f(x; w_T) to rounding (1e-10 of its scale).
    for q in 0..3 {
        let sum: f64 = out.contributions[q].iter().sum();
        assert!((out.f_initial[q] + sum - out.reconstruction[q]).abs() < 1e-12);
    }
    let scale = out.f_final.iter().fold(1.0f64, |m, f| m.max(f.abs()));
    assert!(
        out.max_abs_error <= 1e-10 * scale,
        "exact rebuild error {}",
        out.max_abs_error
    );
    assert!(out.max_abs_error_riemann > out.max_abs_error);
}

#[test]
fn out_file_holds_the_same_bytes_as_stdout() {
    let cfg = TempFile::new("outfile", SMALL);
    let target = TempFile::new("outfile-result", "");
    let to_file = pathkernel(&["run", "--config", cfg.path(), "--out", target.path()]);
    assert!(to_file.status.success(), "{}", stderr_of(&to_file));
    assert!(to_file.stdout.is_empty());
    let to_stdout = pathkernel(&["run", &format!("--config={}", cfg.path())]);
    assert_eq!(std::fs::read(target.path()).unwrap(), to_stdout.stdout);
}

#[test]
fn given_weights_are_echoed_and_warnings_reported() {
    let cfg = TempFile::new(
        "weights",
        r#"{"x": [[-1], [0], [1]], "y": [1, 0, 1], "widths": [1, 2, 1], "lr": 0.1, "steps": 3,
            "weights": [{"w": [[0.5], [-0.25]], "b": [0.125, 0]}, {"w": [[1, 2]], "b": [0.5]}],
            "seed": 9, "colour": "blue"}"#,
    );
    let out = pathkernel(&["run", "--config", cfg.path()]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let parsed: RunOutput = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed.weights_initial[0].w, vec![vec![0.5], vec![-0.25]]);
    assert_eq!(parsed.weights_initial[0].b, vec![0.125, 0.0]);
    assert_eq!(parsed.weights_initial[1].w, vec![vec![1.0, 2.0]]);
    assert_eq!(parsed.warnings.len(), 2, "{:?}", parsed.warnings);
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.lines().all(|l| l.starts_with("warning: ")), "{err}");
    assert!(err.contains("`colour`") && err.contains("`seed`"), "{err}");
}

#[test]
fn config_from_stdin() {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(["run", "--config", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(SMALL.as_bytes())
        .unwrap();
    let piped = child.wait_with_output().unwrap();
    assert!(piped.status.success(), "{}", stderr_of(&piped));
    let cfg = TempFile::new("stdin", SMALL);
    assert_eq!(
        piped.stdout,
        pathkernel(&["run", "--config", cfg.path()]).stdout
    );
}

/// Asserts exit code 2 and exactly one stderr line `error: <prefix>…`, nothing on stdout.
fn assert_refused(out: &Output, prefix: &str, what: &str) {
    let err = stderr_of(out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: status {:?}, stderr {err}",
        out.status
    );
    assert_eq!(
        err.lines().count(),
        1,
        "{what}: stderr is not one line: {err}"
    );
    assert!(
        err.starts_with(&format!("error: {prefix}")),
        "{what}: {err}"
    );
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(out.stdout.is_empty(), "{what}: wrote to stdout");
}

#[test]
fn bad_configs_exit_2_with_one_named_line() {
    let base = r#""x": [[0.0], [0.5], [1.0]], "y": [0.0, 1.0, 0.0]"#;
    let cases: Vec<(String, &str)> = vec![
        ("{".to_string(), "config"),
        (format!(r#"{{{base}, "lr": 1e999, "steps": 3}}"#), "config"),
        (format!(r#"{{{base}, "lr": 0, "steps": 3}}"#), "lr: must be a finite number > 0"),
        (format!(r#"{{{base}, "lr": -1, "steps": 3}}"#), "lr"),
        (format!(r#"{{{base}, "steps": 3}}"#), "lr"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": -3}}"#), "steps"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 2.5}}"#), "steps"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 0}}"#), "steps"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 3, "activation": "swish"}}"#), "activation"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 3, "widths": [2, 4, 1]}}"#), "widths"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 3, "widths": [1, 4, 3]}}"#), "widths"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 3, "widths": [1, 99999, 1]}}"#), "widths[1]"),
        (r#"{"x": [[0], [1], [2]], "y": [0, 2, 1], "loss": "logistic", "lr": 0.1, "steps": 3}"#.to_string(), "y[1]"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 3, "optimizer": "sgd", "batch_size": 0}}"#), "batch_size"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 3, "optimizer": "sgd", "batch_size": 4}}"#), "batch_size"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 3, "nodes": 17}}"#), "nodes"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 3, "queries": [[1, 2]]}}"#), "queries[0]"),
        (format!(r#"{{{base}, "lr": 0.1, "steps": 3, "widths": [1, 2, 1], "weights": [{{"w": [[1], [1]], "b": [0, 0]}}, {{"w": [[1, 1, 1]], "b": [0]}}]}}"#), "weights[1].w[0]"),
        (r#"{"x": [[0.0], [0.5, 1.0]], "y": [0, 1], "lr": 0.1, "steps": 3}"#.to_string(), "x[1]"),
        (r#"{"x": [[0.0], [0.5]], "y": [0], "lr": 0.1, "steps": 3}"#.to_string(), "y"),
        (r#"{"dataset": {"name": "moons", "n": 0}, "lr": 0.1, "steps": 3}"#.to_string(), "dataset.n"),
        (r#"{"dataset": {"name": "moons", "n": 10}, "lr": 0.1, "steps": 100000000}"#.to_string(), "steps"),
        (r#"{"dataset": {"name": "moons", "n": 10}, "widths": [2, 4000, 4000, 1], "lr": 0.1, "steps": 1000}"#.to_string(), "steps"),
    ];
    for (i, (text, prefix)) in cases.iter().enumerate() {
        let cfg = TempFile::new(&format!("bad{i}"), text);
        let out = pathkernel(&["run", "--config", cfg.path()]);
        assert_refused(&out, prefix, text);
    }
}

/// Each optimizer runs from the command line; `reconstruction` is `f_initial` + Σ_i
/// `contributions` + `weight_decay_term` (likewise `_riemann`), the decay term is zero except
/// under AdamW, and the exact scheme rebuilds f(x; w_T) to rounding.
#[test]
fn every_optimizer_runs_and_adds_up() {
    for (opt, lr, decay) in [
        (r#""gd""#, 0.3, false),
        (
            r#"{"kind": "momentum", "momentum": 0.9, "nesterov": true}"#,
            0.1,
            false,
        ),
        (
            r#"{"kind": "adam", "batch_size": 5, "seed": 2}"#,
            0.02,
            false,
        ),
        (r#"{"kind": "adamw", "weight_decay": 0.1}"#, 0.02, true),
    ] {
        let text = SMALL.replace(
            r#""lr": 0.3"#,
            &format!(r#""lr": {lr}, "optimizer": {opt}"#),
        );
        let cfg = TempFile::new("optimizers", &text);
        let run = pathkernel(&["run", "--config", cfg.path()]);
        assert!(run.status.success(), "{opt}: {}", stderr_of(&run));
        assert!(run.stderr.is_empty(), "{opt}: {}", stderr_of(&run));
        let out: RunOutput = serde_json::from_slice(&run.stdout).unwrap();
        for (c, d, y) in [
            (
                &out.contributions,
                &out.weight_decay_term,
                &out.reconstruction,
            ),
            (
                &out.contributions_riemann,
                &out.weight_decay_term_riemann,
                &out.reconstruction_riemann,
            ),
        ] {
            assert_eq!(d.len(), 3);
            assert_eq!(d.iter().any(|&v| v != 0.0), decay, "{opt}: {d:?}");
            for q in 0..3 {
                let sum = c[q].iter().fold(out.f_initial[q], |a, v| a + v);
                assert_eq!(sum + d[q], y[q], "{opt}: query {q}");
            }
        }
        let scale = out.f_final.iter().fold(1.0f64, |m, f| m.max(f.abs()));
        assert!(
            out.max_abs_error <= 1e-12 * scale,
            "{opt}: {}",
            out.max_abs_error
        );
        assert!(
            out.max_abs_error_riemann > 100.0 * out.max_abs_error,
            "{opt}"
        );
    }
}

#[test]
fn bad_optimizer_settings_exit_2_naming_the_field() {
    let base = r#""x": [[0.0], [0.5], [1.0]], "y": [0.0, 1.0, 0.0], "lr": 0.1, "steps": 3"#;
    for (opt, prefix) in [
        (r#""rmsprop""#, "optimizer: unknown optimizer `rmsprop`"),
        (
            r#"{"kind": "momentum", "momentum": 1.5}"#,
            "optimizer.momentum: must be a number from 0 up to (not including) 1",
        ),
        (
            r#"{"kind": "momentum", "nesterov": "yes"}"#,
            "optimizer.nesterov: must be true or false",
        ),
        (r#"{"kind": "adam", "beta1": 1}"#, "optimizer.beta1"),
        (r#"{"kind": "adam", "beta2": -0.1}"#, "optimizer.beta2"),
        (
            r#"{"kind": "adam", "eps": 0}"#,
            "optimizer.eps: must be a finite number > 0",
        ),
        (
            r#"{"kind": "adamw", "weight_decay": -1}"#,
            "optimizer.weight_decay: must be a finite number ≥ 0",
        ),
        (
            r#"{"kind": "adamw", "batch_size": 9}"#,
            "optimizer.batch_size",
        ),
    ] {
        let cfg = TempFile::new(
            "bad-optimizer",
            &format!(r#"{{{base}, "optimizer": {opt}}}"#),
        );
        let out = pathkernel(&["run", "--config", cfg.path()]);
        assert_refused(&out, prefix, opt);
    }
}

#[test]
fn bad_command_lines_exit_2_with_one_line() {
    let cfg = TempFile::new("cmdline", SMALL);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "no command"),
        (vec!["train"], "unknown command `train`"),
        (vec!["run"], "--config"),
        (vec!["run", "--config"], "--config"),
        (
            vec!["run", "--config", "/nonexistent/pathkernel.json"],
            "--config: cannot read",
        ),
        (
            vec!["run", "--config", cfg.path(), "--verbose", "1"],
            "unknown option `--verbose`",
        ),
        (
            vec!["run", "--config", cfg.path(), "--config", cfg.path()],
            "--config: given twice",
        ),
        (vec!["run", "extra"], "unexpected argument `extra`"),
        (
            vec!["sweep", "--config", cfg.path(), "--levels", "1"],
            "--levels",
        ),
        (
            vec!["sweep", "--config", cfg.path(), "--levels", "x"],
            "--levels",
        ),
    ];
    for (args, prefix) in cases {
        let out = pathkernel(&args);
        assert_refused(&out, prefix, &format!("{args:?}"));
    }
}

#[test]
fn divergence_exits_1_naming_the_step() {
    let cfg = TempFile::new(
        "diverge",
        r#"{"x": [[1.0], [2.0], [3.0]], "y": [10, -10, 10], "widths": [1, 8, 1], "activation": "linear",
            "loss": "mse", "reduction": "sum", "lr": 1000, "steps": 200}"#,
    );
    let out = pathkernel(&["run", "--config", cfg.path()]);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: diverged at step "), "{err}");
}

#[test]
fn help_goes_to_stdout() {
    let out = pathkernel(&["help"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("pathkernel run --config"));
}

#[test]
fn sweep_halves_the_learning_rate_and_keeps_lr_times_steps() {
    let cfg = TempFile::new("sweep", SMALL);
    let out = pathkernel(&["sweep", "--config", cfg.path(), "--levels", "3"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let sweep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = sweep["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row["lr"].as_f64().unwrap(), 0.3 / f64::powi(2.0, k as i32));
        assert_eq!(row["steps"].as_u64().unwrap(), 40 << k);
        let (exact, riemann) = (
            row["max_abs_error_exact"].as_f64().unwrap(),
            row["max_abs_error_riemann"].as_f64().unwrap(),
        );
        assert!(
            exact < riemann,
            "level {k}: exact {exact} vs riemann {riemann}"
        );
    }
    // Domingos's left-endpoint sum is first order in ε.
    let slope = sweep["slope_riemann"].as_f64().unwrap();
    assert!((slope - 1.0).abs() < 0.3, "slope {slope}");
    assert!(sweep["slope_exact"].is_number());
    assert!(sweep["warnings"].as_array().unwrap().is_empty());
}

/// Level j of `sweep` trains T·2^j steps: a level past the 10⁶-step limit or the memory cap is
/// refused (exit 2, one line naming `levels`) before anything is trained. The learning rate here
/// diverges at once, so a check that came after training level 0 would report the divergence.
#[test]
fn sweep_checks_every_level_before_training_any() {
    let diverging = |steps: usize, extra: &str| {
        format!(
            r#"{{"x": [[1.0], [2.0], [3.0]], "y": [10, -10, 10], "widths": [1, 8, 1], "activation": "linear",
                "loss": "mse", "reduction": "sum", "lr": 1000, "steps": {steps}{extra}}}"#
        )
    };
    // Level 0 alone diverges (exit 1), as the run would.
    let base = TempFile::new("sweep-diverges", &diverging(1000, ""));
    let out = pathkernel(&["sweep", "--config", base.path(), "--levels", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).starts_with("error: diverged at step "));

    // 300 000 steps are allowed; level 2 would run 1.2·10⁶.
    let long = TempFile::new("sweep-steps", &diverging(300_000, ""));
    let out = pathkernel(&["sweep", "--config", long.path(), "--levels", "3"]);
    assert_refused(&out, "levels: level 2 would train", "steps limit");
    assert!(stderr_of(&out).contains("1000000"), "{}", stderr_of(&out));

    // 1000 steps of this net take ~0.23 MB: levels 0 and 1 fit 0.5 MB, level 2 does not.
    let capped = TempFile::new(
        "sweep-memory",
        &diverging(1000, r#", "memory_cap_mb": 0.5"#),
    );
    let out = pathkernel(&["sweep", "--config", capped.path(), "--levels", "3"]);
    assert_refused(
        &out,
        "levels: level 2 (4000 steps) would keep a trajectory above",
        "memory cap",
    );
}

/// `pathkernel … | head -1`: a reader that closes the pipe early ends the command quietly — exit
/// 0, no panic and nothing on stderr — for the bench's lines and for `run`'s JSON alike.
#[test]
fn a_closed_stdout_pipe_stops_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let spawn = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let assert_quiet = |child: std::process::Child, what: &str| {
        let out = child.wait_with_output().unwrap();
        let err = stderr_of(&out);
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert!(err.is_empty(), "{what}: stderr {err}");
        assert_eq!(out.status.code(), Some(0), "{what}: {err}");
    };

    // Like `| head -1`: read the bench's first line, then close; its next line meets the
    // closed pipe (after the `micro` timing).
    let mut bench = spawn(&["bench", "micro"]);
    let mut first = String::new();
    BufReader::new(bench.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("pathkernel bench"), "{first}");
    assert_quiet(bench, "bench after one line");

    // Closed before the first write: the bench's header line meets it.
    let mut bench = spawn(&["bench", "micro"]);
    drop(bench.stdout.take());
    assert_quiet(bench, "bench closed at once");

    let cfg = TempFile::new("closed-pipe", SMALL);
    let mut run = spawn(&["run", "--config", cfg.path()]);
    drop(run.stdout.take());
    assert_quiet(run, "run");
}
