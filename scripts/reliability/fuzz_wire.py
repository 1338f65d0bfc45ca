#!/usr/bin/env python3
# Layer: Python checks (tooling). The full wire-fuzzing run of the `rdc` kernel (the pytest
# share is Tests/python/test_kernel_reliability.py). Touches a kernel it starts from a
# temporary kernelspec prefix, in a temporary working folder, over loopback.
"""Fuzzes every channel of a fresh `rdc` kernel and prints the figures; exit status 1 on any failure.

    .venv/bin/python scripts/reliability/fuzz_wire.py --messages 100000 --seed 20260101
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "python"))

from kernel_wire import kernel_under_test, kernelspec_on_path, machine_description, script_arguments  # noqa: E402
from wire_fuzzer import WireFuzzer  # noqa: E402


def main() -> int:
    arguments = script_arguments(__doc__.splitlines()[0], "--messages", 100_000, 20260101)
    print(f"machine: {machine_description()}")
    with kernelspec_on_path(arguments.binary), kernel_under_test() as kernel:
        fuzzer = WireFuzzer(kernel, seed=arguments.seed)
        try:
            report = fuzzer.run(arguments.count)
        finally:
            fuzzer.close()
        dropped = sum("dropped a message" in line for line in kernel.log_lines())
        alive = kernel.is_alive()
    for kind, count in sorted(report.kinds.items()):
        print(f"  {kind:40} {count}")
    print(report.summary())
    print(f"kernel alive at the end: {alive}; dropped messages it logged: {dropped}")
    print(f"machine: {machine_description()}")
    for failure in report.failures:
        print(f"FAILURE: {failure}")
    return 1 if report.failures or not alive else 0


if __name__ == "__main__":
    sys.exit(main())
