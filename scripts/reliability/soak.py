#!/usr/bin/env python3
# Layer: Python checks (tooling). The full soak of the `rdc` kernel (the pytest share is
# Tests/python/test_kernel_reliability.py). Touches a kernel it starts from a temporary
# kernelspec prefix, in a temporary working folder, over loopback.
"""Runs many small execute requests and prints latency percentiles and memory growth; exit status 1 on any failure.

    .venv/bin/python scripts/reliability/soak.py --requests 20000 --seed 11
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "python"))

from kernel_load import soak  # noqa: E402
from kernel_wire import kernel_under_test, kernelspec_on_path, machine_description, script_arguments  # noqa: E402

WARM_UP_SHARE = 0.1  # the first tenth of the requests grows caches and pools once


def main() -> int:
    arguments = script_arguments(__doc__.splitlines()[0], "--requests", 20_000, 11)
    print(f"machine: {machine_description()}")
    with kernelspec_on_path(arguments.binary), kernel_under_test() as kernel:
        report = soak(kernel, arguments.count, seed=arguments.seed, warm_up=int(arguments.count * WARM_UP_SHARE))
    print("VmRSS samples (requests: MiB): " + ", ".join(f"{count}: {kib / 1024:.1f}" for count, kib in report.memory_kib))
    print(report.summary())
    print(f"machine: {machine_description()}")
    for failure in report.failures:
        print(f"FAILURE: {failure}")
    return 1 if report.failures or report.memory_growth >= 0.05 else 0


if __name__ == "__main__":
    sys.exit(main())
