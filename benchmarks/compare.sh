#!/usr/bin/env bash
# Layer: benchmarks (tooling). One command for every hot path against its reference: builds the
# release `rdc`, prepares .venv-bench (torch, faiss-cpu, scikit-learn), runs `rdc bench` (the
# four training steps, exact 10-NN in 10 and 784 dimensions, k-means, one Phase-1 epoch on
# Fashion-MNIST), then PyTorch (the steps and the epoch), faiss and scikit-learn (kNN, k-means)
# with the same threads, one after the other, and prints them side by side.
# Touches .build, .venv-bench and out/bench (the JSON reports are kept there).
#
# Usage: benchmarks/compare.sh [--threads T] [--steps S] [--points N] [--epoch-images N] [--steps-only]
#   defaults: 2 threads, 20 steps, 70000 points for kNN and k-means, 70000 epoch images;
#   --steps-only times the four training steps alone (Swift and PyTorch).
set -euo pipefail

threads=2
steps=20
points=70000
epoch_images=70000
steps_only=false
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) threads="${2:?--threads needs a value}"; shift 2 ;;
        --steps) steps="${2:?--steps needs a value}"; shift 2 ;;
        --points) points="${2:?--points needs a value}"; shift 2 ;;
        --epoch-images) epoch_images="${2:?--epoch-images needs a value}"; shift 2 ;;
        --steps-only) steps_only=true; shift ;;
        *) echo "error: unknown option '$1' (expected --threads, --steps, --points, --epoch-images or --steps-only)" >&2; exit 2 ;;
    esac
done
for value in "$threads" "$steps" "$points" "$epoch_images"; do
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
# libgomp reads its wait policy when it loads: oneDNN's idle OpenMP threads sleep instead of
# spinning on cores our own workers need (the kernelspec sets the same).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
swift_cases=(--only dense --only dense+acai --only conv --only conv+acai)
torch_epoch=(--epoch-images "$epoch_images")
if ! $steps_only; then
    swift_cases+=(--only knn-10d --only knn-784d --only kmeans --only epoch --points "$points" --epoch-images "$epoch_images")
else
    torch_epoch=()
fi
run_step "Swift: rdc bench ($threads threads, $steps steps)" \
    run_json "$report_dir/swift.json" "$rdc" bench --threads "$threads" --steps "$steps" "${swift_cases[@]}" --format json
run_step "PyTorch reference ($threads threads, $steps steps)" \
    run_json "$report_dir/pytorch.json" .venv-bench/bin/python benchmarks/torch_reference.py \
        --threads "$threads" --steps "$steps" "${torch_epoch[@]}" --format json
references=("$report_dir/pytorch.json")
if ! $steps_only; then
    for library in faiss sklearn; do
        run_step "$library reference ($threads threads, $points points)" \
            run_json "$report_dir/$library.json" .venv-bench/bin/python benchmarks/hotpaths_reference.py \
                --library "$library" --threads "$threads" --points "$points" --format json
        references+=("$report_dir/$library.json")
    done
fi

printf '\n==== Swift vs the references (reports in %s) ====\n' "$report_dir"
python3 benchmarks/compare.py "$report_dir/swift.json" "${references[@]}"
