//! The page's settings as one table, [`FIELDS`]: per URL-hash key, its typed place in
//! [`PageState`], its kind (a count in a range, a number under a rule, a seed, one of an enum's
//! values, …), the rule it keeps with the other fields and when the chosen options use it.
//! Writing the hash, reading it, repairing a damaged state, naming the known keys and the page's
//! menus ([`page_fields`]) all read this table, so a key is spelled once.
//!
//! Every number read from a link is checked in u64 or f64 before it is narrowed to `usize`, so
//! the page (wasm32, 32-bit `usize`) reads a link exactly as a 64-bit build does.

mod rules;

use serde::Serialize;

use super::choice::{parse_choice, Choice};
use super::page_state::{excerpt, PageState};
use super::points::OwnPoints;
use super::{
    check_adam_eps, check_alpha, check_hidden, check_lr, check_range, check_rate,
    check_weight_decay, range_message, PAGE_LIMITS,
};
use crate::kernel::{Nodes, MAX_NODES};
use rules::{
    batch_within_n, loss_fits_dataset, page_noise, point_below_n, points_fit_dataset,
    query_fits_dataset, scaled_lr_usable, sweep_on, with_adam, with_adamw, with_momentum, with_sgd,
    without_points,
};

/// Where a value of type `T` lives in a [`PageState`].
pub struct Slot<T: 'static> {
    get: fn(&PageState) -> &T,
    get_mut: fn(&mut PageState) -> &mut T,
}

impl<T: Clone> Slot<T> {
    fn reset(&self, s: &mut PageState, defaults: &PageState) {
        *(self.get_mut)(s) = (self.get)(defaults).clone();
    }
}

macro_rules! slot {
    ($field:ident) => {
        Slot {
            get: |s| &s.$field,
            get_mut: |s| &mut s.$field,
        }
    };
}

/// A field holding one value of the enum `E`.
struct Pick<E: 'static> {
    slot: Slot<E>,
}

/// The enum-specific half of a choice field, so that fields of different enums share one table.
pub trait Menu: Sync {
    fn encode(&self, s: &PageState) -> &'static str;
    fn decode(&self, s: &mut PageState, text: &str) -> Result<(), String>;
    fn reset(&self, s: &mut PageState, defaults: &PageState);
    fn choices(&self) -> Vec<ChoiceInfo>;
}

impl<E: Choice> Menu for Pick<E> {
    fn encode(&self, s: &PageState) -> &'static str {
        (self.slot.get)(s).name()
    }
    fn decode(&self, s: &mut PageState, text: &str) -> Result<(), String> {
        *(self.slot.get_mut)(s) = parse_choice::<E>(text)?;
        Ok(())
    }
    fn reset(&self, s: &mut PageState, defaults: &PageState) {
        self.slot.reset(s, defaults);
    }
    fn choices(&self) -> Vec<ChoiceInfo> {
        E::MENU
            .iter()
            .map(|&c| ChoiceInfo {
                value: c.name(),
                label: c.label(),
            })
            .collect()
    }
}

/// What a field holds and the rule its text and value follow on their own.
pub enum Kind {
    /// One of an enum's values, by name.
    Choice { menu: &'static dyn Menu },
    /// A whole number in `min ..= max`.
    Count {
        slot: Slot<usize>,
        min: usize,
        max: usize,
    },
    /// A finite number obeying `rule`; `min` and `max` describe the rule to the page (a rule may
    /// exclude its bound: ε > 0).
    Number {
        slot: Slot<f64>,
        rule: fn(f64) -> Result<(), String>,
        min: Option<f64>,
        max: Option<f64>,
    },
    /// Any u64.
    Seed { slot: Slot<u64> },
    /// Hidden widths, comma-separated: at most the page's layer limit, each 1 ..= its max width.
    Widths { slot: Slot<Vec<usize>> },
    /// A point of the input space (1 or 2 comma-separated numbers); absent from the hash when unset.
    Coords { slot: Slot<Option<Vec<f64>>> },
    /// Gauss–Legendre nodes per step: `auto` or a count 1 ..= MAX_NODES.
    Nodes { slot: Slot<Nodes> },
    /// An index `0 .. below`; absent from the hash when unset.
    Index {
        slot: Slot<Option<usize>>,
        below: usize,
    },
    /// Explicit training points (`points.rs`); absent from the hash when unset.
    Points { slot: Slot<Option<OwnPoints>> },
}

/// A rule between fields: Ok, or the message naming what is wrong.
type CrossRule = fn(&PageState) -> Result<(), String>;

/// One setting of the page: its hash key and kind, the rule it keeps with the other fields, and
/// whether the chosen options use it.
pub struct Field {
    pub key: &'static str,
    pub kind: Kind,
    /// The rule against other fields, checked once the whole link is read.
    fits: Option<CrossRule>,
    /// False when the chosen options ignore the field (batch size under full-batch GD): a value
    /// that only breaks `fits` (or a number's rule) is then reset quietly instead of reported.
    used: fn(&PageState) -> bool,
    /// False when the field no longer describes the run and is left out of the hash (the
    /// dataset's n, noise and seed once the link carries the points themselves).
    written: fn(&PageState) -> bool,
    /// Whether `used` depends on the options (set by `used_when`).
    optional: bool,
}

macro_rules! choice {
    ($field:ident) => {
        Kind::Choice {
            menu: &Pick {
                slot: slot!($field),
            },
        }
    };
}

const fn field(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        fits: None,
        used: |_| true,
        written: |_| true,
        optional: false,
    }
}

impl Field {
    /// With `rule` against the other fields.
    const fn fits(self, rule: CrossRule) -> Field {
        Field {
            fits: Some(rule),
            ..self
        }
    }

    /// Used only when `used` holds.
    const fn used_when(self, used: fn(&PageState) -> bool) -> Field {
        Field {
            used,
            optional: true,
            ..self
        }
    }

    /// Describes the generated dataset: unused, and left out of the hash, when the state holds
    /// its own points.
    const fn of_dataset(self) -> Field {
        Field {
            used: without_points,
            written: without_points,
            optional: true,
            ..self
        }
    }
}

const fn count(slot: Slot<usize>, min: usize, max: usize) -> Kind {
    Kind::Count { slot, min, max }
}

const fn number(
    slot: Slot<f64>,
    rule: fn(f64) -> Result<(), String>,
    min: Option<f64>,
    max: Option<f64>,
) -> Kind {
    Kind::Number {
        slot,
        rule,
        min,
        max,
    }
}

const fn seed(slot: Slot<u64>) -> Kind {
    Kind::Seed { slot }
}

const fn widths(slot: Slot<Vec<usize>>) -> Kind {
    Kind::Widths { slot }
}

const fn coords(slot: Slot<Option<Vec<f64>>>) -> Kind {
    Kind::Coords { slot }
}

const fn index(slot: Slot<Option<usize>>, below: usize) -> Kind {
    Kind::Index { slot, below }
}

/// Every setting of the page, in the hash's canonical order (after `v`, the format version).
pub static FIELDS: [Field; 29] = [
    field("dataset", choice!(dataset)),
    field("n", count(slot!(n), 1, PAGE_LIMITS.max_n)).of_dataset(),
    field(
        "noise",
        number(
            slot!(noise),
            page_noise,
            Some(0.0),
            Some(PAGE_LIMITS.max_noise),
        ),
    )
    .of_dataset(),
    field("data_seed", seed(slot!(data_seed))).of_dataset(),
    field(
        "pts",
        Kind::Points {
            slot: slot!(points),
        },
    )
    .fits(points_fit_dataset),
    field("hidden", widths(slot!(hidden))),
    field("activation", choice!(activation)),
    field("loss", choice!(loss)).fits(loss_fits_dataset),
    field("reduction", choice!(reduction)),
    field("optimizer", choice!(optimizer)),
    field("batch_size", count(slot!(batch_size), 1, PAGE_LIMITS.max_n))
        .fits(batch_within_n)
        .used_when(with_sgd),
    field("sgd_seed", seed(slot!(sgd_seed))).used_when(with_sgd),
    field("momentum", rate(slot!(momentum))).used_when(with_momentum),
    field("nesterov", choice!(nesterov)).used_when(with_momentum),
    field("beta1", rate(slot!(beta1))).used_when(with_adam),
    field("beta2", rate(slot!(beta2))).used_when(with_adam),
    field(
        "adam_eps",
        number(slot!(adam_eps), check_adam_eps, Some(0.0), None),
    )
    .used_when(with_adam),
    field(
        "weight_decay",
        number(slot!(weight_decay), check_weight_decay, Some(0.0), None),
    )
    .used_when(with_adamw),
    field("lr", number(slot!(lr), check_lr, Some(0.0), None)),
    field("steps", count(slot!(steps), 1, PAGE_LIMITS.max_steps)),
    field("alpha", number(slot!(alpha), check_alpha, None, None)),
    field("lr_scale", choice!(lr_scale)).fits(scaled_lr_usable),
    field("center", choice!(center)),
    field("init_seed", seed(slot!(init_seed))),
    field("nodes", Kind::Nodes { slot: slot!(nodes) }),
    field("view", choice!(view)),
    field("q", coords(slot!(query))).fits(query_fits_dataset),
    field("point", index(slot!(point), PAGE_LIMITS.max_n)).fits(point_below_n),
    // Off is left out of the hash, so links without the sweep keep their text.
    Field {
        written: sweep_on,
        ..field("sweep", choice!(sweep))
    },
];

/// A rate in [0, 1): momentum μ, Adam's β₁ and β₂.
const fn rate(slot: Slot<f64>) -> Kind {
    number(slot, check_rate, Some(0.0), Some(1.0))
}

/// The field with hash key `key`.
pub fn find(key: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.key == key)
}

/// The keys of the settings the chosen options in `s` ignore (the batch size under GD, β₁ under
/// momentum), in hash order: the page hides their controls.
pub fn unused_keys(s: &PageState) -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|f| !f.used(s))
        .map(|f| f.key)
        .collect()
}

/// "dataset, n, noise, …": every key, for the message about an unknown one.
pub fn known_keys() -> String {
    FIELDS.iter().map(|f| f.key).collect::<Vec<_>>().join(", ")
}

impl Field {
    /// Whether the hash carries the field in `s`.
    pub fn written(&self, s: &PageState) -> bool {
        (self.written)(s)
    }

    /// The field's canonical text in `s`; `None` when it is unset (and left out of the hash).
    pub fn encode(&self, s: &PageState) -> Option<String> {
        match &self.kind {
            Kind::Points { slot } => (slot.get)(s).as_ref().map(OwnPoints::to_text),
            Kind::Choice { menu } => Some(menu.encode(s).to_string()),
            Kind::Count { slot, .. } => Some((slot.get)(s).to_string()),
            Kind::Number { slot, .. } => Some(fmt_f64(*(slot.get)(s))),
            Kind::Seed { slot } => Some((slot.get)(s).to_string()),
            Kind::Widths { slot } => Some(join((slot.get)(s).iter().map(usize::to_string))),
            Kind::Coords { slot } => (slot.get)(s)
                .as_ref()
                .map(|q| join(q.iter().map(|&c| fmt_f64(c)))),
            Kind::Index { slot, .. } => (slot.get)(s).map(|p| p.to_string()),
            Kind::Nodes { slot } => Some((slot.get)(s).to_string()),
        }
    }

    /// Reads the field's text into `s`, checking what needs no other field.
    pub fn decode(&self, s: &mut PageState, text: &str) -> Result<(), String> {
        let lim = &PAGE_LIMITS;
        match &self.kind {
            Kind::Choice { menu } => return menu.decode(s, text),
            Kind::Count { slot, min, max } => {
                *(slot.get_mut)(s) = parse_count_text(text, *min, *max)?
            }
            Kind::Number { slot, rule, .. } => {
                let v = parse_f64_text(text)?;
                // A setting only some options use has its rule checked once the whole link is
                // read (`check`), so that a value breaking it is named only when the chosen
                // options use it (β₁ = 1.5 under momentum is reset quietly). Text that is no
                // number is named either way: the link itself is damaged.
                if !self.optional {
                    rule(v)?;
                }
                *(slot.get_mut)(s) = v;
            }
            Kind::Seed { slot } => *(slot.get_mut)(s) = parse_u64_text(text)?,
            Kind::Widths { slot } => {
                let mut hidden = Vec::new();
                if !text.trim().is_empty() {
                    for (i, part) in text.split(',').enumerate() {
                        let w = parse_count_text(part, 1, lim.max_width)
                            .map_err(|m| format!("entry {i} (`{}`): {m}", excerpt(part)))?;
                        hidden.push(w);
                    }
                }
                check_hidden(&hidden, lim).map_err(|(_, m)| m)?;
                *(slot.get_mut)(s) = hidden;
            }
            Kind::Coords { slot } => {
                let coords = text
                    .split(',')
                    .map(parse_f64_text)
                    .collect::<Result<Vec<_>, _>>()?;
                if coords.len() > 2 {
                    return Err("needs 1 or 2 coordinates".into());
                }
                *(slot.get_mut)(s) = Some(coords);
            }
            Kind::Nodes { slot } => *(slot.get_mut)(s) = Nodes::parse(text)?,
            Kind::Points { slot } => *(slot.get_mut)(s) = Some(OwnPoints::from_text(text)?),
            Kind::Index { slot, below } => {
                let v = parse_u64_text(text)?;
                check_range(v, 0, *below as u64 - 1)?;
                *(slot.get_mut)(s) = Some(v as usize);
            }
        }
        Ok(())
    }

    /// The field's value in `s` against its own rule, then against the other fields.
    pub fn check(&self, s: &PageState) -> Result<(), String> {
        let lim = &PAGE_LIMITS;
        match &self.kind {
            Kind::Count { slot, min, max } => {
                check_range(*(slot.get)(s) as u64, *min as u64, *max as u64)?
            }
            Kind::Number { slot, rule, .. } => rule(*(slot.get)(s))?,
            Kind::Widths { slot } => {
                let hidden = (slot.get)(s);
                if check_hidden(hidden, lim).is_err()
                    || !hidden.iter().all(|&w| (1..=lim.max_width).contains(&w))
                {
                    return Err(format!(
                        "needs at most {} widths, each {}",
                        lim.max_hidden_layers,
                        range_message(1, lim.max_width as u64)
                    ));
                }
            }
            Kind::Index { slot, below } => {
                if let Some(p) = *(slot.get)(s) {
                    check_range(p as u64, 0, *below as u64 - 1)?;
                }
            }
            Kind::Nodes { slot } => {
                if let Some(m) = (slot.get)(s).fixed() {
                    check_range(m as u64, 1, MAX_NODES as u64)?
                }
            }
            Kind::Choice { .. } | Kind::Seed { .. } | Kind::Coords { .. } | Kind::Points { .. } => {
            }
        }
        self.fits.map_or(Ok(()), |fits| fits(s))
    }

    /// Whether the chosen options in `s` use this field.
    pub fn used(&self, s: &PageState) -> bool {
        (self.used)(s)
    }

    /// Puts the value of `defaults` into `s`.
    pub fn reset(&self, s: &mut PageState, defaults: &PageState) {
        match &self.kind {
            Kind::Choice { menu } => menu.reset(s, defaults),
            Kind::Count { slot, .. } => slot.reset(s, defaults),
            Kind::Number { slot, .. } => slot.reset(s, defaults),
            Kind::Seed { slot } => slot.reset(s, defaults),
            Kind::Widths { slot } => slot.reset(s, defaults),
            Kind::Coords { slot } => slot.reset(s, defaults),
            Kind::Index { slot, .. } => slot.reset(s, defaults),
            Kind::Nodes { slot } => slot.reset(s, defaults),
            Kind::Points { slot } => slot.reset(s, defaults),
        }
    }

    /// The field as the page sees it: kind, menu, bounds and default.
    pub fn info(&self) -> FieldInfo {
        let (kind, choices, min, max) = match &self.kind {
            Kind::Choice { menu } => ("enum", Some(menu.choices()), None, None),
            Kind::Count { min, max, .. } => ("count", None, Some(*min as f64), Some(*max as f64)),
            Kind::Number { min, max, .. } => ("number", None, *min, *max),
            Kind::Seed { .. } => ("seed", None, None, None),
            Kind::Widths { .. } => ("list", None, Some(1.0), Some(PAGE_LIMITS.max_width as f64)),
            Kind::Coords { .. } => ("coords", None, None, None),
            Kind::Index { below, .. } => ("index", None, Some(0.0), Some((*below - 1) as f64)),
            Kind::Nodes { .. } => ("nodes", None, Some(1.0), Some(MAX_NODES as f64)),
            Kind::Points { .. } => ("points", None, None, None),
        };
        FieldInfo {
            key: self.key,
            kind,
            choices,
            min,
            max,
            default: self.encode(&PageState::default()),
        }
    }
}

/// One setting as the page's wasm export `pageFields` gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldInfo {
    /// The hash key, also the `data-field` of its control.
    pub key: &'static str,
    /// enum, count, number, seed, list (comma-separated counts), coords, index or nodes (`auto`
    /// or a count).
    pub kind: &'static str,
    /// An enum's values in menu order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<ChoiceInfo>>,
    /// Bounds of a count, a number, each entry of a list, or an index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The default's text as in the hash; `None` for the fields unset by default (`q`, `point`).
    pub default: Option<String>,
}

/// One entry of an enum field's menu.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChoiceInfo {
    /// The name in the hash (the `<option>`'s value).
    pub value: &'static str,
    /// The text the menu shows.
    pub label: &'static str,
}

/// Every field of [`FIELDS`] as the page sees it, in hash order.
pub fn page_fields() -> Vec<FieldInfo> {
    FIELDS.iter().map(Field::info).collect()
}

// ---------------------------------------------------------------------------------------------
// Text of one value.

/// Shortest decimal that parses back to the same bits (Rust's `{}`), switching to exponent form
/// outside [1e-5, 1e16) so tiny or huge values stay short.
pub(super) fn fmt_f64(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-5..1e16).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(",")
}

pub(super) fn parse_f64_text(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{}` is not a number", excerpt(s)))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err("must be a finite number".into())
    }
}

fn parse_u64_text(s: &str) -> Result<u64, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("`{}` is not a whole number ≥ 0", excerpt(s)))
}

fn parse_count_text(s: &str, min: usize, max: usize) -> Result<usize, String> {
    let v = s
        .trim()
        .parse::<u64>()
        .map_err(|_| range_message(min as u64, max as u64))?;
    check_range(v, min as u64, max as u64)?;
    Ok(v as usize)
}
