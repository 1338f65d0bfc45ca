# Layer: Python checks (tooling). Shared pytest fixtures for the kernel conformance, notebook,
# console and browser checks in this folder. Touches: the release `rdc` binary (runs it), a
# temporary Jupyter prefix, the process environment of this test session (JUPYTER_PATH,
# SE_OFFLINE) and the project's git-ignored artifacts/ folder.
"""Shared fixtures for the Python checks of the R-DC kernel.

- ``rdc_binary``: path of the release ``rdc`` executable (``swift build -c release``).
- ``rdc_kernelspec``: the ``rdc`` kernelspec installed by ``rdc install --prefix TMP`` into a
  temporary prefix, with ``JUPYTER_PATH`` pointing there for the whole session, so
  ``jupyter_client.KernelManager(kernel_name="rdc")`` and ``jupyter ... --kernel rdc`` find it.
- ``artifacts_dir``: the folder for screenshots and other evidence (``artifacts/``).
- ``chromium``: a headless Debian Chromium driven by Debian's chromedriver, fully offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from kernel_wire import install_kernelspec

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KERNEL_NAME = "rdc"
# Debian's packages chromium and chromium-driver (scripts/install-system-deps.sh).
CHROMIUM_BINARY = Path("/usr/bin/chromium")
CHROMEDRIVER_BINARY = Path("/usr/bin/chromedriver")

# Selenium must never fetch a browser or driver: selenium-manager honours SE_OFFLINE.
os.environ["SE_OFFLINE"] = "true"


@dataclass(frozen=True)
class InstalledKernelspec:
    """A kernelspec written by ``rdc install --prefix`` into a temporary prefix."""

    name: str
    prefix: Path
    directory: Path
    spec: dict


@pytest.fixture(scope="session")
def rdc_binary() -> Path:
    """The release ``rdc`` executable; ``RDC_BINARY`` overrides the SwiftPM location."""
    override = os.environ.get("RDC_BINARY")
    if override:
        binary = Path(override)
    else:
        bin_dir = subprocess.run(
            ["swift", "build", "-c", "release", "--show-bin-path"],
            cwd=PROJECT_ROOT, check=True, capture_output=True, text=True,
        ).stdout.strip()
        binary = Path(bin_dir) / "rdc"
    if not os.access(binary, os.X_OK):
        pytest.fail(f"rdc binary not found at {binary}: run `swift build -c release --product rdc` first")
    return binary


@pytest.fixture(scope="session")
def rdc_kernelspec(rdc_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> InstalledKernelspec:
    """Installs the kernelspec into a temporary prefix and puts it first on JUPYTER_PATH."""
    prefix = tmp_path_factory.mktemp("jupyter-prefix")
    try:
        kernel_dir = install_kernelspec(rdc_binary, prefix)
    except RuntimeError as problem:
        pytest.fail(str(problem))
    kernel_json = kernel_dir / "kernel.json"

    with pytest.MonkeyPatch.context() as patch:
        data_dir = str(prefix / "share" / "jupyter")
        existing = os.environ.get("JUPYTER_PATH")
        patch.setenv("JUPYTER_PATH", data_dir + (os.pathsep + existing if existing else ""))
        yield InstalledKernelspec(KERNEL_NAME, prefix, kernel_dir, json.loads(kernel_json.read_text()))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``artifacts/`` in the project root (git-ignored); ``RDC_ARTIFACTS`` overrides it."""
    directory = Path(os.environ.get("RDC_ARTIFACTS", PROJECT_ROOT / "artifacts"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def chromium():
    """A headless Chromium WebDriver (1280×900) from Debian's packages; quits after the test."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for needed in (CHROMIUM_BINARY, CHROMEDRIVER_BINARY):
        if shutil.which(str(needed)) is None:
            pytest.fail(f"{needed} is missing: run scripts/install-system-deps.sh")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM_BINARY)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER_BINARY)))
    try:
        yield driver
    finally:
        driver.quit()
