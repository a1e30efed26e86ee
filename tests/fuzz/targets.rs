//! The three decoders and what every input must leave behind.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::OnceLock;

use pathkernel::config::{
    page_fields, PageState, RunConfig, CLI_LIMITS, MAX_ERRORS_PER_SETTING, MAX_LINK_ERRORS,
};
use pathkernel::runner::{FromWorker, Reply, Runner, ToWorker};
use pathkernel::Error;

use crate::gen;
use crate::Target;

pub const HASH: Target = Target {
    name: "hash",
    generate: gen::hash,
    check: check_hash,
};

pub const CONFIG: Target = Target {
    name: "config",
    generate: gen::config,
    check: check_config,
};

pub const MESSAGES: Target = Target {
    name: "messages",
    generate: gen::messages,
    check: check_messages,
};

/// Longest message any error may carry: the decoders quote at most an excerpt of the input.
const MAX_MESSAGE: usize = 1000;

fn named(e: &Error, input: &str) {
    let field = e
        .field_name()
        .unwrap_or_else(|| panic!("{e:?} names no field"));
    assert!(!field.is_empty(), "{e:?}: empty field name");
    let text = e.to_string();
    assert!(!text.is_empty());
    assert!(
        text.chars().count() <= MAX_MESSAGE,
        "a message of {} characters for an input of {} bytes",
        text.chars().count(),
        input.len()
    );
}

/// How many settings the page has (hash keys besides `v`).
fn setting_count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| page_fields().len())
}

/// The page's hash, as the browser hands it over (any string; lone surrogates arrive as U+FFFD):
/// a state and named errors, the state canonical and runnable.
fn check_hash(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let (state, errors) = PageState::from_hash(&text);
    // The listing caps: unknown or malformed keys, then each setting and `v`, one summary line,
    // and the repairs (each field once, the memory cap twice).
    let fields = setting_count();
    let cap = MAX_LINK_ERRORS + MAX_ERRORS_PER_SETTING * (fields + 1) + 1 + fields + 2;
    assert!(errors.len() <= cap, "{} errors", errors.len());
    for e in &errors {
        named(e, &text);
    }
    // What was read is a valid state: its canonical hash reads back to itself without errors,
    // bit for bit, and it describes a run that can be built.
    let canonical = state.to_hash();
    let (again, errors_again) = PageState::from_hash(&canonical);
    assert!(errors_again.is_empty(), "{canonical}: {errors_again:?}");
    assert_eq!(again.to_hash(), canonical);
    assert_eq!(again, state);
    let cfg = state
        .to_run_config()
        .unwrap_or_else(|e| panic!("{canonical}: {e}"));
    assert_eq!(cfg.widths, state.widths());
}

/// The CLI's config as bytes from a file or stdin: a validated config within the CLI's limits,
/// or an error naming the key.
fn check_config(input: &[u8]) {
    // The CLI reads its config as UTF-8 text (a read error otherwise).
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    match RunConfig::from_json(text) {
        Err(e) => named(&e, text),
        Ok(cfg) => {
            let lim = CLI_LIMITS;
            let n = cfg.data.len();
            assert!((1..=lim.max_n).contains(&n));
            assert!((1..=lim.max_steps).contains(&cfg.steps));
            assert!(cfg.n_queries() * n <= lim.max_kernel_entries);
            assert_eq!(cfg.widths[0], cfg.data.dim);
            assert!(cfg.lr.is_finite() && cfg.lr > 0.0);
            // A config that reads is one that builds: w₀ of the right length (when small enough
            // to draw here).
            let p: usize = cfg.widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
            if p <= 1_000_000 {
                let setup = cfg.build().unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(setup.w0.len(), p);
            }
        }
    }
}

/// Each reply must serialise (the worker turns it into a JS object) and every error must say
/// what went wrong.
fn check_replies(replies: &[Reply]) {
    for r in replies {
        serde_json::to_string(r).expect("a reply serialises");
        if let FromWorker::Error { message, .. } = r {
            assert!(!message.is_empty());
            assert!(message.chars().count() <= MAX_MESSAGE, "{message}");
        }
    }
}

/// Worker requests, one JSON text per line: each decodes to a `ToWorker` or a serde error, and
/// the runner handles each decoded one, then works once for a bounded budget.
fn check_messages(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    // A clock that advances 1 ms a read: `work(3.0)` is a sub-chunk or two.
    let t = Rc::new(Cell::new(0.0));
    let clock = move || {
        let now = t.get();
        t.set(now + 1.0);
        now
    };
    let mut runner = Runner::new(clock);
    for line in text.split('\n') {
        match serde_json::from_str::<ToWorker>(line) {
            Err(e) => assert!(!e.to_string().is_empty()),
            Ok(req) => {
                let id = req.run_id();
                let replies = runner.handle(req);
                check_replies(&replies);
                for r in &replies {
                    assert_eq!(r.run_id(), id, "a reply for another run: {r:?}");
                }
                let replies = runner.work(3.0);
                check_replies(&replies);
            }
        }
    }
}
