#!/usr/bin/env python3
"""Record golden data for minidl's merge layers and whole-model machinery from real Keras 3
(torch backend, float64).

What it writes (models.json)
    merges:   Add and Concatenate called on lists of float64 tensors (broadcasting, an input
              of lower rank, three inputs, several axes): the output, and the gradient of
              sum(g * y) for every input, from torch autograd through the Keras layer.
    merge_errors: input lists Keras rejects, with its message (match the failure, not the words).
    summary:  the text of Sequential.summary() for the model of tests/models/fit_test.cpp
              (Conv1D "conv" 8 causal, BatchNormalization "norm", GlobalAveragePooling1D "pool",
              Dense "head" 1, on input (None, 16, 2)), printed without colours.
    sequential_config: the Sequential's get_config(), with its InputLayer entry, and the
              layer configs of every built-in class minidl can rebuild from a config.
    layer_cases: single-input layers the conformance run's layers.json leaves out or covers only
              with default options (Activation, Dropout, Reshape, normalization options, Dense
              without bias), in layers.json's format: weights set to random values first, then
              y = layer(x, **call_kwargs) and the gradients of sum(g * y) for the input and every
              trainable weight; moving statistics after a training call.

Run (Debian 12, see setup_keras_env.sh for the Keras 3.15.1 source and the stubs):
    KERAS_BACKEND=torch PYTHONPATH=<keras-src>:<stubs> /usr/bin/python3 generate_models.py out.json
"""
import io
import json
import sys

import numpy as np
import torch

import torch113_compat  # noqa: F401  (torch 1.13 shims; see stubs/)
import keras
from keras.src.backend.common import dtypes as keras_dtypes

keras_dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"  # keep float64 float64 (see the optimizer generator)
rng = np.random.default_rng(5)


def tensor(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def sample(shape):
    return rng.integers(-64, 65, size=shape).astype(np.float64) / 64.0


def merge_case(case_id, layer, shapes):
    inputs = [torch.tensor(sample(s), dtype=torch.float64, requires_grad=True) for s in shapes]
    y = layer(inputs)
    g = torch.tensor(sample(tuple(y.shape)), dtype=torch.float64)
    (y * g).sum().backward()
    return {"id": case_id, "class_name": layer.__class__.__name__, "config": layer.get_config(),
            "inputs": [tensor(x.detach().numpy()) for x in inputs], "g": tensor(g.numpy()),
            "expected": {"y": tensor(y.detach().numpy()), "dinputs": [tensor(x.grad.numpy()) for x in inputs]}}


def merges():
    L = keras.layers
    return [
        merge_case("add/same_shape", L.Add(dtype="float64"), [(2, 5, 3), (2, 5, 3)]),
        merge_case("add/broadcast_steps", L.Add(dtype="float64"), [(2, 5, 3), (2, 1, 3)]),
        merge_case("add/broadcast_channels", L.Add(dtype="float64"), [(2, 5, 1), (2, 5, 3)]),
        merge_case("add/lower_rank", L.Add(dtype="float64"), [(2, 5, 3), (2, 3)]),
        merge_case("add/three_inputs", L.Add(dtype="float64"), [(3, 4, 2), (3, 4, 2), (3, 4, 2)]),
        merge_case("concatenate/channels", L.Concatenate(dtype="float64"), [(2, 5, 3), (2, 5, 2)]),
        merge_case("concatenate/steps", L.Concatenate(axis=1, dtype="float64"), [(2, 5, 3), (2, 2, 3)]),
        merge_case("concatenate/three_inputs_axis_minus_2", L.Concatenate(axis=-2, dtype="float64"),
                   [(2, 1, 3), (2, 4, 3), (2, 2, 3)]),
        merge_case("concatenate/rank2", L.Concatenate(dtype="float64"), [(4, 3), (4, 5)]),
    ]


def merge_errors():
    L = keras.layers
    cases = [
        ("add/different_batch", L.Add, {}, [(2, 5, 3), (3, 5, 3)]),
        ("add/incompatible", L.Add, {}, [(2, 5, 3), (2, 4, 3)]),
        ("concatenate/mismatch", L.Concatenate, {}, [(2, 5, 3), (2, 4, 3)]),
        ("concatenate/rank_mismatch", L.Concatenate, {}, [(2, 5, 3), (2, 5)]),
    ]
    out = []
    for case_id, cls, kwargs, shapes in cases:
        try:
            cls(**kwargs)([np.zeros(s) for s in shapes])
            out.append({"id": case_id, "shapes": shapes, "raises": False})
        except Exception as error:  # noqa: BLE001  (recording what Keras raises)
            out.append({"id": case_id, "shapes": shapes, "raises": True, "type": type(error).__name__,
                        "message": str(error)})
    return out


def summary_model():
    model = keras.Sequential([
        keras.Input((16, 2)),
        keras.layers.Conv1D(8, 3, padding="causal", name="conv"),
        keras.layers.BatchNormalization(name="norm"),
        keras.layers.GlobalAveragePooling1D(name="pool"),
        keras.layers.Dense(1, name="head"),
    ], name="forecaster")
    return model


def summary_text(model):
    lines = []
    model.summary(print_fn=lambda text, line_break=True: lines.append(text))
    return "\n".join(lines)


def layer_configs():
    L = keras.layers
    layers = [
        L.Dense(3, activation="relu", name="dense_cfg"),
        L.Conv1D(4, 3, padding="causal", dilation_rate=2, name="conv_cfg"),
        L.Flatten(name="flatten_cfg"),
        L.Reshape((4, 2), name="reshape_cfg"),
        L.Activation("tanh", name="activation_cfg"),
        L.Dropout(0.25, seed=3, name="dropout_cfg"),
        L.GlobalAveragePooling1D(keepdims=True, name="gap_cfg"),
        L.GlobalMaxPooling1D(name="gmp_cfg"),
        L.MaxPooling1D(3, strides=2, padding="same", name="maxpool_cfg"),
        L.AveragePooling1D(2, name="avgpool_cfg"),
        L.ZeroPadding1D((1, 2), name="zeropad_cfg"),
        L.Cropping1D((2, 1), name="crop_cfg"),
        L.UpSampling1D(3, name="upsample_cfg"),
        L.BatchNormalization(momentum=0.9, epsilon=1e-3, name="batchnorm_cfg"),
        L.LayerNormalization(epsilon=1e-5, name="layernorm_cfg"),
        L.Add(name="add_cfg"),
        L.Concatenate(axis=1, name="concatenate_cfg"),
    ]
    return [{"class_name": layer.__class__.__name__, "config": layer.get_config()} for layer in layers]


def layer_case(case_id, layer, shape, call_kwargs=None):
    call_kwargs = call_kwargs or {}
    x = torch.tensor(sample(shape), dtype=torch.float64, requires_grad=True)
    layer.build(tuple(shape))
    if layer.weights:
        layer.set_weights([sample(tuple(w.shape)) + (1.0 if "variance" in w.path else 0.0) for w in layer.weights])
    weights = {w.name: tensor(w.numpy()) for w in layer.weights}
    y = layer(x, **call_kwargs)
    g = torch.tensor(sample(tuple(y.shape)), dtype=torch.float64)
    (y * g).sum().backward()
    expected = {"y": tensor(y.detach().numpy()), "dinputs": [tensor(x.grad.numpy())],
                "dweights": {w.name: tensor(w.value.grad.numpy()) for w in layer.trainable_weights}}
    if call_kwargs.get("training") and layer.non_trainable_weights:
        expected["non_trainable_weights_after_call"] = {w.name: tensor(w.numpy()) for w in layer.non_trainable_weights}
    config = layer.get_config()
    config.pop("dtype")
    return {"id": case_id, "class_name": layer.__class__.__name__, "config": config, "inputs": [tensor(x.detach().numpy())],
            "weights": weights, "weight_order": [w.name for w in layer.weights],
            "trainable_weights": [w.name for w in layer.trainable_weights], "call_kwargs": call_kwargs,
            "g": tensor(g.numpy()), "expected": expected}


def layer_cases():
    L = keras.layers
    f64 = {"dtype": "float64"}
    return [
        layer_case("activation_tanh", L.Activation("tanh", **f64), (2, 5, 3)),
        layer_case("activation_softmax", L.Activation("softmax", **f64), (2, 5, 3)),
        layer_case("dropout_inference", L.Dropout(0.5, **f64), (2, 5, 3)),
        layer_case("reshape_4_3", L.Reshape((3, 5), **f64), (2, 5, 3)),
        layer_case("reshape_inferred", L.Reshape((-1, 1), **f64), (2, 5, 3)),
        layer_case("dense_no_bias_rank3", L.Dense(4, use_bias=False, activation="sigmoid", **f64), (2, 5, 3)),
        layer_case("layernorm_axes_1_2_no_center", L.LayerNormalization(axis=[1, 2], center=False, epsilon=1e-5, **f64),
                   (2, 5, 3)),
        layer_case("layernorm_no_scale", L.LayerNormalization(scale=False, **f64), (2, 5, 3)),
        layer_case("batchnorm_axis1_training", L.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-2, **f64), (4, 3, 5),
                   {"training": True}),
        layer_case("batchnorm_no_center_inference", L.BatchNormalization(center=False, **f64), (4, 5, 3)),
        layer_case("batchnorm_no_scale_training", L.BatchNormalization(scale=False, momentum=0.5, **f64), (4, 5, 3),
                   {"training": True}),
    ]


def main():
    model = summary_model()
    record = {
        "meta": {"keras": keras.__version__, "backend": keras.backend.backend(), "torch": torch.__version__,
                 "generator": "tests/data/keras/generator/generate_models.py"},
        "merges": merges(),
        "merge_errors": merge_errors(),
        "summary": {"model": "Sequential forecaster: conv(Conv1D 8, causal) norm(BatchNormalization) "
                             "pool(GlobalAveragePooling1D) head(Dense 1) on (None, 16, 2)",
                    "text": summary_text(model)},
        "sequential_config": model.get_config(),
        "layer_configs": layer_configs(),
        "layer_cases": layer_cases(),
    }
    with open(sys.argv[1], "w") as out:
        json.dump(record, out, indent=1)


if __name__ == "__main__":
    main()
