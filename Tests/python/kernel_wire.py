# Layer: Python checks (tooling). Raw Jupyter wire helpers for the reliability checks (wire
# fuzzer, interrupt storm, soak): sign and frame messages with pyzmq, tell which frames the
# kernel must accept, read a reply's parent, read a process's resident memory, start an `rdc`
# kernel on loopback with its log in a file. Touches only the kernels and sockets it makes,
# /proc/PID/status, and the temporary folders it creates.
"""Jupyter wire format by hand (frames, HMAC-SHA256 signatures) and a kernel under test.

The reliability checks need what jupyter_client hides: frames that are wrong on purpose, the
exact acceptance rule of the kernel's decoder (``kernel_must_accept``), and the kernel's pid
and memory. Everything binds or connects to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import zmq
from jupyter_client import BlockingKernelClient

from kernel_client import KERNEL_NAME, running_kernel

DELIMITER = b"<IDS|MSG>"
PROTOCOL_VERSION = "5.4"
JSON_FRAME_NAMES = ("header", "parent_header", "metadata", "content")
LOOPBACK = "127.0.0.1"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def signature(key: bytes, json_frames: Sequence[bytes]) -> bytes:
    """The lowercase hex HMAC-SHA256 of the four JSON frames (empty when the key is empty)."""
    if not key:
        return b""
    digest = hmac.new(key, digestmod=hashlib.sha256)
    for frame in json_frames:
        digest.update(frame)
    return digest.hexdigest().encode()


def make_header(msg_type: str, session: str = "reliability") -> dict:
    """A fresh request header with a unique msg_id."""
    return {
        "msg_id": uuid.uuid4().hex, "session": session, "username": "reliability",
        "date": "2026-01-01T00:00:00.000000Z", "msg_type": msg_type, "version": PROTOCOL_VERSION,
    }


def encode_json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def signed_frames(key: bytes, header: dict, content: dict, *, parent: dict | None = None,
                  metadata: dict | None = None, buffers: Sequence[bytes] = ()) -> list[bytes]:
    """Delimiter, signature, the four JSON frames and buffers (no routing identities: DEALER adds them)."""
    json_frames = [encode_json(header), encode_json(parent or {}), encode_json(metadata or {}), encode_json(content)]
    return [DELIMITER, signature(key, json_frames), *json_frames, *buffers]


def is_json_object(frame: bytes) -> bool:
    try:
        return isinstance(json.loads(frame), dict)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False


def signature_matches(key: bytes, received: bytes, json_frames: Sequence[bytes]) -> bool:
    """The kernel's check: hex (either case) of the HMAC over the frames as received."""
    if not key:
        return True
    try:
        code = bytes.fromhex(received.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return False
    if len(received) % 2 or not received.isalnum():  # fromhex skips spaces; the kernel does not
        return False
    expected = hmac.new(key, b"".join(json_frames), hashlib.sha256).digest()
    return hmac.compare_digest(code, expected)


def authenticated(frames: Sequence[bytes], key: bytes) -> bool:
    """Whether the frames (after routing identities) carry a delimiter, five frames and a valid signature.

    A message failing this was forged, truncated or damaged: the kernel must never answer it.
    """
    if DELIMITER not in frames:
        return False
    after = frames[frames.index(DELIMITER) + 1:]
    return len(after) >= 5 and signature_matches(key, after[0], after[1:5])


def kernel_must_accept(frames: Sequence[bytes], key: bytes) -> bool:
    """Authenticated and all four JSON frames are JSON objects (the kernel's WireCodec.decode)."""
    if not authenticated(frames, key):
        return False
    after = frames[frames.index(DELIMITER) + 1:]
    return all(is_json_object(frame) for frame in after[1:5])


def header_msg_ids(frames: Sequence[bytes]) -> set[str]:
    """Every msg_id a kernel could read from any frame that parses as a header-like object."""
    ids = set()
    for frame in frames:
        if len(frame) > 4096 or not frame.startswith(b"{"):
            continue
        try:
            value = json.loads(frame)
        except (ValueError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(value, dict) and isinstance(value.get("msg_id"), str):
            ids.add(value["msg_id"])
    return ids


def reply_parent_id(frames: Sequence[bytes]) -> str | None:
    """The parent msg_id of a message the kernel sent (None when there is none, or it is not a string)."""
    if DELIMITER not in frames:
        return None
    after = frames[frames.index(DELIMITER) + 1:]
    if len(after) < 5:
        return None
    try:
        parent = json.loads(after[2])
    except ValueError:
        return None
    msg_id = parent.get("msg_id") if isinstance(parent, dict) else None
    return msg_id if isinstance(msg_id, str) else None


def resident_kib(pid: int) -> int:
    """VmRSS of a process in KiB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


def machine_description() -> str:
    """The CPU model, core count and load average, for the printed figures."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return f"{model}, {os.cpu_count()} cores, load average {load}"


@dataclass
class KernelUnderTest:
    """A running ``rdc`` kernel: its client, pid, connection and the file its log goes to."""

    client: BlockingKernelClient
    pid: int
    connection: dict
    log_path: Path
    process: subprocess.Popen

    @property
    def key(self) -> bytes:
        key = self.connection["key"]
        return key.encode() if isinstance(key, str) else key

    def endpoint(self, channel: str) -> str:
        """tcp://127.0.0.1:PORT of ``shell``, ``control``, ``stdin``, ``hb`` or ``iopub``."""
        return f"tcp://{LOOPBACK}:{self.connection[channel + '_port']}"

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def resident_kib(self) -> int:
        return resident_kib(self.pid)

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()

    def heartbeat_answers(self, context: zmq.Context, timeout: float = 5) -> bool:
        """Whether a fresh REQ socket gets its ping echoed on the heartbeat channel."""
        socket = context.socket(zmq.REQ)
        socket.linger = 0
        try:
            socket.connect(self.endpoint("hb"))
            socket.send(b"ping")
            return bool(socket.poll(int(timeout * 1000))) and socket.recv() == b"ping"
        finally:
            socket.close()


def install_kernelspec(binary: Path, prefix: Path) -> Path:
    """Runs ``rdc install --prefix PREFIX`` and returns the kernelspec folder it wrote."""
    result = subprocess.run([str(binary), "install", "--prefix", str(prefix)], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"`{binary} install --prefix {prefix}` exited {result.returncode}:\n{result.stdout}{result.stderr}")
    kernel_dir = prefix / "share" / "jupyter" / "kernels" / KERNEL_NAME
    if not (kernel_dir / "kernel.json").is_file():
        raise RuntimeError(f"`{binary} install --prefix {prefix}` did not write {kernel_dir / 'kernel.json'}")
    return kernel_dir


@contextmanager
def kernelspec_on_path(binary: Path) -> Iterator[Path]:
    """The kernelspec of ``binary`` in a temporary prefix, first on JUPYTER_PATH until the end."""
    with tempfile.TemporaryDirectory(prefix="rdc-jupyter-") as prefix:
        kernel_dir = install_kernelspec(binary, Path(prefix))
        previous = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = str(kernel_dir.parents[1]) + (os.pathsep + previous if previous else "")
        try:
            yield kernel_dir
        finally:
            if previous is None:
                os.environ.pop("JUPYTER_PATH")
            else:
                os.environ["JUPYTER_PATH"] = previous


@contextmanager
def kernel_under_test() -> Iterator[KernelUnderTest]:
    """Starts the installed ``rdc`` kernelspec on loopback, in a temporary working folder
    (fuzzed cells can never write into the project), with its standard error in a log file."""
    with tempfile.TemporaryDirectory(prefix="rdc-reliability-") as folder:
        folder = Path(folder)
        log_path = folder / "kernel.log"
        with log_path.open("wb") as log, running_kernel(cwd=str(folder), stderr=log, stdout=log) as (manager, client):
            process = manager.provisioner.process
            yield KernelUnderTest(client=client, pid=process.pid, connection=manager.get_connection_info(),
                                  log_path=log_path, process=process)


def script_arguments(description: str, count_option: str, default_count: int, default_seed: int) -> argparse.Namespace:
    """The command line of the scripts in scripts/reliability: a count, --seed and --binary."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(count_option, type=int, default=default_count, dest="count",
                        help=f"how many (default {default_count})")
    parser.add_argument("--seed", type=int, default=default_seed, help=f"random seed (default {default_seed})")
    parser.add_argument("--binary", type=Path, default=PROJECT_ROOT / ".build" / "release" / "rdc",
                        help="the rdc executable (default .build/release/rdc)")
    arguments = parser.parse_args()
    if not os.access(arguments.binary, os.X_OK):
        parser.error(f"{arguments.binary} is not an executable: run `swift build -c release --product rdc` first")
    return arguments


class RawZMTPSubscriber:
    """A SUB peer spoken by hand over a plain TCP socket (ZMTP 3.0, NULL mechanism).

    libzmq's own SUB/XSUB sockets keep every subscription they send in a trie that they free
    recursively, so a multi-megabyte topic sent through them overflows the sender's stack;
    this peer keeps nothing, and can send any subscription frame, however large.
    """

    GREETING = b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\x00") + b"\x00" + b"\x00" * 31

    def __init__(self, port: int, timeout: float = 10):
        self.connection = socket.create_connection((LOOPBACK, port), timeout=timeout)
        self.connection.sendall(self.GREETING)
        self._receive_exactly(64)
        properties = b"\x0bSocket-Type" + (3).to_bytes(4, "big") + b"SUB"
        self._send_frame(b"\x05READY" + properties, command=True)

    def _receive_exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.connection.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the kernel closed the ZMTP connection")
            data += chunk
        return data

    def _send_frame(self, body: bytes, command: bool = False) -> None:
        flags = 0x04 if command else 0x00
        if len(body) < 256:
            header = bytes([flags, len(body)])
        else:
            header = bytes([flags | 0x02]) + len(body).to_bytes(8, "big")
        self.connection.sendall(header + body)

    def subscribe(self, topic: bytes) -> bool:
        """Sends a subscription (ZMTP 3.0: a message whose first byte is 1); False when the
        kernel closed the connection instead of taking it."""
        try:
            self._send_frame(b"\x01" + topic)
            self.connection.settimeout(1)
            return self.connection.recv(1) != b""
        except TimeoutError:
            return True
        except OSError:
            return False

    def close(self) -> None:
        self.connection.close()
