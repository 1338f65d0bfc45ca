# Layer: benchmarks (tooling). PyTorch reference for `rdc bench`; uses only torch and the
# standard library, touches nothing on disk. Run with .venv-bench/bin/python.
"""Times the four training steps that `rdc bench` times, in PyTorch, on the CPU.

Each case is one full optimisation step at batch 256 on a fixed batch of random inputs in
[0, 1] (float32), as docs/method.md defines it:

- ``dense``: dense autoencoder 784-500-500-2000-10 / 10-2000-500-500-784, reconstruction
  loss, backward, one Adam step.
- ``dense+acai``: the ACAI step (Phase 1) with the dense models and a critic that is the
  dense encoder's architecture with its own weights, its output the mean of its 10 outputs.
- ``conv``: the DCEC convolutional autoencoder on 1x28x28, reconstruction step.
- ``conv+acai``: the ACAI step with the convolutional models and critic.

With ``--epoch-images N`` also ``epoch``: one Phase-1 epoch (the conv+acai step over the first N
Fashion-MNIST images, train then test, shuffled, batches of 256 and a last smaller one), as
`rdc bench --only epoch` trains it; timed once.

Also times one 1024x1024x1024 float32 matrix product as the machine's GEMM peak.
Default torch settings throughout (contiguous NCHW tensors, no compile, no fusion tricks):
the point is an honest reference, not the fastest possible PyTorch.

Run it on a quiet machine. With other processes on the cores, OpenMP's spin-waiting worker
threads make every step several times slower (seen here with a 1-minute load average near 6
on 2 cores: dense 1188 ms/step at 2 threads, 211 ms at 1 thread, 191 ms at 2 threads with
OMP_WAIT_POLICY=PASSIVE). The report records the load average at the start for that reason.

Usage: benchmarks/torch_reference.py [--threads 2] [--steps 20] [--warmup 3] [--epoch-images N]
       [--format table|json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import torch
from torch import nn

BATCH = 256
LATENT = 10
IMAGE_SHAPE = (1, 28, 28)
PIXELS = 28 * 28
LEARNING_RATE = 1e-3
ACAI_LAMBDA = 0.5  # weight of the critic term in the autoencoder loss
ACAI_GAMMA = 0.2  # blend of input and reconstruction the critic must score as 0
GEMM_SIZE = 1024
CASE_NAMES = ("dense", "dense+acai", "conv", "conv+acai")
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def dense_encoder() -> nn.Module:
    """784-500-500-2000-10, ReLU between layers, linear bottleneck."""
    return nn.Sequential(
        nn.Linear(PIXELS, 500), nn.ReLU(),
        nn.Linear(500, 500), nn.ReLU(),
        nn.Linear(500, 2000), nn.ReLU(),
        nn.Linear(2000, LATENT),
    )


def dense_decoder() -> nn.Module:
    """10-2000-500-500-784, the encoder's mirror, linear output."""
    return nn.Sequential(
        nn.Linear(LATENT, 2000), nn.ReLU(),
        nn.Linear(2000, 500), nn.ReLU(),
        nn.Linear(500, 500), nn.ReLU(),
        nn.Linear(500, PIXELS),
    )


def conv_encoder() -> nn.Module:
    """DCEC encoder: 1x28x28 → 32x14x14 → 64x7x7 → 128x3x3 → 10."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
        nn.Conv2d(32, 64, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 3, stride=2, padding=0), nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(128 * 3 * 3, LATENT),
    )


def conv_decoder() -> nn.Module:
    """The encoder's mirror with transposed convolutions: 10 → 128x3x3 → 64x7x7 → 32x14x14 → 1x28x28."""
    return nn.Sequential(
        nn.Linear(LATENT, 128 * 3 * 3), nn.LeakyReLU(0.2),
        nn.Unflatten(1, (128, 3, 3)),
        nn.ConvTranspose2d(128, 64, 3, stride=2, padding=0, output_padding=0), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(64, 32, 5, stride=2, padding=2, output_padding=1), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(32, 1, 5, stride=2, padding=2, output_padding=1),
    )


class Critic(nn.Module):
    """An encoder-shaped network whose score for each image is the mean of its outputs."""

    def __init__(self, body: nn.Module):
        super().__init__()
        self.body = body

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images).mean(dim=1)


def reconstruction_loss(inputs: torch.Tensor, reconstructions: torch.Tensor) -> torch.Tensor:
    """Squared error summed over each sample's values, averaged over the batch."""
    return (inputs - reconstructions).pow(2).flatten(1).sum(dim=1).mean()


class AutoencoderStep:
    """One plain reconstruction step: forward, loss, backward, Adam."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        self.encoder, self.decoder = encoder, decoder
        self.optimiser = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=LEARNING_RATE)

    def __call__(self, inputs: torch.Tensor) -> None:
        loss = reconstruction_loss(inputs, self.decoder(self.encoder(inputs)))
        self.optimiser.zero_grad()
        loss.backward()
        self.optimiser.step()


class AcaiStep:
    """One ACAI step (method.md, Phase 1): an autoencoder update, then a critic update."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, critic: Critic):
        self.encoder, self.decoder, self.critic = encoder, decoder, critic
        self.autoencoder_optimiser = torch.optim.Adam(
            [*encoder.parameters(), *decoder.parameters()], lr=LEARNING_RATE)
        self.critic_optimiser = torch.optim.Adam(critic.parameters(), lr=LEARNING_RATE)

    def __call__(self, inputs: torch.Tensor) -> None:
        count = inputs.shape[0]
        latents = self.encoder(inputs)
        alpha = torch.rand(count, 1) * 0.5
        # Each sample is paired with the batch reversed.
        mixed_latents = alpha * latents + (1 - alpha) * latents.flip(0)
        # One decoder pass for reconstructions and interpolations together.
        decoded = self.decoder(torch.cat([latents, mixed_latents]))
        reconstructions, interpolations = decoded[:count], decoded[count:]

        # Autoencoder update: the critic's parameters need no gradient here.
        self.critic.requires_grad_(False)
        autoencoder_loss = (reconstruction_loss(inputs, reconstructions)
                            + ACAI_LAMBDA * self.critic(interpolations).pow(2).mean())
        self.autoencoder_optimiser.zero_grad()
        autoencoder_loss.backward()
        self.autoencoder_optimiser.step()
        self.critic.requires_grad_(True)

        # Critic update on constants: recover alpha from interpolations, score blends as 0.
        blends = ACAI_GAMMA * inputs + (1 - ACAI_GAMMA) * reconstructions.detach()
        scores = self.critic(torch.cat([interpolations.detach(), blends]))
        critic_loss = ((scores[:count] - alpha.squeeze(1)).pow(2).mean()
                       + scores[count:].pow(2).mean())
        self.critic_optimiser.zero_grad()
        critic_loss.backward()
        self.critic_optimiser.step()


def build_case(name: str) -> tuple[Callable[[torch.Tensor], None], torch.Tensor]:
    """The training step of case `name` and its fixed input batch."""
    convolutional = name.startswith("conv")
    make_encoder, make_decoder = (conv_encoder, conv_decoder) if convolutional else (dense_encoder, dense_decoder)
    inputs = torch.rand(BATCH, *IMAGE_SHAPE) if convolutional else torch.rand(BATCH, PIXELS)
    if name.endswith("+acai"):
        return AcaiStep(make_encoder(), make_decoder(), Critic(make_encoder())), inputs
    return AutoencoderStep(make_encoder(), make_decoder()), inputs


def fashion_mnist_images(count: int) -> torch.Tensor:
    """The first `count` Fashion-MNIST images (train, then test) as [count, 1, 28, 28] in [0, 1]."""
    parts = []
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        with gzip.open(FASHION_MNIST / name, "rb") as file:
            data = bytearray(file.read())
        parts.append(torch.frombuffer(data, dtype=torch.uint8, offset=16).reshape(-1, *IMAGE_SHAPE))
    return torch.cat(parts)[:count].float() / 255


def epoch_milliseconds(count: int) -> float:
    """Wall-clock milliseconds of one conv+acai epoch over the first `count` images."""
    images = fashion_mnist_images(count)
    step, _ = build_case("conv+acai")
    started = time.perf_counter()
    for batch in torch.randperm(count).split(BATCH):
        step(images[batch])
    return (time.perf_counter() - started) * 1e3


def time_calls(call: Callable[[], None], warmup: int, repeats: int) -> list[float]:
    """Wall-clock milliseconds of `repeats` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        durations.append((time.perf_counter() - started) * 1e3)
    return durations


def gemm_gflops(warmup: int, repeats: int) -> float:
    """GFLOP/s of a 1024³ float32 matrix product (median time of `repeats`)."""
    left, right = torch.rand(GEMM_SIZE, GEMM_SIZE), torch.rand(GEMM_SIZE, GEMM_SIZE)
    product = torch.empty(GEMM_SIZE, GEMM_SIZE)
    milliseconds = statistics.median(time_calls(lambda: torch.mm(left, right, out=product), warmup, repeats))
    return 2 * GEMM_SIZE ** 3 / (milliseconds * 1e-3) / 1e9


def run(threads: int, steps: int, warmup: int, seed: int, epoch_images: int = 0) -> dict:
    """Runs every case and the GEMM timing; returns the report in `rdc bench`'s JSON shape."""
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(seed)
    # Other work on the machine slows every figure: the load is recorded so readers can tell.
    load_before = os.getloadavg()[0]
    report = {
        "implementation": "pytorch",
        "version": torch.__version__,
        "threads": threads,
        "batch": BATCH,
        "steps": steps,
        "warmup": warmup,
        "load_average_before": round(load_before, 2),
        "gemm_gflops": round(gemm_gflops(warmup=3, repeats=max(steps, 10)), 2),
        "cases": [],
    }
    for name in CASE_NAMES:
        step, inputs = build_case(name)
        durations = time_calls(lambda: step(inputs), warmup, steps)
        report["cases"].append({
            "name": name,
            "ms_per_step": round(statistics.median(durations), 3),
            "mean_ms": round(statistics.mean(durations), 3),
        })
    if epoch_images:
        milliseconds = round(epoch_milliseconds(epoch_images), 1)
        report["cases"].append({"name": "epoch", "ms_per_step": milliseconds, "mean_ms": milliseconds})
    return report


def format_table(report: dict) -> str:
    """A readable summary of a report."""
    lines = [
        f"PyTorch {report['version']}, {report['threads']} threads, batch {report['batch']}, "
        f"{report['steps']} timed steps after {report['warmup']} warm-up, "
        f"1-minute load average {report['load_average_before']:.2f} before the run",
        f"GEMM {GEMM_SIZE}³ float32: {report['gemm_gflops']:.1f} GFLOP/s",
        "",
        f"{'case':<12} {'median ms/step':>15} {'mean ms/step':>13}",
    ]
    for case in report["cases"]:
        lines.append(f"{case['name']:<12} {case['ms_per_step']:>15.2f} {case['mean_ms']:>13.2f}")
    return "\n".join(lines)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=positive_int, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--steps", type=positive_int, default=20, help="timed steps per case (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per case first (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed for weights and inputs (default 0)")
    parser.add_argument("--epoch-images", type=int, default=0,
                        help="also time one conv+acai epoch on this many Fashion-MNIST images (default 0: skip)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    options = parser.parse_args(arguments)
    if options.warmup < 0:
        parser.error("--warmup must be 0 or more")
    if not 0 <= options.epoch_images <= 70_000:
        parser.error("--epoch-images must be within 0…70000")

    report = run(options.threads, options.steps, options.warmup, options.seed, options.epoch_images)
    print(json.dumps(report, indent=2) if options.format == "json" else format_table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
