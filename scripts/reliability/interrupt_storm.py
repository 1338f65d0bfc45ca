#!/usr/bin/env python3
# Layer: Python checks (tooling). The full interrupt storm of the `rdc` kernel (the pytest
# share is Tests/python/test_kernel_reliability.py). Touches a kernel it starts from a
# temporary kernelspec prefix, in a temporary working folder (checkpoints), over loopback.
"""Interrupts training, clustering and drawing at random moments and prints the outcomes; exit status 1 on any failure.

    .venv/bin/python scripts/reliability/interrupt_storm.py --interrupts 120 --seed 7
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "python"))

from kernel_load import interrupt_storm  # noqa: E402
from kernel_wire import kernel_under_test, kernelspec_on_path, machine_description, script_arguments  # noqa: E402


def main() -> int:
    arguments = script_arguments(__doc__.splitlines()[0], "--interrupts", 120, 7)
    print(f"machine: {machine_description()}")
    with kernelspec_on_path(arguments.binary), kernel_under_test() as kernel:
        report = interrupt_storm(kernel, arguments.count, seed=arguments.seed)
    print("uninterrupted durations: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in report.durations.items()))
    print(report.summary())
    print(f"machine: {machine_description()}")
    for failure in report.failures:
        print(f"FAILURE: {failure}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
