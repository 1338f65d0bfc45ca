# Layer: Python checks (tooling). Protocol behaviour of the `rdc` kernel that the conformance
# suite does not cover: interrupts, the control channel during training, signatures, aborted
# queues, shutdown and restart, progress displays. Touches only kernels it starts.
"""How the R-DC kernel behaves under a Jupyter client while it trains."""

from __future__ import annotations

import re
import time
from queue import Empty

import pytest
from jupyter_client.session import Session

from kernel_client import (
    control_reply, control_request, finish_cell, is_progress_display, read_until, run_cell, running_kernel, shell_reply,
    complete_epochs, start_cell, status_figure,
)

pytestmark = pytest.mark.usefixtures("rdc_kernelspec")

# Long enough that it is still running when the test acts on it; the tests stop it early.
LONG_TRAINING = "pretrain epochs=200"
TRAINING_DATA = "data synthetic n=800 size=16\nmodel conv"


def first_progress(message: dict) -> bool:
    return is_progress_display(message)


def send_control(client, msg_type: str, content: dict | None = None) -> dict:
    """Sends a request on the control channel and returns its reply."""
    return control_request(client, msg_type, content, timeout=5)


def start_training(client):
    """Starts LONG_TRAINING and returns its cell once the first progress update has arrived."""
    training = start_cell(client, LONG_TRAINING)
    read_until(client, training, first_progress, timeout=60)
    return training


def assert_interrupted(training) -> None:
    """The cell ended in exactly the error an interrupt raises."""
    assert training.status == "error"
    assert training.reply["content"]["ename"] == "Interrupted"


def test_interrupt_stops_training_keeps_the_model_and_training_continues():
    with running_kernel() as (_, client):
        assert run_cell(client, TRAINING_DATA).status == "ok"
        training = start_training(client)

        asked = time.monotonic()
        reply = send_control(client, "interrupt_request")
        assert reply["msg_type"] == "interrupt_reply"
        assert reply["content"]["status"] == "ok"

        finish_cell(client, training, timeout=30)
        stopped_after = time.monotonic() - asked
        assert_interrupted(training)
        errors = training.of_type("error")
        assert len(errors) == 1 and errors[0]["content"]["ename"] == "Interrupted"
        assert stopped_after < 10, f"training took {stopped_after:.1f}s to stop after the interrupt"

        status = run_cell(client, "status")
        assert status.status == "ok"
        text = status.result_text()
        assert status_figure(text, "model").startswith("conv")
        epochs_before = complete_epochs(text)
        assert epochs_before < 200

        resumed = run_cell(client, "pretrain epochs=1", timeout=120)
        assert resumed.status == "ok", resumed.reply["content"]
        after = run_cell(client, "status").result_text()
        assert complete_epochs(after) == epochs_before + 1


def test_kernel_manager_interrupt_stops_training():
    """The way notebook front ends interrupt: KernelManager.interrupt_kernel (message mode)."""
    with running_kernel() as (manager, client):
        assert manager.kernel_spec.interrupt_mode == "message"
        assert run_cell(client, "data synthetic n=1000 size=16\nmodel dense").status == "ok"
        training = start_training(client)
        manager.interrupt_kernel()
        # The manager sends interrupt_request on its own control socket; the reply comes back there.
        assert manager._control_socket.poll(5000), "no interrupt_reply on the manager's control socket"
        _, reply = manager.session.recv(manager._control_socket)
        assert reply["header"]["msg_type"] == "interrupt_reply"
        assert reply["content"]["status"] == "ok"
        finish_cell(client, training, timeout=30)
        assert_interrupted(training)
        assert run_cell(client, "echo still here").stdout() == "still here\n"


def test_kernel_info_on_control_is_answered_while_a_cell_trains():
    with running_kernel() as (_, client):
        assert run_cell(client, TRAINING_DATA).status == "ok"
        training = start_training(client)

        asked = time.monotonic()
        info = send_control(client, "kernel_info_request")
        answered_after = time.monotonic() - asked
        assert info["msg_type"] == "kernel_info_reply"
        assert info["content"]["language_info"]["name"] == "rdc"
        assert answered_after < 2, f"kernel_info took {answered_after:.2f}s during training"
        # The cell was still running when the control reply came.
        with pytest.raises(Empty):
            client.get_shell_msg(timeout=0.05)

        send_control(client, "interrupt_request")
        assert finish_cell(client, training, timeout=30).status == "error"


def test_a_message_with_a_bad_signature_is_dropped_and_the_next_one_answered():
    with running_kernel() as (_, client):
        forger = Session(key=b"not-the-connection-key", username=client.session.username)
        forged = forger.msg("kernel_info_request", {})
        forger.send(client.shell_channel.socket, forged)
        with pytest.raises(Empty):
            client.get_shell_msg(timeout=2)
        # Nor did the kernel go busy for it.
        while True:
            try:
                message = client.get_iopub_msg(timeout=0.2)
            except Empty:
                break
            assert message["parent_header"].get("msg_id") != forged["header"]["msg_id"]

        msg_id = client.kernel_info()
        reply = shell_reply(client, msg_id, timeout=10)
        assert reply["msg_type"] == "kernel_info_reply"
        assert run_cell(client, "echo answered").stdout() == "answered\n"


def test_execute_requests_queued_behind_a_failing_cell_are_aborted():
    with running_kernel() as (_, client):
        # Loading the data takes a moment, so the next requests are queued before the failure.
        failing = start_cell(client, "data synthetic n=20000 size=28\nshow losses")
        queued = [start_cell(client, f"echo queued {index}") for index in range(3)]

        finish_cell(client, failing)
        assert failing.status == "error"
        for cell in queued:
            finish_cell(client, cell, timeout=10)
            assert cell.status == "aborted"
            assert cell.stdout() == ""

        # Once the queue is drained, new cells run again.
        assert run_cell(client, "echo after").stdout() == "after\n"
        # Without stop_on_error the queue is not aborted.
        failing = start_cell(client, "show losses", stop_on_error=False)
        follower = start_cell(client, "echo runs anyway")
        assert finish_cell(client, failing).status == "error"
        assert finish_cell(client, follower).status == "ok"
        assert follower.stdout() == "runs anyway\n"


def kernel_process(manager):
    process = manager.provisioner.process
    assert process is not None
    return process


def wait_for_exit(process, timeout: float) -> float:
    """Seconds the process took to exit on its own; fails after ``timeout``."""
    started = time.monotonic()
    while process.poll() is None:
        if time.monotonic() - started > timeout:
            raise AssertionError(f"kernel process {process.pid} still running after {timeout}s")
        time.sleep(0.05)
    return time.monotonic() - started


def test_shutdown_request_exits_the_process_promptly():
    with running_kernel() as (manager, client):
        process = kernel_process(manager)
        assert run_cell(client, "data synthetic n=200 size=16\nmodel conv").status == "ok"
        msg_id = client.shutdown()  # sent on the control channel
        reply = control_reply(client, msg_id, timeout=5)
        assert reply["content"] == {"status": "ok", "restart": False}
        took = wait_for_exit(process, timeout=5)
        assert process.returncode == 0
        print(f"kernel exited {took:.2f}s after shutdown_request")


def test_restart_request_exits_and_the_manager_starts_a_new_kernel():
    with running_kernel() as (manager, client):
        old_process = kernel_process(manager)
        assert run_cell(client, "seed 7").status == "ok"

        started = time.monotonic()
        manager.restart_kernel(now=False)
        took = time.monotonic() - started
        # restart_kernel kills the kernel after 5 s; exit code 0 means it left by itself.
        assert old_process.poll() == 0, f"old kernel ended with {old_process.returncode}"
        assert took < 5 + 10

        new_process = kernel_process(manager)
        assert new_process.pid != old_process.pid
        client.stop_channels()
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            status = run_cell(client, "status").result_text()
            assert status_figure(status, "seed") == "0", "the new kernel is a fresh session"
        finally:
            client.stop_channels()


def test_tracked_measures_show_in_the_progress_display_and_in_history():
    with running_kernel() as (_, client):
        assert run_cell(client, "data synthetic n=512 size=16 classes=4\nmodel dense latent=4").status == "ok"
        training = run_cell(client, "pretrain epochs=2 batch=64 track=1", timeout=180)
        assert training.status == "ok", training.reply["content"]
        progress = [m for m in training.messages if is_progress_display(m)]
        final = progress[-1]["content"]["data"]["text/plain"]
        assert re.match(r"pretrain epoch 2/2 batch 8/8 .* \| tracked ACC=\d", final), final
        for measure in ("NMI=", "silhouette=", "twist=", "drift="):
            assert measure in final, final
        assert "tracked" in progress[-1]["content"]["data"]["text/html"]
        history = run_cell(client, "history").result_text()
        assert "twist" in history and "randomness" not in history, history  # Phase 1 has no targets


def test_training_progress_is_one_display_updated_in_place_ending_on_final_figures():
    with running_kernel() as (_, client):
        assert run_cell(client, "data synthetic n=1024 size=16\nmodel conv").status == "ok"
        training = run_cell(client, "pretrain epochs=3 batch=64", timeout=180)
        assert training.status == "ok", training.reply["content"]

        progress = [m for m in training.messages if is_progress_display(m)]
        assert progress, f"no progress display among {[m['msg_type'] for m in training.messages]}"
        first, updates = progress[0], progress[1:]
        assert first["msg_type"] == "display_data"
        display_id = first["content"]["transient"]["display_id"]
        assert updates, "the progress display was never updated"
        assert all(m["msg_type"] == "update_display_data" for m in updates)
        assert {m["content"]["transient"]["display_id"] for m in updates} == {display_id}
        last = updates[-1]["content"]["data"]
        assert re.match(r"pretrain epoch 3/3 batch 16/16 .*done in \d", last["text/plain"]), last["text/plain"]
        assert 'value="100"' in last["text/html"]
        assert "pretrain: epochs 1–3 done" in training.stdout()
