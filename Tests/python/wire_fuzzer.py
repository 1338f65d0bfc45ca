# Layer: Python checks (tooling). A seeded wire fuzzer for the `rdc` kernel: sends forged,
# damaged, mutated and oversized multipart messages on shell, control, stdin, heartbeat and
# IOPub (subscriptions), then checks between waves that the kernel lives, answers valid
# requests, never answered a forged message, and keeps its memory bounded. Touches only the
# kernel it is given (over loopback) and its own sockets. Used by
# test_kernel_reliability.py (a bounded share) and scripts/reliability/fuzz_wire.py (the full run).
"""Wire fuzzing of a running kernel, deterministic for a given seed.

Every message is classified with the kernel's own acceptance rule (``kernel_wire``): a
message that is not authenticated, or cannot be decoded, puts its msg_ids in a forbidden
set, and so does every message sent on stdin or IOPub (nothing there may be answered while
no input was requested). Any kernel message whose parent is forbidden is a failure.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import zmq

from kernel_client import control_request, run_cell, shell_reply
from kernel_wire import (
    DELIMITER, JSON_FRAME_NAMES, KernelUnderTest, RawZMTPSubscriber, authenticated, encode_json, header_msg_ids, kernel_must_accept,
    make_header, reply_parent_id, signature, signed_frames,
)

REQUEST_CHANNELS = ("shell", "control", "stdin")
CHANNELS = (*REQUEST_CHANNELS, "hb", "iopub")
# How the messages of a wave spread over the channels.
CHANNEL_WEIGHTS = {"shell": 35, "control": 25, "stdin": 12, "hb": 13, "iopub": 15}
HUGE_FRAME_BYTES = (2 << 20, 8 << 20)
SEND_TIMEOUT = 20.0

# Cells a valid fuzzed execute_request may carry: quick, and harmless in a scratch folder.
CELLS = ("status", "help", "help pretrain", "?cluster", "echo fuzz", "show samples", "history", "no-such-command",
         "cluster k=3", "pretrain epochs=0", "seed 3", "threads 1", "data synthetic n=0", "model dense", "evaluate",
         "echo a \\\n b", "# only a comment", "\"unterminated", "show embedding", "")
# Request types a valid fuzzed message may carry; shutdown_request only ever goes out forged.
REQUEST_TYPES = ("execute_request", "kernel_info_request", "complete_request", "inspect_request",
                 "is_complete_request", "history_request", "comm_info_request", "comm_open", "comm_msg",
                 "comm_close", "interrupt_request", "input_reply", "debug_request", "usage_request")
ODD_VALUES = (None, True, False, 0, -1, 2**31, 2**63 - 1, -(2**63), 2**64, 1e308, -1e-308, 0.5, "", "x" * 300,
              "\u0000\ud7ff\ufffd", [], [1, "a", None], {}, {"nested": {"deeper": [{}]}})


@dataclass
class FuzzReport:
    """What a fuzz run sent, what it saw and what went wrong."""

    seed: int
    sent: Counter = field(default_factory=Counter)            # per channel
    kinds: Counter = field(default_factory=Counter)           # per channel/kind
    forbidden_sent: int = 0
    # Signed messages with a JSON frame Python's strict parser refuses: the kernel must drop them,
    # except where Foundation's parser is more lenient (it takes a trailing comma); those answers
    # are counted per kind, not failed, since the sender holds the key.
    undecodable_sent: int = 0
    answered_undecodable: Counter = field(default_factory=Counter)
    huge_frames: int = 0
    huge_bytes: int = 0
    huge_subscriptions_taken: int = 0                         # the kernel kept the connection
    waves: int = 0
    memory_kib: list[int] = field(default_factory=list)       # after start-up, then after each wave
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    def fail(self, text: str) -> None:
        if len(self.failures) < 50:
            self.failures.append(text)

    def summary(self) -> str:
        channels = ", ".join(f"{channel} {self.sent[channel]}" for channel in CHANNELS)
        memory = self.memory_kib
        return (f"seed {self.seed}: {self.total} messages in {self.waves} waves, {self.seconds:.0f} s ({channels}); "
                f"{self.forbidden_sent} must never be answered; {self.undecodable_sent} signed with a bad JSON "
                f"frame ({sum(self.answered_undecodable.values())} answered: Foundation's leniency); {self.huge_frames} huge frames "
                f"({self.huge_bytes / 2**20:.0f} MiB; huge subscriptions kept: {self.huge_subscriptions_taken}); VmRSS {memory[0] / 1024:.1f} MiB at start, "
                f"peak {max(memory) / 1024:.1f}, last {memory[-1] / 1024:.1f}; {len(self.failures)} failures")


def memory_is_bounded(memory_kib: list[int], warm_up_waves: int = 3, slack: float = 0.25,
                      slack_kib: int = 64 * 1024) -> bool:
    """After the first waves (buffers grown once for the largest frames) memory stays within a margin."""
    warm = max(memory_kib[:warm_up_waves + 1])
    return max(memory_kib) <= warm * (1 + slack) + slack_kib


class MessageMaker:
    """Builds the fuzzed messages of one run from one seeded generator."""

    def __init__(self, key: bytes, rng: random.Random):
        self.key = key
        self.rng = rng
        self.router_kinds: list[tuple[str, Callable[[], list[bytes]], float]] = [
            ("valid", self.valid, 6), ("bad_signature", self.bad_signature, 10), ("no_signature", self.no_signature, 5),
            ("malformed_signature", self.malformed_signature, 6), ("missing_delimiter", self.missing_delimiter, 6),
            ("truncated", self.truncated, 8), ("extra_frames", self.extra_frames, 6),
            ("bad_json_signed", self.bad_json_signed, 8), ("non_object_signed", self.non_object_signed, 6),
            ("wrong_types_signed", self.wrong_types_signed, 8), ("unknown_type_signed", self.unknown_type_signed, 6),
            ("bit_flip", self.bit_flip, 12), ("splice", self.splice, 8), ("random_frames", self.random_frames, 5),
            ("huge_frame", self.huge_frame, 0.4),
        ]

    # -- building blocks ---------------------------------------------------------------------
    def pick(self, kinds):
        names, makers, weights = zip(*kinds)
        index = self.rng.choices(range(len(names)), weights=weights)[0]
        return names[index], makers[index]

    def junk(self, low: int = 0, high: int = 64) -> bytes:
        return self.rng.randbytes(self.rng.randint(low, high))

    def content_for(self, msg_type: str) -> dict:
        rng = self.rng
        code = rng.choice(CELLS)
        if msg_type == "execute_request":
            return {"code": code, "silent": rng.random() < 0.1, "store_history": rng.random() < 0.5,
                    "allow_stdin": rng.random() < 0.2, "stop_on_error": rng.random() < 0.5, "user_expressions": {}}
        if msg_type in ("complete_request", "inspect_request"):
            return {"code": code, "cursor_pos": rng.choice((0, len(code), -5, 10**6, rng.randint(-3, 40))),
                    "detail_level": rng.choice((0, 1, 7, -1))}
        if msg_type == "is_complete_request":
            return {"code": code}
        if msg_type == "history_request":
            return {"hist_access_type": rng.choice(("tail", "range", "search", "bogus")), "output": rng.random() < 0.5,
                    "raw": True, "n": rng.choice((1, 10, 0, -4, 2**40)), "start": rng.randint(-5, 50),
                    "stop": rng.randint(-5, 60), "session": rng.choice((0, 1, -1, 99)), "pattern": rng.choice(("*", "s*", "[", "**?*")),
                    "unique": rng.random() < 0.5}
        if msg_type.startswith("comm_"):
            return {"comm_id": self.rng.randbytes(8).hex(), "target_name": "fuzz", "data": {"x": 1}}
        if msg_type == "input_reply":
            return {"value": code}
        return {}

    def base(self, msg_type: str | None = None) -> tuple[dict, dict]:
        msg_type = msg_type or self.rng.choice(REQUEST_TYPES)
        return make_header(msg_type), self.content_for(msg_type)

    def sign(self, header: dict, content: dict, **extra) -> list[bytes]:
        return signed_frames(self.key, header, content, **extra)

    def resign(self, frames: list[bytes]) -> list[bytes]:
        """Recomputes the signature over whatever the four JSON frames now hold."""
        start = frames.index(DELIMITER) + 1
        return frames[:start] + [signature(self.key, frames[start + 1:start + 5])] + frames[start + 1:]

    # -- the kinds -----------------------------------------------------------------------------
    def valid(self) -> list[bytes]:
        return self.sign(*self.base())

    def forged_base(self) -> list[bytes]:
        """A well-formed message of any type, shutdown_request included, before its damage."""
        return self.sign(*self.base(self.rng.choice((*REQUEST_TYPES, "shutdown_request"))))

    def bad_signature(self) -> list[bytes]:
        frames = self.forged_base()
        frames[1] = signed_frames(b"not-the-key" + self.junk(0, 8), json.loads(frames[2]), json.loads(frames[5]))[1]
        return frames

    def no_signature(self) -> list[bytes]:
        frames = self.forged_base()
        frames[1] = b""
        return frames

    def malformed_signature(self) -> list[bytes]:
        frames = self.forged_base()
        good = frames[1]
        frames[1] = self.rng.choice((good[:-1], good[:-2], good + b"00", good.upper()[:-2] + b"zz", b" " + good[1:],
                                     good[:32], self.junk(1, 80), b"0" * 64, good.replace(b"a", b"\x00")))
        return frames

    def missing_delimiter(self) -> list[bytes]:
        frames = self.forged_base()
        frames[0] = self.rng.choice((b"", b"<IDS|MSG", b"<ids|msg>", b"<IDS|MSG> ", self.junk(1, 12)))
        return frames

    def truncated(self) -> list[bytes]:
        frames = self.forged_base()
        return frames[:self.rng.randint(1, 5)]

    def extra_frames(self) -> list[bytes]:
        frames = self.valid()
        if self.rng.random() < 0.5:
            return frames + [self.junk(0, 200) for _ in range(self.rng.randint(1, 6))]   # buffers: still valid
        return [self.junk(0, 40) for _ in range(self.rng.randint(1, 4))] + frames       # extra routing identities

    def bad_json_signed(self) -> list[bytes]:
        frames = self.valid()
        index = 2 + self.rng.randrange(4)
        original = frames[index]
        frames[index] = self.rng.choice((
            original[:-1], original[1:], original + b"}", b"{\"a\":", self.junk(0, 40), b"{'single': 1}",
            b"\xff\xfe{}", b"{\"a\": 1,}", b"[" * 100_000 + b"]" * 100_000, b"{\"a\":" * 50_000 + b"1" + b"}" * 50_000,
            b"{\"a\": \"\xc3\x28\"}", b"{\"a\": 1e999999}", b"{\"a\": -}", b"{\"a\": 01}", b"{\"a\": tru}"))
        return self.resign(frames)

    def non_object_signed(self) -> list[bytes]:
        frames = self.valid()
        index = 2 + self.rng.randrange(4)
        frames[index] = encode_json(self.rng.choice(([], [1, 2], 1, -3.5, "text", None, True)))
        return self.resign(frames)

    def wrong_types_signed(self) -> list[bytes]:
        header, content = self.base()
        for target in (header, content):
            for _ in range(self.rng.randint(1, 3)):
                key, value = self.rng.choice([*target] or ["x"]), self.rng.choice(ODD_VALUES)
                if key == "msg_id" and isinstance(value, str):
                    value += self.rng.randbytes(16).hex()  # msg_ids stay unique: the oracle goes by them
                target[key] = value
        if header.get("msg_type") == "shutdown_request":
            header["msg_type"] = "kernel_info_request"
        nested = self.rng.choice(([], [{"a": [[[]]]}], "[" * 300 + "]" * 300))
        content["nested"] = json.loads(nested) if isinstance(nested, str) else nested
        return self.sign(header, content, metadata={"m": self.rng.choice(ODD_VALUES)})

    def unknown_type_signed(self) -> list[bytes]:
        name = self.rng.choice(("", "x" * 1000, "execute_reply", "status", "EXECUTE_REQUEST", "kernel_info",
                                "\u00e9v\u00e9nement", "shutdown", "input_request")) + self.junk(0, 4).hex()
        header, _ = self.base()
        header["msg_type"] = name
        return self.sign(header, {"code": "status"})

    def bit_flip(self) -> list[bytes]:
        frames = self.forged_base()
        for _ in range(self.rng.randint(1, 8)):
            index = self.rng.randrange(len(frames))
            if not frames[index]:
                continue
            data = bytearray(frames[index])
            position = self.rng.randrange(len(data))
            data[position] ^= 1 << self.rng.randrange(8)
            frames[index] = bytes(data)
        return frames

    def splice(self) -> list[bytes]:
        first, second = self.forged_base(), self.forged_base()
        if self.rng.random() < 0.5:  # frame-level: a random run of frames from each
            cut_a, cut_b = self.rng.randint(0, len(first)), self.rng.randint(0, len(second))
            return (first[:cut_a] + second[cut_b:]) or [b""]
        index = self.rng.randrange(len(first))  # byte-level: one frame made of two halves
        other = second[min(index, len(second) - 1)]
        first[index] = first[index][:self.rng.randint(0, len(first[index]))] + other[self.rng.randint(0, len(other)):]
        return first

    def random_frames(self) -> list[bytes]:
        frames = [self.junk(0, 100) for _ in range(self.rng.randint(1, 10))]
        if self.rng.random() < 0.5:
            frames.insert(self.rng.randrange(len(frames) + 1), DELIMITER)
        return frames

    def huge_bytes(self) -> bytes:
        size = self.rng.randint(*HUGE_FRAME_BYTES)
        return self.rng.choice((b"x", b"{", b"\x00", b"[")) * size if self.rng.random() < 0.7 else self.rng.randbytes(size)

    def huge_frame(self) -> list[bytes]:
        """Several megabytes in one frame: as code, metadata, a buffer, a signature or an identity."""
        where = self.rng.choice(("code", "metadata", "buffer", "signature", "identity", "header_junk"))
        header, content = self.base("execute_request")
        if where == "code":
            content["code"] = "echo " + "z" * self.rng.randint(*HUGE_FRAME_BYTES)
            return self.sign(header, {**content, "silent": True})
        if where == "metadata":
            return self.sign(header, content, metadata={"blob": "m" * self.rng.randint(*HUGE_FRAME_BYTES)})
        frames = self.sign(header, {"code": "status", "silent": True})
        if where == "buffer":
            return frames + [self.huge_bytes()]
        if where == "signature":
            frames[1] = self.huge_bytes()
        elif where == "identity":
            frames = [self.huge_bytes()] + frames
        else:
            frames[2] = self.huge_bytes()
        return frames

    # -- heartbeat and IOPub -------------------------------------------------------------------
    def heartbeat(self) -> tuple[str, list[bytes]]:
        """Frames for a DEALER on the heartbeat (REQ clients ping it): with and without the empty envelope frame."""
        choice = self.rng.random()
        if choice < 0.4:
            return "ping", [b"", self.junk(0, 64)]
        if choice < 0.6:
            return "multipart", [b""] + [self.junk(0, 32) for _ in range(self.rng.randint(2, 6))]
        if choice < 0.9:
            return "no_envelope", [self.junk(1, 64) for _ in range(self.rng.randint(1, 4))]
        if choice < 0.997:
            return "jupyter_message", [b""] + self.forged_base()
        return "huge", [b"", self.huge_bytes()]

    def subscription(self) -> tuple[str, list[bytes]]:
        """Frames for an XSUB on IOPub: (un)subscriptions, junk, and requests that must be ignored."""
        choice = self.rng.random()
        topic = self.rng.choice((b"", b"status", b"stream", b"iopub_welcome", self.junk(1, 40)))
        if choice < 0.35:
            return "subscribe", [b"\x01" + topic]
        if choice < 0.6:
            return "unsubscribe", [b"\x00" + topic]
        if choice < 0.75:
            return "junk", [self.junk(0, 64) for _ in range(self.rng.randint(1, 3))]
        if choice < 0.997:
            return "jupyter_message", self.valid()
        return "huge_subscription", [b"\x01" + self.huge_bytes()]


class WireFuzzer:
    """Sends waves of fuzzed messages at ``kernel`` and checks it between the waves."""

    def __init__(self, kernel: KernelUnderTest, seed: int, log: Callable[[str], None] = print):
        self.kernel = kernel
        self.rng = random.Random(seed)
        self.maker = MessageMaker(kernel.key, self.rng)
        self.report = FuzzReport(seed=seed)
        self.log = log
        # msg_id → "channel/kind" of the message that carried it: forged or damaged, or sent where
        # nothing may answer (never answered), and signed but not valid JSON (should be dropped).
        self.forbidden: dict[str, str] = {}
        self.undecodable: dict[str, str] = {}
        # Parent msg_ids of every reply read on shell, control and stdin.
        self.answered: set[str | None] = set()
        self.context = zmq.Context()
        self.sockets = {channel: self.connect(zmq.DEALER, channel) for channel in REQUEST_CHANNELS}
        self.sockets["hb"] = self.connect(zmq.DEALER, "hb")
        self.subscribers = [self.connect(zmq.XSUB, "iopub") for _ in range(3)]
        self.monitor = self.connect(zmq.SUB, "iopub")
        self.monitor.setsockopt(zmq.SUBSCRIBE, b"")

    def connect(self, kind: int, channel: str) -> zmq.Socket:
        socket = self.context.socket(kind)
        socket.linger = 0
        socket.rcvhwm = 0
        socket.connect(self.kernel.endpoint(channel))
        return socket

    def close(self) -> None:
        for socket in [*self.sockets.values(), *self.subscribers, self.monitor]:
            socket.close(linger=0)
        self.context.term()

    # -- running -------------------------------------------------------------------------------
    def run(self, messages: int, wave_size: int = 2000) -> FuzzReport:
        started = time.monotonic()
        self.report.memory_kib.append(self.kernel.resident_kib())
        while self.report.total < messages and not self.report.failures:
            self.wave(min(wave_size, messages - self.report.total))
            self.check_health()
        self.report.seconds = time.monotonic() - started
        if not memory_is_bounded(self.report.memory_kib):
            self.report.fail(f"resident memory kept growing: {self.report.memory_kib} KiB")
        return self.report

    def wave(self, count: int) -> None:
        channels, weights = zip(*CHANNEL_WEIGHTS.items())
        for index in range(count):
            if self.report.failures:
                break
            channel = self.rng.choices(channels, weights=weights)[0]
            kind, frames = self.next_message(channel)
            self.send(channel, kind, frames)
            if index % 50 == 0:
                self.drain()
        self.report.waves += 1

    def next_message(self, channel: str) -> tuple[str, list[bytes]]:
        if channel == "hb":
            return self.maker.heartbeat()
        if channel == "iopub":
            return self.maker.subscription()
        kind, make = self.maker.pick(self.maker.router_kinds)
        frames = make()
        if kernel_must_accept(frames, self.kernel.key) and asks_for_shutdown(frames):
            # A splice or a case-flipped hex digit can leave a forged shutdown_request valid.
            frames[frames.index(DELIMITER) + 1] = b"0" * 64
        return kind, frames

    def send(self, channel: str, kind: str, frames: list[bytes]) -> None:
        report = self.report
        report.sent[channel] += 1
        report.kinds[f"{channel}/{kind}"] += 1
        big = [len(frame) for frame in frames if len(frame) >= HUGE_FRAME_BYTES[0]]
        report.huge_frames += len(big)
        report.huge_bytes += sum(big)
        if channel in ("stdin", "iopub") or (channel in REQUEST_CHANNELS and not authenticated(frames, self.kernel.key)):
            self.forbidden.update(dict.fromkeys(header_msg_ids(frames), f"{channel}/{kind}"))
            report.forbidden_sent += 1
        elif channel in REQUEST_CHANNELS and not kernel_must_accept(frames, self.kernel.key):
            self.undecodable.update(dict.fromkeys(header_msg_ids(frames), f"{channel}/{kind}"))
            report.undecodable_sent += 1
        if kind == "huge_subscription":
            self.subscribe_by_hand(frames[0][1:])
            return
        socket = self.sockets.get(channel)
        if channel == "iopub":
            if self.rng.random() < 0.01:  # connection churn: a subscriber leaves, a new one comes
                victim = self.rng.randrange(len(self.subscribers))
                self.subscribers[victim].close()
                self.subscribers[victim] = self.connect(zmq.XSUB, "iopub")
            socket = self.rng.choice(self.subscribers)
        deadline = time.monotonic() + SEND_TIMEOUT
        while True:
            try:
                socket.send_multipart(frames, flags=zmq.NOBLOCK)
                return
            except zmq.Again:
                self.drain()
                if time.monotonic() > deadline:
                    report.fail(f"the kernel stopped reading {channel}: a {kind} message could not be sent "
                                f"for {SEND_TIMEOUT:.0f} s (authenticated: {authenticated(frames, self.kernel.key)})")
                    return
                time.sleep(0.001)

    def subscribe_by_hand(self, topic: bytes) -> None:
        """A huge subscription from a hand-spoken ZMTP peer (libzmq's own SUB would overflow its
        stack freeing it); the kernel may refuse it by closing that connection."""
        subscriber = RawZMTPSubscriber(self.kernel.connection["iopub_port"])
        try:
            if subscriber.subscribe(topic):
                self.report.huge_subscriptions_taken += 1
        finally:
            subscriber.close()

    def drain(self) -> None:
        """Reads everything the kernel sent to the fuzzing sockets; a forbidden parent is a failure."""
        for name, socket in [*self.sockets.items(), ("iopub", self.monitor),
                             *(("iopub subscriber", s) for s in self.subscribers)]:
            while True:
                try:
                    frames = socket.recv_multipart(flags=zmq.NOBLOCK)
                except zmq.Again:
                    break
                if name == "hb":
                    continue
                parent = reply_parent_id(frames)
                if name in REQUEST_CHANNELS:
                    self.answered.add(parent)
                if parent in self.undecodable and name in REQUEST_CHANNELS:
                    self.report.answered_undecodable[self.undecodable.pop(parent)] += 1
                if parent in self.forbidden:
                    self.report.fail(f"{name}: the kernel answered a {self.forbidden[parent]} message it must "
                                     f"drop (parent {parent}): {describe(frames)}")

    def settle(self, timeout: float = 120) -> None:
        """Waits until the kernel has handled every message this fuzzer sent on shell and control.

        Each socket's messages are handled in order, so a kernel_info_request sent last on the
        same socket is answered after them: no fuzzed request still queued (a valid
        interrupt_request among them) can land in the health check's own cell."""
        for channel in ("shell", "control"):
            header = make_header("kernel_info_request")
            self.sockets[channel].send_multipart(signed_frames(self.kernel.key, header, {}))
            deadline = time.monotonic() + timeout
            while header["msg_id"] not in self.answered:
                if time.monotonic() > deadline:
                    self.report.fail(f"{channel}: the kernel did not answer a valid kernel_info_request within "
                                     f"{timeout:.0f} s after wave {self.report.waves}")
                    return
                self.drain()
                time.sleep(0.01)

    def check_health(self) -> None:
        """Alive, the fuzzed requests all handled, heartbeat, kernel_info on shell and control,
        a `status` cell; then memory."""
        kernel, report = self.kernel, self.report
        if not kernel.is_alive():
            report.fail(f"the kernel exited with {kernel.process.poll()} after wave {report.waves}; "
                        f"last log lines: {kernel.log_lines()[-5:]}")
            return
        self.settle()
        if not kernel.heartbeat_answers(self.context, timeout=30):
            heartbeat_lines = [line for line in kernel.log_lines() if "heartbeat" in line]
            report.fail(f"no heartbeat echo after wave {report.waves}; the kernel's heartbeat log lines: "
                        f"{heartbeat_lines[-3:]}; last log lines: {kernel.log_lines()[-5:]}")
        client = kernel.client
        try:
            reply = shell_reply(client, client.kernel_info(), timeout=120)
            assert reply["msg_type"] == "kernel_info_reply", reply["msg_type"]
            assert control_request(client, "kernel_info_request", timeout=30)["msg_type"] == "kernel_info_reply"
            cell = run_cell(client, "status", timeout=120)
            assert cell.status == "ok", cell.reply["content"]
        except Exception as problem:  # noqa: BLE001 - every way of not answering is a failure
            report.fail(f"valid requests after wave {report.waves} were not answered: {problem!r}")
        time.sleep(0.2)
        self.drain()
        report.memory_kib.append(kernel.resident_kib())
        self.log(f"wave {report.waves}: {report.total} messages sent, VmRSS {report.memory_kib[-1] / 1024:.1f} MiB")


def asks_for_shutdown(frames: list[bytes]) -> bool:
    header = json.loads(frames[frames.index(DELIMITER) + 2])
    return header.get("msg_type") == "shutdown_request"


def describe(frames: list[bytes]) -> str:
    """A short, printable account of a multipart message."""
    shown = []
    for name, frame in zip(("delimiter", "signature", *JSON_FRAME_NAMES), frames[frames.index(DELIMITER):]
                           if DELIMITER in frames else frames):
        shown.append(f"{name}={frame[:120]!r}")
    return ", ".join(shown)
