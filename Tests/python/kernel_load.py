# Layer: Python checks (tooling). The `rdc` kernel under load through jupyter_client: an
# interrupt storm (interrupt_request at random moments of training, clustering and drawing)
# and a soak of many small execute requests measuring memory and latency. Touches only the
# kernel it is given (over loopback) and checkpoint files in that kernel's scratch folder.
# Used by test_kernel_reliability.py (bounded shares) and scripts/reliability/ (full runs).
"""Interrupt storm and soak of a running kernel, deterministic for a given seed."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

from kernel_client import CellRun, complete_epochs, control_request, finish_cell, run_cell, start_cell
from kernel_wire import KernelUnderTest

# A small session: 512 images of 16×16, a dense model trained one epoch, a first clustering.
SESSION_SETUP = "data synthetic n=512 size=16 classes=4\nmodel dense\npretrain epochs=1\ncluster k=4 restarts=2"
# What is interrupted: a name (for the figures) and its cell. Training checks the interrupt
# between batches, so small batches give it many chances (16 per epoch here).
INTERRUPTED_CELLS = {
    "pretrain": "pretrain epochs=2 batch=32",
    "refine": "refine epochs=2 batch=32",
    "cluster": "cluster k=4 restarts=40",
    "show interpolations": "show interpolations pairs=16 steps=16",
    "show reconstructions": "show reconstructions count=64",
    "show embedding": "show embedding points=512",
    "show clusters": "show clusters members=20",
}
# A new file per round: saving twice onto one file is issue 10's save bug, fixed elsewhere.
CHECKPOINT = "storm-{round}.ckpt"


@dataclass
class InterruptReport:
    """Outcomes of an interrupt storm, per activity."""

    seed: int
    interrupted: Counter = field(default_factory=Counter)   # ended with the one Interrupted error
    completed: Counter = field(default_factory=Counter)     # finished before the interrupt took effect
    durations: dict[str, float] = field(default_factory=dict)
    consistency_checks: int = 0
    save_load_rounds: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.interrupted.values()) + sum(self.completed.values())

    def summary(self) -> str:
        rows = ", ".join(f"{name} {self.interrupted[name]}+{self.completed[name]}" for name in INTERRUPTED_CELLS)
        return (f"seed {self.seed}: {self.total} interrupts in {self.seconds:.0f} s, "
                f"{sum(self.interrupted.values())} ended with one Interrupted error, "
                f"{sum(self.completed.values())} had finished first (per activity interrupted+finished: {rows}); "
                f"{self.consistency_checks} status checks, {self.save_load_rounds} save/load/pretrain rounds; "
                f"{len(self.failures)} failures")


def pretrain_epochs(client) -> int:
    cell = run_cell(client, "status")
    assert cell.status == "ok", cell.reply["content"]
    return complete_epochs(cell.result_text())


def interrupt_storm(kernel: KernelUnderTest, interrupts: int, seed: int, log=print) -> InterruptReport:
    """Interrupts ``interrupts`` cells at random moments; checks the session after each one."""
    rng = random.Random(seed)
    report = InterruptReport(seed=seed)
    client = kernel.client
    started = time.monotonic()
    setup = run_cell(client, SESSION_SETUP, timeout=300)
    assert setup.status == "ok", setup.reply["content"]
    for name, code in INTERRUPTED_CELLS.items():  # how long each runs uninterrupted sets the random delays
        began = time.monotonic()
        cell = run_cell(client, code, timeout=300)
        assert cell.status == "ok", (name, cell.reply["content"])
        report.durations[name] = time.monotonic() - began
    names = list(INTERRUPTED_CELLS)
    for index in range(interrupts):
        name = names[index % len(names)] if index < len(names) else rng.choice(names)
        try:
            outcome = interrupt_one(client, INTERRUPTED_CELLS[name], rng.uniform(0, 1.1 * report.durations[name]))
            (report.interrupted if outcome == "interrupted" else report.completed)[name] += 1
            assert run_cell(client, "status").status == "ok", "status failed after an interrupt"
            report.consistency_checks += 1
            if index % 10 == 9:
                check_training_continues(client, CHECKPOINT.format(round=index // 10))
                report.save_load_rounds += 1
        except AssertionError as problem:
            report.failures.append(f"interrupt {index + 1} ({name}): {problem}")
            break
        if index % 10 == 9:
            report.seconds = time.monotonic() - started
            log(f"{index + 1} interrupts: {report.summary()}")
    report.seconds = time.monotonic() - started
    return report


def interrupt_one(client, code: str, delay: float) -> str:
    """Starts ``code``, interrupts it after ``delay`` s; returns "interrupted" or "completed"."""
    cell = start_cell(client, code)
    time.sleep(delay)
    reply = control_request(client, "interrupt_request")
    assert reply["msg_type"] == "interrupt_reply" and reply["content"]["status"] == "ok", reply["content"]
    finish_cell(client, cell, timeout=120)
    return classify(cell)


def classify(cell: CellRun) -> str:
    """One Interrupted error and an error reply, or no error at all and an ok reply."""
    errors = cell.of_type("error")
    if cell.status == "ok":
        assert not errors, f"an ok cell published errors: {errors}"
        return "completed"
    assert cell.status == "error", cell.reply["content"]
    assert len(errors) == 1, f"{len(errors)} error messages: {[e['content'] for e in errors]}"
    assert errors[0]["content"]["ename"] == "Interrupted", errors[0]["content"]
    assert cell.reply["content"]["ename"] == "Interrupted", cell.reply["content"]
    return "interrupted"


def check_training_continues(client, checkpoint: str) -> None:
    """save → load → pretrain epochs=1: the loaded model trains on from where it was saved."""
    saved = run_cell(client, f"save {checkpoint}")
    assert saved.status == "ok", f"save failed: {saved.reply['content']}"
    before = pretrain_epochs(client)
    loaded = run_cell(client, f"load {checkpoint}")
    assert loaded.status == "ok", f"load failed: {loaded.reply['content']}"
    assert pretrain_epochs(client) == before, "load changed the number of pretrain epochs"
    trained = run_cell(client, "pretrain epochs=1", timeout=300)
    assert trained.status == "ok", f"pretrain after load failed: {trained.reply['content']}"
    assert pretrain_epochs(client) == before + 1, "pretrain epochs=1 did not add one epoch"


# -- soak ----------------------------------------------------------------------------------------
SOAK_SETUP = "data synthetic n=256 size=16 classes=4\nmodel dense"
SOAK_CELLS = ("status", "help", "help show", "show samples count=8", "show reconstructions count=4", "echo soak")


@dataclass
class SoakReport:
    """Latencies and memory of a soak."""

    seed: int
    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    memory_kib: list[tuple[int, int]] = field(default_factory=list)  # (requests so far, VmRSS)
    warm_up: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def memory_growth(self) -> float:
        """Growth of VmRSS from the end of warm-up to the end, as a fraction."""
        warm = next(kib for count, kib in self.memory_kib if count >= self.warm_up)
        return (self.memory_kib[-1][1] - warm) / warm

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def summary(self) -> str:
        warm = next(kib for count, kib in self.memory_kib if count >= self.warm_up)
        return (f"seed {self.seed}: {self.requests} execute requests in {self.seconds:.0f} s; latency p50 "
                f"{self.percentile(0.5) * 1000:.1f} ms, p99 {self.percentile(0.99) * 1000:.1f} ms, max "
                f"{max(self.latencies) * 1000:.1f} ms, mean {statistics.fmean(self.latencies) * 1000:.1f} ms; VmRSS "
                f"{warm / 1024:.1f} MiB after {self.warm_up} warm-up requests, {self.memory_kib[-1][1] / 1024:.1f} MiB "
                f"at the end ({self.memory_growth * 100:+.2f}%); {len(self.failures)} failures")


def soak(kernel: KernelUnderTest, requests: int, seed: int, warm_up: int, log=print, sample_every: int = 500) -> SoakReport:
    """Runs ``requests`` small cells one after another, timing each and sampling memory."""
    rng = random.Random(seed)
    report = SoakReport(seed=seed, warm_up=warm_up)
    client = kernel.client
    setup = run_cell(client, SOAK_SETUP, timeout=300)
    assert setup.status == "ok", setup.reply["content"]
    started = time.monotonic()
    report.memory_kib.append((0, kernel.resident_kib()))
    for index in range(1, requests + 1):
        code = rng.choice(SOAK_CELLS)
        began = time.perf_counter()
        cell = run_cell(client, code, timeout=60)
        report.latencies.append(time.perf_counter() - began)
        report.requests = index
        if cell.status != "ok":
            report.failures.append(f"request {index} `{code}`: {cell.reply['content']}")
            break
        if index % sample_every == 0 or index == warm_up or index == requests:
            report.memory_kib.append((index, kernel.resident_kib()))
            if index % (sample_every * 4) == 0:
                log(f"{index} requests, VmRSS {report.memory_kib[-1][1] / 1024:.1f} MiB")
    report.seconds = time.monotonic() - started
    return report
