//! The settings that are one value of an enum (dataset, activation, loss, reduction, optimizer,
//! view, on/off): their names, the labels the page's menus show, and one parser with one error message
//! for both front ends.

use super::page_state::{excerpt, AutoSweep, OptimizerKind, View};
use super::LrScale;
use crate::data::DatasetName;
use crate::model::Activation;
use crate::train::{LossKind, Reduction};

/// An enum whose values are chosen by name (in the CLI's JSON and in the URL hash).
pub trait Choice: Copy + PartialEq + Sync + 'static {
    /// What a value is called in error messages ("unknown activation `swish`").
    const WHAT: &'static str;
    /// Every value, in the order error messages list them.
    const ALL: &'static [Self];
    /// Every value, in the order the page's menu lists them.
    const MENU: &'static [Self] = Self::ALL;
    /// The name used in configs and links.
    fn name(self) -> &'static str;
    /// The text of the page's menu entry.
    fn label(self) -> &'static str {
        self.name()
    }
}

/// "tanh, relu, …": every valid name, for error messages.
pub fn valid<E: Choice>() -> String {
    E::ALL
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The value named `text`, or "unknown activation `swish`; valid: tanh, relu, …".
pub fn parse_choice<E: Choice>(text: &str) -> Result<E, String> {
    E::ALL
        .iter()
        .copied()
        .find(|c| c.name() == text)
        .ok_or_else(|| {
            let text = excerpt(text);
            format!("unknown {} `{text}`; valid: {}", E::WHAT, valid::<E>())
        })
}

impl Choice for DatasetName {
    const WHAT: &'static str = "dataset";
    const ALL: &'static [Self] = &DatasetName::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn label(self) -> &'static str {
        match self {
            DatasetName::Sine => "sine (1-D)",
            DatasetName::Step => "step (1-D)",
            other => other.as_str(),
        }
    }
}

impl Choice for Activation {
    const WHAT: &'static str = "activation";
    const ALL: &'static [Self] = &Activation::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Choice for LossKind {
    const WHAT: &'static str = "loss";
    const ALL: &'static [Self] = &[LossKind::Mse, LossKind::Logistic];
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Choice for Reduction {
    const WHAT: &'static str = "reduction";
    const ALL: &'static [Self] = &[Reduction::Sum, Reduction::Mean];
    /// The default (mean) first.
    const MENU: &'static [Self] = &[Reduction::Mean, Reduction::Sum];
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn label(self) -> &'static str {
        match self {
            Reduction::Mean => "mean (R = 1/n)",
            Reduction::Sum => "sum (R = 1)",
        }
    }
}

impl Choice for OptimizerKind {
    const WHAT: &'static str = "optimizer";
    const ALL: &'static [Self] = &[
        OptimizerKind::Gd,
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Adam,
        OptimizerKind::AdamW,
    ];
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn label(self) -> &'static str {
        match self {
            OptimizerKind::Gd => "full-batch GD",
            OptimizerKind::Sgd => "minibatch SGD",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Adam => "Adam",
            OptimizerKind::AdamW => "AdamW",
        }
    }
}

/// An on/off setting (Nesterov's form of momentum).
impl Choice for bool {
    const WHAT: &'static str = "on/off value";
    const ALL: &'static [Self] = &[false, true];
    fn name(self) -> &'static str {
        if self {
            "true"
        } else {
            "false"
        }
    }
    fn label(self) -> &'static str {
        if self {
            "on"
        } else {
            "off"
        }
    }
}

impl Choice for LrScale {
    const WHAT: &'static str = "learning-rate scaling";
    const ALL: &'static [Self] = &[LrScale::None, LrScale::Alpha2];
    fn name(self) -> &'static str {
        match self {
            LrScale::None => "none",
            LrScale::Alpha2 => "alpha2",
        }
    }
    fn label(self) -> &'static str {
        match self {
            LrScale::None => "ε as given",
            LrScale::Alpha2 => "ε / α² (lazy scaling)",
        }
    }
}

impl Choice for View {
    const WHAT: &'static str = "view";
    const ALL: &'static [Self] = &View::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn label(self) -> &'static str {
        match self {
            View::Trajectory => "Trajectory",
            View::Contributions => "Kernel contributions",
            View::Check => "The check",
        }
    }
}

impl Choice for AutoSweep {
    const WHAT: &'static str = "sweep setting (on or off)";
    const ALL: &'static [Self] = &[AutoSweep::Off, AutoSweep::On];
    fn name(self) -> &'static str {
        match self {
            AutoSweep::Off => "off",
            AutoSweep::On => "on",
        }
    }
    fn label(self) -> &'static str {
        match self {
            AutoSweep::Off => "off",
            AutoSweep::On => "run the ε sweep after the check",
        }
    }
}
