# Layer: Python checks (tooling). The `rdc` executable as a shell user meets it, checked against
# what the kernel tells Jupyter; touches only the kernel it starts.
"""``rdc --version`` and the kernel's ``kernel_info`` report the same version."""

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
