# Layer: Python checks (tooling). Checks benchmarks/compare.py on reports written to a
# temporary folder; touches nothing else.
"""compare.py pairs Swift and PyTorch cases by name and refuses malformed reports."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

COMPARE = Path(__file__).resolve().parents[2] / "benchmarks" / "compare.py"
sys.path.insert(0, str(COMPARE.parent))
import compare  # noqa: E402


def report(implementation: str, gemm: float, cases: list) -> dict:
    return {"implementation": implementation, "version": "1", "threads": 2, "batch": 256,
            "gemm_gflops": gemm, "cases": cases}


SWIFT = report("swift", 100.0, [
    {"name": "dense", "ms_per_step": 30.0, "mean_ms": 31.0, "gflops": 40.0},
    {"name": "conv", "ms_per_step": 50.0, "mean_ms": 52.0},
])
PYTORCH = report("pytorch", 150.0, [
    {"name": "conv", "ms_per_step": 20.0, "mean_ms": 21.0},
    {"name": "dense", "ms_per_step": 12.0, "mean_ms": 12.5},
    {"name": "conv+acai", "ms_per_step": 44.0, "mean_ms": 45.0},
])


def test_rows_pair_cases_by_name_with_ratio_and_share_of_swift_gemm_peak():
    rows = {row["name"]: row for row in compare.comparison_rows(SWIFT, PYTORCH)}

    assert list(rows) == ["dense", "conv", "conv+acai"]
    assert rows["dense"]["ratio"] == pytest.approx(2.5)
    assert rows["dense"]["share_of_gemm_peak"] == pytest.approx(0.4)
    assert rows["conv"]["ratio"] == pytest.approx(2.5)
    assert rows["conv"]["share_of_gemm_peak"] is None
    assert rows["conv+acai"]["swift_ms"] is None and rows["conv+acai"]["ratio"] is None


def test_command_prints_table_and_warns_when_thread_counts_differ(tmp_path: Path):
    swift_path, pytorch_path = tmp_path / "swift.json", tmp_path / "pytorch.json"
    swift_path.write_text(json.dumps(SWIFT))
    pytorch_path.write_text(json.dumps(dict(PYTORCH, threads=4)))

    result = subprocess.run([sys.executable, str(COMPARE), str(swift_path), str(pytorch_path)],
                            capture_output=True, text=True, check=True)

    dense_line = next(line for line in result.stdout.splitlines() if line.startswith("dense "))
    assert dense_line.split() == ["dense", "30.00", "12.00", "2.50x", "40.0", "40%"]
    assert "warning: threads differ (2 vs 4)" in result.stdout
    assert "load average" not in result.stdout


def test_busy_machine_is_flagged():
    text = compare.format_comparison(SWIFT, dict(PYTORCH, load_average_before=3.5))

    assert "warning: pytorch started with load average 3.50" in text
    assert "swift started" not in text


@pytest.mark.parametrize("content, message", [
    ("not json", "is not JSON"),
    (json.dumps({"implementation": "swift", "threads": 2}), "missing field 'cases'"),
    (json.dumps(report("swift", 1.0, [{"name": "dense"}])), "cases[0] is missing 'ms_per_step'"),
    (json.dumps(report("swift", 1.0, [{"name": "dense", "ms_per_step": 0}])), "must be a positive number"),
])
def test_command_rejects_malformed_report_naming_the_problem(tmp_path: Path, content: str, message: str):
    bad_path, good_path = tmp_path / "bad.json", tmp_path / "good.json"
    bad_path.write_text(content)
    good_path.write_text(json.dumps(PYTORCH))

    result = subprocess.run([sys.executable, str(COMPARE), str(bad_path), str(good_path)],
                            capture_output=True, text=True)

    assert result.returncode == 1
    assert message in result.stderr and str(bad_path) in result.stderr


def test_later_references_list_only_the_cases_they_timed(tmp_path: Path):
    faiss = {"implementation": "faiss", "version": "1", "threads": 2,
             "cases": [{"name": "conv", "ms_per_step": 100.0, "mean_ms": 100.0}]}
    paths = []
    for name, content in (("swift", dict(SWIFT, cpu="AMD EPYC", onednn="oneDNN 2.6.3, avx2", backend="onednn")),
                          ("pytorch", PYTORCH), ("faiss", faiss)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(content))

    result = subprocess.run([sys.executable, str(COMPARE), *map(str, paths)], capture_output=True, text=True, check=True)

    faiss_section = result.stdout.split("faiss 1:")[1]
    assert result.stdout.startswith("CPU AMD EPYC; convolutions on onednn (oneDNN 2.6.3, avx2)")
    faiss_rows = [line.split() for line in faiss_section.splitlines() if line.startswith(("dense ", "conv "))]
    assert faiss_rows == [["conv", "50.00", "100.00", "0.50x", "—", "—"]]
    assert "batch differ" not in result.stdout
