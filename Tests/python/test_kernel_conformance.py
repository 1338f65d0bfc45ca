# Layer: Python checks (tooling). Runs jupyter_kernel_test's protocol suite against the
# installed `rdc` kernel; touches only kernels it starts through the `rdc_kernelspec` fixture.
"""The R-DC kernel passes the Jupyter community's kernel conformance suite.

Every attribute of ``KernelTests`` is set, so none of its tests is skipped: a skipped check
would be a check that did not happen.
"""

from __future__ import annotations

import pytest
# Imported as a module: base classes bound to names in this module would be collected and run
# against the default python3 kernel, every test skipped.
import jupyter_kernel_test

# Session-scoped, so it runs before the TestCase's setUpClass starts the kernel.
pytestmark = pytest.mark.usefixtures("rdc_kernelspec")


class RDCKernelConformanceTests(jupyter_kernel_test.KernelTests):
    """jupyter_kernel_test's messaging checks with R-DC samples for each of them."""

    kernel_name = "rdc"
    language_name = "rdc"
    file_extension = ".rdc"

    code_hello_world = "echo hello, world"
    code_stderr = "echo oops stream=stderr"

    completion_samples = [
        {"text": "pretr", "matches": {"pretrain"}},
        {"text": "show rec", "matches": {"reconstructions"}},
        {"text": "pretrain epo", "matches": {"epochs="}},
    ]
    complete_code_samples = ["status", "echo hello", "pretrain epochs=2 \\\n  lr=0.001", "# only a comment"]
    incomplete_code_samples = ["pretrain epochs=2 \\", "echo first \\\n  second \\"]
    # Quoted strings never span lines: an unclosed quote can never be completed.
    invalid_code_samples = ["pretrane epochs=2", "model conv latent=ten", 'data csv path="x', 'data csv path="a\nb"']

    code_page_something = "?pretrain"

    # A value out of range is refused when the cell is parsed, before anything runs: the
    # cell's only output is the error.
    code_generate_error = "echo never printed\npretrain epochs=0"

    # `status` on a session reset to nothing (seed 0, one compute thread) is one table, the cell's
    # last output, so it comes back as the execute_result with a known text.
    code_execute_result = [
        {
            "code": "seed 0\nthreads 1\nreset\nstatus",
            "mime": "text/plain",
            "result": "\n".join([
                "session",
                "item        value",
                "----------  -----------------------------------------------",
                "data        none (load with `data NAME`)",
                "model       none (build with `model dense` or `model conv`)",
                "clustering  none",
                "threads     1",
                "backend     onednn (convolutions; `backend` for details)",
                "seed        0",
            ]),
        }
    ]
    code_history_pattern = "seed 0*status"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": "data synthetic n=64 size=16\nshow samples count=16", "mime": "image/png"},
    ]

    code_inspect_sample = "pretrain"
    code_clear_output = "echo about to clear\nclear"


class RDCIopubWelcomeTests(jupyter_kernel_test.IopubWelcomeTests):
    """The kernel greets each new IOPub subscriber with ``iopub_welcome`` (JEP 65)."""

    kernel_name = "rdc"
    support_iopub_welcome = True
