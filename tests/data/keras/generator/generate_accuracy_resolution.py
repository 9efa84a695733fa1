#!/usr/bin/env python3
"""What the metric name "accuracy" computes in real Keras 3.15.1's compile, for targets and
predictions of several shapes (compile_utils.get_metric picks binary, sparse categorical or
categorical accuracy from them). Writes tests/data/keras/accuracy_resolution.json.

Run (see keras_reads_minidl.py for the set-up):
    /usr/bin/python3 tests/data/keras/generator/generate_accuracy_resolution.py tests/data/keras/accuracy_resolution.json
"""
import json
import os
import sys

sys.path.insert(0, os.environ.get("KERAS_RUNNER", "/work/shared/keras-runner"))
import keras_env  # noqa: E402

keras = keras_env.load_keras("torch")
import numpy as np  # noqa: E402
from keras.src.trainers import compile_utils  # noqa: E402

CASES = [
    ("sparse labels against probabilities", [2, 0, 1, 1], [4], [0.2, 0.3, 0.5, 0.6, 0.3, 0.1, 0.1, 0.8, 0.1, 0.5, 0.2, 0.3], [4, 3]),
    ("labels with a last extent of 1", [2, 0, 1, 1], [4, 1], [0.2, 0.3, 0.5, 0.6, 0.3, 0.1, 0.1, 0.8, 0.1, 0.5, 0.2, 0.3], [4, 3]),
    ("one-hot targets", [0, 1, 1, 0, 0, 1], [3, 2], [0.2, 0.8, 0.7, 0.3, 0.4, 0.6], [3, 2]),
    ("binary targets", [1, 0, 1, 0], [4, 1], [0.9, 0.4, 0.3, 0.6], [4, 1]),
    ("values compared along the last axis", [1, 2, 3], [3], [1, 0, 3], [3]),
]


def main(target):
    cases = []
    for what, y_true, true_shape, y_pred, pred_shape in CASES:
        t = np.asarray(y_true, np.float32).reshape(true_shape)
        p = np.asarray(y_pred, np.float32).reshape(pred_shape)
        metric = compile_utils.get_metric("accuracy", t, p)
        metric.update_state(t, p)
        cases.append({"what": what, "y_true": {"shape": true_shape, "data": y_true},
                      "y_pred": {"shape": pred_shape, "data": y_pred},
                      "keras_metric_class": type(metric).__name__, "result": float(metric.result())})
    with open(target, "w") as f:
        json.dump({"produced_by": "keras 3.15.1 (torch backend), compile_utils.get_metric('accuracy', y_true, y_pred)",
                   "generator": "tests/data/keras/generator/generate_accuracy_resolution.py", "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
