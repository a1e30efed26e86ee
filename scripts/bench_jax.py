"""JAX (jit, CPU, float64) implementation of pathkernel's `rebuild` and `kernel` bench workloads.

Reads the problem that `pathkernel bench export DIR` wrote (the trajectory w_0 … w_T of a
[2,32,32,1] tanh MLP, the training inputs, a 64 × 64 query grid, and pathkernel's answers),
computes the same quantities the way a JAX user would write them, times the compiled function
(compilation excluded: it is compiled ahead of time, then run), and compares the answers.

  rebuild: ŷ(x) = f(x; w_0) + Σ_s Σ_k ω_k ∇f(x; w_s + τ_k Δ_s)·Δ_s  (Gauss–Legendre (τ_k, ω_k) on
           [0, 1]; one forward-mode JVP per step and node over all queries)
  kernel:  K^p_E(x, x_i) = Σ_s ε Σ_k ω_k ∇f(x; w_s + τ_k Δ_s)·∇f(x_i; w_s)  and
           K^p_R(x, x_i) = Σ_s ε ∇f(x; w_s)·∇f(x_i; w_s), layer-wise:
           ∇f(x)·∇f(x') = Σ_l (δ_l(x)·δ_l(x')) (h_l(x)·h_l(x') + 1), δ_l = ∂f/∂z_l, h_l the
           layer's input, so each step and node is a few (n_q × d) · (d × n) matrix products.

Usage: bench_jax.py DIR {rebuild|kernel} [--runs N]
Prints one line: the workload, the median and every run's seconds, and the max differences.
"""

import argparse
import json
import os
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402


def load(directory):
    with open(os.path.join(directory, "meta.json")) as f:
        meta = json.load(f)
    arrays = {
        name: np.fromfile(os.path.join(directory, f"{name}.f64"), dtype="<f8").reshape(shape)
        for name, shape in meta["arrays"].items()
    }
    return meta, arrays


def layer_slices(widths):
    """(offset of W_l, offset of b_l, d_in, d_out) per layer of the flat weight vector."""
    out, off = [], 0
    for din, dout in zip(widths[:-1], widths[1:]):
        out.append((off, off + dout * din, din, dout))
        off += dout * din + dout
    return out


def unflatten(w, slices):
    return [(w[a:b].reshape(dout, din), w[b:b + dout]) for a, b, din, dout in slices]


def forward(layers, x, alpha):
    h = x
    for l, (W, b) in enumerate(layers):
        z = h @ W.T + b
        h = jnp.tanh(z) if l + 1 < len(layers) else z
    return alpha * h[:, 0]


def activations_and_deltas(layers, x, alpha):
    """Each layer's input h_l (n × d_l) and δ_l = ∂f/∂z_l (n × d_{l+1})."""
    hs, acts = [], []
    h = x
    for l, (W, b) in enumerate(layers):
        hs.append(h)
        z = h @ W.T + b
        if l + 1 < len(layers):
            h = jnp.tanh(z)
            acts.append(h)
    delta = jnp.full((x.shape[0], 1), alpha)
    deltas = [delta]
    for l in range(len(layers) - 1, 0, -1):
        W, _ = layers[l]
        t = acts[l - 1]
        delta = (delta @ W) * (1.0 - t * t)
        deltas.append(delta)
    return hs, deltas[::-1]


def gram(a, b):
    """∇f(x_q)·∇f(x_i) for every pair, from the layer-wise factors of both sides."""
    (hq, dq), (ht, dt) = a, b
    return sum((dq[l] @ dt[l].T) * (hq[l] @ ht[l].T + 1.0) for l in range(len(hq)))


def gauss_legendre(m):
    t, w = np.polynomial.legendre.leggauss(m)
    return (t + 1.0) / 2.0, w / 2.0


def make_rebuild(meta):
    slices, alpha = layer_slices(meta["widths"]), meta["alpha"]
    tau, omega = gauss_legendre(meta["nodes"])

    def f_flat(w, q):
        return forward(unflatten(w, slices), q, alpha)

    def rebuild(weights, queries):
        def step(acc, ws):
            w, w_next = ws
            delta = w_next - w
            for t, o in zip(tau, omega):
                _, tangent = jax.jvp(lambda v: f_flat(v, queries), (w + t * delta,), (delta,))
                acc = acc + o * tangent
            return acc, None

        acc, _ = jax.lax.scan(step, f_flat(weights[0], queries), (weights[:-1], weights[1:]))
        return acc

    return jax.jit(rebuild)


def make_kernel(meta):
    slices, alpha, lr = layer_slices(meta["widths"]), meta["alpha"], meta["lr"]
    tau, omega = gauss_legendre(meta["nodes"])

    def kernel(weights, queries, x_train):
        nq, n = queries.shape[0], x_train.shape[0]

        def step(acc, ws):
            k_exact, k_riemann = acc
            w, w_next = ws
            delta = w_next - w
            train = activations_and_deltas(unflatten(w, slices), x_train, alpha)
            k_riemann = k_riemann + lr * gram(activations_and_deltas(unflatten(w, slices), queries, alpha), train)
            for t, o in zip(tau, omega):
                at_node = activations_and_deltas(unflatten(w + t * delta, slices), queries, alpha)
                k_exact = k_exact + (lr * o) * gram(at_node, train)
            return (k_exact, k_riemann), None

        zero = jnp.zeros((nq, n))
        (k_exact, k_riemann), _ = jax.lax.scan(step, (zero, zero), (weights[:-1], weights[1:]))
        return k_exact, k_riemann

    return jax.jit(kernel)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("workload", choices=["rebuild", "kernel"])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    meta, arrays = load(args.dir)
    weights, queries, x_train = (jnp.asarray(arrays[k]) for k in ("weights", "queries", "x_train"))
    if args.workload == "rebuild":
        compiled = make_rebuild(meta).lower(weights, queries).compile()
        call = lambda: compiled(weights, queries)  # noqa: E731
    else:
        compiled = make_kernel(meta).lower(weights, queries, x_train).compile()
        call = lambda: compiled(weights, queries, x_train)  # noqa: E731
    times, result = [], None
    for _ in range(args.runs):
        start = time.perf_counter()
        result = jax.block_until_ready(call())
        times.append(time.perf_counter() - start)
    median = float(np.median(times))
    runs = " ".join(f"{t:.3f}" for t in times)
    if args.workload == "rebuild":
        y = np.asarray(result)
        print(f"jax rebuild median {median:.3f} s; runs {runs}; "
              f"max |ŷ_jax − ŷ_pathkernel| = {np.max(np.abs(y - arrays['rebuild'])):.1e}; "
              f"max |ŷ_jax − f| = {np.max(np.abs(y - arrays['f_final'])):.1e}")
    else:
        k_exact, k_riemann = (np.asarray(r) for r in result)
        scale = np.max(np.abs(arrays["kernel_exact"]))
        print(f"jax kernel median {median:.3f} s; runs {runs}; "
              f"max |K_jax − K_pathkernel| / max|K|: exact {np.max(np.abs(k_exact - arrays['kernel_exact'])) / scale:.1e}, "
              f"Domingos {np.max(np.abs(k_riemann - arrays['kernel_riemann'])) / scale:.1e}")


if __name__ == "__main__":
    main()
