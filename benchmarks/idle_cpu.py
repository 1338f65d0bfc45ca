#!/usr/bin/env python3
# Layer: benchmarks (tooling). Measures the CPU an idle `rdc kernel` uses after a training cell:
# starts the release binary on a fresh connection file (loopback), runs one small conv pretrain
# through jupyter_client, then reads utime+stime from /proc/PID/stat over the next seconds.
# Touches a temporary connection file only. Usage: .venv/bin/python benchmarks/idle_cpu.py [SECONDS]
"""CPU share of one core an idle R-DC kernel uses after a training cell (issue 11: must be < 1%)."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TRAINING_CELL = "data synthetic n=1024 size=28\nmodel conv\npretrain epochs=2 batch=128"


def cpu_ticks(pid: int) -> int:
    """User plus system clock ticks the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    binary = PROJECT_ROOT / ".build/release/rdc"
    with tempfile.TemporaryDirectory() as folder:
        connection_file, _ = write_connection_file(str(Path(folder) / "kernel.json"), ip="127.0.0.1")
        environment = dict(os.environ)
        environment.pop("OMP_WAIT_POLICY", None)  # as Jupyter starts it: rdc sets the policy itself
        kernel = subprocess.Popen([str(binary), "kernel", "--connection-file", connection_file],
                                  env=environment, stderr=subprocess.DEVNULL)
        client = BlockingKernelClient()
        client.load_connection_file(connection_file)
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            reply = client.execute_interactive(TRAINING_CELL, timeout=600, output_hook=lambda message: None)
            print(f"training cell: {reply['content']['status']}")
            time.sleep(2)
            before = cpu_ticks(kernel.pid)
            time.sleep(seconds)
            used = cpu_ticks(kernel.pid) - before
            share = used / os.sysconf("SC_CLK_TCK") / seconds * 100
            print(f"idle {seconds:.0f} s after the cell: {used} ticks = {share:.2f}% of one core")
        finally:
            client.shutdown()
            kernel.wait(timeout=10)


if __name__ == "__main__":
    main()
