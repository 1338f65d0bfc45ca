# Layer: Python checks (tooling). The `rdc` executable as a shell user meets it, checked against
# what the kernel tells Jupyter; touches only the kernel it starts.
"""``rdc --version`` and the kernel's ``kernel_info`` report the same version; ``rdc quality``
runs the paper's ablation and prints a row per arm and read-off."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kernel_client import running_kernel, shell_reply

pytestmark = pytest.mark.usefixtures("rdc_kernelspec")


def test_version_flag_prints_the_version_kernel_info_reports(rdc_binary: Path):
    printed = subprocess.run([str(rdc_binary), "--version"], capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    with running_kernel() as (_, client):
        reply = shell_reply(client, client.kernel_info(), timeout=10)
    assert printed.stdout == reply["content"]["implementation_version"] + "\n"


def test_quality_runs_every_arm_of_the_ablation_with_each_read_off(rdc_binary: Path):
    # One epoch per phase on the synthetic shapes: the command's plumbing, not its scores.
    printed = subprocess.run([str(rdc_binary), "quality", "--data", "synthetic", "--pretrain", "1", "--refine", "1",
                              "--selftrain", "1", "--targets", "latent,graph", "--readoffs", "kmeans,umap",
                              "--restarts", "2", "--raw-restarts", "0", "--threads", "1"],
                             capture_output=True, text=True, timeout=600)
    assert printed.returncode == 0, printed.stderr
    rows = [line.split("ACC")[0].split(None, 2)[2].strip() for line in printed.stdout.splitlines() if line.startswith("seed 0 ")]
    arms = ["P1", "P1+P2 target=latent", "P1+P2+P3", "P1+P2 target=graph", "P1+P3"]
    assert rows == [f"{arm} ({read_off})" for arm in arms for read_off in ("kmeans", "umap")], printed.stdout


def test_quality_names_an_unknown_read_off(rdc_binary: Path):
    printed = subprocess.run([str(rdc_binary), "quality", "--readoffs", "kmeans,tsne"], capture_output=True, text=True, timeout=60)
    assert printed.returncode != 0
    assert "'kmeans,tsne' is invalid for '--readoffs" in printed.stderr, printed.stderr
