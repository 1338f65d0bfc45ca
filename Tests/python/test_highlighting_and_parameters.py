# Layer: Python checks (tooling). The rdc-jupyter package (python/) with the installed `rdc`
# kernel: Pygments highlighting through nbconvert, and papermill runs with `-p`. Touches a
# temporary folder and starts kernels and the jupyter/papermill command lines.
"""rdc cells are highlighted in nbconvert's HTML, and papermill's injected parameters are used."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from pygments.lexers import get_lexer_by_name
from pygments.token import Error

from kernel_client import run_cell, running_kernel

pytestmark = pytest.mark.usefixtures("rdc_kernelspec")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
VENV_BIN = Path(sys.executable).parent


def code_cells(path: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def test_the_lexer_is_registered_and_reads_every_notebook_cell_without_errors():
    lexer = get_lexer_by_name("rdc")
    assert type(lexer).__name__ == "RDCLexer"
    for path in NOTEBOOKS:
        for source in code_cells(path):
            errors = [value for token, value in lexer.get_tokens(source) if token in Error]
            assert not errors, f"{path.name}: {errors} in {source!r}"


def test_kernel_info_names_the_lexer():
    with running_kernel() as (_, client):
        info = client.kernel_info(reply=True, timeout=30)
        assert info["content"]["language_info"]["pygments_lexer"] == "rdc"


def test_nbconvert_html_of_an_executed_notebook_highlights_rdc_cells(tmp_path: Path):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata.kernelspec = {"name": "rdc", "display_name": "R-DC", "language": "rdc"}
    notebook.cells = [
        nbformat.v4.new_code_cell("# tiny data\nlet size = 8\ndata synthetic n=40 size=$size classes=2"),
        nbformat.v4.new_code_cell('model dense latent=2\npretrain epochs=1 batch=20 critic=off lr=0.001\necho "done"'),
    ]
    NotebookClient(notebook, timeout=120, kernel_name="rdc", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert notebook.metadata.language_info.pygments_lexer == "rdc", "the kernel's language_info is stored"
    executed = tmp_path / "executed.ipynb"
    nbformat.write(notebook, executed)

    subprocess.run([str(VENV_BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)],
                   check=True, capture_output=True, text=True, timeout=120)
    html = (tmp_path / "executed.html").read_text()
    expected = {
        "k": "data",        # a command (Keyword)
        "kd": "let",        # the variable declaration (Keyword.Declaration)
        "nv": "$size",      # a variable (Name.Variable)
        "na": "epochs",     # an option name (Name.Attribute)
        "mi": "40",         # an integer (Number.Integer)
        "mf": "0.001",      # a decimal (Number.Float)
        "kc": "off",        # on/off (Keyword.Constant)
        "c1": "# tiny data",  # a comment (Comment.Single)
        "s2": "done",       # a quoted string (String.Double)
    }
    for css_class, text in expected.items():
        assert re.search(rf'<span class="{css_class}">[^<]*{re.escape(text)}', html), \
            f'no <span class="{css_class}"> around {text!r} in the HTML'


def test_the_translator_writes_let_lines_the_kernel_reads():
    from papermill.translators import translate_parameters

    cell = translate_parameters("rdc", "rdc", {"epochs": 4, "lr": 0.001, "critic": False,
                                               "folder": 'my "runs" \\ 1'}, "Parameters")
    assert cell.splitlines() == ["# Parameters", "let epochs = 4", "let lr = 0.001", "let critic = off",
                                 'let folder = "my \\"runs\\" \\\\ 1"']
    with running_kernel() as (_, client):
        assert run_cell(client, cell).status == "ok"
        status = run_cell(client, "status").result_text()
        assert re.search(r'variables\s+epochs=4 lr=0.001 critic=off folder="my \\"runs\\" \\\\ 1"', status), status


def test_papermill_injects_rdc_parameters_and_the_run_uses_them(tmp_path: Path):
    source = PROJECT_ROOT / "notebooks" / "01-quickstart.ipynb"
    output = tmp_path / "out.ipynb"
    subprocess.run([str(VENV_BIN / "papermill"), "-k", "rdc", "-p", "epochs", "1", "-p", "limit", "300",
                    "-p", "seed", "7", "--cwd", str(tmp_path), str(source), str(output)],
                   check=True, capture_output=True, text=True, timeout=600)
    notebook = nbformat.read(output, as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in notebook.cells]
    parameters = tags.index(["parameters"])
    injected = notebook.cells[parameters + 1]
    assert "injected-parameters" in injected.metadata.tags
    assert injected.source.splitlines() == ["# Parameters", "let epochs = 1", "let limit = 300", "let seed = 7"]

    texts = []
    for cell in notebook.cells:
        for output_ in cell.get("outputs", []):
            assert output_.output_type != "error", output_
            texts.append(output_.get("text", "") + output_.get("data", {}).get("text/plain", ""))
    everything = "\n".join(texts)
    assert "300 images" in everything, "data limit=$limit used the injected 300"
    assert re.search(r"pretrain epochs\s+2\b", everything), "two pretrain cells of epochs=$epochs=1 each"
    assert re.search(r"variables\s+limit=300 epochs=1 seed=7", everything)
    assert re.search(r"seed\s+7\b", everything)
