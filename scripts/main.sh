#!/usr/bin/env bash
# Layer: tooling. The main job: installs the system packages, builds the release `rdc`,
# then runs the quickstart example script, writing its pictures and tables to
# out/quickstart. Touches the system packages, .build and out/.
set -euo pipefail

project_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$project_root"
# shellcheck source=scripts/steps.sh
source scripts/steps.sh
exec </dev/null

example=examples/quickstart.rdc
output_dir=out/quickstart

run_step "System packages" scripts/install-system-deps.sh
run_step "Release build of rdc" swift build -c release --product rdc
rdc="$(swift build -c release --show-bin-path)/rdc"
[ -f "$example" ] || { echo "error: example script $example is missing" >&2; exit 1; }
run_step "Quickstart ($example → $output_dir)" "$rdc" run "$example" --out "$output_dir"
