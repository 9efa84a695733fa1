#!/usr/bin/env python3
"""Record golden data for minidl's masks from real Keras 3.15.1 (torch backend, float64).

What it writes (masking.json), each case with its inputs, the weights Keras's layers were set to
(in model.weights order), and what Keras gives:
    models:  Masking first, then layers that honour, pass on or drop the mask; the output, its mask
             (null when Keras gives none), a loss of the output against y_true with Keras's mask
             handling, its gradients for the input and every trainable weight, and metric results
             after one update_state; moving statistics after a training call where the model has
             BatchNormalization.
    merges:  two masked or unmasked inputs merged by Add or Concatenate: the output's mask.

Run with the shared keras-runner (../shared/keras-runner, its README says how to get the Keras
source):
    KERAS_RUNNER=<path of keras-runner> /usr/bin/python3 generate_masking.py out.json
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.environ["KERAS_RUNNER"])
import keras_env  # noqa: E402

keras = keras_env.load_keras("torch")
keras_env.shim_torch_any_all_dims()
keras_env.shim_torch_squeeze_dims()
keras_env.keep_float64_in_result_type(keras, True)
import torch  # noqa: E402

keras.config.set_floatx("float64")
rng = np.random.default_rng(17)
L = keras.layers


def tensor(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def sample(shape, scale=64):
    return rng.integers(-scale, scale + 1, size=shape).astype(np.float64) / scale


def padded(shape, masked):
    """A sequence batch with the listed (sample, step) pairs set to zero."""
    x = sample(shape)
    for b, s in masked:
        x[b, s, :] = 0.0
    return x


def mask_of(t):
    m = getattr(t, "_keras_mask", None)
    return None if m is None else tensor(m.detach().double().numpy())


def model_case(case_id, layers, x, y_true, loss, metrics, training=False):
    model = keras.Sequential([keras.Input(shape=x.shape[1:], dtype="float64")] + layers)
    for w in model.weights:
        if w.trainable:
            w.assign(sample(tuple(w.shape), 32) / 2)
    weights = [tensor(w.numpy()) for w in model.weights]
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = model(xt, training=training)
    loss_object = loss
    value = loss_object(torch.tensor(y_true), y)
    value.backward()
    results = {}
    for name in metrics:
        metric = METRICS[name]()
        metric.update_state(torch.tensor(y_true), y)
        results[name] = float(metric.result())
    trainable = [w for w in model.weights if w.trainable]
    return {"id": case_id, "config": model.get_config(), "x": tensor(x), "y_true": tensor(y_true),
            "loss": keras.losses.serialize(loss_object), "training": training, "weights": weights,
            "expected": {"y": tensor(y.detach().numpy()), "mask": mask_of(y), "loss": float(value),
                         "dx": tensor(xt.grad.numpy()),
                         "dweights": [tensor(w.value.grad.numpy()) for w in trainable],
                         "metrics": results,
                         "weights_after": [tensor(w.numpy()) for w in model.weights]}}


METRICS = {"mean_squared_error": keras.metrics.MeanSquaredError, "mean_absolute_error": keras.metrics.MeanAbsoluteError,
           "root_mean_squared_error": keras.metrics.RootMeanSquaredError,
           "sparse_categorical_accuracy": keras.metrics.SparseCategoricalAccuracy}
MSE, MAE = keras.losses.MeanSquaredError, keras.losses.MeanAbsoluteError


def models():
    cases = []
    x = padded((3, 5, 4), [(0, 3), (0, 4), (1, 1), (2, 0)])
    cases.append(model_case(
        "lstm_sequence_dense_mse", [L.Masking(0.0), L.LSTM(3, return_sequences=True), L.Dense(2)],
        x, sample((3, 5, 2)), MSE(), ["mean_squared_error", "mean_absolute_error", "root_mean_squared_error"]))
    cases.append(model_case(
        "gru_sequence_sparse_ignore_class",
        [L.Masking(0.0), L.GRU(3, return_sequences=True), L.Dense(4)], x,
        rng.integers(0, 4, size=(3, 5)).astype(np.float64),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2),
        ["sparse_categorical_accuracy"]))
    cases.append(model_case(
        "masking_global_average", [L.Masking(0.0), L.Dense(3), L.GlobalAveragePooling1D(), L.Dense(1)],
        x, sample((3, 1)), MAE(), ["mean_absolute_error"]))
    cases.append(model_case(
        "masking_batch_normalization_training", [L.Masking(0.0), L.BatchNormalization(), L.SimpleRNN(2)],
        x, sample((3, 2)), MSE(), ["mean_squared_error"], training=True))
    cases.append(model_case(
        "bidirectional_gru_masked", [L.Masking(0.0), L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="sum"),
                                     L.Dense(1)],
        x, sample((3, 5, 1)), MSE(), ["mean_squared_error"]))
    cases.append(model_case(
        "conv_drops_the_mask", [L.Masking(0.0), L.Conv1D(2, 2, padding="causal"), L.LSTM(2)],
        x, sample((3, 2)), MSE(), []))
    x_value = padded((2, 4, 3), [(0, 2), (1, 3)])
    x_value[x_value == 0.0] = 0.5
    cases.append(model_case(
        "mask_value_half_lstm_last", [L.Masking(0.5), L.LSTM(2, go_backwards=True)],
        x_value, sample((2, 2)), MSE(), []))
    return cases


def merge_case(case_id, layer, first_masked, second_masked):
    inputs = []
    for masked in (first_masked, second_masked):
        x = torch.tensor(padded((2, 4, 3), [(0, 1), (1, 3)] if masked else []), dtype=torch.float64)
        inputs.append(L.Masking(0.0)(x) if masked else x)
    y = layer(inputs)
    return {"id": case_id, "class_name": layer.__class__.__name__, "config": layer.get_config(),
            "inputs": [tensor(x.detach().numpy()) for x in inputs], "masked": [first_masked, second_masked],
            "expected": {"y": tensor(y.detach().numpy()), "mask": mask_of(y)}}


def merges():
    return [
        merge_case("add_both_masked", L.Add(), True, True),
        merge_case("add_one_masked", L.Add(), True, False),
        merge_case("concat_features_one_masked", L.Concatenate(axis=-1), True, False),
        merge_case("concat_features_both_masked", L.Concatenate(axis=-1), True, True),
        merge_case("concat_steps_one_masked", L.Concatenate(axis=1), False, True),
    ]


out = {"meta": {"produced_by": f"keras {keras.__version__} (torch backend), float64, with keras-runner's shims",
                "generator": "tests/data/keras/generator/generate_masking.py"},
       "models": models(), "merges": merges()}
with open(sys.argv[1], "w") as f:
    json.dump(out, f)
print(len(out["models"]), "models,", len(out["merges"]), "merges")
