# Layer: Python checks (tooling). Small helpers over jupyter_client for the behaviour checks:
# start an `rdc` kernel, run a cell and gather what it published. Touches only the kernels
# they start.
"""Helpers to drive an ``rdc`` kernel through jupyter_client and read back a cell's messages."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from queue import Empty

from jupyter_client import BlockingKernelClient, KernelManager

KERNEL_NAME = "rdc"
STARTUP_TIMEOUT = 60


@dataclass
class CellRun:
    """What one execute request produced: its reply and its IOPub messages, in order."""

    msg_id: str
    reply: dict | None = None
    messages: list[dict] = field(default_factory=list)

    @property
    def status(self) -> str:
        assert self.reply is not None, f"no execute_reply for {self.msg_id}"
        return self.reply["content"]["status"]

    def of_type(self, *types: str) -> list[dict]:
        """The IOPub messages of the given types."""
        return [message for message in self.messages if message["msg_type"] in types]

    def stdout(self) -> str:
        return "".join(m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stdout")

    def result_text(self) -> str:
        """The text/plain of the cell's execute_result."""
        results = self.of_type("execute_result")
        assert len(results) == 1, f"expected one execute_result, got {[m['msg_type'] for m in self.messages]}"
        return results[0]["content"]["data"]["text/plain"]


@contextmanager
def running_kernel(**start_options) -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    """A started ``rdc`` kernel and a ready client; the kernel is stopped afterwards.

    ``start_options`` go to ``KernelManager.start_kernel`` (e.g. ``cwd``, ``stderr``, ``extra_arguments``).
    """
    manager = KernelManager(kernel_name=KERNEL_NAME)
    manager.start_kernel(**start_options)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=STARTUP_TIMEOUT)
        yield manager, client
    finally:
        client.stop_channels()
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)


def start_cell(client: BlockingKernelClient, code: str, **options) -> CellRun:
    """Sends an execute request without waiting for it."""
    return CellRun(client.execute(code, **options))


def read_until(client: BlockingKernelClient, cell: CellRun, done: Callable[[dict], bool], timeout: float) -> dict:
    """Reads the cell's IOPub messages (keeping them) until one satisfies ``done``; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out after {timeout}s; cell published {[m['msg_type'] for m in cell.messages]}")
        try:
            message = client.get_iopub_msg(timeout=min(remaining, 1.0))
        except Empty:
            continue
        if message["parent_header"].get("msg_id") != cell.msg_id:
            continue
        if message["msg_type"] != "status":
            cell.messages.append(message)
        if done(message):
            return message


def finish_cell(client: BlockingKernelClient, cell: CellRun, timeout: float = 60) -> CellRun:
    """Waits for the cell's idle status and its execute_reply."""
    read_until(client, cell, lambda m: m["msg_type"] == "status" and m["content"]["execution_state"] == "idle", timeout)
    cell.reply = shell_reply(client, cell.msg_id, timeout=10)
    return cell


def run_cell(client: BlockingKernelClient, code: str, timeout: float = 60, **options) -> CellRun:
    """Runs ``code`` and returns everything it published once the kernel is idle again."""
    return finish_cell(client, start_cell(client, code, **options), timeout)


def shell_reply(client: BlockingKernelClient, msg_id: str, timeout: float) -> dict:
    """The shell reply to ``msg_id``, skipping replies to other requests."""
    return channel_reply(client.get_shell_msg, msg_id, timeout)


def control_reply(client: BlockingKernelClient, msg_id: str, timeout: float) -> dict:
    """The control reply to ``msg_id``, skipping replies to other requests."""
    return channel_reply(client.get_control_msg, msg_id, timeout)


def control_request(client: BlockingKernelClient, msg_type: str, content: dict | None = None, timeout: float = 10) -> dict:
    """Sends a request on the control channel and returns its reply."""
    request = client.session.msg(msg_type, content or {})
    client.control_channel.send(request)
    return control_reply(client, request["header"]["msg_id"], timeout=timeout)


def channel_reply(receive: Callable[..., dict], msg_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        reply = receive(timeout=max(0.01, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def status_figure(status_text: str, item: str) -> str:
    """The value of one row of the ``status`` table, e.g. ``status_figure(text, "pretrain epochs")``."""
    match = re.search(rf"^{re.escape(item)}\s+(.+)$", status_text, re.MULTILINE)
    assert match, f"no `{item}` row in the status table:\n{status_text}"
    return match.group(1).strip()


def complete_epochs(status_text: str, phase: str = "pretrain") -> int:
    """Whole epochs of ``phase`` in the status table ("3" or "3 + 37 batches of epoch 4 (…)")."""
    return int(status_figure(status_text, f"{phase} epochs").split()[0])


def is_progress_display(message: dict) -> bool:
    """Whether ``message`` is a training progress display (or its update)."""
    return (message["msg_type"] in ("display_data", "update_display_data")
            and "display_id" in message["content"].get("transient", {}))
