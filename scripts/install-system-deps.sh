#!/usr/bin/env bash
# Layer: tooling. Installs the Debian 12 packages the project builds, tests and runs with;
# touches only the system package database (through apt-get, as root or via sudo).
#
# Idempotent and quick: when every package is installed already it changes nothing and
# does not even refresh the package lists. Never reads standard input.
set -euo pipefail

# What each package is for:
#   libopenblas-dev  cblas_sgemm for NumericCore (CBLAS target)
#   libdnnl-dev      oneDNN 2.x convolutions for NumericCore (CDNNL target)
#   libzmq3-dev      the Jupyter wire protocol (CZMQ target)
#   libpng-dev       pictures written by RDCRender (CPNG target)
#   zlib1g-dev       gzipped datasets (CZlib target)
#   libfreetype-dev  anti-aliased text in the pictures (CFreeType target)
#   fonts-dejavu-core  DejaVu Sans, the pictures' font (read at run time from /usr/share/fonts)
#   pkg-config       lets SwiftPM find openblas, libpng and freetype2
#   dataset-fashion-mnist  Fashion-MNIST IDX files under /usr/share/datasets/fashion-mnist
#   chromium, chromium-driver  headless browser checks of JupyterLab (selenium, no downloads)
#   python3-venv     the Python test and benchmark environments
packages=(
    libopenblas-dev libdnnl-dev libzmq3-dev libpng-dev zlib1g-dev libfreetype-dev fonts-dejavu-core pkg-config
    dataset-fashion-mnist chromium chromium-driver python3-venv
)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$package")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "All ${#packages[@]} system packages are installed: ${packages[*]}"
    exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: not root and sudo is missing; cannot install: ${missing[*]}" >&2; exit 1; }
    as_root=(sudo --non-interactive)
fi

echo "Installing missing system packages: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "${missing[@]}" </dev/null
