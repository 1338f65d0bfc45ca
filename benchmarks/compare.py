# Layer: benchmarks (tooling). Standard library only; reads two benchmark reports, prints.
"""Prints the Swift (`rdc bench --format json`) timings side by side with one or more references:
PyTorch (torch_reference.py) first, then e.g. faiss and scikit-learn (hotpaths_reference.py).

Both reports have the shape
  {"implementation", "version", "threads", "batch", "gemm_gflops",
   "cases": [{"name", "ms_per_step", "mean_ms", optional "gflops"}]}.
Per case: Swift ms/step, the reference's ms/step, their ratio (above 1: Swift is slower) and, when
Swift's report gives a case's achieved GFLOP/s, that as a share of Swift's own GEMM peak.
A report may carry "load_average_before"; a busy machine is flagged, since it skews timings.
The first reference's table lists every case; later ones only the cases they also timed.
Swift's report may name its CPU ("cpu") and oneDNN's version and instruction set ("onednn").

Usage: benchmarks/compare.py SWIFT.json REFERENCE.json [REFERENCE.json ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


# A 1-minute load average at or above this when a run starts means other work was running.
BUSY_LOAD_AVERAGE = 1.0


class ReportError(Exception):
    """A report file that is missing, is not JSON, or lacks a required field."""


def load_report(path: Path) -> dict:
    """Reads a report and checks the fields the comparison uses."""
    try:
        report = json.loads(path.read_text())
    except OSError as error:
        raise ReportError(f"cannot read {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise ReportError(f"{path} is not JSON: {error}") from error
    if not isinstance(report, dict):
        raise ReportError(f"{path}: expected a JSON object at the top level")
    for field in ("implementation", "threads", "cases"):
        if field not in report:
            raise ReportError(f"{path}: missing field '{field}'")
    if not isinstance(report["cases"], list):
        raise ReportError(f"{path}: 'cases' must be a list")
    for index, case in enumerate(report["cases"]):
        if not isinstance(case, dict):
            raise ReportError(f"{path}: cases[{index}] must be an object")
        for field in ("name", "ms_per_step"):
            if field not in case:
                raise ReportError(f"{path}: cases[{index}] is missing '{field}'")
        if not isinstance(case["ms_per_step"], (int, float)) or case["ms_per_step"] <= 0:
            raise ReportError(f"{path}: cases[{index}].ms_per_step must be a positive number")
    return report


def comparison_rows(swift: dict, pytorch: dict, shared_only: bool = False) -> list[dict]:
    """One row per case name (Swift's order first, then cases only the reference has); with
    `shared_only`, only the cases both timed."""
    swift_cases = {case["name"]: case for case in swift["cases"]}
    pytorch_cases = {case["name"]: case for case in pytorch["cases"]}
    names = list(swift_cases) + [name for name in pytorch_cases if name not in swift_cases]
    if shared_only:
        names = [name for name in names if name in swift_cases and name in pytorch_cases]
    gemm_peak = swift.get("gemm_gflops")
    rows = []
    for name in names:
        swift_case, pytorch_case = swift_cases.get(name), pytorch_cases.get(name)
        swift_ms = swift_case["ms_per_step"] if swift_case else None
        pytorch_ms = pytorch_case["ms_per_step"] if pytorch_case else None
        swift_gflops = swift_case.get("gflops") if swift_case else None
        rows.append({
            "name": name,
            "swift_ms": swift_ms,
            "pytorch_ms": pytorch_ms,
            "ratio": swift_ms / pytorch_ms if swift_ms and pytorch_ms else None,
            "swift_gflops": swift_gflops,
            "share_of_gemm_peak": swift_gflops / gemm_peak if swift_gflops and gemm_peak else None,
        })
    return rows


def describe(report: dict) -> str:
    gemm = report.get("gemm_gflops")
    gemm_text = f", GEMM 1024³ {gemm:.1f} GFLOP/s" if isinstance(gemm, (int, float)) else ""
    return (f"{report['implementation']} {report.get('version', '?')}: {report['threads']} threads, "
            f"batch {report.get('batch', '?')}{gemm_text}")


def format_comparison(swift: dict, pytorch: dict, shared_only: bool = False) -> str:
    """The comparison as a readable table, with a warning when the runs are not like for like."""
    def cell(value, pattern: str) -> str:
        return "—" if value is None else pattern.format(value)

    name = pytorch["implementation"]
    lines = [describe(swift), describe(pytorch)]
    for field in ("threads", "batch"):
        if field in pytorch and swift.get(field) != pytorch.get(field):
            lines.append(f"warning: {field} differ ({swift.get(field)} vs {pytorch.get(field)}): not like for like")
    for report in (swift, pytorch):
        load = report.get("load_average_before")
        if isinstance(load, (int, float)) and load >= BUSY_LOAD_AVERAGE:
            lines.append(f"warning: {report['implementation']} started with load average {load:.2f}: "
                         "other work shared the cores, its figures are unreliable")
    lines += ["", f"{'case':<12} {'swift ms':>10} {name + ' ms':>11} {'swift/' + name:>14} "
                  f"{'swift GFLOP/s':>14} {'of swift GEMM':>14}"]
    for row in comparison_rows(swift, pytorch, shared_only):
        lines.append(
            f"{row['name']:<12} {cell(row['swift_ms'], '{:.2f}'):>10} {cell(row['pytorch_ms'], '{:.2f}'):>11} "
            f"{cell(row['ratio'], '{:.2f}x'):>14} {cell(row['swift_gflops'], '{:.1f}'):>14} "
            f"{cell(row['share_of_gemm_peak'], '{:.0%}'):>14}")
    return "\n".join(lines)


def machine(swift: dict) -> str:
    """The CPU and oneDNN line of Swift's report, when it has one."""
    if "cpu" not in swift and "onednn" not in swift:
        return ""
    return (f"CPU {swift.get('cpu', '?')}; convolutions on {swift.get('backend', '?')} "
            f"({swift.get('onednn', 'oneDNN not reported')})\n")


def main(arguments: list[str]) -> int:
    if len(arguments) < 2:
        print("usage: compare.py SWIFT.json REFERENCE.json [REFERENCE.json ...]", file=sys.stderr)
        return 2
    try:
        swift, *references = (load_report(Path(argument)) for argument in arguments)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    sections = [format_comparison(swift, reference, shared_only=index > 0) for index, reference in enumerate(references)]
    print(machine(swift) + "\n\n".join(sections))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
