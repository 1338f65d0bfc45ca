#!/usr/bin/env bash
# Layer: tooling. The project's whole check, as CI runs it (.ci/run): system packages, the
# Python test environment (.venv), the release `rdc` binary, the Swift test suite (its oneDNN
# tests a second time capped at AVX2), then the Python checks in Tests/python. Touches the system packages, .venv, .build and artifacts/.
# Never reads standard input; exits non-zero on the first failing step.
set -euo pipefail

project_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$project_root"
# shellcheck source=scripts/steps.sh
source scripts/steps.sh
exec </dev/null

run_step "System packages" scripts/install-system-deps.sh
run_step "Python test environment (.venv)" scripts/python-env.sh
run_step "Release build of rdc" swift build -c release --product rdc
run_step "Swift test suite" swift test
# oneDNN picks its kernels by instruction set when it loads: run its tests again capped at AVX2,
# so an AVX-512 machine also checks the code paths an AVX2-only machine takes.
run_step "oneDNN tests capped at AVX2" env DNNL_MAX_CPU_ISA=AVX2 \
    swift test --skip-build --filter 'NumericCoreTests\.(OneDNNConvolutionTests|GradientCheckTests)'

# pytest exits 5 when it collects nothing, so run it only when there is a test module.
if [ -n "$(find Tests/python -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
    run_step "Python checks (Tests/python)" .venv/bin/python -m pytest -q Tests/python
else
    printf '\n==== Python checks: no test_*.py in Tests/python, skipped ====\n'
fi
printf '\nAll checks passed.\n'
