# Layer: Python checks (tooling). Executes every notebook in notebooks/ headless with nbclient
# against the installed `rdc` kernel; touches a temporary working folder and artifacts/executed/.
"""Every example notebook runs start to finish, draws all its pictures, and stays quick."""

from __future__ import annotations

import base64
import io
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from PIL import Image

pytestmark = pytest.mark.usefixtures("rdc_kernelspec")

PROJECT_ROOT = Path(__file__).resolve().parents[2]

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
# Two cores: every notebook must finish well within this.
WALL_TIME_LIMIT = 300
CELL_TIMEOUT = 300
TRAINING_COMMAND = re.compile(r"^(pretrain|refine|selftrain)\b")
PROGRESS_TEXT = re.compile(r"^(pretrain|refine|selftrain) epoch (\d+)/(\d+) batch (\d+)/(\d+) ")


def command_lines(notebook) -> list[str]:
    """Every command line of the notebook's code cells (comments and blank lines left out)."""
    return [line.strip() for cell in notebook.cells if cell.cell_type == "code"
            for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")]


def outputs(notebook) -> list[dict]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]


def test_there_are_five_notebooks_for_the_rdc_kernel():
    assert [path.name for path in NOTEBOOKS] == [
        "01-quickstart.ipynb", "02-acai-interpolations.ipynb", "03-phases-compared.ipynb", "04-ablation.ipynb",
        "05-unknown-k.ipynb"]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        assert notebook.metadata.kernelspec.name == "rdc"
        assert notebook.metadata.kernelspec.language == "rdc"
        assert notebook.metadata.language_info.name == "rdc"
        assert notebook.metadata.language_info.pygments_lexer == "rdc"
        # One cell tagged `parameters` (papermill injects its `-p` values after it), of `let` lines.
        tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
        assert len(tagged) == 1 and tagged[0].cell_type == "code", f"{path.name} needs one parameters cell"
        names = [re.match(r"let (\w+) = ", line).group(1) for line in tagged[0].source.splitlines()]
        # Every notebook takes these three; one may add its own (the ablation's arm_epochs).
        assert names[:2] == ["limit", "epochs"] and "seed" in names, names
        assert outputs(notebook) == [], f"{path.name} is stored with outputs"
        assert all(cell.get("execution_count") is None for cell in notebook.cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_and_draws_every_picture(path: Path, tmp_path: Path, artifacts_dir: Path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="rdc", allow_errors=False,
                            resources={"metadata": {"path": str(tmp_path)}})
    started = time.monotonic()
    client.execute()
    wall_time = time.monotonic() - started
    print(f"\n{path.name}: {wall_time:.1f}s wall time")

    executed = artifacts_dir / "executed"
    executed.mkdir(exist_ok=True)
    nbformat.write(notebook, executed / path.name)

    everything = outputs(notebook)
    assert not [o for o in everything if o.output_type == "error"]
    assert not [o for o in everything if o.output_type == "stream" and o.name == "stderr"]

    commands = command_lines(notebook)
    pictures = [o for o in everything if "image/png" in o.get("data", {})]
    expected_pictures = sum(1 for line in commands if line.startswith("show "))
    assert expected_pictures > 0
    assert len(pictures) == expected_pictures
    for picture in pictures:
        with Image.open(io.BytesIO(base64.b64decode(picture.data["image/png"]))) as image:
            image.load()
            assert image.format == "PNG"
            size = picture.metadata["image/png"]
            # Drawn at a whole multiple of the logical size, for sharp pictures on HiDPI screens.
            scale = image.width / size["width"]
            assert scale in (1, 2) and image.height == scale * size["height"]

    # Each training command left one progress display, updated to its final figures.
    progress = [o for o in everything if o.output_type == "display_data"
                and PROGRESS_TEXT.match(o.data.get("text/plain", ""))]
    assert len(progress) == sum(1 for line in commands if TRAINING_COMMAND.match(line))
    for display in progress:
        text = display.data["text/plain"]
        _, epoch, epochs, batch, batches = PROGRESS_TEXT.match(text).groups()
        assert (epoch, batch) == (epochs, batches), f"progress stopped at {text!r}"
        assert " done in " in text

    assert wall_time < WALL_TIME_LIMIT, f"{path.name} took {wall_time:.0f}s"
