#!/usr/bin/env bash
# Layer: tooling. Creates or updates a Python virtual environment inside the project from a
# pinned requirements file; touches only that environment's folder.
#
# Usage: scripts/python-env.sh [VENV_DIR [REQUIREMENTS_FILE]]
#   defaults: .venv and requirements-test.txt in the project root.
# Also installs the project's own package python/ (rdc-jupyter: the Pygments lexer and the
# papermill translator of the rdc language) in editable mode, so it tracks the checkout.
# Quick when nothing changed: a stamp file in the environment records the hash of the
# requirements file, of python/pyproject.toml and the interpreter version; when it matches,
# nothing is installed.
set -euo pipefail

project_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv_dir="${1:-$project_root/.venv}"
requirements="${2:-$project_root/requirements-test.txt}"
# Debian's interpreter (python3-venv is one of the system packages); override with PYTHON=.
python="${PYTHON:-/usr/bin/python3}"

[ -f "$requirements" ] || { echo "error: requirements file not found: $requirements" >&2; exit 1; }
command -v "$python" >/dev/null || { echo "error: Python interpreter not found: $python" >&2; exit 1; }

python_version() { "$1" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null; }
stamp_file="$venv_dir/.requirements.stamp"
wanted_python="$(python_version "$python")"
local_package="$project_root/python"
wanted_stamp="$(cat "$requirements" "$local_package/pyproject.toml" | sha256sum | cut -d' ' -f1) python-$wanted_python $local_package"

if [ -x "$venv_dir/bin/python" ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$wanted_stamp" ]; then
    echo "$venv_dir is up to date with $(basename "$requirements")"
    exit 0
fi

if [ "$(python_version "$venv_dir/bin/python" || true)" != "$wanted_python" ]; then
    echo "Creating $venv_dir with $python ($wanted_python)"
    rm -rf "$venv_dir"
    "$python" -m venv "$venv_dir"
fi

pip_options=(--quiet --disable-pip-version-check --no-input)
# Wheels that the registry does not carry (the CPU build of torch) are kept here.
[ -d /opt/wheels ] && pip_options+=(--find-links /opt/wheels)

echo "Installing $(basename "$requirements") into $venv_dir"
rm -f "$stamp_file"
"$venv_dir/bin/python" -m pip install "${pip_options[@]}" -r "$requirements" </dev/null
echo "Installing $local_package (rdc-jupyter) into $venv_dir"
"$venv_dir/bin/python" -m pip install "${pip_options[@]}" --no-deps -e "$local_package" </dev/null
echo "$wanted_stamp" >"$stamp_file"
echo "$venv_dir now holds $("$venv_dir/bin/python" -m pip list --format=freeze | wc -l) packages"
