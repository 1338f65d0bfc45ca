#!/usr/bin/env python3
"""The 70,000 × 10 input of the UMAP speed comparison: all Fashion-MNIST images (train then test),
each reduced to the means of 10 runs of 78 pixels (the last run takes the 4 left over), as
`rdc bench`'s knn-10d case. Usage: fashion_runmeans.py OUT.npy"""
import gzip
import sys

import numpy as np


def images(path):
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)


folder = "/usr/share/datasets/fashion-mnist/"
pixels = np.concatenate([images(folder + "train-images-idx3-ubyte.gz"),
                         images(folder + "t10k-images-idx3-ubyte.gz")]).astype(np.float32) / 255
means = np.stack([pixels[:, r * 78:(784 if r == 9 else (r + 1) * 78)].mean(1) for r in range(10)], 1)
np.save(sys.argv[1], means.astype(np.float32))
