# Layer: benchmarks (tooling). The faiss and scikit-learn references for `rdc bench`'s
# hot-path cases; uses numpy, faiss-cpu, scikit-learn (and its threadpoolctl) and the standard library, reads the
# Fashion-MNIST IDX files, writes nothing. Run with .venv-bench/bin/python.
"""Times exact 10-NN and k-means on the points `rdc bench` uses, with faiss or scikit-learn.

The points (the same definition as `rdc bench`'s, see BenchCommand.swift): the first N
Fashion-MNIST images (train then test, 70,000 in all) as 784 pixel values in [0, 1], and
the same images as 10 values, the means of 10 consecutive runs of 78 pixels (the last run
also takes the 4 left over).

Cases (each timed once, after a small untimed warm-up on 1,000 points):
- ``knn-10d`` / ``knn-784d``: the 10 nearest other points of every point (exact, squared
  Euclidean, self excluded: 11 are searched and self dropped). faiss: ``IndexFlatL2``;
  scikit-learn: ``NearestNeighbors(algorithm="brute")``.
- ``kmeans``: k-means of the 10-dimensional points, K=10, 20 restarts (scikit-learn
  ``KMeans(n_clusters=10, n_init=20)``; faiss: not run).

Usage: benchmarks/hotpaths_reference.py --library faiss|sklearn [--threads 2] [--points 70000]
       [--format table|json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
NEIGHBOURS = 10
CLUSTERS = 10
RESTARTS = 20


def fashion_mnist_pixels(count: int) -> np.ndarray:
    """The first `count` images (train, then test) as [count, 784] float32 values in [0, 1]."""
    parts = []
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        with gzip.open(FASHION_MNIST / name, "rb") as file:
            data = file.read()
        parts.append(np.frombuffer(data, dtype=np.uint8, offset=16).reshape(-1, 784))
    pixels = np.concatenate(parts)[:count]
    if len(pixels) < count:
        raise SystemExit(f"error: Fashion-MNIST has {len(pixels)} images, {count} asked")
    return pixels.astype(np.float32) / 255


def ten_dimensional(pixels: np.ndarray) -> np.ndarray:
    """Means of 10 consecutive runs of 78 pixels, the last run taking the rest."""
    edges = [78 * j for j in range(10)] + [784]
    return np.stack([pixels[:, edges[j]:edges[j + 1]].mean(axis=1) for j in range(10)], axis=1).astype(np.float32)


def knn(library: str, points: np.ndarray) -> np.ndarray:
    """Indices of the 10 nearest other points of every point."""
    if library == "faiss":
        import faiss
        index = faiss.IndexFlatL2(points.shape[1])
        index.add(points)
        _, indices = index.search(points, NEIGHBOURS + 1)
    else:
        from sklearn.neighbors import NearestNeighbors
        model = NearestNeighbors(n_neighbors=NEIGHBOURS + 1, algorithm="brute").fit(points)
        indices = model.kneighbors(points, return_distance=False)
    return indices[:, 1:]


def kmeans(points: np.ndarray) -> float:
    """Inertia of scikit-learn's best of 20 k-means runs."""
    from sklearn.cluster import KMeans
    return float(KMeans(n_clusters=CLUSTERS, n_init=RESTARTS, random_state=0).fit(points).inertia_)


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1e3


def run(library: str, threads: int, count: int) -> dict:
    if library == "faiss":
        import faiss
        faiss.omp_set_num_threads(threads)
        version = faiss.__version__
    else:
        import sklearn
        version = sklearn.__version__
    load_before = os.getloadavg()[0]
    pixels = fashion_mnist_pixels(count)
    ten = ten_dimensional(pixels)
    cases = [("knn-10d", lambda: knn(library, ten)), ("knn-784d", lambda: knn(library, pixels))]
    if library == "sklearn":
        cases.append(("kmeans", lambda: kmeans(ten)))
    # Untimed warm-up on a small subset: imports, thread pools, JIT-free first-call costs.
    knn(library, ten[:1000])
    report = {"implementation": "faiss" if library == "faiss" else "scikit-learn", "version": version,
              "threads": threads, "points": count, "load_average_before": round(load_before, 2), "cases": []}
    for name, call in cases:
        milliseconds = timed(call)
        report["cases"].append({"name": name, "ms_per_step": round(milliseconds, 1), "mean_ms": round(milliseconds, 1)})
    return report


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", choices=("faiss", "sklearn"), required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--points", type=int, default=70_000)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    options = parser.parse_args(arguments)
    if options.threads < 1 or not 12 <= options.points <= 70_000:
        parser.error("--threads must be positive and --points within 12…70000")
    # The BLAS under numpy and the OpenMP pools of scikit-learn and faiss, all held to --threads.
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=options.threads):
        report = run(options.library, options.threads, options.points)
    if options.format == "json":
        print(json.dumps(report, indent=2))
    else:
        print(f"{report['implementation']} {report['version']}, {options.threads} threads, {options.points} points")
        for case in report["cases"]:
            print(f"{case['name']:<10} {case['ms_per_step']:>10.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
