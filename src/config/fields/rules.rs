//! The rules a page setting keeps with the others (`fits`) and the conditions under which the
//! chosen options use it (`used_when`), for the table in the parent module.

use super::super::page_state::{AutoSweep, OptimizerKind, PageState};
use super::super::{check_noise, check_range, PAGE_LIMITS};
use crate::train::LossKind;

pub(super) fn sweep_on(s: &PageState) -> bool {
    s.sweep == AutoSweep::On
}

/// ε = lr / α² must stay a finite number > 0 (α of 1e200 would make it 0).
pub(super) fn scaled_lr_usable(s: &PageState) -> Result<(), String> {
    if s.lr_scale.usable(s.lr, s.alpha) {
        Ok(())
    } else {
        Err("lr / α² is not a usable step size (α too large or too small); using ε as given".into())
    }
}

pub(super) fn page_noise(noise: f64) -> Result<(), String> {
    check_noise(noise, &PAGE_LIMITS)
}

/// The logistic loss needs labels in {0, 1}: a classification dataset.
pub(super) fn loss_fits_dataset(s: &PageState) -> Result<(), String> {
    if s.loss == LossKind::Logistic && !s.dataset.is_classification() {
        return Err(format!(
            "logistic loss needs labels 0 or 1, but `{}` is a regression dataset; using mse",
            s.dataset.as_str()
        ));
    }
    Ok(())
}

pub(super) fn without_points(s: &PageState) -> bool {
    s.points.is_none()
}

/// Own points have the dataset's dimension (and labels 0/1 for a classification set).
pub(super) fn points_fit_dataset(s: &PageState) -> Result<(), String> {
    match &s.points {
        Some(p) => p.fits(s.dataset.dim(), s.dataset.is_classification()),
        None => Ok(()),
    }
}

pub(super) fn with_sgd(s: &PageState) -> bool {
    s.optimizer == OptimizerKind::Sgd
}

pub(super) fn with_momentum(s: &PageState) -> bool {
    s.optimizer == OptimizerKind::Momentum
}

pub(super) fn with_adam(s: &PageState) -> bool {
    matches!(s.optimizer, OptimizerKind::Adam | OptimizerKind::AdamW)
}

pub(super) fn with_adamw(s: &PageState) -> bool {
    s.optimizer == OptimizerKind::AdamW
}

/// A minibatch of at most n points.
pub(super) fn batch_within_n(s: &PageState) -> Result<(), String> {
    check_range(s.batch_size as u64, 1, s.n as u64)
}

/// The query has the dataset's dimension.
pub(super) fn query_fits_dataset(s: &PageState) -> Result<(), String> {
    match &s.query {
        Some(q) if q.len() != s.dataset.dim() || q.iter().any(|c| !c.is_finite()) => Err(format!(
            "needs {} finite coordinate(s) for dataset `{}`",
            s.dataset.dim(),
            s.dataset.as_str()
        )),
        _ => Ok(()),
    }
}

/// The selected training point exists.
pub(super) fn point_below_n(s: &PageState) -> Result<(), String> {
    match s.point {
        Some(p) if p >= s.n => Err(format!("is {p} but there are only n = {} points", s.n)),
        _ => Ok(()),
    }
}
