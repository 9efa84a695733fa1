#!/usr/bin/env python3
"""Record golden data for Keras's confusion-matrix and F-score metrics and for sample weights,
from real Keras 3.15.1 (torch backend, float64).

What it writes (metrics.json):
    metrics:      for each case, a metric class and its constructor arguments, one or more batches
                  of (y_true, y_pred, sample_weight or none), and what Keras gives: result() after
                  every batch (a list of values for Precision/Recall with several thresholds and for
                  F-scores without `average`) and get_config(). Covers Precision, Recall, AUC,
                  FBetaScore, F1Score, and sample weights (and a mask) on the mean metrics.
    names:        the class keras.metrics.get(name) resolves each metric name to.
    errors:       constructor arguments Keras refuses (the test checks minidl refuses them too).
    weighted_fit: Dense models trained with fit(sample_weight=...) / fit(class_weight=...) (also
                  with validation_split) and evaluated with sample_weight (SGD, shuffle off): the history (loss, metrics and
                  weighted_metrics), the weights after fit and evaluate's logs.

Run with the shared keras-runner (../shared/keras-runner, its README says how to get the Keras
source):
    KERAS_RUNNER=<path of keras-runner> /usr/bin/python3 generate_metrics.py out.json
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.environ["KERAS_RUNNER"])
import keras_env  # noqa: E402

keras = keras_env.load_keras("torch")
keras_env.keep_float64_in_result_type(keras, True)
import torch  # noqa: E402

# Keras's multi-label AUC maps over labels with torch 2's torch.vmap; Debian's torch 1.13 has the
# same function as functorch.vmap.
if not hasattr(torch, "vmap"):
    import functorch  # noqa: E402
    torch.vmap = functorch.vmap

keras.config.set_floatx("float64")
rng = np.random.default_rng(41)


def tensor(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def values(result):
    a = np.asarray(keras.ops.convert_to_numpy(result), dtype=np.float64)
    return [float(v) for v in a.reshape(-1)]


def probabilities(shape):
    # Multiples of 1/64 offset by 1/128: never on a threshold of 0.5, 1/(n-1) or a case's list.
    return (rng.integers(0, 64, size=shape) + 0.5) / 64


def distinct_rows(rows, columns):
    # Probabilities without ties in a row, so that the top k of each row is one set.
    return np.stack([(rng.permutation(64)[:columns] + 0.5) / 64 for _ in range(rows)])


def labels(shape):
    return rng.integers(0, 2, size=shape).astype(np.float64)


def metric_case(case_id, cls, kwargs, batches, mask=None):
    metric = getattr(keras.metrics, cls)(dtype="float64", **kwargs)
    recorded, results = [], []
    for y_true, y_pred, weight in batches:
        prediction = torch.tensor(y_pred)
        entry = {"y_true": tensor(y_true), "y_pred": tensor(y_pred)}
        if mask is not None:
            keras.src.backend.set_keras_mask(prediction, torch.tensor(mask))
            entry["mask"] = tensor(mask)
        if weight is not None:
            entry["sample_weight"] = tensor(weight)
        metric.update_state(torch.tensor(y_true), prediction, None if weight is None else torch.tensor(weight))
        results.append(values(metric.result()))
        recorded.append(entry)
    config = metric.get_config()
    config.pop("dtype")
    if config.get("label_weights") is not None:  # a tensor in Keras's config
        config["label_weights"] = values(config["label_weights"])
    return {"id": case_id, "class": cls, "kwargs": kwargs, "batches": recorded, "results": results, "config": config}


cases = []
# Binary predictions, (samples,) and (samples, 1), with and without weights, over two batches.
y1, p1, y2, p2 = labels((12,)), probabilities((12,)), labels((9,)), probabilities((9,))
w1, w2 = rng.integers(0, 5, size=(12,)) / 4, rng.integers(0, 5, size=(9,)) / 4
for cls in ("Precision", "Recall"):
    lower = cls.lower()
    cases += [
        metric_case(f"{lower}_default_two_batches", cls, {}, [(y1, p1, None), (y2, p2, None)]),
        metric_case(f"{lower}_sample_weight", cls, {}, [(y1, p1, w1), (y2, p2, w2)]),
        metric_case(f"{lower}_thresholds_list", cls, {"thresholds": [0.3, 0.5, 0.72]}, [(y1, p1, None), (y2, p2, w2)]),
        metric_case(f"{lower}_thresholds_even", cls, {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, [(y1, p1, w1)]),
        metric_case(f"{lower}_one_threshold", cls, {"thresholds": 0.3}, [(y1[:, None], p1[:, None], None)]),
        metric_case(f"{lower}_top_k", cls, {"top_k": 2}, [(labels((6, 5)), distinct_rows(6, 5), None)]),
        metric_case(f"{lower}_class_id", cls, {"class_id": 2}, [(labels((7, 4)), probabilities((7, 4)), rng.integers(1, 4, size=(7,)) / 2)]),
        metric_case(f"{lower}_top_k_class_id", cls, {"top_k": 2, "class_id": 1, "name": f"my_{lower}"},
                    [(labels((8, 3)), distinct_rows(8, 3), None)]),
        metric_case(f"{lower}_thresholds_unsorted", cls, {"thresholds": [0.7, 0.3, 0.55]}, [(y1, p1, w1)]),
        metric_case(f"{lower}_even_outside_unit", cls, {"thresholds": [0.0, 0.5, 1.0]},
                    [(y1, (rng.integers(-64, 129, size=(12,)) + 0.5) / 64, None)]),
        metric_case(f"{lower}_rank3", cls, {"thresholds": [0.4, 0.6]}, [(labels((3, 4, 2)), probabilities((3, 4, 2)), None)]),
    ]
ya, pa, yb, pb = labels((40,)), probabilities((40,)), labels((25,)), probabilities((25,))
wa = rng.integers(0, 5, size=(40,)) / 4
cases += [
    metric_case("auc_roc_default", "AUC", {}, [(ya, pa, None), (yb, pb, None)]),
    metric_case("auc_roc_sample_weight", "AUC", {}, [(ya, pa, wa)]),
    metric_case("auc_pr_interpolation", "AUC", {"curve": "PR"}, [(ya, pa, None), (yb, pb, None)]),
    metric_case("auc_pr_minoring", "AUC", {"curve": "PR", "summation_method": "minoring"}, [(ya, pa, wa)]),
    metric_case("auc_roc_majoring", "AUC", {"summation_method": "majoring", "num_thresholds": 17}, [(ya, pa, None)]),
    metric_case("auc_prgain", "AUC", {"curve": "PRGAIN", "num_thresholds": 50}, [(ya, pa, None), (yb, pb, None)]),
    metric_case("auc_thresholds_uneven", "AUC", {"thresholds": [0.7, 0.2, 0.45]}, [(ya, pa, None)]),
    metric_case("auc_thresholds_even", "AUC", {"thresholds": [0.25, 0.5, 0.75]}, [(ya, pa, wa)]),
    metric_case("auc_from_logits", "AUC", {"from_logits": True, "num_thresholds": 33},
                [(ya, (rng.integers(-64, 65, size=(40,)) + 0.5) / 16, None)]),
    metric_case("auc_outside_unit", "AUC", {}, [(ya, (rng.integers(-64, 129, size=(40,)) + 0.5) / 64, None)]),
    metric_case("auc_pr_outside_unit", "AUC", {"curve": "PR"}, [(ya, (rng.integers(-64, 129, size=(40,)) + 0.5) / 64, wa)]),
    metric_case("auc_two_thresholds", "AUC", {"num_thresholds": 2}, [(ya, pa, None)]),
    metric_case("auc_multi_label", "AUC", {"multi_label": True}, [(labels((20, 3)), probabilities((20, 3)), None)]),
    metric_case("auc_multi_label_weights", "AUC", {"multi_label": True, "num_labels": 3, "label_weights": [0.5, 1.0, 2.0], "curve": "PR"},
                [(labels((20, 3)), probabilities((20, 3)), rng.integers(1, 5, size=(20,)) / 4)]),
    metric_case("auc_label_weights_flattened", "AUC", {"label_weights": [0.25, 1.0, 3.0]}, [(labels((15, 3)), probabilities((15, 3)), None)]),
]
yc, pc = np.eye(4)[rng.integers(0, 4, size=(14,))], probabilities((14, 4))
pc[0] = 0.0  # a row of zeros: no class predicted without a threshold
wc = rng.integers(0, 5, size=(14,)) / 4
yc2, pc2 = np.eye(4)[rng.integers(0, 4, size=(6,))], probabilities((6, 4))
for average in (None, "micro", "macro", "weighted"):
    tag = average or "none"
    cases += [
        metric_case(f"f1_{tag}", "F1Score", {"average": average}, [(yc, pc, None), (yc2, pc2, None)]),
        metric_case(f"f1_{tag}_threshold_weighted", "F1Score", {"average": average, "threshold": 0.5}, [(yc, pc, wc)]),
    ]
cases += [
    metric_case("fbeta_2_macro", "FBetaScore", {"average": "macro", "beta": 2.0}, [(yc, pc, None)]),
    metric_case("fbeta_half_none_threshold", "FBetaScore", {"beta": 0.5, "threshold": 0.4}, [(yc, pc, wc)]),
    metric_case("fbeta_multilabel", "FBetaScore", {"average": "micro", "threshold": 0.3}, [(labels((10, 3)), probabilities((10, 3)), None)]),
]
# Sample weights on the mean metrics: per sample, per time step, with a mask.
ys, ps = rng.normal(size=(5, 4, 3)), rng.normal(size=(5, 4, 3))
cases += [
    metric_case("mse_sample_weight", "MeanSquaredError", {}, [(ys[:, 0], ps[:, 0], rng.integers(0, 5, size=(5,)) / 4)]),
    metric_case("mae_temporal_weight", "MeanAbsoluteError", {}, [(ys, ps, rng.integers(0, 5, size=(5, 4)) / 4)]),
    metric_case("mae_weight_and_mask", "MeanAbsoluteError", {}, [(ys, ps, rng.integers(1, 5, size=(5, 4)) / 4)],
                mask=np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 0, 0]], dtype=np.float64)),
    metric_case("rmse_sample_weight", "RootMeanSquaredError", {}, [(ys, ps, rng.integers(0, 5, size=(5,)) / 4)]),
    metric_case("binary_accuracy_weight", "BinaryAccuracy", {"threshold": 0.4}, [(y1, p1, w1), (y2, p2, w2)]),
    metric_case("categorical_accuracy_weight", "CategoricalAccuracy", {}, [(yc, pc + 0.001 * np.arange(4), wc)]),
    metric_case("mse_scalar_weight", "MeanSquaredError", {}, [(ys[:, 0], ps[:, 0], np.array(0.5))]),
]

names = {}
for name in ("precision", "recall", "auc", "f1_score", "f_beta_score", "fbeta_score"):
    try:
        names[name] = type(keras.metrics.get(name)).__name__
    except Exception as error:  # noqa: BLE001
        names[name] = None

errors = []
for cls, kwargs in [("Precision", {"thresholds": [0.5, 1.5]}), ("Recall", {"thresholds": -0.1}),
                    ("AUC", {"num_thresholds": 1}), ("AUC", {"curve": "LIFT"}), ("AUC", {"summation_method": "trapezoid"}),
                    ("AUC", {"num_labels": 3}), ("AUC", {"thresholds": [0.2, 1.2]}),
                    ("F1Score", {"average": "samples"}), ("F1Score", {"threshold": 0.0}), ("F1Score", {"threshold": 1.5}),
                    ("FBetaScore", {"beta": 0.0}), ("FBetaScore", {"beta": -1.0})]:
    try:
        getattr(keras.metrics, cls)(**kwargs)
        refused = None
    except ValueError as error:
        refused = str(error)
    errors.append({"class": cls, "kwargs": kwargs, "keras_error": refused})


def weighted_fit_case(case_id, loss, x, y, kernel, bias, fit_kwargs, evaluate_kwargs, metrics, weighted_metrics, activation=None):
    model = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.Dense(y.shape[-1], activation=activation)])
    model.set_weights([kernel, bias])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, metrics=metrics, weighted_metrics=weighted_metrics)
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, **fit_kwargs)
    weights_after = [tensor(w) for w in model.get_weights()]
    logs = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True, **evaluate_kwargs)
    def encoded(kwargs):
        out = {k: (tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
        if "class_weight" in out:
            out["class_weight"] = {str(k): v for k, v in kwargs["class_weight"].items()}
        return out
    return {"id": case_id, "loss": loss, "activation": activation, "x": tensor(x), "y": tensor(y), "kernel": tensor(kernel),
            "bias": tensor(bias), "metrics": metrics, "weighted_metrics": weighted_metrics,
            "fit_arguments": encoded(fit_kwargs), "evaluate_arguments": encoded(evaluate_kwargs),
            "history": {k: [float(v) for v in vs] for k, vs in history.history.items()}, "weights_after": weights_after,
            "evaluate": {k: float(v) for k, v in logs.items()}}


xr = rng.integers(-64, 65, size=(10, 3)) / 32
yr = rng.integers(-64, 65, size=(10, 2)) / 32
kr, br = rng.integers(-32, 33, size=(3, 2)) / 32, rng.integers(-32, 33, size=(2,)) / 32
sw = rng.integers(0, 9, size=(10,)) / 4
xb = rng.integers(-64, 65, size=(10, 3)) / 32
yb_ = rng.integers(0, 2, size=(10, 1)).astype(np.float64)
kb, bb = rng.integers(-32, 33, size=(3, 1)) / 32, rng.integers(-32, 33, size=(1,)) / 32
xs = rng.integers(-64, 65, size=(10, 4, 3)) / 32
ysq = rng.integers(-64, 65, size=(10, 4, 2)) / 32
temporal = rng.integers(0, 5, size=(10, 4)) / 4
yk = np.eye(3)[rng.integers(0, 3, size=(10,))]
kk, bk = rng.integers(-32, 33, size=(3, 3)) / 32, rng.integers(-32, 33, size=(3,)) / 32
weighted_fit = [
    weighted_fit_case("sample_weight_mse", "mse", xr, yr, kr, br, {"sample_weight": sw}, {"sample_weight": sw}, ["mae"], ["mae", "mse"]),
    weighted_fit_case("sample_weight_temporal", "mae", xs, ysq, kr, br, {"sample_weight": temporal}, {"sample_weight": temporal},
                      ["mse"], ["mse"]),
    weighted_fit_case("class_weight_binary", "binary_crossentropy", xb, yb_, kb, bb, {"class_weight": {0: 1.0, 1: 3.5}}, {},
                      ["accuracy"], ["accuracy"], activation="sigmoid"),
    weighted_fit_case("class_weight_categorical", "categorical_crossentropy", xr, yk, kk, bk, {"class_weight": {0: 0.5, 2: 2.0}}, {},
                      [], ["categorical_accuracy"], activation="softmax"),
    weighted_fit_case("sample_weight_validation_split", "mse", xr, yr, kr, br, {"sample_weight": sw, "validation_split": 0.3},
                      {}, [], ["mae"]),
    # class_weight weighs the training part only; 10 samples at 0.25 train on floor(7.5) = 7.
    weighted_fit_case("class_weight_validation_split", "binary_crossentropy", xb, yb_, kb, bb,
                      {"class_weight": {0: 0.25, 1: 2.0}, "validation_split": 0.25}, {}, ["accuracy"], ["accuracy"], activation="sigmoid"),
]

out = {"generator": "tests/data/keras/generator/generate_metrics.py", "keras": keras.__version__, "backend": "torch",
       "metrics": cases, "names": names, "errors": errors, "weighted_fit": weighted_fit}
with open(sys.argv[1], "w") as f:
    json.dump(out, f, indent=1)
print(f"{len(cases)} metric cases, {len(weighted_fit)} fits, names {names}")
for e in errors:
    print(e["class"], e["kwargs"], "->", (e["keras_error"] or "accepted")[:100])
