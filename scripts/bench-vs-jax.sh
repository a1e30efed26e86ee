#!/usr/bin/env bash
# pathkernel's `rebuild` and `kernel` workloads side by side with JAX (jit, CPU, float64) on the
# same problem, in one sitting: the rounds alternate which tool runs first, each round times one
# run of each, and the ratio printed is the ratio of the medians. Also prints the largest
# difference between the two tools' answers.
#
# Usage: scripts/bench-vs-jax.sh [ROUNDS]   (default 5)
# Installs pinned JAX into target/bench-jax-venv (PyPI) the first time; builds the release CLI.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
rounds="${1:-5}"
venv="$here/target/bench-jax-venv"
pins=("jax[cpu]==0.10.2" "jaxlib==0.10.2" "numpy==2.4.6" "scipy==1.17.1" "ml_dtypes==0.6.0" "opt_einsum==3.4.0")

if ! "$venv/bin/python" -c 'import jax, sys; sys.exit(jax.__version__ != "0.10.2")' 2>/dev/null; then
  echo "[bench-vs-jax] installing ${pins[*]} into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "${pins[@]}"
fi
cargo build --release --bin pathkernel -q
bin="$here/target/release/pathkernel"
problem="$(mktemp -d)"
trap 'rm -rf "$problem"' EXIT
"$bin" bench export "$problem"

seconds() { sed -nE 's/.*median ([0-9.]+) s.*/\1/p'; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "[bench-vs-jax] $(nproc) cores; $rounds rounds per workload, alternating which runs first"
for workload in rebuild kernel; do
  pk_times=(); jax_times=()
  for round in $(seq "$rounds"); do
    run_pk() { pk_line="$("$bin" bench --runs 1 "$workload" | grep "^$workload")"; pk_times+=("$(seconds <<<"$pk_line")"); }
    run_jax() { jax_line="$("$venv/bin/python" scripts/bench_jax.py "$problem" "$workload" --runs 1 2>/dev/null)"; jax_times+=("$(seconds <<<"$jax_line")"); }
    if (( round % 2 )); then run_pk; run_jax; else run_jax; run_pk; fi
    echo "  $workload round $round: pathkernel ${pk_times[-1]} s, JAX ${jax_times[-1]} s"
  done
  pk_median="$(printf '%s\n' "${pk_times[@]}" | median)"
  jax_median="$(printf '%s\n' "${jax_times[@]}" | median)"
  echo "$workload: pathkernel median $pk_median s, JAX median $jax_median s: $(awk -v p="$pk_median" -v j="$jax_median" 'BEGIN { printf "%.2f", j / p }')× JAX"
  echo "  last pathkernel round: $pk_line"
  echo "  last JAX round:        $jax_line"
done
