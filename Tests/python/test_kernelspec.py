# Layer: Python checks (tooling). `rdc install` puts a kernelspec where Jupyter looks; touches a
# temporary HOME / Jupyter data folder only.
"""``rdc install --user`` makes the kernel known to Jupyter, pointing at this very binary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

JUPYTER = Path(sys.executable).with_name("jupyter")


def isolated_environment(home: Path, **extra: str) -> dict[str, str]:
    """The process environment with a fresh HOME and no inherited Jupyter paths."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("JUPYTER_") and key not in ("XDG_DATA_HOME", "HOME")}
    return {**environment, "HOME": str(home), **extra}


def listed_kernelspecs(environment: dict[str, str]) -> dict:
    listing = subprocess.run([str(JUPYTER), "kernelspec", "list", "--json"], env=environment,
                             capture_output=True, text=True, timeout=60, check=True)
    return json.loads(listing.stdout)["kernelspecs"]


def install(rdc_binary: Path, environment: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    result = subprocess.run([str(rdc_binary), "install", *options], env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def check_installed_spec(folder: Path, rdc_binary: Path) -> None:
    spec = json.loads((folder / "kernel.json").read_text())
    argv = spec["argv"]
    assert Path(argv[0]).is_absolute()
    assert Path(argv[0]).resolve() == rdc_binary.resolve()
    assert argv[1:] == ["kernel", "--connection-file", "{connection_file}"]
    assert spec["language"] == "rdc"
    assert spec["interrupt_mode"] == "message"
    assert spec["display_name"]
    for name, side in (("logo-32x32.png", 32), ("logo-64x64.png", 64)):
        with Image.open(folder / name) as logo:
            assert logo.format == "PNG" and logo.size == (side, side)
    assert (folder / "logo-svg.svg").read_text().lstrip().startswith(("<svg", "<?xml"))


def test_install_user_with_jupyter_data_dir(rdc_binary: Path, tmp_path: Path):
    data_dir = tmp_path / "jupyter-data"
    environment = isolated_environment(tmp_path / "home", JUPYTER_DATA_DIR=str(data_dir))
    assert "rdc" not in listed_kernelspecs(environment)

    install(rdc_binary, environment, "--user")

    listed = listed_kernelspecs(environment)
    assert "rdc" in listed
    folder = Path(listed["rdc"]["resource_dir"])
    assert folder == data_dir / "kernels" / "rdc"
    assert listed["rdc"]["spec"]["language"] == "rdc"
    check_installed_spec(folder, rdc_binary)


def test_install_user_defaults_to_the_home_data_folder(rdc_binary: Path, tmp_path: Path):
    home = tmp_path / "home"
    environment = isolated_environment(home)

    install(rdc_binary, environment, "--user")

    listed = listed_kernelspecs(environment)
    assert Path(listed["rdc"]["resource_dir"]) == home / ".local" / "share" / "jupyter" / "kernels" / "rdc"
    check_installed_spec(Path(listed["rdc"]["resource_dir"]), rdc_binary)


def test_install_from_a_relative_path_still_writes_an_absolute_argv(rdc_binary: Path, tmp_path: Path):
    data_dir = tmp_path / "jupyter-data"
    environment = isolated_environment(tmp_path / "home", JUPYTER_DATA_DIR=str(data_dir))
    relative = os.path.relpath(rdc_binary, tmp_path)
    result = subprocess.run([relative, "install", "--user"], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    check_installed_spec(data_dir / "kernels" / "rdc", rdc_binary)
