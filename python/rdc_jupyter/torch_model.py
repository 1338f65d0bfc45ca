# Layer: Python tooling. The torch.nn definition of the networks `export model FILE.safetensors`
# writes: every layer of the file's `rdc.layers` description becomes the torch module of the
# same index, so the weights load under their own names (encoder.1.weight, …).
"""Rebuild an exported R-DC network in PyTorch.

``export model encoder.safetensors part=encoder`` in the R-DC kernel writes the weights under
PyTorch names and the architecture in the file's metadata. Then::

    from rdc_jupyter.torch_model import load
    model = load("encoder.safetensors")     # an RDCNetwork (torch.nn.Module), in eval mode
    embeddings = model(images)              # images: float32 [N, C, H, W], values in 0…1

``forward`` runs the exported part: ``encoder`` (images → embeddings), ``decoder``
(embeddings → reconstructions), ``autoencoder`` (images → reconstructions) or ``critic``
(images → the ACAI critic's score, the mean of its network's outputs).

For the default conv model on 28×28 grey images with a 10-d latent code, the description
amounts to::

    encoder = nn.Sequential(
        nn.Conv2d(1, 32, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
        nn.Conv2d(32, 64, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 3, stride=2, padding=0), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(1152, 10))
    decoder = nn.Sequential(
        nn.Linear(10, 1152), nn.LeakyReLU(0.2), nn.Unflatten(1, (128, 3, 3)),
        nn.ConvTranspose2d(128, 64, 3, stride=2, padding=0, output_padding=0), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(64, 32, 5, stride=2, padding=2, output_padding=1), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(32, 1, 5, stride=2, padding=2, output_padding=1))

and the dense model is ``nn.Flatten()`` then ``Linear(d, 500)``, ``Linear(500, 500)``,
``Linear(500, 2000)``, ``Linear(2000, L)`` with ReLUs between them, and its mirror.
"""

import json

import torch
from torch import nn


def _layer(description):
    """The torch module of one entry of ``rdc.layers``."""
    op = description["op"]
    if op == "linear":
        return nn.Linear(description["in"], description["out"])
    if op == "conv2d":
        return nn.Conv2d(description["in"], description["out"], description["kernel"],
                         stride=description["stride"], padding=description["padding"])
    if op == "conv_transpose2d":
        return nn.ConvTranspose2d(description["in"], description["out"], description["kernel"],
                                  stride=description["stride"], padding=description["padding"],
                                  output_padding=description["output_padding"])
    if op == "relu":
        return nn.ReLU()
    if op == "leaky_relu":
        return nn.LeakyReLU(description["slope"])
    if op == "sigmoid":
        return nn.Sigmoid()
    if op == "flatten":
        return nn.Flatten()
    if op == "unflatten":
        return nn.Unflatten(1, tuple(description["shape"]))
    raise ValueError(f"unknown layer {op!r} in the file's rdc.layers")


class RDCNetwork(nn.Module):
    """The exported part of an R-DC model: ``encoder``, ``decoder`` and ``critic`` as
    ``nn.Sequential`` modules (those the part has), ``part`` naming what ``forward`` runs."""

    def __init__(self, part, layers):
        super().__init__()
        if part not in ("encoder", "decoder", "autoencoder", "critic"):
            raise ValueError(f"unknown part {part!r}")
        self.part = part
        for name in ("encoder", "decoder", "critic"):
            if name in layers:
                self.add_module(name, nn.Sequential(*[_layer(entry) for entry in layers[name]]))

    def forward(self, inputs):
        if self.part == "encoder":
            return self.encoder(inputs)
        if self.part == "decoder":
            return self.decoder(inputs)
        if self.part == "autoencoder":
            return self.decoder(self.encoder(inputs))
        return self.critic(inputs).mean(dim=1)


def load(path, device="cpu"):
    """The network of an ``export model FILE.safetensors`` file, weights loaded, in eval mode."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(path, framework="pt") as handle:
        metadata = handle.metadata() or {}
    if "rdc.layers" not in metadata or "rdc.part" not in metadata:
        raise ValueError(f"{path} was not written by `export model` (no rdc.layers / rdc.part metadata)")
    network = RDCNetwork(metadata["rdc.part"], json.loads(metadata["rdc.layers"]))
    network.load_state_dict(load_file(path, device=device), strict=True)
    return network.to(device).eval()
