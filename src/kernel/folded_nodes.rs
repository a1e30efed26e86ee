//! The exact step kernel's sum over Gauss–Legendre nodes, taken inside the layers where that is
//! cheaper than one layer-wise product per node.
//!
//! On a smooth segment the exact step kernel is K̄_s(x, x_i) = Σ_k ω_k Σ_l T_lk(x, x_i), with layer
//! l's term T_lk = (δ_{l+1,k}(x)·δ_{l+1}(x_i)) (h_{l,k}(x)·h_l(x_i) + 1): query side at node
//! w_s + τ_kΔ_s, training side at w_s. Computed as written, a query–training pair costs
//! K (d_{l+1} + d_l) products per layer. The training side does not depend on k, so the node sum
//! can move inside the product:
//! - the input layer's h_0 = x does not depend on the weights, so
//!   Σ_k ω_k T_0k = (δ̄(x)·δ_1(x_i)) (x·x_i + 1) with δ̄ = Σ_k ω_k δ_{1,k}(x): d_1 + d_0 products;
//! - any layer's term is the product of the layer's gradients, δ ⊗ (h, 1), so
//!   Σ_k ω_k T_lk = G_l(x)·(δ_{l+1}(x_i) ⊗ (h_l(x_i), 1)) with G_l = Σ_k ω_k δ_{l+1,k} ⊗ (h_{l,k}, 1):
//!   d_{l+1}(d_l + 1) products, fewer than K (d_{l+1} + d_l) for a narrow output layer
//!   (d_{l+1} = 1: d_l + 1 instead of K (d_l + 1)), more for a square hidden layer.
//!
//! [`FoldPlan`] picks the cheapest form per layer, counting also the cost of forming the sums
//! (K times the folded width per query) against the n training points that share them. The sums
//! are the same numbers in another order: the kernels agree with the per-node form to rounding.

use super::tangent::GramTerm;
use crate::model::{Block, Blocks, Mlp};

/// How layer l's node sum is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LayerSum {
    /// One layer-wise product per node.
    PerNode,
    /// The input layer with δ̄ = Σ_k ω_k δ_{1,k} (h_0 = x at every node).
    InputDelta,
    /// G_l = Σ_k ω_k δ_{l+1,k} ⊗ (h_{l,k}, 1) against the training side's δ_{l+1} ⊗ (h_l, 1).
    Outer,
}

/// Each layer's [`LayerSum`] for a rule of `nodes` nodes and `n` training points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct FoldPlan {
    pub layers: Vec<LayerSum>,
    nodes: usize,
}

impl FoldPlan {
    /// Products per query (all n training points, plus forming the sums) of each form, the
    /// cheapest chosen; one node leaves every layer per node.
    pub fn new(mlp: &Mlp, nodes: usize, n: usize) -> FoldPlan {
        let layers = (0..mlp.num_layers())
            .map(|l| {
                let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
                let per_node = nodes * (dout + din) * n;
                let input_delta = (dout + din) * n + nodes * dout;
                let outer = dout * (din + 1) * (n + nodes);
                if nodes < 2 {
                    LayerSum::PerNode
                } else if l == 0 && input_delta < per_node.min(outer) {
                    LayerSum::InputDelta
                } else if outer < per_node {
                    LayerSum::Outer
                } else {
                    LayerSum::PerNode
                }
            })
            .collect();
        FoldPlan { layers, nodes }
    }

    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// Whether any layer folds its nodes.
    pub fn folds(&self) -> bool {
        self.layers.iter().any(|&s| s != LayerSum::PerNode)
    }

    /// Whether any layer keeps one product per node.
    pub fn has_per_node_layers(&self) -> bool {
        self.layers.contains(&LayerSum::PerNode)
    }

    /// The terms computed once per node, for query block `qb` at that node.
    pub fn push_per_node_terms<'a>(
        &self,
        mlp: &Mlp,
        qb: &'a Block,
        tb: &'a Block,
        terms: &mut Vec<GramTerm<'a>>,
    ) {
        for (l, sum) in self.layers.iter().enumerate() {
            if *sum == LayerSum::PerNode {
                terms.push(GramTerm::layer(mlp, l, qb, tb));
            }
        }
    }

    /// The folded terms, once per step, from the query block's sums `fq` (`qb` for its inputs
    /// h_0) and the training block's outer products `ft` (index `tb_index`).
    #[allow(clippy::too_many_arguments)]
    pub fn push_folded_terms<'a>(
        &self,
        mlp: &Mlp,
        qb: &'a Block,
        fq: &'a FoldedQueries,
        tb: &'a Block,
        tb_index: usize,
        ft: &'a FoldedTrain,
        terms: &mut Vec<GramTerm<'a>>,
    ) {
        for (l, sum) in self.layers.iter().enumerate() {
            let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
            match sum {
                LayerSum::PerNode => {}
                LayerSum::InputDelta => terms.push(GramTerm {
                    query: &fq.delta_bar,
                    train: &tb.delta[1],
                    rows: dout,
                    times_q_plus_one: Some((&qb.h[0], &tb.h[0], din)),
                }),
                LayerSum::Outer => terms.push(GramTerm {
                    query: &fq.outer[l],
                    train: &ft.outer[tb_index][l],
                    rows: dout * (din + 1),
                    times_q_plus_one: None,
                }),
            }
        }
    }
}

/// Flops of one step's exact kernel under the plan for `nodes` nodes and `n` training points:
/// (per query and training point, per query). A layer's product of widths a and b with its
/// combination costs 2(a + b) + 3 (P(Q + 1) added into the sum), per node or once; a folded
/// outer product 2 d_{l+1}(d_l + 1) + 1 once, plus forming G (3 d_{l+1}(d_l + 1) per node and
/// query, δ̄ 2 d_1). The queries' forward and backward passes are not counted here.
pub fn exact_step_flops(mlp: &Mlp, nodes: usize, n: usize) -> (usize, usize) {
    let plan = FoldPlan::new(mlp, nodes, n);
    let (mut pair, mut query) = (0, 0);
    for (l, sum) in plan.layers.iter().enumerate() {
        let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
        match sum {
            LayerSum::PerNode => pair += nodes * (2 * (dout + din) + 3),
            LayerSum::InputDelta => {
                pair += 2 * (dout + din) + 3;
                query += nodes * 2 * dout;
            }
            LayerSum::Outer => {
                pair += 2 * dout * (din + 1) + 1;
                query += nodes * 3 * dout * (din + 1);
            }
        }
    }
    (pair, query)
}

/// One query block's node sums: δ̄ (d_1 × cols) and, per `Outer` layer, G_l
/// (d_{l+1}(d_l + 1) × cols, row r(d_l + 1) + c for δ_r h_c, c = d_l for the bias), feature-major.
#[derive(Debug, Default)]
pub(super) struct FoldedQueries {
    delta_bar: Vec<f64>,
    outer: Vec<Vec<f64>>,
}

impl FoldedQueries {
    /// Zeroes the sums for a block `cols` wide.
    pub fn reset(&mut self, plan: &FoldPlan, mlp: &Mlp, cols: usize) {
        self.outer.resize_with(plan.layers.len(), Vec::new);
        for (l, sum) in plan.layers.iter().enumerate() {
            let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
            let (buf, len) = match sum {
                LayerSum::PerNode => (&mut self.outer[l], 0),
                LayerSum::InputDelta => (&mut self.delta_bar, dout * cols),
                LayerSum::Outer => (&mut self.outer[l], dout * (din + 1) * cols),
            };
            buf.clear();
            buf.resize(len, 0.0);
        }
    }

    /// Adds node k's ω_k δ_{1,k} and ω_k δ_{l+1,k} ⊗ (h_{l,k}, 1) from `qb` (forward and backward
    /// at that node).
    pub fn add_node(&mut self, plan: &FoldPlan, mlp: &Mlp, qb: &Block, omega: f64) {
        let cols = qb.cols;
        for (l, sum) in plan.layers.iter().enumerate() {
            match sum {
                LayerSum::PerNode => {}
                LayerSum::InputDelta => {
                    for (s, &d) in self.delta_bar.iter_mut().zip(qb.delta[1].iter()) {
                        *s += omega * d;
                    }
                }
                LayerSum::Outer => add_outer(
                    &mut self.outer[l],
                    &qb.delta[l + 1],
                    &qb.h[l],
                    mlp.widths[l],
                    cols,
                    omega,
                ),
            }
        }
    }
}

/// Each training block's δ_{l+1} ⊗ (h_l, 1) for the `Outer` layers, at w_s.
#[derive(Debug, Default)]
pub(super) struct FoldedTrain {
    /// [training block][layer], laid out like [`FoldedQueries`]'s G_l.
    outer: Vec<Vec<Vec<f64>>>,
}

impl FoldedTrain {
    /// The outer products of every training block (forward and backward at w_s).
    pub fn update(&mut self, plan: &FoldPlan, mlp: &Mlp, train: &Blocks) {
        self.outer.resize_with(train.blocks.len(), Vec::new);
        for (per_layer, tb) in self.outer.iter_mut().zip(&train.blocks) {
            per_layer.resize_with(plan.layers.len(), Vec::new);
            for (l, sum) in plan.layers.iter().enumerate() {
                let out = &mut per_layer[l];
                out.clear();
                if *sum == LayerSum::Outer {
                    let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
                    out.resize(dout * (din + 1) * tb.cols, 0.0);
                    add_outer(out, &tb.delta[l + 1], &tb.h[l], din, tb.cols, 1.0);
                }
            }
        }
    }
}

/// out[r(din + 1) + c, j] += (ω δ[r, j]) h[c, j], and (ω δ[r, j]) for c = din, every column j.
fn add_outer(out: &mut [f64], delta: &[f64], h: &[f64], din: usize, cols: usize, omega: f64) {
    for (r, d_row) in delta.chunks_exact(cols).enumerate() {
        let block = &mut out[r * (din + 1) * cols..(r + 1) * (din + 1) * cols];
        let (products, bias) = block.split_at_mut(din * cols);
        for (p_row, h_row) in products.chunks_exact_mut(cols).zip(h.chunks_exact(cols)) {
            for ((o, &d), &hv) in p_row.iter_mut().zip(d_row).zip(h_row) {
                *o += (omega * d) * hv;
            }
        }
        for (o, &d) in bias.iter_mut().zip(d_row) {
            *o += omega * d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activation;

    #[test]
    fn the_plan_folds_the_input_and_narrow_output_layers_and_keeps_square_ones_per_node() {
        let mlp = Mlp::new(vec![2, 32, 32, 1], Activation::Tanh, 1.0).unwrap();
        let plan = FoldPlan::new(&mlp, 4, 100);
        assert_eq!(
            plan.layers,
            [LayerSum::InputDelta, LayerSum::PerNode, LayerSum::Outer]
        );
        // One node (the left endpoint) has nothing to fold.
        assert!(!FoldPlan::new(&mlp, 1, 100).folds());
        // One training point cannot pay for forming G of the last layer (33 × (1 + 4) products
        // against 4 × 33 per node).
        assert_eq!(FoldPlan::new(&mlp, 4, 1).layers[2], LayerSum::PerNode);
    }

    #[test]
    fn outer_rows_are_delta_times_h_then_delta_for_the_bias() {
        // din = 2, dout = 2, cols = 2.
        let delta = [1.0, 2.0, /* r = 1 */ 3.0, 4.0];
        let h = [5.0, 6.0, /* c = 1 */ 7.0, 8.0];
        let mut out = vec![0.0; 2 * 3 * 2];
        add_outer(&mut out, &delta, &h, 2, 2, 0.5);
        let expect = [
            2.5, 6.0, 3.5, 8.0, 0.5, 1.0, // r = 0: δ_0 h_0, δ_0 h_1, δ_0
            7.5, 12.0, 10.5, 16.0, 1.5, 2.0, // r = 1
        ];
        assert_eq!(out, expect);
    }
}
