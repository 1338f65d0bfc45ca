# Layer: Python checks (tooling). Bounded shares of the kernel reliability runs (the full
# counts run from scripts/reliability/): wire fuzzing on every channel, interrupts at random
# moments, and a soak of small execute requests. Touches only kernels it starts, each in a
# temporary working folder, over loopback.
"""The R-DC kernel under hostile input, interrupts and load: it never crashes or hangs, never
answers a forged message, keeps its session consistent and its memory bounded.

Seeds are fixed and printed; a failure is replayed with the same seed through the scripts in
scripts/reliability/. Speed is printed, never asserted.
"""

from __future__ import annotations

import pytest

from kernel_load import interrupt_storm, soak
from kernel_wire import kernel_under_test
from wire_fuzzer import CHANNELS, WireFuzzer

pytestmark = pytest.mark.usefixtures("rdc_kernelspec")

FUZZ_SEED = 20260101
FUZZ_MESSAGES = 3000
INTERRUPT_SEED = 7
INTERRUPTS = 10
SOAK_SEED = 11
SOAK_REQUESTS = 1000
SOAK_WARM_UP = 300


def test_fuzzed_wire_messages_on_every_channel_never_crash_or_get_answered():
    with kernel_under_test() as kernel:
        fuzzer = WireFuzzer(kernel, seed=FUZZ_SEED)
        try:
            report = fuzzer.run(FUZZ_MESSAGES, wave_size=1000)
        finally:
            fuzzer.close()
        print(report.summary())
        assert not report.failures, "\n".join(report.failures)
        assert all(report.sent[channel] > 0 for channel in CHANNELS), report.sent
        assert report.forbidden_sent > FUZZ_MESSAGES // 2
        assert kernel.is_alive()
        dropped = sum("dropped a message" in line for line in kernel.log_lines())
        assert dropped > 0, "the kernel logged none of the messages it dropped"


def test_interrupts_at_random_moments_end_cells_cleanly_and_keep_the_session():
    with kernel_under_test() as kernel:
        report = interrupt_storm(kernel, INTERRUPTS, seed=INTERRUPT_SEED)
        print(report.summary())
        assert not report.failures, "\n".join(report.failures)
        assert report.total == INTERRUPTS
        assert report.save_load_rounds == INTERRUPTS // 10


def test_soak_of_small_requests_keeps_memory_flat():
    with kernel_under_test() as kernel:
        report = soak(kernel, SOAK_REQUESTS, seed=SOAK_SEED, warm_up=SOAK_WARM_UP)
        print(report.summary())
        assert not report.failures, "\n".join(report.failures)
        assert report.requests == SOAK_REQUESTS
        assert report.memory_growth < 0.05, report.memory_kib
