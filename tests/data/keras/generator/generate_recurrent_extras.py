#!/usr/bin/env python3
"""Record golden data for TimeDistributed and stateful recurrent layers from real Keras 3.15.1
(torch backend, float64), into recurrent_extras.json.

    time_distributed: TimeDistributed around Dense, Conv1D, a masked sequence, and BatchNormalization
              in training, with and without a mask (each step's part of it reaches the layer): the config, the weights set, y, the gradients of sum(g * y) for the input
              and every trainable weight, the weights after the call (moving statistics).
    stateful: a stateful layer called on consecutive chunks of a batch of sequences, then after
              reset_states(): each call's outputs and the states the layer holds after it.
    dropout:  a training call of a layer with dropout and/or recurrent_dropout whose cell was
              handed fixed masks (0 or 1 / (1 - rate), Keras's form) in place of drawing its own:
              the masks as the cell used them (one, or one per gate), y, and the gradients of
              sum(g * y) for the input and every weight.
    functional_initial_state: an encoder-decoder functional model whose decoder LSTM starts from
              the encoder's final states (initial_state=[h, c]) and whose GRU starts from one state
              given alone (initial_state=h): the config, the weights, the outputs and the gradients
              of sum(g * y) over both outputs for both inputs and every weight.

Run with the shared keras-runner (../shared/keras-runner, its README says how to get the Keras
source):
    KERAS_RUNNER=<path of keras-runner> /usr/bin/python3 generate_recurrent_extras.py out.json
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
rng = np.random.default_rng(23)
L = keras.layers


def tensor(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def sample(shape, scale=64):
    return rng.integers(-scale, scale + 1, size=shape).astype(np.float64) / scale


def time_distributed_case(case_id, layer, x, training=False, masked_steps=()):
    for b, s in masked_steps:
        x[b, s] = 0.0
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    inputs = L.Masking(0.0)(xt) if masked_steps else xt
    layer.build(tuple(x.shape))
    for w in layer.weights:
        if w.trainable:
            w.assign(sample(tuple(w.shape), 32) / 2)
    weights = [tensor(w.numpy()) for w in layer.weights]
    y = layer(inputs, training=training)
    g = sample(tuple(y.shape))
    (y * torch.tensor(g)).sum().backward()
    mask = getattr(y, "_keras_mask", None)
    return {"id": case_id, "config": layer.get_config(), "x": tensor(x), "training": training, "masked": bool(masked_steps),
            "weights": weights, "g": tensor(g),
            "expected": {"y": tensor(y.detach().numpy()), "dx": tensor(xt.grad.numpy()),
                         "mask": None if mask is None else tensor(mask.detach().double().numpy()),
                         "dweights": [tensor(w.value.grad.numpy()) for w in layer.weights if w.trainable],
                         "weights_after": [tensor(w.numpy()) for w in layer.weights]}}


def time_distributed():
    return [
        time_distributed_case("dense", L.TimeDistributed(L.Dense(3)), sample((2, 4, 5))),
        time_distributed_case("conv1d", L.TimeDistributed(L.Conv1D(2, 2)), sample((2, 3, 6, 2))),
        time_distributed_case("batch_normalization_training", L.TimeDistributed(L.BatchNormalization()), sample((3, 4, 2)),
                              training=True),
        time_distributed_case("dense_masked", L.TimeDistributed(L.Dense(2, activation="tanh")), sample((2, 5, 3)),
                              masked_steps=[(0, 4), (1, 0)]),
        time_distributed_case("batch_normalization_training_masked", L.TimeDistributed(L.BatchNormalization()), sample((3, 4, 2)),
                              training=True, masked_steps=[(0, 1), (2, 1), (1, 3)]),
    ]


def stateful_case(case_id, layer, chunks):
    steps = sum(chunks)
    x = sample((2, steps, 3))
    layer.build((2, chunks[0], 3))
    for w in layer.weights:
        w.assign(sample(tuple(w.shape), 32) / 2)
    weights = [tensor(w.numpy()) for w in layer.weights]
    calls = []
    start = 0
    for length in chunks:
        y = layer(torch.tensor(x[:, start:start + length]))
        calls.append({"start": start, "stop": start + length, "y": tensor(y.detach().numpy()),
                      "states": [tensor(s.numpy()) for s in layer.states]})
        start += length
    layer.reset_states()
    y = layer(torch.tensor(x[:, :chunks[0]]))
    calls.append({"reset_before": True, "start": 0, "stop": chunks[0], "y": tensor(y.detach().numpy()),
                  "states": [tensor(s.numpy()) for s in layer.states]})
    return {"id": case_id, "config": layer.get_config(), "x": tensor(x), "weights": weights, "calls": calls}


def stateful():
    return [
        stateful_case("lstm_sequences", L.LSTM(3, stateful=True, return_sequences=True), [3, 2, 4]),
        stateful_case("gru_last", L.GRU(2, stateful=True), [2, 3]),
        stateful_case("simple_rnn_backwards", L.SimpleRNN(2, stateful=True, go_backwards=True, return_sequences=True), [3, 3]),
    ]


def dropout_case(case_id, layer, dropout_count, recurrent_count):
    x = sample((3, 4, 2))
    layer.build(x.shape)
    for w in layer.weights:
        w.assign(sample(tuple(w.shape), 32) / 2)
    weights = [tensor(w.numpy()) for w in layer.weights]
    units = layer.cell.units

    def masks(count, width, rate):
        if count == 0:
            return None
        drawn = [(rng.random((3, width)) >= rate) / (1 - rate) for _ in range(count)]
        return drawn
    input_masks = masks(dropout_count, 2, layer.cell.dropout)
    recurrent_masks = masks(recurrent_count, units, layer.cell.recurrent_dropout)
    # The cell keeps the masks it was handed for the call instead of drawing its own.
    as_cell_takes = lambda m: None if m is None else (torch.tensor(m[0]) if len(m) == 1 else [torch.tensor(v) for v in m])
    layer.cell._dropout_mask = as_cell_takes(input_masks)
    layer.cell._recurrent_dropout_mask = as_cell_takes(recurrent_masks)
    xt = torch.tensor(x, requires_grad=True)
    y = layer(xt, training=True)
    g = sample(tuple(y.shape))
    (y * torch.tensor(g)).sum().backward()
    return {"id": case_id, "class_name": layer.__class__.__name__, "config": layer.get_config(), "x": tensor(x), "weights": weights,
            "input_masks": None if input_masks is None else [tensor(m) for m in input_masks],
            "recurrent_masks": None if recurrent_masks is None else [tensor(m) for m in recurrent_masks], "g": tensor(g),
            "expected": {"y": tensor(y.detach().numpy()), "dx": tensor(xt.grad.numpy()),
                         "dweights": [tensor(w.value.grad.numpy()) for w in layer.weights]}}


def dropout():
    return [
        dropout_case("lstm_input_only", L.LSTM(3, dropout=0.25, return_sequences=True), 1, 0),
        dropout_case("lstm_both_per_gate", L.LSTM(3, dropout=0.25, recurrent_dropout=0.5, return_sequences=True), 4, 4),
        dropout_case("gru_both_per_gate", L.GRU(3, dropout=0.25, recurrent_dropout=0.5, return_sequences=True, go_backwards=True), 3, 3),
        dropout_case("gru_reset_before_recurrent_only", L.GRU(3, recurrent_dropout=0.5, reset_after=False, return_sequences=True), 0, 3),
        dropout_case("gru_input_only", L.GRU(2, dropout=0.5), 1, 0),
        dropout_case("simple_rnn_both", L.SimpleRNN(3, dropout=0.25, recurrent_dropout=0.5, return_sequences=True), 1, 1),
    ]


def functional_initial_state():
    history = keras.Input((5, 3), name="history")
    future = keras.Input((4, 2), name="future")
    _, h, c = L.LSTM(3, return_state=True, name="encoder")(history)
    sequence = L.LSTM(3, return_sequences=True, name="decoder")(future, initial_state=[h, c])
    last = L.GRU(2, name="gru")(future, initial_state=L.Dense(2, name="proj")(h))
    model = keras.Model([history, future], [L.Dense(1, name="out")(sequence), last], name="encoder_decoder")
    for w in model.weights:
        w.assign(sample(tuple(w.shape), 32) / 2)
    weights = [tensor(w.numpy()) for w in model.weights]
    xs = [torch.tensor(sample((2, 5, 3)), requires_grad=True), torch.tensor(sample((2, 4, 2)), requires_grad=True)]
    ys = model(xs)
    gs = [sample(tuple(y.shape)) for y in ys]
    sum((y * torch.tensor(g)).sum() for y, g in zip(ys, gs)).backward()
    return {"config": model.get_config(), "weights": weights, "x": [tensor(x.detach().numpy()) for x in xs], "g": [tensor(g) for g in gs],
            "expected": {"y": [tensor(y.detach().numpy()) for y in ys], "dx": [tensor(x.grad.numpy()) for x in xs],
                         "dweights": [tensor(w.value.grad.numpy()) for w in model.weights]}}


out = {"meta": {"produced_by": f"keras {keras.__version__} (torch backend), float64, with keras-runner's shims",
                "generator": "tests/data/keras/generator/generate_recurrent_extras.py"},
       "time_distributed": time_distributed(), "stateful": stateful(), "dropout": dropout(),
       "functional_initial_state": functional_initial_state()}
with open(sys.argv[1], "w") as f:
    json.dump(out, f)
print(len(out["time_distributed"]), "time_distributed,", len(out["stateful"]), "stateful,", len(out["dropout"]), "dropout")
