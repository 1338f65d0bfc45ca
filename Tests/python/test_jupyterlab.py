# Layer: Python checks (tooling). Runs the quickstart notebook in a real JupyterLab (PyPI) shown
# in Debian's headless Chromium; touches a temporary server root, Jupyter config and runtime
# folders, a free local port, the kernel the server starts, and artifacts/ (screenshots).
"""The quickstart notebook runs in JupyterLab and its pictures render in the browser."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.error import URLError

import nbformat
import pytest
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.usefixtures("rdc_kernelspec")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = PROJECT_ROOT / "notebooks" / "01-quickstart.ipynb"
UNKNOWN_K = PROJECT_ROOT / "notebooks" / "05-unknown-k.ipynb"
# The notebooks run in the browser, each with the picture its screenshot scrolls to.
BROWSER_NOTEBOOKS = [(QUICKSTART, 3), (UNKNOWN_K, 3)]
JUPYTER = Path(sys.executable).with_name("jupyter")
SERVER_START_TIMEOUT = 60
PAGE_READY_TIMEOUT = 120
RUN_ALL_TIMEOUT = 600
TOKEN = "rdc-jupyterlab-check"
PROGRESS_TEXT = re.compile(r"^(pretrain|refine) epoch (\d+)/(\d+) batch (\d+)/(\d+) ")

# The notebook panel JupyterLab shows, its session and its kernel (JupyterLab exposes the app as
# window.jupyterapp with --LabApp.expose_app_in_browser).
CURRENT_PANEL = "const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
KERNEL_READY = CURRENT_PANEL + """
    if (!panel || !panel.sessionContext || !panel.sessionContext.isReady) { return false; }
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    return !!kernel && kernel.name === 'rdc' && kernel.status === 'idle';
"""
# Every code cell has run (an execution count, not the pending '*') and the kernel is idle again.
ALL_CELLS_RAN = CURRENT_PANEL + """
    if (!panel || !panel.sessionContext || !panel.sessionContext.session) { return false; }
    const kernel = panel.sessionContext.session.kernel;
    const codeCells = Array.from(panel.content.model.cells).filter(cell => cell.type === 'code');
    return codeCells.every(cell => cell.executionCount !== null) && !!kernel && kernel.status === 'idle';
"""
STATUS_BAR_TEXT = "return Array.from(document.querySelectorAll('.jp-StatusBar-TextItem')).map(e => e.textContent);"
# The kernel status indicator in the status bar reads "R-DC | Idle".
STATUS_BAR_IDLE = STATUS_BAR_TEXT.replace(";", ".some(text => text.trim() === 'R-DC | Idle');")
RENDERED_PICTURES = """
    return Array.from(document.querySelectorAll('.jp-OutputArea-output[data-mime-type="image/png"] img'))
        .map(img => [img.complete, img.naturalWidth, img.naturalHeight, img.src.slice(0, 22)]);
"""
ERROR_OUTPUTS = """
    return Array.from(document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
        .map(e => e.textContent);
"""
OUTPUT_TEXTS = """
    return Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(e => e.textContent.trim());
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_server(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer {url} within {SERVER_START_TIMEOUT}s:\n{log.read_text()}")


@pytest.fixture
def jupyterlab(tmp_path: Path):
    """A JupyterLab server on a free local port serving a folder with copies of the browser notebooks."""
    root = tmp_path / "root"
    root.mkdir()
    for notebook, _ in BROWSER_NOTEBOOKS:
        shutil.copy(notebook, root / notebook.name)
    port = free_port()
    # Answer JupyterLab's "get notified about Jupyter news?" question in advance: no.
    settings = tmp_path / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    environment = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    log = tmp_path / "jupyterlab.log"
    command = [
        str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={TOKEN}",
        "--LabApp.expose_app_in_browser=True",
        # Containers and CI runners often run as root; the server refuses that unless told.
        "--allow-root",
        # Nothing fetched from the internet: no news feed, no update check, no PyPI extension search.
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    with log.open("w") as output:
        server = subprocess.Popen(command, env=environment, cwd=root, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_server(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", server, log)
        yield f"http://127.0.0.1:{port}", log
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until(driver, script: str, timeout: float, what: str):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.5).until(lambda d: d.execute_script(script))
    except Exception as error:
        status = driver.execute_script(STATUS_BAR_TEXT)
        raise AssertionError(f"{what} not reached within {timeout}s (status bar: {status!r})") from error


@pytest.mark.parametrize("path, shown_picture", BROWSER_NOTEBOOKS, ids=[path.stem for path, _ in BROWSER_NOTEBOOKS])
def test_notebook_runs_in_jupyterlab_and_its_pictures_render(path: Path, shown_picture: int, jupyterlab, chromium,
                                                             artifacts_dir: Path):
    base_url, server_log = jupyterlab
    notebook = nbformat.read(path, as_version=4)
    commands = [line.strip() for cell in notebook.cells if cell.cell_type == "code" for line in cell.source.splitlines()]
    expected_pictures = sum(1 for line in commands if line.startswith("show "))
    training_commands = [line.split()[0] for line in commands if line.startswith(("pretrain", "refine"))]

    chromium.get(f"{base_url}/lab/tree/{path.name}?token={TOKEN}")
    wait_until(chromium, KERNEL_READY, PAGE_READY_TIMEOUT, "the notebook open with an idle rdc kernel")
    assert "R-DC | Idle" in [text.strip() for text in chromium.execute_script(STATUS_BAR_TEXT)]

    started = time.monotonic()
    chromium.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells');")
    # The kernel goes busy at once; wait for every cell to have run and the kernel to be idle.
    wait_until(chromium, ALL_CELLS_RAN, RUN_ALL_TIMEOUT, "all cells run")
    wait_until(chromium, STATUS_BAR_IDLE, 30, "the kernel status indicator showing idle")
    print(f"\nRun All in JupyterLab: {time.monotonic() - started:.1f}s")

    errors = chromium.execute_script(ERROR_OUTPUTS)
    assert errors == [], f"error outputs in the page: {errors}"

    pictures = chromium.execute_script(RENDERED_PICTURES)
    assert len(pictures) == expected_pictures, pictures
    for complete, width, height, source in pictures:
        assert complete and width > 0 and height > 0
        assert source == "data:image/png;base64,"

    texts = chromium.execute_script(OUTPUT_TEXTS)
    # Each progress display was updated in place and ends on its final figures.
    progress = [PROGRESS_TEXT.match(text) for text in texts if PROGRESS_TEXT.match(text)]
    assert [match.group(1) for match in progress] == training_commands, texts
    for match in progress:
        assert match.group(2) == match.group(3) and match.group(4) == match.group(5), match.group(0)
        assert " done in " in match.string

    # A screenshot of one picture (scrolled into view) for people to look at: the quickstart's
    # interpolations, the unknown-K notebook's DBSCAN clusters in the UMAP layout.
    chromium.execute_script("""
        const pictures = document.querySelectorAll('.jp-OutputArea-output[data-mime-type="image/png"] img');
        pictures[arguments[0]].scrollIntoView({block: 'center'});
    """, shown_picture)
    time.sleep(1)
    screenshot = artifacts_dir / f"jupyterlab-{path.stem.split('-', 1)[1]}.png"
    assert chromium.save_screenshot(str(screenshot))
    assert "Traceback" not in server_log.read_text()
