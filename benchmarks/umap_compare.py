#!/usr/bin/env python3
"""Our UMAP (`rdc umap`) against umap-learn on the same input (issue 16's acceptance).

Quality: on a fixture of embeddings, trustworthiness (scikit-learn, 10 neighbours) of both
layouts, and ACC of k-means (20 restarts) and a full-covariance GMM read off both layouts, each
for 3 seeds (medians reported). Both layouts are scored by the same scikit-learn code.
Speed: one back-to-back run of ours and umap-learn with its defaults (no random_state, so its
parallel SGD; n_jobs=-1) on the same input; umap-learn is timed cold (first call in the
process, numba compilation included) and warm (second call).

Needs umap-learn and scikit-learn (a separate venv, e.g. .venv-umap):
  .venv-umap/bin/python benchmarks/umap_compare.py quality --input E.npy --labels Y.npy \
      --rdc .build/release/rdc --dims 10 --neighbours 20 --min-dist 0 --normalise
  .venv-umap/bin/python benchmarks/umap_compare.py speed --input E70k.npy --rdc .build/release/rdc \
      --dims 10 --neighbours 20 --min-dist 0 --normalise
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def accuracy(labels, clusters):
    from scipy.optimize import linear_sum_assignment
    labels = np.asarray(labels)
    clusters = np.asarray(clusters)
    lv, li = np.unique(labels, return_inverse=True)
    cv, ci = np.unique(clusters, return_inverse=True)
    table = np.zeros((len(cv), len(lv)), dtype=np.int64)
    np.add.at(table, (ci, li), 1)
    rows, cols = linear_sum_assignment(-table)
    return table[rows, cols].sum() / len(labels)


def ours(args, points_path, seed, threads):
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "layout.npy")
        command = [args.rdc, "umap", points_path, out, "--dims", str(args.dims), "--neighbours", str(args.neighbours),
                   "--min-dist", str(args.min_dist), "--seed", str(seed)]
        if threads:
            command += ["--threads", str(threads)]
        if args.normalise:
            command.append("--normalise")
        start = time.perf_counter()
        report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        report["wall_seconds"] = time.perf_counter() - start
        return np.load(out), report


def umap_learn(args, points, seed):
    import umap
    kwargs = dict(n_neighbors=args.neighbours, min_dist=args.min_dist, n_components=args.dims)
    if seed is not None:
        kwargs["random_state"] = seed
    start = time.perf_counter()
    layout = umap.UMAP(**kwargs).fit_transform(points)
    return layout, time.perf_counter() - start


def prepared(args):
    points = np.load(args.input).astype(np.float32)
    if args.normalise:
        points = points / np.linalg.norm(points, axis=1, keepdims=True)
    return points


def quality(args):
    from sklearn.cluster import KMeans
    from sklearn.manifold import trustworthiness
    from sklearn.mixture import GaussianMixture
    points = prepared(args)
    labels = np.load(args.labels)
    k = len(np.unique(labels))
    # Trustworthiness needs all pairwise distances: on large inputs it is taken on a seeded sample.
    sample = np.arange(len(points))
    if len(points) > args.trust_sample:
        sample = np.sort(np.random.default_rng(0).choice(len(points), args.trust_sample, replace=False))
    rows = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        for name in ("ours", "umap-learn"):
            if name == "ours":
                layout, report = ours(args, args.input, seed, args.threads)
                seconds = report["seconds"]["total"]
            else:
                layout, seconds = umap_learn(args, points, seed)
            row = {"implementation": name, "seed": seed, "seconds": seconds,
                   "trustworthiness": float(trustworthiness(points[sample], layout[sample], n_neighbors=10))}
            row["acc_kmeans"] = accuracy(labels, KMeans(k, n_init=20, random_state=seed).fit_predict(layout))
            row["acc_gmm_full"] = accuracy(labels, GaussianMixture(k, covariance_type="full", random_state=seed)
                                           .fit(layout).predict(layout))
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {}
    for name in ("ours", "umap-learn"):
        mine = [r for r in rows if r["implementation"] == name]
        summary[name] = {key: statistics.median(r[key] for r in mine)
                         for key in ("trustworthiness", "acc_kmeans", "acc_gmm_full", "seconds")}
    summary["input"] = {"file": args.input, "rows": int(points.shape[0]), "columns": int(points.shape[1]),
                        "normalised": args.normalise, "dims": args.dims, "neighbours": args.neighbours,
                        "min_dist": args.min_dist, "trustworthiness_sample": int(len(sample))}
    print(json.dumps({"median_of_seeds": summary}, indent=1))


def speed(args):
    import numba
    points = prepared(args)
    layout, report = ours(args, args.input, 0, args.threads)
    print(json.dumps({"ours": report}), flush=True)
    _, cold = umap_learn(args, points, None)
    _, warm = umap_learn(args, points, None)
    print(json.dumps({"umap-learn": {"cold_seconds": cold, "warm_seconds": warm, "numba_threads": numba.get_num_threads()},
                      "ours_seconds": report["seconds"]["total"], "ours_wall_seconds": report["wall_seconds"],
                      "ratio_ours_to_warm": report["seconds"]["total"] / warm}, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["quality", "speed"])
    parser.add_argument("--input", required=True)
    parser.add_argument("--labels")
    parser.add_argument("--rdc", default=".build/release/rdc")
    parser.add_argument("--dims", type=int, default=2)
    parser.add_argument("--neighbours", type=int, default=15)
    parser.add_argument("--min-dist", type=float, default=0.1)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--normalise", action="store_true")
    parser.add_argument("--trust-sample", type=int, default=10000,
                        help="score trustworthiness on a seeded sample of this many points when the input is larger")
    args = parser.parse_args()
    if args.mode == "quality":
        if not args.labels:
            sys.exit("quality needs --labels")
        quality(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
