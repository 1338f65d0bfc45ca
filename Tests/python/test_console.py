# Layer: Python checks (tooling). Drives `jupyter console --kernel rdc` through a pseudo-terminal
# with pexpect; touches a temporary Jupyter runtime folder and the kernel the console starts.
"""A terminal user of ``jupyter console`` can type multi-line R-DC commands and leave cleanly."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.usefixtures("rdc_kernelspec")

JUPYTER = Path(sys.executable).with_name("jupyter")
# prompt_toolkit colours the prompt, so escape sequences may sit between any two characters.
ESCAPES = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"


def on_screen(text: str) -> str:
    """A pattern for ``text`` as the terminal shows it, escape sequences allowed in between."""
    return ESCAPES.join(re.escape(character) for character in text)


def kernels_using(runtime_dir: Path) -> list[int]:
    """Process ids whose command line names a connection file in ``runtime_dir``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if " kernel " in command_line and str(runtime_dir) in command_line:
            found.append(int(entry.name))
    return found


def test_console_continues_a_backslash_line_reports_an_open_quote_and_exits(tmp_path: Path):
    runtime_dir = tmp_path / "runtime"
    environment = {**os.environ, "TERM": "xterm", "JUPYTER_RUNTIME_DIR": str(runtime_dir)}
    console = pexpect.spawn(str(JUPYTER), ["console", "--kernel", "rdc"], env=environment, cwd=str(tmp_path),
                            encoding="utf-8", timeout=60, dimensions=(40, 120))
    try:
        console.expect(on_screen("R-DC "))  # the kernel's banner
        console.expect(on_screen("In [1]: "))
        assert len(kernels_using(runtime_dir)) == 1

        # The kernel's is_complete answers "incomplete" for a trailing backslash: the console
        # shows its continuation prompt instead of running the line.
        console.send("echo first \\\r")
        console.expect(on_screen("...: "))
        console.send("second\r")
        console.expect(on_screen("first second"))
        console.expect(on_screen("In [2]: "))

        console.send("pretrane\r")
        console.expect(on_screen("did you mean"), timeout=10)
        console.expect(on_screen("In [3]: "))

        # An unclosed quote is "invalid" (quotes never span lines): the console runs the line at
        # once and shows the error instead of a continuation prompt.
        console.send('data csv path="x\r')
        shown = console.expect([on_screen("unclosed quote"), on_screen("...: ")], timeout=10)
        assert shown == 0, "the console asked for another line after an unclosed quote"
        console.expect(on_screen("In [4]: "))

        console.sendcontrol("d")
        console.expect(on_screen("Do you really want to exit"))
        console.send("y\r")
        console.expect(pexpect.EOF, timeout=30)
    finally:
        console.close(force=True)
    assert console.exitstatus == 0, f"console exited with {console.exitstatus}, signal {console.signalstatus}"

    # The console shut its kernel down on the way out.
    deadline = time.monotonic() + 5
    while kernels_using(runtime_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert kernels_using(runtime_dir) == []
