#!/usr/bin/env python3
"""Record golden data for small Keras-parity points from real Keras 3.15.1 (torch backend, float64).

What it writes (parity.json):
    threshold:            keras.activations.threshold(x, threshold, default_value): y, and
                          dx = d sum(g*y)/dx by torch autograd through the Keras function. Some x
                          sit exactly on the threshold (Keras gives default_value and slope 0).
    layer_normalization:  LayerNormalization(axis=...).get_config()["axis"] for each form of the
                          argument: Keras keeps an integer an integer and a list a list.

Run with the shared keras-runner (../shared/keras-runner, its README says how to get the Keras
source):
    KERAS_RUNNER=<path of keras-runner> /usr/bin/python3 generate_parity.py out.json
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

keras.config.set_floatx("float64")
rng = np.random.default_rng(23)


def tensor(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def threshold_case(case_id, shape, threshold, default_value, on_threshold):
    x = rng.integers(-64, 65, size=shape).astype(np.float64) / 16
    flat = x.reshape(-1)
    flat[:on_threshold] = threshold
    g = rng.integers(-32, 33, size=shape).astype(np.float64) / 32
    xt = torch.tensor(x, requires_grad=True)
    y = keras.activations.threshold(xt, threshold, default_value)
    (y * torch.tensor(g)).sum().backward()
    return {"id": case_id, "threshold": threshold, "default_value": default_value, "x": tensor(x), "g": tensor(g),
            "expected": {"y": tensor(y.detach().numpy()), "dx": tensor(xt.grad.numpy())}}


threshold_cases = [
    threshold_case("threshold_0_default_0", (4, 5), 0.0, 0.0, 2),
    threshold_case("threshold_1_default_minus_2", (3, 7), 1.0, -2.0, 3),
    threshold_case("threshold_minus_1_5_default_0_25", (2, 3, 4), -1.5, 0.25, 1),
]

layer_normalization = []
for given in [-1, [-1], [1, 2], 1]:
    layer = keras.layers.LayerNormalization(axis=given)
    layer_normalization.append({"axis": given, "config_axis": layer.get_config()["axis"]})

out = {
    "meta": {
        "produced_by": "keras 3.15.1 (git tag v3.15.1), KERAS_BACKEND=torch, floatx float64",
        "generator": "tests/data/keras/generator/generate_parity.py",
    },
    "threshold": threshold_cases,
    "layer_normalization": layer_normalization,
}
with open(sys.argv[1], "w") as f:
    json.dump(out, f, indent=1)
