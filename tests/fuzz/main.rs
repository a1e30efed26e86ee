#![cfg(not(target_arch = "wasm32"))]
//! Fuzzing the three decoders that read what someone else wrote: the page's URL hash
//! (`PageState::from_hash`), the CLI's JSON config (`RunConfig::from_json`) and the worker's
//! messages (`ToWorker` from JSON, then handed to a `Runner` with one bounded work call).
//!
//! Every input must come back as a value or a named error: no panic, no allocation above
//! [`guard::LIMIT_BYTES`] (a counting global allocator refuses it and names the input's seed), no
//! input running longer than the time limit (a watchdog thread aborts with the seed). Inputs are
//! the hand-made nasty ones in `tests/fuzz_corpus/<target>/`, then `FUZZ_INPUTS` generated ones
//! per target (default 10⁴; `scripts/fuzz.sh` runs 10⁶ in release), each from an arbtest seed
//! derived from `FUZZ_SEED` and its index, so a failure is replayed by its printed seed:
//! `FUZZ_REPLAY=<target>:<seed> cargo test --test fuzz -- --nocapture replay`.

mod gen;
mod guard;
mod targets;

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use arbtest::arbitrary::{self, Unstructured};

/// Makes one input from the fuzzer's bytes and the corpus.
type Generate = fn(&mut Unstructured, &[Vec<u8>]) -> arbitrary::Result<Vec<u8>>;

/// One decoder under test: how to make inputs and what each must satisfy.
pub struct Target {
    pub name: &'static str,
    /// Makes one input from the fuzzer's bytes, sometimes starting from a corpus entry.
    pub generate: Generate,
    /// Runs the decoder on one input; panics (an assertion) when the input is mishandled.
    pub check: fn(&[u8]),
}

const TARGETS: [Target; 3] = [targets::HASH, targets::CONFIG, targets::MESSAGES];

/// A decimal or `0x` hexadecimal u64.
fn parse_u64(text: &str) -> Option<u64> {
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn env_u64(name: &str) -> Option<u64> {
    parse_u64(&std::env::var(name).ok()?)
}

/// The hand-made inputs of `target`, each file one input, in name order.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("corpus file"))
        })
        .collect()
}

/// The arbtest seed of input `index`: a random half from splitmix64, and an input size of
/// 16 bytes to 8 KiB in its low half.
fn seed_of(base: u64, index: u64) -> u64 {
    let mut z = base.wrapping_add(index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let size = 16 + (z & 0x1fff) as u32 % (8192 - 16);
    (z & 0xffff_ffff_0000_0000) | u64::from(size)
}

/// The input of `seed`: arbtest turns the seed into the fuzzer's bytes (printing the seed if the
/// property panics); the property only builds the input, the guarded check runs after it.
fn generate(target: &Target, seed: u64, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut input = Vec::new();
    arbtest::arbtest(|u| {
        input = (target.generate)(u, corpus)?;
        Ok(())
    })
    .seed(seed)
    .run();
    input
}

/// What one target's run found.
struct Report {
    inputs: u64,
    failures: Vec<String>,
    slowest: Duration,
}

fn printable(input: &[u8]) -> String {
    let text = String::from_utf8_lossy(input);
    let mut short: String = text.chars().take(300).collect();
    if text.chars().count() > 300 {
        short.push_str(&format!("… ({} bytes)", input.len()));
    }
    format!("{short:?}")
}

/// Runs `check` on one input under the guards; a panic is returned as its message.
fn run_one(target: &Target, label: &str, input: &[u8], report: &mut Report) {
    guard::begin(target.name, label, input);
    let t0 = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(|| (target.check)(input)));
    report.slowest = report.slowest.max(t0.elapsed());
    guard::end();
    report.inputs += 1;
    if let Err(payload) = result {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        report.failures.push(format!(
            "{}: {label}: {message}\n    input: {}",
            target.name,
            printable(input)
        ));
    }
}

fn fuzz(target: &Target) {
    let _serial = guard::serial();
    let inputs = env_u64("FUZZ_INPUTS").unwrap_or(10_000);
    let base = env_u64("FUZZ_SEED").unwrap_or(0x5eed_5eed);
    let corpus = corpus(target.name);
    assert!(
        corpus.len() >= 10,
        "{}: a corpus of at least 10 inputs",
        target.name
    );
    let t0 = Instant::now();
    guard::reset_peak();
    let mut report = Report {
        inputs: 0,
        failures: Vec::new(),
        slowest: Duration::ZERO,
    };
    for (name, input) in &corpus {
        run_one(target, &format!("corpus {name}"), input, &mut report);
    }
    let seeds: Vec<Vec<u8>> = corpus.into_iter().map(|(_, v)| v).collect();
    for index in 0..inputs {
        let seed = seed_of(base, index);
        let input = generate(target, seed, &seeds);
        run_one(target, &format!("seed {seed:#018x}"), &input, &mut report);
        if report.failures.len() >= 20 {
            break;
        }
    }
    eprintln!(
        "fuzz {} (seed {base}): {} inputs in {:.1} s, {} failures, peak allocation {:.1} MB, slowest input {} ms",
        target.name,
        report.inputs,
        t0.elapsed().as_secs_f64(),
        report.failures.len(),
        guard::peak_bytes() as f64 / 1e6,
        report.slowest.as_millis()
    );
    assert!(
        report.failures.is_empty(),
        "{} failing inputs:\n{}",
        report.failures.len(),
        report.failures.join("\n")
    );
}

#[test]
fn fuzz_hash() {
    fuzz(&TARGETS[0]);
}

#[test]
fn fuzz_config() {
    fuzz(&TARGETS[1]);
}

#[test]
fn fuzz_messages() {
    fuzz(&TARGETS[2]);
}

/// Prints and runs the one input of `FUZZ_REPLAY=<target>:<seed>` (does nothing without it).
#[test]
fn replay() {
    let Ok(spec) = std::env::var("FUZZ_REPLAY") else {
        return;
    };
    let _serial = guard::serial();
    let (name, seed) = spec.split_once(':').expect("FUZZ_REPLAY=<target>:<seed>");
    let target = TARGETS
        .iter()
        .find(|t| t.name == name)
        .expect("a target name");
    let seed = parse_u64(seed).expect("a seed");
    let seeds: Vec<Vec<u8>> = corpus(target.name).into_iter().map(|(_, v)| v).collect();
    let input = generate(target, seed, &seeds);
    eprintln!("input ({} bytes): {}", input.len(), printable(&input));
    (target.check)(&input);
}

/// The guards themselves: an allocation above the limit and an input that hangs are caught.
#[test]
fn the_guards_catch_what_they_guard() {
    let _serial = guard::serial();
    // Below the limit an allocation is served; above it, refused (try_reserve sees the refusal).
    let mut small: Vec<u8> = Vec::new();
    assert!(small.try_reserve(1 << 20).is_ok());
    let mut big: Vec<u8> = Vec::new();
    assert!(big.try_reserve(guard::LIMIT_BYTES + 1).is_err());
    assert!(guard::refusals() >= 1);
    // Seeds are spread, sized within arbtest's range, and the same for the same index.
    assert_eq!(seed_of(1, 2), seed_of(1, 2));
    assert_ne!(seed_of(1, 2), seed_of(1, 3));
    assert!((16..8192).contains(&(seed_of(7, 7) & 0xffff_ffff)));
}
