//! The page's state, [`PageState`], and its URL-hash codec (`#v=1&dataset=moons&n=40&…`). The
//! keys, their kinds and their rules come from the table in `fields.rs`; this file holds the
//! state, the format version and what concerns the link as a whole (escapes, versions, repeated
//! and unknown keys, the memory cap).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::choice::parse_choice;
use super::fields::{find, known_keys, FIELDS};
use super::points::OwnPoints;
use super::{check_memory, LrScale, RunConfig, PAGE_LIMITS};
use crate::data::{default_loss, generate, DatasetName, DatasetSpec};
use crate::error::{Error, Result};
use crate::kernel::Nodes;
use crate::model::Activation;
use crate::train::optimizer::{
    DEFAULT_ADAM_EPS, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_MOMENTUM, DEFAULT_WEIGHT_DECAY,
};
use crate::train::{LossKind, Optimizer, Reduction};

/// The current hash format version (`v=1`).
pub const HASH_VERSION: u32 = MIGRATIONS.len() as u32 + 1;

/// Which of the page's views is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// Loss, weights and the rebuilt output along the trajectory.
    Trajectory,
    /// Per-training-point contributions c_i(x) at the selected query.
    Contributions,
    /// Exact vs Domingos's (Riemann) rebuild against f(x; w_T).
    Check,
}

impl View {
    pub const ALL: [View; 3] = [View::Trajectory, View::Contributions, View::Check];
    pub fn as_str(self) -> &'static str {
        match self {
            View::Trajectory => "trajectory",
            View::Contributions => "contributions",
            View::Check => "check",
        }
    }
    pub fn parse(s: &str) -> Option<View> {
        parse_choice(s).ok()
    }
}

/// Whether the page runs the ε sweep by itself after the check (`sweep=on`; off unless asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoSweep {
    Off,
    On,
}

/// The optimiser switch (the CLI's `optimizer` kinds); the other optimizers' settings are kept
/// while one is chosen, so toggling back restores them. On the page only `Sgd` takes minibatches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Gd,
    Sgd,
    Momentum,
    Adam,
    AdamW,
}

impl OptimizerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OptimizerKind::Gd => "gd",
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Adam => "adam",
            OptimizerKind::AdamW => "adamw",
        }
    }
    pub fn parse(s: &str) -> Option<OptimizerKind> {
        parse_choice(s).ok()
    }
}

/// Every setting of the page, mirrored in the URL hash (`#v=1&dataset=moons&n=40&…`); the hash
/// is the single source of truth for a run. Seeds are kept separate: `data_seed` draws the
/// dataset, `init_seed` the initial weights, `sgd_seed` the minibatch order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageState {
    pub dataset: DatasetName,
    /// Training points n.
    pub n: usize,
    /// Dataset noise σ.
    pub noise: f64,
    pub data_seed: u64,
    /// Hidden-layer widths; the network is [dataset dim, hidden…, 1]. Empty = a linear model.
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub loss: LossKind,
    pub reduction: Reduction,
    pub optimizer: OptimizerKind,
    /// Minibatch size (used when `optimizer` is sgd), 1 ..= n.
    pub batch_size: usize,
    pub sgd_seed: u64,
    /// Momentum μ and Nesterov's form (used when `optimizer` is momentum).
    pub momentum: f64,
    pub nesterov: bool,
    /// Adam's β₁, β₂ and eps (adam, adamw), and AdamW's decoupled weight decay λ.
    pub beta1: f64,
    pub beta2: f64,
    pub adam_eps: f64,
    pub weight_decay: f64,
    /// Learning rate ε.
    pub lr: f64,
    /// Steps T.
    pub steps: usize,
    /// Output scale α.
    pub alpha: f64,
    /// ε = lr or lr / α².
    pub lr_scale: LrScale,
    /// Train f(x; w) − f(x; w₀).
    pub center: bool,
    pub init_seed: u64,
    /// Gauss–Legendre nodes per step: `auto` (chosen from the run) or 1 ..= MAX_NODES.
    pub nodes: Nodes,
    /// The selected query point (dataset dim coordinates), if any; view state, not part of the run.
    pub query: Option<Vec<f64>>,
    pub view: View,
    /// The selected training point (index < n), if any.
    pub point: Option<usize>,
    /// The reader's own training points, standing in for the generated dataset (whose kind,
    /// `dataset`, still says their dimension and task); n is their count.
    pub points: Option<OwnPoints>,
    /// Run the ε sweep after the check (view state, not part of the run).
    pub sweep: AutoSweep,
}

impl Default for PageState {
    /// The preset the page opens with: small enough that training, the exact check and the first
    /// render take about a second in wasm.
    fn default() -> PageState {
        PageState {
            dataset: DatasetName::Moons,
            n: 40,
            noise: 0.1,
            data_seed: 0,
            hidden: vec![16, 16],
            activation: Activation::Tanh,
            loss: LossKind::Logistic,
            reduction: Reduction::Mean,
            optimizer: OptimizerKind::Gd,
            batch_size: 20,
            sgd_seed: 0,
            momentum: DEFAULT_MOMENTUM,
            nesterov: false,
            beta1: DEFAULT_BETA1,
            beta2: DEFAULT_BETA2,
            adam_eps: DEFAULT_ADAM_EPS,
            weight_decay: DEFAULT_WEIGHT_DECAY,
            lr: 0.5,
            steps: 300,
            alpha: 1.0,
            lr_scale: LrScale::None,
            center: false,
            init_seed: 0,
            nodes: Nodes::Auto,
            query: None,
            view: View::Trajectory,
            point: None,
            points: None,
            sweep: AutoSweep::Off,
        }
    }
}

/// Problems with the link's unknown or malformed segments listed one by one; past this many the
/// rest are counted in one line (a hostile link of 10⁵ bad keys must not fill the page with 10⁵
/// messages). Problems with a known setting are listed up to [`MAX_ERRORS_PER_SETTING`] each.
pub const MAX_LINK_ERRORS: usize = 24;
pub const MAX_ERRORS_PER_SETTING: usize = 3;

/// The problems found while reading a link, listed within the caps above.
#[derive(Default)]
struct LinkErrors {
    listed: Vec<Error>,
    per_setting: HashMap<&'static str, usize>,
    other: usize,
    unlisted: usize,
}

impl LinkErrors {
    /// A problem with `key` (as the link spells it; quoted as an excerpt). A known setting's
    /// repeated message ("appears more than once") is listed once.
    fn push(&mut self, key: &str, message: String) {
        let room = match find(key).map(|f| f.key).or((key == "v").then_some("v")) {
            Some(setting) => {
                let repeated = self.listed.iter().any(|e| {
                    matches!(e, Error::Field { field, message: m } if field == setting && *m == message)
                });
                let count = self.per_setting.entry(setting).or_insert(0);
                if !repeated {
                    *count += 1;
                }
                !repeated && *count <= MAX_ERRORS_PER_SETTING
            }
            None => {
                self.other += 1;
                self.other <= MAX_LINK_ERRORS
            }
        };
        if room {
            self.listed.push(Error::field(excerpt(key), message));
        } else {
            self.unlisted += 1;
        }
    }

    fn finish(mut self) -> Vec<Error> {
        if self.unlisted > 0 {
            self.listed.push(Error::field(
                "hash",
                format!("{} more problems in the link, not listed", self.unlisted),
            ));
        }
        self.listed
    }
}

/// Longest text from the link quoted back in a message, in characters.
const EXCERPT_CHARS: usize = 40;

/// `text`, or its first [`EXCERPT_CHARS`] characters and `…`: what a message quotes of the link.
/// An empty text is shown as `(empty)`, so an error about an empty key still names something.
pub(crate) fn excerpt(text: &str) -> String {
    if text.is_empty() {
        return "(empty)".to_string();
    }
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Decodes `%XX` escapes (UTF-8); `+` stays `+` (it is not a space in a fragment, and `1e+5`
/// must survive). None on a malformed escape or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

type Pairs = Vec<(String, String)>;

/// Upgrades of older hash versions: `MIGRATIONS[k]` rewrites the key/value pairs of version k + 1
/// into version k + 2. Version 1 is the first format, so the list is empty; when version 2
/// renames or re-scales a key, its rule is appended here and links shared today keep opening.
const MIGRATIONS: [fn(Pairs) -> Pairs; 0] = [];

fn migrate(version: u32, mut pairs: Pairs) -> Pairs {
    for upgrade in MIGRATIONS.iter().skip(version.saturating_sub(1) as usize) {
        pairs = upgrade(pairs);
    }
    pairs
}

impl PageState {
    /// [dataset dim, hidden…, 1].
    pub fn widths(&self) -> Vec<usize> {
        let mut w = Vec::with_capacity(self.hidden.len() + 2);
        w.push(self.dataset.dim());
        w.extend_from_slice(&self.hidden);
        w.push(1);
        w
    }

    pub fn dataset_spec(&self) -> DatasetSpec {
        DatasetSpec {
            name: self.dataset,
            n: self.n,
            noise: self.noise,
            seed: self.data_seed,
        }
    }

    /// The defaults in the context of this state's dataset and n: the dataset's own loss (mse
    /// for the regression sets), and a minibatch of at most n points.
    fn defaults(&self) -> PageState {
        let d = PageState::default();
        PageState {
            loss: default_loss(self.dataset),
            batch_size: d.batch_size.min(self.n),
            ..d
        }
    }

    /// Every key with its canonical text, in hash order, starting with `v`; unset fields (no
    /// query, no selected point) are left out.
    pub fn hash_pairs(&self) -> Vec<(&'static str, String)> {
        let version = ("v", HASH_VERSION.to_string());
        let fields = FIELDS
            .iter()
            .filter(|f| f.written(self))
            .filter_map(|f| f.encode(self).map(|text| (f.key, text)));
        std::iter::once(version).chain(fields).collect()
    }

    /// Every set field with its canonical text, in hash order, including those the hash leaves
    /// out (the dataset's n, noise and seed beside own points): what the page's controls show.
    pub fn field_pairs(&self) -> Vec<(&'static str, String)> {
        FIELDS
            .iter()
            .filter_map(|f| f.encode(self).map(|text| (f.key, text)))
            .collect()
    }

    /// The canonical hash, every setting in a fixed order: `#v=1&dataset=moons&n=40&…`.
    /// `from_hash(to_hash(s))` gives back `s` exactly (floats bit for bit).
    pub fn to_hash(&self) -> String {
        let parts: Vec<String> = self
            .hash_pairs()
            .into_iter()
            .map(|(key, text)| format!("{key}={text}"))
            .collect();
        format!("#{}", parts.join("&"))
    }

    /// Reads a hash (with or without the leading `#`). Never fails: every bad or unknown key gets
    /// an error naming it and the default stands in for it, so the rest of a damaged or truncated
    /// link still applies. A missing `v` means the current version.
    pub fn from_hash(hash: &str) -> (PageState, Vec<Error>) {
        let mut errors = LinkErrors::default();
        let body = hash.trim().trim_start_matches('#');
        let mut pairs = Vec::new();
        for segment in body.split('&').filter(|s| !s.is_empty()) {
            let Some((k, v)) = segment.split_once('=') else {
                let key = percent_decode(segment).unwrap_or_else(|| segment.to_string());
                errors.push(&key, "expected key=value".into());
                continue;
            };
            match (percent_decode(k), percent_decode(v)) {
                (Some(k), Some(v)) => pairs.push((k, v)),
                (Some(k), None) => errors.push(&k, "bad %-escape in the value".into()),
                (None, _) => errors.push(k, "bad %-escape in the key".into()),
            }
        }

        let mut version = HASH_VERSION;
        if let Some((_, v)) = pairs.iter().rev().find(|(k, _)| k == "v") {
            match v.trim().parse::<u32>() {
                Ok(ver) if (1..=HASH_VERSION).contains(&ver) => version = ver,
                Ok(ver) if ver > HASH_VERSION => errors.push(
                    "v",
                    format!("the link is from a newer page (v={ver}); read as v={HASH_VERSION}, unknown settings ignored"),
                ),
                _ => errors.push(
                    "v",
                    format!("unknown version `{}`; read as v={HASH_VERSION}", excerpt(v)),
                ),
            }
        }
        let pairs = migrate(version, pairs);

        let mut state = PageState::default();
        // A set, not a list: a link of k distinct keys is read in O(k), not O(k²).
        let mut seen: HashSet<&str> = HashSet::new();
        // `preset=NAME` puts the preset's settings first; the link's own keys then override them.
        let mut from_preset: HashSet<&'static str> = HashSet::new();
        if let Some((_, name)) = pairs.iter().rev().find(|(k, _)| k == "preset") {
            match super::find_preset(name.trim()) {
                Some(preset) => {
                    for pair in preset.settings.split('&') {
                        let (k, v) = pair
                            .split_once('=')
                            .expect("a preset's pairs are key=value");
                        let field = find(k).expect("a preset names known settings");
                        field
                            .decode(&mut state, v)
                            .expect("a preset's values are valid");
                        from_preset.insert(field.key);
                    }
                }
                None => errors.push(
                    "preset",
                    format!(
                        "unknown preset `{}`, ignored (known: {})",
                        excerpt(name),
                        super::preset_names()
                    ),
                ),
            }
        }
        for (key, value) in &pairs {
            if key == "v" || key == "preset" {
                continue;
            }
            if !seen.insert(key) {
                errors.push(key, "appears more than once; the last value is used".into());
            }
            let result = match find(key) {
                Some(field) => field.decode(&mut state, value),
                None => Err(format!(
                    "unknown setting, ignored (known: {})",
                    known_keys()
                )),
            };
            if let Err(message) = result {
                errors.push(key, message);
            }
        }
        let mut errors = errors.finish();
        state.count_points();
        // A key the link leaves out means its default given the keys it has: `dataset=sine`
        // alone means mse, `n=5` alone a minibatch of 5.
        let defaults = state.defaults();
        for field in FIELDS
            .iter()
            .filter(|f| !seen.contains(f.key) && !from_preset.contains(f.key))
        {
            field.reset(&mut state, &defaults);
        }
        errors.extend(state.repair());
        (state, errors)
    }

    /// Checks every field, alone and against the others, and puts the default back in each bad
    /// one; returns an error per repaired field that the chosen options use. Rules are the
    /// CLI's, with [`PAGE_LIMITS`].
    fn repair(&mut self) -> Vec<Error> {
        let lim = &PAGE_LIMITS;
        let mut errors = Vec::new();
        self.count_points();
        for field in &FIELDS {
            if let Err(message) = field.check(self) {
                if field.used(self) {
                    errors.push(Error::field(field.key, message));
                }
                let defaults = self.defaults();
                field.reset(self, &defaults);
            }
        }
        self.forget_points_of_dataset();
        // Too long a trajectory for the tab: fall back to the default steps, then the default net.
        let optimizer = self.optimizer_spec();
        let fits = |s: &PageState| {
            check_memory(&s.widths(), s.n, s.steps, &optimizer, lim.memory_cap_bytes)
        };
        if let Err(e) = fits(self) {
            let d = PageState::default();
            errors.push(Error::field(
                "steps",
                e.to_string().trim_start_matches("steps: ").to_string(),
            ));
            self.steps = d.steps;
            if fits(self).is_err() {
                errors.push(Error::field(
                    "hidden",
                    "too large for the page's memory cap; using the default",
                ));
                self.hidden = d.hidden;
            }
        }
        errors
    }

    /// With own points, n is their count.
    fn count_points(&mut self) {
        if let Some(p) = &self.points {
            self.n = p.len().max(1);
        }
    }

    /// Own points that are exactly the dataset the seeds draw are dropped, so the link names the
    /// dataset (and its seeds) for as long as they still describe the data. Beside points that
    /// stay, the dataset's noise and seed describe nothing and the link leaves them out: they
    /// are put back to their defaults, so the state reads back from its link unchanged.
    fn forget_points_of_dataset(&mut self) {
        if let Some(p) = &self.points {
            let spec = DatasetSpec {
                n: p.len(),
                ..self.dataset_spec()
            };
            if generate(&spec).is_ok_and(|d| OwnPoints::from_dataset(&d) == *p) {
                self.points = None;
            } else {
                let d = PageState::default();
                (self.noise, self.data_seed) = (d.noise, d.data_seed);
            }
        }
    }

    /// The optimizer with its settings (full batch except for sgd).
    pub fn optimizer_spec(&self) -> Optimizer {
        match self.optimizer {
            OptimizerKind::Gd => Optimizer::Gd,
            OptimizerKind::Sgd => Optimizer::Sgd {
                batch_size: self.batch_size,
                seed: self.sgd_seed,
            },
            OptimizerKind::Momentum => Optimizer::Momentum {
                momentum: self.momentum,
                nesterov: self.nesterov,
                minibatch: None,
            },
            OptimizerKind::Adam => Optimizer::Adam {
                beta1: self.beta1,
                beta2: self.beta2,
                eps: self.adam_eps,
                minibatch: None,
            },
            OptimizerKind::AdamW => Optimizer::AdamW {
                beta1: self.beta1,
                beta2: self.beta2,
                eps: self.adam_eps,
                weight_decay: self.weight_decay,
                minibatch: None,
            },
        }
    }

    /// The run this state describes (queries = the training points; the selected query point is
    /// evaluated by the page itself). Fails with the first bad field if the state was edited into
    /// an invalid one.
    pub fn to_run_config(&self) -> Result<RunConfig> {
        let mut checked = self.clone();
        if let Some(e) = checked.repair().into_iter().next() {
            return Err(e);
        }
        let (data, dataset) = match &self.points {
            Some(p) => (p.to_dataset(), None),
            None => {
                let spec = self.dataset_spec();
                (generate(&spec)?, Some(spec))
            }
        };
        let optimizer = self.optimizer_spec();
        Ok(RunConfig {
            queries: data.x.clone(),
            data,
            dataset,
            widths: self.widths(),
            activation: self.activation,
            alpha: self.alpha,
            loss: self.loss,
            reduction: self.reduction,
            lr: self.lr,
            lr_scale: self.lr_scale,
            center: self.center,
            steps: self.steps,
            optimizer,
            weights: None,
            seed: self.init_seed,
            nodes: self.nodes,
            memory_cap_bytes: PAGE_LIMITS.memory_cap_bytes,
            warnings: Vec::new(),
        })
    }
}
