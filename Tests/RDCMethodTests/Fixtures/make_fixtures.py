"""Writes the scikit-learn reference values the RDCMethod tests compare against.

Run from the worktree root:  .venv/bin/python Tests/RDCMethodTests/Fixtures/make_fixtures.py
Needs numpy, scipy and scikit-learn. Every array of points is rounded to float32 first, so
the Swift side (Float32) and scikit-learn see exactly the same numbers.
"""
import json
import os

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import DBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import (adjusted_rand_score, f1_score, normalized_mutual_info_score,
                             silhouette_score)
from sklearn.metrics.cluster import contingency_matrix
from sklearn.mixture import GaussianMixture

HERE = os.path.dirname(os.path.abspath(__file__))


def f32(array):
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def mapped_prediction(labels, clusters):
    """Hungarian map of clusters to labels; clusters left unmapped predict no label (-1)."""
    label_values, label_index = np.unique(labels, return_inverse=True)
    cluster_values, cluster_index = np.unique(clusters, return_inverse=True)
    table = contingency_matrix(labels, clusters)  # rows: labels, columns: clusters
    rows, columns = linear_sum_assignment(table, maximize=True)
    accuracy = table[rows, columns].sum() / len(labels)
    to_label = {columns[i]: label_values[rows[i]] for i in range(len(rows))}
    missing = min(label_values.min(), 0) - 1  # a value that is no label
    predicted = np.array([to_label.get(c, missing) for c in cluster_index])
    return accuracy, predicted, label_values


def metric_case(name, labels, clusters):
    labels, clusters = np.asarray(labels), np.asarray(clusters)
    accuracy, predicted, label_values = mapped_prediction(labels, clusters)
    return {
        "name": name,
        "labels": labels.tolist(),
        "clusters": clusters.tolist(),
        "acc": float(accuracy),
        "nmi": float(normalized_mutual_info_score(labels, clusters)),
        "ari": float(adjusted_rand_score(labels, clusters)),
        "f1_macro": float(f1_score(labels, predicted, labels=label_values, average="macro", zero_division=0)),
        "f1_micro": float(f1_score(labels, predicted, labels=label_values, average="micro", zero_division=0)),
    }


def metrics_fixture(rng):
    cases = [
        metric_case("perfect relabelled", [0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 9, 9]),
        metric_case("ties in the confusion matrix", [0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 0, 1]),
        metric_case("one cluster", [0, 1, 2, 0, 1, 2], [7, 7, 7, 7, 7, 7]),
        metric_case("both single", [4, 4, 4], [1, 1, 1]),
        metric_case("independent", [0, 0, 1, 1], [0, 1, 0, 1]),
    ]
    for name, n, labels_k, clusters_k in [
        ("unequal sizes", 200, 4, 4),
        ("more clusters than labels", 300, 3, 7),
        ("fewer clusters than labels", 300, 8, 3),
        ("many classes", 1000, 10, 12),
    ]:
        weights = rng.dirichlet(np.ones(labels_k) * 0.7)
        labels = rng.choice(labels_k, size=n, p=weights)
        noisy = rng.random(n) < 0.35
        clusters = np.where(noisy, rng.integers(0, clusters_k, size=n), labels % clusters_k)
        # Non-contiguous label values on one case, to exercise value-to-index mapping.
        if name == "unequal sizes":
            labels = labels * 3 + 2
        cases.append(metric_case(name, labels, clusters))

    silhouettes = []
    for name, n, d, k in [("blobs", 60, 3, 3), ("overlapping", 90, 5, 4), ("with singleton", 31, 2, 3)]:
        centres = rng.normal(0, 3, size=(k, d))
        labels = rng.integers(0, k, size=n)
        if name == "with singleton":
            labels[:30] = rng.integers(0, k - 1, size=30)
            labels[30] = k - 1
        points = f32(centres[labels] + rng.normal(0, 1, size=(n, d)))
        silhouettes.append({"name": name, "points": points.ravel().tolist(), "rows": n, "columns": d,
                            "labels": labels.tolist(),
                            "silhouette": float(silhouette_score(points, labels, metric="euclidean"))})
    return {"cases": cases, "silhouette": silhouettes}


def blobs(rng, n, d, k, spread):
    centres = rng.normal(0, 4, size=(k, d))
    labels = rng.integers(0, k, size=n)
    return f32(centres[labels] + rng.normal(0, spread, size=(n, d))), labels


def clustering_fixture(rng):
    kmeans = []
    for name, n, d, k, spread in [("separated", 300, 4, 5, 0.6), ("overlapping", 800, 8, 10, 2.5)]:
        points, _ = blobs(rng, n, d, k, spread)
        model = KMeans(n_clusters=k, n_init=10, init="k-means++", max_iter=300, tol=0, random_state=0).fit(points)
        kmeans.append({"name": name, "points": points.ravel().tolist(), "rows": n, "columns": d, "k": k,
                       "restarts": 10, "inertia": float(model.inertia_)})

    points, _ = blobs(rng, 240, 2, 4, 0.5)
    noise = f32(rng.uniform(-14, 14, size=(20, 2)))
    points = np.vstack([points, noise])
    dbscan = {"points": points.ravel().tolist(), "rows": len(points), "columns": 2, "eps": 0.9,
              "min_points": 5,
              "labels": DBSCAN(eps=0.9, min_samples=5).fit(points).labels_.tolist()}

    points, _ = blobs(rng, 400, 3, 4, 0.8)
    points[:, 2] *= 0.3  # unequal variances per dimension: the diagonal model matters
    points = f32(points)
    gmm = GaussianMixture(n_components=4, covariance_type="diag", random_state=0).fit(points)
    mixture = {"points": points.ravel().tolist(), "rows": len(points), "columns": 3, "k": 4,
               "labels": gmm.predict(points).tolist(),
               "mean_log_likelihood": float(gmm.score(points))}

    points = f32(rng.normal(size=(150, 6)) @ rng.normal(size=(6, 6)) + rng.normal(size=6))
    projection = PCA(n_components=2).fit_transform(points)
    pca = {"points": points.ravel().tolist(), "rows": len(points), "columns": 6,
           "projection": projection.ravel().tolist()}
    return {"kmeans": kmeans, "dbscan": dbscan, "gmm": mixture, "pca": pca}


def npz_fixture(rng):
    """A MedMNIST-shaped archive written by numpy itself with deflated members."""
    arrays = {}
    for split, count in [("train", 6), ("val", 2), ("test", 3)]:
        arrays[f"{split}_images"] = rng.integers(0, 256, size=(count, 5, 4), dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, 3, size=(count, 1)).astype(np.int64)
    path = os.path.join(HERE, "medmnist_small_compressed.npz")
    np.savez_compressed(path, **arrays)
    return {split: {"images": arrays[f"{split}_images"].ravel().tolist(),
                    "labels": arrays[f"{split}_labels"].ravel().tolist()} for split in ["train", "val", "test"]}


def main():
    rng = np.random.default_rng(20250303)
    for name, content in [("metrics.json", metrics_fixture(rng)),
                          ("clustering.json", clustering_fixture(rng)),
                          ("medmnist_small_compressed.json", npz_fixture(rng))]:
        with open(os.path.join(HERE, name), "w") as out:
            json.dump(content, out)
        print("wrote", name)


if __name__ == "__main__":
    main()
