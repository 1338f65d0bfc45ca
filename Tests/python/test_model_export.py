# Layer: Python checks (tooling). Models leaving the kernel: `export model` files read by the
# tools people use them with (onnx's checker, onnxruntime, safetensors, PyTorch through
# rdc_jupyter.torch_model). Touches only a temporary folder and the `rdc` it runs.
"""`export model` writes ONNX and safetensors files that other tools run to the same numbers.

Each case trains a small model for one epoch in ``rdc run``, exports the embeddings and the
reconstructions the kernel computes, and every part of the model; then the ONNX files run in
onnxruntime and the safetensors weights in the documented torch module, on the same images,
and their outputs must equal the kernel's within 1e-4 (of the outputs' largest magnitude, at
least 1).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from safetensors import safe_open

from rdc_jupyter.torch_model import load as load_torch_network

IMAGES = 96
SIDE = 16
LATENT = 6


def _close(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected))))
    worst = float(np.max(np.abs(actual - expected)))
    assert worst <= 1e-4 * scale, f"largest difference {worst:.3g} (scale {scale:.3g})"


def _images(folder: Path) -> np.ndarray:
    """Blobs of light on a dark ground, written as a CSV the session reads at scale 1."""
    generator = np.random.default_rng(7)
    rows, columns = np.mgrid[0:SIDE, 0:SIDE]
    images = np.empty((IMAGES, SIDE * SIDE), dtype=np.float32)
    for index in range(IMAGES):
        centre = generator.uniform(3, SIDE - 3, size=2)
        blob = np.exp(-((rows - centre[0]) ** 2 + (columns - centre[1]) ** 2) / generator.uniform(4, 12))
        images[index] = np.clip(blob + generator.uniform(0, 0.05, size=blob.shape), 0, 1).ravel()
    np.savetxt(folder / "images.csv", images, delimiter=",", fmt="%.6f")
    # The session parses the same decimal text, so read it back the same way.
    return np.loadtxt(folder / "images.csv", delimiter=",", dtype=np.float32).reshape(IMAGES, 1, SIDE, SIDE)


@pytest.fixture(scope="module", params=["conv", "dense"])
def exported(request, rdc_binary: Path, tmp_path_factory):
    kind = request.param
    folder = tmp_path_factory.mktemp(f"export-{kind}")
    images = _images(folder)
    script = f"""
data csv path=images.csv label=none shape=1x{SIDE}x{SIDE} scale=1
model {kind} latent={LATENT}
pretrain epochs=1 batch=32
export embeddings embeddings.npy
export reconstructions reconstructions.npy
export model encoder.onnx
export model decoder.onnx part=decoder
export model autoencoder.onnx part=autoencoder
export model critic.onnx part=critic
export model encoder.safetensors
export model autoencoder.safetensors part=autoencoder
export model critic.safetensors part=critic
"""
    (folder / "export.rdc").write_text(script)
    run = subprocess.run([str(rdc_binary), "run", "--quiet", "export.rdc"], cwd=folder,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return kind, folder, images, run.stdout


def _onnx_outputs(path: Path, inputs: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (declared,) = session.get_inputs()
    return session.run(None, {declared.name: inputs})[0]


def test_the_onnx_files_pass_the_checker_and_declare_a_dynamic_batch(exported):
    kind, folder, _, stdout = exported
    assert "as an ONNX model (opset 17)" in stdout
    for part, (input_name, output_name) in {
        "encoder": ("images", "embeddings"), "decoder": ("embeddings", "reconstructions"),
        "autoencoder": ("images", "reconstructions"), "critic": ("images", "scores"),
    }.items():
        model = onnx.load(str(folder / f"{part}.onnx"))
        onnx.checker.check_model(model, full_check=True)
        assert model.opset_import[0].version >= 13
        (graph_input,), (graph_output,) = model.graph.input, model.graph.output
        assert (graph_input.name, graph_output.name) == (input_name, output_name)
        assert graph_input.type.tensor_type.shape.dim[0].dim_param == "N"
        metadata = {entry.key: entry.value for entry in model.metadata_props}
        assert metadata["rdc.part"] == part and metadata["rdc.model"] == kind
        assert metadata["rdc.pretrain_epochs"] == "1" and metadata["rdc.version"]
        assert metadata["rdc.input_shape"] == f"1x{SIDE}x{SIDE}" and metadata["rdc.latent"] == str(LATENT)


def test_onnxruntime_reproduces_the_kernels_embeddings_and_reconstructions(exported):
    _, folder, images, _ = exported
    embeddings = np.load(folder / "embeddings.npy")
    reconstructions = np.load(folder / "reconstructions.npy").reshape(images.shape)
    _close(_onnx_outputs(folder / "encoder.onnx", images), embeddings)
    _close(_onnx_outputs(folder / "autoencoder.onnx", images), reconstructions)
    _close(_onnx_outputs(folder / "decoder.onnx", embeddings), reconstructions)
    # Another batch size than any the kernel used: the batch dimension is dynamic.
    _close(_onnx_outputs(folder / "encoder.onnx", images[:5]), embeddings[:5])


def test_the_safetensors_weights_rebuild_the_network_in_torch(exported):
    _, folder, images, _ = exported
    with safe_open(str(folder / "autoencoder.safetensors"), framework="np") as handle:
        names = set(handle.keys())
        assert handle.metadata()["rdc.part"] == "autoencoder"
    assert {name.split(".")[0] for name in names} == {"encoder", "decoder"}
    assert all(name.rsplit(".", 1)[1] in ("weight", "bias") for name in names)
    embeddings = np.load(folder / "embeddings.npy")
    reconstructions = np.load(folder / "reconstructions.npy").reshape(images.shape)
    with torch.no_grad():
        batch = torch.from_numpy(images)
        _close(load_torch_network(folder / "encoder.safetensors")(batch).numpy(), embeddings)
        _close(load_torch_network(folder / "autoencoder.safetensors")(batch).numpy(), reconstructions)
        # The critic in torch and in onnxruntime give the same scores.
        scores = load_torch_network(folder / "critic.safetensors")(batch).numpy()
    _close(_onnx_outputs(folder / "critic.onnx", images), scores)
