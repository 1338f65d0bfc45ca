#!/usr/bin/env bash
# Layer: benchmarks (tooling). One command for the Swift-vs-PyTorch comparison: builds the
# release `rdc`, prepares .venv-bench (torch), runs `rdc bench` and the PyTorch reference with
# the same threads and steps, one after the other, and prints them side by side.
# Touches .build, .venv-bench and out/bench (the two JSON reports are kept there).
#
# Usage: benchmarks/compare.sh [--threads T] [--steps S]   (defaults: 2 threads, 20 steps)
set -euo pipefail

threads=2
steps=20
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) threads="${2:?--threads needs a value}"; shift 2 ;;
        --steps) steps="${2:?--steps needs a value}"; shift 2 ;;
        *) echo "error: unknown option '$1' (expected --threads T or --steps S)" >&2; exit 2 ;;
    esac
done
for value in "$threads" "$steps"; do
    [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "error: '$value' is not a positive integer" >&2; exit 2; }
done

project_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$project_root"
# shellcheck source=scripts/steps.sh
source scripts/steps.sh
exec </dev/null

report_dir=out/bench
mkdir -p "$report_dir"

run_step "Release build of rdc" swift build -c release --product rdc
rdc="$(swift build -c release --show-bin-path)/rdc"
run_step "Benchmark Python environment (.venv-bench)" \
    scripts/python-env.sh "$project_root/.venv-bench" "$project_root/requirements-bench.txt"

# Each run writes its report to a file only once it has finished.
run_json() {
    local destination="$1"
    shift
    "$@" >"$destination.partial"
    mv "$destination.partial" "$destination"
}
run_step "Swift: rdc bench ($threads threads, $steps steps)" \
    run_json "$report_dir/swift.json" "$rdc" bench --threads "$threads" --steps "$steps" --format json
run_step "PyTorch reference ($threads threads, $steps steps)" \
    run_json "$report_dir/pytorch.json" .venv-bench/bin/python benchmarks/torch_reference.py \
        --threads "$threads" --steps "$steps" --format json

printf '\n==== Swift vs PyTorch (reports in %s) ====\n' "$report_dir"
python3 benchmarks/compare.py "$report_dir/swift.json" "$report_dir/pytorch.json"
