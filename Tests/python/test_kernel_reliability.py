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

import time

import pytest
import zmq

from kernel_load import interrupt_storm, soak
from kernel_wire import kernel_under_test
from wire_fuzzer import CHANNELS, WireFuzzer

pytestmark = pytest.mark.usefixtures("rdc_kernelspec")

FUZZ_SEED = 20260101
FUZZ_MESSAGES = 3000
INTERRUPT_SEED = 7
INTERRUPTS = 10
SOAK_SEED = 11
STALLED_PINGS = 1200
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


def test_a_peer_that_stopped_reading_and_sent_a_ping_without_envelope_costs_no_other_client_its_heartbeat():
    """The wire fuzzer's intermittent "no heartbeat echo" (seed 20260101, wave 3), replayed on purpose.

    A libzmq REP socket that drops a request without an empty envelope frame from a peer it
    cannot write to (gone, or its queue full) keeps a "reply under way" flag set
    (router_t::rollback resets it only when it has a pipe), so it loses the reply to the next
    request, whoever sent it. A heartbeat client pinging once and waiting then sees a dead kernel."""
    with kernel_under_test() as kernel:
        context = zmq.Context()
        stalled = context.socket(zmq.DEALER)
        stalled.linger = 0
        stalled.rcvhwm = 1
        try:
            stalled.connect(kernel.endpoint("hb"))
            assert kernel.heartbeat_answers(context, timeout=30)
            # More echoes than the kernel queues for one peer (1,000), none of them read.
            for _ in range(STALLED_PINGS):
                stalled.send_multipart([b"", b"x" * 60_000])
            stalled.send_multipart([b"no envelope", b"ping"])
            deadline = time.monotonic() + 5
            pings = 0
            while time.monotonic() < deadline:
                assert kernel.heartbeat_answers(context, timeout=30), f"ping {pings + 1} after the stalled peer's was lost"
                pings += 1
            assert kernel.is_alive()
        finally:
            stalled.close()
            context.term()


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
