#!/usr/bin/env python3
"""Record golden data for small Keras-parity points from real Keras 3.15.1 (torch backend, float64).

What it writes (parity.json):
    threshold:            keras.activations.threshold(x, threshold, default_value): y, and
                          dx = d sum(g*y)/dx by torch autograd through the Keras function. Some x
                          sit exactly on the threshold (Keras gives default_value and slope 0).
    layer_normalization:  LayerNormalization(axis=...).get_config()["axis"] for each form of the
                          argument: Keras keeps an integer an integer and a list a list.
    argmax, argmin:       keras.ops.argmax/argmin(x, axis, keepdims) on values with ties and a NaN.
    take:                 keras.ops.take(x, indices, axis) with negative and repeated indices, and
                          dx = d sum(g*y)/dx by torch autograd.
    one_hot:              keras.ops.one_hot(x, num_classes, axis) with an index of -1 (a row of
                          zeros; Keras on torch raises for an index past the end, so none is).
    on_batch:             a Dense model with an L2 kernel penalty (SGD, mse, metric mae): the logs of
                          train_on_batch and test_on_batch (return_dict=True), the weights after the
                          training step, and predict_on_batch.

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

def ints(a):
    return [int(v) for v in np.asarray(a).reshape(-1)]


# Quarters in [-1, 1]: many ties.
tied = rng.integers(-4, 5, size=(3, 4, 5)).astype(np.float64) / 4
tied[1, 2, 3] = np.nan
arg_cases = []
for op in ["argmax", "argmin"]:
    for axis in [None, 0, 1, -1]:
        for keepdims in [False, True]:
            y = getattr(keras.ops, op)(torch.tensor(tied), axis=axis, keepdims=keepdims)
            # JSON has no NaN: x is stored with 0 in its place, and nan_at says where it goes.
            arg_cases.append({"op": op, "axis": axis, "keepdims": keepdims, "x": tensor(np.nan_to_num(tied, nan=0.0)),
                              "nan_at": int(np.flatnonzero(np.isnan(tied))[0]),
                              "expected": {"shape": list(y.shape), "data": ints(y.numpy())}})

take_x = rng.integers(-64, 65, size=(3, 4, 5)).astype(np.float64) / 16
take_cases = []
# Flattened (axis None), Keras's torch backend counts a negative index from the end of axis 0
# instead of the flattened tensor (its TensorFlow, JAX and NumPy backends, and minidl, from the
# end of the flattened tensor), so that case has none.
for axis, indices in [(None, [[0, 59], [58, 7]]), (0, [2, -3, 2]), (1, [[3, 0, 3], [-1, 1, 1]]), (-1, [4, -5, 0, 4])]:
    xt = torch.tensor(take_x, requires_grad=True)
    y = keras.ops.take(xt, torch.tensor(indices), axis=axis)
    g = rng.integers(-32, 33, size=tuple(y.shape)).astype(np.float64) / 32
    (y * torch.tensor(g)).sum().backward()
    take_cases.append({"axis": axis, "indices": {"shape": list(np.asarray(indices).shape), "data": ints(indices)},
                       "x": tensor(take_x), "g": tensor(g),
                       "expected": {"y": tensor(y.detach().numpy()), "dx": tensor(xt.grad.numpy())}})

classes = np.array([[0, 3, 1], [-1, 2, 3]])
one_hot_cases = []
for axis in [-1, 0, 1, 2]:
    y = keras.ops.one_hot(torch.tensor(classes), 4, axis=axis)
    one_hot_cases.append({"axis": axis, "num_classes": 4, "x": {"shape": list(classes.shape), "data": ints(classes)},
                          "expected": tensor(y.numpy())})

on_batch_x = rng.integers(-64, 65, size=(5, 4)).astype(np.float64) / 32
on_batch_y = rng.integers(-64, 65, size=(5, 3)).astype(np.float64) / 32
kernel = rng.integers(-32, 33, size=(4, 3)).astype(np.float64) / 32
bias = rng.integers(-32, 33, size=(3,)).astype(np.float64) / 32
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L2(0.01))])
model.set_weights([kernel, bias])
model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
train_logs = model.train_on_batch(on_batch_x, on_batch_y, return_dict=True)
weights_after = [tensor(w) for w in model.get_weights()]
test_logs = model.test_on_batch(on_batch_x, on_batch_y, return_dict=True)
on_batch = {"x": tensor(on_batch_x), "y": tensor(on_batch_y), "kernel": tensor(kernel), "bias": tensor(bias),
            "l2": 0.01, "learning_rate": 0.1,
            "train_logs": {k: float(v) for k, v in train_logs.items()}, "weights_after": weights_after,
            "test_logs": {k: float(v) for k, v in test_logs.items()},
            "predict": tensor(np.asarray(model.predict_on_batch(on_batch_x)))}

out = {
    "meta": {
        "produced_by": "keras 3.15.1 (git tag v3.15.1), KERAS_BACKEND=torch, floatx float64",
        "generator": "tests/data/keras/generator/generate_parity.py",
    },
    "threshold": threshold_cases,
    "layer_normalization": layer_normalization,
    "arg": arg_cases,
    "take": take_cases,
    "one_hot": one_hot_cases,
    "on_batch": on_batch,
}
with open(sys.argv[1], "w") as f:
    json.dump(out, f, indent=1)
