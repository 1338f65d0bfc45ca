#!/usr/bin/env bash
# Layer: tooling. The long fuzzing run of every parser (the test suite runs a bounded share of
# the same harness, Tests/FuzzTests). Touches .build/, .build-libfuzzer/ and fuzz-crashes/.
#
#   scripts/fuzz.sh [INPUTS] [SEED]
#       Seeded mutation fuzzing of every target (IDX, gzip, inflate, CSV, npy, zip, npz, CIFAR,
#       checkpoint, parameter archive, command language, Jupyter wire, connection file):
#       INPUTS mutated inputs in all (default 1,000,000), shared out by each target's weight.
#       Prints inputs, accepted inputs and seconds per target, and the peak memory.
#   scripts/fuzz.sh --libfuzzer [SECONDS] [TARGET...]
#       Coverage-guided libFuzzer (-sanitize=fuzzer,address) for SECONDS (default 60) on each
#       file target named (default all: idx, gzip, inflate, csv, npy, zip, npz, cifar,
#       checkpoint, parameter-archive). Builds the method's modules with swiftc into
#       .build-libfuzzer/ first (about two minutes); stops at the first crash.
#
# FUZZING: when a parser traps, aborts or faults, the input that did it is written to
# fuzz-crashes/TARGET-crash.bin (libFuzzer: fuzz-crashes/crash-HASH). Replay it, fix the parser so
# the input gets a clear error, and keep the input as Tests/FuzzTests/Corpus/TARGET/crash-NAME.bin:
# `swift test --filter FuzzTests` then replays it on every run.
set -euo pipefail

project_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$project_root"
exec </dev/null

if [ "${1:-}" != "--libfuzzer" ]; then
    inputs="${1:-1000000}"
    seed="${2:-1}"
    swift build --build-tests
    started=$(date +%s)
    RDC_FUZZ_INPUTS="$inputs" RDC_FUZZ_SEED="$seed" \
        swift test --skip-build --filter 'FuzzTests.FuzzTests/testEveryParserSurvivesMutatedInputs' 2>&1 | grep -E '^fuzz:|error|passed|failed'
    printf 'fuzz: %s inputs requested, seed %s, %s s wall time\n' "$inputs" "$seed" "$(( $(date +%s) - started ))"
    exit 0
fi

seconds="${2:-60}"
shift $(( $# < 2 ? $# : 2 ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx gzip inflate csv npy zip npz cifar checkpoint parameter-archive)
build=".build-libfuzzer"
mkdir -p "$build" fuzz-crashes
flags=(-O -g -enable-testing -sanitize=fuzzer,address -parse-as-library -module-cache-path "$build/module-cache" -I "$build")
# Each module: its sources into a static library and a module interface under $build.
module() {
    local name="$1"; shift
    swiftc "${flags[@]}" -module-name "$name" -emit-module -emit-module-path "$build/$name.swiftmodule" \
        -emit-library -static -o "$build/lib$name.a" "$@"
}
module SafeFiles Sources/SafeFiles/*.swift
module NumericCore -I Sources/CBLAS Sources/NumericCore/*.swift
module RDCMethod -I Sources/CBLAS -I Sources/CZlib Sources/RDCMethod/*.swift Sources/RDCMethod/*/*.swift
# The sanitizer runtime makes gold warn about every exported local symbol: keep that out of sight.
if ! swiftc "${flags[@]}" -I Sources/CBLAS -I Sources/CZlib -module-name FuzzEntry -o "$build/fuzz-files" \
    Tests/FuzzTests/FuzzHarness.swift Tests/FuzzTests/FileFuzzTargets.swift Tests/FuzzTests/LibFuzzer/Entry.swift \
    -L "$build" -lRDCMethod -lNumericCore -lSafeFiles -lopenblas -lz 2> "$build/link.log"; then
    grep -v 'Cannot export local symbol' "$build/link.log" >&2
    exit 1
fi
for target in "${targets[@]}"; do
    mkdir -p "$build/corpus-$target"
    printf 'libfuzzer: %s for %s s\n' "$target" "$seconds"
    RDC_FUZZ_TARGET="$target" RDC_FUZZ_SEED_DIR="$build/corpus-$target" \
        "$build/fuzz-files" -max_total_time="$seconds" -rss_limit_mb=4096 -malloc_limit_mb=4096 \
        -artifact_prefix="fuzz-crashes/$target-" -print_final_stats=1 "$build/corpus-$target" 2>&1 |
        grep -E '^(Done|stat::(number_of_executed_units|peak_rss_mb|new_units_added))|ERROR|SUMMARY|Test unit written|DEADLY|crash'
done
